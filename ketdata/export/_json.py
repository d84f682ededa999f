"""The JSON export (one document) and NDJSON (one file per record type, one record per line)."""

from __future__ import annotations

import json

from ketdata._convert import KINDS, to_plain
from ketdata._model import Dataset

FORMAT = "ketdata-json"
FORMAT_VERSION = 1


def to_json(ds: Dataset, *, schema_version: str | None = None) -> str:
    """The dataset as one JSON document: sorted keys, records by id, UTF-8 text, newline at the end.

    The document follows ``schema/export.schema.json``; ``ketdata.load_json`` reads it back.

    Args:
        ds: The dataset.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    from ketdata._paths import schema_version as shipped

    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version or shipped(),
        "dataset": to_plain(ds.info),
        **{attr: [to_plain(r) for r in getattr(ds, attr)] for _, attr, _ in KINDS},
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def to_ndjson(ds: Dataset) -> dict[str, str]:
    """One NDJSON text per record type (``claims``, ``caveats``, …): a record per line, sorted keys, by id."""
    return {
        attr: "".join(
            json.dumps(to_plain(r), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
            for r in getattr(ds, attr)
        )
        for _, attr, _ in KINDS
    }
