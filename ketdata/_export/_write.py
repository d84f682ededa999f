"""Rendering every export format, writing them all-or-nothing, and checking committed exports.

The whole set is written into a new folder beside the export folder and swapped into its place in one
step, as a transaction of the folder it lives in (``ketdata._io.transaction``), so a kill or a full disk
leaves the previous exports, each passing its manifest. An export folder is replaced only when it holds
nothing but what earlier exports wrote, as their manifest says; every file is written afresh, so none
is kept whose bytes differ from what the data makes now.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._export._csv import TABLES, csv_text, to_datapackage
from ketdata._export._duckdb import DUCKDB_PATH, to_duckdb
from ketdata._export._fhir import bundle_head, entry_lines
from ketdata._export._fhir_terms import to_fhir_package
from ketdata._export._json import (
    DOCUMENT_SCHEMA,
    compact,
    document_schema,
    full_plain,
    json_head,
    line_schemas,
    record_chunks,
    schema_text,
)
from ketdata._export._parquet import parquet_bytes
from ketdata._export._sssom import SSSOM_PATH, to_sssom
from ketdata._io.files import PLAIN_NAME, read_regular, walk, write_new
from ketdata._io.gc import paused
from ketdata._io.transaction import Build, commit, locked
from ketdata._model.convert import KINDS
from ketdata._model.dataset import Dataset
from ketdata._model.errors import ExportTargetError
from ketdata._read.paths import SNAPSHOT_IN_EXPORTS, schema_dir
from ketdata._read.paths import schema_version as shipped_schema_version
from ketdata._validation.refs import load_schemas

MANIFEST = "manifest.json"
FOLDERS = ("json", "csv", "parquet", "fhir", "sssom", "duckdb", "sources")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote (paths relative to the export folder) and what it removed as no longer produced."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


Chunks = Iterator[str] | Iterator[bytes]


def _produce(ds: Dataset, version: str) -> Iterator[tuple[str, Chunks, int | Callable[[], int]]]:
    """Every export file but the manifest as ``(path, text in chunks, record count)``, made as consumed.

    Only what later files need is kept: each kind's records as compact JSON (for the JSON document and
    NDJSON), and the FHIR resources' NDJSON lines while the Bundle streams by. A file's chunks must be
    consumed before the next file is asked for; the Bundle's count is known only then.
    """
    schemas = load_schemas(schema_dir())
    shapes = line_schemas(schemas, version)
    lines: dict[str, list[str]] = {}
    tables: dict[str, str] = {}
    for _, attr, _ in KINDS:
        plain = [full_plain(r) for r in getattr(ds, attr)]
        lines[attr] = [compact(p) for p in plain]
        for table in (t for t in TABLES if t.attr == attr):
            text = tables[table.name] = csv_text(table, plain)
            yield f"csv/{table.name}.csv", iter((text,)), max(text.count("\r\n") - 1, 0)
        name = f"parquet/{attr}.parquet"
        yield name, iter((parquet_bytes(plain, shapes[attr], ds.info.version),)), len(plain)
        del plain
    yield "csv/datapackage.json", iter((to_datapackage(ds, schemas, tables, version),)), len(TABLES)
    # The article itself, byte for byte: every offset in every format resolves from the exports alone.
    for source in ds.sources:
        yield f"sources/{source.file}", iter((source.text.encode("utf-8"),)), 1
    yield DUCKDB_PATH, iter((to_duckdb(shapes, ds.info.version, version),)), len(KINDS)
    tables.clear()
    count = sum(len(v) for v in lines.values())
    yield SNAPSHOT_IN_EXPORTS, record_chunks(json_head(ds, version), lines), count
    yield DOCUMENT_SCHEMA, iter((schema_text(document_schema(schemas, version)),)), 1
    for attr in sorted(lines):
        items = lines.pop(attr)
        yield f"json/{attr}.ndjson", (line + "\n" for line in items), len(items)
        yield f"json/{attr}.schema.json", iter((schema_text(shapes[attr]),)), 1
    by_type: dict[str, list[str]] = {}
    entries = _Counted(entry_lines(ds, by_type))
    yield "fhir/bundle.json", record_chunks(bundle_head(ds), {"entry": entries}), lambda: entries.n
    for kind in sorted(by_type):
        items = by_type.pop(kind)
        yield f"fhir/{kind}.ndjson", iter(items), len(items)
    for name, text in to_fhir_package(ds).items():  # the code systems and extensions the FHIR files use
        yield f"fhir/package/{name}", iter((text,)), int(name != "package.json")
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
        data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
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


def _listed(root: Path) -> set[str]:
    """The files an earlier export wrote in ``root``, as its manifest lists them, the manifest included.

    A listed file counts only where ketdata writes (one of the export folders) and only while it still has
    the bytes the manifest records: a manifest cannot make ketdata own a file it did not write.
    """
    try:
        manifest = json.loads(read_regular(root / MANIFEST))
        files = manifest["files"] if manifest.get("format") == "ketdata-exports" else []
        sums = {str(f["path"]): str(f["sha256"]) for f in files}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return set()
    owned = {MANIFEST}
    for name, digest in sums.items():
        parts = name.split("/")
        if (
            parts[0] in FOLDERS
            and all(PLAIN_NAME.fullmatch(part) for part in parts)
            and (_has_sha256(root / name, digest) or (parts[0] == "parquet" and _is_parquet(root / name)))
        ):
            # Another pyarrow may have written the same table as other bytes: still an export's file, which the
            # next export replaces (and `export --check` calls stale, since it compares bytes).
            owned.add(name)
    return owned


def _is_parquet(path: Path) -> bool:
    try:
        data = read_regular(path)
    except OSError:
        return False
    return len(data) >= 8 and data[:4] == data[-4:] == b"PAR1"


def _has_sha256(path: Path, digest: str) -> bool:
    try:
        return hashlib.sha256(read_regular(path)).hexdigest() == digest
    except OSError:
        return False


def check_target(root: Path) -> set[str]:
    """What an earlier export wrote under ``root``, having checked that nothing else is there.

    Raises:
        ExportTargetError: ``root`` is a link or not a folder, or holds a file (or link, or FIFO) that its
            manifest does not list; replacing the folder would delete it.
    """
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise ExportTargetError(f"{root} is not a folder ketdata may write exports into (a link or a file)")
    if not root.exists():
        return set()
    listed = _listed(root)
    parents = {str(Path(n).parent) for n in listed}
    entries = ((p.relative_to(root).as_posix(), mode) for p, mode in walk(root))
    foreign = list(itertools.islice((name for name, mode in entries if not (stat.S_ISDIR(mode) and name in parents)
                                     and not (stat.S_ISREG(mode) and name in listed)), 6))  # fmt: skip
    if foreign:
        shown = ", ".join(foreign[:5]) + (" and more" if len(foreign) > 5 else "")
        raise ExportTargetError(
            f"{root} holds what no earlier export wrote, or an exported file edited since ({shown}); exports "
            "replace the whole folder and never delete what they cannot prove they wrote, so move those files "
            "away (an edited export is regenerated from data/), or give --out an empty or new folder"
        )
    return listed - {MANIFEST}


def exports_builder(ds: Dataset, root: Path, *, schema_version: str | None = None) -> tuple[Build, list[str]]:
    """A function writing every export file into an empty folder (the staging copy of ``root``).

    Returns:
        The function, and the list it fills with the paths it wrote. Its errors name the file under ``root``
        that was to be written.
    """
    written: list[str] = []

    def build(staging: Path) -> None:
        for name, chunks in _files(ds, schema_version):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            try:
                write_new(staging / name, chunks)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(root / name)) from None
            written.append(name)

    return build, written


def export(
    ds: Dataset, out: str | Path, *, schema_version: str | None = None, project: Path | None = None
) -> ExportResult:
    """Write every export format under ``out``: the whole set or nothing, the manifest listing them all.

    The files are written, fsynced, into a new folder beside ``out``, which then takes the place of
    ``out`` in one step, as a transaction under a lock: the project's, or for an export folder in no
    project, a lock of the user's own (so no ``.ketdata/`` is left in a folder that is not a project). A
    kill at any moment leaves the old or the new set, each whole. ``out`` may only hold what earlier
    exports wrote (its manifest lists them).

    Args:
        ds: The dataset, normally loaded from a folder that validates.
        out: The export folder.
        schema_version: Version of the record schemas the records follow (default: the shipped schemas').
        project: The project folder ``out`` lies in, if any (its lock and journal are then used).

    Raises:
        ExportTargetError: ``out`` holds something no export wrote, or is a link or a file.
        OSError: A file cannot be written (no space, file too large); ``out`` is left as it was.
    """
    target = Path(out)
    root = project if project is not None else target.parent
    with locked(root, detached=[] if project is not None else [root]):
        previous = check_target(target)
        build, written = exports_builder(ds, target, schema_version=schema_version)
        commit(root, {}, {target: build})
    return ExportResult(tuple(sorted(written)), tuple(sorted(previous - set(written))))


def stale_files(ds: Dataset, out: str | Path, *, schema_version: str | None = None) -> list[str]:
    """Paths under ``out`` that are missing, differ from what the dataset produces, or are no longer produced.

    Every file is compared by its bytes, Parquet too: a file with the same table but other bytes (another
    pyarrow's, or false column statistics that make a reader's filter skip rows) is stale, and the manifest's
    checksums are never trusted for it.
    """
    root = Path(out)
    stale, produced = [], set()
    for name, chunks in _files(ds, schema_version):
        produced.add(name)
        data = b"".join(chunks)
        try:
            same = read_regular(root / name) == data
        except OSError:
            same = False
        if not same:
            stale.append(name)
    present = {p.relative_to(root).as_posix() for p, mode in walk(root) if not stat.S_ISDIR(mode)}
    return sorted(stale + sorted(present - produced))
