"""Bytes that survive git: a checkout with core.autocrlf (Windows' default) keeps the article and exports whole."""

from __future__ import annotations

import shutil
import subprocess
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
