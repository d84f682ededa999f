"""The JSON export (one document) and NDJSON (one file per record type, one record per line)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ketdata._convert import KINDS, to_plain
from ketdata._model import Dataset

FORMAT = "ketdata-json"
FORMAT_VERSION = 1


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


def record_strings(ds: Dataset, attr: str) -> list[str]:
    """One kind's records as compact JSON, a string each: an NDJSON line and a JSON export line alike."""
    return [compact(to_plain(r)) for r in getattr(ds, attr)]


def json_head(ds: Dataset, schema_version: str) -> dict[str, Any]:
    """The JSON document's members besides the record lists."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema_version,
            "dataset": to_plain(ds.info)}  # fmt: skip


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
    return record_lines(json_head(ds, schema_version or shipped()), lines)


def to_ndjson(ds: Dataset) -> dict[str, str]:
    """One NDJSON text per record type (``claims``, ``caveats``, …): a record per line, sorted keys, by id."""
    return {attr: ndjson_text(record_strings(ds, attr)) for _, attr, _ in KINDS}
