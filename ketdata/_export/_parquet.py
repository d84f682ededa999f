"""Parquet: one file per record type, typed from the export line schemas, nested where the records are.

A record's lists and objects stay lists and structs (a claim's evidence spans, a caveat's scope, a concept's
codings), so a Parquet row is an NDJSON line. Every column, at every depth, carries its schema description
as ``description`` in its field metadata. pyarrow is imported here only, when a Parquet file is made, so
``import ketdata`` and ``load()`` never pay for it.

The bytes are deterministic for one pyarrow version, but another version may encode the same table
differently (its name is in the file). So a committed file written by another pyarrow version whose table
(values, types, metadata) and whose statistics (each row group's size, each column chunk's min, max and counts,
its page index and Bloom filter, by which DuckDB and pyarrow skip rows) equal those of the file this pyarrow
writes is kept as it is: neither ``export`` nor ``export --check`` sees a change that is only the writer's
version. A file that names this pyarrow as its writer is current only byte for byte, since it would write those
very bytes: an edited statistic (a false max that makes a reader skip a row) is never kept. The limit: the
statistics some writers also put in each data page's header are not read back here, so a file that claims
another writer is trusted for those; `ketdata export` with any pyarrow rewrites it.
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
    rows: Sequence[Mapping[str, Any]],
    line_schema: Mapping[str, Any],
    kept: bytes | None = None,
    version: str | None = None,
) -> bytes:
    """One record type's Parquet file.

    Args:
        rows: The records, each with every field (as ``full_plain`` makes them).
        line_schema: The record type's export line schema.
        kept: The file an earlier export wrote, if any: returned as it is when it holds the same table.
        version: The dataset version, written into the file's metadata.
    """
    pa, pq = _pyarrow()
    dated = [_dated(row, line_schema) for row in rows] if '"date"' in json.dumps(line_schema) else list(rows)
    table = pa.Table.from_pylist(dated, schema=arrow_schema(line_schema, version))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=_COMPRESSION)
    data: bytes = sink.getvalue().to_pybytes()
    if kept is not None and kept != data and _same_table(pa, pq, kept, data, table):
        return kept
    return data


def to_parquet(ds: Dataset) -> dict[str, bytes]:
    """Every record type's Parquet file, by record type (``claims``, ``caveats``, …), as ``export`` writes it."""
    from ketdata._read.paths import schema_dir, schema_version

    lines = line_schemas(load_schemas(schema_dir()), schema_version())
    return {attr: parquet_bytes([full_plain(r) for r in getattr(ds, attr)], lines[attr], None, ds.info.version)
            for _, attr, _ in KINDS}  # fmt: skip


def _same_table(pa: Any, pq: Any, kept: bytes, fresh: bytes, table: Any) -> bool:
    """Whether a committed file other than ``fresh`` holds ``table`` as another pyarrow version writes it."""
    try:
        old, new = (pq.ParquetFile(pa.BufferReader(d)).metadata for d in (kept, fresh))
        if old.created_by == new.created_by:
            return False  # this writer would write these very bytes: the file was changed after it was written
        same = _skipped_by(old) == _skipped_by(new)
        return same and bool(pq.read_table(pa.BufferReader(kept)).equals(table, check_metadata=True))
    except (pa.ArrowException, OSError, ValueError):
        return False


def _skipped_by(metadata: Any) -> list[Any]:
    """What a reader skips rows by: each row group's size, each column chunk's statistics, page index, Bloom filter."""
    groups = (metadata.row_group(i) for i in range(metadata.num_row_groups))
    return [(g.num_rows, [(c.path_in_schema, c.statistics.to_dict() if c.is_stats_set else None, c.has_column_index,
                           c.has_offset_index, c.bloom_filter_offset is not None)
                          for c in (g.column(j) for j in range(g.num_columns))]) for g in groups]  # fmt: skip
