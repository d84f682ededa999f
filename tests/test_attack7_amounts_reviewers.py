"""The editors' prose adds no amount the article does not give (KD713, A7-12); no AI is a reviewer (KD714, A7-04)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketdata._editor.verdict import ReviewRefusedError, Verdict, review_block
from ketdata._validation.reviewers import non_person

from .helpers import content_sha256, edit, findings
from .workbench import TODAY, running

THERAPY = "data/claims/therapy-practice.yaml"
ADVERSE = "claims/adverse-effects.yaml"
CLAIM_022 = "evidence_status: not-applicable\nhedge: typically\n"
REGIMEN = ("In practice a low dose means 0.5 mg/kg given intravenously over 40 minutes, repeated twice weekly for "
           "three weeks.")  # fmt: skip
UNREVIEWED = "  end: 2217\nreview:\n  status: unreviewed\n"


def noted(project: Path, text: str) -> None:
    """claim-022 given an external note of ``text`` (its version bumped, as an editor would)."""
    path = project / THERAPY
    edit(path, "id: claim-022\nversion: 3\n", "id: claim-022\nversion: 4\n")
    note = f"notes:\n- text: {json.dumps(text)}\n  origin: external\n  reason: An example.\n"
    edit(path, CLAIM_022, CLAIM_022 + note)


def kd713(project: Path) -> list[tuple[str | None, str, str]]:
    return [(p.record_id, p.file, p.message) for p in findings(project / "data") if p.code == "KD713"]


def test_a_note_adding_a_dosing_regimen_is_refused_naming_each_amount_the_article_lacks(project: Path) -> None:
    noted(project, REGIMEN)
    ((record, file, message),) = kd713(project)
    assert (record, file) == ("claim-022", str(project / THERAPY))
    assert "'0.5 mg/kg', 'twice weekly', 'three weeks'" in message  # in the order the note gives them
    assert "40 minutes" not in message.partition(" gives ")[2]  # the article gives "between 40 minutes to an hour"


def test_every_kind_of_editors_prose_is_read_for_amounts(project: Path) -> None:
    data = project / "data"
    edit(data / "concepts.yaml", "A drug used in medicine.", "A drug used in medicine, 10 mg twice a day.")
    edit(data / "concepts.yaml", "the article gives no definition.", "the article gives no definition; dosed daily.")
    edit(data / "dataset.yaml", "decomposed from one short overview article",
         "decomposed from one short overview article (dose 2 mg/kg)")  # fmt: skip
    means = "  means: '''usually'' reaches the whole predicate it stands before"
    edit(data / "claims/therapy-practice.yaml", means, means.replace("reaches", "(given three times a day) reaches"))
    found = kd713(project)
    assert sorted((r, Path(f).name) for r, f, _ in found) == [
        ("claim-024", "therapy-practice.yaml"),
        ("ketdata", "dataset.yaml"),
        ("medication", "concepts.yaml"),
        ("medication", "concepts.yaml"),
    ]
    said = " ".join(m for _, _, m in found)
    assert (
        "'10 mg'" in said
        and "'daily'" in said
        and "'2 mg/kg'" in said
        and "'three times a day'" in said
        and "'twice a day'" in said
    )
    assert "'a day'" not in said  # "three times a day" is a frequency, not also a day's duration


@pytest.mark.parametrize(
    ("text", "said"),
    [("Usually a three-week course.", "three week"), ("Up to 10mg/day.", "10mg"), ("Given daily.", "daily"),
     ("About 5 per cent of patients.", "5 per cent"), ("Half an hour, three times a day.", "half an hour")],
)  # fmt: skip
def test_amounts_joined_spelled_or_as_frequencies_are_found(project: Path, text: str, said: str) -> None:
    noted(project, text)
    ((_, _, message),) = kd713(project)
    assert said in message.lower()


@pytest.mark.parametrize(
    "text",
    [
        "The article gives between 40 minutes to an hour, about an hour.",
        "A session of 60 minutes is the article's 'an hour'.",
        "See claim-019 at offset 686 (version 3, release 3.4.2, 2026); two claims and a second sentence.",
        "A second claim states the rest; once reviewed, each record is shown.",
    ],
)
def test_amounts_the_article_gives_and_numbers_without_a_unit_pass(project: Path, text: str) -> None:
    noted(project, text)
    assert kd713(project) == []


def test_an_ai_recorded_as_reviewer_by_hand_is_refused_by_name_and_role(data: Path) -> None:
    path = data / ADVERSE
    block = ("review:\n  status: reviewed\n  reviewed_by: Claude (AI assistant)\n  reviewer_role: AI model\n"
             f"  reviewed_on: '{TODAY}'\n  review_due: '{TODAY.replace(year=TODAY.year + 1)}'\n")  # fmt: skip
    edit(path, UNREVIEWED, "  end: 2217\n" + block)
    edit(path, block, block + f"  content_sha256: {content_sha256(path, 'claim-045')}\n")
    found = sorted((p.code, p.record_id, p.message.split(" ")[0]) for p in findings(data))
    # Written by hand, it was not recorded through `ketdata review` either (KD716).
    assert found == [("KD714", "claim-045", "reviewed_by"), ("KD714", "claim-045", "reviewer_role"),
                     ("KD716", "claim-045", "its")]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "word"),
    [("Claude (AI assistant)", "Claude"), ("my AI helper", "AI"), ("ChatGPT", "ChatGPT"), ("gpt-4o", "gpt"),
     ("review bot", "bot"),
     ("Large Language  Model", "Language  Model"), ("automated check", "automated"), ("ketdata", "ketdata"),
     ("A.I. reviewer", "A.I."), ("LLMs", "LLMs"), ("chatbot", "chatbot"), ("a virtual assistant", "virtual assistant")],
)  # fmt: skip
def test_a_name_or_role_declaring_a_non_person_is_found_as_a_whole_word(typed: str, word: str) -> None:
    assert non_person(typed) == word


@pytest.mark.parametrize(
    "typed",
    ["Dr Ada Example", "consultant psychiatrist", "Aidan Botha", "Gail Modelski", "GP", "physician assistant",
     "research assistant", "machine learning engineer", "role model"],
)  # fmt: skip
def test_a_persons_name_or_role_is_not_a_non_person(typed: str) -> None:
    assert non_person(typed) is None


def test_the_review_block_refuses_a_non_person() -> None:
    with pytest.raises(ReviewRefusedError, match="non-person"):
        review_block(Verdict("reviewed", "Dr Ada Example", "AI model"), TODAY)


def test_the_workbench_refuses_an_ai_as_reviewer_and_records_nothing(data: Path) -> None:
    before = (data / ADVERSE).read_bytes()
    with running(data) as wb:
        reply = wb.request("POST", "/reviewer", {"name": "Claude (AI assistant)", "role": "AI model", "back": "/"})
        page = wb.page("claim-045")
        saved = wb.verdict("claim-045", "reviewed")
    assert reply.status == 303
    assert "declares a non-person" in page and "Reviewing as" not in page
    assert saved.status != 303 and "type your name and your role first" in saved.body
    assert (data / ADVERSE).read_bytes() == before
