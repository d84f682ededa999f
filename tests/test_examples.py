"""Every documented example works on a fresh clone: the README's, the docs', and every command's --help."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketdata._cli import _parser

from .helpers import ROOT, accept_drafted

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# What a clone holds that the commands read; the package itself is the installed one.
CLONE = ("data", "releases", "schema", "exports", "CHANGELOG.md", ".gitattributes")
# diff tells a difference by its exit code.
MAY_DIFFER = re.compile(r"^ketdata diff ")
# review serves until stopped: it works when it prints the page's address.
SERVES = re.compile(r"^ketdata review\b")


def _blocks(language: str) -> list[tuple[str, str]]:
    found = []
    for doc in DOCUMENTS:
        for block in re.findall(rf"```{language}\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL):
            found.append((doc.name, block))
    return found


def _documented_commands() -> list[str]:
    commands = []
    for _, block in _blocks("sh"):
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            line = line.strip()
            if line.startswith("ketdata "):
                commands.append(shlex.join(shlex.split(line, comments=True)))
    return commands


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += [sub, *_subparsers(sub)]
    return found


def _help_commands() -> list[str]:
    parser = _parser()
    commands = [re.split(r"\s{2,}", line.strip())[0] for line in (parser.epilog or "").splitlines()
                if line.startswith("  ketdata ")]  # fmt: skip
    for sub in _subparsers(parser):
        epilog = re.sub(r"^examples?: ", "", sub.epilog or "")
        commands += [c.strip() for c in epilog.split("; ") if c.strip().startswith("ketdata ")]
    return [shlex.join(shlex.split(c)) for c in commands]


COMMANDS = sorted(set(_documented_commands()) | set(_help_commands()))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("clone") / "ketdata"
    for name in CLONE:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, root / name)
    # The `ketdata source update` examples read a new revision of the article: the editor guide's worked example.
    article = (root / "data/sources/ketamine-overview.txt").read_bytes().decode("utf-8")
    revised = article.replace("Ketamine is a medication", "Ketamine is a prescription medication", 1)
    (root / "new-article.txt").write_bytes(revised.replace("ketamine can be felt", "ketamine will be felt", 1).encode())
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "clone")):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=root,
                       check=True, capture_output=True)  # fmt: skip
    return root


@pytest.fixture
def clone(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "ketdata", symlinks=True))


def test_the_examples_were_found() -> None:
    assert len(COMMANDS) >= 20
    for wanted in ("ketdata diff 1.0.0 data", "ketdata validate", "ketdata new claim --statement"):
        assert any(c.startswith(wanted) for c in COMMANDS), wanted


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_works_on_a_fresh_clone(command: str, clone: Path) -> None:
    _, *args = shlex.split(command)
    if SERVES.match(command):
        assert_serves(args, clone)
        return
    if args[0] == "release":  # the shipped data's drafted weakenings (KD517) are the maintainer's to accept
        args += accept_drafted(clone / "data")
    result = subprocess.run([sys.executable, "-m", "ketdata", *args], cwd=clone, capture_output=True, text=True,
                            check=False)  # fmt: skip
    allowed = {0, 1} if MAY_DIFFER.match(command) else {0}
    assert result.returncode in allowed, (command, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr


def assert_serves(args: list[str], clone: Path) -> None:
    # BROWSER=true: --open runs `true` instead of a browser.
    process = subprocess.Popen([sys.executable, "-m", "ketdata", *args], cwd=clone, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "BROWSER": "true"})  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert re.search(r" at http://[0-9a-f]{24}\.localhost:[0-9]+/\?token=", line), line
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(("document", "block"), _blocks("python"), ids=lambda v: v if v.endswith(".md") else "")
def test_documented_python_runs_on_a_fresh_clone(document: str, block: str, clone: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(clone)
    exec(compile(block, document, "exec"), {})
