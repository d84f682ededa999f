"""The log of review saves (``data/review-log.jsonl``), held to the review blocks (KD715-KD717).

``ketdata review`` appends one line to the log for each review block it writes (a verdict, or Undo's block put
back), in the same transaction as the block. The data folder holds only the current state; the log is what says
how a block got there:

- a claim's or caveat's block of status reviewed or flagged that no save recorded (its last line differs) was
  written by hand, or by a tool that is not ketdata: a warning (KD716), for whoever reviews the diff to ask who
  wrote it (A7-04);
- a record whose last save was a flag, whose content is still the flagged content (its digest unchanged), and
  whose block no longer holds that flag, had the flag erased without changing what was flagged: an error (KD715,
  A7-13). A flag is cleared by changing the record, or undone in the workbench (which logs the block put back).

The log proves nothing by itself: anyone who can edit the data can edit it, write a line for a block written by
hand or delete the line of a flag. It surfaces an edit made without ketdata; the log's own diff (lines are only
ever appended) shows who removed what. A flag set and erased by hand between two commits, log line included,
is seen only in the history of git. A release never carries a flag (it refuses flagged records, KD612), so the
release snapshots have none to compare with: the log is the only record of a flag.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ketdata._io.files import read_regular, utf8_text
from ketdata._model.problems import Problem, problem, short
from ketdata._model.review import Links, content_digest, review_links
from ketdata._validation.folder import REVIEW_LOG, RawRecord
from ketdata._validation.governance import REVIEWED
from ketdata._validation.index import RecordIndex

_VOUCHING = ("reviewed", "flagged")
# What a source update rewrites in a block it keeps (the digest, at the places' new offsets): not the review.
_REDIGESTED = "content_sha256"


def log_line(record_id: str, block: Mapping[str, Any]) -> bytes:
    """The log line recording that ``ketdata review`` wrote ``block`` as a record's review block."""
    text = json.dumps({"id": record_id, "review": dict(block)}, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def appended(folder: Path, lines: list[bytes]) -> tuple[Path, bytes]:
    """The log's path and its bytes with ``lines`` appended (read as they stand, the overlay's if any)."""
    path = folder / REVIEW_LOG
    try:
        before = read_regular(path)
    except FileNotFoundError:
        before = b""
    if before and not before.endswith(b"\n"):
        before += b"\n"
    return path, before + b"".join(lines)


def _saves(folder: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """The last block the log records for each record id, and a problem for each line ketdata did not write."""
    path = folder / REVIEW_LOG
    try:
        text, problems = utf8_text(read_regular(path), str(path))
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [problem("KD717", str(path), 1, 1, None, f"cannot be read: {exc.strerror or exc}")]
    last: dict[str, dict[str, Any]] = {}
    for number, line in enumerate((text or "").splitlines(), 1):
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            entry = None
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("review"), dict)
        ):
            msg = f"line {short(line, 80)} is not a review save: only `ketdata review` writes this file"
            problems.append(problem("KD717", str(path), number, 1, None, msg))
            continue
        last[entry["id"]] = entry["review"]
    return last, problems


def _without_digest(block: Any) -> Any:
    return {k: v for k, v in block.items() if k != _REDIGESTED} if isinstance(block, dict) else block


def review_log_problems(index: RecordIndex, folder: Path) -> list[Problem]:
    """KD715 for a flag erased from unchanged content, KD716 for a vouching block no save recorded; KD717."""
    saves, problems = _saves(folder)
    links: dict[str, Links] | None = None
    for kind in REVIEWED:
        for record in index.kind(kind):
            block, saved = record.value.get("review"), saves.get(str(record.id))
            if isinstance(saved, dict) and saved.get("status") == "flagged" and block != saved:
                if links is None:  # only once a flag needs them
                    links = review_links((r.kind, r.value) for r in index.records)
                caveats = links.get(str(record.id), ()) if kind == "claim" else ()
                if saved.get(_REDIGESTED) == content_digest(record.value, caveats):
                    problems.append(_erased(record, saved))
                    continue
            if not isinstance(block, dict) or block.get("status") not in _VOUCHING:
                continue
            if _without_digest(block) != _without_digest(saved):
                problems.append(_unrecorded(record, block))
    return problems


def _erased(record: RawRecord, saved: Mapping[str, Any]) -> Problem:
    by, on = short(saved.get("reviewed_by")), short(saved.get("reviewed_on"))
    msg = (f"{by} flagged it on {on} ({', '.join(map(str, saved.get('flags') or ())) or 'no reason'}), and its "
           f"content is still what was flagged, but its review block no longer holds the flag ({REVIEW_LOG}): "
           "a flag is cleared by changing the record as it asks, then reviewing it again")  # fmt: skip
    return record.problem("KD715", ("review",), msg)


def _unrecorded(record: RawRecord, block: Mapping[str, Any]) -> Problem:
    by = short(block.get("reviewed_by"))
    msg = (f"its review ({block.get('status')} by {by}) was not recorded through `ketdata review` (no matching "
           f"line in {REVIEW_LOG}): a block written by hand vouches for nobody's review; have the reviewer record "
           "it in the workbench, or set review: status unreviewed")  # fmt: skip
    return record.problem("KD716", ("review",), msg)
