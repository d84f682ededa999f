"""The bad-input corpus: each case is a small overlay on the shipped data with the problems it must raise.

``tests/corpus/<case>/files/`` holds files laid over a copy of the data (``data/…``, and for the version
rules a small ``releases/…`` snapshot of its own); ``case.json`` names files to delete, symbolic links and
FIFOs to make (git keeps neither well), text to replace in a file (``edit``: file, old, new, and the encoding
the file is then saved in, UTF-8 unless said), an optional
padding size, the exit code (1 unless said), and the expected problems by code, file and line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ketdata._cli import main
from ketdata._model.problems import CODES

from .helpers import DATA, DAY, LATEST, ROOT

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.json").is_file())
# Codes no corpus case can raise here, and where they are tested instead.
ELSEWHERE = {
    "KD030": "the shipped snapshot, not a data folder: tests/test_attack2_fixes.py, tests/test_wheel.py",
    "KD031": "the shipped snapshot, not a data folder: tests/test_attack2_fixes.py",
    "KD034": "an environment variable, not data: tests/test_attack2_fixes.py",
    "KD015": "unreadable file: the tests run as root, who can read anything",
    "KD205": "a warning (exit 0): tests/test_rules.py",
    "KD505": "id reuse after a withdrawal: tests/test_versions.py",
    "KD509": "a journal of a change stopped after its commit point: tests/test_transactions.py",
    "KD603": "a change after a review recorded in a release: tests/test_governance.py",
}


def spec(case: str) -> dict[str, Any]:
    return json.loads((CORPUS / case / "case.json").read_text(encoding="utf-8"))


def build(case: str, root: Path) -> Path:
    shutil.copytree(DATA, root / "data")
    overlay = CORPUS / case / "files"
    if overlay.is_dir():
        shutil.copytree(overlay, root, dirs_exist_ok=True)
    for name in spec(case).get("delete", ()):
        (root / name).unlink()
    for name, target in spec(case).get("links", {}).items():
        (root / name).symlink_to(target if target.startswith("/") else root / target)
    for name in spec(case).get("fifos", ()):
        os.mkfifo(root / name)
    for change in spec(case).get("edit", ()):
        path = root / change["file"]
        text = path.read_text(encoding="utf-8")
        # "{LATEST}" and "{DAY}" stand for the latest release's version and date, so that a case outlives the next
        # release.
        before, after = (change[k].replace("{LATEST}", LATEST).replace("{DAY}", DAY) for k in ("old", "new"))
        assert before in text, change
        # "encoding" saves the file as another program would (a spreadsheet's Windows-1252).
        path.write_text(text.replace(before, after, 1), encoding=change.get("encoding", "utf-8"))
    pad = spec(case).get("pad")
    if pad:
        (path,) = [root / e["file"] for e in spec(case)["expect"]]
        with path.open("ab") as handle:
            handle.write(b"# " + b"x" * pad + b"\n")
    return root / "data"


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes, and where every link points (a FIFO, a link or a folder is never read)."""
    found: dict[str, bytes | str] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            key = path.relative_to(root).as_posix()
            found[key] = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else "special"
    return found


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_case_reports_its_problem_and_nothing_else_happens(case: str, tmp_path: Path) -> None:
    data = build(case, tmp_path)
    before = tree(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(data), "--format", "json"])
    assert code == spec(case).get("exit", 1), out.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    reported = json.loads(out.getvalue())
    assert all(p["file"] and len(p["message"]) <= 400 for p in reported), reported
    found = {(p["code"], p["file"], p["line"]) for p in reported}
    for expected in spec(case)["expect"]:
        assert (expected["code"], str(tmp_path / expected["file"]), expected["line"]) in found, sorted(found)
    assert tree(tmp_path) == before


def test_every_code_in_the_catalogue_is_exercised() -> None:
    in_corpus = {e["code"] for case in CASES for e in spec(case)["expect"]}
    assert sorted(set(CODES) - in_corpus - set(ELSEWHERE)) == []


def test_every_code_the_code_raises_is_in_the_catalogue() -> None:
    raised = {m for p in (ROOT / "ketdata").rglob("*.py") for m in re.findall(r'"(KD\d{3})"', p.read_text())}
    assert sorted(raised - set(CODES)) == []
