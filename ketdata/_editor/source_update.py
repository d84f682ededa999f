"""``ketdata source update``: re-anchor every record on a new revision of a source, and keep the old one.

The plan is made in memory: every place a record points into the source is re-anchored
(`ketdata._editor.reanchor`): its evidence spans (a concept's definition and synonym evidence too), a caveat's
scope ranges, its ``readings`` (words at an offset) and its ``leaves_out`` (words of the sentences it quotes,
found there in the old text); the section headings are found again, and the new text's sentences that no
record quotes are listed. A record's evidence span is also changed when the words it skips between its quotes
in one paragraph changed (spliced evidence: a negation put between "it can also be taken" and
"intramuscularly"). Written (``write=True``), the old text is kept beside the source record under a
name that carries its sha256, the source record lists it in ``revisions`` and takes the new sha256, sections
and date; each record a span of which moved gets its new offsets, and each record whose evidence changed or
was lost gets a ``source_update`` mark, its words side by side, which validation refuses to release (KD700,
KD701) until a person acts. Every record whose content changes is raised one version above its release.

Under the project's lock, the would-be data folder is validated in memory before anything is written; the
write refuses when the update would break anything beyond what it marks for review, and otherwise changes
every file (records, source record, new text, kept old text) in the one all-or-nothing transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ketdata._editor.fmt import format_file, key_order
from ketdata._editor.reanchor import WORDS as _WORDS
from ketdata._editor.reanchor import Reanchored, Reanchorer, differing, negations, said
from ketdata._io.escape import starts_formula
from ketdata._io.files import PLAIN_NAME, read_regular
from ketdata._io.transaction import TransactionError, commit, locked
from ketdata._io.yaml import read_documents
from ketdata._model.convert import normalise
from ketdata._model.diff import field_changes
from ketdata._model.errors import UsageError
from ketdata._model.extras import missing
from ketdata._model.problems import DataError, Problem, RefusedError, Severity
from ketdata._model.review import Links, content_digest, review_links
from ketdata._model.text import Sentence
from ketdata._read.paths import project_root
from ketdata._validation.coverage import uncovered
from ketdata._validation.folder import discover
from ketdata._validation.history import VersionRules, latest_snapshot, releases_dir
from ketdata._validation.rules import spans_of

MARKED = ("claim", "caveat", "concept")
# Errors an update may leave behind on purpose: the marks a person must clear, and the rules their changed
# words may now break (a hedge no longer in the evidence, words left out no longer there, a sibling's or
# another reader's words now differing), which the same person settles. Any error of a record the update marks
# is expected too: its changed words may break any rule of its content. Any other error of a record whose
# places all moved (a caveat whose scope no longer covers a claim, KD608; a pronoun's antecedent, KD617) marks
# that record for review in its turn: only a person can say what it should become. New text that lies in no
# section (KD560, a paragraph above the first heading) is reported like new uncovered text (KD402).
EXPECTED = frozenset(
    {"KD700", "KD701", "KD307", "KD309", "KD310", "KD313", "KD316", "KD322", "KD325", "KD402", "KD560", "KD609"}
)
# How a record holds a place in the source: an evidence span (quote and offsets, and a revision when lost), a
# scope range (offsets only), a reading (its words at an offset) or words it leaves out (words only).
Held = Literal["span", "range", "reading", "left_out"]
# Where each kind keeps its words.
_WORDS_KEY = {"span": "quote", "reading": "text", "left_out": "text"}
# Each released record by id: its kind and its mapping in the latest release snapshot.
_Released = dict[str, tuple[str, dict[str, Any]]]


class SourceUpdateError(UsageError):
    """The update cannot be made as asked (no such source, a text that is not UTF-8, a heading lost...)."""


@dataclass(frozen=True, slots=True)
class SpanChange:
    """One span of one record, and where the new revision puts it.

    Attributes:
        record_id: The record.
        kind: Its kind (claim, caveat, concept).
        active: Whether the record is active (only an active record is marked for review).
        path: Where the span is in the record, e.g. ``("evidence", 0)`` or ``("scope", "spans", 1)``.
        result: The re-anchoring verdict with old and new offsets and words.
        section: The section of the new revision the span now lies in, for an evidence span that has one.
        held: How the record holds the place (an evidence span, a scope range, a reading, words left out).
    """

    record_id: str
    kind: str
    active: bool
    path: tuple[str | int, ...]
    result: Reanchored
    section: str | None = None
    held: Held = "span"

    @property
    def dotted(self) -> str:
        """The path as the ``source_update`` mark writes it: ``evidence.0``."""
        return ".".join(map(str, self.path))


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What an update did, or would do.

    Attributes:
        source_id: The source updated.
        old_sha256: The current revision's sha256 before the update.
        new_sha256: The new revision's sha256.
        spans: Every span that quotes the source, with its verdict.
        uncovered: The new text's sentences no active record quotes.
        sections: The source's sections in the new revision.
        written: Whether the data folder was changed.
        remaining: The errors the updated folder has (or would have): the review the update asks for.
        blocked: The errors the update would leave beyond what it marks for review (a dry run reports them;
            a write refuses while there is one), such as a new text the data's own rules refuse.
        renamed: Each section whose heading changed: ``(section id, old heading, new heading)``.
        undone: The records an earlier update had marked that this one puts back as they were (A -> B -> A):
            their marks are cleared, as nothing is left to review.
    """

    source_id: str
    old_sha256: str
    new_sha256: str
    spans: tuple[SpanChange, ...]
    uncovered: tuple[Sentence, ...]
    sections: tuple[dict[str, Any], ...]
    written: bool = False
    remaining: tuple[Problem, ...] = field(default=())
    blocked: tuple[Problem, ...] = field(default=())
    renamed: tuple[tuple[str, str, str], ...] = ()
    undone: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many spans got each verdict."""
        found = {"moved": 0, "changed": 0, "lost": 0}
        for s in self.spans:
            found[s.result.kind] += 1
        return found

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values, for tools."""

        def where(start: int | None, end: int | None, quote: str | None) -> dict[str, Any] | None:
            return None if start is None else {"start": start, "end": end, "quote": quote}

        spans = [{"record": s.record_id, "kind": s.kind, "active": s.active, "path": s.dotted, "held": s.held,
                  "verdict": s.result.kind, "old": where(s.result.old_start, s.result.old_end, s.result.old_quote),
                  "new": where(s.result.new_start, s.result.new_end, s.result.new_quote), "section": s.section,
                  "old_words": s.result.old_words, "new_words": s.result.new_words, "why": s.result.why}
                 for s in self.spans]  # fmt: skip
        missed = [{"section": u.section, "start": u.start, "end": u.end, "text": u.text} for u in self.uncovered]
        remaining = [{"code": p.code, "record": p.record_id, "message": p.message} for p in self.remaining]
        blocked = [{"code": p.code, "record": p.record_id, "message": p.message} for p in self.blocked]
        renamed = [{"section": s, "old": o, "new": n} for s, o, n in self.renamed]
        return {"source": self.source_id, "from": self.old_sha256, "to": self.new_sha256, "written": self.written,
                "counts": self.counts(), "spans": spans, "uncovered": missed, "sections": list(self.sections),
                "renamed": renamed, "remaining": remaining, "blocked": blocked,
                "undone": list(self.undone)}  # fmt: skip


