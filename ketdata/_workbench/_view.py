"""What the review page shows, worked out from the data folder: plain values for the template, no markup.

The folder is read once per change: every data file's bytes are read one time, and validation, the loaded
dataset and the stamps a save carries all come from those same bytes, so a Confirm can never land on text
the page did not show.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketdata._editor.verdict import record_stamp
from ketdata._io.files import read_regular
from ketdata._model.dataset import SYSTEM_NAMES, Dataset
from ketdata._model.problems import DataError, Problem, Severity
from ketdata._model.records import Caveat, Claim, Concept, DecisionRow
from ketdata._model.text import sentences
from ketdata._validation.folder import discover
from ketdata._validation.governance import retired
from ketdata._validation.pipeline import run
from ketdata._validation.rules import occurs

Record = Claim | Caveat
STATES = ("changed", "flagged", "unreviewed", "reviewed")
AWAITING = ("changed", "unreviewed")  # what "the next unreviewed record" may be
# How firmly the article says a claim, in words a clinician reads the way the data means them.
PLAIN_GRADES = {
    "established": "stated plainly",
    "reported-association": "reported association",
    "potential": "potential",
    "experimental": "experimental",
    "uncertain": "uncertain",
    "not-applicable": "descriptive (evidence does not apply)",
}
# The code systems by the names clinicians know them by: the model's one table, read the other way.
CODE_SYSTEMS = {uri: name for name, uri in SYSTEM_NAMES.items()}
RELATIONS = {
    "skos:exactMatch": "means the same",
    "skos:closeMatch": "means nearly the same",
    "skos:broadMatch": "the code is broader",
    "skos:narrowMatch": "the code is narrower",
    "skos:relatedMatch": "related, not the same",
}


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the article's text, the records whose evidence covers all of it, and whether it is in scope."""

    start: int
    text: str
    ids: tuple[str, ...]
    scope: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One claim or caveat, where it stands in the article, and its review state."""

    id: str
    label: str
    kind: str
    statement: str
    state: str  # changed, flagged, unreviewed or reviewed
    category: str
    start: int  # where its evidence starts in the article: the queue's order
    sentence: int  # index of the sentence it quotes
    retired: str = ""  # "withdrawn" or "superseded by Claim 7" for a record out of the queue
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """One sentence of the article and the records quoting it, in article order."""

    index: int
    section: str
    start: int
    end: int
    text: str
    entries: tuple[Entry, ...]


@dataclass(slots=True)
class State:
    """The data folder as last read (one read of every file): dataset, problems, stamps, queue."""

    ds: Dataset | None
    problems: tuple[Problem, ...]
    # "kind:id" -> record_stamp of its value; "text:<source id>" -> sha256 of the source's text file as read
    stamps: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # "kind:id" -> its value as read
    entries: list[Entry] = field(default_factory=list)  # every claim and caveat, in article order
    groups: list[Group] = field(default_factory=list)

    @property
    def queue(self) -> list[Entry]:
        """The records to review, in article order (withdrawn and superseded ones left out)."""
        return [e for e in self.entries if not e.retired]

    @property
    def retired(self) -> list[Entry]:
        """The withdrawn and superseded records, with their reason."""
        return [e for e in self.entries if e.retired]


def _signature(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    files, _ = discover(folder)
    paths = [f.path for f in files] + sorted((folder / "sources").glob("*"))
    # The inode too: an editor's save (a new file renamed over the old) within one clock tick is still seen.
    stats = [(str(p), st.st_mtime_ns, st.st_size, st.st_ino) for p in paths if p.is_file() and (st := p.stat())]
    return tuple(stats)


class Folder:
    """A data folder read again whenever one of its files changes on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: tuple[tuple[str, int, int, int], ...] | None = None
        self._state = State(None, ())

    def forget(self) -> None:
        """Read the folder again at the next `state`, whatever its files' sizes and times say."""
        self._signature = None

    def state(self) -> State:
        """The current dataset, problems, stamps and queue."""
        signature = _signature(self.path)
        if signature != self._signature:
            self._state = read_state(self.path)
            self._signature = signature
        return self._state


