"""The seventh attack's findings on KD517: what checks or says less than the release is not released unseen.

Each test edits a copy of the project (``project``: data, releases, changelog) as the attacker did (A7-01, A7-02,
A7-07, A7-11, A7-14, A7-15) and checks, through the command line, that `ketdata validate` warns (KD517) and that
`ketdata release` refuses, writing nothing, until a maintainer names each weakened record with ``--accept-weaker``;
then the release lists each accepted weakening in its changelog section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ketdata._editor.release import WEAKENED
from ketdata._validation.pipeline import run

from .helpers import DAY, LATEST, bump, edit, project_files
from .helpers import run_main as cli


def weakened(project: Path) -> set[str]:
    """The records KD517 names in the project's data."""
    return {str(p.record_id) for p in run(project / "data").problems if p.code == "KD517"}


def accepting(ids: set[str]) -> list[str]:
    return [arg for rid in sorted(ids) for arg in ("--accept-weaker", rid)]


def withdraw_bladder_damage(data: Path) -> None:
    """A7-02: the only physical harm the article names, withdrawn "as a duplicate" and unlinked from its caveats."""
    text = (data / "claims/harms.yaml").read_text(encoding="utf-8")
    version = int(re.search(r"^id: claim-018\nversion: (\d+)\n", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    edit(data / "claims/harms.yaml", f"id: claim-018\nversion: {version}\nstatus: active\n",
         f"id: claim-018\nversion: {version + 1}\nstatus: withdrawn\nreason: Duplicate of claim-014.\n")  # fmt: skip
    caveats = data / "caveats.yaml"
    for cid in ("caveat-001", "caveat-005", "caveat-006"):
        block = caveats.read_text(encoding="utf-8").split(f"id: {cid}\n", 1)[1].split("\n---", 1)[0]
        if "- claim-018\n" in block:
            edit(caveats, block, block.replace("- claim-018\n", "", 1))
            bump(caveats, cid)


def delete_rule(data: Path) -> None:
    """A7-02: the strong-wording rule deleted outright."""
    rules = data / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    start = text.index("id: no-strong-words-for-weak-evidence\n")
    end = text.index("---\n", start) + len("---\n")
    rules.write_text(text[:start] + text[end:], encoding="utf-8")


def demote_rule(data: Path) -> None:
    """A7-02: the reassurance rule demoted to a warning."""
    text = (data / "rules.yaml").read_text(encoding="utf-8")
    start = text.index("id: no-reassurance-beside-side-effects\n")
    head = text[start : text.index("description:", start)]
    edit(data / "rules.yaml", head, head.replace("severity: error", "severity: warning"))


def trim_status_in_scope(data: Path) -> None:
    """A7-01: potential_treatment_for taken off the rule that keeps experimental benefits from being established."""
    edit(data / "rules.yaml", "- potential_treatment_for\n- alternative", "- alternative")


def add_route_phrase(data: Path) -> None:
    """A7-07: a side-effect phrase declared for the route predicate."""
    edit(data / "predicates.yaml", "- can also be taken\n", "- can also be taken\n- can have side effects, including\n")


def rewrite_why(data: Path) -> None:
    """A7-11: the published reason a decision row grades its claims as it does, rewritten to reassure."""
    edit(data / "evidence-statuses.yaml",
         "  why: 'Association is not causation: the article reports a link without saying ketamine causes it.'",
         "  why: These harms occur only with heavy recreational use, never at the doses used in therapy.")  # fmt: skip


def drop_only(data: Path) -> None:
    """A7-14: the supervision caveat without 'only', excused by a new leaves_out."""
    caveats = data / "caveats.yaml"
    edit(caveats, "ketamine should only be used under", "ketamine should be used under")
    edit(caveats, "leaves_out:\n- text: can have side effects, including hallucinations, confusion, and dizziness",
         "leaves_out:\n- text: only\n  why: An emphasis of the sentence; the guidance itself is kept.\n"
         "- text: can have side effects, including hallucinations, confusion, and dizziness")  # fmt: skip
    bump(caveats, "caveat-006")


def new_category(data: Path) -> None:
    """A7-15: a new category grading side effects as occasional and self-limiting."""
    edit(data / "categories.yaml", "id: adverse-effects\n",
         "id: occasional-adverse-effects\nlabel: Occasional adverse effects\ndefinition: Side effects of ketamine "
         "that occur only occasionally and resolve on their own.\nparent: adverse-effects\n---\n"
         "id: adverse-effects\n")  # fmt: skip


ATTACKS: dict[str, tuple[Callable[[Path], None], str]] = {
    "A7-02 harm withdrawn": (withdraw_bladder_damage, "claim-018"),
    "A7-02 rule deleted": (delete_rule, "no-strong-words-for-weak-evidence"),
    "A7-02 rule demoted": (demote_rule, "no-reassurance-beside-side-effects"),
    "A7-01 status-in-scope trimmed": (trim_status_in_scope, "experimental-benefits-never-established"),
    "A7-07 expressed_by added": (add_route_phrase, "can_also_be_taken_by_route"),
    "A7-11 decision row reworded": (rewrite_why, "reported-association"),
    "A7-14 caveat drops 'only'": (drop_only, "caveat-006"),
    "A7-15 new category": (new_category, "occasional-adverse-effects"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_weakening_is_warned_and_refuses_the_release_until_accepted_by_name(attack: str, project: Path) -> None:
    mutate, record = ATTACKS[attack]
    standing = weakened(project)  # KD517s the data carries until the next release, accepted with the attack's
    mutate(project / "data")
    assert weakened(project) - standing == {record}
    assert cli("validate", "--strict", cwd=project)[0] == 1
    before = project_files(project)
    code, said = cli("release", "--date", DAY, *accepting(standing), cwd=project)
    assert code == 1, said
    assert "not releasing" in said and f"--accept-weaker {record}" in said and "KD517" in said
    assert project_files(project) == before
    code, said = cli("release", "--dry-run", "--date", DAY, *accepting(standing), cwd=project)
    assert code == 1 and "would refuse" in said and f"--accept-weaker {record}" in said, said
    code, said = cli("release", "--dry-run", "--date", DAY, *accepting(standing | {record}), cwd=project)
    assert code == 0 and f"accepted (--accept-weaker {record})" in said and f"### {WEAKENED}" in said, said
    assert project_files(project) == before


@pytest.mark.parametrize("attack", ["A7-02 harm withdrawn", "A7-15 new category"])
def test_an_accepted_weakening_is_released_and_listed_in_the_changelog(attack: str, project: Path) -> None:
    mutate, record = ATTACKS[attack]
    standing = weakened(project)
    mutate(project / "data")
    code, said = cli("release", "--date", DAY, *accepting(standing | {record}), cwd=project)
    assert code == 0, said
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split("\n## [", 2)[1]
    assert not section.startswith(LATEST)
    listed = section.split(f"### {WEAKENED}\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert any(line.startswith(f"- `{record}`: ") and "KD517" not in line for line in listed), listed
    assert {line.split("`")[1] for line in listed} == standing | {record}
    # The release is the new baseline: nothing warns of it again, and the next release needs no acceptance.
    assert weakened(project) == set()
    assert cli("validate", "--strict", cwd=project)[0] == 0


def test_an_acceptance_naming_no_weakened_record_is_refused(project: Path) -> None:
    standing = weakened(project)
    trim_status_in_scope(project / "data")
    before = project_files(project)
    code, said = cli("release", "--date", DAY, *accepting(standing), "--accept-weaker", "claim-001", cwd=project)
    assert code == 2 and "claim-001" in said and "experimental-benefits-never-established" in said, said
    assert project_files(project) == before


def test_a_tightened_policy_is_no_weakening(project: Path) -> None:
    data = project / "data"
    standing = weakened(project)
    edit(data / "rules.yaml", "- potential_treatment_for\n", "- potential_treatment_for\n- can_be\n")
    edit(data / "predicates.yaml", "expressed_by:\n- can also be taken\n", "")
    assert weakened(project) - standing == set()
