"""The seventh attack's findings on who the data names (A7-08, A7-13, A7-04) and on the version of a weaker release.

Each test edits a copy of the project (``project``: data, releases, changelog) as the attacker did and checks, through
the command line or the library call it makes, what validation and ``ketdata release`` do.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from ketdata._cli import main
from ketdata._editor.release import MAINTAINERS_CHANGED, WEAKENED, bumped, release
from ketdata._validation.maintainers import clinical_word
from ketdata._validation.pipeline import run

from .helpers import DAY, EDIT_BUMP, LATEST, edit


def cli(*args: str, cwd: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(list(args), stdout=out, stderr=err)
    finally:
        os.chdir(here)
    return code, out.getvalue() + err.getvalue()


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes but the project's lock, which any command that may write takes (empty)."""
    files = (p for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != ".ketdata")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


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
    assert cli("validate", cwd=project)[0] == 1


def test_a_change_of_maintainers_refuses_the_release_until_accepted_and_is_listed(project: Path) -> None:
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: Jane Smith and Joe Bloggs\n  url: null")
    assert codes(project, "KD572") == ["ketdata"]
    assert codes(project, "KD573") == []
    code, said = cli("validate", cwd=project)
    assert code == 1 and "--accept-weaker ketdata" in said, said
    before = tree(project)
    code, said = cli("release", "--date", DAY, cwd=project)
    assert code == 1 and "not releasing" in said and "KD572" in said, said
    assert tree(project) == before
    code, said = cli("release", "--date", DAY, "--accept-weaker", "ketdata", cwd=project)
    assert code == 0, said
    section = (project / "CHANGELOG.md").read_text(encoding="utf-8").split("\n## [", 2)[1]
    listed = section.split(f"### {MAINTAINERS_CHANGED}\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(listed) == 1 and listed[0].startswith("- `ketdata`: maintainers changed"), listed
    assert WEAKENED not in section
    # The release is the new baseline: the new maintainers are what it compares with from now on.
    assert codes(project, "KD572") == []
    assert cli("validate", "--strict", cwd=project)[0] == 0


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
    code, said = cli("release", "--date", DAY, *(a for rid in weakened for a in ("--accept-weaker", rid)), cwd=project)
    assert code == 0 and f"## [{done.plan.version}]" in (project / "CHANGELOG.md").read_text(encoding="utf-8"), said


def test_an_accepted_change_of_maintainers_alone_is_no_weakening(project: Path) -> None:
    edit(project / "data/dataset.yaml", MAINTAINER, "- name: Jane Smith\n  url: null")
    done = release(project / "data", DAY, dry_run=True, accept_weaker=["ketdata"])
    assert done.plan.bump == EDIT_BUMP
