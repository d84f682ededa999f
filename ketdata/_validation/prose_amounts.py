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
from ketdata._validation.attribution import NOT_PROSE
from ketdata._validation.fidelity import SourceText
from ketdata._validation.index import RecordIndex
from ketdata._validation.quantity import UNITS, amounts

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
# An amount has a unit word ("per cent" is "cent"), a frequency a frequency word: a text's words are compared
# with them first (in C), which rules out nearly every text before `amounts` walks each number word ("a", "one")
# in Python. A word is a run of letters, and "%" one of its own: "10mg/kg," is "mg kg", "10%" is "%" (a unit stands
# whole where it is found, so it is a whole run of letters).
# A compiled pattern, not `str.translate`: translate looks each character up in a dict, three times slower on
# the first sight of every text (the editors' prose is all new in a fresh process, the article is megabytes).
_UNIT_LIST = sorted({w for _, _, words in UNITS.values() for w in words}, key=len, reverse=True)
_UNIT_TOKENS = frozenset({*(w for w in _UNIT_LIST if " " not in w), "cent"})
_FREQUENCY_TOKENS = frozenset({"once", "twice", "thrice", "times", "every", *_ADVERBS})
_WORD = re.compile(r"%|[^\W\d_]+")
_UNIT_WORDS = "|".join(map(re.escape, _UNIT_LIST))
# "a three-week course", "a 40-minute session": an amount as a modifier, its unit after a hyphen.
# "mg/day": a unit per a period, read as the unit ("mg/kg" is a unit of its own).
_JOINED = re.compile(rf"(?<=\w)-(?=(?:{_UNIT_WORDS})\b)|/(?!kg\b)", re.IGNORECASE)
# Not an amount: the ordinal ("A second sentence"), an interjection ("ah").
_NOT_AMOUNT = re.compile(r"(?:about\s+)?an?\s+second|an?[hg]", re.IGNORECASE)
_Found = tuple[tuple[tuple[str, float], str], ...]


def prose_amount_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD713 for each amount or frequency in an active record's prose that the article does not give."""
    article: frozenset[tuple[str, float]] | None = None  # read only once a text gives an amount (few do)
    for record in index.records:
        if not index.is_valid(record) or record.value.get("status", "active") != "active":
            continue
        for path, text in _texts(record.value, ()):
            if article is None:
                article = frozenset(key for source in texts.values() for key, _ in _found(source.text))
            added = [shown for key, shown in _found(text) if key not in article]
            if added:
                amounts_said = clipped(", ".join(map(repr, added)), 160)
                msg = (f"{short(text)} gives {amounts_said}, which the article does not give: an editor's text never "
                       "adds a dose, duration or frequency; quote the article's own, or drop it")  # fmt: skip
                yield record.problem("KD713", path, msg)


def _texts(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each text of the value (a review and the evidence aside) that may give an amount, with its path."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in NOT_PROSE:
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
    words = _WORD.findall(text.lower())
    units, frequencies = not _UNIT_TOKENS.isdisjoint(words), not _FREQUENCY_TOKENS.isdisjoint(words)
    if not units and not frequencies:
        return ()
    text = _JOINED.sub(" ", text) if "-" in text or "/" in text else text
    found = [(_frequency(m), " ".join(m.group(0).split())) for m in _FREQUENCY.finditer(text)] if frequencies else []
    # "three times a day" is a frequency, not also a duration of a day.
    found += [((a.dimension, a.size), a.shown) for a in (amounts(text) if units else ())
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
