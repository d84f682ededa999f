"""The sixth attack's findings on released provenance, policy wording, unnamed review claims and withdrawals.

Each test edits a copy of the project (``project``: data, releases, changelog) as the attacker did and checks
what `ketdata validate` and `ketdata release` do, through the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ketdata._validation.attribution import _reviews
from ketdata._validation.pipeline import run

from .helpers import edit, is_drafted, project_files, released_version
from .helpers import run_main as cli

SOURCE = "data/sources/ketamine-overview.yaml"
ESTABLISHED = (
    "definition: The source states it plainly as fact or current accepted practice, without presenting it as\n"
    "  potential, experimental or uncertain (a hedge such as 'primarily' or 'can' may still qualify it).\n"
)


def codes(data: Path, code: str) -> list[tuple[str, int, str]]:
    """A code's problems, but the policy warnings the shipped data carries until the next release (drafted)."""
    return [(p.severity.value, p.line, str(p.record_id)) for p in run(data).problems
            if p.code == code and not is_drafted(p)]  # fmt: skip


def added(data: Path, code: str, before: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """The problems of a code the edit added: the data may carry warnings of its own until the next release."""
    return [found for found in codes(data, code) if found not in before]


# --- A6-4: invented article provenance is never released unnoticed -------------------------------------------


def test_invented_provenance_with_the_note_as_released_refuses_the_release_and_writes_nothing(project: Path) -> None:
    source = project / SOURCE
    edit(source, "url: null\n", "url: https://www.ncbi.nlm.nih.gov/books/NBK470357/\n")
    edit(source, "license: null\n", "license: CC-BY-4.0\n")
    edit(source, "author: null\n", "author: Mayo Clinic Staff\n")
    before = project_files(project)
    code, said = cli("release", cwd=project)
    assert code == 1, said
    assert said.count("KD570") == 3 and "not releasing" in said
    assert project_files(project) == before
    assert cli("validate", "--strict", cwd=project)[0] == 1


def test_a_provenance_change_with_a_rewritten_note_is_a_warning(project: Path) -> None:
    source = project / SOURCE
    edit(source, "author: null\n", "author: Jane Roe\n")
    assert codes(project / "data", "KD570") == [("error", 8, "ketamine-overview")]
    edit(source, "note: Author, URL,", "note: The author is named on the article's page. Author, URL,")
    assert codes(project / "data", "KD570") == [("warning", 8, "ketamine-overview")]


def test_an_attribution_added_to_the_title_is_an_error(project: Path) -> None:
    edit(project / SOURCE, "title: What is Ketamine?\n", "title: What is Ketamine? (NIH patient fact sheet)\n")
    assert codes(project / "data", "KD570") == [("error", 3, "ketamine-overview")]


# --- A6-12: a status's, predicate's or category's wording is policy -------------------------------------------


def test_a_status_redefined_as_trial_confirmed_and_safe_is_warned_and_refused(project: Path) -> None:
    data = project / "data"
    trials = "definition: Confirmed by randomised controlled trials and clinical guidelines; safe to act on.\n"
    before = codes(data, "KD517")
    edit(data / "evidence-statuses.yaml", ESTABLISHED, trials)
    assert added(data, "KD517", before) == [("warning", 4, "established")]
    assert codes(data, "KD606") == [("error", 4, "established")]
    code, said = cli("release", "--dry-run", cwd=project)
    assert code == 1 and "KD606" in said


def test_a_redefined_or_relabelled_predicate_is_a_warning_only(project: Path) -> None:
    data = project / "data"
    before = {(p.code, p.record_id) for p in run(data).problems}
    edit(data / "predicates.yaml", "definition: The subject can have the object as a side effect.\n",
         "definition: The subject may, in a few patients, produce the object as a brief side effect.\n")  # fmt: skip
    problems = [p for p in run(data).problems if p.severity.value != "info" and (p.code, p.record_id) not in before]
    assert [(p.code, p.severity.value, str(p.record_id)) for p in problems] == [
        ("KD517", "warning", "can_have_side_effect")
    ]
    assert cli("validate", cwd=project)[0] == 0
    assert cli("validate", "--strict", cwd=project)[0] == 1
    edit(data / "predicates.yaml", "label: is a\n", "label: is an instance of\n")
    assert ("warning", 3, "is_a") in codes(data, "KD517")


def test_reassurance_in_a_side_effect_category_definition_is_refused(project: Path) -> None:
    data = project / "data"
    edit(data / "categories.yaml", "definition: Side effects of ketamine named by the source,",
         "definition: Side effects of ketamine named by the source; all are mild and transient,")  # fmt: skip
    assert codes(data, "KD606") == [("error", 33, "adverse-effects")]


# --- A6-11: a review claimed without a name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("It is not medical advice and has not been", "It is not medical advice and has been", 7),
        ("name: 'ketdata: a structured reading of a short article about ketamine'\n",
         "name: 'ketdata: clinician-reviewed ketamine dosing facts'\n", 3),
        ("name: 'ketdata: a structured reading of a short article about ketamine'\n",
         "name: 'ketdata: clinically reviewed ketamine facts (Mayo Clinic)'\n", 3),
    ],
)  # fmt: skip
def test_an_unnamed_review_claim_is_refused_while_records_are_unreviewed(
    project: Path, old: str, new: str, line: int
) -> None:
    edit(project / "data/dataset.yaml", old, new)
    assert codes(project / "data", "KD712") == [("error", line, "ketdata")]
    code, said = cli("release", "--dry-run", cwd=project)
    assert code == 1 and "KD712" in said


