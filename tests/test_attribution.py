"""Prose never names a reviewer, approver or author the data's fields do not record (KD712, A5-18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import content_sha256, edit, findings, log_reviews

HONEST = "It is not medical advice and has not"  # "been reviewed by a clinician." follows on the next line
SHORT = "Claims decomposed from one short, unattributed overview article about ketamine. "  # room for a sentence
SOURCE = "data/sources/ketamine-overview.yaml"
IDENTITY = "data/claims/identity.yaml"


def kd712(project: Path) -> list[tuple[str | None, str]]:
    return [(p.record_id, p.file) for p in findings(project / "data") if p.code == "KD712"]


INVENTED = {
    "a sign-off in the description": ("data/dataset.yaml", HONEST,
        "Every record has been reviewed and approved by Dr. Jane Smith, MD (consultant psychiatrist). It has not"),
    "an organisation's approval": ("data/dataset.yaml", HONEST, "Its content was verified by the American "
                                   "Psychiatric Association. It has not"),
    "an author of the article": (SOURCE, "not guessed.", "not guessed. The article was written by John Doe of "
                                 "Healthline."),
    "a reviewer with a title": (SOURCE, "not guessed.", "not guessed. Peer-reviewed by Prof. Alan Grant."),
}  # fmt: skip


def described(project: Path, text: str) -> None:
    """The dataset's description replaced by a short one ending in ``text`` (the real one is near its length limit)."""
    path = project / "data/dataset.yaml"
    old = path.read_text(encoding="utf-8")
    start, end = old.index("description: "), old.index("\nmaintainers:")
    path.write_text(old[:start] + "description: " + json.dumps(SHORT + text) + old[end:], encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new"), INVENTED.values(), ids=INVENTED.keys())
def test_prose_naming_a_review_or_author_no_field_records_is_refused(
    project: Path, file: str, old: str, new: str
) -> None:
    if file == "data/dataset.yaml":
        described(project, new)
    else:
        edit(project / file, old, new)
    assert [f for _, f in kd712(project)] == [str(project / file)]


HONEST_TEXTS = [
    "It has never been reviewed or approved by Dr. Jane Smith or anyone else. It has not",
    "Nothing here was approved by the FDA for this use. It has not",
    "Codes were checked against public terminology files by ketdata's editors. It has not",
    "The author is unknown. It has not",
]


@pytest.mark.parametrize("text", HONEST_TEXTS)
def test_prose_that_denies_a_review_or_names_nobody_passes(project: Path, text: str) -> None:
    described(project, text)
    assert kd712(project) == []


def test_a_note_naming_the_reviewer_its_review_records_passes(project: Path) -> None:
    note = (
        "notes:\n- text: Checked by Dr. Alan Grant against the article.\n  origin: external\n  reason: Editors' note.\n"
    )
    path = project / IDENTITY
    text = path.read_text(encoding="utf-8")
    start = text.index("id: claim-001")
    at = text.index("review:\n  status: unreviewed\n", start)
    path.write_text(text[:at] + note + text[at:], encoding="utf-8")
    assert [r for r, _ in kd712(project)] == ["claim-001"]  # unreviewed: nobody checked it yet
    digest = content_sha256(path, "claim-001")
    edit(path, "review:\n  status: unreviewed\n", "review:\n  status: reviewed\n  reviewed_by: Alan Grant\n"
         f"  reviewed_on: '2026-11-26'\n  review_due: '2027-11-26'\n  content_sha256: {digest}\n")  # fmt: skip
    log_reviews(project / "data")  # as the workbench logs it: no KD716
    found = [p.code for p in findings(project / "data") if p.record_id == "claim-001"]
    assert found == ["KD501"], found  # the note is new content (a version to raise), but its reviewer is recorded