def update_source(
    folder: Path, source_id: str, new_bytes: bytes, *, write: bool = False, today: datetime.date | None = None
) -> UpdateReport:
    """Re-anchor every record on a new revision of a source; with ``write``, apply it to the data folder.

    Args:
        folder: The data folder.
        source_id: The source that changed.
        new_bytes: The new revision's bytes (UTF-8 text; line ends are kept as they are).
        write: Change the data folder (default: report only).
        today: The date recorded for the new revision (default: today, UTC).

    Raises:
        SourceUpdateError: The update cannot be made; nothing is written.
        RefusedError: With ``write``, the update would leave errors beyond the review it asks for (those a dry
            run lists as blocking); nothing is written.
    """
    day = (today or datetime.datetime.now(datetime.UTC).date()).isoformat()
    if write:
        try:
            # The plan is made under the lock, from what this command reads there: a second update run at the
            # same time waits, then works from the revision the first one wrote (or finds nothing to update).
            with locked(project_root(folder)):
                plan = _Plan(folder, source_id, new_bytes)
                remaining = plan.write(day)
        except TransactionError as exc:
            raise SourceUpdateError(str(exc)) from None
        return replace(plan.report(), written=True, remaining=tuple(remaining))
    plan = _Plan(folder, source_id, new_bytes)
    remaining, blocked = plan.after(day)
    return replace(plan.report(), remaining=tuple(remaining), blocked=tuple(blocked))