def read_state(folder: Path) -> State:
    """Validation, the dataset and every record's stamp, all from one read (and parse) of each data file."""
    report = run(folder, datetime.datetime.now(datetime.UTC).date())
    problems, ds = report.problems, report.built
    if ds is None:
        return State(None, (*problems, *report.unbuilt))
    try:
        for source in ds.sources:
            _ = source.text  # read (and checked against its sha256) now, not half-way through a page
        texts = {f"text:{s.id}": text_stamp(ds, s.id) for s in ds.sources}
    except (DataError, OSError) as exc:
        return State(None, tuple(problems) + tuple(getattr(exc, "problems", ())))
    if any(texts[f"text:{s.id}"] != s.sha256 for s in ds.sources):
        # The file no longer holds the text its record names (validation says so): the page shows no record on it.
        return State(None, tuple(problems))
    values = {f"{r.kind}:{r.id}": r.value for r in report.rules.records if r.id is not None}
    stamps = {key: record_stamp(value) for key, value in values.items()} | texts
    # Which caveats a claim carries is said by the caveats, not the claim: a caveat newly linked to it changes
    # what its row would show, so a verdict is bound to the set the row showed too.
    stamps |= {f"caveats-of:{c.id}": _caveat_set(ds, c) for c in ds.claims}
    # Changed since their review, or by a source update that awaits a person (its mark pending or flagged).
    entries, groups = _arrange(ds, {p.record_id for p in problems if p.code in ("KD603", "KD700")})
    return State(ds, tuple(problems), stamps, values, entries, groups)


def _caveat_set(ds: Dataset, claim: Claim) -> str:
    ids = sorted(c.id for c in ds.caveats_for(claim, include_inactive=True))
    return hashlib.sha256(",".join(ids).encode("utf-8")).hexdigest()


def text_stamp(ds: Dataset, source_id: str) -> str:
    """The sha256 of a source's text file as its bytes are on disk now ("" for no such source).

    A row's context carries it (``text:<source>``), so a verdict is bound to the article's exact bytes the
    page showed: the text is cached by the sha256 its record names, which a hand edit of the file alone
    leaves as it was.
    """
    source = next((s for s in ds.sources if s.id == source_id), None)
    if source is None or source._folder is None:
        return ""
    return hashlib.sha256(read_regular(Path(source._folder) / source.file)).hexdigest()


def label(record_id: str) -> str:
    """``claim-005`` as a reader says it: ``Claim 5``."""
    kind, _, number = record_id.rpartition("-")
    return f"{kind.replace('-', ' ').capitalize()} {int(number)}" if number.isdigit() and kind else record_id


def key(record: Record) -> str:
    """The record's key among the stamps."""
    return f"{'claim' if isinstance(record, Claim) else 'caveat'}:{record.id}"


def _anchor(record: Record) -> int:
    current = [s for s in record.evidence if not s.revision]  # a span a source update lost is in no current place
    stating = [s.start for s in current if s.role == "statement"]
    return min(stating or [s.start for s in current] or [0])


def _arrange(ds: Dataset, changed: set[str | None]) -> tuple[list[Entry], list[Group]]:
    source = ds.sources[0]
    text = source.text
    found = sentences(text, [(s.id, s.heading, s.start, s.end) for s in source.sections])
    records: list[Record] = sorted([*ds.claims, *ds.caveats], key=lambda r: (_anchor(r), r.id))
    entries = []
    for record in records:
        at = _anchor(record)
        index = next((i for i, s in enumerate(found) if s.start <= at < s.end), -1)
        entries.append(_entry(record, changed, at, index))
    groups = []
    for index, members in itertools.groupby(entries, key=lambda e: e.sentence):
        group = tuple(members)
        if index >= 0:
            s = found[index]
            groups.append(Group(index, s.section, s.start, s.end, s.text, group))
        else:  # quoted outside every sentence (a heading): the quote stands for the sentence
            start = group[0].start
            groups.append(Group(index, "", start, start, "", group))
    return entries, groups


