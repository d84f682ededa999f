"""An editor's data folder: which YAML files hold which record kind, and their records with line marks."""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketdata._io.files import NotRegularFileError, kind_of, read_regular, walk
from ketdata._io.gc import paused
from ketdata._io.yaml import MAX_FILE_BYTES, Document, NodeCache, iter_mappings, read_documents
from ketdata._model.convert import KINDS, assemble, build
from ketdata._model.dataset import Dataset
from ketdata._model.frozen import replace
from ketdata._model.problems import DataError, Problem, Severity, problem, short

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
    if not data_dir.is_dir():
        return [], [problem("KD013", str(data_dir), 1, 1, None, "the data folder does not exist")]
    entries = dict(walk(data_dir, skip_hidden=True))
    # Links, FIFOs and devices are never read: each is reported where it stands, whatever its name.
    problems = [problem("KD017", str(p), 1, 1, None, f"is {kind_of(mode)}; data files must be regular files")
                for p, mode in entries.items() if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)]  # fmt: skip
    # A folder named like a data file (claims/x.yaml) is never read: said where it stands, not skipped silently.
    folders = [p for p, mode in entries.items() if stat.S_ISDIR(mode) and p.suffix.lower() in (".yaml", ".yml")]
    problems += [problem("KD017", str(p), 1, 1, None, "is a folder; data files must be regular files") for p in folders]
    regular = {p for p, mode in entries.items() if stat.S_ISREG(mode)}
    dataset = data_dir / DATASET_FILE
    files = [DataFile(dataset, "dataset")] if dataset in regular else []
    if not files and dataset not in entries:
        problems.append(problem("KD013", str(dataset), 1, 1, None, "dataset.yaml is missing"))
    for kind, _, stem in KINDS:
        single = data_dir / f"{stem}.yaml"
        if single in regular:
            files.append(DataFile(single, kind))
        files += [DataFile(p, kind) for p in sorted(regular)
                  if p.parent == data_dir / stem and p.suffix == ".yaml" and not p.name.startswith(".")]  # fmt: skip
    known = {f.path for f in files}
    problems += [problem("KD020", str(p), 1, 1, None, f"ketdata never reads this file: {_UNREAD}")
                 for p in sorted(regular) if _unread(data_dir, p)]  # fmt: skip
    for stray in sorted(p for p in regular if p.suffix.lower() in (".yaml", ".yml") and p not in known):
        held = kind_at(data_dir, stray)
        if held is None:
            problems.append(problem("KD012", str(stray), 1, 1, None, "file is not where any record type lives"))
        elif stray.name.startswith("."):
            # Hidden from `ls` and many editors, so its records would be data nobody sees: never read, nor formatted.
            msg = f"its {held.replace('_', ' ')} records are not read: the file is hidden; rename it " \
                  f"{stray.name.lstrip('.')} if it holds records"  # fmt: skip
            problems.append(problem("KD012", str(stray), 1, 1, None, msg))
        else:
            msg = f"its {held.replace('_', ' ')} records are not read: only files named *.yaml are; rename it " \
                  f"{stray.with_suffix('.yaml').name}"  # fmt: skip
            problems.append(problem("KD012", str(stray), 1, 1, None, msg))
    return files, problems


# Besides records, the data folder holds the source texts and the reference table of codes.
_READ_AS_IS = ("sources",)
REFERENCE_TABLE = ("reference", "codes.csv")
REVIEW_LOG = "review-log.jsonl"
"""The log of review saves `ketdata review` appends to (read by `_validation/review_log.py`)."""
_UNREAD = "records live in *.yaml files, source texts in sources/; move it out of the data folder"


def _unread(data_dir: Path, path: Path) -> bool:
    """Whether a regular file of the data folder is one no command reads (and not a stray YAML file: KD012)."""
    parts = path.relative_to(data_dir).parts
    return not (
        path.suffix.lower() in (".yaml", ".yml")
        # A source text stands right in sources/ (a source's file names no folder); which of those a source
        # names is known once the records are read (`Rules`, KD020 too).
        or (parts[0] in _READ_AS_IS and len(parts) == 2)
        or parts == REFERENCE_TABLE
        or parts == (REVIEW_LOG,)
        or path.name.startswith(".")  # hidden on purpose: an editor's swap file, a .gitkeep
    )


def kind_at(data_dir: Path, path: Path) -> str | None:
    """The record kind a file at ``path`` would hold, whatever its suffix's case or file type; None for none."""
    if path.parent == data_dir and path.stem == DATASET_FILE.removesuffix(".yaml"):
        return "dataset"
    for kind, _, stem in KINDS:
        if (path.parent == data_dir and path.stem == stem) or path.parent == data_dir / stem:
            return kind
    return None


