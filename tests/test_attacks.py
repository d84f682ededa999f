"""Regressions from an outside attack on the command line: each promise it found broken, held."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import DATA, ROOT, edit, findings


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
    edit(project / "data" / "categories.yaml", "Side effects of ketamine named by the source.", "Side effects named.")
    assert cli("release", "--date", "2027-01-01", "data", cwd=project).returncode != 0
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
