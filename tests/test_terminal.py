"""The terminal is an output sink like HTML or CSV: nothing any command prints reaches it raw.

Every command runs here on a data folder whose own path holds an escape sequence, a C1 control and a
bidi override (paths are printed by many messages), with hostile values where each command prints data;
none of those characters may reach stdout or stderr raw. Messages quote values cut short, whatever
their size, and an unseen character is refused wherever data is read: a YAML value, raw or escaped, a
quote, or the article's own text.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ketdata._cli import main
from ketdata._io.escape import find_unseen, terminal_text, unseen

from .helpers import DATA, edit

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202e\u2066\u200b\r\U000e0041"
IDENTITY = "claims/identity.yaml"


def raw_unseen(text: str) -> list[str]:
    return [unicodedata.name(text[i], hex(ord(text[i]))) for i in find_unseen(text)]


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / f"proj{HOSTILE}"
    root.mkdir()
    shutil.copytree(DATA, root / "data")
    shutil.copytree(DATA.parent / "releases", root / "releases")
    yield root


def hostile_copy(project: Path) -> Path:
    """A second data folder whose statement holds the hostile characters (as YAML escapes), for diff to print."""
    other = project / "other"
    shutil.copytree(project / "data", other)
    text = yaml.safe_dump(f"Ketamine is a medication.{HOSTILE}", width=10_000).removesuffix("\n...\n").strip()
    assert raw_unseen(text) == []
    edit(other / IDENTITY, "statement: Ketamine is a medication.", f"statement: {text}")
    return other


COMMANDS: list[list[str]] = [
    ["validate", "{data}"],
    ["validate", "{data}", "--format", "json", "--verbose"],
    ["validate", "{other}"],
    ["validate", "{other}", "--format", "json"],
    ["coverage", "{data}"],
    ["diff", "{data}", "{other}"],
    ["diff", "{data}", "{other}", "--format", "json"],
    ["diff", "{data}", "{other}", "--format", "markdown"],
    ["diff", "{releases}/3.1.0.json", "{other}"],
    ["show", "claim-001", "--data", "{data}"],
    ["show", "claim-001", "--data", "{other}"],
    ["show", f"claim-{HOSTILE}", "--data", "{data}"],
    ["list", "--data", "{data}"],
    ["list", "--data", "{other}", "--format", "json"],
    ["list", "--data", "{data}", "--category", HOSTILE],
    ["locate", f"Ketamine is a {HOSTILE}", "--data", "{data}"],
    ["locate", "Ketamine is a medication", "--data", "{data}", "--source", HOSTILE],
    ["fmt", "--check", "{other}"],
    ["fmt", "{data}"],
    ["export", "--check", "--out", "{out}", "{data}"],
    ["export", "--out", "{out}", "{other}"],
    ["release", "--dry-run", "{other}"],
    ["new", "concept", "--id", "x", "--label", HOSTILE, "--kind", "condition", "--data", "{data}"],
    ["new", "claim", "--statement", HOSTILE, "--subject", "ketamine", "--predicate", "is_a", "--object", "medication",
     "--category", "identity", "--evidence", "established", "--quote", HOSTILE, "--data", "{data}"],
    ["validate", f"{{data}}{HOSTILE}"],
    ["codes", "--format", HOSTILE],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) + f" #{i}" for i, c in enumerate(COMMANDS)])
def test_no_command_prints_an_unseen_character_raw(project: Path, command: list[str]) -> None:
    other = hostile_copy(project)
    values = {"data": project / "data", "other": other, "releases": project / "releases", "out": project / "out"}
    code, out, err = cli(*(a.format(**values) if "{" in a else a for a in command))
    assert code in (0, 1, 2)
    assert raw_unseen(out) == [] and raw_unseen(err) == [], (out[-500:], err[-500:])
    if "json" in command and (code == 0 or (command[0] == "diff" and code == 1)):
        json.loads(out)  # still JSON


def test_a_folder_holding_an_unseen_character_is_refused_where_it_is_read(project: Path) -> None:
    """diff, show and list never print such a value: the folder is refused, with the character located."""
    other = hostile_copy(project)
    for args in (["diff", project / "data", other], ["show", "claim-001", "--data", other], ["list", "--data", other]):
        code, out, err = cli(*args)
        assert code in (1, 2) and "KD108" in out + err and "identity.yaml:5:" in out + err, args


def test_a_message_quotes_a_huge_value_cut_short(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data / IDENTITY, "statement: Ketamine is a medication.", "statement: Ketamine " + "very " * 800_000 + "x")
    code, out, err = cli("validate", data, "--format", "json")
    assert code == 1
    problems = json.loads(out)
    assert problems and all(len(p["message"]) <= 300 and len(p["hint"]) <= 300 for p in problems)
    code, out, err = cli("validate", data)
    assert max(map(len, (out + err).splitlines())) < 600


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec=None, exclude_categories=[]), max_size=40))
def test_terminal_text_leaves_nothing_unseen_and_json_keeps_its_meaning(text: str) -> None:
    shown = terminal_text(text)
    assert all(c in "\t\n" or not unseen(c) for c in shown)
    assert "\n" not in terminal_text(text, newlines=False)
    dumped = json.dumps(text, ensure_ascii=False)
    assert json.loads(terminal_text(dumped, json=True)) == text
    if not any(unseen(c) for c in text if c not in "\t\n"):
        assert shown == text


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("\u202e", True), ("\u2066", True), ("\u200b", True), ("\u00ad", True), ("\ufeff", True), ("\x1b", True),
        ("\x9b", True), ("\u2028", True), ("\ufe0f", True), ("\U000e0041", True), ("\U000e0100", True),
        ("\u3164", True), ("\u034f", True), ("\ufffe", True), ("\U0001fffe", True), ("\ud800", True),
        ("\u00a0", False), ("\u2026", False), ("é", False), ("a", False), (" ", False), ("\u0301", False),
        ("\U0001f600", False), ("\u0336", True), ("\u0338", True), ("\u20d2", True), ("\u2800", True),
        ("\ufffc", True), ("\u0308", False),
    ],
)  # fmt: skip
def test_unseen_goes_by_unicode_properties(char: str, expected: bool) -> None:
    assert unseen(char) is expected


def test_every_overlay_mark_is_unseen() -> None:
    """A mark that strikes its letter through ("n\u0336o\u0336t\u0336", A8-07) is refused wherever data is read."""
    assert [hex(c) for c in range(0x110000) if unicodedata.combining(chr(c)) == 1 and not unseen(chr(c))] == []


def test_every_format_character_is_unseen() -> None:
    """Whatever Unicode adds to category Cf (bidi controls, tags, zero-width characters) is covered."""
    assert [hex(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf" and not unseen(chr(c))] == []
