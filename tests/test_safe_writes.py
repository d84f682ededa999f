"""Only ever touch what ketdata owns, and every write survives a crash: links, foreign files, limits, kill -9."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ketdata
from ketdata._export import export
from ketdata._io.files import TMP_TAG
from ketdata._validation.history import read_checksums
from ketdata.errors import ExportTargetError

from .helpers import DATA, DAY, EDITED, LATEST, ROOT, accept_drafted, edit

KILLS = int(os.environ.get("KETDATA_KILLS", "4"))
KETDATA = [sys.executable, "-m", "ketdata"]


def ketdata_cli(*args: str, cwd: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([*KETDATA, *args], cwd=cwd, capture_output=True, text=True, preexec_fn=limited)


def whole(out: Path) -> bytes:
    """The manifest of a complete export set: every listed file has its checksum, and nothing else is there."""
    manifest = json.loads((out / "manifest.json").read_bytes())
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert present == set(listed), present ^ set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    return (out / "manifest.json").read_bytes()


NEXT = EDITED  # what `reword` makes the next release


def reword(data: Path) -> None:
    """A wording change to claim-001, with its version raised: a patch release."""
    path = data / "claims/identity.yaml"
    found = re.search(r"(?m)^version: (\d+)$", path.read_text(encoding="utf-8"))
    assert found is not None
    version = int(found.group(1))
    edit(path, f"version: {version}", f"version: {version + 1}")
    edit(path, "Ketamine is a medication.", "ketamine is a medication.")


# --- export targets -------------------------------------------------------------------------------------


def test_export_refuses_a_folder_holding_foreign_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ketdata.load(), out)
    (out / "csv" / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ExportTargetError, match=r"csv/notes\.txt"):
        export(ketdata.load(), out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    result = ketdata_cli("export", "--out", str(out), str(DATA), cwd=tmp_path)
    assert result.returncode == 2 and "csv/notes.txt" in result.stderr and "Traceback" not in result.stderr


def test_export_refuses_a_folder_of_someone_elses(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(ExportTargetError):
        export(ketdata.load(), tmp_path / "home")
    assert (tmp_path / "home" / "thesis.tex").read_text(encoding="utf-8") == "years of work"


@pytest.mark.parametrize("where", ["target", "inside"])
def test_export_never_follows_a_link(tmp_path: Path, where: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "out"
    if where == "target":
        out.symlink_to(elsewhere)
    else:
        export(ketdata.load(), out)
        (out / "json" / "ketdata.json").unlink()
        (out / "json" / "ketdata.json").symlink_to(elsewhere / "keep.txt")
    with pytest.raises(ExportTargetError):
        export(ketdata.load(), out)
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_export_replaces_only_what_its_manifest_listed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ketdata.load(), out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # A file an earlier export wrote (the manifest has its bytes' sha256) that this one no longer produces.
    empty = hashlib.sha256(b"").hexdigest()
    manifest["files"].append({"path": "csv/retired.csv", "sha256": empty, "bytes": 0, "records": 0})
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "csv" / "retired.csv").write_text("", encoding="utf-8")
    result = export(ketdata.load(), out)
    assert result.removed == ("csv/retired.csv",)
    whole(out)


def test_a_file_size_limit_leaves_the_old_exports_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(ketdata.load(), out)
    before = whole(out)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data / "claims/identity.yaml", "Ketamine is a medication.", "ketamine is a medication.")
    result = ketdata_cli("export", "--out", str(out), str(data), cwd=tmp_path, limit=20_000)
    assert result.returncode == 2, result.stderr
    assert "File too large" in result.stderr and str(tmp_path) in result.stderr and "Traceback" not in result.stderr
    assert whole(out) == before
    assert ketdata_cli("export", "--out", str(out), str(data), cwd=tmp_path).returncode == 0
    assert whole(out) != before
    assert not list(tmp_path.glob(f".out{TMP_TAG}*"))


def test_fmt_under_a_file_size_limit_keeps_the_file(data: Path, tmp_path: Path) -> None:
    path = data / "claims" / "identity.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", "\n\n---\n"), encoding="utf-8")
    before = path.read_bytes()
    result = ketdata_cli("fmt", str(data), cwd=tmp_path, limit=len(before) // 2)
    assert result.returncode == 2 and str(path) in result.stderr, result.stderr
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if TMP_TAG in p.name]


# --- release ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30", "2026-1-1", "2026-01-01\n", "2026-01-01'\nx: 1"])
def test_release_refuses_a_date_that_is_not_one(project: Path, date: str) -> None:
    reword(project / "data")
    before = (project / "data/dataset.yaml").read_bytes()
    result = ketdata_cli("release", "data", "--date", date, cwd=project)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr
    assert (project / "data/dataset.yaml").read_bytes() == before


def test_release_never_takes_the_version_back(project: Path) -> None:
    edit(project / "data/dataset.yaml", f"version: {LATEST}", "version: 70.0.0")
    reword(project / "data")
    result = ketdata_cli("release", "data", "--date", DAY, cwd=project)
    # A version raised by hand names a release that was never cut: the data is wrong (KD507), so exit 1.
    assert result.returncode == 1 and "not releasing: the data has errors" in result.stderr, result.stderr
    said = ketdata_cli("validate", "data", cwd=project)
    assert "KD507" in said.stdout and "holds no 70.0.0.json" in said.stdout, said.stdout


def test_release_records_the_snapshot_checksum_and_validate_checks_it(project: Path) -> None:
    reword(project / "data")
    assert ketdata_cli("release", "data", "--date", DAY, *accept_drafted(project / "data"), cwd=project).returncode == 0
    sums = read_checksums(project / "releases")
    snapshot = project / "releases" / f"{NEXT}.json"
    assert sums[f"{NEXT}.json"] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert set(sums) == {p.name for p in (project / "releases").glob("*.json")}
    assert not [p for p in ketdata.validate(project / "data") if p.severity.value == "error"]
    edit(snapshot, "ketamine is a medication.", "ketamine is a medication!")
    assert [p.code for p in ketdata.validate(project / "data") if p.severity.value == "error"] == ["KD507"]


def test_the_shipped_checksums_match_the_shipped_snapshots() -> None:
    sums = read_checksums(ROOT / "releases")
    assert sums == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (ROOT / "releases").glob("*.json")}


# --- kill -9 at random moments ----------------------------------------------------------------------------


def _killed(args: list[str], cwd: Path, delay: float) -> None:
    proc = subprocess.Popen([*KETDATA, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.kill()
    proc.wait()


def _duration(args: list[str], cwd: Path) -> float:
    start = time.monotonic()
    subprocess.run([*KETDATA, *args], cwd=cwd, check=True, capture_output=True)
    return time.monotonic() - start


def test_an_export_killed_at_any_moment_leaves_a_whole_set(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(DATA, data)
    wordings = ["Ketamine is a medication.", "Ketamine is a medication, the article says."]
    args = ["export", "--out", str(out), str(data)]
    span = _duration(args, tmp_path)
    sets = {whole(out)}
    rng = random.Random(14)
    for n in range(KILLS):
        edit(data / "claims/identity.yaml", wordings[n % 2], wordings[(n + 1) % 2])
        _killed(args, tmp_path, rng.uniform(0.1, span))
        sets.add(whole(out))
    assert ketdata_cli(*args, cwd=tmp_path).returncode == 0
    whole(out)
    assert not list(tmp_path.glob(f".out{TMP_TAG}*"))


def test_release_planning_refuses_a_forged_baseline(project: Path) -> None:
    from ketdata._editor.release import ReleaseError, plan

    edit(project / f"releases/{LATEST}.json", f'"version":"{LATEST}"', '"version":"99.0.0"')
    reword(project / "data")
    with pytest.raises(ReleaseError, match=re.escape(f"{LATEST}.json")):
        plan(project / "data", DAY)
