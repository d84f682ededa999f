"""Every problem at once, with no cascade, and the same exit codes from every command.

A file that cannot be read (a link, a FIFO, a ``*.YAML`` name, a second document in ``dataset.yaml``)
is one located problem: the records it holds are not then called gone, missing or unreferenced. And
each command answers 0 (clean), 1 (problems in the data) or 2 (usage or environment).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ketdata import Severity, validate
from ketdata._cli import main

from .helpers import DATA, edit, is_drafted


def cli(*args: str | Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


def _link(data: Path) -> None:
    target = data.parent / "caveats-elsewhere.yaml"
    (data / "caveats.yaml").rename(target)
    (data / "caveats.yaml").symlink_to(target)


def _fifo(data: Path) -> None:
    (data / "claims" / "identity.yaml").unlink()
    os.mkfifo(data / "claims" / "identity.yaml")


def _upper(data: Path) -> None:
    (data / "claims" / "identity.yaml").rename(data / "claims" / "identity.YAML")


def _yml(data: Path) -> None:
    (data / "caveats.yaml").rename(data / "caveats.yml")


def _second_document(data: Path) -> None:
    with (data / "dataset.yaml").open("a", encoding="utf-8") as handle:
        handle.write("---\nid: extra\nversion: 9.9.9\n")


def _unparsable(data: Path) -> None:
    edit(data / "caveats.yaml", "applies_to:", "applies_to: [")


UNREADABLE: dict[str, tuple[Callable[[Path], None], str, set[str]]] = {
    "link": (_link, "caveats.yaml", {"KD017", "KD018"}),
    "fifo": (_fifo, "claims/identity.yaml", {"KD017", "KD018"}),
    "upper-case suffix": (_upper, "claims/identity.YAML", {"KD012", "KD018"}),
    "yml suffix": (_yml, "caveats.yml", {"KD012", "KD018"}),
    "second document": (_second_document, "dataset.yaml", {"KD019"}),
    "syntax error": (_unparsable, "caveats.yaml", {"KD003", "KD018"}),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_a_file_that_cannot_be_read_is_one_problem_with_no_cascade(tmp_path: Path, case: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(DATA.parent / "releases", tmp_path / "releases")
    spoil, name, codes = UNREADABLE[case]
    spoil(tmp_path / "data")
    found = [p for p in validate(tmp_path / "data") if p.severity is not Severity.INFO and not is_drafted(p)]
    assert {p.code for p in found} == codes, [str(p) for p in found]
    assert {p.file for p in found} == {str(tmp_path / "data" / name)}
    assert sum(p.severity is Severity.ERROR for p in found) == 1


EDITING = [["fmt"], ["fmt", "--check"], ["release", "--dry-run"], ["review"],
           ["new", "concept", "--id", "x", "--label", "X", "--kind", "condition"]]  # fmt: skip
READING = [["validate"], ["coverage"], ["export"], ["export", "--check"]]


@pytest.mark.parametrize("command", EDITING + READING, ids=" ".join)
def test_no_data_folder_here_is_a_usage_error_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, said = cli(*command)
    assert code == 2 and "no data folder here" in said
    assert list(tmp_path.iterdir()) == []


ALL = [["validate"], ["coverage"], ["export"], ["fmt"], ["release"], ["review"], ["show", "claim-001"], ["list"],
       ["locate", "Ketamine"], ["diff", "3.1.0", "data"], ["codes"], ["new", "concept"]]  # fmt: skip


@pytest.mark.parametrize("command", ALL, ids=" ".join)
def test_a_bad_option_is_a_usage_error_for_every_command(command: list[str]) -> None:
    assert cli(*command, "--no-such-option")[0] == 2


@pytest.mark.parametrize("command", [c for c in ALL if c[0] not in ("diff", "codes", "new", "locate")], ids=" ".join)
def test_a_missing_folder_given_is_a_usage_error_for_every_command(tmp_path: Path, command: list[str]) -> None:
    where = ["--data", str(tmp_path / "nope")] if command[0] in ("show", "list") else [str(tmp_path / "nope")]
    assert cli(*command, *where)[0] == 2


def test_data_problems_exit_1_from_every_command_that_reads_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data / "claims" / "identity.yaml", "version: 2\n", "version: 2.0\n")
    new = ["new", "concept", "--id", "x", "--label", "X", "--kind", "condition", "--data", data]
    for command in (["validate", data], ["coverage", data], ["export", "--out", tmp_path / "out", data],
                    ["release", "--dry-run", data], ["show", "claim-001", "--data", data],
                    ["list", "--data", data], ["locate", "Ketamine is a medication", "--data", data], new):  # fmt: skip
        code, said = cli(*command)
        assert code == 1 and "KD104" in said, (command, said)


def test_a_missing_required_field_does_not_hide_the_records_other_checks(tmp_path: Path) -> None:
    """claim-001 loses its category (KD103) and its statement gains a word it does not record (KD609)."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data / "claims" / "identity.yaml", "category: identity\n", "")
    edit(
        data / "claims" / "identity.yaml",
        "statement: Ketamine is a medication.",
        "statement: Ketamine is usually a medication.",
    )
    codes = {p.code for p in validate(data) if p.record_id == "claim-001"}
    assert {"KD103", "KD609"} <= codes, codes


def test_a_wrong_type_does_not_hide_the_records_other_checks(tmp_path: Path) -> None:
    """A review date of the wrong type (KD105) and a statement stronger than the article (KD609), at once."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data / "claims" / "identity.yaml", "status: unreviewed", "status: unreviewed\n  review_due: 2020-01-01")
    edit(
        data / "claims" / "identity.yaml",
        "statement: Ketamine is a medication.",
        "statement: Ketamine is usually a medication.",
    )
    codes = {p.code for p in validate(data) if p.record_id == "claim-001"}
    assert {"KD105", "KD609"} <= codes, codes