def _entry(record: Record, changed: set[str | None], start: int, sentence: int) -> Entry:
    state = "changed" if record.id in changed else record.review.status
    category = record.category if isinstance(record, Claim) else "caveats"
    kind = "claim" if isinstance(record, Claim) else "caveat"
    how = ""
    if retired(record.status, record.superseded_by):
        how = f"superseded by {label(record.superseded_by)}" if record.superseded_by else record.status
    return Entry(record.id, label(record.id), kind, record.statement, state, category, start, sentence, how,
                 record.reason or "")  # fmt: skip


def counts(queue: Iterable[Entry]) -> dict[str, int]:
    """How many records to review are reviewed, flagged, unreviewed, and changed since their review."""
    listed = list(queue)
    return {state: sum(e.state == state for e in listed) for state in STATES}


def next_awaiting(queue: list[Entry], after: str | None) -> Entry | None:
    """The first record awaiting review after ``after`` in article order, from the start again if need be."""
    ids = [e.id for e in queue]
    i = ids.index(after) + 1 if after in ids else 0
    for entry in [*queue[i:], *queue[:i]]:
        if entry.state in AWAITING and entry.id != after:
            return entry
    return None


def neighbours(queue: list[Entry], record_id: str | None) -> tuple[str | None, str | None]:
    """The records before and after this one in the queue."""
    ids = [e.id for e in queue]
    if record_id not in ids:
        return None, ids[0] if ids else None
    i = ids.index(record_id)
    return (ids[i - 1] if i else None), (ids[i + 1] if i + 1 < len(ids) else None)


def filtered(queue: list[Entry], state: str, category: str) -> list[Entry]:
    """The queue limited to one review state and one category ('' for any)."""
    return [e for e in queue if (not state or e.state == state) and (not category or e.category == category)]


def pieces(text: str, records: list[Record], source_id: str, scope: Iterable[tuple[int, int]] = ()) -> list[Piece]:
    """The article cut at every evidence and scope boundary, each piece with the records quoting it."""
    # A span lost in a source update points into an earlier revision, not this text.
    spans = [(s.start, s.end, r.id) for r in records for s in r.evidence if s.source == source_id and not s.revision]
    bounds = {0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)}
    scope = list(scope)
    bounds |= {x for a, b in scope for x in (a, b)}
    result = []
    for start, end in itertools.pairwise(sorted(bounds)):
        ids = tuple(sorted({rid for a, b, rid in spans if a <= start and end <= b}))
        inside = any(a <= start and end <= b for a, b in scope)
        result.append(Piece(start, text[start:end], ids, inside))
    return result


def scope_ranges(ds: Dataset, caveat: Caveat) -> list[tuple[int, int]]:
    """The parts of the article a caveat governs: its spans and whole sections."""
    source = ds.sources[0]
    ranges = [(r.start, r.end) for r in caveat.scope.spans if r.source == source.id]
    for section_id in caveat.scope.sections:
        section = source.section(section_id)
        if section is not None:
            ranges.append((section.start, section.end))
    return ranges


def records_at(records: list[Record], offset: int) -> list[Record]:
    """The records whose evidence covers the character at ``offset``."""
    return [r for r in records if any(s.start <= offset < s.end and not s.revision for s in r.evidence)]


@dataclass(frozen=True, slots=True)
class Grade:
    """How firmly the article says a claim, and the one rule that decided it (None: only the definition)."""

    plain: str
    meaning: str
    rule: str | None
    why: str | None


