"""Attacks on the command line as a user drives it (#20): where state lands, honest exit codes, what is printed."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ketdata._cli import main
from ketdata._io import transaction

from .helpers import DATA, DAY, ROOT, accept_drafted, edit, is_drafted_json

PYTHON = sys.executable


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("data", "releases", "exports"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    return root


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "ketdata", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# --- export --out: state lives in the data's project, never in an unrelated parent ------------------------


def test_export_to_a_folder_elsewhere_leaves_no_state_beside_it(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    out = elsewhere / "exports"
    result = cli("export", "data", "--out", out, cwd=project)
    assert result.returncode == 0, result.stderr
    assert (out / "manifest.json").is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["exports"]  # no .ketdata/, no staging left
    assert not (out / transaction.STATE_DIR).exists()
    again = cli("export", "data", "--out", out, cwd=project)  # the lock of the user's own is found again
    assert again.returncode == 0 and sorted(p.name for p in elsewhere.iterdir()) == ["exports"]


def test_export_inside_the_project_uses_the_projects_state(project: Path) -> None:
    result = cli("export", "data", "--out", "build/exports", cwd=project)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "build").iterdir()) == ["exports"]
    assert (project / transaction.STATE_DIR / transaction.LOCK).is_file()


def test_an_export_elsewhere_stopped_after_its_commit_point_is_finished_by_the_next(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "elsewhere" / "exports"
    assert run("export", project / "data", "--out", out)[0] == 0
    edit(project / "data/claims/identity.yaml", "Ketamine is a medication.", "ketamine is a medication.")
    edit(project / "data/claims/identity.yaml", "version: 2", "version: 3")

    def killed(entry: object, token: str, **_: object) -> None:
        raise KeyboardInterrupt  # stands for a kill after the journal says committed

    with monkeypatch.context() as patch:
        patch.setattr(transaction, "_apply", killed)
        assert run("export", project / "data", "--out", out)[0] == 130  # "interrupted", as a Ctrl-C is
    assert not (out.parent / transaction.STATE_DIR).exists()
    assert run("export", project / "data", "--out", out, "--check")[0] == 1  # the old set, still whole
    code, _, err = run("export", project / "data", "--out", out)
    assert code == 0, err
    assert run("export", project / "data", "--out", out, "--check")[0] == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["exports"]


# --- show and list: data that fails rules across records is no clean bill ------------------------------------


def test_show_and_list_on_data_that_fails_cross_record_rules_exit_1(project: Path) -> None:
    edit(project / "data/claims/identity.yaml", "category: identity", "category: identiy")  # schema-valid
    shown = cli("show", "claim-002", "--data", "data", cwd=project)
    assert shown.returncode == 1 and "claim-002" in shown.stdout
    assert "the data has 2 error(s)" in shown.stderr and "ketdata validate" in shown.stderr
    listed = cli("list", "--format", "json", "--data", "data", cwd=project)
    assert listed.returncode == 1 and "the data has" in listed.stderr
    assert len(json.loads(listed.stdout)) > 1  # the output itself stays clean JSON
    located = cli("locate", "taken orally", "--data", "data", cwd=project)
    assert located.returncode == 1 and "quote: taken orally" in located.stdout
    clean = cli("show", "claim-002", "--data", str(DATA), cwd=project)
    assert clean.returncode == 0 and clean.stderr == ""


# --- diff of git revisions names them, never a temporary folder ----------------------------------------------


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)  # fmt: skip


def test_diff_of_a_revision_prints_revision_paths_not_temporary_folders(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(DATA, repo / "data")
    shutil.copytree(ROOT / "schema", repo / "schema")
    good = (repo / "data/claims/identity.yaml").read_text(encoding="utf-8")
    (repo / "data/claims/identity.yaml").write_text(good + "x: [\n", encoding="utf-8")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "broken", cwd=repo)
    (repo / "data/claims/identity.yaml").write_text(good, encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    result = subprocess.run([PYTHON, "-m", "ketdata", "diff", "HEAD", "data"], cwd=repo, capture_output=True,
                            text=True, env=env)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "HEAD:data/claims/identity.yaml:" in result.stderr and "KD003" in result.stderr
    assert str(scratch) not in result.stdout + result.stderr


# --- release writes the version however dataset.yaml spells it ---------------------------------------------

SPELLINGS = {
    "block scalar": "version: |-\n  {v}\n",
    "folded scalar": "version: >-\n  {v}\n",
    "double quoted": 'version: "{v}"\n',
    "quoted key, space before colon": "'version' : {v}\n",
    "on the next line": "version:\n  {v}\n",
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_release_bumps_the_version_however_it_is_spelled(project: Path, spelling: str) -> None:
    dataset = project / "data/dataset.yaml"
    version = yaml.safe_load(dataset.read_text(encoding="utf-8"))["version"]
    edit(dataset, f"version: {version}\n", SPELLINGS[spelling].format(v=version))
    edit(dataset, "release_date: ", "release_date:\n  ")
    edit(project / "data/claims/identity.yaml", "Ketamine is a medication.", "ketamine is a medication.")
    edit(project / "data/claims/identity.yaml", "version: 2", "version: 3")
    result = cli("release", "data", "--date", DAY, *accept_drafted(project / "data"), cwd=project)
    assert result.returncode == 0, result.stderr
    record = yaml.safe_load(dataset.read_text(encoding="utf-8"))
    released = result.stdout.split()[1]
    assert (record["version"], record["release_date"]) == (released, DAY) and released != version
    assert cli("validate", "data", cwd=project).returncode == 0


# --- stray files in data/: each reported once, located ---------------------------------------------------------


def test_stray_files_in_the_data_folder_are_reported_once_each(project: Path) -> None:
    claims = project / "data/claims"
    (claims / "notes.txt").write_text("to check\n", encoding="utf-8")
    code, out, _ = run("validate", project / "data", "--format", "json")
    found = [(p["code"], Path(p["file"]).name, p["severity"]) for p in json.loads(out)
             if p["code"] != "KD601" and not is_drafted_json(p)]  # fmt: skip
    assert (code, found) == (0, [("KD020", "notes.txt", "warning")])
    assert run("validate", project / "data", "--strict")[0] == 1
    shutil.copy(claims / "names.yaml", claims / "x.yml")
    shutil.copy(claims / "harms.yaml", claims / "y.YAML")
    code, out, _ = run("validate", project / "data", "--format", "json")
    found = [(p["code"], Path(p["file"]).name) for p in json.loads(out)
             if p["code"] not in ("KD601", "KD018") and not is_drafted_json(p)]  # fmt: skip
    assert code == 1 and sorted(found) == [("KD012", "x.yml"), ("KD012", "y.YAML"), ("KD020", "notes.txt")]
    assert [p["code"] for p in json.loads(out)].count("KD018") <= 1  # no cascade: one note for the claims


def test_ctrl_c_is_a_message_and_exit_130_never_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import ketdata._cli as cli_module

    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "_validate", interrupted)
    out, err = io.StringIO(), io.StringIO()
    code = cli_module.main(["validate", str(DATA)], stdout=out, stderr=err)
    assert (code, err.getvalue()) == (130, "ketdata: interrupted\n")
    assert "Traceback" not in out.getvalue()