class _Plan:
    """The update worked out in memory: verdicts, the new sections, and each file's new contents."""

    def __init__(self, folder: Path, source_id: str, new_bytes: bytes) -> None:
        try:
            import edlib  # noqa: F401
        except ImportError:
            raise missing("`ketdata source update`", "revisions", "edlib") from None
        self.folder, self.source_id = folder, source_id
        self._caveat_links: dict[str, Links] | None = None
        self.files, _ = discover(folder)
        self.source_path, self.source = self._source_record()
        name = self.source.get("file")
        if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
            raise SourceUpdateError(f"source {source_id!r} names no plain text file; run `ketdata validate`")
        self.text_path = self.source_path.parent / name
        old_bytes = read_regular(self.text_path)
        self.old_sha = hashlib.sha256(old_bytes).hexdigest()
        if self.old_sha != self.source.get("sha256"):
            raise SourceUpdateError(f"{name} is not the text source {source_id!r} records; run `ketdata validate`")
        self.new_bytes = new_bytes
        self.new_sha = hashlib.sha256(new_bytes).hexdigest()
        if self.new_sha == self.old_sha:
            raise SourceUpdateError(f"the new text is the current revision of {source_id!r}: nothing to update")
        self.old_bytes = old_bytes
        self.old, self.new = old_bytes.decode("utf-8"), _decoded(new_bytes)
        self.anchorer = Reanchorer(self.old, self.new, self._hedges())
        self.sections = self._sections()
        self.changes = list(self._changes())
        self.undone: set[str] = set()  # filled in as the records' new contents are worked out

    def _records(self, kinds: tuple[str, ...]) -> Iterator[tuple[Path, str, dict[str, Any]]]:
        for data_file in self.files:
            if data_file.kind in kinds:
                documents, _ = read_documents(read_regular(data_file.path), str(data_file.path))
                for d in documents:
                    if isinstance(d.value, dict):
                        yield data_file.path, data_file.kind, d.value

    def _links(self) -> dict[str, Links]:
        """What each claim's review row shows of other records (`review_links`), read once, before the update."""
        if self._caveat_links is None:
            shown = self._records(("caveat", "claim", "concept", "predicate"))
            self._caveat_links = review_links((kind, value) for _, kind, value in shown)
        return self._caveat_links

    def _source_record(self) -> tuple[Path, dict[str, Any]]:
        for path, _, value in self._records(("source",)):
            if value.get("id") == self.source_id:
                return path, value
        raise SourceUpdateError(f"no source {self.source_id!r} in {self.folder}")

    def _hedges(self) -> list[str]:
        """The hedge and qualifier words the data's own rules track (the qualifier-words rules' words)."""
        return [str(w) for _, _, rule in self._records(("rule",)) if rule.get("kind") == "qualifier-words"
                for w in rule.get("words") or ()]  # fmt: skip

    def _sections(self) -> list[dict[str, Any]]:
        """The sections in the new text: each heading found again, ends following.

        A heading whose words changed beyond an approximate match is taken as the line the diff maps the old
        heading's line to: a renamed heading. Every renamed heading is in the report.
        """
        found: list[dict[str, Any]] = []
        self.renamed: list[tuple[str, str, str]] = []
        for s in self.source.get("sections") or ():
            start, heading = int(s["start"]), str(s["heading"])
            try:
                r = self.anchorer.place(start, start + len(heading), heading)
            except ValueError as exc:  # a heading or start edited by hand: validation locates it (KD308)
                raise SourceUpdateError(f"section {s.get('id')!r}: {exc}; run `ketdata validate`") from None
            at = r.new_start if r.new_start is not None else self.anchorer.offset(start)
            line_start = self.new.rfind("\n", 0, at) + 1
            line_end = self.new.find("\n", at)
            line = self.new[line_start : len(self.new) if line_end == -1 else line_end].rstrip()
            if r.kind == "moved":
                found.append({"id": s["id"], "heading": heading, "start": r.new_start, "end": 0})
                continue
            if not line.strip() or (found and line_start < found[-1]["start"]):
                raise SourceUpdateError(f"section {s['id']!r}: its heading {heading!r} is not in the new text; "
                                        "edit the source's sections by hand")  # fmt: skip
            self.renamed.append((str(s["id"]), heading, line))
            found.append({"id": s["id"], "heading": line, "start": line_start, "end": 0})
        for this, nxt in zip(found, [*found[1:], None], strict=True):
            this["end"] = nxt["start"] if nxt is not None else len(self.new)
        return found

    def _section_of(self, start: int, end: int) -> str | None:
        return next((s["id"] for s in self.sections if s["start"] <= start and end <= s["end"]), None)

    def _changes(self) -> Iterator[SpanChange]:
        for _, kind, value in self._records(MARKED):
            rid, active = str(value.get("id")), value.get("status", "active") == "active"
            found = []
            for path, held, start, end, span in self._places(value):
                quote = span.get(_WORDS_KEY[held]) if held in _WORDS_KEY else None
                try:
                    result = self.anchorer.place(start, end, None if quote is None else str(quote))
                except ValueError as exc:
                    raise SourceUpdateError(f"{rid}: {exc}; run `ketdata validate`") from None
                if held == "range" and result.kind == "changed" and _same_words(result):
                    # A scope range is the passage a caveat governs, not a quote: new line breaks leave it in place.
                    result = replace(result, kind="moved", old_words="", new_words="", why="only white space changed")
                section = None
                if "section" in span and result.new_start is not None and result.new_end is not None:
                    section = self._section_of(result.new_start, result.new_end) or span["section"]
                found.append(SpanChange(rid, kind, active, path, result, section, held))
            yield from self._gaps(found)

    def _gaps(self, found: list[SpanChange]) -> list[SpanChange]:
        """The record's places, a moved evidence span made changed when the words next to it that it skips changed.

        Those are the words between it and the record's next (or previous) quote in the same paragraph.
        Spliced evidence skips those words ("it can also be taken" … "intramuscularly"): a reader of the record
        never sees them, so a negation put there ("but never") must reach a person.
        """
        quotes = sorted((c for c in found if c.held == "span" and c.path[0] == "evidence"),
                        key=lambda c: c.result.old_start)  # fmt: skip
        gaps: dict[int, tuple[str, str, str]] = {}
        for a, b in itertools.pairwise(quotes):
            ra, rb = a.result, b.result
            old_gap = self.old[ra.old_end : rb.old_start]
            if ra.old_end > rb.old_start or ra.new_end is None or rb.new_start is None or "\n" in old_gap:
                # Overlapping quotes have no gap; a lost one is reported already; quotes in two paragraphs are
                # two passages, each judged by its own sentence.
                continue
            new_gap = self.new[ra.new_end : rb.new_start]
            if ra.new_end > rb.new_start or _WORDS.findall(old_gap) != _WORDS.findall(new_gap):
                removed, added = differing(old_gap, new_gap) if ra.new_end <= rb.new_start else (old_gap.strip(), "")
                why = (f"the words between this quote and the record's {{}} one changed: "
                       f"{said(removed)} → {said(added)}")  # fmt: skip
                gaps[id(a)] = (removed, added, why.format("next"))
                gaps[id(b)] = (removed, added, why.format("previous"))
        out = []
        for c in found:
            gap = gaps.get(id(c))
            if gap is not None and c.result.kind == "moved":
                told = negations(gap[0], gap[1])
                c = replace(c, result=replace(c.result, kind="changed", old_words=gap[0], new_words=gap[1],
                                              why=told + gap[2]))  # fmt: skip
            out.append(c)
        return out

    def _places(self, value: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Held, int, int, dict[str, Any]]]:
        """Every place the record points into the current revision of this source, with how it holds it."""
        scope = value.get("scope")
        listed = scope.get("spans") if isinstance(scope, dict) else None
        ranges = [(("scope", "spans", i), r) for i, r in enumerate(listed or ()) if isinstance(r, dict)]
        mine = [(p, s) for p, s in spans_of(value) if self._here(s)]
        for path, span in mine:
            yield path, "span", int(span["start"]), int(span["end"]), span
        for path, span in ranges:
            if self._here(span):
                yield path, "range", int(span["start"]), int(span["end"]), span
        for i, reading in enumerate(value.get("readings") or ()):
            if isinstance(reading, dict) and self._here(reading):
                start = int(reading["start"])
                yield ("readings", i), "reading", start, start + len(str(reading.get("text", ""))), reading
        quoted = [(int(s["start"]), int(s["end"])) for p, s in mine if p[0] == "evidence"]
        for i, entry in enumerate(value.get("leaves_out") or ()):
            at = self._left_out_at(str(entry.get("text", "")), quoted) if isinstance(entry, dict) and quoted else None
            if at is not None:
                yield ("leaves_out", i), "left_out", at[0], at[1], entry

    def _here(self, span: dict[str, Any]) -> bool:
        """Whether a place is in this source's current revision (not one an earlier update lost)."""
        return span.get("source") == self.source_id and span.get("revision", self.old_sha) == self.old_sha

    def _left_out_at(self, words: str, quoted: list[tuple[int, int]]) -> tuple[int, int] | None:
        """Where words a record leaves out stand in the old text: in the sentences its evidence lies in.

        Validation holds them there (KD325); of several occurrences, the one nearest the evidence.
        """
        if not words:
            return None
        lo, hi = min(a for a, _ in quoted), max(b for _, b in quoted)
        first, last = self.old.rfind("\n", 0, lo) + 1, self.old.find("\n", hi)
        stretch = self.old[first : len(self.old) if last == -1 else last]
        hits = [m.start() + first for m in re.finditer(re.escape(words), stretch)]
        if not hits:
            return None
        at = min(hits, key=lambda h: 0 if lo <= h <= hi else min(abs(h - lo), abs(h - hi)))
        return at, at + len(words)

    def report(self) -> UpdateReport:
        """The verdicts and the new text's uncovered sentences (nothing written)."""
        quoted = [(c.result.new_start, c.result.new_end) for c in self.changes
                  if c.active and c.kind in ("claim", "caveat") and c.path[0] == "evidence" and c.result.new_start
                  is not None and c.result.new_end is not None]  # fmt: skip
        rows = [(s["id"], s["heading"], s["start"], s["end"]) for s in self.sections]
        missed = uncovered(self.new, rows, [(a, b) for a, b in quoted if a is not None and b is not None])
        return UpdateReport(self.source_id, self.old_sha, self.new_sha, tuple(self.changes), tuple(missed),
                            tuple(self.sections), renamed=tuple(self.renamed),
                            undone=tuple(sorted(self.undone)))  # fmt: skip

    # --- the write ----------------------------------------------------------------------------------------

    def revision_name(self) -> str:
        """The file that keeps the old text: the source file's name with the old sha256's first 12 digits."""
        name = self.text_path.name
        stem, dot, suffix = name.rpartition(".")
        return f"{stem}.{self.old_sha[:12]}.{suffix}" if dot and stem else f"{name}.{self.old_sha[:12]}"

    def contents(self, day: str) -> dict[Path, bytes]:
        """Every file the update writes, with its new bytes.

        Raises:
            SourceUpdateError: A data file to change is not in canonical form (run `ketdata fmt`).
        """
        order = key_order()
        by_record: dict[str, list[SpanChange]] = {}
        for c in self.changes:
            by_record.setdefault(c.record_id, []).append(c)
        released = self._released_versions()
        out: dict[Path, bytes] = {}
        touched = {p for p, _, v in self._records(MARKED) if str(v.get("id")) in by_record} | {self.source_path}
        for data_file in self.files:
            if data_file.path not in touched:
                continue
            before = format_file(data_file.path, data_file.kind, order)
            if before.text is None or before.changed:
                why = before.skipped or "is not in canonical form"
                raise SourceUpdateError(f"{data_file.path.name} {why}: run `ketdata fmt` first, so that the update "
                                        "changes nothing else")  # fmt: skip
            change = self._source_change(day) if data_file.path == self.source_path else (
                self._record_change(by_record, released, day))  # fmt: skip
            after = format_file(data_file.path, data_file.kind, order, change)
            if after.text is not None and after.text != before.text:
                out[data_file.path] = after.text.encode("utf-8")
        out[self._kept()] = self.old_bytes
        out[self.text_path] = self.new_bytes
        return out

    def _kept(self) -> Path:
        """Where the old text is kept; a file already there must be that text (ketdata wrote it), never replaced.

        Raises:
            SourceUpdateError: Something else is there under that name.
        """
        kept = self.source_path.parent / self.revision_name()
        if not (kept.exists() or kept.is_symlink()):
            return kept
        try:
            ours = read_regular(kept) == self.old_bytes
        except OSError:
            ours = False
        if not ours:
            raise SourceUpdateError(f"{kept.name} is already in {kept.parent.name}/ and is not the text of revision "
                                    f"{self.old_sha[:12]}: ketdata did not write it; move it away first")  # fmt: skip
        return kept

    def _released_versions(self) -> _Released:
        """Each released record, ``(kind, mapping)``, from the latest release snapshot."""
        snapshot = latest_snapshot(releases_dir(self.folder))
        return {} if snapshot is None else dict(VersionRules(snapshot).released)

    def _source_change(self, day: str) -> Callable[[list[Any]], None]:
        def change(values: list[Any]) -> None:
            for v in values:
                if isinstance(v, dict) and v.get("id") == self.source_id:
                    kept = {"sha256": self.old_sha, "file": self.revision_name(), "recorded": v.get("recorded")}
                    v["revisions"] = [*(v.get("revisions") or ()), kept]
                    v["sha256"], v["recorded"], v["sections"] = self.new_sha, day, [dict(s) for s in self.sections]

        return change

    def _record_change(
        self, by_record: dict[str, list[SpanChange]], released: _Released, day: str
    ) -> Callable[[list[Any]], None]:
        def change(values: list[Any]) -> None:
            for v in values:
                changes = by_record.get(str(v.get("id"))) if isinstance(v, dict) else None
                if changes:
                    self._apply(v, changes, released, day)

        return change

    def _apply(self, value: dict[str, Any], changes: list[SpanChange], released: _Released, day: str) -> None:
        """One record's spans moved, replaced or kept against the old revision; its mark; its version."""
        before = repr(value)
        # A claim's review covers the caveats linked to it, whose words an update does not change.
        caveats = self._links().get(str(value.get("id")), ())
        vouched = _vouched(value, caveats)
        for c in changes:
            _follow(value, c, self.old_sha)
        marked = [_mark_entry(c) for c in changes if c.result.kind != "moved" and c.active]
        if vouched and not any(c.result.kind != "moved" for c in changes):
            # Every place kept its words and context: what the reviewer saw stands, at its new offsets.
            value["review"]["content_sha256"] = content_digest(value, caveats)
        earlier = self._undecided(value)
        if earlier is not None:
            self._carry(earlier, marked, changes, day)
            if _undone(earlier):
                del value["source_update"]
                self.undone.add(str(value.get("id")))
        elif marked:
            value["source_update"] = {"source": self.source_id, "from": self.old_sha, "to": self.new_sha,
                                      "recorded": day, "status": "pending", "spans": marked}  # fmt: skip
        if repr(value) != before:
            _follow_version(value, released.get(str(value.get("id"))))

    def _undecided(self, value: dict[str, Any]) -> dict[str, Any] | None:
        """The record's mark of an earlier update of this source still waiting for a person, if any."""
        mark = value.get("source_update")
        if not isinstance(mark, dict) or mark.get("status") not in ("pending", "flagged"):
            return None
        return mark if mark.get("source") == self.source_id and mark.get("to") == self.old_sha else None

    def _carry(self, mark: dict[str, Any], marked: list[dict[str, Any]], changes: list[SpanChange], day: str) -> bool:
        """Bring a mark still waiting for a person onto the new revision, so that it shows the article's words.

        It keeps its ``from`` (what was last reviewed); each span it names takes its place in the new text, and
        a span this update changed again shows the words of ``from`` beside the new ones. A change since then
        asks for a person again (status pending). Returns whether the mark still records a change: a publisher
        who undoes an edit (article A -> B -> A) brings the text back to ``from`` with every place's words and
        offsets as they were, which leaves nothing for a person to decide.
        """
        by_path = {c.dotted: c for c in changes}
        fresh = {e["path"]: e for e in marked}
        spans = []
        for entry in mark.get("spans") or ():
            again, c = fresh.pop(str(entry.get("path")), None), by_path.get(str(entry.get("path")))
            if again is not None and "old" in entry:
                old_quote, new_quote = str(entry["old"].get("quote")), (again.get("new") or {}).get("quote")
                removed, added = differing(old_quote, str(new_quote)) if new_quote is not None else (old_quote, "")
                entry = {**again, "old": entry["old"], "old_words": _plain(removed), "new_words": _plain(added)}
            elif c is not None and c.result.new_start is not None and "new" in entry:
                entry = {**entry, "new": {"quote": c.result.new_quote, "start": c.result.new_start,
                                          "end": c.result.new_end}}  # fmt: skip
            spans.append(entry)
        spans += fresh.values()
        mark.update(to=self.new_sha, recorded=day, spans=spans)
        if marked:
            mark["status"] = "pending"
        back = mark.get("from") == self.new_sha
        return not (back and all("old" in e and "new" in e and e["old"] == e["new"] for e in spans))

    def after(self, day: str) -> tuple[list[Problem], list[Problem]]:
        """The errors the data folder would have after the update, validated in memory.

        Returns the errors the update leaves on purpose (the review it asks for), and those it would leave
        beyond that (which refuse a write).
        """
        from ketdata._validation.pipeline import run, run_state

        before = {(p.code, p.record_id) for p in run(self.folder).problems if p.severity is Severity.ERROR}
        while True:
            errors = [p for p in run_state(self.folder, self.contents(day)).problems if p.severity is Severity.ERROR]
            new = [p for p in errors if (p.code, p.record_id) not in before]
            if not self._mark_broken(new):
                break
        marked = {c.record_id for c in self.changes if c.active and c.result.kind != "moved"}
        expected = [p for p in errors if p.code in EXPECTED or p.record_id in marked]
        broken = [p for p in errors if p not in expected and (p.code, p.record_id) not in before]
        return expected, broken

    def _mark_broken(self, new: list[Problem]) -> bool:
        """Mark for review each active record whose every place moved, yet which the new text makes break a rule.

        Its quotes stand, but a rule that reads the text around them (a pronoun's antecedent, a caveat's scope,
        a section) no longer holds: only a person can say what the record should become, so the update marks
        it (KD700) rather than refusing the whole revision. Returns whether any record was newly marked.
        """
        marked = {c.record_id for c in self.changes if c.active and c.result.kind != "moved"}
        rules: dict[str, list[Problem]] = {}
        for p in new:
            if p.record_id is not None and p.record_id not in marked and p.code not in EXPECTED:
                rules.setdefault(p.record_id, []).append(p)
        changes, done = [], set()
        for c in self.changes:
            broke = rules.get(c.record_id) if c.active and c.record_id not in done else None
            if broke and c.held in ("span", "range") and c.result.kind == "moved":
                shown = "; ".join(f"{p.code} {p.message}" for p in broke[:2])
                why = f"every quote stands, but at its new place the record breaks a rule: {shown}"
                c = replace(c, result=replace(c.result, kind="changed", why=why))
                done.add(c.record_id)
            changes.append(c)
        self.changes = changes
        return bool(done)

    def write(self, day: str) -> list[Problem]:
        """Under the project's lock: validate the would-be folder, then change every file in one transaction."""
        root = project_root(self.folder)
        try:
            with locked(root):
                remaining, broken = self.after(day)
                if broken:
                    # A refusal because of the data, as the dry run reports it: exit 1, never a usage error.
                    why = f"the update would leave {len(broken)} unexpected error(s) (above), so nothing was written"
                    raise RefusedError(broken, f"{why}: fix the new text or the data first")
                commit(root, self.contents(day))
        except TransactionError as exc:
            raise SourceUpdateError(str(exc)) from None
        return remaining


