"""Every command that writes is one transaction under the project's lock, and trusts no state file it did not write.

Each writing command (new, fmt, release, export, a review save) is attacked the same ways: killed at random
moments, stopped at every step of its commit, run against another writer, given a file-size limit, and
given a planted or edited journal. After any of them the project holds exactly what it held before the
command or exactly what it holds after a complete run, and no temporary file is left.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import io
import itertools
import json
import os
import random
import re
import resource
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ketdata
from ketdata._cli import main
from ketdata._editor.verdict import Verdict, record_stamp, write_review
from ketdata._io import transaction
from ketdata._io.files import TMP_TAG
from ketdata._io.transaction import STATE_DIR, locked
from ketdata._io.yaml import read_documents

from .helpers import DATA, DAY, EDITED, LATEST, ROOT, accept_drafted, edit, is_drafted

KILLS = int(os.environ.get("KETDATA_KILLS", "4"))
PYTHON = sys.executable
NEXT = EDITED

SUPERVISION = ("In therapy, ketamine is typically administered in low doses and under the supervision of a trained "
               "medical professional")  # fmt: skip
CONTEXT = ["--context", "Ketamine is also used illicitly as a recreational drug"]
NEW_CLAIM = [
    "new", "claim", "--statement", "Ketamine has the ability to induce a dissociative and euphoric state.",
    "--subject", "ketamine", "--predicate", "has_property", "--value", "induce a dissociative and euphoric state",
    "--category", "effects", "--evidence", "established", *CONTEXT, "--quote", "its ability to induce a dissociative "
    "and euphoric state", "--caveat", "caveat-001", "--caveat", "caveat-005", "--caveat", "caveat-006",
    "--data", "data",
]  # fmt: skip
OTHER_CLAIM = [
    "new", "claim", "--statement", f"{SUPERVISION}.", "--subject", "ketamine-therapy", "--predicate",
    "typically_administered_at_dose", "--value", SUPERVISION.partition(" in ")[2],
    "--category", "therapy-practice", "--evidence", "not-applicable", "--hedge", "typically", "--quote", SUPERVISION,
    "--caveat", "caveat-002", "--caveat", "caveat-003", "--caveat", "caveat-005", "--caveat", "caveat-006",
    "--data", "data",
]  # fmt: skip
REVIEW_SCRIPT = """
import datetime, sys
from pathlib import Path
from ketdata._editor.verdict import ReviewConflictError, ReviewRefusedError, Verdict, write_review
try:
    write_review(Path("data"), sys.argv[1], Verdict("reviewed", "Ann Example", "pharmacist"), sys.argv[2],
                 datetime.date(2026, 12, 1))
except (ReviewConflictError, ReviewRefusedError, OSError) as exc:
    sys.exit(f"not saved: {exc}")
print("saved")
"""
IDENTITY = "data/claims/identity.yaml"


def reword(project: Path) -> None:
    """A wording change to claim-001 with its version raised: a valid patch to release or export."""
    path = project / IDENTITY
    text = path.read_text(encoding="utf-8")
    version = int(text.split("version: ", 1)[1].split("\n", 1)[0])
    edit(path, f"version: {version}", f"version: {version + 1}")
    edit(path, "Ketamine is a medication.", "ketamine is a medication.")


def uncanonical(project: Path) -> None:
    """Two data files out of canonical form (a blank line before each record), for fmt to rewrite."""
    for name in ("data/claims/identity.yaml", "data/caveats.yaml"):
        path = project / name
        path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", "\n\n---\n"), encoding="utf-8")


def seen(project: Path) -> str:
    """What a review page of claim-001 carries to its save: the record's stamp as read now."""
    path = project / IDENTITY
    documents, _ = read_documents(path.read_bytes(), str(path))
    (value,) = [d.value for d in documents if d.value["id"] == "claim-001"]
    return record_stamp(value)


@dataclass(frozen=True)
class Command:
    """A writing command: what to change first, and its command line (run in the project)."""

    prepare: Callable[[Path], None]
    argv: Callable[[Path], list[str]]


