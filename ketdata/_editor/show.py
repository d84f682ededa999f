"""``ketdata show`` and ``ketdata list``: quick, readable looks at the data from the shell."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Sequence

from ketdata._io.escape import csv_cell
from ketdata._model.convert import to_plain
from ketdata._model.dataset import Dataset
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
            lines += _wrap("caveat", f"{caveat.id} ({caveat.kind}): {caveat.statement}")
    if isinstance(record, Caveat):
        for claim_id in record.applies_to:
            target = ds.get(claim_id)
            lines += _wrap("applies to", f"{claim_id}: {getattr(target, 'statement', '?')}")
    if isinstance(record, Concept):
        for claim in ds.claims_about(record, include_inactive=True):
            lines += _wrap("claim", f"{claim.id}: {claim.statement}")
    if isinstance(record, Claim | Caveat):
        for ref in record.evidence:
            lines += _wrap(ref.role, f"{ref.source} [{ref.start}, {ref.end}) in {ref.section}: {ref.quote!r}")
            if source_text is not None:
                lines += _wrap("in context", _context(source_text, ref.start, ref.end))
    return "\n".join(lines) + "\n"


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
