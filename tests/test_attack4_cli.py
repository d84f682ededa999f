"""The fourth attack's findings on releases, exit codes, the terminal and the review server, attacked from outside.

Each test runs the command line on a copy of the project, as a user would, and checks what it prints, what it
exits with and what it leaves on disk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import DAY, LATEST, ROOT

PYTHON = sys.executable
HARMS = "data/claims/harms.yaml"


def cli(*args: str | Path, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "ketdata", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          input=stdin, check=False)  # fmt: skip


def files(root: Path) -> dict[str, bytes]:
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".ketdata"]
        for name in names:
            path = Path(folder) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


# --- A4-2: released data whose history is gone is never released again as a "first release" ---------------------


def _history_gone(project: Path) -> None:
    """A released claim changed without a bump, and the release history removed (a hostile change, a partial copy)."""
    path = project / HARMS
    text = path.read_text(encoding="utf-8")
    assert "with its own qualifiers" in text
    path.write_text(text.replace("with its own qualifiers", "with its very own qualifiers", 1), encoding="utf-8")
    shutil.rmtree(project / "releases")
    (project / "CHANGELOG.md").unlink()


def test_released_data_without_its_history_is_not_released_again(project: Path) -> None:
    _history_gone(project)
    before = files(project)
    for argv in (["release", "--dry-run"], ["release"], ["release", "data", "--date", DAY]):
        done = cli(*argv, cwd=project)
        assert done.returncode == 1, (argv, done.stdout, done.stderr)
        assert "first release" not in done.stdout
        assert f"data/dataset.yaml:4:1: ketdata: KD514 says release {LATEST} was cut on" in done.stderr, done.stderr
        assert "not releasing" in done.stderr and "never cut again" in done.stderr
    assert files(project) == before


def test_records_above_version_1_say_the_data_was_released_whatever_its_release_date(project: Path) -> None:
    _history_gone(project)
    dataset = project / "data/dataset.yaml"
    text = dataset.read_text(encoding="utf-8")
    dataset.write_text(re.sub(r"(?m)^release_date: .*$", "release_date: null", text), encoding="utf-8")
    before = files(project)
    done = cli("release", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r": KD514 is at version \d+ \(and \d+ other record\(s\) above version 1\), so it was released",
                     done.stderr), done.stderr  # fmt: skip
    assert files(project) == before
    # Validating such a folder on its own still works; it says the version rules did not run.
    checked = cli("validate", "--verbose", cwd=project)
    assert checked.returncode == 0 and "KD514" in checked.stdout


def test_a_first_release_of_data_never_released_is_still_cut(project: Path) -> None:
    """Data that says it was never released (no release date, every record at version 1) gets its first release."""
    shutil.rmtree(project / "releases")
    (project / "CHANGELOG.md").unlink()
    dataset = project / "data/dataset.yaml"
    text = dataset.read_text(encoding="utf-8")
    dataset.write_text(re.sub(r"(?m)^release_date: .*$", "release_date: null", text), encoding="utf-8")
    for path in [*(project / "data/claims").glob("*.yaml"), project / "data/caveats.yaml"]:
        body = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^version: \d+$", "version: 1", body), encoding="utf-8")
    done = cli("release", "data", "--date", DAY, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"release {ketdata_version(project)} (first release)" in done.stdout
    assert (project / f"releases/{ketdata_version(project)}.json").is_file()
    assert "First release:" in (project / "CHANGELOG.md").read_text(encoding="utf-8")


def ketdata_version(project: Path) -> str:
    match = re.search(r"(?m)^version: (\S+)$", (project / "data/dataset.yaml").read_text(encoding="utf-8"))
    assert match
    return match.group(1)


# --- A4-7: a reader gone in the middle of one large write is exit 141, whatever the format ----------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_diff_cut_by_its_reader_exits_141_not_1(fmt: str) -> None:
    """`diff` prints its whole report in one write, larger than a pipe holds: the reader takes 20 bytes and goes."""
    whole = cli("diff", "1.0.0", "data", "--format", fmt, cwd=ROOT)
    assert whole.returncode == 1 and len(whole.stdout.encode()) > 65536 + 8192, len(whole.stdout)
    proc = subprocess.Popen([PYTHON, "-m", "ketdata", "diff", "1.0.0", "data", "--format", fmt], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(20)) == 20
    proc.stdout.close()
    errors = proc.stderr.read().decode()
    assert proc.wait() == 141, errors  # 1 would say "they differ" of a report nobody read in full
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors


# --- A4-3: an id or an argument a message names is cut like any value it quotes ---------------------------------

LONGEST_LINE = 1100  # an id cut to 80, a word to 200, a line to 1000, with a path and a code before it


def _lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return (done.stdout + done.stderr).splitlines()


def test_a_megabyte_id_is_cut_in_every_problem_line_but_kept_whole_in_json(project: Path) -> None:
    path = project / HARMS
    long_id = "claim-013" + "x" * 1_000_000
    path.write_text(path.read_text(encoding="utf-8").replace("id: claim-013", f"id: {long_id}", 1), encoding="utf-8")
    done = cli("validate", cwd=project)
    assert done.returncode == 1
    lines = _lines(done)
    assert max(map(len, lines)) < LONGEST_LINE, max(map(len, lines))
    assert any(line.startswith(f"{HARMS}:2:1: claim-013xxxx") and "…: KD" in line for line in lines), lines[:5]
    # JSON is for programs: the record id stays whole there, as the file has it.
    as_json = cli("validate", "--format", "json", cwd=project)
    assert long_id in {p["record_id"] for p in json.loads(as_json.stdout)}


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "b" * 5000],
        ["show", "b " * 5000],
        ["new", "concept", "--id", "a" * 5000, "--label", "N", "--kind", "condition"],
        ["diff", "c" * 5000, "data"],
        ["locate", "d" * 5000],
        ["validate", "--format", "e" * 5000],
        ["export", "--out", "f" * 5000],
    ],
    ids=["show", "show-spaced", "new", "diff", "locate", "bad-option", "export"],
)
def test_an_argument_echoed_in_a_message_is_cut(argv: list[str], project: Path) -> None:
    before = files(project)
    done = cli(*argv, cwd=project)
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert done.stderr and max(map(len, _lines(done))) < LONGEST_LINE, max(map(len, _lines(done)))
    assert "Traceback" not in done.stderr
    assert files(project) == before


# --- A4-31: `export --check` never passes a Parquet file whose statistics make readers skip rows -----------------


def test_export_check_refuses_a_parquet_file_with_a_false_max_and_its_checksum(tmp_path: Path) -> None:
    import hashlib

    import duckdb

    project = tmp_path / "project"
    for name in ("data", "releases", "exports"):
        shutil.copytree(ROOT / name, project / name)
    assert cli("export", "--check", cwd=project).returncode == 0
    path = project / "exports/parquet/claims.parquet"
    data = path.read_bytes()
    last = max(re.findall(rb"claim-\d{3}", data))
    assert data.count(last) == 2
    crafted = data.replace(last, b"claim-010")
    path.write_bytes(crafted)
    manifest_path = project / "exports/manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == "parquet/claims.parquet":
            entry["sha256"] = hashlib.sha256(crafted).hexdigest()
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert duckdb.connect().execute(f"select count(*) from '{path}' where id = 'claim-045'").fetchone() == (0,)
    done = cli("export", "--check", cwd=project)
    assert done.returncode == 1 and "stale: exports/parquet/claims.parquet" in done.stdout + done.stderr, done
    assert cli("export", cwd=project).returncode == 0
    assert duckdb.connect().execute(f"select count(*) from '{path}' where id = 'claim-045'").fetchone() == (1,)
    assert cli("export", "--check", cwd=project).returncode == 0


# --- A4-22: an output encoding that cannot hold every character is written to, never a traceback -----------------

ENCODINGS = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "C locale": {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
}


def run_in(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    merged = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL", "LANG")}
    merged.update({k: v for k, v in env.items() if v})
    return subprocess.run([PYTHON, "-m", "ketdata", *argv], cwd=ROOT, capture_output=True, env=merged, check=False)


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["show", "claim-039"], 0),
        (["diff", "1.0.0", "data"], 1),
        (["codes"], 0),
        (["list"], 0),
        (["show", "no-such-id-\u2026"], 2),
    ],
)
def test_a_narrow_output_encoding_gets_escapes_not_a_traceback(encoding: str, argv: list[str], code: int) -> None:
    done = run_in(ENCODINGS[encoding], *argv)
    assert done.returncode == code, done.stderr.decode("utf-8", "replace")[-500:]
    assert b"Traceback" not in done.stderr
    if argv[-1].isascii():
        # Each character the encoding cannot hold stands as its escape; everything else is as a UTF-8 run has it.
        utf8 = run_in({"PYTHONIOENCODING": "utf-8"}, *argv)
        narrow = "latin-1" if encoding == "latin-1" else "ascii"
        assert done.stdout == utf8.stdout.decode("utf-8").encode(narrow, "backslashreplace")


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_json_output_in_a_narrow_encoding_is_the_same_json(encoding: str) -> None:
    done = run_in(ENCODINGS[encoding], "diff", "1.0.0", "data", "--format", "json")
    utf8 = run_in({"PYTHONIOENCODING": "utf-8"}, "diff", "1.0.0", "data", "--format", "json")
    assert done.returncode == utf8.returncode == 1 and b"Traceback" not in done.stderr
    assert json.loads(done.stdout) == json.loads(utf8.stdout)


# --- A4-17: a refusal's problems are messages (stderr), never mixed into a command's data (stdout) ---------------


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--format", "json"],
        ["list"],
        ["show", "claim-014"],
        ["locate", "can be dangerous"],
        ["coverage"],
        ["release", "--dry-run"],
        ["export", "--out", "elsewhere"],
    ],
    ids=lambda a: " ".join(a),
)
def test_the_problems_that_stop_a_command_go_to_stderr(argv: list[str], project: Path) -> None:
    path = project / HARMS
    text = path.read_text(encoding="utf-8")
    statement = "statement: The recreational use of ketamine can be dangerous."
    assert statement in text
    # An escape sequence in a statement (KD108): the data cannot be built, so these commands refuse.
    path.write_text(text.replace(statement, 'statement: "The recreational use of ketamine can be dangerous.\\e[31m"'),
                    encoding="utf-8")  # fmt: skip
    done = cli(*argv, cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "KD108" in done.stderr and "KD108" not in done.stdout, done.stdout[:500]
    if argv[-1] == "json":
        assert done.stdout == "" or json.loads(done.stdout) is not None


# --- A4-26, A4-34: the state and cache folders are absolute real folders, never made or used through a link ------


def _export_elsewhere(project: Path, tmp_path: Path, state: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETDATA_STATE_DIR": state}
    return subprocess.run([PYTHON, "-m", "ketdata", "export", "--out", str(tmp_path / "out")], cwd=project,
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip


def test_a_relative_state_folder_is_refused_and_nothing_is_made_where_the_command_runs(
    project: Path, tmp_path: Path
) -> None:
    before = files(project)
    done = _export_elsewhere(project, tmp_path, "relstate")
    assert done.returncode == 2 and "is not an absolute path" in done.stderr, done.stderr
    assert files(project) == before and not (project / "relstate").exists() and not (tmp_path / "out").exists()


def test_a_linked_state_folder_is_refused_and_nothing_is_made_through_it(project: Path, tmp_path: Path) -> None:
    real = tmp_path / "real-state"
    real.mkdir(mode=0o700)
    (tmp_path / "state-link").symlink_to(real)
    done = _export_elsewhere(project, tmp_path, str(tmp_path / "state-link"))
    assert done.returncode == 2 and "is a link" in done.stderr, done.stderr
    assert list(real.iterdir()) == [] and not (tmp_path / "out").exists()
    # The real folder itself is used.
    assert _export_elsewhere(project, tmp_path, str(real)).returncode == 0
    assert (real / "folders").is_dir() and (tmp_path / "out/manifest.json").is_file()


def test_a_linked_cache_folder_is_not_used_and_says_so(project: Path, tmp_path: Path) -> None:
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    (tmp_path / "cache-link").symlink_to(real)
    env = {**os.environ, "KETDATA_CACHE_DIR": str(tmp_path / "cache-link")}
    done = subprocess.run([PYTHON, "-m", "ketdata", "validate", "--cache", "--verbose"], cwd=project,
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KD034 validated without the cache: the cache folder" in done.stdout and "is a link" in done.stdout
    assert list(real.iterdir()) == []


# --- A4-16: a publisher who undoes an edit (A -> B -> A) leaves nothing for a person to decide ------------------


def test_an_article_edited_and_restored_leaves_no_record_held(project: Path, tmp_path: Path) -> None:
    def changed() -> set[str]:
        diff = cli("diff", LATEST, "data", "--format", "json", cwd=project)
        return {c["id"] for c in json.loads(diff.stdout)["changes"]}

    before = changed()
    article = project / "data/sources/ketamine-overview.txt"
    original = article.read_bytes()
    assert b"The effects of ketamine can be felt within minutes" in original
    edited = tmp_path / "B.txt"
    edited.write_bytes(original.replace(b"effects of ketamine can be felt", b"effects of ketamine will be felt"))
    restored = tmp_path / "A.txt"
    restored.write_bytes(original)
    first = cli("source", "update", "ketamine-overview", edited, "data", "--write", cwd=project)
    assert first.returncode == 0 and "records to review" in first.stdout, first.stdout + first.stderr
    held = cli("validate", cwd=project)
    assert held.returncode == 1 and "KD700" in held.stdout
    back = cli("source", "update", "ketamine-overview", restored, "data", "--write", cwd=project)
    assert back.returncode == 0, back.stdout + back.stderr
    assert "; 0 records to review;" in back.stdout and back.stdout.rstrip().endswith("written"), back.stdout[-400:]
    checked = cli("validate", cwd=project)
    assert checked.returncode == 0 and "KD700" not in checked.stdout, checked.stdout
    assert article.read_bytes() == original
    assert not [p for p in (project / "data").rglob("*.yaml") if "source_update:" in p.read_text(encoding="utf-8")]
    # Every record is back as released; only the source record says the article had a revision in between.
    assert changed() == before | {"ketamine-overview"}
