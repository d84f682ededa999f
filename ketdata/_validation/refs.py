"""Following ``$ref`` between ketdata's own schemas: the one place that knows how they point at each other.

The schemas refer to each other by ``$id`` (``urn:ketdata:schema:…``) and JSON pointer, and are not
recursive, so a reference can always be replaced by what it points at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def load_schemas(schema_dir: Path) -> dict[str, dict[str, Any]]:
    """Every ``*.schema.json`` in the folder, by name (the file name without ``.schema.json``)."""
    return {
        p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(schema_dir.glob("*.schema.json"))
    }


class SchemaSet:
    """A set of schemas, able to resolve the references between them."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.schemas = schemas
        self._by_id = {s["$id"]: s for s in schemas.values()}

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """The node with its ``$ref`` (if any) replaced by the target, the node's own keywords winning."""
        ref = node.get("$ref")
        if not ref:
            return node
        base, _, pointer = ref.partition("#")
        target: Any = self._by_id[base]
        for part in filter(None, pointer.split("/")):
            target = target[part]
        return {**self.resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}

    def inline(self, node: Any) -> Any:
        """The node with every reference, at any depth, replaced by what it points at."""
        if isinstance(node, Mapping):
            resolved = self.resolve(node)
            return {k: self.inline(v) for k, v in resolved.items() if k != "$id"}
        if isinstance(node, list):
            return [self.inline(v) for v in node]
        return node
