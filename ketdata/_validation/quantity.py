"""A claim's quantity against its words: the amounts, unit, range and "about" the article gives (KD711).

``object.quantity`` is what pipelines read (FHIR ``valueQuantity``/``valueRange``, CSV, Parquet), so it says
exactly what the words say: each amount (``value``, or ``low`` and ``high``) is one the object's value and the
evidence give with their unit ("40 minutes", "an hour": 60 min is 1 h, 40 h is not 40 minutes), a range where
they give one ("between 40 minutes to an hour"), and ``approximate`` where, and only where, they say "about".
A unit whose words ketdata does not know is reported too: an amount it cannot check is never taken on trust.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ketdata._model.problems import Problem
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex

# UCUM code -> (dimension, size in the dimension's base unit, the words that name it).
UNITS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "s": ("time", 1, ("second", "seconds", "sec", "secs")),
    "min": ("time", 60, ("minute", "minutes", "min", "mins")),
    "h": ("time", 3600, ("hour", "hours", "hr", "hrs", "h")),
    "d": ("time", 86400, ("day", "days")),
    "wk": ("time", 604800, ("week", "weeks")),
    "mo": ("time", 2629800, ("month", "months")),
    "a": ("time", 31557600, ("year", "years")),
    "ug": ("mass", 1e-6, ("microgram", "micrograms", "mcg", "ug")),
    "mg": ("mass", 1e-3, ("milligram", "milligrams", "mg")),
    "g": ("mass", 1, ("gram", "grams", "g")),
    "kg": ("mass", 1e3, ("kilogram", "kilograms", "kg")),
    "mg/kg": ("dose", 1, ("mg/kg",)),
    "mL": ("volume", 1e-3, ("millilitre", "millilitres", "milliliter", "milliliters", "ml")),
    "L": ("volume", 1, ("litre", "litres", "liter", "liters")),
    "%": ("fraction", 1, ("%", "percent", "per cent")),
}
_UNIT_WORDS = {word: code for code, (_, _, words) in UNITS.items() for word in words}
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS = {w: float(i) for i, w in enumerate(_SMALL)} | {w: float(20 + 10 * i) for i, w in enumerate(_TENS)}
_NUMBER_WORDS |= {"a": 1.0, "an": 1.0, "a hundred": 100.0, "one hundred": 100.0, "half a": 0.5, "half an": 0.5}
_APPROXIMATE = ("about", "approximately", "around", "roughly", "nearly", "almost", "some", "circa", "~")

_WORD_AMOUNTS = "|".join(sorted(_SMALL, key=len, reverse=True))
_AMOUNT = (
    r"(?:\d+(?:\.\d+)?|(?:" + "|".join(_TENS) + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|half an?|a hundred|one hundred|" + _WORD_AMOUNTS + r"|an?)"
)
_UNIT = "(?:" + "|".join(re.escape(w) for w in sorted(_UNIT_WORDS, key=len, reverse=True)) + r")(?![\w/])"
_ONE = rf"(?P<{{n}}>{_AMOUNT})\s*(?:(?P<{{u}}>{_UNIT}))?"
_MENTION = re.compile(
    r"(?<![\w.])(?P<about>(?:" + "|".join(map(re.escape, _APPROXIMATE)) + r")\s+)?"
    r"(?P<between>(?:between|from)\s+)?" + _ONE.format(n="n1", u="u1")
    + r"(?:\s*(?:to|and|-|\u2013)\s*" + _ONE.format(n="n2", u="u2") + ")?",
    re.IGNORECASE,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount the words give: its size in its dimension's base unit, and how they give it."""

    dimension: str
    size: float
    shown: str
    approximate: bool
    low_of: Amount | None = None  # the high end of a range: its low end


def amounts(text: str) -> list[Amount]:
    """The amounts a text gives with a unit, a range as its high end pointing at its low end."""
    found: list[Amount] = []
    for m in _MENTION.finditer(text):
        about = bool(m.group("about"))
        unit2 = m.group("u2") and _UNIT_WORDS[m.group("u2").lower()]
        unit1 = (m.group("u1") and _UNIT_WORDS[m.group("u1").lower()]) or (unit2 if m.group("n2") else None)
        if m.group("n2") and unit1 and unit2:
            low = _amount(m.group("n1"), unit1, m.group(0), about)
            found.append(low)
            found.append(_amount(m.group("n2"), unit2, m.group(0), about, low))
        elif unit1 and not m.group("n2"):
            found.append(_amount(m.group("n1"), unit1, m.group(0), about))
    return found