def _follow_version(value: dict[str, Any], released: tuple[str, dict[str, Any]] | None) -> None:
    """The record's version as validation wants it: its release's version, one above when its content differs.

    Compared with the release, not with the version before the update: a second update (or the publisher
    undoing the first) neither raises it twice nor leaves it raised for content that is back as released.
    """
    if released is None or not isinstance(value.get("version"), int):
        return  # a record no release holds keeps its version (a new one starts at 1)
    kind, raw = released
    try:
        changed = field_changes(normalise(kind, raw), normalise(kind, value), ignore=frozenset({"version", "review"}))
    except (DataError, TypeError, ValueError, KeyError):
        return  # not a record validation can build: its own errors say so, the update changes no version
    value["version"] = int(raw.get("version", 0)) + int(bool(changed))


def _undone(mark: dict[str, Any]) -> bool:
    """Whether a mark records no change: back on the text it started from, each place where it was (A -> B -> A).

    Such a mark would hold the record for a review of nothing; the record is as it was reviewed (or released).
    """
    spans = mark.get("spans") or ()
    return mark.get("from") == mark.get("to") and all(
        isinstance(e, dict) and "new" in e and e.get("old") == e.get("new") for e in spans
    )


def _vouched(value: dict[str, Any], caveats: Links) -> bool:
    """Whether the record's review vouches for its content as it stands (its digest is of this content)."""
    review = value.get("review")
    return isinstance(review, dict) and review.get("content_sha256") == content_digest(value, caveats)


