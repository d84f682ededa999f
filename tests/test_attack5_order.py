"""The fifth attack's word-order findings, attacked again through the command line on a copy.

A statement made of its quote's own words in another order says the opposite of the article (A5-1: KD650,
a hedge moved off its word KD651); a literal object cut from after its negation negates the triple (A5-9:
KD652); a qualifier's kind is the one its words say (A5-14: the schema ties them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ketdata._validation import pipeline
from ketdata._validation.wording import _out_of_order

from .helpers import DATA, bump, edit
from .helpers import validate_strict as validate

ORDER_CODES = {"KD650", "KD651", "KD652"}


def restate(project: Path, file: str, record: str, statement: str) -> None:
    """Give a record another statement (one line) and bump its version, as an editor would."""
    path = project / "data" / file
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {record}\n")
    end = text.find("\n---", start)
    end = len(text) if end < 0 else end
    part = text[start:end]
    version = int(re.search(r"version: (\d+)", part).group(1))  # type: ignore[union-attr]
    part = part.replace(f"version: {version}\n", f"version: {version + 1}\n", 1)
    part = re.sub(r"statement: .*?\n(?=[a-z_]+:)", "statement: " + json.dumps(statement) + "\n", part, count=1,
                  flags=re.S)  # fmt: skip
    path.write_text(text[:start] + part + text[end:], encoding="utf-8")


# The attack's statements: the quote's words, re-ordered so that the claim says another thing.
ATTACKS = [
    ("claims/medical-use.yaml", "claim-019", "KD650",
     "In recent years, ketamine has been ineffective as a potential treatment for depression, particularly in cases "
     "where other treatments have gained attention."),
    ("claims/medical-use.yaml", "claim-020", "KD650",  # deprecated, yet exported: read as well
     "Ketamine has been ineffective as a potential treatment for depression, particularly in cases where other "
     "treatments have gained attention."),
    ("claims/effects.yaml", "claim-005", "KD650",
     "Dissociative anesthetics work by reducing a trance-like state in the user (and producing sensations of pain)."),
    ("claims/therapy-practice.yaml", "claim-027", "KD650",
     "During a ketamine therapy session, the healthcare professional is closely monitored by a patient."),
    ("claims/therapy-practice.yaml", "claim-027", "KD650",  # the same swap, turned active
     "During a ketamine therapy session, the patient closely monitors a healthcare professional."),
    ("claims/medical-use.yaml", "claim-019", "KD651",
     "In recent years, ketamine has gained potential attention as a treatment for depression, particularly in cases "
     "where other treatments have been ineffective."),
    ("claims/harms.yaml", "claim-013", "KD650", "The dangerous use of ketamine can be recreational."),
    ("caveats.yaml", "caveat-001", "KD650", "The dangerous use of ketamine can be recreational."),
]  # fmt: skip


@pytest.mark.parametrize(("file", "record", "code", "statement"), ATTACKS)
def test_the_quotes_words_in_another_order_are_refused(
    file: str, record: str, code: str, statement: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    restate(project, file, record, statement)
    exit_code, found = validate(project, capsys)
    assert exit_code == 1
    assert any(p["code"] == code and p["record_id"] == record for p in found), found


# Paraphrases the shipped data uses: a sibling moved into parentheses, the object named first.
FAITHFUL = [
    ("claims/effects.yaml", "claim-006",
     "Dissociative anesthetics work by reducing sensations of pain (and producing a trance-like state in the user)."),
    ("claims/medical-use.yaml", "claim-002",
     "Anesthesia is one of the two things ketamine is primarily used for, with pain relief."),
    ("claims/medical-use.yaml", "claim-003",
     "Pain relief is one of the two things ketamine is primarily used for, with anesthesia."),
]  # fmt: skip


@pytest.mark.parametrize(("file", "record", "statement"), FAITHFUL)
def test_a_faithful_rewording_is_not_reported(
    file: str, record: str, statement: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    restate(project, file, record, statement)
    _, found = validate(project, capsys)
    assert not [p for p in found if p["code"] in ORDER_CODES], found


def test_a_dropped_hedge_is_not_also_reported_as_moved(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    restate(project, "claims/harms.yaml", "claim-014", "The recreational use of ketamine has been associated with "
            "many negative effects on physical health.")  # fmt: skip
    _, found = validate(project, capsys)
    assert "KD313" in {p["code"] for p in found}, found
    assert not [p for p in found if p["code"] in ORDER_CODES], found


def test_the_shipped_data_keeps_its_quotes_order() -> None:
    offenders = [(p.record_id, p.code) for p in pipeline.run(DATA).problems if p.code in ORDER_CODES]
    assert offenders == []


@pytest.mark.parametrize(
    ("said", "held", "moved"),
    [
        (["a", "b", "c"], ["a", "x", "b", "c"], []),
        (["b", "a"], ["a", "b"], ["b"]),
        (["k", "i", "p", "t", "g"], ["k", "g", "p", "t", "i"], ["i", "g"]),
        (["t", "d", "t"], ["t", "d", "t"], []),  # a word twice, in order
    ],
)
def test_the_words_out_of_order_are_those_outside_a_longest_common_run(
    said: list[str], held: list[str], moved: list[str]
) -> None:
    assert _out_of_order(said, held) == moved


# --- A5-9: a literal object keeps its negation ---------------------------------------------------------------


def test_a_literal_object_cut_from_after_its_negation_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "data/claims/uncertainty.yaml"
    bump(path, "claim-039")
    edit(path, "  value: not fully understood\n", "  value: fully understood\n")
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD652" and p["record_id"] == "claim-039" and "'not'" in str(p["message"])
               for p in found), found  # fmt: skip


# --- A5-14: a qualifier's kind is the one its words say ------------------------------------------------------


@pytest.mark.parametrize("kind", ["emphasis", "persistence", "time-frame", "possibility", "non-exhaustive"])
def test_a_qualifier_of_another_kind_than_its_words_is_refused(
    kind: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "data/claims/harms.yaml"
    bump(path, "claim-014")
    edit(path, "- kind: association\n  text: has been associated with\n",
         f"- kind: {kind}\n  text: has been associated with\n")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD106" and p["record_id"] == "claim-014" and f"kind {kind}" in str(p["message"])
               for p in found), found  # fmt: skip
