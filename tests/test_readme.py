"""The README's commands and code are true."""

from __future__ import annotations

import os
import re

import pytest

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_python_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert [p for p in namespace["problems"] if p.severity.value != "info"] == []
    assert namespace["bad"] == []


def test_readme_starts_with_the_two_setup_commands_ci_runs() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_block is not None
    commands = first_block.group(1).strip().splitlines()
    assert len(commands) == 2
    main_job, tests = commands
    assert "ketdata validate" in main_job and "ketdata export" in main_job
    assert tests.endswith("pytest")
    ci_lines = [line.strip() for line in CI.splitlines()]
    assert main_job in ci_lines and tests in ci_lines


def test_ci_script_is_executable() -> None:
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