def grade(ds: Dataset, claim: Claim) -> Grade:
    """The claim's grade explained by the decision-table row that decides it (the table's own reading).

    A row decides a claim when its cue is in the statement (the longest cue wins) or it has none, and its
    kinds of statement (predicates, categories, inside or outside the experimental passage) include the
    claim's: never a row for another kind of statement. Without one, the grade rests on the status's
    definition, and the page says so.
    """
    status = ds.evidence_status(claim.evidence_status)
    plain = PLAIN_GRADES.get(status.id, status.label.lower())
    row = _deciding_row(ds, claim)
    if row is not None and row.cue:
        return Grade(plain, status.definition, f"the wording “{row.cue}”: {row.wording}", row.why)
    for rule in ds.rules:
        if rule.kind == "status-in-scope" and claim.predicate in rule.predicates:
            governing = [c for c in ds.caveats if c.id in rule.caveats and claim.id in c.applies_to]
            if governing:
                why = "; ".join(f"{label(c.id)}: {c.statement}" for c in governing)
                return Grade(plain, status.definition, rule.description, why)
    if row is None:
        return Grade(plain, status.definition, None, None)
    return Grade(plain, status.definition, row.wording, row.why)


def _experimental(ds: Dataset, claim: Claim) -> bool:
    """Whether the claim lies in the passage the decision-table rule names as experimental."""
    named = {c for r in ds.rules if r.kind == "decision-table" for c in r.caveats}
    return any(c.id in named for c in ds.caveats_for(claim, include_inactive=True))


def _deciding_row(ds: Dataset, claim: Claim) -> DecisionRow | None:
    experimental = _experimental(ds, claim)
    rows = [
        row
        for row in ds.evidence_status(claim.evidence_status).decision
        if (not row.predicates or claim.predicate in row.predicates)
        and (not row.categories or claim.category in row.categories)
        and (row.experimental is None or row.experimental == experimental)
    ]
    matched = [row for row in rows if row.cue and occurs(row.cue, claim.statement)]
    if matched:
        return max(matched, key=lambda r: len(str(r.cue)))
    plain = [row for row in rows if row.cue is None]
    return plain[0] if len(plain) == 1 else None


def concepts_of(ds: Dataset, claim: Claim) -> list[Concept]:
    """The claim's subject and object concepts, with their codings."""
    ids = [claim.subject, *([claim.object.concept] if claim.object.concept else [])]
    return [ds.concept(i) for i in ids if i in ds]


def overlapping(record: Record, records: list[Record]) -> list[Record]:
    """The other records quoting text that overlaps this record's evidence."""
    mine = [(s.source, s.start, s.end) for s in record.evidence]
    return [
        r
        for r in records
        if r.id != record.id
        and any(s.source == src and s.start < end and start < s.end for s in r.evidence for src, start, end in mine)
    ]


def problems_for(problems: tuple[Problem, ...], record_id: str) -> list[Problem]:
    """The problems (infos left out) validation reports for one record."""
    return [p for p in problems if p.record_id == record_id and p.severity is not Severity.INFO]


def summary(problems: tuple[Problem, ...]) -> dict[str, int]:
    """The number of errors and warnings in the dataset."""
    return {s.value: sum(p.severity is s for p in problems) for s in (Severity.ERROR, Severity.WARNING)}


def plain_words(identifier: str) -> str:
    """A hyphenated or snake_case id as words (``safety-warning``: ``safety warning``)."""
    return identifier.replace("-", " ").replace("_", " ")


@dataclass(frozen=True, slots=True)
class Row:
    """One record of a sentence, as its row shows it, with what it shares with the row above."""

    entry: Entry
    record: Record
    stamp: str  # the record as shown
    context: str  # what else the row shows, as "kind:id=stamp" pairs: a save is refused if any of it changed
    grade: Grade | None = None
    caveats: tuple[Caveat, ...] = ()
    concepts: tuple[Concept, ...] = ()
    applies: tuple[Claim | None, ...] = ()
    same: tuple[str, ...] = ()  # "same 4 caveats", "same grade rule", ...
    collapsed: tuple[str, ...] = ()  # the aspects left out for being the same: caveats, grade, concepts...
    coded_above: tuple[str, ...] = ()  # concepts whose codes the row above already listed
    problems: tuple[Problem, ...] = ()