COMMANDS = {
    "new": Command(lambda p: None, lambda p: [PYTHON, "-m", "ketdata", *NEW_CLAIM]),
    "fmt": Command(uncanonical, lambda p: [PYTHON, "-m", "ketdata", "fmt", "data"]),
    "release": Command(
        reword, lambda p: [PYTHON, "-m", "ketdata", "release", "data", "--date", DAY, *accept_drafted(p / "data")]
    ),
    "export": Command(reword, lambda p: [PYTHON, "-m", "ketdata", "export", "data"]),
    "review": Command(lambda p: None, lambda p: [PYTHON, "-c", REVIEW_SCRIPT, "claim-001", seen(p)]),
}


def make_project(root: Path) -> Path:
    for name in ("data", "releases", "exports"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file and folder of a project (ketdata's own .ketdata/ aside): what "before" and "after" compare."""
    found: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != STATE_DIR]
        for name in dirs + names:
            path = Path(folder) / name
            key = path.relative_to(root).as_posix()
            found[key] = b"<link>" if path.is_symlink() else b"<dir>" if path.is_dir() else path.read_bytes()
    return found


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TMP_TAG in p.name or p.name == "journal.json"]


def recover(root: Path) -> None:
    """What the next writing command does first: take the lock, which finishes or undoes a change."""
    with locked(root):
        pass


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, bytes], dict[str, bytes], float]]:
    """Each command's project before and after a complete run, and how long the run took."""
    found = {}
    for name, command in COMMANDS.items():
        project = make_project(tmp_path_factory.mktemp(name) / "project")
        command.prepare(project)
        before = tree(project)
        start = time.monotonic()
        result = subprocess.run(command.argv(project), cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, (name, result.stderr)
        found[name] = (before, tree(project), time.monotonic() - start)
        assert found[name][0] != found[name][1], name
    return found


def fresh(tmp_path: Path, name: str) -> Path:
    project = make_project(tmp_path / "project")
    COMMANDS[name].prepare(project)
    return project


# --- kill -9 at random moments, every command ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_killed_at_any_moment_leaves_the_project_before_or_after(
    name: str, tmp_path: Path, outcomes: dict[str, Any]
) -> None:
    before, after, span = outcomes[name]
    rng = random.Random(f"{name}-20")
    for n in range(KILLS):
        project = tmp_path / f"run{n}"
        make_project(project)
        COMMANDS[name].prepare(project)
        proc = subprocess.Popen(COMMANDS[name].argv(project), cwd=project, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.05, span))
        proc.kill()
        proc.wait()
        recover(project)
        assert tree(project) in (before, after), n
        assert leftovers(project) == []


# --- a crash at every step of the commit, every command --------------------------------------------------


class Crash(BaseException):
    """Stands for a kill: nothing after it runs, and no clean-up either."""


def run_in_process(name: str, project: Path) -> None:
    argv = COMMANDS[name].argv(project)
    if name == "review":
        write_review(project / "data", "claim-001", Verdict("reviewed", "Ann Example", "pharmacist"), argv[-1],
                     datetime.date(2026, 12, 1))  # fmt: skip
        return
    cwd = Path.cwd()
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(argv[3:]) == 0
    finally:
        os.chdir(cwd)


@contextlib.contextmanager
def crash_at(step: str, nth: int) -> Iterator[None]:
    """Make the ``nth`` call of a step of `transaction.commit` crash, as a kill would, leaving what it left."""
    with pytest.MonkeyPatch.context() as patch:
        real = getattr(transaction, step)
        calls = itertools.count()

        def crashing(*args: Any, **kwargs: Any) -> Any:
            if next(calls) == nth:
                raise Crash
            return real(*args, **kwargs)

        patch.setattr(transaction, step, crashing)
        patch.setattr(transaction, "_discard", lambda *args: None)
        yield


TARGETS = {"new": 2, "fmt": 2, "release": 5, "export": 1, "review": 1}  # files (or folders) each one changes


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_crash_at_every_step_of_the_commit_leaves_before_or_after(
    name: str, tmp_path: Path, outcomes: dict[str, Any]
) -> None:
    before, after, _ = outcomes[name]
    steps = [("_stage", k) for k in range(TARGETS[name])] + [("_write_journal", 1)]
    steps += [("_apply", k) for k in range(TARGETS[name])]
    for n, (step, nth) in enumerate(steps):
        project = make_project(tmp_path / f"run{n}")
        COMMANDS[name].prepare(project)
        with crash_at(step, nth), pytest.raises(Crash):
            run_in_process(name, project)
        pending = [p.code for p in ketdata.validate(project / "data") if p.code in ("KD509", "KD510")]
        assert pending == ["KD509"], (step, nth)
        recover(project)
        # Before the journal says "committed" the change is undone; from then on it is finished.
        assert tree(project) == (before if step != "_apply" else after), (step, nth)
        assert leftovers(project) == []


