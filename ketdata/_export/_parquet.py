"""Parquet: one file per record type, typed from the export line schemas, nested where the records are.

A record's lists and objects stay lists and structs (a claim's evidence spans, a caveat's scope, a concept's
codings), so a Parquet row is an NDJSON line. Every column, at every depth, carries its schema description
as ``description`` in its field metadata. pyarrow is imported here only, when a Parquet file is made, so
``import ketdata`` and ``load()`` never pay for it.

The bytes are deterministic for one pyarrow version, but another version may encode the same table
differently (its name is in the file). So a committed file whose table (values, types, metadata) equals the
one to be written is kept as it is: neither ``export`` nor ``export --check`` sees a change that is only the
writer's version.
"""

from __future__ import annotations

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
            f"the Parquet export needs pyarrow, a dependency of ketdata that is missing here ({exc}); "
            "install it with `pip install pyarrow`"
        ) from None
    return pa, pq


def _field(pa: Any, name: str, node: Mapping[str, Any]) -> Any:
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    kind = next(k for k in kinds if k != "null")
    if kind == "array":
        arrow = pa.list_(_field(pa, "element", node["items"]))
    elif kind == "object":
        arrow = pa.struct([_field(pa, n, sub) for n, sub in node["properties"].items()])
    else:
        arrow = getattr(pa, _SCALARS[kind])()
    described = {"description": node["description"]} if "description" in node else None  # some list items are not
    return pa.field(name, arrow, nullable="null" in kinds, metadata=described)


def arrow_schema(line_schema: Mapping[str, Any]) -> Any:
    """The Arrow schema of a record type, from its export line schema: types, nullability and descriptions."""
    pa, _ = _pyarrow()
    fields = [_field(pa, name, sub) for name, sub in line_schema["properties"].items()]
    return pa.schema(fields, metadata={"description": line_schema["description"], "json_schema": line_schema["$id"]})


def parquet_bytes(
    rows: Sequence[Mapping[str, Any]], line_schema: Mapping[str, Any], kept: bytes | None = None
) -> bytes:
    """One record type's Parquet file.

    Args:
        rows: The records, each with every field (as ``full_plain`` makes them).
        line_schema: The record type's export line schema.
        kept: The file an earlier export wrote, if any: returned as it is when it holds the same table.
    """
    pa, pq = _pyarrow()
    table = pa.Table.from_pylist(list(rows), schema=arrow_schema(line_schema))
    if kept is not None and _same_table(pa, pq, kept, table):
        return kept
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=_COMPRESSION)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def to_parquet(ds: Dataset) -> dict[str, bytes]:
    """Every record type's Parquet file, by record type (``claims``, ``caveats``, …), as ``export`` writes it."""
    from ketdata._read.paths import schema_dir, schema_version

    lines = line_schemas(load_schemas(schema_dir()), schema_version())
    return {attr: parquet_bytes([full_plain(r) for r in getattr(ds, attr)], lines[attr]) for _, attr, _ in KINDS}


def _same_table(pa: Any, pq: Any, data: bytes, table: Any) -> bool:
    try:
        return bool(pq.read_table(pa.BufferReader(data)).equals(table, check_metadata=True))
    except (pa.ArrowException, OSError, ValueError):
        return False