def _follow(value: dict[str, Any], c: SpanChange, old_sha: str) -> None:
    """Apply one place's verdict to the record (``value``, changed in place).

    Moved: the new offsets. Changed: the new offsets and words on an active record (a person reviews them), a
    scope range always (it has no words of its own to keep). Otherwise (lost, or changed on a record no longer
    in use) an evidence span stays on the old text with its revision; a reading or words left out stay as they
    are, and validation shows them out of place (KD325) besides the mark (KD701).
    """
    place, r = _at(value, c.path), c.result
    follows = r.kind == "moved" or (r.kind == "changed" and (c.active or c.held == "range"))
    if follows and c.held in ("span", "range"):
        place["start"], place["end"] = r.new_start, r.new_end
        if c.held == "span":
            place["quote"] = r.new_quote
        if c.section is not None:
            place["section"] = c.section
    elif follows and c.held == "reading":
        place["start"] = r.new_start
        place["text"] = r.new_quote
    elif follows and c.held == "left_out":
        place["text"] = r.new_quote
    elif c.held == "span":
        place["revision"] = old_sha


def _same_words(result: Reanchored) -> bool:
    return result.new_quote is not None and result.old_quote.split() == result.new_quote.split()


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceUpdateError(f"the new text is not UTF-8 (byte {exc.start})") from None


