"""The JSON Schemas are themselves checked: valid Draft 2020-12, closed, and described field by field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from .helpers import ROOT

SCHEMAS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "schema").glob("*.schema.json"))}


def objects(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sub-schema that declares properties, with its JSON-pointer-ish location."""
    if isinstance(node, dict):
        # `{"required": [...], "properties": {name: true}}` in a condition's branch defines nothing: it names the
        # required field as Ajv's strict mode asks (strictRequired), the field being defined beside the condition.
        if "properties" in node and any(sub is not True for sub in node["properties"].values()):
            yield where, node
        for key, value in node.items():
            if key != "if":  # a condition's "properties" constrain values; they define no fields
                yield from objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from objects(value, f"{where}/{i}")


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:ketdata:schema:")
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_is_described_and_every_object_closed(name: str) -> None:
    undescribed = [
        f"{where}/{prop}"
        for where, node in objects(SCHEMAS[name])
        for prop, sub in node["properties"].items()
        if not sub.get("description")
    ]
    open_objects = [where for where, node in objects(SCHEMAS[name]) if node.get("additionalProperties") is not False]
    assert undescribed == []
    assert open_objects == []


def test_ids_have_patterns() -> None:
    defs = SCHEMAS["common.schema.json"]["$defs"]
    assert all("pattern" in defs[name] for name in ("slug", "claimId", "caveatId"))
    unpatterned = [
        name
        for name, schema in SCHEMAS.items()
        if name not in ("common.schema.json", "export.schema.json")
        and "$ref" not in schema["properties"]["id"]
        and "pattern" not in schema["properties"]["id"]
    ]
    assert unpatterned == []


def test_all_schemas_carry_the_same_version() -> None:
    assert len({s["x-schema-version"] for s in SCHEMAS.values()}) == 1


# The record-model branch rewrites these two; their patterns get the same end anchor when it merges.
_PREFIX_ONLY = {
    "^[^=+\\-@\\t\\r\\uff1d\\uff0b\\uff0d\\uff20\\u207a\\u207c\\u208a\\u208c\\u2a75\\u2a76\\ufb29\\ufe62\\ufe63\\ufe66\\ufe6b]"
}  # the quote's first character: the rest is the article's own text


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return own + [p for v in node.values() for p in _patterns(v)]
    return [p for v in node for p in _patterns(v)] if isinstance(node, list) else []


@pytest.mark.parametrize("path", sorted((ROOT / "schema").glob("*.schema.json")))
def test_every_pattern_matches_the_whole_value(path: Path) -> None:
    # '$' also matches before a final newline, in ECMA-262 and Python alike: "claim-001\n" would pass.
    patterns = _patterns(json.loads(path.read_text(encoding="utf-8")))
    assert [p for p in patterns if p not in _PREFIX_ONLY and not p.endswith("(?![\\s\\S])")] == []
    assert [p for p in patterns if p not in _PREFIX_ONLY and not p.startswith("^")] == []
