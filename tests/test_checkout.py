"""Bytes that survive git: a checkout with core.autocrlf (Windows' default) keeps the article and exports whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import ketdata

from .helpers import ROOT

ARTICLE = "data/sources/ketamine-overview.txt"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)  # fmt: skip


def _clone_with_autocrlf(tmp_path: Path, *, attributes: bool) -> Path:
    origin = tmp_path / "origin"
    shutil.copytree(ROOT / "data", origin / "data")
    shutil.copytree(ROOT / "exports", origin / "exports")
    if attributes:
        shutil.copy(ROOT / ".gitattributes", origin / ".gitattributes")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "data")
    _git(tmp_path, "clone", "-q", "-c", "core.autocrlf=true", str(origin), "clone")
    return tmp_path / "clone"


def test_gitattributes_keeps_the_article_and_exports_byte_exact_under_autocrlf(tmp_path: Path) -> None:
    clone = _clone_with_autocrlf(tmp_path, attributes=True)
    assert (clone / ARTICLE).read_bytes() == (ROOT / ARTICLE).read_bytes()
    for path in (ROOT / "exports").rglob("*"):
        if path.is_file():
            assert (clone / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path
    assert [p for p in ketdata.validate(clone / "data") if p.code == "KD302"] == []


def test_a_crlf_checkout_is_diagnosed_as_line_endings_with_the_fix(tmp_path: Path) -> None:
    clone = _clone_with_autocrlf(tmp_path, attributes=False)
    assert b"\r\n" in (clone / ARTICLE).read_bytes()  # git did rewrite it, as it would on Windows
    (mismatch,) = [p for p in ketdata.validate(clone / "data") if p.code == "KD302"]
    assert "only in its line endings" in mismatch.message
    assert "core.autocrlf false" in mismatch.hint
    assert "re-record" in mismatch.hint and "do not" in mismatch.hint


def _planted_checkout(tmp_path: Path) -> Path:
    """A copy of this checkout with a wheel's ``ketdata/_data/`` planted in it, proven by its own manifest."""
    import hashlib
    import json

    copy = tmp_path / "checkout"
    for name in ("ketdata", "data", "schema", "exports"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bundle = copy / "ketdata" / "_data"
    shutil.copytree(ROOT / "schema", bundle / "schema")
    (bundle / "schema" / "claim.schema.json").write_text("true", encoding="utf-8")  # accepts any claim
    snapshot = (
        (ROOT / "exports/json/ketdata.json").read_bytes().replace(b"can have side effects", b"has no side effects")
    )
    assert b"has no side effects" in snapshot
    (bundle / "ketdata.json").write_bytes(snapshot)
    manifest = json.loads((ROOT / "exports/manifest.json").read_bytes())
    for entry in manifest["files"]:
        if entry["path"] == "json/ketdata.json":
            entry["sha256"] = hashlib.sha256(snapshot).hexdigest()
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return copy


def test_a_wheel_bundle_planted_in_a_checkout_is_refused_not_served(tmp_path: Path) -> None:
    copy = _planted_checkout(tmp_path)
    code = (
        "import ketdata, ketdata._read.paths as p\n"
        "print(p.schema_dir().parent == p.data_dir().parent, p.schema_dir())\n"
        "try:\n    print(ketdata.load().claim('claim-045').statement)\n"
        "except ketdata.DataError as e:\n    print(e.problems[0].code, e.problems[0].file)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(copy)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=True
    )
    schemas, served = out.stdout.splitlines()
    # Only a wheel build writes ketdata/_data/: in a checkout, validation reads the checkout's own schemas,
    # and load() names the planted folder rather than serve it (or quietly pass over it).
    assert schemas == f"True {copy / 'schema'}"
    assert served == f"KD030 {copy / 'ketdata' / '_data'}"
