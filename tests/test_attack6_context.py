"""The sixth attack's context and punctuation findings, attacked again through the command line on a copy.

A context quote comes from the passage the record states, and skips no hedge of its sentence (A6-8: KD680,
KD317); a statement adds no "?", "!" or quotation marks its quotes do not hold (A6-7: KD640). The corpus cases
``context-from-another-passage``, ``statement-turned-into-question``, ``statement-exclaimed``,
``scare-quotes-in-statement`` and ``question-mark-in-parentheses`` hold the attacker's own reproductions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import codes, edit
from .helpers import validate_strict as validate

NON_MEDICAL = "data/claims/non-medical-use.yaml"
NAMES = "data/claims/names.yaml"
IDENTITY = "data/claims/identity.yaml"
CLAIM_007 = (
    "id: claim-007\nversion: 3\nstatus: active\nstatement: Ketamine is also used illicitly as a recreational drug.\n"
)
CLAIM_007_SPAN = (
    "hedge: null\nevidence:\n- source: ketamine-overview\n  section: what-is-ketamine\n  role: statement\n"
    "  quote: Ketamine is also used illicitly as a recreational drug\n"
)


def with_context(project: Path, section: str, quote: str, start: int) -> None:
    """Give claim-007 a context quote before its statement quote (and a version bump, as an editor would)."""
    edit(project / NON_MEDICAL, CLAIM_007, CLAIM_007.replace("version: 3", "version: 4"))
    context = (f"- source: ketamine-overview\n  section: {section}\n  role: context\n  quote: {quote}\n"
               f"  start: {start}\n  end: {start + len(quote)}\n")  # fmt: skip
    edit(project / NON_MEDICAL, CLAIM_007_SPAN, CLAIM_007_SPAN.replace("evidence:\n", "evidence:\n" + context))


@pytest.mark.parametrize(
    ("section", "quote", "start"),
    [
        ("ketamine-in-therapy", "How is Ketamine Used in Therapy?", 652),  # another section's heading
        ("what-is-ketamine", "has been associated with various negative effects", 507),  # two sentences after
        ("ketamine-in-therapy", "Ketamine therapy is still considered an experimental treatment", 1883),  # a caveat
    ],  # ... whose caveat (caveat-002) does not apply to claim-007
)
def test_a_context_quote_from_another_passage_is_an_error(
    section: str, quote: str, start: int, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_context(project, section, quote, start)
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD680" in codes(found, "claim-007"), found


@pytest.mark.parametrize(
    ("section", "quote", "start"),
    [
        ("what-is-ketamine", "What is Ketamine?", 0),  # its own section's heading
        ("what-is-ketamine", "a class of drugs called dissociative anesthetics", 114),  # the sentence before
        ("what-is-ketamine", "It is known by various street names such as", 374),  # the next, referring back
    ],
)
def test_a_context_quote_from_the_records_own_passage_passes(
    section: str, quote: str, start: int, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_context(project, section, quote, start)
    code, found = validate(project, capsys)
    assert "KD680" not in codes(found, "claim-007"), found
    assert code == 0, found


def test_a_hedge_of_a_context_sentence_the_evidence_skips_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "In therapy, ketamine is typically administered …": the context quote "In therapy, ketamine" skips "typically".
    with_context(project, "ketamine-in-therapy", "In therapy, ketamine", 964)
    code, found = validate(project, capsys)
    skipped = [p for p in found if p["code"] == "KD317" and p["record_id"] == "claim-007"]
    assert code == 1
    assert skipped and "'typically'" in str(skipped[0]["message"]), found


@pytest.mark.parametrize(
    "statement",
    [
        "Ketamine is a medication?",
        "Ketamine is a medication!",
        "Ketamine is a medication...",
        "Ketamine is a \u201cmedication\u201d.",
        "Ketamine is a 'medication'.",
        "Ketamine is a medication (!).",
        "Ketamine is a medication\uff1f",  # full-width
        "Ketamine is a medication\u203d",  # interrobang
        "Ketamine is a medication\u2026",  # an ellipsis: there is more
        "Ketamine is a \u00abmedication\u00bb.",
        "Ketamine is a \u201emedication\u201c.",
        "Ketamine is a `medication'.",
    ],
)
def test_punctuation_the_quotes_do_not_hold_is_an_added_word(
    statement: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / IDENTITY, "version: 2\nstatus: active\nstatement: Ketamine is a medication.\n",
         f"version: 3\nstatus: active\nstatement: {statement!r}\n")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    added = [p for p in found if p["code"] == "KD640" and p["record_id"] == "claim-001"]
    assert added, found


def test_quotation_marks_the_article_has_pass_and_more_do_not(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # claim-010 keeps the article's quotation marks around "Special K"; scare quotes around "street names" are new.
    said = 'Ketamine is known by various street names, such as "Special K".'
    before = f"version: 3\nstatus: active\nstatement: {said}\n"
    after = "version: 4\nstatus: active\nstatement: '" + said.replace("street names", '"street names"') + "'\n"
    edit(project / NAMES, before, after)
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD640" in codes(found, "claim-010"), found


def test_a_governing_caveats_quote_backs_but_lends_no_word(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # caveat-006 applies to claim-007; its quote as context is no licence to put the recreational use "under the
    # guidance of a trained medical professional" (claim-021's context from caveat-002 lends nothing: it passes).
    with_context(project, "ketamine-in-therapy", "under the guidance of a trained medical professional", 2269)
    said = "Ketamine is also used illicitly as a recreational drug."
    edit(project / NON_MEDICAL, f"statement: {said}\n",
         f"statement: Under the guidance of a trained medical professional, k{said[1:]}\n")  # fmt: skip
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD680" in codes(found, "claim-007"), found
    assert "KD680" not in codes(found, "claim-021"), found


def test_a_question_of_the_article_stated_as_an_assertion_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The quote "What is Ketamine" reaches its heading's "?": a statement of it ends as the article does.
    edit(project / IDENTITY, "version: 2\nstatus: active\nstatement: Ketamine is a medication.\n",
         "version: 3\nstatus: active\nstatement: What is ketamine.\n")  # fmt: skip
    edit(project / IDENTITY, "  quote: Ketamine is a medication\n  start: 20\n  end: 44\n",
         "  quote: What is Ketamine\n  start: 0\n  end: 16\n")  # fmt: skip
    code, found = validate(project, capsys)
    ending = [p for p in found if p["code"] == "KD640" and p["record_id"] == "claim-001"]
    assert code == 1
    assert ending and "ends '.' where its quotes end '?'" in str(ending[0]["message"]), found


def test_the_sentence_before_across_a_break_is_context_only_for_a_sentence_that_refers_back(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # claim-019's sentence opens the therapy section: the last sentence of the section before says nothing of it.
    medical = project / "data/claims/medical-use.yaml"
    edit(medical, "id: claim-019\nversion: 3\n", "id: claim-019\nversion: 4\n")
    context = ("- source: ketamine-overview\n  section: what-is-ketamine\n  role: context\n"
               "  quote: The recreational use of ketamine\n  start: 453\n  end: 485\n")  # fmt: skip
    own = "- source: ketamine-overview\n  section: ketamine-in-therapy\n  role: statement\n  quote: In recent"
    edit(medical, "evidence:\n" + own, "evidence:\n" + context + own)
    code, found = validate(project, capsys)
    assert code == 1
    assert "KD680" in codes(found, "claim-019"), found
