"""Every copy of a verified external fact in the data, held to ketdata's verified table (`ketdata._model.verified`).

The data folder's reference table and its codings may pin the table's sha256 (KD615), but an editor who can
change the data can change the table and the pin together. So each row of the table (KD563), each coding
(KD564) and each ``broader`` link (KD565) is looked up in the package's own table, one dict lookup apiece; a
``broader`` link between two items of one list of the article is refused whatever the table says (KD566).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._model.verified import REFERENCE_COLUMNS, VERIFIED_BROADER, VERIFIED_CODES
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex

_Row = tuple[str, ...]

# Each verified row by its article term, system and code; and the rows of each (system, code).
_BY_TERM: dict[_Row, _Row] = {row[:3]: row for row in VERIFIED_CODES}
_BY_CODE: dict[_Row, list[_Row]] = {}
for _row in VERIFIED_CODES:
    _BY_CODE.setdefault(_row[1:3], []).append(_row)
# What a coding copies of its row, by column number: display, relation, confidence, checked_against.
_COPIED = tuple((i, REFERENCE_COLUMNS[i]) for i in range(3, len(REFERENCE_COLUMNS)))
_TABLE = "ketdata's verified table"


def reference_row_mismatch(row: Mapping[str, str | None]) -> str | None:
    """KD563: how a row of the data's reference table differs from its verified row, or None when it is one."""
    given = tuple(row.get(k) or "" for k in REFERENCE_COLUMNS)
    verified = _BY_TERM.get(given[:3])
    if verified is None:
        return f"row {short(given[0])} {given[1]}|{given[2]} is not in {_TABLE}: a code nobody verified"
    differs = _differences([(name, given[i], verified[i]) for i, name in enumerate(REFERENCE_COLUMNS)])
    return f"row {short(given[0])} {given[1]}|{given[2]}: {differs}" if differs else None


def coding_mismatch(coding: Mapping[str, Any]) -> str | None:
    """KD564: how a concept's coding differs from the verified row of its code, or None when it copies one."""
    system, code = coding.get("system"), coding.get("code")
    rows = _BY_CODE.get((str(system), str(code)))
    if not rows:
        return f"coding {system}|{code} is not a code in {_TABLE}: a code nobody verified"
    found = [[(name, coding.get(name), row[i]) for i, name in _COPIED if coding.get(name) != row[i]] for row in rows]
    closest = min(found, key=len)
    return f"coding {system}|{code}: {_differences(closest)}" if closest else None


def _differences(pairs: list[tuple[str, object, str]]) -> str:
    return "; ".join(
        f"{name} is {short(given)}, {_TABLE} has {short(verified)}"
        for name, given, verified in pairs
        if given != verified
    )


def hierarchy_problems(index: RecordIndex, by_id: Mapping[str, RawRecord]) -> list[Problem]:
    """KD565 for a ``broader`` link not in the verified table; KD566 for one joining two items of one list."""
    links = [
        (r, i, target)
        for r in index.kind("concept")
        if isinstance(r.id, str) and isinstance(broader := r.value.get("broader"), list)
        for i, target in enumerate(broader)
        if isinstance(target, str) and target in by_id  # a dangling link is KD202
    ]
    if not links:
        return []
    lists = _list_items(index, {str(r.id) for r, _, _ in links} | {t for _, _, t in links})
    found = []
    for record, i, target in links:
        if (record.id, target) not in VERIFIED_BROADER:
            msg = (f"broader.{i}: {short(record.id)} under {short(target)} is not a hierarchy link {_TABLE} "
                   "holds: a hierarchy link is an external fact a maintainer verifies")  # fmt: skip
            found.append(record.problem("KD565", ("broader", i), msg))
        shared = lists.get(str(record.id), {}).keys() & lists.get(target, {}).keys()
        if shared:
            head = min(shared)
            claims = f"{lists[str(record.id)][head]} and {lists[target][head]}"
            msg = (f"broader.{i}: the article names {short(record.id)} and {short(target)} as items of one list "
                   f"({claims}, after {short(head[3])}): neither is broader than the other")  # fmt: skip
            found.append(record.problem("KD566", ("broader", i), msg))
    return found


def _list_items(index: RecordIndex, concepts: set[str]) -> dict[str, dict[tuple[str, int, int, str], str]]:
    """For each of ``concepts``, the article lists an active claim names it as an item of, with that claim's id.

    A list is known by its head: the context span (source, start, end, quote) just before the item's span.
    """
    found: dict[str, dict[tuple[str, int, int, str], str]] = {}
    for claim in index.active("claim"):
        obj = claim.value.get("object")
        concept = obj.get("concept") if isinstance(obj, dict) else None
        if not isinstance(concept, str) or concept not in concepts:
            continue
        spans = [s for s in claim.value.get("evidence") or () if isinstance(s, dict)]
        for item in spans:
            if item.get("role") == "item" and (head := _head(item, spans)) is not None:
                found.setdefault(concept, {}).setdefault(head, str(claim.id))
    return found


def _head(item: dict[str, Any], spans: list[dict[str, Any]]) -> tuple[str, int, int, str] | None:
    """The context span of the same source that ends last before ``item`` begins: the list's head."""
    heads = [
        (s["source"], s["start"], s["end"], s["quote"])
        for s in spans
        if s.get("role") == "context"
        and s.get("source") == item.get("source")
        and isinstance(s.get("start"), int)
        and isinstance(s.get("end"), int)
        and isinstance(item.get("start"), int)
        and s["end"] <= item["start"]
        and isinstance(s.get("quote"), str)
    ]
    return max(heads, key=lambda h: h[2]) if heads else None