def _amount(number: str, unit: str, shown: str, about: bool, low_of: Amount | None = None) -> Amount:
    dimension, size, _ = UNITS[unit]
    return Amount(dimension, _number(number) * size, " ".join(shown.split()), about, low_of)


def _number(text: str) -> float:
    words = " ".join(text.lower().replace("-", " ").split())
    if words in _NUMBER_WORDS:
        return _NUMBER_WORDS[words]
    if " " in words:
        tens, unit = words.split(" ", 1)
        return _NUMBER_WORDS[tens] + _NUMBER_WORDS[unit]
    return float(words)


def quantity_problems(index: RecordIndex) -> Iterator[Problem]:
    """KD711 for each active, schema-valid claim whose quantity is not what its words give."""
    for record in index.active("claim"):
        obj = record.value.get("object")
        if index.is_valid(record) and isinstance(obj, dict) and isinstance(obj.get("quantity"), dict):
            for field, message in _wrong(obj["quantity"], _words(record)):
                yield record.problem("KD711", ("object", "quantity", *((field,) if field else ())), message)


def _words(record: RawRecord) -> list[tuple[str, str]]:
    """The texts a quantity must be found in: the object's value (when it has one) and the quoted evidence."""
    value = record.value["object"].get("value")
    quotes = " … ".join(str(e.get("quote")) for e in record.value.get("evidence") or () if isinstance(e, dict))
    return [*([("the object's value", value)] if isinstance(value, str) else []), ("the evidence", quotes)]


def _wrong(quantity: dict[str, Any], texts: list[tuple[str, str]]) -> Iterator[tuple[str | None, str]]:
    unit = quantity.get("unit")
    if unit not in UNITS:
        yield "unit", (f"unit {unit!r} is not one whose words ketdata knows ({', '.join(UNITS)}), so its amount "
                       "cannot be checked against the article's words")  # fmt: skip
        return
    given = {k: quantity[k] for k in ("value", "low", "high") if isinstance(quantity.get(k), int | float)}
    if "value" in given and given.keys() & {"low", "high"}:
        yield None, "gives both a value and a range: one amount (value) or a range (low and high)"
        return
    if not given:
        yield None, "gives no amount: a value, or a range (low and high)"
        return
    approximate = quantity.get("approximate") is True
    wrong = [(where, _unmatched(given, unit, approximate, found), found) for where, text in texts
             if (found := amounts(text)) is not None]  # fmt: skip
    failed = [(where, problem, found) for where, problem, found in wrong if problem is not None]
    if failed:
        (field, why), said = failed[0][1], []
        for where, _, found in failed:
            said.append(f"{where} says {'; '.join(dict.fromkeys(a.shown for a in found)) or 'no amount with a unit'!r}")
        yield field, f"{why} ({', '.join(said)})"


def _unmatched(given: dict[str, float], unit: str, approximate: bool, found: list[Amount]) -> tuple[str, str] | None:
    dimension, size, _ = UNITS[unit]

    def same(amount: Amount | None, number: float) -> bool:
        return (
            amount is not None
            and amount.dimension == dimension
            and abs(amount.size - number * size) <= 1e-9 * (abs(amount.size) + 1)
        )

    if "value" in given:
        plain = [a for a in found if a.low_of is None and not any(b.low_of is a for b in found)]
        match = next((a for a in plain if same(a, given["value"])), None)
        if match is None:
            ranged = any(same(a, given["value"]) for a in found)
            why = "is one end of the range the words give: give low and high" if ranged else "is not an amount given"
            return "value", f"{given['value']:g} {unit} {why}"
        return _approximate(match, approximate)
    ranges = [(a.low_of, a) for a in found if a.low_of is not None]
    low, high = given.get("low", math.nan), given.get("high", math.nan)
    match_range = next((r for r in ranges if same(r[0], low) and same(r[1], high)), None)
    if match_range is None:
        shown = " to ".join(f"{given[k]:g}" for k in ("low", "high") if k in given)
        return ("low" if "low" in given else "high"), f"the range {shown} {unit} is not a range given"
    return _approximate(match_range[0], approximate)


def _approximate(amount: Amount, approximate: bool) -> tuple[str, str] | None:
    if amount.approximate == approximate:
        return None
    if approximate:
        return "approximate", f"approximate is true, but the words give {amount.shown!r} exactly"
    return "approximate", f"the words give {amount.shown!r} as approximate: set approximate: true"
