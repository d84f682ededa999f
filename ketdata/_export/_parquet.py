"""Parquet: one file per record type, typed from the export line schemas, nested where the records are.

A record's lists and objects stay lists and structs (a claim's evidence spans, a caveat's scope, a concept's
codings), so a Parquet row is an NDJSON line. Every column, at every depth, carries its schema description
as ``description`` in its field metadata. pyarrow is imported here only, when a Parquet file is made, so
``import ketdata`` and ``load()`` never pay for it.

The bytes are deterministic for one pyarrow version, and are compared as bytes like every export file: a
file that holds the same table in other bytes may carry statistics (a column's min and max) that make a
reader skip rows, so only the bytes this pyarrow writes now are current.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ketdata._export._json import full_plain, line_schemas
from ketdata._model.convert import KINDS
from ketdata._model.dataset import Dataset
from ketdata._model.errors import MissingExtraError
from ketdata._validation.refs import load_schemas

_SCALARS = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool_"}
_COMPRESSION = "zstd"


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtraError(
            f"the Parquet export needs pyarrow, which is not installed here ({exc}); "
            "install it with `pip install 'ketdata[parquet]'`"
        ) from None
    return pa, pq


def _field(pa: Any, name: str, node: Mapping[str, Any]) -> Any:
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    kind = next(k for k in kinds if k != "null")
    if kind == "array":
        arrow = pa.list_(_field(pa, "element", node["items"]))
    elif kind == "object":
        arrow = pa.struct([_field(pa, n, sub) for n, sub in node["properties"].items()])
    elif node.get("format") == "date":
        arrow = pa.date32()
    else:
        arrow = getattr(pa, _SCALARS[kind])()
    described = {"description": node["description"]} if "description" in node else None  # some list items are not
    return pa.field(name, arrow, nullable="null" in kinds, metadata=described)


def arrow_schema(line_schema: Mapping[str, Any], version: str | None = None) -> Any:
    """The Arrow schema of a record type, from its export line schema: types, nullability and descriptions.

    Its metadata names the line schema, the schema version and (given ``version``) the dataset version, so a
    Parquet file on its own says what it holds.
    """
    pa, _ = _pyarrow()
    fields = [_field(pa, name, sub) for name, sub in line_schema["properties"].items()]
    metadata = {"description": line_schema["description"], "json_schema": line_schema["$id"],
                "schema_version": line_schema["x-schema-version"]}  # fmt: skip
    if version is not None:
        metadata["ketdata_version"] = version
    return pa.schema(fields, metadata=metadata)


def _dated(value: Any, node: Mapping[str, Any]) -> Any:
    """A JSON value with its ``format: date`` strings made dates, as Arrow's date32 takes them."""
    if value is None:
        return None
    if node.get("format") == "date":
        return datetime.date.fromisoformat(value)
    if "items" in node:
        return [_dated(v, node["items"]) for v in value]
    if "properties" in node:
        return {k: _dated(v, node["properties"].get(k, {})) for k, v in value.items()}
    return value


def parquet_bytes(
    rows: Sequence[Mapping[str, Any]], line_schema: Mapping[str, Any], version: str | None = None
) -> bytes:
    """One record type's Parquet file.

    Args:
        rows: The records, each with every field (as ``full_plain`` makes them).
        line_schema: The record type's export line schema.
        version: The dataset version, written into the file's metadata.
    """
    pa, pq = _pyarrow()
    dated = [_dated(row, line_schema) for row in rows] if '"date"' in json.dumps(line_schema) else list(rows)
    table = pa.Table.from_pylist(dated, schema=arrow_schema(line_schema, version))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=_COMPRESSION)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def to_parquet(ds: Dataset) -> dict[str, bytes]:
    """Every record type's Parquet file, by record type (``claims``, ``caveats``, …), as ``export`` writes it."""
    from ketdata._read.paths import schema_dir, schema_version

    lines = line_schemas(load_schemas(schema_dir()), schema_version())
    return {attr: parquet_bytes([full_plain(r) for r in getattr(ds, attr)], lines[attr], ds.info.version)
            for _, attr, _ in KINDS}  # fmt: skip