def rows(state: State, group: Group) -> list[Row]:
    """The rows of one sentence, each marked with what repeats the row above it."""
    ds = state.ds
    assert ds is not None
    result: list[Row] = []
    previous: dict[str, tuple[Any, str]] = {}
    for entry in group.entries:
        record = ds.get(entry.id)
        assert isinstance(record, Claim | Caveat)
        row, shared = _row(state, ds, entry, record)
        collapsed = tuple(
            name for name, (value, _) in shared.items() if value and previous.get(name, ("",))[0] == value
        )
        above = {c.id for c in result[-1].concepts} if result else set()
        coded_above = tuple(c.id for c in row.concepts if c.id in above)
        previous = shared
        same = tuple(shared[n][1] for n in collapsed)
        result.append(dataclasses.replace(row, same=same, collapsed=collapsed, coded_above=coded_above))
    return result


def _row(state: State, ds: Dataset, entry: Entry, record: Record) -> tuple[Row, dict[str, tuple[Any, str]]]:
    shown: list[str] = [f"{kind}:{e.source}" for e in record.evidence[:1] for kind in ("source", "text")]
    # A flag's own warning (KD612) is said in plain words by the row's flag box.
    problems = tuple(p for p in problems_for(state.problems, record.id) if p.code != "KD612")
    stamp = state.stamps.get(key(record), "")
    if isinstance(record, Claim):
        caveats = ds.caveats_for(record, include_inactive=True)
        concepts = tuple(concepts_of(ds, record))
        found = grade(ds, record)
        shown += [f"caveats-of:{record.id}"] + [f"caveat:{c.id}" for c in caveats]
        shown += [f"concept:{c.id}" for c in concepts]
        shown += [f"category:{record.category}", f"predicate:{record.predicate}"]
        shown += [f"evidence_status:{record.evidence_status}"]
        shared = {
            "caveats": (tuple(c.id for c in caveats), f"same {len(caveats)} caveat{'s' * (len(caveats) != 1)}"),
            "grade": ((record.evidence_status, found.rule, found.why), "same grade rule"),
            "concepts": (tuple((c.id, c.codings) for c in concepts), "same concepts and codes"),
            "category": (record.category, "same category"),
        }
        row = Row(entry, record, stamp, _context(state, shown), found, caveats, concepts, problems=problems)
        return row, shared
    applies = tuple(c if isinstance(c := ds.get(i), Claim) else None for i in record.applies_to)
    shown += [f"claim:{i}" for i in record.applies_to]
    shared = {"applies": (record.applies_to, f"same {len(record.applies_to)} claims")}
    return Row(entry, record, stamp, _context(state, shown), applies=applies, problems=problems), shared


def _context(state: State, keys: list[str]) -> str:
    return ",".join(f"{k}={state.stamps.get(k, '')[:16]}" for k in dict.fromkeys(keys))


def stale(state: State, context: str) -> list[str]:
    """What of a row's context (see `Row.context`) changed since the page showed it, as readers name it."""
    changed = []
    for pair in context.split(",") if context else []:
        name, _, stamp = pair.partition("=")
        kind, _, record_id = name.partition(":")
        now = state.stamps.get(name, "")
        if kind == "text" and state.ds is not None:
            # Read again now, not trusted to the folder's signature: an edit that kept the file's size and times.
            try:
                now = text_stamp(state.ds, record_id)
            except OSError:
                now = ""
        if now[:16] != stamp:
            what = {"text": "the article text of", "caveats-of": "the caveats linked to"}.get(kind)
            what = what or f"the {plain_words(kind)}"
            changed.append(f"{what} {label(record_id) if kind in ('claim', 'caveat', 'caveats-of') else record_id}")
    return changed


def changed_fields(before: Any, after: Any) -> list[str]:
    """The fields of a record that differ between two reads of it (or "it was removed")."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ["it was removed" if after is None else "the whole record"]
    names = sorted({*before, *after}, key=lambda k: (k == "review", str(k)))
    return [plain_words(str(k)) for k in names if before.get(k) != after.get(k)]
