"""One item of a list per claim: an ``item`` quote is one item, and the statement names no other (KD682-KD684).

"One fact per claim" (the brief): claim-045's item quote widened to "hallucinations, confusion, and dizziness"
and its statement to the whole list stated three side effects while its triple named one, and a review of it
vouched for three facts at once (attack7 A7-16). The article's items of one list are known from the records: the
item quotes of the active claims in one sentence.

- KD682: an item quote holds a list separator: a comma or semicolon, the word "or", or "and" at either end.
  "and" inside an item is the article's own ("a sense of disconnection from their thoughts and feelings").
- KD683: an item quote covers text the article separates as another item of the list (another claim's item
  quote lies in it, or overlaps it).
- KD684: the statement names another item of its list (those go to ``leaves_out``, as claim-046's do), unless
  one of the claim's own quotes holds those words elsewhere than at that item ("Special K" holds the item "K").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.words import whole_at

_SEPARATOR = re.compile(r"[,;]|(?<!\w)or(?!\w)|^\s*and(?!\w)|(?<!\w)and\s*$", re.IGNORECASE)

# An item quote: (source, revision or None for the current text, start, end, claim, its index in the evidence).
_Item = tuple[str, str | None, int, int, RawRecord, int]


def list_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> list[Problem]:
    """KD682, KD683 and KD684 over the item quotes of the active claims."""
    current = {str(r.id): r.value.get("sha256") for r in index.kind("source")}
    items = [item for record in index.active("claim") if index.is_valid(record) for item in _items(record, current)]
    if not items:
        return []
    found = [p for item in items for p in _separated(item)]
    found += _overlapping(items)
    found += _siblings_named(items, texts)
    return found


def _items(record: RawRecord, current: Mapping[str, object]) -> Iterator[_Item]:
    """The claim's item quotes; a revision that is its source's current text is the current text (None)."""
    for i, span in enumerate(record.value.get("evidence") or ()):
        if isinstance(span, dict) and span.get("role") == "item" and isinstance(span.get("start"), int) \
                and isinstance(span.get("end"), int) and isinstance(span.get("quote"), str):  # fmt: skip
            source, revision = str(span.get("source")), span.get("revision")
            revision = revision if isinstance(revision, str) and revision != current.get(source) else None
            yield source, revision, span["start"], span["end"], record, i


def _quote(item: _Item) -> str:
    return str(item[4].value["evidence"][item[5]]["quote"])


def _separated(item: _Item) -> Iterator[Problem]:
    quote = _quote(item)
    if (found := _SEPARATOR.search(quote)) is not None:
        msg = (f"item quote {short(quote)} holds the list separator {found.group().strip()!r}: an item quote is one "
               "item of its list (one fact per claim); give each other item a claim of its own")  # fmt: skip
        yield item[4].problem("KD682", ("evidence", item[5], "quote"), msg)


def _overlapping(items: list[_Item]) -> Iterator[Problem]:
    """Each item quote that holds or overlaps another claim's item quote (not the same span) of its source."""
    ordered = sorted(items, key=lambda it: (it[0], it[1] or "", it[2], it[3]))
    open_: list[_Item] = []
    wider: dict[int, tuple[_Item, _Item]] = {}
    for item in ordered:
        open_ = [o for o in open_ if o[:2] == item[:2] and o[3] > item[2]]
        for other in open_:
            if other[4] is item[4] or other[2:4] == item[2:4]:
                continue
            for one, two in ((item, other), (other, item)):
                if not (two[2] <= one[2] and one[3] <= two[3]):  # one does not lie inside two: it covers more
                    wider.setdefault(id(one), (one, two))
        open_.append(item)
    for item, other in wider.values():
        how = "also covers" if item[2] <= other[2] and other[3] <= item[3] else "overlaps"
        msg = (f"item quote {short(_quote(item))} {how} {short(_quote(other))}, the item {other[4].id} states of the "
               "same list: an item quote is one item of its list (one fact per claim)")  # fmt: skip
        yield item[4].problem("KD683", ("evidence", item[5], "quote"), msg)


def _siblings_named(items: list[_Item], texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD684: a claim's statement naming an item another claim quotes from the same sentence of the article."""
    lists: dict[tuple[str, tuple[int, int]], list[_Item]] = {}
    for item in items:
        text = texts.get(item[0])
        if text is None or item[1] is not None:
            continue  # a quote on an earlier revision of its source: its sentence is not in this text
        sentence = text.sentence_at(item[2])
        if sentence is not None:
            lists.setdefault((item[0], sentence), []).append(item)
    for members in lists.values():
        if len(members) > 1:
            yield from _named(members)


def _named(members: list[_Item]) -> Iterator[Problem]:
    for item in members:
        value: dict[str, Any] = item[4].value
        statement = str(value.get("statement", "")).lower()
        own = [s for s in value.get("evidence") or () if isinstance(s, dict) and isinstance(s.get("quote"), str)]
        for other in members:
            name = _quote(other).lower()
            if other[4] is item[4] or not name.strip() or next(whole_at(statement, name), None) is None:
                continue
            if not any(_lends(span, name, other) for span in own):
                msg = (f"the statement names {short(_quote(other))}, the item {other[4].id} states of the same list: a "
                       "claim states its own item only; name the others in leaves_out")  # fmt: skip
                yield item[4].problem("KD684", ("statement",), msg)
                break


def _lends(span: dict[str, Any], name: str, other: _Item) -> bool:
    """Whether one of the claim's own quotes holds an item's words apart from that item ("Special K" holds "K").

    A quote covering the other item's place (a context quote widened over the list) lends nothing: it is the item.
    """
    start, end = span.get("start"), span.get("end")
    covers = span.get("source") == other[0] and isinstance(start, int) and isinstance(end, int) \
        and start <= other[2] and other[3] <= end  # fmt: skip
    return not covers and next(whole_at(str(span["quote"]).lower(), name), None) is not None
