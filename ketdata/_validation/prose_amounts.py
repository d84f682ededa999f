"""Amounts in the editors' prose, held to the article's (KD713).

The article gives no dose and no regimen: "typically administered in low doses", "between 40 minutes to an
hour", "about an hour". A note, reason, reading, gloss or the dataset's description is shown beside the
claims and exported with them, so "a low dose means 0.5 mg/kg given intravenously over 40 minutes, repeated
twice weekly for three weeks" (A7-12) would ship a regimen nobody can trace to the article. Every amount with a
unit (`quantity.amounts`: "0.5 mg/kg", "40 minutes", "three weeks", "10 %") and every frequency ("twice
weekly", "three times a day", "daily") in the editors' prose must stand in the article too, as the same
amount ("60 minutes" is "an hour"). Offsets, ids, versions and years are numbers without a unit: not amounts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ketdata._model.problems import Problem, clipped, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.index import RecordIndex
from ketdata._validation.quantity import UNITS, amounts

_SKIP = frozenset({"review", "source_update", "evidence"})  # a reviewer's words, or the article's own
_PERIODS = {"hour": 3600, "day": 86400, "night": 86400, "week": 604800, "fortnight": 1209600, "month": 2629800,
            "year": 31557600}  # fmt: skip
_ADVERBS = {"hourly": "hour", "daily": "day", "nightly": "night", "weekly": "week", "fortnightly": "fortnight",
            "monthly": "month", "yearly": "year", "annually": "year"}  # fmt: skip
_COUNTS = {"once": 1, "twice": 2, "thrice": 3}
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_COUNT = r"(?:once|twice|thrice|(?:\d+|" + "|".join(_NUMBERS) + r"|a few|several)\s+times)"
_PERIOD = r"(?:(?:a|an|per|every|each)\s+(?P<period>" + "|".join(_PERIODS) + r"))"
_FREQUENCY = re.compile(
    rf"\b(?:(?P<count>{_COUNT})\s+(?:(?P<adverb>{'|'.join(_ADVERBS)})|{_PERIOD})"
    rf"|(?P<alone>{'|'.join(_ADVERBS)})|every\s+(?P<every>{'|'.join(_PERIODS)}))\b",
    re.IGNORECASE,
)
# An amount needs a digit or a unit or frequency word of two letters or more ("h" and "g" stand for a unit only
# after a digit): a text with none of them is ruled out by substring tests, most texts by the first.
_HINTS = tuple(sorted({w for _, _, words in UNITS.values() for w in words if len(w) > 1 and w != "per cent"}
                      | {"once", "twice", "thrice", "times", "every", *_ADVERBS}))  # fmt: skip
# Not an amount: the ordinal ("A second sentence"), an interjection ("ah").
_NOT_AMOUNT = re.compile(r"(?:about\s+)?an?\s+second|an?[hg]", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_Found = tuple[tuple[tuple[str, float], str], ...]


def prose_amount_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD713 for each amount or frequency in an active record's prose that the article does not give."""
    article = frozenset(key for source in texts.values() for key, _ in _found(source.text))
    for record in index.records:
        if not index.is_valid(record) or record.value.get("status", "active") != "active":
            continue
        for path, text in _texts(record.value, ()):
            added = [shown for key, shown in _found(text) if key not in article]
            if added:
                msg = (f"{short(text)} gives {clipped(', '.join(map(repr, added)), 160)}, which the article does not give: an "
                       "editor's text never adds a dose, duration or frequency; quote the article's own, or drop "
                       "it")  # fmt: skip
                yield record.problem("KD713", path, msg)


def _texts(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each text of the value (a review and the evidence aside) that may give an amount, with its path."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in _SKIP:
            continue
        if isinstance(item, str):
            if _found(item):
                yield (*path, key), item
        elif isinstance(item, (dict, list)):
            yield from _texts(item, (*path, key))


@functools.lru_cache(maxsize=1 << 16)
def _found(text: str) -> _Found:
    """The amounts and frequencies the text gives, each (its key, its words); ``()`` for most texts.

    A key compares amounts of one dimension by size ("60 minutes" is "an hour"), frequencies by count per period.
    Cached by text: the editors' prose repeats across records.
    """
    if _DIGIT.search(text) is None:
        lowered = text.lower()
        if not any(hint in lowered for hint in _HINTS):
            return ()
    found = [(_frequency(m), " ".join(m.group(0).split())) for m in _FREQUENCY.finditer(text)]
    # "three times a day" is a frequency, not also a duration of a day.
    found += [((a.dimension, a.size), a.shown) for a in amounts(text)
              if not _NOT_AMOUNT.fullmatch(a.shown) and not any(a.shown in f for _, f in found)]  # fmt: skip
    return tuple(sorted(dict.fromkeys(found), key=lambda f: text.find(f[1])))


def _frequency(m: re.Match[str]) -> tuple[str, float]:
    """A frequency's key: times per second (``count`` "a few" or "several" is a count nobody can check: -1)."""
    period = m.group("period") or m.group("every") or _ADVERBS[(m.group("adverb") or m.group("alone")).lower()]
    count = " ".join((m.group("count") or "once").lower().split())
    times = count.removesuffix(" times")
    number = _COUNTS.get(count) or (float(times) if times.isdigit() else _NUMBERS.index(times) + 1.0
                                    if times in _NUMBERS else -1.0)  # fmt: skip
    return "frequency", number / _PERIODS[period.lower()]
