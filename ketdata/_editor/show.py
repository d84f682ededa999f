"""``ketdata show`` and ``ketdata list``: quick, readable looks at the data from the shell."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ketdata._io.escape import csv_cell
from ketdata._model.convert import to_plain
from ketdata._model.dataset import Dataset
from ketdata._model.errors import UsageError
from ketdata._model.problems import Problem, Severity
from ketdata._model.records import Caveat, Claim, Concept

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ketdata._model.records import Record

WIDTH = 80


LABEL = 17


def _wrap(label: str, text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=f"{label:<{LABEL}}", subsequent_indent=" " * LABEL) or [label]


def _context(text: str, start: int, end: int, around: int = 60) -> str:
    before = text[max(0, start - around) : start].split("\n")[-1]
    after = text[end : end + around].split("\n")[0]
    return f"…{before}«{text[start:end]}»{after}…"


def show(ds: Dataset, record: Record, source_text: str | None) -> str:
    """A record for a terminal: its fields, then its caveats or claims, and its quote in context."""
    lines = [f"{type(record).__name__.lower()} {record.id}"]
    plain = to_plain(record)
    for key, value in plain.items():
        if key in ("id", "evidence"):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines += _wrap(key, shown)
    if isinstance(record, Claim):
        lines += _wrap("evidence", ds.evidence_status(record.evidence_status).definition)
        for caveat in ds.caveats_for(record, include_inactive=True):
            lines += _wrap("caveat", f"{caveat.id} ({caveat.kind}){_retired_mark(caveat)}: {caveat.statement}")
    if isinstance(record, Caveat):
        for claim_id in record.applies_to:
            target = ds.get(claim_id)
            mark = _retired_mark(target) if isinstance(target, Claim) else ""
            lines += _wrap("applies to", f"{claim_id}{mark}: {getattr(target, 'statement', '?')}")
    if isinstance(record, Concept):
        for claim in ds.claims_about(record, include_inactive=True):
            lines += _wrap("claim", f"{claim.id}: {claim.statement}")
    if isinstance(record, Claim | Caveat):
        for ref in record.evidence:
            lines += _wrap(ref.role, f"{ref.source} [{ref.start}, {ref.end}) in {ref.section}: {ref.quote!r}")
            if source_text is not None:
                lines += _wrap("in context", _context(source_text, ref.start, ref.end))
    return "\n".join(lines) + "\n"


def _retired_mark(record: Claim | Caveat) -> str:
    """`` [withdrawn: why]`` or `` [superseded by X: why]`` for a record no longer in force; empty otherwise."""
    from ketdata._validation.governance import retired

    if not retired(record.status, record.superseded_by):
        return ""
    how = f"superseded by {record.superseded_by}" if record.superseded_by else record.status
    return f" [{how}: {record.reason}]" if record.reason else f" [{how}]"


def select(ds: Dataset, category: str | None, status: str | None, evidence: str | None,
           concept: str | None) -> list[Claim]:  # fmt: skip
    """The claims matching every filter given (ids are checked, so a typo raises UnknownRecordError)."""
    claims: Sequence[Claim] = ds.claims
    if category is not None:
        claims = ds.claims_in(category, subcategories=True, include_inactive=True)
    if evidence is not None:
        wanted = ds.evidence_status(evidence).id
        claims = [c for c in claims if c.evidence_status == wanted]
    if concept is not None:
        about = set(ds.claims_about(concept, include_inactive=True))
        claims = [c for c in claims if c in about]
    if status is not None:
        claims = [c for c in claims if c.status == status]
    return list(claims)


def render_list(claims: Sequence[Claim], fmt: str) -> str:
    """Claims as an 80-column table, JSON (full records, stable) or CSV."""
    if fmt == "json":
        return json.dumps([to_plain(c) for c in claims], ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "category", "evidence_status", "hedge", "statement"])
        fields = ((c.id, c.category, c.evidence_status, c.hedge, c.statement) for c in claims)
        writer.writerows([csv_cell(v) for v in row] for row in fields)
        return buffer.getvalue()
    rows = [f"{'id':<10} {'evidence':<20} statement"]
    for c in claims:
        row = f"{c.id:<10} {c.evidence_status:<20} {c.statement}"
        rows.append(row if len(row) <= WIDTH else row[: WIDTH - 1] + "…")
    rows.append(f"({len(claims)} claim{'s' if len(claims) != 1 else ''})")
    return "\n".join(rows) + "\n"


class NoSuchRecordError(UsageError):
    """``ketdata show`` was asked for an id that no record has."""


@dataclass(frozen=True, slots=True)
class Shown:
    """Text for the terminal, and the data's errors: what is shown from data in error is no clean bill.

    Attributes:
        text: The result, for standard output.
        errors: The errors of the data folder read (none for the shipped data).
        failed: Whether the command fails beyond the data's errors (a quote not found, a sentence not covered).
        notes: Messages about the result, for standard error.
    """

    text: str
    errors: tuple[Problem, ...] = ()
    failed: bool = False
    notes: tuple[str, ...] = ()


def _read(folder: Path | None) -> tuple[Dataset, tuple[Problem, ...]]:
    """The dataset of a folder (None: the shipped one) once every record passed its schema, and its errors.

    Raises:
        DataError: A record breaks its schema, so no command meets a record of the wrong shape.
    """
    if folder is None:
        from ketdata._read.load import load_shipped

        return load_shipped(), ()
    from ketdata._validation.pipeline import run

    report = run(folder)
    return report.dataset(), tuple(p for p in report.problems if p.severity is Severity.ERROR)


def show_record(folder: Path | None, record_id: str) -> Shown:
    """One record of a data folder (None: the shipped data) for the terminal.

    Raises:
        NoSuchRecordError: No record has this id.
        RefusedError: The record refers to one that is missing (a problem of the data).
    """
    from ketdata._model.dataset import near_misses
    from ketdata._model.errors import UnknownRecordError
    from ketdata._model.problems import RefusedError

    ds, errors = _read(folder)
    record = ds.get(record_id)
    if record is None:
        ids = [*(r.id for r in ds.claims), *(r.id for r in ds.caveats), *(r.id for r in ds.concepts),
               *(r.id for r in ds.categories)]  # fmt: skip
        near = near_misses(record_id, ids)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise NoSuchRecordError(f"no record with id {record_id!r}{hint}")
    try:
        text = ds.source(record.evidence[0].source).text if isinstance(record, Claim | Caveat) else None
        return Shown(show(ds, record, text), errors)
    except UnknownRecordError as exc:
        # The id asked for exists, so a missing record behind it is a problem of the data, not of the command.
        note = f"ketdata: error: {record_id} refers to a missing record: {exc}; run `ketdata validate`"
        raise RefusedError((), note) from None


def list_claims(folder: Path | None, fmt: str, **filters: str | None) -> Shown:
    """The claims matching the filters (``category``, ``status``, ``evidence``, ``concept``) in a format."""
    ds, errors = _read(folder)
    return Shown(render_list(select(ds, **filters), fmt), errors)


def find_quote(folder: Path | None, quote: str, source_id: str | None = None) -> Shown:
    """Where a quote stands in the sources (or the one named), as an ``evidence:`` block ready to paste.

    Fails unless the quote occurs exactly once: several occurrences are listed, and for a quote found nowhere
    exactly the nearest match is shown with how it differs.

    Args:
        folder: The data folder; None for the shipped one.
        quote: The text to find.
        source_id: The source to look in (default: every source, until one has the quote).

    Raises:
        UsageError: The quote is empty.
    """
    from ketdata._editor.locate import locate
    from ketdata._editor.new import source_text
    from ketdata._read.paths import data_dir

    if not quote.strip():
        raise UsageError("the quote is empty")
    folder = folder or data_dir()
    ds, errors = _read(folder)
    nearest: list[str] = []
    notes: list[str] = []
    for source in [ds.source(source_id)] if source_id else list(ds.sources):
        found = locate(source, source_text(folder, source), quote)
        if len(found.exact) == 1:
            return Shown(found.exact[0].to_yaml(), errors)
        if found.exact:
            notes.append(f"ketdata: the quote occurs {len(found.exact)} times in {source.id}; quote more of it:")
            notes += [f"  [{span.start}, {span.end}) in {span.section}" for span in found.exact]
            return Shown("".join(nearest), errors, failed=True, notes=tuple(notes))
        if found.nearest is not None:
            notes.append(f"ketdata: not found exactly in {source.id}; the nearest match {found.difference}:")
            nearest.append(found.nearest.to_yaml())
    return Shown("".join(nearest), errors, failed=True, notes=tuple(notes))


def coverage(folder: Path) -> Shown:
    """Which records quote each sentence of each source; fails while a sentence is quoted by none.

    Raises:
        RefusedError: No source text could be read.
    """
    from ketdata._model.problems import RefusedError
    from ketdata._validation.pipeline import run

    report = run(folder)
    errors = tuple(p for p in report.problems if p.severity is Severity.ERROR)
    if not report.coverage:
        raise RefusedError(errors, "ketdata: error: no source text could be read; nothing to report")
    lines, uncovered = [], 0
    for source_id, rows in report.coverage.items():
        chars, covered = sum(r.chars for r in rows), sum(r.covered_chars for r in rows)
        done = sum(r.covered for r in rows)
        uncovered += len(rows) - done
        lines.append(f"{source_id}: {done}/{len(rows)} sentences covered ({100 * done / max(len(rows), 1):.0f} %), "
                     f"{100 * covered / max(chars, 1):.1f} % of their characters quoted")  # fmt: skip
        for r in rows:
            s, mark, ids = r.sentence, "ok  " if r.covered else "MISS", ", ".join(r.record_ids) or "-"
            lines.append(f"  {mark} [{s.start:>5}, {s.end:>5}) {s.section}: {s.text[:50]!r}\n         quoted by: {ids}")
    unread = sorted({p.file for p in report.problems if p.code == "KD018"})
    notes = tuple(f"ketdata: {file} could not be read: a sentence shown MISS may be quoted there" for file in unread)
    return Shown("".join(f"{line}\n" for line in lines), errors, failed=bool(uncovered), notes=notes)