def _at(value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
    for part in path:
        value = value[part]
    assert isinstance(value, dict)
    return value


def _mark_entry(c: SpanChange) -> dict[str, Any]:
    r = c.result
    entry: dict[str, Any] = {"path": c.dotted, "verdict": r.kind,
                             "old": {"quote": r.old_quote, "start": r.old_start, "end": r.old_end}}  # fmt: skip
    if r.new_start is not None:  # a lost span has no new place
        entry["new"] = {"quote": r.new_quote, "start": r.new_start, "end": r.new_end}
    return {**entry, "old_words": _plain(r.old_words), "new_words": _plain(r.new_words), "why": _plain(r.why)}


def _plain(words: str) -> str:
    """Words as the mark can hold them: cut to the field's 2000 characters, quoted when read as a formula.

    A moved paragraph between two quotes can be longer than a field holds; a leading '=' would be a formula.
    """
    words = f"{words[:1990]}…" if len(words) > 1990 else words
    return f"“{words}”" if starts_formula(words) else words


def _shown(text: str) -> str:
    # Quoted only: the command's output passes the terminal's one sanitizer (ketdata._cli) on its way out.
    return f"'{text}'"


def report_lines(report: UpdateReport) -> list[str]:
    """The report as lines a person reads: each span's verdict, offsets and words; the uncovered sentences."""
    lines = [f"source {report.source_id}: revision {report.old_sha256[:12]} -> {report.new_sha256[:12]}"]
    for s in report.spans:
        r = s.result
        where = f"[{r.old_start}, {r.old_end})"
        line = f"  {r.kind:<8} {s.record_id:<12} {s.dotted:<22} {where}"
        if r.kind == "lost":
            line += f" {_shown(r.old_quote)}: {r.why}"
        else:
            line += f" -> [{r.new_start}, {r.new_end})"
        if r.kind == "changed":
            line += f" {_shown(r.old_words)} -> {_shown(r.new_words)}: {r.why}"
        lines.append(line + ("" if s.active or r.kind == "moved" else " (record not active: no review asked)"))
    for section, old, new in report.renamed:
        lines.append(f"  section  {section}: heading {_shown(old)} -> {_shown(new)}")
    for u in report.uncovered:
        lines.append(f"  uncovered [{u.start}, {u.end}) {u.section}: {_shown(u.text)}")
    counts = report.counts()
    review = sorted({s.record_id for s in report.spans if s.active and s.result.kind != "moved"} - set(report.undone))
    lines += [f"  undone   {rid}: back on the text its mark started from, every quote where it was; the mark "
              "is cleared" for rid in report.undone]  # fmt: skip
    lines.append(f"{len(report.spans)} spans: {counts['moved']} moved, {counts['changed']} changed, "
                 f"{counts['lost']} lost; {len(review)} records to review; {len(report.uncovered)} sentences "
                 "uncovered")  # fmt: skip
    for p in report.remaining:
        lines.append(f"  after the update: {p.record_id or '-'}: {p.code} {p.message}")
    for p in report.blocked:
        lines.append(f"  would refuse the write: {p.record_id or '-'}: {p.code} {p.message}")
    done = "written: the records above need review before a release" if review else "written"
    if report.blocked:
        lines.append(f"dry run: nothing written; --write would refuse: {len(report.blocked)} error(s) beyond the "
                     "review the update asks for (above): fix the new text or the data first")  # fmt: skip
    else:
        lines.append(done if report.written else "dry run: nothing written; run again with --write to apply")
    return lines
