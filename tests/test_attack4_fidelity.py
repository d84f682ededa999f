"""The fourth attack's word-check findings, attacked again through the command line on a copy (issue #20).

A splice states the words it skips (A4-11); a record quoting only context states nothing (A4-19); leaves_out
never excuses a negation or hedge governing the stated words (A4-28); a reading lends no word of another
passage, and a claim never drops its own object's name (A4-18); a subject's id and label lend no word the
quoted sentences lack (A4-27).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ketdata._validation.fidelity import SourceText
from ketdata._validation.wording import EvidenceWords

from .helpers import codes, edit
from .helpers import validate_strict as validate

UNCERTAINTY = "data/claims/uncertainty.yaml"
SAFETY = "data/claims/safety-guidance.yaml"
MEDICAL = "data/claims/medical-use.yaml"
HARMS = "data/claims/harms.yaml"
THERAPY = "data/claims/therapy-practice.yaml"

MECHANISM = (
    "statement: Although the altered state of consciousness patients may experience during ketamine's effects\n"
    "  can sometimes lead to insights and breakthroughs in therapy, the exact mechanism of action is still\n"
    "  not fully understood.\nsubject: exact-mechanism-of-action"
)
SOURCE = "- source: ketamine-overview\n  section: ketamine-in-therapy\n"
MECHANISM_SPAN = (
    "  role: statement\n  quote: the exact mechanism of action is still not fully understood\n  start: 1820\n"
    "  end: 1879"
)


def span(role: str, quote: str, start: int) -> str:
    return (f"- source: ketamine-overview\n  section: ketamine-in-therapy\n  role: {role}\n  quote: {quote}\n"
            f"  start: {start}\n  end: {start + len(quote)}")  # fmt: skip


# --- A4-11: the words a splice skips -------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["statement", "context"])
def test_a_negation_skipped_before_a_stating_quote_is_reported(
    first: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "... is still" + "understood": "not fully" lies between the quotes (or before the stating one in its clause).
    edit(project / UNCERTAINTY, MECHANISM, MECHANISM.replace("not fully understood.", "understood."))
    spliced = span(first, "the exact mechanism of action is still", 1820) + "\n" + span("statement", "understood", 1869)
    edit(project / UNCERTAINTY, SOURCE + MECHANISM_SPAN, spliced)
    code, found = validate(project, capsys)
    assert code == 1
    negations = [p for p in found if p["code"] == "KD626" and p["record_id"] == "claim-039"]
    assert negations and all("'not' before 'fully'" in str(p["message"]) for p in negations), found


def test_a_modifier_skipped_between_stating_quotes_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / SAFETY, "ketamine should only be used", "ketamine should be used")
    whole = span("statement", "should only be used under the guidance of a trained medical professional", 2249)
    spliced = span("statement", "should", 2249) + "\n" + span("statement", "be used under the guidance of a trained "
                                                             "medical professional", 2261)  # fmt: skip
    edit(project / SAFETY, whole, spliced)
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD630" and "'only'" in str(p["message"]) for p in found), found
    # The words-from-evidence rule does not report the same skipped word again as a dropped one (KD627).
    assert not any(p["code"] == "KD627" and "'only'" in str(p["message"]) for p in found), found


# --- A4-28: leaves_out never excuses a governing negation or hedge -----------------------------------------


def test_leaves_out_does_not_excuse_a_negation(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(project / UNCERTAINTY, MECHANISM, MECHANISM.replace("not fully understood.", "understood."))
    excused = "  governs: understood\nleaves_out:\n- text: not fully\n  why: Degree words another record keeps.\n"
    edit(project / UNCERTAINTY, "  governs: not fully understood\nevidence:", excused + "evidence:")
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD633" in codes(found, "claim-039"), found
    assert "KD626" not in codes(found, "claim-039"), found  # the rule does not repeat KD633's negation


def test_leaves_out_does_not_excuse_a_hedge_between_stating_quotes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / HARMS
    edit(path, "statement: The recreational use of ketamine can be dangerous.", "statement: The recreational use "
         "of ketamine is dangerous.")  # fmt: skip
    edit(path, "hedge: can\nevidence:", "hedge: null\nevidence:")
    edit(path, "  quote: The recreational use of ketamine can be dangerous\n  start: 453\n  end: 502\nleaves_out:\n",
         "  quote: The recreational use of ketamine\n  start: 453\n  end: 485\n- source: ketamine-overview\n"
         "  section: what-is-ketamine\n  role: statement\n  quote: be dangerous\n  start: 490\n  end: 502\n"
         "leaves_out:\n- text: can\n  why: Said by another record.\n")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD609" and p["record_id"] == "claim-013" and "'can'" in str(p["message"])
               for p in found), found  # fmt: skip


# --- A4-19: a record states something ---------------------------------------------------------------------


def test_every_record_quoting_only_context_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stated = set()
    for path in [*(project / "data/claims").glob("*.yaml"), project / "data/caveats.yaml"]:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        stated |= {d["id"] for d in docs if d and d.get("status") == "active"}
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("  role: statement\n", "  role: context\n").replace("  role: item\n",
                        "  role: context\n"), encoding="utf-8")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    refused = {p["record_id"] for p in found if p["code"] == "KD632"}
    assert stated and stated <= refused, sorted(stated - refused)


# --- A4-18: readings and a claim's own object ---------------------------------------------------------------


def test_a_reading_of_another_passage_lends_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / MEDICAL
    edit(path, "statement: Anesthesia is one of the two things", "statement: Depression is one of the two things")
    edit(path, "  start: 20\n  end: 98\nreview:",
         "  start: 20\n  end: 98\nreadings:\n- source: ketamine-overview\n  start: 950\n  text: depression\n"
         "  means: depression\nreview:")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert {"KD325", "KD640", "KD627"} <= codes(found, "claim-002"), found


def test_a_claim_never_drops_its_own_object(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # claim-003 states "anesthesia", but it is claim-002's own object.
    edit(project / MEDICAL, "statement: Anesthesia is one of the two things ketamine is primarily used for, with "
         "pain relief.", "statement: Pain relief is one of the two things ketamine is primarily used for.")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD627" and p["record_id"] == "claim-002" and "anesthesia" in str(p["message"])
               for p in found), found  # fmt: skip


# --- A4-27: a subject's id and label ----------------------------------------------------------------------


@pytest.mark.parametrize("word", ["harmless", "risk-free"])
def test_a_subject_concept_lends_no_invented_word(word: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    concept = f"{word}-ketamine-therapy"
    label = f"{word.capitalize()} ketamine therapy"
    edit(project / THERAPY, "statement: During a ketamine therapy session, the patient is typically seated or lying "
         "down.\nsubject: ketamine-therapy", f"statement: During a {word} ketamine therapy session, the patient is "
         f"typically seated or lying down.\nsubject: {concept}")  # fmt: skip
    edit(project / "data/concepts.yaml", "id: ketamine-therapy\nlabel: Ketamine therapy\nkind: therapy",
         f"id: {concept}\nlabel: {label}\nkind: therapy\n---\nid: ketamine-therapy\nlabel: Ketamine therapy\n"
         "kind: therapy")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert any(p["code"] == "KD637" and p["record_id"] == "claim-026" and word.split("-")[0] in str(p["message"])
               for p in found), found  # fmt: skip
    # The words-from-evidence rule does not say the same word again (KD640): KD637 says why it is not the article's.
    assert "KD640" not in codes(found, "claim-026"), found


# --- where a negation governs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "governed"),
    [
        ("Title\n\nThe mechanism is still not fully understood.", "understood", True),
        ("Title\n\nKetamine is not an opioid, and it is used for anesthesia.", "it is used for anesthesia", False),
        ("Title\n\nKetamine is not an opioid and is used for anesthesia.", "is used for anesthesia", False),
        ("Title\n\nKetamine is used, although not for pain.", "for pain", True),
        ("Title\n\nKetamine is used for anesthesia.", "used for anesthesia", False),
    ],
)
def test_a_negation_governs_the_rest_of_its_clause_only(text: str, quote: str, governed: bool) -> None:
    src = SourceText.of(text, [("body", "Title", 0, len(text))])
    start = text.index(quote)
    assert (EvidenceWords._clause_start(src, start) < start) is governed
