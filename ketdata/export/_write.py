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
from collections.abc import Callable, Iterator
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
from ketdata.export._fhir import bundle_head, entry_lines
from ketdata.export._json import compact, json_head, record_chunks
from ketdata.export._sssom import SSSOM_PATH, to_sssom

MANIFEST = "manifest.json"
FOLDERS = ("json", "csv", "fhir", "sssom")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote (paths relative to the export folder) and what it removed as no longer produced."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


Chunks = Iterator[str]


def _produce(ds: Dataset, version: str) -> Iterator[tuple[str, Chunks, int | Callable[[], int]]]:
    """Every export file but the manifest as ``(path, text in chunks, record count)``, made as consumed.

    Only what later files need is kept: each kind's records as compact JSON (for the JSON document and
    NDJSON), and the FHIR resources' NDJSON lines while the Bundle streams by. A file's chunks must be
    consumed before the next file is asked for; the Bundle's count is known only then.
    """
    lines: dict[str, list[str]] = {}
    tables: dict[str, str] = {}
    for _, attr, _ in KINDS:
        plain = [to_plain(r) for r in getattr(ds, attr)]
        lines[attr] = [compact(p) for p in plain]
        for table in (t for t in TABLES if t.attr == attr):
            text = tables[table.name] = csv_text(table, plain)
            yield f"csv/{table.name}.csv", iter((text,)), max(text.count("\r\n") - 1, 0)
        del plain
    yield "csv/datapackage.json", iter((to_datapackage(ds, load_schemas(schema_dir()), tables),)), len(TABLES)
    tables.clear()
    count = sum(len(v) for v in lines.values())
    yield SNAPSHOT_IN_EXPORTS, record_chunks(json_head(ds, version), lines), count
    for attr in sorted(lines):
        items = lines.pop(attr)
        yield f"json/{attr}.ndjson", (line + "\n" for line in items), len(items)
    by_type: dict[str, list[str]] = {}
    entries = _Counted(entry_lines(ds, by_type))
    yield "fhir/bundle.json", record_chunks(bundle_head(ds), {"entry": entries}), lambda: entries.n
    for kind in sorted(by_type):
        items = by_type.pop(kind)
        yield f"fhir/{kind}.ndjson", iter(items), len(items)
    yield SSSOM_PATH, iter((to_sssom(ds),)), sum(len(c.codings) for c in ds.concepts)


class _Counted:
    """An iterable that counts what passes through it (the Bundle's entries, known only once streamed)."""

    def __init__(self, items: Iterator[str]) -> None:
        self.items = items
        self.n = 0

    def __iter__(self) -> Iterator[str]:
        for item in self.items:
            self.n += 1
            yield item


def _files(ds: Dataset, schema_version: str | None) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Every export file as UTF-8 chunks, the manifest last: it lists the others' checksums, sizes, records.

    Each file's chunks must be consumed before the next file is asked for.
    """
    version = schema_version or shipped_schema_version()
    listed: list[dict[str, Any]] = []
    with paused():
        for name, chunks, records in _produce(ds, version):
            entry: dict[str, Any] = {"path": name}
            yield name, _tapped(chunks, entry)
            entry["records"] = records() if callable(records) else records
            listed.append(entry)
    yield MANIFEST, iter((_manifest(ds, version, sorted(listed, key=lambda f: f["path"])),))


def _tapped(chunks: Chunks, entry: dict[str, Any]) -> Iterator[bytes]:
    """The chunks encoded, with the file's sha256 and size noted in ``entry`` once consumed."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        digest.update(data)
        size += len(data)
        yield data
    entry.update(sha256=digest.hexdigest(), bytes=size)


def render(ds: Dataset, *, schema_version: str | None = None) -> dict[str, bytes]:
    """Every export file's bytes, by path relative to the export folder, the manifest included."""
    files = {name: b"".join(chunks) for name, chunks in _files(ds, schema_version)}
    return dict(sorted(files.items()))


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


def _stage(path: Path, chunks: Iterator[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
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
        for name, chunks in _files(ds, schema_version):
            staged.append((_stage(root / name, chunks), root / name))
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
    for name, chunks in _files(ds, schema_version):
        produced.add(name)
        data = b"".join(chunks)
        if not (root / name).is_file() or (root / name).read_bytes() != data:
            stale.append(name)
    return sorted(stale + sorted(_produced(root) - produced))
