"""The seventh attack's findings on who the data names (A7-08, A7-13, A7-04) and on the version of a weaker release.

Each test edits a copy of the project (``project``: data, releases, changelog) as the attacker did and checks, through
the command line or the library call it makes, what validation and ``ketdata release`` do.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from ketdata._editor.release import MAINTAINERS_CHANGED, WEAKENED, bumped, release
from ketdata._editor.verdict import Restore, Verdict, record_stamp, write_review
from ketdata._io.yaml import read_documents
from ketdata._validation.folder import REVIEW_LOG
from ketdata._validation.maintainers import clinical_word
from ketdata._validation.pipeline import run

from .helpers import DAY, EDIT_BUMP, LATEST, content_sha256, edit, project_files, run_main


def codes(project: Path, code: str) -> list[str]:
    return [str(p.record_id) for p in run(project / "data").problems if p.code == code]


MAINTAINER = "- name: ketdata maintainers\n  url: null"


# A7-08: the maintainers named as a clinical body or a clinician.


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("Mayo Clinic Department of Psychiatry and Psychology", "Clinic"),
        ("Dr Jane Smith, MD (consultant psychiatrist)", "Dr"),
        ("Jane Smith MD", "MD"),
        ("J. Smith, M.D.", "M.D."),
        ("Prof. A. Jones", "Prof."),
        ("Jane Smith PhD", "PhD"),
        ("St Elsewhere Hospital", "Hospital"),
        ("Oxford University", "University"),
        ("Karolinska Institute", "Institute"),
        ("Leeds Medical  Centre", "Medical  Centre"),
        ("NHS Digital", "NHS"),
        ("the physicians of ward 3", "physicians"),
    ],
)
def test_a_credential_or_institution_in_a_maintainers_name_is_found(name: str, word: str) -> None:
    assert clinical_word(name) == word


@pytest.mark.parametrize("name", ["ketdata maintainers", "Jane Smith", "Drew Carey", "MDMA harm team", "Doctorow"])
def test_a_plain_name_carries_no_clinical_word(name: str) -> None:
    assert clinical_word(name) is None


def test_a_maintainer_named_as_an_institution_is_an_error_in_validation(project: Path) -> None:
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: Mayo Clinic Department of Psychiatry and Psychology\n"
         "  url: https://www.mayoclinic.org/departments-centers/psychiatry-psychology")  # fmt: skip
    assert codes(project, "KD573") == ["ketdata"]
    assert run_main("validate", cwd=project)[0] == 1


def test_a_change_of_maintainers_refuses_the_release_until_accepted_and_is_listed(project: Path) -> None:
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: Jane Smith and Joe Bloggs\n  url: null")
    assert codes(project, "KD572") == ["ketdata"]
    assert codes(project, "KD573") == []
    code, said = run_main("validate", cwd=project)
    assert code == 1 and "--accept-weaker ketdata" in said, said
    before = project_files(project)
    code, said = run_main("release", "--date", DAY, cwd=project)
    assert code == 1 and "not releasing" in said and "KD572" in said, said
    assert project_files(project) == before
    code, said = run_main("release", "--date", DAY, "--accept-weaker", "ketdata", cwd=project)
    assert code == 0, said
    section = (project / "CHANGELOG.md").read_text(encoding="utf-8").split("\n## [", 2)[1]
    listed = section.split(f"### {MAINTAINERS_CHANGED}\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(listed) == 1 and listed[0].startswith("- `ketdata`: maintainers changed"), listed
    assert WEAKENED not in section
    # The release is the new baseline: the new maintainers are what it compares with from now on.
    assert codes(project, "KD572") == []
    assert run_main("validate", "--strict", cwd=project)[0] == 0


def test_maintainers_as_released_are_no_change(project: Path) -> None:
    # The same list, its null url left out: a snapshot writes an unset url as nothing.
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: ketdata maintainers")
    assert codes(project, "KD572") == []


# A release that accepts a weakening is never a patch.


def test_a_release_accepting_a_weakening_is_at_least_minor(project: Path) -> None:
    # A rule's list trimmed: a change of one record, a patch by the diff alone.
    edit(project / "data/rules.yaml", "- potential_treatment_for\n- alternative", "- alternative")
    weakened = sorted(set(codes(project, "KD517")))
    assert "experimental-benefits-never-established" in weakened
    done = release(project / "data", DAY, dry_run=True, accept_weaker=weakened)
    assert done.plan.bump in ("minor", "major")
    assert done.plan.version == bumped(LATEST, done.plan.bump) != bumped(LATEST, "patch")
    code, said = run_main(
        "release", "--date", DAY, *(a for rid in weakened for a in ("--accept-weaker", rid)), cwd=project
    )
    assert code == 0 and f"## [{done.plan.version}]" in (project / "CHANGELOG.md").read_text(encoding="utf-8"), said


def test_an_accepted_change_of_maintainers_alone_is_no_weakening(project: Path) -> None:
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: Jane Smith\n  url: null")
    done = release(project / "data", DAY, dry_run=True, accept_weaker=["ketdata"])
    assert done.plan.bump == EDIT_BUMP


# A7-13 and A7-04: the log of review saves.

ADVERSE = "data/claims/adverse-effects.yaml"
TODAY = datetime.date.fromisoformat(DAY)


def value_of(path: Path, record_id: str) -> dict[str, Any]:
    documents, _ = read_documents(path.read_bytes(), str(path))
    (value,) = [d.value for d in documents if isinstance(d.value, dict) and d.value.get("id") == record_id]
    return value


def save(project: Path, record_id: str, verdict: Verdict | Restore) -> None:
    """A verdict saved as the workbench saves it (the record as the page showed it: as it is now)."""
    seen = record_stamp(value_of(project / ADVERSE, record_id))
    write_review(project / "data", record_id, verdict, seen, TODAY)


def flag_045(project: Path) -> None:
    flag = Verdict("flagged", "Ada Example", "consultant psychiatrist", ("overstates-the-article",))
    save(project, "claim-045", flag)


def block_of(project: Path, record_id: str) -> str:
    text = (project / ADVERSE).read_text(encoding="utf-8")
    start = text.index("review:\n", text.index(f"id: {record_id}\n"))
    end = text.find("\n---", start)
    return text[start : end if end != -1 else len(text)]


def test_each_save_is_logged_with_its_block_in_the_same_write(project: Path) -> None:
    flag_045(project)
    (line,) = (project / "data" / REVIEW_LOG).read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["id"] == "claim-045" and entry["review"] == value_of(project / ADVERSE, "claim-045")["review"]
    assert entry["review"]["status"] == "flagged" and entry["review"]["reviewed_by"] == "Ada Example"
    assert codes(project, "KD716") == [] and codes(project, "KD715") == []
    assert codes(project, "KD612") == ["claim-045"]


@pytest.mark.parametrize(
    "erased",
    ["review:\n  status: unreviewed",
     "review:\n  status: reviewed\n  reviewed_by: Ada Example\n  reviewer_role: consultant psychiatrist\n"
     f"  reviewed_on: '{DAY}'\n  review_due: '{TODAY.replace(year=TODAY.year + 1)}'"],
)  # fmt: skip
def test_a_flag_erased_from_unchanged_content_is_an_error(project: Path, erased: str) -> None:
    flag_045(project)
    edit(project / ADVERSE, block_of(project, "claim-045"), erased)
    assert codes(project, "KD715") == ["claim-045"]
    assert codes(project, "KD612") == []
    code, said = run_main("validate", cwd=project)
    assert code == 1 and "KD715" in said, said
    code, said = run_main("release", "--dry-run", "--date", DAY, cwd=project)
    assert code == 1 and "KD715" in said, said


def test_a_flag_is_cleared_by_changing_the_record_or_undone_in_the_workbench(project: Path) -> None:
    before = block_of(project, "claim-045")
    flag_045(project)
    # Undo: the block as it was, logged as a save too.
    save(project, "claim-045", Restore({"status": "unreviewed"}))
    assert block_of(project, "claim-045") == before
    assert codes(project, "KD715") == [] and codes(project, "KD716") == []
    flag_045(project)
    # The record changed as the flag asks, its review set back: no erasure, the content is not what was flagged.
    edit(project / ADVERSE, block_of(project, "claim-045"), "review:\n  status: unreviewed")
    text = (project / ADVERSE).read_text(encoding="utf-8")
    start = text.index("id: claim-045\n")
    version = int(text[start:].split("\n", 2)[1].removeprefix("version: "))
    note = "notes:\n- text: Reworded after a reviewer's flag.\n  origin: external\n  reason: Editors' note.\n"
    edit(project / ADVERSE, f"id: claim-045\nversion: {version}\n", f"id: claim-045\nversion: {version + 1}\n{note}")
    assert codes(project, "KD715") == []


def test_a_review_block_written_by_hand_is_a_warning(project: Path) -> None:
    block = block_of(project, "claim-045")
    digest = content_sha256(project / ADVERSE, "claim-045")
    due = TODAY.replace(year=TODAY.year + 1)
    hand = ("review:\n  status: reviewed\n  reviewed_by: Jane Smith\n  reviewer_role: nurse\n"
            f"  reviewed_on: '{DAY}'\n  review_due: '{due}'\n  content_sha256: {digest}")  # fmt: skip
    edit(project / ADVERSE, block, hand)
    assert codes(project, "KD716") == ["claim-045"]
    code, said = run_main("validate", cwd=project)
    assert code == 0 and "not recorded through `ketdata review`" in said, said
    assert run_main("validate", "--strict", cwd=project)[0] == 1
    # The same reviewer's block saved through the workbench, then its name edited by hand: not the save logged.
    edit(project / ADVERSE, hand, block)
    save(project, "claim-045", Verdict("reviewed", "Jane Smith", "nurse"))
    assert codes(project, "KD716") == []
    edit(project / ADVERSE, "reviewed_by: Jane Smith\n", "reviewed_by: Dr Someone Else\n")
    assert codes(project, "KD716") == ["claim-045"]
