"""A claim's quantity says what its words say: amounts, unit, range and "about" (KD711, A5-8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketdata._validation.quantity import amounts

from .helpers import edit, findings

SESSIONS = "data/claims/therapy-practice.yaml"  # claim-025: "between 40 minutes to an hour", 40-60 min
EFFECTS = "data/claims/effects.yaml"  # claim-033: "about an hour", 1 h, approximate

RANGE = "    low: 40\n    high: 60\n    unit: min\n"
HOUR = "    value: 1\n    unit: h\n    approximate: true\n"
WRONG = {
    "hours for minutes": (SESSIONS, RANGE, RANGE.replace("min", "h"), "low"),
    "a day for an hour": (EFFECTS, HOUR, HOUR.replace("unit: h", "unit: d"), "value"),
    "other numbers": (SESSIONS, RANGE, "    low: 4\n    high: 600\n    unit: min\n", "low"),
    "one end of the range": (SESSIONS, RANGE, "    value: 40\n    unit: min\n", "value"),
    "about dropped": (EFFECTS, HOUR, "    value: 1\n    unit: h\n", "approximate"),
    "about added": (SESSIONS, RANGE, RANGE + "    approximate: true\n", "approximate"),
    "a unit of no known words": (EFFECTS, HOUR, HOUR.replace("unit: h", "unit: cd"), "unit"),
    "both a value and a range": (SESSIONS, RANGE, "    value: 50\n" + RANGE, None),
    "no amount": (EFFECTS, HOUR, "    unit: h\n    approximate: true\n", None),
    "a mass for a time": (EFFECTS, HOUR, HOUR.replace("unit: h", "unit: g"), "value"),
}


@pytest.mark.parametrize(("file", "old", "new", "field"), WRONG.values(), ids=WRONG.keys())
def test_a_quantity_its_words_do_not_give_is_reported(
    project: Path, file: str, old: str, new: str, field: str | None
) -> None:
    edit(project / file, old, new)
    found = [p for p in findings(project / "data") if p.code == "KD711"]
    assert len(found) == 1, found
    claim = "claim-025" if file == SESSIONS else "claim-033"
    assert found[0].record_id == claim and found[0].file == str(project / file)


SAME = {
    "an hour as 60 minutes": (EFFECTS, HOUR, "    value: 60\n    unit: min\n    approximate: true\n"),
    "the range in hours": (SESSIONS, RANGE, "    low: 0.6666666666666666\n    high: 1\n    unit: h\n"),
}


@pytest.mark.parametrize(("file", "old", "new"), SAME.values(), ids=SAME.keys())
def test_the_same_amount_in_another_unit_is_what_the_words_say(project: Path, file: str, old: str, new: str) -> None:
    edit(project / file, old, new)
    assert [p for p in findings(project / "data") if p.code == "KD711"] == []


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("between 40 minutes to an hour", [(2400, False, False), (3600, False, True)]),
        ("typically last for about an hour", [(3600, True, False)]),
        ("40 to 60 minutes", [(2400, False, False), (3600, False, True)]),
        ("half an hour", [(1800, False, False)]),
        ("forty-five minutes", [(2700, False, False)]),
        ("approximately 2-3 days", [(172800, True, False), (259200, True, True)]),
        ("1.5 h", [(5400, False, False)]),
        ("can be felt within minutes of administration", []),
        ("a series of sessions", []),
    ],
)
def test_amounts_are_read_with_their_units(text: str, sizes: list[tuple[float, bool, bool]]) -> None:
    assert [(a.size, a.approximate, a.low_of is not None) for a in amounts(text)] == sizes
