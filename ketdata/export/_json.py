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


def record_lines(doc: Mapping[str, Any], lists: Mapping[str, list[str]] | None = None) -> str:
    """A JSON object with its keys sorted and each item of its top-level lists on a line of its own.

    Valid JSON that diffs record by record, written by the C encoder, which indented output never is.

    Args:
        doc: The object's plain members.
        lists: Members that are lists of items already encoded as compact JSON, by key.
    """
    encoded = dict(lists or {})
    parts = []
    for key in sorted({*doc, *encoded}):
        items = encoded.get(key)
        if items is None and isinstance(doc[key], list) and doc[key]:
            items = [compact(item) for item in doc[key]]
        if items:
            parts.append(f"{compact(key)}:[\n" + ",\n".join(items) + "\n]")
        else:
            parts.append(f"{compact(key)}:{compact(doc.get(key, []))}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def record_strings(ds: Dataset, attr: str) -> list[str]:
    """One kind's records as compact JSON, a string each: an NDJSON line and a JSON export line alike."""
    return [compact(to_plain(r)) for r in getattr(ds, attr)]


def json_text(ds: Dataset, lines: Mapping[str, list[str]], schema_version: str) -> str:
    """The JSON document from the records already encoded, by kind."""
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema_version,
            "dataset": to_plain(ds.info)}  # fmt: skip
    return record_lines(head, lines)


def ndjson_text(lines: list[str]) -> str:
    """One kind's NDJSON from its records already encoded."""
    return "".join(line + "\n" for line in lines)


def to_json(ds: Dataset, *, schema_version: str | None = None) -> str:
    """The dataset as one JSON document: sorted keys, records by id, one record a line, UTF-8, final newline.

    The document follows ``schema/export.schema.json``; ``ketdata.load_json`` reads it back.

    Args:
        ds: The dataset.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    from ketdata._paths import schema_version as shipped

    lines = {attr: record_strings(ds, attr) for _, attr, _ in KINDS}
    return json_text(ds, lines, schema_version or shipped())


def to_ndjson(ds: Dataset) -> dict[str, str]:
    """One NDJSON text per record type (``claims``, ``caveats``, …): a record per line, sorted keys, by id."""
    return {attr: ndjson_text(record_strings(ds, attr)) for _, attr, _ in KINDS}