@pytest.mark.parametrize(
    "text",
    [
        "It is not medical advice and has not been reviewed by a clinician.",
        "No claim or caveat has been reviewed or approved yet.",
        "It has not been reviewed, verified or approved by a clinician.",
        "None of the records has been reviewed, and it is not advice.",
        "Every record is unreviewed.",
    ],
)
def test_a_clause_that_denies_the_review_passes(text: str) -> None:
    assert _reviews(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "It is not medical advice, and it has been verified.",
        "The records are unreviewed; they have been vetted by experts.",
        "Not medical advice, but reviewed by a clinician.",
        "Doctor-approved facts.",
    ],
)
def test_a_review_claimed_beside_a_denial_of_something_else_is_found(text: str) -> None:
    assert _reviews(text) != ()


# --- A6-10: a withdrawal drops no fact the article still states ------------------------------------------------


def test_a_withdrawn_claim_that_names_its_successor_is_held_as_a_deprecated_one(project: Path) -> None:
    claims = project / "data/claims/medical-use.yaml"
    edit(claims, "version: 3\nstatus: deprecated\n", "version: 4\nstatus: withdrawn\n")
    assert codes(project / "data", "KD580") == []  # claim-019 still quotes the whole sentence
    sentence = "In recent years, ketamine has gained attention as a potential treatment for depression"
    edit(claims, f"{sentence}, particularly\n    in cases where other treatments have been ineffective\n  start: 689\n"
         "  end: 843\n", f"{sentence}\n  start: 689\n  end: 775\n")  # fmt: skip
    assert ("error", 80, "claim-020") in codes(project / "data", "KD580")


def test_a_harm_withdrawn_as_a_duplicate_and_unlinked_fails_strict_validation(project: Path) -> None:
    data = project / "data"
    before = codes(data, "KD517")
    edit(data / "claims/harms.yaml", "id: claim-018\nversion: 5\nstatus: active\n",
         "id: claim-018\nversion: 6\nstatus: withdrawn\nreason: Duplicate of claim-014.\n")  # fmt: skip
    caveats = data / "caveats.yaml"
    for _ in range(3):
        edit(caveats, "- claim-018\n", "")
    for cid in ("caveat-001", "caveat-005", "caveat-006"):
        version = released_version(cid)
        if f"id: {cid}\nversion: {version}\n" in caveats.read_text(encoding="utf-8"):  # not changed since the release
            edit(caveats, f"id: {cid}\nversion: {version}\n", f"id: {cid}\nversion: {version + 1}\n")
    assert [(severity, rid) for severity, _, rid in added(data, "KD517", before)] == [("warning", "claim-018")]
    assert cli("validate", "--strict", cwd=project)[0] == 1


def test_a_claim_narrowed_with_its_condition_stated_nowhere_else_is_warned(project: Path) -> None:
    data = project / "data"
    claims = data / "claims/medical-use.yaml"
    sentence = "In recent years, ketamine has gained attention as a potential treatment for depression"
    before = codes(data, "KD517")
    edit(claims, "version: 3\nstatus: deprecated\n", "version: 4\nstatus: withdrawn\n")
    edit(claims, "superseded_by: claim-019\n", "")
    assert added(data, "KD517", before) == []  # claim-019 still states the whole sentence
    edit(claims, f"{sentence}, particularly\n    in cases where other treatments have been ineffective\n  start: 689\n"
         "  end: 843\n", f"{sentence}\n  start: 689\n  end: 775\n")  # fmt: skip
    assert [(severity, rid) for severity, _, rid in added(data, "KD517", before)] == [("warning", "claim-019")]
