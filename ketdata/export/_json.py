"""The JSON export: one document with the dataset metadata and every record, in a stable byte form."""

from __future__ import annotations

import json

from ketdata._convert import KINDS, to_plain
from ketdata._model import Dataset

FORMAT = "ketdata-json"
FORMAT_VERSION = 1


def to_json(ds: Dataset, *, schema_version: str) -> str:
    """The dataset as one JSON document: sorted keys, records by id, UTF-8 text, newline at the end.

    Args:
        ds: The dataset.
        schema_version: Version of the record schemas the records follow.
    """
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version,
        "dataset": to_plain(ds.info),
        **{attr: [to_plain(r) for r in getattr(ds, attr)] for _, attr, _ in KINDS},
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
