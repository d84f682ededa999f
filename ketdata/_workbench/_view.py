"""What the review page shows, worked out from the data folder: plain values for the template, no markup."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketdata._editor.verdict import fingerprint
from ketdata._io.files import read_regular
from ketdata._io.yaml import read_documents
from ketdata._model.dataset import Dataset
from ketdata._model.problems import Problem, Severity
from ketdata._model.records import Caveat, Claim, Concept, DecisionRow
from ketdata._validation.folder import discover
from ketdata._validation.governance import REVIEWED
from ketdata._validation.pipeline import run
from ketdata._validation.rules import occurs
from ketdata._workbench._update import marks

Record = Claim | Caveat
# The queue's order: records changed since their review first (KD603), then flagged, unreviewed, reviewed.
_ORDER = {"changed": 0, "flagged": 1, "unreviewed": 2, "reviewed": 3}


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the article's text and the records whose evidence covers all of it."""

    start: int
    text: str
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One record in the queue."""

    id: str
    kind: str
    statement: str
    state: str  # changed, flagged, unreviewed or reviewed
    category: str


@dataclass(slots=True)
class State:
    """The data folder as last read: the dataset, its problems, and each record's file fingerprint."""

    ds: Dataset | None
    problems: tuple[Problem, ...]
    seen: dict[str, str] = field(default_factory=dict)
    queue: list[Entry] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)  # source_update marks, by record id


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    files, _ = discover(folder)
    paths = [f.path for f in files] + sorted((folder / "sources").glob("*"))
    stats = [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file()]
    return tuple(stats)


class Folder:
    """A data folder read again whenever one of its files changes on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._state = State(None, ())

    def state(self) -> State:
        """The current dataset, problems, fingerprints and queue."""
        signature = _signature(self.path)
        if signature != self._signature:
            self._state = _read(self.path)
            self._signature = signature
        return self._state


def _read(folder: Path) -> State:
    report = run(folder, datetime.datetime.now(datetime.UTC).date())
    problems = report.problems
    ds = report.built
    if ds is None:
        return State(None, tuple(problems))
    seen: dict[str, str] = {}
    files, _ = discover(folder)
    for data_file in files:
        if data_file.kind in REVIEWED:
            stamp = fingerprint(read_regular(data_file.path))
            seen.update(_ids_in(data_file.path, stamp))
    # Changed since their review, or by a source update that awaits a person.
    changed = {p.record_id for p in problems if p.code in ("KD603", "KD700")}
    records: list[Record] = [*ds.claims, *ds.caveats]
    queue = [_entry(r, changed) for r in records]
    queue.sort(key=lambda e: (_ORDER[e.state], e.id))
    return State(ds, tuple(problems), seen, queue, marks(folder))


def _ids_in(path: Path, stamp: str) -> dict[str, str]:
    documents, _ = read_documents(read_regular(path), str(path))
    return {str(d.value["id"]): stamp for d in documents if isinstance(d.value, dict) and "id" in d.value}


def _entry(record: Record, changed: set[str | None]) -> Entry:
    state = "changed" if record.id in changed else record.review.status
    category = record.category if isinstance(record, Claim) else "caveats"
    return Entry(record.id, "claim" if isinstance(record, Claim) else "caveat", record.statement, state, category)


def counts(queue: list[Entry]) -> dict[str, int]:
    """How many records are reviewed, flagged, unreviewed, and changed since their review."""
    return {state: sum(e.state == state for e in queue) for state in _ORDER}


def pieces(text: str, records: list[Record], source_id: str) -> list[Piece]:
    """The article cut at every evidence boundary, each piece with the records quoting it."""
    # A span lost in a source update points into an earlier revision, not this text.
    spans = [(s.start, s.end, r.id) for r in records for s in r.evidence if s.source == source_id and not s.revision]
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    result = []
    for start, end in itertools.pairwise(cuts):
        ids = tuple(sorted({rid for a, b, rid in spans if a <= start and end <= b}))
        result.append(Piece(start, text[start:end], ids))
    return result


def records_at(records: list[Record], offset: int) -> list[Record]:
    """The records whose evidence covers the character at ``offset``."""
    return [r for r in records if any(s.start <= offset < s.end for s in r.evidence)]


def overlapping(record: Record, records: list[Record]) -> list[Record]:
    """The other records quoting text that overlaps this record's evidence."""
    mine = [(s.source, s.start, s.end) for s in record.evidence]
    return [
        r
        for r in records
        if r.id != record.id
        and any(s.source == src and s.start < end and start < s.end for s in r.evidence for src, start, end in mine)
    ]


def decision_rows(ds: Dataset, claim: Claim) -> list[DecisionRow]:
    """The decision-table rows of the claim's evidence status that its wording meets (longest cue wins).

    Without a cue in the statement, the status's rows that need none (a plain statement) apply.
    """
    status = ds.evidence_status(claim.evidence_status)
    matched = [row for row in status.decision if row.cue and occurs(row.cue, claim.statement)]
    cues = {row.cue for row in matched if row.cue}
    longest = [row for row in matched if not any(c != row.cue and occurs(str(row.cue), c) for c in cues)]
    return longest or [row for row in status.decision if row.cue is None]


def concepts_of(ds: Dataset, claim: Claim) -> list[Concept]:
    """The claim's subject and object concepts, with their codings."""
    ids = [claim.subject, *([claim.object.concept] if claim.object.concept else [])]
    return [ds.concept(i) for i in ids if i in ds]


def neighbours(queue: list[Entry], record_id: str | None) -> tuple[str | None, str | None]:
    """The records before and after this one in the (filtered) queue."""
    ids = [e.id for e in queue]
    if record_id not in ids:
        return None, ids[0] if ids else None
    i = ids.index(record_id)
    return (ids[i - 1] if i else None), (ids[i + 1] if i + 1 < len(ids) else None)


def filtered(queue: list[Entry], state: str, category: str) -> list[Entry]:
    """The queue limited to one review state and one category ('' for any)."""
    return [e for e in queue if (not state or e.state == state) and (not category or e.category == category)]


def problems_for(problems: tuple[Problem, ...], record_id: str) -> list[Problem]:
    """The problems (infos left out) validation reports for one record."""
    return [p for p in problems if p.record_id == record_id and p.severity is not Severity.INFO]


def summary(problems: tuple[Problem, ...]) -> dict[str, int]:
    """The number of errors and warnings in the dataset."""
    return {s.value: sum(p.severity is s for p in problems) for s in (Severity.ERROR, Severity.WARNING)}