def test_a_crash_between_the_two_renames_of_a_folder_is_finished(tmp_path: Path, outcomes: dict[str, Any]) -> None:
    _, after, _ = outcomes["export"]
    project = fresh(tmp_path, "export")
    with pytest.MonkeyPatch.context() as patch:
        renames = itertools.count()
        real = os.rename

        def rename(a: Any, b: Any) -> None:
            if next(renames) == 1:  # the old folder moved aside, the new one not yet in its place
                raise Crash
            real(a, b)

        patch.setattr(transaction.os, "rename", rename)
        patch.setattr(transaction, "_discard", lambda *args: None)
        with pytest.raises(Crash):
            run_in_process("export", project)
    assert not (project / "exports").exists()
    recover(project)
    assert tree(project) == after
    assert leftovers(project) == []


# --- two writers at once ----------------------------------------------------------------------------------


def start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def statements(project: Path) -> set[str]:
    return {c.statement for c in ketdata.load(project / "data").claims}


def errors(project: Path) -> list[str]:
    return [str(p) for p in ketdata.validate(project / "data") if p.severity.value == "error"]


def test_two_new_at_once_never_lose_a_record_nor_share_an_id(tmp_path: Path) -> None:
    for n in range(3):
        project = make_project(tmp_path / f"run{n}")
        runs = [start([PYTHON, "-m", "ketdata", *argv], project) for argv in (NEW_CLAIM, OTHER_CLAIM)]
        outputs = [run.communicate() for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        ids = {out.split("\t")[0] for out, _ in outputs}
        assert ids == {"claim-049", "claim-050"}, outputs
        assert {NEW_CLAIM[3], OTHER_CLAIM[3]} <= statements(project)
        assert errors(project) == []


def test_new_and_a_review_save_at_once_never_report_a_success_that_is_not_on_disk(tmp_path: Path) -> None:
    reviewed = 0
    for n in range(4):
        project = make_project(tmp_path / f"run{n}")
        page = seen(project)
        # Each starts first in turn, so that both orders are tried.
        if n % 2:
            claim = start([PYTHON, "-m", "ketdata", *NEW_CLAIM], project)
            review = start([PYTHON, "-c", REVIEW_SCRIPT, "claim-001", page], project)
        else:
            review = start([PYTHON, "-c", REVIEW_SCRIPT, "claim-001", page], project)
            claim = start([PYTHON, "-m", "ketdata", *NEW_CLAIM], project)
        (_, claim_err), (review_out, review_err) = claim.communicate(), review.communicate()
        assert claim.returncode == 0, claim_err
        assert NEW_CLAIM[3] in statements(project)
        if review.returncode == 0:
            reviewed += 1
            record = ketdata.load(project / "data").get("claim-001")
            assert record is not None and record.review.status == "reviewed"
            assert "saved" in review_out
        else:  # the save saw the file change since the page was shown: refused, and says so
            assert "changed on disk" in review_err, review_err
        assert errors(project) == []
    assert reviewed, "the review save never won a race; the test proves nothing"


def test_two_exports_at_once_leave_one_whole_set_and_remove_nothing_of_each_other(tmp_path: Path) -> None:
    for n in range(3):
        project = make_project(tmp_path / f"run{n}")
        runs = [start([PYTHON, "-m", "ketdata", "export", "data"], project) for _ in range(2)]
        outputs = [run.communicate() for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        manifest = json.loads((project / "exports/manifest.json").read_bytes())
        for entry in manifest["files"]:
            assert hashlib.sha256((project / "exports" / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
        assert leftovers(project) == []


def test_fmt_during_a_release_loses_neither(tmp_path: Path) -> None:
    for n in range(2):
        project = make_project(tmp_path / f"run{n}")
        reword(project)
        uncanonical(project)
        release = start(
            [PYTHON, "-m", "ketdata", "release", "data", "--date", DAY, *accept_drafted(project / "data")], project
        )
        time.sleep(0.3 * n)
        fmt = start([PYTHON, "-m", "ketdata", "fmt", "data"], project)
        (_, release_err), (_, fmt_err) = release.communicate(), fmt.communicate()
        assert (release.returncode, fmt.returncode) == (0, 0), (release_err, fmt_err)
        assert (project / f"releases/{NEXT}.json").is_file()
        assert ketdata.load(project / "data").info.version == NEXT
        check = subprocess.run([PYTHON, "-m", "ketdata", "fmt", "--check", "data"], cwd=project, capture_output=True)
        assert check.returncode == 0, check.stdout
        assert errors(project) == []


# --- a file-size limit (a full disk fails the same write) on the second of several files -------------------


def limited(argv: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess[str]:
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, preexec_fn=set_limit)


@pytest.mark.parametrize(
    ("name", "limit", "stopped_at"),
    [
        ("release", 50_000, f"releases/{NEXT}.json"),  # dataset.yaml (1 kB) fits, the snapshot (100 kB) does not
        ("fmt", 3_000, "data/caveats.yaml"),  # identity.yaml (1 kB) fits, caveats.yaml (7 kB) does not
        ("export", 20_000, "exports/"),
        ("new", 6_000, "data/"),
        ("review", 500, IDENTITY),
    ],
)
def test_a_file_size_limit_leaves_the_project_as_it_was(
    name: str, limit: int, stopped_at: str, tmp_path: Path, outcomes: dict[str, Any]
) -> None:
    before, after, _ = outcomes[name]
    project = fresh(tmp_path, name)
    result = limited(COMMANDS[name].argv(project), project, limit)
    assert result.returncode != 0, result.stderr
    assert "File too large" in result.stderr and stopped_at in result.stderr, result.stderr
    assert tree(project) == before
    assert leftovers(project) == []
    assert subprocess.run(COMMANDS[name].argv(project), cwd=project, capture_output=True).returncode == 0
    assert tree(project) == after


@pytest.mark.parametrize(("name", "second"), [("new", "caveats.yaml"), ("fmt", "caveats.yaml"),
                                              ("release", f"{NEXT}.json")])  # fmt: skip
def test_a_full_disk_on_the_second_file_leaves_the_project_as_it_was(
    name: str, second: str, tmp_path: Path, outcomes: dict[str, Any]
) -> None:
    before, _, _ = outcomes[name]
    project = fresh(tmp_path, name)
    real, calls = transaction.write_new, itertools.count()

    def disk_full_on_the_second(path: Path, data: Any) -> None:
        if next(calls) == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    err = io.StringIO()
    cwd = Path.cwd()
    os.chdir(project)
    try:
        with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
            patch.setattr(transaction, "write_new", disk_full_on_the_second)
            with contextlib.redirect_stderr(err):
                assert main(COMMANDS[name].argv(project)[3:]) == 2
    finally:
        os.chdir(cwd)
    assert "No space left on device" in err.getvalue() and second in err.getvalue(), err.getvalue()
    assert tree(project) == before
    assert leftovers(project) == []


# --- journals ketdata did not write here -----------------------------------------------------------------------


FOREIGN = {"format": "ketdata-transaction", "state": "committed", "token": "1_ab", "folder": "1:2", "entries": []}
PLANTED = {"garbage": b"not a journal", "foreign": json.dumps(FOREIGN).encode()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_a_planted_journal_stops_every_writer_and_changes_nothing(name: str, planted: str, tmp_path: Path) -> None:
    project = fresh(tmp_path, name)
    (project / STATE_DIR).mkdir(mode=0o700)
    (project / STATE_DIR / "journal.json").write_bytes(PLANTED[planted])
    before = tree(project)
    result = subprocess.run(COMMANDS[name].argv(project), cwd=project, capture_output=True, text=True)
    assert result.returncode == (1 if name == "review" else 2), result.stderr
    assert "journal ketdata wrote" in result.stderr and "Traceback" not in result.stderr
    assert tree(project) == before
    found = ketdata.validate(project / "data")
    assert [p.code for p in found if p.code.startswith("KD51") and not is_drafted(p)] == ["KD510"]


def interrupted_release(project: Path) -> None:
    """A release stopped just after its commit point: a journal that the next lock would finish."""
    reword(project)
    with crash_at("_apply", 0), pytest.raises(Crash):
        run_in_process("release", project)


def test_an_edited_journal_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    interrupted_release(project)
    journal = project / STATE_DIR / "journal.json"
    text = journal.read_bytes()
    # Point the change at another snapshot's name: that file holds neither the bytes before nor those after.
    journal.write_bytes(text.replace(f"releases/{NEXT}.json".encode(), f"releases/{LATEST}.json".encode()))
    before = tree(project)
    with pytest.raises(transaction.TransactionError, match=re.escape(f"{LATEST}.json holds neither")):
        recover(project)
    assert tree(project) == before
    assert [p.code for p in ketdata.validate(project / "data") if p.code in ("KD509", "KD510")] == ["KD510"]


def test_a_journal_whose_files_changed_since_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    interrupted_release(project)
    edit(project / "CHANGELOG.md", "# Changelog", "# Changelog (edited meanwhile)")
    before = tree(project)
    with pytest.raises(transaction.TransactionError, match="neither what it held before"):
        recover(project)
    assert tree(project) == before
    result = subprocess.run([PYTHON, "-m", "ketdata", "fmt", "data"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 2 and "CHANGELOG.md holds neither" in result.stderr
    assert tree(project) == before


def test_a_journal_from_another_project_is_refused(tmp_path: Path) -> None:
    mine, theirs = make_project(tmp_path / "mine"), make_project(tmp_path / "theirs")
    interrupted_release(theirs)
    with transaction.locked(mine):
        pass  # mine has a .ketdata/ folder of its own
    shutil.copy(theirs / STATE_DIR / "journal.json", mine / STATE_DIR / "journal.json")
    with pytest.raises(transaction.TransactionError, match=r"not a journal ketdata wrote.*another folder"):
        recover(mine)


def test_a_journal_carried_with_a_copy_of_the_project_changes_nothing(tmp_path: Path) -> None:
    """A checkout, an archive or a copy carries the journal and its staged files, never the folder they name."""
    project = make_project(tmp_path / "project")
    interrupted_release(project)
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, symlinks=True)
    (copy / STATE_DIR).chmod(0o700)
    before = tree(copy)
    result = subprocess.run([PYTHON, "-m", "ketdata", "fmt", "data"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 2 and "not a journal ketdata wrote here" in result.stderr, result.stderr
    assert tree(copy) == before
    assert [p.code for p in ketdata.validate(copy / "data") if p.code in ("KD509", "KD510")] == ["KD510"]
    recover(project)  # where it was written, the same journal finishes the release
    assert (project / f"releases/{NEXT}.json").is_file()


def test_a_planted_release_journal_finishes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    reword(project)
    forged = {"version": "99.0.0", "dataset": "id: forged\n", "snapshot": "{}", "checksums": "", "changelog": ""}
    (project / "releases/.release-journal.json").write_text(json.dumps(forged), encoding="utf-8")
    before = tree(project)
    result = subprocess.run([PYTHON, "-m", "ketdata", "release", "data", "--date", DAY], cwd=project,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and "KD510" in result.stderr, result.stdout + result.stderr
    assert tree(project) == before


# --- one state, wherever the command runs from -------------------------------------------------------------


def codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return sorted((p["code"], Path(p["file"]).name) for p in json.loads(result.stdout))


def test_the_release_history_applies_from_inside_the_data_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    edit(project / IDENTITY, "Ketamine is a medication.", "Ketamine is a medicine.")  # no version bump: KD501
    ketdata_cli = [PYTHON, "-m", "ketdata", "validate", "--format", "json"]
    from_root = subprocess.run([*ketdata_cli, "data"], cwd=project, capture_output=True, text=True)
    assert ("KD501", "identity.yaml") in codes(from_root)
    from_data = subprocess.run([*ketdata_cli, "."], cwd=project / "data", capture_output=True, text=True)
    from_claims = subprocess.run([*ketdata_cli, ".."], cwd=project / "data/claims", capture_output=True, text=True)
    (tmp_path / "linked").symlink_to(project / "data")
    through_a_link = subprocess.run([*ketdata_cli, str(tmp_path / "linked")], capture_output=True, text=True)
    assert codes(from_data) == codes(from_claims) == codes(through_a_link) == codes(from_root)


def test_release_from_inside_the_data_folder_writes_beside_it(tmp_path: Path, outcomes: dict[str, Any]) -> None:
    _, after, _ = outcomes["release"]
    project = fresh(tmp_path, "release")
    result = subprocess.run([PYTHON, "-m", "ketdata", "release", ".", "--date", DAY, *accept_drafted(project / "data")],
                            cwd=project / "data", capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert tree(project) == after


# --- every spelling of a key ------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["version :", "'version':", '"version":', "? version\n:"])
def test_every_spelling_of_the_version_key_is_read_and_bumped_alike(spelling: str, tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    reword(project)
    edit(project / "data/dataset.yaml", "version:", spelling)
    edit(project / "data/dataset.yaml", "release_date:", "'release_date' :")
    hook = runpy.run_path(str(ROOT / "hatch_build.py"))
    assert hook["dataset_version"](project) == LATEST == ketdata.load(project / "data").info.version
    accept = accept_drafted(project / "data")
    result = subprocess.run([PYTHON, "-m", "ketdata", "release", "data", "--date", DAY, *accept], cwd=project,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = (project / "data/dataset.yaml").read_text(encoding="utf-8")
    assert f"{spelling} {NEXT}\n" in text and f"'release_date' : '{DAY}'\n" in text
    assert hook["dataset_version"](project) == NEXT == ketdata.load(project / "data").info.version
    assert errors(project) == []


# --- the release history never goes back ---------------------------------------------------------------------


def test_a_release_date_before_the_latest_release_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    reword(project)
    before = tree(project)
    accept = accept_drafted(project / "data")
    result = subprocess.run([PYTHON, "-m", "ketdata", "release", "data", "--date", "2020-01-01", *accept],
                            cwd=project, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "never goes back" in result.stderr, result.stderr
    assert tree(project) == before


@pytest.mark.parametrize(
    ("file", "old", "new", "code"),
    [
        ("data/dataset.yaml", f"version: {LATEST}", "version: 0.9.0", "KD511"),
        ("data/dataset.yaml", "release_date: '", "release_date: '2001-01-01' #", "KD512"),
        (IDENTITY, "version: 2\n", "version: 1\n", "KD513"),
    ],
)
def test_nothing_goes_back_against_the_release_history(
    file: str, old: str, new: str, code: str, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "project")
    edit(project / file, old, new)
    found = [p for p in ketdata.validate(project / "data") if p.code == code]
    assert len(found) == 1 and found[0].file == str(project / file) and found[0].line > 1, found


# --- exports: never kept stale, never shipped stale -----------------------------------------------------


def test_export_rewrites_a_file_that_holds_the_same_table_in_other_bytes(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from ketdata._export import render

    project = make_project(tmp_path / "project")
    parquet = project / "exports/parquet/claims.parquet"
    pq.write_table(pq.read_table(parquet), parquet, compression="gzip")  # an older writer's bytes, same table
    manifest = json.loads((project / "exports/manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == "parquet/claims.parquet":
            entry["sha256"] = hashlib.sha256(parquet.read_bytes()).hexdigest()
    (project / "exports/manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert subprocess.run([PYTHON, "-m", "ketdata", "export", "data"], cwd=project).returncode == 0
    assert parquet.read_bytes() == render(ketdata.load(project / "data"))["parquet/claims.parquet"]


def test_a_wheel_is_never_built_from_exports_older_than_the_data(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    shutil.copytree(ROOT / "schema", project / "schema")
    (project / "ketdata").symlink_to(ROOT / "ketdata")
    hook = runpy.run_path(str(ROOT / "hatch_build.py"))
    assert hook["stale_exports"](project) is None
    reword(project)
    assert "exports/json/ketdata.json is not what data/ holds now" in hook["stale_exports"](project)
    assert subprocess.run([PYTHON, "-m", "ketdata", "export", "data"], cwd=project).returncode == 0
    assert hook["stale_exports"](project) is None
    (project / "exports/csv/claims.csv").write_text("edited by hand\n", encoding="utf-8")
    assert "exports/csv/claims.csv does not have the sha256" in hook["stale_exports"](project)


# --- temporary files: only ever one's own -----------------------------------------------------------------


def test_no_writer_removes_a_file_it_cannot_prove_it_wrote(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    uncanonical(project)
    someone_elses = project / "data/claims" / f".identity.yaml{TMP_TAG}4242_0123456789abcdef"
    someone_elses.write_text("another writer's half file", encoding="utf-8")
    assert subprocess.run([PYTHON, "-m", "ketdata", "fmt", "data"], cwd=project).returncode == 0
    assert someone_elses.read_text(encoding="utf-8") == "another writer's half file"


def test_the_shipped_data_folder_has_no_state_of_ketdata_in_git() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{STATE_DIR}/journal.json"], cwd=ROOT)
    assert ignored.returncode == 0
    assert DATA.parent == ROOT


def caveat_version(project: Path) -> int:
    (caveat,) = [c for c in ketdata.load(project / "data").caveats if c.id == "caveat-001"]
    return caveat.version


def test_new_never_reads_a_snapshot_that_fails_its_checksum(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    caveats = project / "data/caveats.yaml"
    version = caveat_version(project)
    trusted = make_project(tmp_path / "trusted")
    assert subprocess.run([PYTHON, "-m", "ketdata", *NEW_CLAIM], cwd=trusted).returncode == 0
    # A released caveat gets its next version (one already raised since the release keeps it).
    snapshot = json.loads((trusted / f"releases/{LATEST}.json").read_text(encoding="utf-8"))
    (released,) = [c["version"] for c in snapshot["caveats"] if c["id"] == "caveat-001"]
    assert caveat_version(trusted) == released + 1
    edit(project / f"releases/{LATEST}.json", "Ketamine is a medication.", "Ketamine is a medicine.")
    before = caveats.read_bytes()
    refused = subprocess.run([PYTHON, "-m", "ketdata", *NEW_CLAIM], cwd=project, capture_output=True, text=True)
    # The edited snapshot says nothing about what was released, and data whose history fails its checksum
    # does not validate: nothing is added to it, and the caveat's version is not worked out from it.
    assert refused.returncode == 1 and "KD507" in refused.stdout + refused.stderr
    assert caveat_version(project) == version
    assert caveats.read_bytes() == before


def test_a_review_save_is_validated_before_it_is_written(tmp_path: Path) -> None:
    from ketdata._editor.verdict import ReviewRefusedError

    project = make_project(tmp_path / "project")
    edit(project / IDENTITY, "review:\n  status: unreviewed\n", "review:\n  status: unreviewed\nnickname: Special K\n")
    assert subprocess.run([PYTHON, "-m", "ketdata", "fmt", "data"], cwd=project, capture_output=True).returncode == 0
    before = tree(project)
    with pytest.raises(ReviewRefusedError, match="would not match its schema"):
        write_review(project / "data", "claim-001", Verdict("reviewed", "Ann Example", "pharmacist"), seen(project),
                     datetime.date(2026, 12, 1))  # fmt: skip
    assert tree(project) == before


def test_export_from_a_data_folder_this_user_cannot_write_still_works(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    out = tmp_path / "elsewhere" / "exports"
    real = transaction.state_dir

    def read_only_project(root: Path, *, create: bool = False) -> Path:
        if create and root.resolve() == project.resolve():  # as for an installed copy or a read-only checkout
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(root / STATE_DIR))
        return real(root, create=create)

    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(io.StringIO()):
        patch.setattr(transaction, "state_dir", read_only_project)
        assert main(["export", str(project / "data"), "--out", str(out)]) == 0
        # A folder to be written is never used without its lock.
        assert main(["fmt", str(project / "data")]) == 2
    assert (out / "manifest.json").is_file() and not (project / STATE_DIR).exists()


def test_an_editor_saving_while_the_journal_is_sealed_keeps_its_save(tmp_path: Path, monkeypatch: Any) -> None:
    # Sealing the journal waits on the disk (an fsync), long enough on a busy machine for an editor, which takes
    # no lock, to save the very file being changed: the change must be refused, not written over that save.
    project = make_project(tmp_path / "project")
    target = project / "data/claims/identity.yaml"
    original, saved = target.read_bytes(), target.read_bytes() + b"# (edited)\n"
    seal = transaction._write_journal

    def busy_disk(journal: Any) -> None:
        if journal.state == "committed":
            target.write_bytes(saved)
        seal(journal)

    monkeypatch.setattr(transaction, "_write_journal", busy_disk)
    with locked(project), pytest.raises(transaction.TransactionError, match="changed on disk after this command"):
        transaction.commit(project, {target: original + b"# ketdata\n"})
    assert target.read_bytes() == saved
    assert leftovers(project) == []
    assert not (project / STATE_DIR / transaction.JOURNAL).exists()
