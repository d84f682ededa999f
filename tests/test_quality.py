"""The code is held to its own standards: ruff (lint and format) and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .helpers import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_ruff_lint() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout


DOWNSTREAM_OK = """
import json

import ketdata
from ketdata.records import Claim, to_plain

ds = ketdata.load()
claim: Claim = ds.claim("claim-001")
statement: str = claim.statement
hedge: str | None = claim.hedge
quotes: list[str] = [span.quote for span in claim.evidence]
print(json.dumps(to_plain(claim)), statement, hedge, quotes, len(ds), [i for i in ds][:1])
"""

DOWNSTREAM_WRONG = """
import dataclasses

import ketdata

claim = ketdata.load().claim("claim-001")
dataclasses.asdict(claim)
dataclasses.replace(claim, statement="x")
claim.statement = "changed"
"""


def test_a_downstream_script_type_checks_and_runs(tmp_path: Path) -> None:
    """What mypy --strict accepts in a consumer's script works at run time."""
    script = tmp_path / "consumer.py"
    script.write_text(DOWNSTREAM_OK, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(script)], capture_output=True, text=True, cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stdout
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr


def test_type_checkers_refuse_what_fails_at_run_time(tmp_path: Path) -> None:
    """Records are not dataclasses and are immutable: mypy says so before the script fails."""
    script = tmp_path / "consumer.py"
    script.write_text(DOWNSTREAM_WRONG, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(script)], capture_output=True, text=True, cwd=tmp_path
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in errors] == [7, 8, 9], checked.stdout