@dataclass(slots=True)
class RawRecord:
    """A record as read from YAML, with where it and its keys stand.

    Attributes:
        id: The record's id, if it has a string one (worked out once: the rules ask for it constantly).
        taken: The values of a wrong type that the schema check took out of ``value``, by path.
    """

    kind: str
    file: str
    value: dict[str, Any]
    doc: Document
    id: str | None = field(init=False)
    taken: dict[tuple[str | int, ...], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rid = self.value.get("id")
        self.id = rid if isinstance(rid, str) else None

    def mark(self, *path: str | int) -> tuple[int, int]:
        """Line and column of the key or item at ``path`` (or the nearest enclosing one)."""
        return self.doc.mark(path)

    def problem(
        self,
        code: str,
        path: tuple[str | int, ...],
        message: str,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Problem:
        """A problem with this record, located at the key or item at ``path``."""
        line, column = self.mark(*path)
        return problem(code, self.file, line, column, self.id, message, hint, severity)

    def doc_line(self, line: int) -> str | None:
        """The text of a line of the record's file (1-based), for pointing into it."""
        try:
            return read_regular(Path(self.file)).decode("utf-8").splitlines()[line - 1]
        except (OSError, UnicodeDecodeError, IndexError):
            return None


def read_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """A data file's bytes, refusing one over the size limit before reading it."""
    try:
        return read_regular(path, MAX_FILE_BYTES), []
    except NotRegularFileError as exc:
        return None, [problem("KD017", str(path), 1, 1, None, f"{exc.strerror}; data files must be regular files")]
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            msg = f"{exc.strerror} (split its records over several files)"
            return None, [problem("KD010", str(path), 1, 1, None, msg)]
        return None, [problem("KD015", str(path), 1, 1, None, f"cannot read the file: {exc.strerror or exc}")]


def read_file(data_file: DataFile, data: bytes, nodes: NodeCache) -> tuple[list[RawRecord], list[Problem]]:
    """The records of one file's bytes, and the problems met reading them."""
    name = str(data_file.path)
    documents, problems = read_documents(data, name, nodes)
    records: list[RawRecord] = []
    if data_file.kind == "dataset" and len(documents) > 1:
        # Only the first is the dataset record; the others are reported once, not checked as records.
        lines = ", ".join(str(d.line) for d in documents[1:])
        msg = f"dataset.yaml holds {len(documents)} documents; only the first is read (others start on line {lines})"
        problems.append(problem("KD019", name, documents[1].line, 1, None, msg))
        documents = documents[:1]
    for doc, found_in_doc in iter_mappings(documents, name):
        problems += found_in_doc
        if isinstance(doc.value, dict):
            records.append(RawRecord(data_file.kind, name, doc.value, doc))
    return records, problems


def load_folder(data_dir: Path) -> Dataset:
    """A Dataset from a YAML data folder, read without the schema checks: for older releases' folders.

    A folder of an older release (a git revision, say) need not validate against today's schemas, yet can
    be compared. Today's folder is read by the validation pipeline instead (`ketdata.load`). Each file's
    records are built as soon as the file is read, so the plain mappings of only one file are held at a time.

    Args:
        data_dir: The data folder.

    Raises:
        DataError: The folder is missing, a file cannot be read or parsed safely, or a record lacks a field.
    """
    if not data_dir.is_dir():
        raise DataError([problem("KD013", str(data_dir), 1, 1, None, "the data folder does not exist")])
    with paused():
        return _load_folder(data_dir)


def _load_folder(data_dir: Path) -> Dataset:
    files, problems = discover(data_dir)
    nodes = NodeCache()
    built: dict[str, list[Any]] = {}
    info: dict[str, Any] = {}
    for data_file in files:
        data, found = read_bytes(data_file.path)
        problems += found
        if data is None:
            continue
        records, found = read_file(data_file, data, nodes)
        problems += found
        if any(p.severity is Severity.ERROR for p in found):
            continue
        try:
            if data_file.kind == "dataset":
                info = records[0].value if records else {}
            else:
                built.setdefault(data_file.kind, []).extend(build(data_file.kind, r.value) for r in records)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            msg = f"records do not match the schema ({short(exc)}); run `ketdata validate` for details"
            problems.append(problem("KD101", str(data_file.path), 1, 1, None, msg))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise DataError(errors)
    sources = str(data_dir / "sources")
    built["source"] = [replace(s, _folder=sources) for s in built.get("source", ())]
    try:
        return assemble(info, built)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"the dataset record does not match its schema ({short(exc)}); run `ketdata validate` for details"
        raise DataError([problem("KD101", str(data_dir / DATASET_FILE), 1, 1, None, msg)]) from None
