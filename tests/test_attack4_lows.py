"""Attack 4's low findings, each attacked again from outside: the command line on a copy of the project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ROOT

PYTHON = sys.executable


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("data", "releases"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    return root


def cli(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "ketdata", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, errors="replace")  # fmt: skip


# --- A4-22: a terminal that cannot hold every character -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["show", "claim-039"], {"PYTHONIOENCODING": "ascii"}),
        (["show", "claim-039"], {"PYTHONIOENCODING": "latin-1"}),
        (["show", "claim-039"], {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}),
        (["diff", "1.0.0", "data"], {"PYTHONIOENCODING": "latin-1"}),
        (["diff", "1.0.0", "data", "--format", "markdown"], {"PYTHONIOENCODING": "ascii"}),
        (["codes"], {"PYTHONIOENCODING": "ascii"}),
        (["list"], {"PYTHONIOENCODING": "ascii"}),
        (["coverage"], {"PYTHONIOENCODING": "ascii"}),
        (["locate", "a sense of euphoria"], {"PYTHONIOENCODING": "ascii"}),
    ],
)
def test_a_narrow_output_encoding_escapes_what_it_cannot_hold(
    project: Path, args: list[str], env: dict[str, str]
) -> None:
    result = cli(*args, cwd=project, **env)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout.strip()


def test_json_stays_json_on_an_ascii_stream(project: Path) -> None:
    wide = cli("diff", "1.0.0", "data", "--format", "json", cwd=project)
    narrow = cli("diff", "1.0.0", "data", "--format", "json", cwd=project, PYTHONIOENCODING="ascii")
    assert narrow.stdout.isascii() and not wide.stdout.isascii()
    assert json.loads(narrow.stdout) == json.loads(wide.stdout)


# --- A4-17: a command refused for the data's problems prints them as messages, never as its data ---------


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--format", "json"],
        ["list", "--format", "csv"],
        ["show", "claim-014"],
        ["locate", "a sense of euphoria"],
        ["coverage"],
        ["release", "--dry-run"],
        ["new", "concept", "--id", "vertigo", "--label", "Vertigo", "--kind", "condition"],
    ],
)
def test_a_refusal_goes_to_stderr_and_stdout_keeps_only_data(project: Path, args: list[str]) -> None:
    harms = project / "data/claims/harms.yaml"
    text = harms.read_text(encoding="utf-8")
    old = "statement: The recreational use of ketamine can be dangerous."
    harms.write_text(text.replace(old, 'statement: "The recreational use of ketamine can be dangerous.\\e[31m"'),
                     encoding="utf-8")  # fmt: skip
    result = cli(*args, cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "KD108" in result.stderr and "KD108" not in result.stdout
    if "json" in args:
        assert result.stdout == "" or json.loads(result.stdout) is not None
