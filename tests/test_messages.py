"""Messages a person can act on: short, one line each, naming their file, without a cascade."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketdata import Problem, Severity

from .helpers import edit, findings


def test_a_yaml_syntax_error_adds_no_withdraw_cascade(project: Path) -> None:
    data = project / "data"
    with (data / "claims/identity.yaml").open("a", encoding="utf-8") as handle:
        handle.write("id: [unclosed\n")
    # One error; the checks that need every claim say once that they did not run (a warning, KD018).
    assert [p.code for p in findings(data)] == ["KD003", "KD018"]


def test_a_long_value_is_cut_in_the_message(data: Path) -> None:
    edit(data / "claims/identity.yaml", "status: active", "status: '" + "x" * 5000 + "'")
    (found,) = [p for p in findings(data) if p.code == "KD107"]
    assert len(found.message) < 200 and "…" in found.message


def test_an_id_holding_control_characters_is_shown_escaped() -> None:
    p = Problem("KD108", Severity.ERROR, "data/x\n.yaml", 2, 1, "claim-001\n\u202e", "a\rb", "")
    assert "\n" not in str(p) and "\r" not in str(p) and "\u202e" not in str(p)
    assert "claim-001\\n\\u202e" in str(p) and "data/x\\n.yaml" in str(p)


def test_every_problem_names_its_file(data: Path) -> None:
    (data / "dataset.yaml").unlink()
    (data / "claims/names.yaml").write_bytes(b"\xff")
    assert all(p.file for p in findings(data))


@pytest.mark.parametrize("hedge", ["!custom can", "5", "[can]", "true"])
def test_a_refused_hedge_is_one_problem_not_a_cascade(data: Path, hedge: str) -> None:
    # The rule on statement words cannot know what the record keeps once its hedge is refused, so it is quiet.
    edit(data / "claims/adverse-effects.yaml", "hedge: can\n", f"hedge: {hedge}\n")
    found = [p for p in findings(data) if p.severity is not Severity.INFO]
    assert [(p.code, p.record_id, p.line) for p in found] == [(found[0].code, "claim-045", 12)], [str(p) for p in found]
