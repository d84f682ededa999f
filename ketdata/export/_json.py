"""The JSON export (one document) and NDJSON (one file per record type, one record per line)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ketdata._convert import KINDS, to_plain
from ketdata._model import Dataset

FORMAT = "ketdata-json"
FORMAT_VERSION = 1


def compact(value: Any) -> str:
    """One value as compact JSON: sorted keys, UTF-8 text, no spaces (the C encoder's fast path)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_lines(doc: Mapping[str, Any]) -> str:
    """A JSON object with its keys sorted and each item of its top-level lists on a line of its own.

    Valid JSON that diffs record by record, and is written by the C encoder, which indented output
    never is.
    """
    parts = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, list) and value:
            items = ",\n".join(compact(item) for item in value)
            parts.append(f"{compact(key)}:[\n{items}\n]")
        else:
            parts.append(f"{compact(key)}:{compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def plain_records(ds: Dataset) -> dict[str, list[Any]]:
    """Every record kind's records as JSON-ready mappings, by Dataset attribute, computed once per export."""
    return {attr: [to_plain(r) for r in getattr(ds, attr)] for _, attr, _ in KINDS}


def json_text(ds: Dataset, records: Mapping[str, list[Any]], schema_version: str) -> str:
    """The JSON document from records already made plain."""
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version,
        "dataset": to_plain(ds.info),
        **records,
    }
    return record_lines(doc)


def ndjson_texts(records: Mapping[str, list[Any]]) -> dict[str, str]:
    """The NDJSON texts from records already made plain."""
    return {attr: "".join(compact(r) + "\n" for r in items) for attr, items in records.items()}


def to_json(ds: Dataset, *, schema_version: str | None = None) -> str:
    """The dataset as one JSON document: sorted keys, records by id, one record a line, UTF-8, final newline.

    The document follows ``schema/export.schema.json``; ``ketdata.load_json`` reads it back.

    Args:
        ds: The dataset.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    from ketdata._paths import schema_version as shipped

    return json_text(ds, plain_records(ds), schema_version or shipped())


def to_ndjson(ds: Dataset) -> dict[str, str]:
    """One NDJSON text per record type (``claims``, ``caveats``, …): a record per line, sorted keys, by id."""
    return ndjson_texts(plain_records(ds))
