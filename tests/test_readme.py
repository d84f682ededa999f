"""The README's commands and code are true."""

from __future__ import annotations

import os
import re

import pytest

import ketdata

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_python_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    report = namespace["report"]
    assert isinstance(report, ketdata.ValidationReport) and report.ok


def test_readme_is_short_and_refers_to_nothing_outside_the_repository() -> None:
    assert len(README.splitlines()) < 100
    assert not re.search(r"\bissues?\b|#\d+|\.\./|shared/", README)
    for link in re.findall(r"\]\(([^)#]+)\)", README):
        assert link.startswith("https://") or (ROOT / link).is_file(), link


def test_readme_says_what_each_version_number_means() -> None:
    assert "**Package version**" in README and "**dataset version**" in README and "**schema version**" in README
    assert re.search(r"ketdata==(\d+\.\d+\.\d+)`, get the \1 data", README)
    assert re.search(r"\d+\.\d+\.\d+\.post1", README)
    assert "pip install ketdata" not in README


def test_readme_starts_with_the_two_setup_commands_ci_runs() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_block is not None
    commands = first_block.group(1).strip().splitlines()
    assert len(commands) == 2
    main_job, tests = commands
    assert "ketdata validate" in main_job and "ketdata export" in main_job
    assert tests.endswith("pytest")
    ci_lines = [line.strip() for line in CI.splitlines()]
    commands_run = [line for line in ci_lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands_run == [main_job, tests]  # exactly the README's commands, so CI proves the README
    assert "--no-deps" not in main_job + tests  # no consumer silently downgraded by a second, unresolved install


def test_ci_script_is_executable() -> None:
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_the_test_environment_is_consistent_and_no_consumer_was_downgraded() -> None:
    """README's one install line resolves every consumer together: pip finds no broken requirement, and sssom is
    the release with the full validator (fhirpathpy, whose ANTLR pin would conflict, lives in its own venv)."""
    import importlib.metadata
    import subprocess
    import sys

    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    major, minor, patch = (int(x) for x in importlib.metadata.version("sssom").split(".")[:3])
    assert (major, minor, patch) >= (0, 4, 12)
