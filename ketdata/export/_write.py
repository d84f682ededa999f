"""Rendering every export format in memory, writing them all-or-nothing, and checking committed exports.

Every file is first written beside its target under a temporary name; only when all of them are
written are they moved into place, the manifest last. A failure while writing (a full disk) leaves
the previous exports and their manifest untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._model import Dataset
from ketdata._paths import SNAPSHOT_IN_EXPORTS, schema_dir
from ketdata._paths import schema_version as shipped_schema_version
from ketdata.export._csv import csv_texts, to_datapackage
from ketdata.export._fhir import bundle_text, entries, ndjson_by_type
from ketdata.export._json import json_text, ndjson_texts, plain_records

MANIFEST = "manifest.json"
FOLDERS = ("json", "csv", "fhir")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote (paths relative to the export folder) and what it removed as no longer produced."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


def _load_schemas() -> dict[str, Any]:
    return {
        p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(schema_dir().glob("*.schema.json"))
    }


def _count(name: str, text: str) -> int:
    """Records in an export file, counted from its layout: a line each, a row each, or a line each item."""
    if name.endswith(".ndjson"):
        return text.count("\n")
    if name.endswith(".csv"):
        return max(text.count("\r\n") - 1, 0)
    if name.endswith("datapackage.json"):
        return text.count('"profile": "tabular-data-resource"')
    # record_lines: one item a line between "{" and "}", besides the lines of scalar fields ('"key":value').
    return sum(1 for line in text.splitlines() if line.startswith("{") and line != "{")


def render(ds: Dataset, *, schema_version: str | None = None) -> dict[str, bytes]:
    """Every export file's bytes, by path relative to the export folder, the manifest included."""
    version = schema_version or shipped_schema_version()
    records = plain_records(ds)
    texts: dict[str, str] = {SNAPSHOT_IN_EXPORTS: json_text(ds, records, version)}
    texts.update({f"json/{name}.ndjson": text for name, text in ndjson_texts(records).items()})
    tables = csv_texts(records)
    texts.update({f"csv/{name}.csv": text for name, text in tables.items()})
    texts["csv/datapackage.json"] = to_datapackage(ds, _load_schemas(), tables)
    items = entries(ds)
    texts["fhir/bundle.json"] = bundle_text(ds, items)
    texts.update({f"fhir/{kind}.ndjson": text for kind, text in ndjson_by_type(items).items()})
    files = {name: text.encode("utf-8") for name, text in sorted(texts.items())}
    files[MANIFEST] = _manifest(ds, version, files, texts)
    return files


def _manifest(ds: Dataset, schema_version: str, files: Mapping[str, bytes], texts: Mapping[str, str]) -> bytes:
    manifest = {
        "format": "ketdata-exports",
        "dataset": ds.info.id,
        "dataset_version": ds.info.version,
        "schema_version": schema_version,
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
             "records": _count(name, texts[name])}
            for name, data in files.items()
        ],
    }  # fmt: skip
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _produced(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for folder in FOLDERS if (root / folder).is_dir()
            for p in (root / folder).rglob("*") if p.is_file() and not p.name.startswith(".")}  # fmt: skip


def _stage(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def export(ds: Dataset, out: str | Path, *, schema_version: str | None = None) -> ExportResult:
    """Write every export format under ``out``: all files or none, the manifest last.

    Files under ``out/json``, ``out/csv`` and ``out/fhir`` that the dataset no longer produces are removed.

    Args:
        ds: The dataset, normally loaded from a folder that validates.
        out: The export folder.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    root = Path(out)
    files = render(ds, schema_version=schema_version)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            staged.append((_stage(root / name, data), root / name))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink()
        raise
    for tmp, target in sorted(staged, key=lambda pair: pair[1].name == MANIFEST):
        os.replace(tmp, target)
    removed = sorted(_produced(root) - set(files))
    for name in removed:
        (root / name).unlink()
    return ExportResult(tuple(files), tuple(removed))


def stale_files(ds: Dataset, out: str | Path, *, schema_version: str | None = None) -> list[str]:
    """Paths under ``out`` that are missing, differ from what the dataset produces, or are no longer produced."""
    root = Path(out)
    files = render(ds, schema_version=schema_version)
    stale = [name for name, data in files.items() if not (root / name).is_file() or (root / name).read_bytes() != data]
    return sorted(stale + sorted(_produced(root) - set(files)))
