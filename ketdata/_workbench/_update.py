"""A record marked by a source update, for the review page: old and new words side by side, differences marked.

Plain values only: the template escapes every piece of text (autoescape), and marks the differing runs itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._editor.reanchor import word_diff
from ketdata._io.files import read_regular
from ketdata._io.yaml import read_documents
from ketdata._validation.folder import discover
from ketdata._validation.governance import REVIEWED


@dataclass(frozen=True, slots=True)
class Row:
    """One span the update changed or lost: each side as runs ``(text, differs)``."""

    path: str
    verdict: str
    old: tuple[tuple[str, bool], ...]
    new: tuple[tuple[str, bool], ...]
    old_where: str
    new_where: str
    why: str


@dataclass(frozen=True, slots=True)
class UpdateView:
    """The mark as the page shows it."""

    source: str
    recorded: str
    status: str
    rows: tuple[Row, ...]


def marks(folder: Path) -> dict[str, dict[str, Any]]:
    """The ``source_update`` marks of the folder's claims and caveats, by record id (read from the files)."""
    found: dict[str, dict[str, Any]] = {}
    files, _ = discover(folder)
    for data_file in files:
        if data_file.kind in REVIEWED:
            documents, _ = read_documents(read_regular(data_file.path), str(data_file.path))
            for d in documents:
                value = d.value
                if isinstance(value, dict) and isinstance(value.get("source_update"), dict):
                    found[str(value.get("id"))] = value["source_update"]
    return found


def view(mark: dict[str, Any] | None) -> UpdateView | None:
    """The page's view of one record's mark, or None when it has none."""
    if not mark:
        return None
    rows = []
    for span in mark.get("spans") or ():
        old = span.get("old") or {}
        new = span.get("new") or {}
        runs = word_diff(str(old.get("quote", "")), str(new.get("quote", ""))) if new else []
        old_runs = tuple((o, tag != "equal") for tag, o, _ in runs if o) if new else ((str(old.get("quote")), True),)
        new_runs = tuple((n, tag != "equal") for tag, _, n in runs if n)
        rows.append(Row(str(span.get("path")), str(span.get("verdict")), old_runs, new_runs, _where(old), _where(new),
                        str(span.get("why", ""))))  # fmt: skip
    return UpdateView(str(mark.get("source")), str(mark.get("recorded")), str(mark.get("status")), tuple(rows))


def _where(side: dict[str, Any]) -> str:
    return f"characters {side['start']} to {side['end']}" if side else "not found"
