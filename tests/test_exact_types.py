"""Exact types where data is read: every field of every record type, given a value of each wrong YAML type.

The fields come from the JSON Schemas themselves, so a field added to a schema is attacked here without
anyone writing a case for it. A wrong type is refused at the line of its key, as an error, with no
traceback; the fast schema check and jsonschema agree on it; and no command crashes on such a record.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, SequenceNode

from ketdata._cli import main
from ketdata._io.yaml import NodeCache
from ketdata._model.convert import KINDS
from ketdata._model.problems import Severity
from ketdata._read.paths import schema_dir
from ketdata._validation.folder import DataFile, read_file
from ketdata._validation.refs import SchemaSet, load_schemas
from ketdata._validation.schema import build_validators, schema_check

from .helpers import DATA

SCHEMAS = load_schemas(schema_dir())
INLINE = SchemaSet(SCHEMAS)
# The file each record kind is attacked in (its first record is the one changed).
FILES = {kind: f"{stem}.yaml" for kind, _, stem in KINDS} | {
    "dataset": "dataset.yaml",
    "claim": "claims/identity.yaml",
    "source": "sources/ketamine-overview.yaml",
}
# A value of each type YAML can give, as the reader sees it; "whole-float" is 7.0, which is not an integer.
WRONG: dict[str, Any] = {
    "string": "plain text",
    "integer": 7,
    "whole-float": 7.0,
    "float": 2.5,
    "boolean": True,
    "null": None,
    "date": datetime.date(2020, 1, 1),
    "array": ["x"],
    "object": {"x": "y"},
}
_ACCEPTS = {
    "string": {"string"},
    "integer": {"integer"},
    "number": {"integer", "whole-float", "float"},
    "boolean": {"boolean"},
    "null": {"null"},
    "array": {"array"},
    "object": {"object"},
}
Path_ = tuple[str, ...]


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "whole-float" if value.is_integer() else "float"
    return {str: "string", type(None): "null", list: "array", dict: "object"}[type(value)]


def accepted(node: Any) -> set[str] | None:
    """The YAML value types a schema node accepts; None when it says nothing about types."""
    node = INLINE.resolve(node)
    found: set[str] | None = None
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        found = set().union(*(_ACCEPTS[t] for t in types))
    for values in ([node["const"]] if "const" in node else [], node.get("enum", [])):
        if values:
            kinds = {_type_of(v) for v in values}
            found = kinds if found is None else found & kinds
    for branches in (node.get("anyOf"), node.get("oneOf")):
        if branches:
            each = [accepted(b) for b in branches]
            if all(e is not None for e in each):
                union = set().union(*(e for e in each if e is not None))
                found = union if found is None else found & union
    return found


def fields(node: Any, prefix: Path_ = ()) -> Iterator[tuple[Path_, set[str]]]:
    """Every field of a schema (``*`` for an array's items), with the types it accepts."""
    node = INLINE.resolve(node)
    if prefix:
        types = accepted(node)
        if types is not None:
            yield prefix, types
    for key, child in node.get("properties", {}).items():
        if child is not True:  # `{name: true}` beside a branch's `required` defines nothing (Ajv's strictRequired)
            yield from fields(child, (*prefix, key))
    if isinstance(node.get("items"), dict):
        yield from fields(node["items"], (*prefix, "*"))
    for branch in node.get("oneOf", []) + node.get("anyOf", []):
        if isinstance(branch, dict) and "properties" in branch:
            yield from fields({"properties": branch["properties"]}, prefix)


CASES = sorted(
    {
        (kind, ".".join(path), wrong)
        for kind in FILES
        for path, types in fields(SCHEMAS[kind])
        for wrong in WRONG
        if wrong not in types
    }
)


def first_record(kind: str) -> dict[str, Any]:
    return dict(next(yaml.safe_load_all((DATA / FILES[kind]).read_text(encoding="utf-8"))))


def put(record: dict[str, Any], path: Path_, value: Any) -> tuple[str | int, ...]:
    """Set the value at a schema path (creating what is missing); the concrete path it landed at."""
    parent: Any = record
    concrete: list[str | int] = []
    for part, after in zip(path, (*path[1:], None), strict=True):
        key: str | int = 0 if part == "*" else part
        concrete.append(key)
        if after is None:
            if part == "*" and not parent:
                parent.append(None)
            parent[key] = value
            break
        empty: Any = [] if after == "*" else {}
        if part == "*":
            if not parent or not isinstance(parent[0], type(empty)):
                parent[:1] = [empty]
        elif not isinstance(parent.get(key), type(empty)):
            parent[key] = empty
        parent = parent[key]
    return tuple(concrete)


def place(text: str, path: tuple[str | int, ...]) -> int:
    """The line of the key (or list item) at ``path`` in the first document of a YAML text, found by PyYAML alone."""
    node: Node = next(iter(yaml.compose_all(text, Loader=yaml.CSafeLoader)))
    line = node.start_mark.line
    for part in path:
        if isinstance(node, MappingNode):
            key, node = next((k, v) for k, v in node.value if k.value == part)
            line = key.start_mark.line
        else:
            assert isinstance(node, SequenceNode)
            node = node.value[int(part)]
            line = node.start_mark.line
    return line + 1


def attacked(kind: str, dotted: str, wrong: str, *, alone: bool = False) -> tuple[str, str, int, str | None]:
    """The attacked file's new text (``alone``: only the attacked record), its name, the line of the wrong value
    and the record's id."""
    file = DATA / FILES[kind]
    documents = list(yaml.load_all(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    record = copy.deepcopy(documents[0])
    where = put(record, tuple(dotted.split(".")), copy.deepcopy(WRONG[wrong]))
    documents = [record] if alone else [record, *documents[1:]]
    text = yaml.dump_all(documents, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False,
                         explicit_start=True, width=10_000)  # fmt: skip
    rid = record.get("id") if isinstance(record.get("id"), str) else None
    return text, FILES[kind], place(text, where), rid


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("exact-types")
    shutil.copytree(DATA, root / "data")
    shutil.copytree(DATA.parent / "releases", root / "releases")
    yield root


@contextlib.contextmanager
def planted(project: Path, kind: str, dotted: str, wrong: str) -> Iterator[tuple[Path, int, str | None]]:
    text, name, line, rid = attacked(kind, dotted, wrong)
    path = project / "data" / name
    saved = path.read_bytes()
    path.write_text(text, encoding="utf-8")
    try:
        yield path, line, rid
    finally:
        path.write_bytes(saved)


def test_the_schemas_give_many_fields_to_attack() -> None:
    kinds = {kind for kind, _, _ in CASES}
    assert kinds == set(FILES)
    assert len(CASES) > 500
    # The fields of the issue: an offset, a version, a date, a flag.
    assert {("claim", "evidence.*.start", "whole-float"), ("claim", "version", "whole-float"),
            ("claim", "version", "boolean"), ("claim", "review.reviewed_on", "date"),
            ("claim", "object.quantity.approximate", "integer")} <= set(CASES)  # fmt: skip


def typed_everywhere(value: Any, node: Any) -> bool:
    """Whether every value present in a record has a type its schema allows (as the rules may assume)."""
    node = INLINE.resolve(node)
    types = accepted(node)
    if types is not None and _type_of(value) not in types:
        return False
    if isinstance(value, dict):
        props = dict(node.get("properties", {}))
        for branch in node.get("oneOf", []) + node.get("anyOf", []):
            props |= {k: v for k, v in INLINE.resolve(branch).get("properties", {}).items() if v is not True}
        return all(typed_everywhere(v, props[k]) for k, v in value.items() if k in props)
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return all(typed_everywhere(v, node["items"]) for v in value)
    return True


def test_every_wrong_type_of_every_field_is_refused_where_it_stands_and_taken_out(tmp_path: Path) -> None:
    """Every case, at the read layer: a located error, and a value the later rules read with no wrong type in it."""
    validators = build_validators(SCHEMAS)
    missed = []
    for kind, dotted, wrong in CASES:
        text, name, line, rid = attacked(kind, dotted, wrong, alone=True)
        path = tmp_path / Path(name).name
        path.write_text(text, encoding="utf-8")
        records, problems = read_file(DataFile(path, kind), path.read_bytes(), NodeCache())
        found, typed, _ = schema_check(validators[kind], records[0])
        problems += found
        hit = any(p.severity is Severity.ERROR and (p.line, p.record_id) == (line, rid) for p in problems)
        if not hit or not typed_everywhere(typed, SCHEMAS[kind]):
            missed.append((kind, dotted, wrong, [(p.code, p.line) for p in problems]))
    assert missed == []


@settings(max_examples=int(os.environ.get("KETDATA_TYPE_EXAMPLES", "120")), deadline=None)
@given(case=st.sampled_from(CASES))
def test_validate_refuses_a_wrong_type_where_it_stands(project: Path, case: tuple[str, str, str]) -> None:
    """The whole run (rules across records included) on a sample; KETDATA_TYPE_EXAMPLES=2000 runs every case."""
    with planted(project, *case) as (path, line, rid):
        code, out, err = cli("validate", str(project / "data"), "--format", "json")
    assert "Traceback" not in out + err
    found = json.loads(out)
    assert code == 1
    assert any(
        p["severity"] == "error" and p["file"] == str(path) and p["line"] == line and p["record_id"] == rid
        for p in found
    ), found


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES))
def test_the_fast_check_and_jsonschema_agree_on_every_wrong_type(case: tuple[str, str, str]) -> None:
    kind, dotted, wrong = case
    record = first_record(kind)
    put(record, tuple(dotted.split(".")), copy.deepcopy(WRONG[wrong]))
    validator = build_validators(SCHEMAS)[kind]
    try:
        validator.fast(record)
        fast = True
    except Exception:
        fast = False
    assert fast is False
    assert validator.full.is_valid(record) is False


@pytest.mark.parametrize("value", [7, 7.0, 0, -1, True, 10**30])
def test_the_fast_check_and_jsonschema_agree_on_integers(value: Any) -> None:
    record = first_record("claim")
    record["evidence"][0]["start"] = value
    validator = build_validators(SCHEMAS)["claim"]
    try:
        validator.fast(record)
        fast = True
    except Exception:
        fast = False
    assert fast is validator.full.is_valid(record)
    assert fast is (type(value) is int and 0 <= value <= 2**53 - 1)  # what every export format holds


READERS = [
    ["show", "{id}", "--data", "{data}"],
    ["list", "--data", "{data}", "--format", "json"],
    ["fmt", "--check", "{data}"],
    ["diff", "{releases}/3.1.0.json", "{data}"],
    ["export", "--check", "--out", "{out}", "{data}"],
    ["coverage", "{data}"],
    ["locate", "Ketamine is a medication", "--data", "{data}"],
    ["release", "--dry-run", "{data}"],
]


@settings(max_examples=15, deadline=None)
@given(case=st.sampled_from(CASES))
def test_no_command_crashes_on_a_wrong_type(project: Path, case: tuple[str, str, str]) -> None:
    with planted(project, *case) as (_, _, rid):
        for command in READERS:
            values = {"id": rid or "claim-001", "data": project / "data", "out": project / "out",
                      "releases": project / "releases"}  # fmt: skip
            args = [a.format(**values) for a in command]
            code, out, err = cli(*args)
            assert code in (0, 1, 2), args
            assert "Traceback" not in out + err, args
            if command[0] in ("show", "list", "export", "locate", "release"):
                # A command that uses the records refuses to run on one of the wrong type.
                assert code == 1, (args, out, err)


_SCALAR_TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["yes", "No", "on", "~", "null", "", "1_000", "0x1F", "0o7", "-.inf", ".NaN", "2020-01-01",
                     "2020-01-01T10:00:00Z", "1e3", "+1", "=", "<<", "!x", "&a", "*a", "y", "n", "O", "12:30:00"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_SCALAR_TEXTS, min_size=1, max_size=6), style=st.sampled_from(["", "'", '"']))
def test_the_reader_resolves_every_scalar_as_the_safe_loader_does(values: list[str], style: str) -> None:
    from ketdata._io.yaml import _Reader

    items = [yaml.dump(v, Dumper=yaml.CSafeDumper, default_style=style or None).removesuffix("\n...\n") for v in values]
    text = "".join(f"- {item.strip()}\n" for item in items) + "- plain words\n- " + " ".join(values)[:20] + "\n"
    try:
        expected = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return
    got = yaml.compose(text, Loader=_Reader)
    assert [n.tag for n in got.value] == [n.tag for n in expected.value]
