"""Writing export files atomically, and checking that committed exports are current."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ketdata._model import Dataset
from ketdata._paths import SNAPSHOT_IN_EXPORTS
from ketdata.export._json import to_json


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: each file's path relative to the export folder."""

    written: tuple[str, ...]


def render(ds: Dataset, *, schema_version: str) -> dict[str, bytes]:
    """Every export file's bytes, by path relative to the export folder."""
    return {SNAPSHOT_IN_EXPORTS: to_json(ds, schema_version=schema_version).encode("utf-8")}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def export(ds: Dataset, out: str | Path, *, schema_version: str) -> ExportResult:
    """Write every export format under ``out``, each file replaced atomically.

    Args:
        ds: The dataset, normally loaded from a folder that validates.
        out: The export folder.
        schema_version: Version of the record schemas the records follow.
    """
    files = render(ds, schema_version=schema_version)
    for name, data in files.items():
        _write_atomic(Path(out) / name, data)
    return ExportResult(tuple(files))


def stale_files(ds: Dataset, out: str | Path, *, schema_version: str) -> list[str]:
    """Export files under ``out`` that are missing or differ from what the dataset produces."""
    files: Mapping[str, bytes] = render(ds, schema_version=schema_version)
    root = Path(out)
    return [name for name, data in files.items() if not (root / name).is_file() or (root / name).read_bytes() != data]
