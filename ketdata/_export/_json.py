"""The JSON export (one document), NDJSON (one file per record type, one record per line) and their JSON Schemas.

Every record is written with every field of its schema, in sorted order: null for an unset optional value, [] for
an empty list, at every depth. So a line's shape never depends on the data, and a reader that infers a schema
(DuckDB) sees the same columns whatever records the file holds. The line schemas, derived from the record schemas,
say so: every field required, the optional ones nullable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ketdata._model.convert import KINDS, to_plain
from ketdata._model.dataset import Dataset
from ketdata._model.frozen import Frozen, fields
from ketdata._model.records import Source
from ketdata._validation.refs import SchemaSet

FORMAT = "ketdata-json"
FORMAT_VERSION = 2  # 2: every record field written, null or [] when unset
DOCUMENT_SCHEMA = "json/ketdata.schema.json"
_ID = "urn:ketdata:export:json"
# Keywords a line schema keeps from the record schemas: types and value rules. Rules across fields (oneOf, if/then,
# minProperties) and minItems speak of fields being absent, which on a line they never are; the records passed them.
_KEEP = (
    "description",
    "enum",
    "const",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "uniqueItems",
)
_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number"}
# Not a field of the source record (the article lives in a file beside it) but of every export of it.
SOURCE_TEXT = {
    "description": "The source's full text, exactly as in its file (the UTF-8 encoding of this text has the "
    "record's sha256): every start and end offset of the dataset counts Unicode code points into it.",
    "type": "string",
    "minLength": 1,
}
_NAMES: dict[type, tuple[str, ...]] = {}


def compact(value: Any) -> str:
    """One value as compact JSON: sorted keys, UTF-8 text, no spaces (the C encoder's fast path)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_chunks(doc: Mapping[str, Any], lists: Mapping[str, Iterable[str]] | None = None) -> Iterator[str]:
    """A JSON object, piece by piece: keys sorted, each item of its top-level lists on a line of its own.

    Valid JSON that diffs record by record, written by the C encoder, which indented output never is.

    Args:
        doc: The object's plain members.
        lists: Members that are lists of items already encoded as compact JSON, by key.
    """
    encoded = dict(lists or {})
    yield "{"
    for n, key in enumerate(sorted({*doc, *encoded})):
        yield ",\n" if n else "\n"
        items = encoded.get(key)
        if items is None and isinstance(doc.get(key), list) and doc[key]:
            items = (compact(item) for item in doc[key])
        if items is None:
            yield f"{compact(key)}:{compact(doc.get(key, []))}"
            continue
        yield f"{compact(key)}:["
        first = True
        for item in items:
            yield ("\n" if first else ",\n") + item
            first = False
        yield "]" if first else "\n]"
    yield "\n}\n"


def record_lines(doc: Mapping[str, Any], lists: Mapping[str, Iterable[str]] | None = None) -> str:
    """The whole of ``record_chunks`` as one text."""
    return "".join(record_chunks(doc, lists))


def full_plain(value: Any) -> Any:
    """A record as JSON-ready values with every field, in sorted order: None when unset, a list for a tuple."""
    names = _NAMES.get(type(value))
    if names is None:
        if not isinstance(value, Frozen):
            return [full_plain(v) for v in value] if isinstance(value, tuple) else value
        names = _NAMES[type(value)] = tuple(sorted(fields(value)))
    plain = {name: full_plain(getattr(value, name)) for name in names}
    if isinstance(value, Source):  # the article travels with its offsets: every quote resolves from the export
        plain["text"] = value.text
    return plain


def record_strings(ds: Dataset, attr: str) -> list[str]:
    """One kind's records as compact JSON, a string each: an NDJSON line and a JSON export line alike."""
    return [compact(full_plain(r)) for r in getattr(ds, attr)]


def line_id(attr: str) -> str:
    """The ``$id`` of the JSON Schema of one record type's NDJSON lines."""
    return f"{_ID}:{attr}"


class _LineSchemas(SchemaSet):
    """The record schemas rewritten for export lines: self-contained, every field required, unset ones nullable."""

    def line(self, kind: str, attr: str, version: str) -> dict[str, Any]:
        record = self.schemas[kind]
        # Fields derived at load (a claim's caveats) are in every export, though never in the data files.
        record = {**record, "properties": {**record["properties"], **record.get("x-derived", {})}}
        line = {"$schema": record["$schema"], "$id": line_id(attr), "title": f"{record['title']} (export line)",
                "x-schema-version": version, **self.node(record, True)}  # fmt: skip
        if kind == "source":
            properties = {**line["properties"], "text": SOURCE_TEXT}
            line.update(required=sorted(properties), properties=dict(sorted(properties.items())))
        return line

    def node(self, node: Any, required: bool) -> dict[str, Any]:
        node = self.resolve(node)
        options = [self.resolve(o) for o in node.get("anyOf", ())]
        values = [o for o in options if o.get("type") != "null"]
        nullable = not required or len(values) < len(options)
        if values:  # text or null: the text's rules, the field's own description
            node = {**values[0], **{k: v for k, v in node.items() if k != "anyOf"}}
        kind = node.get("type") or ("object" if "properties" in node else None)
        if isinstance(kind, list):
            nullable = nullable or "null" in kind
            kind = next(k for k in kind if k != "null")
        if kind is None:
            kind = _JSON_TYPES[type(node["const"] if "const" in node else node["enum"][0])]
        out = {k: node[k] for k in _KEEP if k in node}
        if kind == "array":
            return {**out, "type": "array", "items": self.node(node["items"], True)}  # an unset list is []
        out["type"] = [kind, "null"] if nullable else kind
        if nullable and ("enum" in out or "const" in out):
            out["enum"] = [*out.pop("enum", [out.pop("const", None)]), None]
        if kind == "object":
            required_here = set(node.get("required", ()))
            # A working-state field (a source update's mark) is never in a released record, so never on a line.
            names = sorted(n for n, sub in node["properties"].items() if not sub.get("x-unreleased"))
            properties = {n: self.node(node["properties"][n], n in required_here) for n in names}
            out.update(additionalProperties=False, required=names, properties=properties)
        return out


def line_schemas(schemas: Mapping[str, Any], version: str) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each record type's export lines (NDJSON and JSON alike), by Dataset attribute.

    Args:
        schemas: The record JSON Schemas by name.
        version: The schema version the records follow.
    """
    known = _LineSchemas(schemas)
    return {attr: known.line(kind, attr, version) for kind, attr, _ in KINDS}


def document_schema(schemas: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The JSON Schema of the whole-dataset document: its head, and each record list's lines by ``$ref``."""
    dataset = {k: v for k, v in SchemaSet(schemas).inline(schemas["dataset"]).items() if not k.startswith(("$", "x-"))}
    lists = {attr: {"description": f"{schemas[kind]['title']} records, by id.", "type": "array",
                    "items": {"$ref": line_id(attr)}} for kind, attr, _ in KINDS}  # fmt: skip
    head = {
        "format": {"description": f"Always '{FORMAT}': what this document is.", "const": FORMAT},
        "format_version": {"description": "Version of this document's layout.", "const": FORMAT_VERSION},
        "schema_version": {"description": "Version of the record schemas the records follow.", "const": version},
        "dataset": {**dataset, "description": "The dataset record: name, version, release date, licence, maintainers."},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _ID,
        "title": "ketdata JSON export",
        "description": f"The whole dataset as one JSON document ({DOCUMENT_SCHEMA.replace('.schema', '')}): its "
        "metadata and every record, by id, each with every field of its type (see the line schemas beside it).",
        "x-schema-version": version,
        "type": "object",
        "additionalProperties": False,
        "required": [*head, *lists],
        "properties": {**head, **lists},
    }


def schema_text(schema: Mapping[str, Any]) -> str:
    """A JSON Schema file's text: indented, keys in the order built, UTF-8, final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def json_head(ds: Dataset, schema_version: str) -> dict[str, Any]:
    """The JSON document's members besides the record lists."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema_version,
            "dataset": to_plain(ds.info)}  # fmt: skip


def ndjson_text(lines: list[str]) -> str:
    """One kind's NDJSON from its records already encoded."""
    return "".join(line + "\n" for line in lines)


def to_json(ds: Dataset, *, schema_version: str | None = None) -> str:
    """The dataset as one JSON document: sorted keys, records by id, one record a line, UTF-8, final newline.

    Each record has every field of its type (null or [] when unset); the document follows
    ``exports/json/ketdata.schema.json``, and ``ketdata.load_json`` reads it back.

    Args:
        ds: The dataset.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    from ketdata._read.paths import schema_version as shipped

    lines = {attr: record_strings(ds, attr) for _, attr, _ in KINDS}
    return record_lines(json_head(ds, schema_version or shipped()), lines)


def to_ndjson(ds: Dataset) -> dict[str, str]:
    """One NDJSON text per record type (``claims``, ``caveats``, …): a record per line, every field, by id."""
    return {attr: ndjson_text(record_strings(ds, attr)) for _, attr, _ in KINDS}
