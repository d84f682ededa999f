"""Regressions from an outside attack on the command line: each promise it found broken, held."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import DATA, LATEST, ROOT, edit, findings


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False)  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(ROOT / "releases", tmp_path / "releases")
    return tmp_path


def test_export_never_deletes_a_file_its_manifest_lists_but_it_did_not_write(project: Path) -> None:
    out = project / "out"
    assert cli("export", "--out", out, "data", cwd=project).returncode == 0
    (out / "notes").mkdir()
    (out / "notes" / "thesis.txt").write_text("mine\n", encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"].append({"path": "notes/thesis.txt", "sha256": "0" * 64, "bytes": 5, "records": 0})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # A listed export file changed by hand is not ketdata's to replace either.
    (out / "json" / "claims.ndjson").write_text("edited by hand\n", encoding="utf-8")
    result = cli("export", "--out", out, "data", cwd=project)
    assert result.returncode != 0 and "notes/thesis.txt" in result.stderr and "claims.ndjson" in result.stderr
    assert (out / "notes" / "thesis.txt").read_text(encoding="utf-8") == "mine\n"


def test_diff_refuses_a_forged_release_snapshot(project: Path) -> None:
    edit(project / "releases" / "3.0.0.json", "Ketamine is a medication.", "Ketamine is a FORGED.")
    for spec in ("3.0.0", "releases/3.0.0.json"):
        result = cli("diff", spec, "data", cwd=project)
        assert result.returncode == 2 and "cannot be trusted as a release" in result.stderr, spec
        assert "FORGED" not in result.stdout


def test_a_linked_releases_folder_is_reported_and_never_written(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "rel"
    shutil.move(project / "releases", outside)
    (project / "releases").symlink_to(outside)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in outside.iterdir()}
    assert "KD017" in {p.code for p in findings(project / "data")}
    edit(project / "data" / "categories.yaml", "Side effects of ketamine named by the source,", "Side effects named,")
    assert cli("release", "data", cwd=project).returncode != 0
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in outside.iterdir()} == before


def test_fmt_check_is_never_silent_on_a_folder_it_cannot_format(project: Path) -> None:
    empty = project / "empty"
    empty.mkdir()
    result = cli("fmt", "--check", empty, cwd=project)
    assert result.returncode == 1 and "KD013" in result.stderr
    link = project / "data" / "claims" / "linked.yaml"
    link.symlink_to(project / "data" / "claims" / "harms.yaml")
    result = cli("fmt", "--check", project / "data", cwd=project)
    assert result.returncode == 1 and "KD017" in result.stderr


def test_an_empty_filter_is_a_usage_error_not_everything(project: Path) -> None:
    result = cli("list", "--category", "", "--data", "data", cwd=project)
    assert result.returncode == 2 and result.stdout == ""


def test_an_id_of_thousands_of_digits_is_a_located_problem(project: Path) -> None:
    edit(project / "data" / "claims" / "effects.yaml", "id: claim-005", "id: claim-" + "9" * 4301)
    result = cli("validate", "data", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "effects.yaml" in result.stdout + result.stderr and "int_max_str_digits" not in result.stderr


def test_a_cache_committed_with_the_project_is_never_read(project: Path) -> None:
    """A checkout that carries a cache folder (planted or force-committed) cannot make validate pass."""
    import marshal

    edit(
        project / "data" / "claims" / "identity.yaml", "Ketamine is a medication.", '"Ketamine is a\u202e medication."'
    )
    for planted in (project / ".ketdata-cache" / "data", project / "data" / ".ketdata-cache"):
        planted.mkdir(parents=True)
        (planted / "secret").write_bytes(b"\0" * 32)
        (planted / ("0" * 64 + ".marshal")).write_bytes(marshal.dumps({"problems": [], "valid": [True]}))
    result = cli("validate", "--cache", "data", cwd=project)
    assert result.returncode == 1 and "KD108" in result.stdout


# --- a fresh attack on every command (this session's) ------------------------------------------------------


def test_a_huge_section_offset_is_a_located_problem_in_every_command(project: Path) -> None:
    source = project / "data" / "sources" / "ketamine-overview.yaml"
    edit(source, "  end: 652", "  end: 9999999999999")  # beyond the text; beyond 2**53 - 1 is KD101 (the schema)
    for command in (["validate", "data"], ["coverage", "data"], ["export", "data", "--check"],
                    ["release", "data", "--dry-run"], ["diff", "3.1.0", "data"]):  # fmt: skip
        result = cli(*command, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr, (command, result.stderr[-600:])
    assert "KD308" in cli("validate", "data", cwd=project).stdout


def test_new_adds_nothing_to_data_that_already_fails(project: Path) -> None:
    edit(project / "data" / "dataset.yaml", f"version: {LATEST}", "version: 3.0.0")  # behind the latest release
    concepts = (project / "data" / "concepts.yaml").read_bytes()
    result = cli("new", "concept", "--id", "zzz", "--label", "Zzz", "--kind", "condition", "--data", "data",
                 cwd=project)  # fmt: skip
    assert result.returncode == 1 and "KD511" in result.stdout + result.stderr
    assert (project / "data" / "concepts.yaml").read_bytes() == concepts


def test_a_journal_whose_path_goes_through_a_link_is_never_followed(project: Path, tmp_path: Path) -> None:
    from ketdata._io import transaction
    from ketdata._io.files import TMP_TAG

    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("original", encoding="utf-8")
    (project / "linkdir").symlink_to(outside)
    state = project / transaction.STATE_DIR
    state.mkdir(mode=0o700)
    token = "forged"
    (outside / f".victim.txt{TMP_TAG}{token}").write_text("PWNED", encoding="utf-8")
    entry = transaction._Entry(
        project / "linkdir" / "victim.txt", "file",
        hashlib.sha256(b"original").hexdigest(), hashlib.sha256(b"PWNED").hexdigest(),
    )  # fmt: skip
    transaction._write_journal(transaction._Journal(project, state, "committed", token, [entry]))
    result = cli("fmt", "data", cwd=project)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "original"


def test_a_planted_journal_with_staged_files_finishes_nothing(project: Path) -> None:
    """Byte binding alone would let a planted journal "finish" its own staged bytes: the folder it names stops it."""
    from ketdata._io import transaction
    from ketdata._io.files import TMP_TAG

    target = project / "data" / "dataset.yaml"
    original = target.read_bytes()
    forged = b"id: forged\n"
    (target.parent / f".dataset.yaml{TMP_TAG}1_ab").write_bytes(forged)
    entry = {"path": "data/dataset.yaml", "kind": "file", "before": hashlib.sha256(original).hexdigest(),
             "after": hashlib.sha256(forged).hexdigest()}  # fmt: skip
    state = project / transaction.STATE_DIR
    state.mkdir(mode=0o700)
    info = os.lstat(state)
    for folder in ("0:0", f"{info.st_dev}:{info.st_ino + 1}"):  # a guess, or a copy's folder
        doc = {"format": "ketdata-transaction", "state": "committed", "token": "1_ab", "folder": folder,
               "entries": [entry]}  # fmt: skip
        (state / transaction.JOURNAL).write_text(json.dumps(doc), encoding="utf-8")
        result = cli("fmt", "data", cwd=project)
        assert result.returncode == 2 and "not a journal ketdata wrote here" in result.stderr
        assert target.read_bytes() == original


@pytest.mark.parametrize("spelling", ["010", "0x2", "0b10", "0:2", "2_0", "+2", "0o2"])
def test_an_integer_in_another_yaml_notation_is_refused_where_it_stands(project: Path, spelling: str) -> None:
    names = project / "data" / "claims" / "names.yaml"
    edit(names, "version: 3", f"version: {spelling}")
    found = [p for p in findings(project / "data") if p.file == str(names) and p.code in ("KD016", "KD104")]
    assert [(p.code, p.line) for p in found][:1] == [(found[0].code, 3)] and spelling in found[0].message


def test_new_refuses_an_empty_quote_and_a_zeroth_occurrence(project: Path) -> None:
    base = ["new", "claim", "--statement", "X.", "--subject", "ketamine", "--predicate", "is_a", "--object",
            "medication", "--category", "identity", "--evidence", "established", "--data", "data"]  # fmt: skip
    empty = cli(*base, "--quote", "", cwd=project)
    assert empty.returncode == 2 and "the quote is empty" in empty.stderr and len(empty.stderr) < 2000
    zeroth = cli(*base, "--quote", "Ketamine", "--nth", "0", cwd=project)
    assert zeroth.returncode == 2 and "at least 1" in zeroth.stderr
