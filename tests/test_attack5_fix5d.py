"""The fifth attack's subject, predicate, reading and synonym findings, attacked again on a copy (fix5d).

A claim's subject is named by its statement and its evidence (A5-16); its predicate's words stand in both, in
order, or are words the predicate declares (A5-7); a reading of a pronoun names the antecedent the grammar
allows (A5-6); an article synonym keeps the label's distinguishing words (A5-17).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import codes, edit
from .helpers import validate_strict as validate

ADVERSE = "data/claims/adverse-effects.yaml"
HARMS = "data/claims/harms.yaml"
IDENTITY = "data/claims/identity.yaml"
CONCEPTS = "data/concepts.yaml"
HALLUCINATIONS = "statement: It is important to note that ketamine can have side effects, including hallucinations."


# --- A5-16: the subject is named by the statement and the evidence ------------------------------------------


@pytest.mark.parametrize("subject", ["dissociative-anesthetics", "recreational-use", "ketamine-infusion-therapy"])
def test_a_claim_re_subjected_to_a_concept_its_statement_does_not_name_is_refused(
    subject: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / ADVERSE, f"{HALLUCINATIONS}\nsubject: ketamine", f"{HALLUCINATIONS}\nsubject: {subject}")
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD670" in codes(found, "claim-045"), found


def test_a_subject_the_statement_names_but_no_quote_does_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # claim-045 re-subjected to the therapy, and its statement rewritten to name it: the article's sentence does not.
    edit(project / ADVERSE, f"{HALLUCINATIONS}\nsubject: ketamine",
         "statement: It is important to note that in ketamine therapy ketamine can have side effects, including "
         "hallucinations.\nsubject: ketamine-therapy")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    messages = [str(p["message"]) for p in found if p["code"] == "KD670" and p["record_id"] == "claim-045"]
    assert messages and "no quote names the subject" in messages[0], found


def test_the_shipped_claims_name_their_subjects(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = validate(project, capsys)
    assert code == 0
    assert [p for p in found if p["code"] == "KD670"] == []


# --- A5-6: a reading of a pronoun names the antecedent the grammar allows -------------------------------------

CLAIM_004 = "statement: Ketamine belongs to a class of drugs called dissociative anesthetics.\nsubject: ketamine"
PAIN_RELIEF = "- text: that is primarily used for anesthesia and pain relief"


def _read_it_as(project: Path, means: str, subject: str) -> None:
    """claim-004's 'It' read as ``means``, its statement and subject rewritten to match (the attack's A5-6)."""
    statement = f"{means.capitalize()} belongs to a class of drugs called dissociative anesthetics."
    edit(project / IDENTITY, CLAIM_004, f"statement: {statement}\nsubject: {subject}")
    edit(project / IDENTITY, "version: 3\nstatus: active\nstatement: " + means.capitalize(),
         "version: 4\nstatus: active\nstatement: " + means.capitalize())  # fmt: skip
    reading = f"readings:\n- source: ketamine-overview\n  start: 100\n  text: It\n  means: {means}\n"
    edit(project / IDENTITY, "leaves_out:\n" + PAIN_RELIEF, reading + "leaves_out:\n" + PAIN_RELIEF)


def test_it_read_as_a_word_that_is_not_its_antecedent_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _read_it_as(project, "anesthesia", "anesthesia")
    code, found = validate(project, capsys)
    assert code == 1
    messages = [str(p["message"]) for p in found if p["code"] == "KD671" and p["record_id"] == "claim-004"]
    assert messages and "'Ketamine'" in messages[0], found
    # Nor does the misread pronoun name the subject for the triple.
    assert "KD670" in codes(found, "claim-004"), found


def test_it_read_as_the_subject_of_the_sentence_before_is_accepted(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _read_it_as(project, "ketamine", "ketamine")
    code, found = validate(project, capsys)
    assert code == 0, [p for p in found if p["code"] != "KD601"]
