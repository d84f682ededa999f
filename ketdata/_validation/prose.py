"""The editors' prose in a record: every text of it but the fields that hold none (`NOT_PROSE`).

A note, a reason, a reading, a gloss, the dataset's description: whatever an editor wrote is shown beside the
claims and exported with them, and two checks hold it to what the data records (`attribution`, KD712) and to the
amounts the article gives (`prose_amounts`, KD713). Both read the same texts, found by one walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

NOT_PROSE = frozenset({"review", "source_update", "evidence"})
"""The fields that hold no editors' prose: recorded by `ketdata review`, or the article's own words."""

Where = tuple[str | int, ...]
"""Where a text is in a record's value: its keys and list indices from the top."""
_T = TypeVar("_T")


def prose(value: Any, finds: Callable[[str], _T | None]) -> list[tuple[Where, str, _T]]:
    """Each text of the editors' prose in a record's value where ``finds`` finds something, with its path.

    Each comes as (its path, the text, what ``finds`` found), ``finds`` giving something false (None, an empty
    tuple) for a text of no interest. Nearly every text is of no interest to a check: a path is made only for one
    that is (a record has dozens of texts), and ``finds`` (cached by text) is asked once per text.
    """
    found: list[tuple[Where, str, _T]] = []
    _walk(value, (), finds, found)
    return found


def _walk(value: Any, path: Where, finds: Callable[[str], _T | None], found: list[tuple[Where, str, _T]]) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in NOT_PROSE:
            continue
        if isinstance(item, str):
            said = finds(item)
            if said:
                found.append(((*path, key), item, said))
        elif isinstance(item, (dict, list)):
            _walk(item, (*path, key), finds, found)
