"""Loading the dataset: the shipped JSON snapshot with the standard library, or an editor's YAML folder."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._convert import KINDS, build_dataset
from ketdata._model import Dataset
from ketdata._paths import snapshot_file
from ketdata._problems import DataError, Problem, Severity, problem

DATASET_FILE = "dataset.yaml"


@dataclass(frozen=True, slots=True)
class DataFile:
    """A YAML file of the data folder and the record kind it holds."""

    path: Path
    kind: str


def discover(data_dir: Path) -> tuple[list[DataFile], list[Problem]]:
    """The data folder's YAML files with their record kinds, and problems for missing or stray files.

    Each kind lives in ``<stem>.yaml`` and/or ``<stem>/*.yaml`` (e.g. ``claims/harms.yaml``); the
    dataset record lives in ``dataset.yaml``.
    """
    files = [DataFile(data_dir / DATASET_FILE, "dataset")] if (data_dir / DATASET_FILE).is_file() else []
    problems = [] if files else [problem("KD013", str(data_dir / DATASET_FILE), 1, 1, None, "dataset.yaml is missing")]
    for kind, _, stem in KINDS:
        single = data_dir / f"{stem}.yaml"
        if single.is_file():
            files.append(DataFile(single, kind))
        if (data_dir / stem).is_dir():
            files += [DataFile(p, kind) for p in sorted((data_dir / stem).glob("*.yaml"))]
    known = {f.path for f in files}
    for stray in sorted(p for ext in ("*.yaml", "*.yml") for p in data_dir.rglob(ext)):
        if stray not in known:
            problems.append(problem("KD012", str(stray), 1, 1, None, "file is not where any record type lives"))
    return files, problems


@dataclass(slots=True)
class RawRecord:
    """A record as read from YAML, with where it and its keys stand."""

    kind: str
    file: str
    value: dict[str, Any]
    doc: Any  # ketdata._yaml.Document; typed loosely so this module needs no YAML import

    @property
    def id(self) -> str | None:
        """The record's id, if it has a string one."""
        rid = self.value.get("id")
        return rid if isinstance(rid, str) else None

    def mark(self, *path: str | int) -> tuple[int, int]:
        """Line and column of the key or item at ``path`` (or the nearest enclosing one)."""
        line, column = self.doc.mark(tuple(path))
        return int(line), int(column)


def read_records(data_dir: Path) -> tuple[list[RawRecord], list[Problem]]:
    """Every record of a YAML data folder, and the problems met reading the files."""
    from ketdata._yaml import iter_mappings, read_documents

    files, problems = discover(data_dir)
    records: list[RawRecord] = []
    for data_file in files:
        name = str(data_file.path)
        documents, found = read_documents(data_file.path.read_bytes(), name)
        problems += found
        for doc, found_in_doc in iter_mappings(documents, name):
            problems += found_in_doc
            if isinstance(doc.value, dict):
                records.append(RawRecord(data_file.kind, name, doc.value, doc))
    return records, problems


def _from_yaml(data_dir: Path) -> Dataset:
    records, problems = read_records(data_dir)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise DataError(errors)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r.value)
    info = (by_kind.pop("dataset", None) or [{}])[0]
    try:
        return build_dataset(info, by_kind)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"records do not match the schema ({exc!r}); run `ketdata validate` for details"
        raise DataError([problem("KD101", str(data_dir), 1, 1, None, msg)]) from None


def load_json(path: str | Path) -> Dataset:
    """Load a dataset from a ketdata JSON export (the format ``ketdata export`` writes).

    Raises:
        DataError: The file is not a ketdata JSON export.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return build_dataset(doc["dataset"], {kind: doc[attr] for kind, attr, _ in KINDS})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError([problem("KD101", str(path), 1, 1, None, f"not a ketdata JSON export ({exc!r})")]) from None


@functools.cache
def _shipped() -> Dataset:
    return load_json(snapshot_file())


def load(path: str | Path | None = None) -> Dataset:
    """Load the dataset.

    Args:
        path: None for the data shipped with the package (read once from its compiled JSON snapshot
            and cached); a data folder of YAML files, as editors keep it; or a JSON export file.

    Returns:
        The immutable dataset.

    Raises:
        DataError: The data cannot be read; its ``problems`` say why. Run ``ketdata validate`` for
            the full check, which ``load`` does not make.
    """
    if path is None:
        return _shipped()
    path = Path(path)
    if path.is_dir():
        return _from_yaml(path)
    return load_json(path)


def iter_kinds() -> Iterator[str]:
    """Record kinds in dependency order, the dataset record first."""
    yield "dataset"
    yield from (kind for kind, _, _ in KINDS)
