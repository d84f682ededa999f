"""Attack 4's low findings, each attacked again from outside: the command line on a copy of the project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ROOT, accept_drafted

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


# --- A4-26, A4-34: the user's state and cache folders are used only where they are said to be ------------


@pytest.mark.parametrize("kind", ["relative", "link"])
def test_a_relative_or_linked_state_folder_is_refused(project: Path, tmp_path: Path, kind: str) -> None:
    real = tmp_path / "state"
    real.mkdir(mode=0o700)
    if kind == "link":
        (tmp_path / "state-link").symlink_to(real)
    given = "relstate" if kind == "relative" else str(tmp_path / "state-link")
    result = cli("export", "--out", tmp_path / "out", cwd=project, KETDATA_STATE_DIR=given)
    assert result.returncode == 2 and "state folder" in result.stderr, result.stderr
    assert not (project / "relstate").exists() and list(real.iterdir()) == []
    assert not (tmp_path / "out").exists()
    fine = cli("export", "--out", tmp_path / "out", cwd=project, KETDATA_STATE_DIR=str(real))
    assert fine.returncode == 0, fine.stderr
    assert [p.name for p in real.iterdir()] == ["folders"]


def test_a_cache_folder_given_as_a_link_is_not_used(project: Path, tmp_path: Path) -> None:
    real = tmp_path / "cache"
    real.mkdir(mode=0o700)
    (tmp_path / "cache-link").symlink_to(real)
    result = cli("validate", "--cache", "--verbose", cwd=project, KETDATA_CACHE_DIR=str(tmp_path / "cache-link"))
    assert result.returncode == 0 and "KD034" in result.stdout and "is a link" in result.stdout
    assert list(real.iterdir()) == []
    used = cli("validate", "--cache", "--verbose", cwd=project, KETDATA_CACHE_DIR=str(real))
    assert "KD034" not in used.stdout and list(real.iterdir()) != []


# --- A4-30: ids are unique, the dataset's own included; the repeat is the record the release does not hold --


def test_new_cannot_take_the_datasets_id(project: Path) -> None:
    concepts = (project / "data/concepts.yaml").read_bytes()
    result = cli("new", "concept", "--id", "ketdata", "--label", "X ketdata", "--kind", "condition", cwd=project)
    assert result.returncode == 1 and "KD201" in result.stderr and "the dataset's own id" in result.stderr
    assert (project / "data/concepts.yaml").read_bytes() == concepts


def test_a_repeated_id_is_blamed_on_the_record_the_release_does_not_hold(project: Path) -> None:
    concepts = project / "data/concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    concepts.write_text(text + "---\nid: caveat-001\nlabel: Caveat 001\nkind: condition\n", encoding="utf-8")
    result = cli("validate", cwd=project)
    (blamed,) = [line for line in result.stdout.splitlines() if "KD201" in line]
    assert blamed.startswith("data/concepts.yaml:") and "already used by a caveat at data/caveats.yaml:2" in blamed


# --- A4-23, A4-24: a record that could not be read, or lost a place, makes no other record's check fire -----


def _codes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted(line.split(": ")[2].split()[0] for line in result.stdout.splitlines() if ": KD" in line)


@pytest.mark.parametrize("how", ["syntax error", "linked folder"])
def test_an_unread_claims_file_suspends_sentence_coverage(project: Path, tmp_path: Path, how: str) -> None:
    claims = project / "data/claims"
    if how == "syntax error":
        with (claims / "therapy-practice.yaml").open("a", encoding="utf-8") as handle:
            handle.write("x: [\n")
    else:
        claims.rename(tmp_path / "claims")
        claims.symlink_to(tmp_path / "claims")
    result = cli("validate", cwd=project)
    assert result.returncode == 1 and "KD402" not in result.stdout, result.stdout
    assert "KD018" in result.stdout and "sentences quoted by no record" in result.stdout
    shown = cli("coverage", cwd=project)
    assert shown.returncode == 1 and "could not be read: a sentence shown MISS may be quoted there" in shown.stderr


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("data/claims/harms.yaml", "  start: 453\n  end: 502", "  start: 453.0\n  end: 502"),
        ("data/claims/harms.yaml", "  start: 453\n  end: 502", "  start: 1e400\n  end: 502"),
        ("data/claims/harms.yaml", "  start: 453\n  end: 502", "  start: !!str 453\n  end: 502"),
        ("data/caveats.yaml", "    start: 964\n    end: 1880", "    start: 964.0\n    end: 1880"),
        ("data/sources/ketamine-overview.yaml", "  end: 652\n", "  end: 652.0\n"),
    ],
)
def test_a_wrong_typed_offset_is_one_problem_and_no_scope_cascade(project: Path, file: str, old: str, new: str) -> None:
    path = project / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = cli("validate", cwd=project)
    assert result.returncode == 1
    assert "KD104" in _codes(result) and "KD608" not in _codes(result), result.stdout


# --- A4-21: claims where no category review looks are reported, and a hidden file is neither read nor formatted --


def _move_claim_013(project: Path, name: str) -> None:
    harms = project / "data/claims/harms.yaml"
    text = harms.read_text(encoding="utf-8")
    start, end = text.index("---\nid: claim-013"), text.index("---\nid: claim-014")
    (project / "data/claims" / name).write_text(text[start:end], encoding="utf-8")
    harms.write_text(text[:start] + text[end:], encoding="utf-8")


def test_claims_in_a_hidden_file_are_not_read_and_said_so(project: Path) -> None:
    _move_claim_013(project, ".x.yaml")
    result = cli("validate", cwd=project)
    assert result.returncode == 1
    assert "data/claims/.x.yaml:1:1: -: KD012" in result.stdout and "the file is hidden" in result.stdout
    (project / "data/claims/.x.yaml").unlink()
    hidden = project / "data/claims/.hidden.yaml"
    hidden.write_text("b: 1\na: 2\n", encoding="utf-8")
    formatted = cli("fmt", cwd=project)
    assert ".hidden.yaml" not in formatted.stdout + formatted.stderr
    assert hidden.read_text(encoding="utf-8") == "b: 1\na: 2\n"


def test_claims_in_a_file_named_for_no_category_are_a_warning(project: Path) -> None:
    _move_claim_013(project, "x.yaml")
    result = cli("validate", "--strict", cwd=project)
    assert result.returncode == 1
    assert "data/claims/x.yaml:2:1: claim-013: KD571 claims/x.yaml is named for no category" in result.stdout


# --- A4-13: the article's author, URL, date and licence are unknown, and filling them in never passes silently --


def test_invented_article_metadata_stops_validation_and_release_until_the_note_says_where(project: Path) -> None:
    source = project / "data/sources/ketamine-overview.yaml"
    text = source.read_text(encoding="utf-8")
    nulls = "author: null\nurl: null\npublished: null\nlicense: null\n"
    assert nulls in text
    invented = "author: Dr Jane Smith\nurl: https://example.org/k\npublished: '2021-05-01'\nlicense: CC-BY-4.0\n"
    source.write_text(text.replace(nulls, invented), encoding="utf-8")
    result = cli("validate", cwd=project)
    found = [line for line in result.stdout.splitlines() if "KD570" in line]
    assert [line.split(":")[1] for line in found] == ["8", "9", "10", "11"], result.stdout
    assert "null (unknown) in release" in found[0] and result.returncode == 1  # errors while the note is as released
    refused = cli("release", "--dry-run", cwd=project)
    assert refused.returncode == 1 and "not releasing" in refused.stderr + refused.stdout
    # A6-4: a note saying where they come from makes them warnings a release prints.
    noted = text.replace(nulls, invented).replace("note: Author,", "note: Taken from the publisher's page. Author,")
    source.write_text(noted, encoding="utf-8")
    assert cli("validate", cwd=project).returncode == 0
    assert cli("validate", "--strict", cwd=project).returncode == 1
    dry = cli("release", "--dry-run", *accept_drafted(project / "data"), cwd=project)
    assert dry.returncode == 0 and sum("KD570" in line for line in dry.stderr.splitlines()) == 4
    source.write_text(text, encoding="utf-8")
    assert "KD570" not in cli("validate", "--verbose", cwd=project).stdout


# --- A4-16: the publisher changing a word and changing it back leaves nothing to review ------------------


def test_a_word_changed_and_changed_back_leaves_no_mark(project: Path) -> None:
    article = project / "data/sources/ketamine-overview.txt"
    original = article.read_bytes()
    text = original.decode("utf-8")
    old = "The effects of ketamine can be felt within minutes"
    assert old in text
    (project / "B.txt").write_bytes(text.replace(old, old.replace("can", "will")).encode("utf-8"))
    (project / "A.txt").write_bytes(original)
    claims = {p: p.read_bytes() for p in sorted((project / "data").rglob("*.yaml")) if "sources" not in p.parts}
    changed = json.loads(cli("diff", "3.3.0", "data", "--format", "json", cwd=project).stdout)["changes"]
    unreleased = [(c["kind"], c["id"]) for c in changed]  # records changed since the release, before the update
    first = cli("source", "update", "ketamine-overview", "B.txt", "--write", cwd=project)
    assert first.returncode == 0 and "KD700" in cli("validate", cwd=project).stdout, first.stderr
    dry = cli("source", "update", "ketamine-overview", "A.txt", "--format", "json", cwd=project)
    assert "claim-036" in json.loads(dry.stdout)["undone"]
    back = cli("source", "update", "ketamine-overview", "A.txt", "--write", cwd=project)
    assert back.returncode == 0 and "0 records to review" in back.stdout, back.stdout + back.stderr
    assert "undone   claim-036" in back.stdout
    result = cli("validate", cwd=project)
    assert result.returncode == 0 and "KD70" not in result.stdout, result.stdout
    # Every record is as released again, byte for byte: no mark, no raised version.
    assert {p: p.read_bytes() for p in claims} == claims
    diff = cli("diff", "3.3.0", "data", "--format", "json", cwd=project)
    found = [(c["kind"], c["id"]) for c in json.loads(diff.stdout)["changes"]]
    # The source's revisions changed too (it may also have changed before the update, as a drafted note).
    assert sorted(found) == sorted({*unreleased, ("source", "ketamine-overview")})


def test_a_category_split_over_files_keeps_its_claims_to_that_category(project: Path) -> None:
    _move_claim_013(project, "names-2.yaml")  # a harm, in a second file of the names category
    result = cli("validate", cwd=project)
    assert "KD571" not in result.stdout
    assert "data/claims/names-2.yaml:" in result.stdout and "KD032 category 'harms' differs" in result.stdout
