"""A record marked by a source update, for the review page: old and new words side by side, differences marked.

The marks are read from the view's state (each record's value as read, in the same read as the dataset: a
mark is a working-state field no loaded record carries). Plain values only: the template escapes every piece
of text (autoescape) and marks the differing runs itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketdata._editor.reanchor import word_diff
from ketdata._workbench._view import Record, State, key

# What each verdict asks of the reviewer, in words.
_ASKS = {
    "changed": "the new words stand in the record now: confirm them, or flag the record",
    "lost": "not found in the new text: the record must be re-quoted or withdrawn",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One place the update changed or lost: each side as runs ``(text, differs)``."""

    path: str
    verdict: str
    old: tuple[tuple[str, bool], ...]
    new: tuple[tuple[str, bool], ...]
    old_where: str
    new_where: str
    why: str
    asks: str


@dataclass(frozen=True, slots=True)
class UpdateView:
    """The mark as the page shows it."""

    record: str
    source: str
    recorded: str
    status: str
    rows: tuple[Row, ...]


def view(state: State, record: Record) -> UpdateView | None:
    """The page's view of one record's source update mark, or None when it has none."""
    value = state.values.get(key(record))
    mark = value.get("source_update") if isinstance(value, dict) else None
    if not isinstance(mark, dict):
        return None
    text = _current(state, mark)
    rows = tuple(_row(span, text) for span in mark.get("spans") or () if isinstance(span, dict))
    return UpdateView(record.id, str(mark.get("source")), str(mark.get("recorded")), str(mark.get("status")), rows)


def _current(state: State, mark: dict[str, Any]) -> str | None:
    """The article's current text, when the mark was made for it (else None: validation reports it, KD704)."""
    source = next((s for s in state.ds.sources if s.id == mark.get("source")), None) if state.ds else None
    return source.text if source is not None and source.sha256 == mark.get("to") else None


def _row(span: dict[str, Any], text: str | None) -> Row:
    """One place's row: the new side read from the article at the mark's offsets, never the mark's copy."""
    old, new = span.get("old") or {}, span.get("new") or {}
    old_quote = str(old.get("quote", ""))
    start, end = new.get("start"), new.get("end")
    if new and text is not None and isinstance(start, int) and isinstance(end, int):
        new = {**new, "quote": text[start:end]}
    elif new:
        new = {**new, "quote": f"{new.get('quote', '')} (the mark's words: not those of the article's current text)"}
    if new:
        runs = word_diff(old_quote, str(new.get("quote", "")))
        old_runs = tuple((o, tag != "equal") for tag, o, _ in runs if o)
        new_runs = tuple((n, tag != "equal") for tag, _, n in runs if n)
    else:
        old_runs, new_runs = ((old_quote, True),), ()
    verdict = str(span.get("verdict"))
    return Row(str(span.get("path")), verdict, old_runs, new_runs, _where(old), _where(new), str(span.get("why", "")),
               _ASKS.get(verdict, ""))  # fmt: skip


def _where(side: dict[str, Any]) -> str:
    return f"characters {side.get('start')} to {side.get('end')}" if side else "not found"
