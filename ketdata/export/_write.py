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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._convert import KINDS, to_plain
from ketdata._gc import paused
from ketdata._model import Dataset
from ketdata._paths import SNAPSHOT_IN_EXPORTS, schema_dir
from ketdata._paths import schema_version as shipped_schema_version
from ketdata._refs import load_schemas
from ketdata.export._csv import TABLES, csv_text, to_datapackage
from ketdata.export._fhir import fhir_texts
from ketdata.export._json import compact, json_text, ndjson_text

MANIFEST = "manifest.json"
FOLDERS = ("json", "csv", "fhir")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote (paths relative to the export folder) and what it removed as no longer produced."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


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


def _produce(ds: Dataset, version: str) -> Iterator[tuple[str, bytes]]:
    """Every export file but the manifest, one at a time, so that only one file's text is held at once."""
    lines: dict[str, list[str]] = {}
    tables: dict[str, str] = {}
    for _, attr, _ in KINDS:
        plain = [to_plain(r) for r in getattr(ds, attr)]
        lines[attr] = [compact(p) for p in plain]
        tables.update({t.name: csv_text(t, plain) for t in TABLES if t.attr == attr})
    yield SNAPSHOT_IN_EXPORTS, json_text(ds, lines, version).encode("utf-8")
    for attr in sorted(lines):
        yield f"json/{attr}.ndjson", ndjson_text(lines.pop(attr)).encode("utf-8")
    yield "csv/datapackage.json", to_datapackage(ds, load_schemas(schema_dir()), tables).encode("utf-8")
    for name in sorted(tables):
        yield f"csv/{name}.csv", tables.pop(name).encode("utf-8")
    bundle, by_type = fhir_texts(ds)
    yield "fhir/bundle.json", bundle.encode("utf-8")
    del bundle
    for kind in sorted(by_type):
        yield f"fhir/{kind}.ndjson", by_type.pop(kind).encode("utf-8")


def _each_file(ds: Dataset, schema_version: str | None) -> Iterator[tuple[str, bytes]]:
    """Every export file, the manifest last (it lists the others' sizes, checksums and record counts)."""
    version = schema_version or shipped_schema_version()
    listed: list[dict[str, Any]] = []
    with paused():
        for name, data in _produce(ds, version):
            listed.append({"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                           "records": _count(name, data.decode("utf-8"))})  # fmt: skip
            yield name, data
    yield MANIFEST, _manifest(ds, version, sorted(listed, key=lambda f: f["path"]))


def render(ds: Dataset, *, schema_version: str | None = None) -> dict[str, bytes]:
    """Every export file's bytes, by path relative to the export folder, the manifest included."""
    return dict(sorted(_each_file(ds, schema_version)))


def _manifest(ds: Dataset, schema_version: str, files: list[dict[str, Any]]) -> bytes:
    manifest = {
        "format": "ketdata-exports",
        "dataset": ds.info.id,
        "dataset_version": ds.info.version,
        "schema_version": schema_version,
        "files": files,
    }
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

    Each file is staged under a temporary name as soon as it is made, so only one file's text is in
    memory at a time; once all are staged they are moved into place. Files under ``out/json``,
    ``out/csv`` and ``out/fhir`` that the dataset no longer produces are removed.

    Args:
        ds: The dataset, normally loaded from a folder that validates.
        out: The export folder.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
    """
    root = Path(out)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in _each_file(ds, schema_version):
            staged.append((_stage(root / name, data), root / name))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink()
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    written = {target.relative_to(root).as_posix() for _, target in staged}
    removed = sorted(_produced(root) - written)
    for name in removed:
        (root / name).unlink()
    return ExportResult(tuple(sorted(written)), tuple(removed))


def stale_files(ds: Dataset, out: str | Path, *, schema_version: str | None = None) -> list[str]:
    """Paths under ``out`` that are missing, differ from what the dataset produces, or are no longer produced."""
    root = Path(out)
    stale, produced = [], set()
    for name, data in _each_file(ds, schema_version):
        produced.add(name)
        if not (root / name).is_file() or (root / name).read_bytes() != data:
            stale.append(name)
    return sorted(stale + sorted(_produced(root) - produced))
