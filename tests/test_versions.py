"""Change control against the last release, the semantic diff, and cutting releases."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ketdata
import ketdata.diff
from ketdata import Problem
from ketdata._editor.release import bumped

from .helpers import (
    DAY,
    EDIT_BUMP,
    EDITED,
    LATEST,
    ROOT,
    SCHEMA_MOVED,
    accept_drafted,
    claim_record,
    edit,
    findings,
    line_of,
    link_to_caveats,
    released_version,
)

IDENTITY = "data/claims/identity.yaml"
SNAPSHOT = f"releases/{LATEST}.json"
PATCH, MINOR, MAJOR = (bumped(LATEST, b) for b in ("patch", "minor", "major"))
NEW_CLAIM = claim_record("claim-049")


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False)  # fmt: skip


def problems(project: Path) -> list[Problem]:
    return findings(project / "data")


def release_plan(project: Path) -> str:
    result = cli("release", "--dry-run", *accept_drafted(project / "data"), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def reword(project: Path, version: int | None) -> None:
    edit(project / IDENTITY, "statement: Ketamine is a medication.", "statement: ketamine is a medication.")
    if version is not None:
        edit(project / IDENTITY, "version: 2", f"version: {version}")


def test_shipped_records_equal_their_latest_release() -> None:
    result = cli("diff", SNAPSHOT, "data", cwd=ROOT)
    if "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"):
        # Changes drafted for the next release, not cut yet (only the lead releases): never a breaking one. The
        # draft may be about the code alone, with no record changed.
        assert result.stdout.startswith((f"{LATEST} -> {LATEST}: ", "no differences")), result.stdout
        assert "release bump: major" not in result.stdout
    elif result.returncode == 0:
        assert "no differences" in result.stdout
    else:
        # An additive schema change not released yet: the records are the released ones, the schema a minor bump.
        assert result.stdout.startswith(f"{LATEST} -> {LATEST}: 0 record(s) differ"), result.stdout
        assert "(minor)" in result.stdout and "(major)" not in result.stdout


def test_edit_without_bump_fails(project: Path) -> None:
    reword(project, None)
    (found,) = problems(project)
    assert (found.code, found.record_id) == ("KD501", "claim-001")
    assert (found.file, found.line) == (str(project / IDENTITY), line_of(project / IDENTITY, "version: 2"))
    assert "statement" in found.message and "set version: 3" in found.message
    assert cli("validate", cwd=project).returncode == 1


def test_edit_with_bump_passes_and_is_a_patch(project: Path) -> None:
    reword(project, 3)
    assert problems(project) == []
    assert f"release {EDITED} ({EDIT_BUMP} bump over {LATEST})" in release_plan(project)


def test_version_jump_and_bump_without_change(project: Path) -> None:
    reword(project, 4)
    assert [p.code for p in problems(project)] == ["KD502"]
    edit(project / IDENTITY, "statement: ketamine is a medication.", "statement: Ketamine is a medication.")
    assert [p.code for p in problems(project)] == ["KD503"]


def test_deleting_a_record_fails(project: Path) -> None:
    names = project / "data/claims/names.yaml"
    documents = names.read_text(encoding="utf-8").split("---\n")[1:]
    names.write_text("---\n" + "---\n".join(documents[1:]), encoding="utf-8")
    (found,) = [p for p in problems(project) if p.code == "KD504"]
    snapshot = project / SNAPSHOT
    assert (found.record_id, found.file) == ("claim-010", str(snapshot))
    assert found.line == line_of(snapshot, '"id":"claim-010"')


def withdraw(project: Path, claim: str = "claim-010", file: str = "data/claims/names.yaml") -> None:
    # One above the release, whether or not a drafted change raised it already.
    text = (project / file).read_text(encoding="utf-8")
    withdrawn, found = re.subn(
        rf"id: {claim}\nversion: \d+\nstatus: active",
        f"id: {claim}\nversion: {released_version(claim) + 1}\nstatus: withdrawn\n"
        "reason: Street names are not claims about the drug.",
        text,
    )
    assert found == 1
    (project / file).write_text(withdrawn, encoding="utf-8")
    link_to_caveats(project / "data", claim, unlink=True)


def test_withdrawing_a_record_passes_and_is_major(project: Path) -> None:
    withdraw(project)
    assert problems(project) == []
    plan = release_plan(project)
    assert f"release {MAJOR} (major bump over {LATEST})" in plan
    assert "### Removed" in plan and "`claim-010` withdrawn: Street names are not claims" in plan


@pytest.mark.parametrize(
    ("claim", "file", "expected"),
    [
        ("claim-016", "data/claims/harms.yaml", [("KD517", "claim-016")]),  # a harm only it states
        ("claim-045", "data/claims/adverse-effects.yaml", []),  # a side effect caveat-005 states too
        ("claim-010", "data/claims/names.yaml", []),  # a street name: its claims need no caveat
    ],
)
def test_withdrawing_a_claim_that_needs_caveats_warns_unless_another_record_states_it(
    project: Path, claim: str, file: str, expected: list[tuple[str, str]]
) -> None:
    withdraw(project, claim, file)
    assert [(p.code, p.record_id) for p in problems(project)] == expected


def test_withdrawn_record_cannot_come_back(project: Path) -> None:
    withdraw(project)
    assert cli("release", "--date", DAY, *accept_drafted(project / "data"), cwd=project).returncode == 0
    withdrawn = released_version("claim-010") + 1
    edit(project / "data/claims/names.yaml", f"version: {withdrawn}\nstatus: withdrawn",
         f"version: {withdrawn + 1}\nstatus: active")  # fmt: skip
    assert "KD505" in [p.code for p in problems(project)]


def test_adding_a_record_is_minor(project: Path) -> None:
    with (project / "data/claims/identity.yaml").open("a", encoding="utf-8") as claims:
        claims.write(NEW_CLAIM)
    link_to_caveats(project / "data", "claim-049")
    # It states claim-001's triple again: a warning (KD636), which does not keep it from a release.
    assert [(p.code, p.record_id) for p in problems(project)] == [("KD636", "claim-049")]
    plan = release_plan(project)
    assert f"release {MINOR} (minor bump over {LATEST})" in plan and "`claim-049` added" in plan


def test_new_record_starts_at_version_one(project: Path) -> None:
    with (project / "data/claims/identity.yaml").open("a", encoding="utf-8") as claims:
        claims.write(NEW_CLAIM.replace("version: 1", "version: 2"))
    link_to_caveats(project / "data", "claim-049")
    assert [(p.code, p.record_id) for p in problems(project)] == [("KD506", "claim-049"), ("KD636", "claim-049")]


def test_release_writes_snapshot_version_changelog_and_exports(project: Path) -> None:
    reword(project, 3)
    result = cli("release", "--date", DAY, *accept_drafted(project / "data"), cwd=project)
    assert result.returncode == 0, result.stderr
    snapshot = json.loads((project / f"releases/{EDITED}.json").read_text(encoding="utf-8"))
    assert snapshot["dataset"]["version"] == EDITED and snapshot["dataset"]["release_date"] == DAY
    assert ketdata.load(project / "data").version == EDITED
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## [{EDITED}] - {DAY}") < changelog.index(f"## [{LATEST}]")
    assert "### Changed" in changelog and "`claim-001` (version 3): `statement`" in changelog
    assert json.loads((project / "exports/manifest.json").read_text(encoding="utf-8"))["dataset_version"] == EDITED
    assert problems(project) == []
    again = cli("release", cwd=project)
    assert again.returncode == 0 and "nothing to release" in again.stderr


def test_release_folds_the_unreleased_draft_into_its_section(project: Path) -> None:
    head, _, older = (project / "CHANGELOG.md").read_text(encoding="utf-8").partition("\n## [")
    draft = ("## [Unreleased]\n\nWhy: the editors' words.\n\n### Changed\n\n- Drafted by hand.\n\n"
             "### Security\n\n- A kind the generator never writes.\n")  # fmt: skip
    older = older if older.startswith(LATEST) else older.partition("\n## [")[2]
    (project / "CHANGELOG.md").write_text(f"{head}\n{draft}\n## [{older}", encoding="utf-8")
    reword(project, 3)
    assert cli("release", "--date", DAY, *accept_drafted(project / "data"), cwd=project).returncode == 0
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog[changelog.index(f"## [{EDITED}]") : changelog.index(f"## [{LATEST}]")]
    assert "Unreleased" not in changelog
    at = section.index
    assert at("Why: the editors' words.") < at("### Changed") < at("- Drafted by hand.")
    assert at("- Drafted by hand.") < at("`claim-001` (version 3)") < at("### Security")
    assert section.count("### Changed") == 1


def test_release_refuses_invalid_data(project: Path) -> None:
    reword(project, None)
    result = cli("release", cwd=project)
    assert result.returncode == 1 and "KD501" in result.stderr
    assert not (project / f"releases/{EDITED}.json").exists()


def test_dry_run_writes_nothing(project: Path) -> None:
    reword(project, 3)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    release_plan(project)
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_diff_formats_and_exit_codes(project: Path) -> None:
    # Changes drafted since the release but not released yet are there before the edit: only the edit's count.
    before = cli("diff", SNAPSHOT, "data", "--format", "json", cwd=project).stdout or '{"changes": []}'
    pending = {json.dumps(c, sort_keys=True) for c in json.loads(before)["changes"]}
    reword(project, 3)
    withdraw(project)
    text = cli("diff", SNAPSHOT, "data", cwd=project)
    assert text.returncode == 1
    assert 'statement: "Ketamine is a medication." -> "ketamine is a medication."' in text.stdout
    assert "claim-010 withdrawn" in text.stdout and text.stdout.index("claims:") < text.stdout.index("claim-001")
    data = json.loads(cli("diff", SNAPSHOT, "data", "--format", "json", cwd=project).stdout)
    assert data["bump"] == "major"
    data["changes"] = [c for c in data["changes"] if json.dumps(c, sort_keys=True) not in pending]
    claims = {(c["id"], c["change"]) for c in data["changes"] if c["id"].startswith("claim-")}
    assert claims == {("claim-001", "changed"), ("claim-010", "withdrawn")}
    # Withdrawing a claim takes it out of the caveats whose scope held it: each of them changes too.
    assert {c["id"] for c in data["changes"] if c["id"].startswith("caveat-")} == {
        "caveat-001",
        "caveat-005",
        "caveat-006",
    }
    markdown = cli("diff", SNAPSHOT, "data", "--format", "markdown", cwd=project).stdout
    assert "### Claims" in markdown and "- `claim-010` withdrawn" in markdown


def test_diff_library_returns_typed_changes(project: Path) -> None:
    old = ketdata.load(project / "data")  # the data before the edit (released, or drafted for the next release)
    reword(project, 3)
    change = ketdata.diff.diff(old, ketdata.load(project / "data"))
    (record,) = change.changes
    assert isinstance(record, ketdata.diff.RecordChange)
    assert (record.id, record.change, record.old_version, record.new_version) == ("claim-001", "changed", 2, 3)
    assert record.fields == (
        ketdata.diff.FieldChange("statement", "Ketamine is a medication.", "ketamine is a medication."),
    )
    assert change.bump() == "patch"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=cwd, check=True,
                   capture_output=True)  # fmt: skip


def test_diff_between_git_revisions(project: Path) -> None:
    shutil.copytree(ROOT / "schema", project / "schema")
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "1.0.0", cwd=project)
    git("tag", "v1.0.0", cwd=project)
    reword(project, 3)
    git("commit", "-qam", "reword", cwd=project)
    result = cli("diff", "v1.0.0", "HEAD", cwd=project)
    assert result.returncode == 1, result.stderr
    assert "claim-001 changed (v2 -> v3)" in result.stdout
    assert cli("diff", "v1.0.0", "v1.0.0", cwd=project).returncode == 0
    assert cli("diff", "v1.0.0", "data", cwd=project).returncode == 1
    bad = cli("diff", "no-such-tag", "HEAD", cwd=project)
    assert bad.returncode == 2 and "not a folder, a snapshot file or a git revision" in bad.stderr


@pytest.mark.parametrize(("old", "new", "bump"), [("1.2.3", "2.0.0", "major"), ("1.2.3", "1.3.0", "minor")])
def test_schema_version_changes_drive_the_bump(old: str, new: str, bump: str) -> None:
    from ketdata._model.diff import schema_bump

    assert schema_bump(old, new) == bump


def test_diff_takes_a_released_version_number_on_a_clone_without_tags(project: Path) -> None:
    for old in ("1.0.0", "v1.0.0"):
        result = cli("diff", old, "data", cwd=project)
        assert result.returncode == 1, result.stderr
        assert result.stdout.startswith("1.0.0 -> ")
    version = ketdata.load(project / "data").version
    same = cli("diff", version, "data", cwd=project)
    # The number names the released snapshot: the same answer as the snapshot's file (the data may hold changes
    # not released yet; with none, only a moved schema differs).
    by_file = cli("diff", str(project / "releases" / f"{version}.json"), "data", cwd=project)
    assert same.returncode == by_file.returncode != 2, (same.stdout, by_file.stdout)
    assert same.returncode in (int(SCHEMA_MOVED), 1), same.stdout
    unknown = cli("diff", "9.9.9", "data", cwd=project)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_diff_exits_two_when_it_cannot_read_its_inputs(project: Path) -> None:
    (project / "broken.json").write_text("{}", encoding="utf-8")
    (project / "data/claims/identity.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    for old in ("broken.json", "data"):
        result = cli("diff", old, "releases/1.0.0.json", cwd=project)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (old, result.stderr)


def test_a_release_date_after_today_is_a_usage_error(project: Path) -> None:
    import datetime

    reword(project, 3)
    tomorrow = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)).isoformat()
    for date in (tomorrow, "9999-12-31"):
        for dry in ([], ["--dry-run"]):
            result = cli("release", "--date", date, *dry, cwd=project)
            assert result.returncode == 2, result.stdout + result.stderr
            assert f"release date {date} is after today" in result.stderr and "Traceback" not in result.stderr
    assert not (project / f"releases/{EDITED}.json").exists()


_X, _Y, _Z = (int(n) for n in LATEST.split("."))
JUMPS = ["99.0.0", f"{_X}.{_Y}.{_Z + 2}", f"{_X}.{_Y + 1}.1", f"{_X}.{_Y + 2}.0", f"{_X + 1}.1.0", f"{_X + 2}.0.0"]


@pytest.mark.parametrize("version", JUMPS)
def test_a_dataset_version_beyond_the_next_release_step_is_located(project: Path, version: str) -> None:
    edit(project / "data/dataset.yaml", f"version: {LATEST}", f"version: {version}")
    (found,) = [p for p in problems(project) if p.code == "KD515"]
    assert (found.file, found.line, found.column) == (str(project / "data/dataset.yaml"), 4, 1)
    assert f"version '{version}' jumps beyond the next release after {LATEST} ({PATCH}, {MINOR}, {MAJOR})" \
        in found.message  # fmt: skip
    assert cli("validate", cwd=project).returncode == 1


@pytest.mark.parametrize("version", [LATEST, PATCH, MINOR, MAJOR])
def test_the_next_release_steps_are_no_jump(project: Path, version: str) -> None:
    edit(project / "data/dataset.yaml", f"version: {LATEST}", f"version: {version}")
    assert [p for p in problems(project) if p.code == "KD515"] == []


def test_a_release_that_would_take_the_version_back_is_a_data_problem(project: Path) -> None:
    # The dataset says a step beyond the one its only change, a reworded claim, calls for.
    reword(project, 3)
    ahead = MINOR if EDIT_BUMP == "patch" else MAJOR
    edit(project / "data/dataset.yaml", f"version: {LATEST}", f"version: {ahead}")
    edit(project / "data/dataset.yaml", "release_date: '", "release_date: null\n# was: '")  # not cut yet
    assert [p.code for p in problems(project)] == []
    result = cli("release", "--dry-run", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    first = (result.stdout + result.stderr).splitlines()[0]
    assert first.startswith(f"data/dataset.yaml:4:1: ketdata: KD515 version {ahead} is ahead of release {EDITED}")
    assert "not releasing" in result.stdout + result.stderr


def test_a_snapshot_named_for_another_release_is_located(project: Path) -> None:
    import hashlib

    copy = project / "releases/9.0.0.json"
    shutil.copy(project / SNAPSHOT, copy)
    with (project / "releases/SHA256SUMS").open("a", encoding="utf-8") as sums:
        sums.write(f"{hashlib.sha256(copy.read_bytes()).hexdigest()}  9.0.0.json\n")
    found = [p for p in problems(project) if p.code == "KD516"]
    assert [(p.file, p.line) for p in found] == [(str(copy), line_of(copy, '"dataset"'))]
    assert f"named for release 9.0.0 but holds release '{LATEST}'" in found[0].message
    diff = cli("diff", "releases/9.0.0.json", "data", cwd=project)
    assert diff.returncode == 2 and "cannot be trusted as a release" in diff.stderr


def test_a_check_weakened_since_the_release_is_a_warning(project: Path) -> None:
    rules, caveats = project / "data/rules.yaml", project / "data/caveats.yaml"
    edit(rules, "kind: strong-wording\nseverity: error", "kind: strong-wording\nseverity: info")
    edit(rules, "- cures\n", "")
    # A safety warning withdrawn (with its version raised, so only the weakening is left to say).
    text = caveats.read_text(encoding="utf-8")
    start = text.index("id: caveat-001\n")
    version = int(text[start:].split("version: ", 1)[1].split("\n", 1)[0])
    block = text[start : text.index("---", start) if "---" in text[start:] else len(text)]
    released = next(
        c["version"] for c in json.loads((project / SNAPSHOT).read_text())["caveats"] if c["id"] == "caveat-001"
    )
    changed = block.replace(f"version: {version}\n", f"version: {released + 1}\n", 1)
    changed = changed.replace("status: active\n", "status: withdrawn\nreason: Said elsewhere.\n", 1)
    caveats.write_text(text.replace(block, changed), encoding="utf-8")
    found = [(p.code, p.severity.value, p.file, p.record_id, p.line) for p in problems(project) if p.code == "KD517"]
    assert found == [
        ("KD517", "warning", str(caveats), "caveat-001", line_of(caveats, "status: withdrawn")),
        ("KD517", "warning", str(rules), "no-strong-words-for-weak-evidence", line_of(rules, "severity: info")),
        ("KD517", "warning", str(rules), "no-strong-words-for-weak-evidence", line_of(rules, "words:")),
    ], found
    assert cli("validate", cwd=project).returncode == 0  # a warning: said, and --strict fails
    assert cli("validate", "--strict", cwd=project).returncode == 1


def test_a_rule_removed_since_the_release_is_a_warning_and_a_stronger_one_is_not(project: Path) -> None:
    rules = project / "data/rules.yaml"
    text = rules.read_text(encoding="utf-8")
    # Stronger: a word added to the strong-wording list, a connective taken off the words a statement may add.
    edit(rules, "- cures\n", "- cures\n- miracle\n")
    edit(rules, "words:\n- the\n", "words:\n")
    assert [p for p in problems(project) if p.code == "KD517"] == []
    # Looser: a connective a statement may now add without a quote.
    edit(rules, "words:\n- has\n", "words:\n- has\n- always\n")
    (looser,) = [p for p in problems(project) if p.code == "KD517"]
    assert (
        "rule statements-say-only-their-evidence checks less" in looser.message
        and "words added: 'always'" in looser.message
    )
    rules.write_text(text, encoding="utf-8")
    documents = text.split("---\n")
    (gone,) = [d for d in documents if "id: caveats-apply-to-active-claims\n" in d]
    rules.write_text("---\n".join(d for d in documents if d is not gone), encoding="utf-8")
    (found,) = [p for p in problems(project) if p.code == "KD517"]
    assert (found.file, found.record_id) == (str(project / SNAPSHOT), "caveats-apply-to-active-claims")
    assert "is gone: what it checked is no longer checked" in found.message
