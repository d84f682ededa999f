"""The command line: exit codes, output format, and no tracebacks on bad data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .helpers import ROOT, edit, undrafted_lines

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rid>\S+): (?P<code>KD\d{3}) .+$")


def ketdata(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_validate_clean_data_exits_zero() -> None:
    result = ketdata("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    # Only the policy warnings drafted since the release (declared in the changelog's draft) until the next one.
    assert undrafted_lines(result.stdout) == []


def test_validate_reports_every_problem_as_located_lines(data: Path) -> None:
    edit(data / "claims/identity.yaml", "category: identity", "category: identiy")
    edit(data / "claims/harms.yaml", "version: 4", "version: 0")
    (data / "claims/broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = ketdata("validate", data)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    # KD018: the broken file's claims could not be read, so the checks needing every claim say they did not run.
    assert {m.group("code") for m in matches if m} == {"KD202", "KD101", "KD003", "KD018"}


def test_validate_json_format(data: Path) -> None:
    edit(data / "claims/identity.yaml", "category: identity", "category: identiy")
    result = ketdata("validate", data, "--format", "json")
    assert result.returncode == 1
    (problem,) = [p for p in json.loads(result.stdout) if p["severity"] != "info"]
    assert problem["code"] == "KD202"
    assert problem["record_id"] == "claim-001"
    assert problem["severity"] == "error"


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert ketdata("validate", tmp_path / "missing").returncode == 2
    assert ketdata("frobnicate").returncode == 2
    assert ketdata("validate", "--format", "xml").returncode == 2


def test_default_folder_is_data_in_the_working_directory(data: Path) -> None:
    edit(data / "claims/identity.yaml", "category: identity", "category: identiy")
    result = ketdata("validate", cwd=data.parent)
    assert result.returncode == 1
    assert result.stdout.startswith("data/claims/identity.yaml:")


def test_without_a_data_folder_validate_exits_two_with_a_hint(tmp_path: Path) -> None:
    for command in ("validate", "coverage", "export"):
        result = ketdata(command, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "no data folder here" in result.stderr and "--shipped" in result.stderr
    assert not (tmp_path / "exports").exists()


def test_validate_says_which_folder_it_checked(tmp_path: Path) -> None:
    here = ketdata("validate")
    assert here.returncode == 0 and "checked data: 0 errors" in here.stderr
    assert ketdata("validate", "--format", "json").stderr == "checked data\n"
    shipped = ketdata("validate", "--shipped", cwd=tmp_path)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert re.search(r"checked \S+data: 0 errors", shipped.stderr)


def test_validate_at_the_repository_root_points_to_data_and_never_walks_hidden_folders(project: Path) -> None:
    result = ketdata("validate", ".", cwd=project)
    assert result.returncode == 2 and "did you mean data" in result.stderr
    venv = project / "data" / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "config.yaml").write_text("a: 1\n", encoding="utf-8")
    assert ketdata("validate", "data", cwd=project).returncode == 0


def test_coverage_reports_every_sentence() -> None:
    result = ketdata("coverage")
    assert result.returncode == 0
    assert "17/17 sentences covered (100 %)" in result.stdout


def test_coverage_fails_when_a_sentence_is_uncovered(data: Path) -> None:
    (data / "claims/names.yaml").unlink()
    result = ketdata("coverage", data)
    assert result.returncode == 1
    assert "16/17" in result.stdout and "MISS" in result.stdout


def test_export_check_passes_on_the_committed_exports() -> None:
    result = ketdata("export", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_export_writes_and_check_detects_staleness(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    assert ketdata("export", data, "--out", out).returncode == 0
    assert ketdata("export", data, "--out", out, "--check").returncode == 0
    assert (out / "json/ketdata.json").read_bytes() == (ROOT / "exports/json/ketdata.json").read_bytes()
    edit(data / "claims/identity.yaml", "statement: Ketamine is a medication.", "statement: ketamine is a medication.")
    stale = ketdata("export", data, "--out", out, "--check")
    assert stale.returncode == 1
    assert "json/ketdata.json" in stale.stdout


def test_export_refuses_invalid_data(data: Path, tmp_path: Path) -> None:
    edit(data / "claims/identity.yaml", "category: identity", "category: identiy")
    result = ketdata("export", data, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert not (tmp_path / "out").exists()


def test_help_has_examples() -> None:
    for command in ("validate", "coverage", "export"):
        result = ketdata(command, "--help")
        assert result.returncode == 0 and "example" in result.stdout


def test_codes_lists_the_catalogue() -> None:
    from ketdata._model.problems import CODES

    text = ketdata("codes").stdout
    assert all(code in text for code in CODES)
    rows = json.loads(ketdata("codes", "--format", "json").stdout)
    assert [r["code"] for r in rows] == sorted(CODES)
    assert ketdata("codes", "--format", "markdown").stdout.startswith("| code |")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "benchmarks/generate.py"), "1000", str(tmp_path)], check=True)
    # Over a thousand info lines: more than a pipe holds, so the writer meets the closed pipe.
    proc = subprocess.Popen(
        [sys.executable, "-m", "ketdata", "validate", "--verbose", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert "KD601" in proc.stdout.readline()
    proc.stdout.close()
    errors = proc.stderr.read()
    assert proc.wait() == 141  # 128 + SIGPIPE, as the shell gives a writer whose reader went: not 1 (problems)
    assert "Traceback" not in errors


def test_an_empty_quote_is_a_usage_error() -> None:
    done = ketdata("locate", " ")
    assert done.returncode == 2 and "the quote is empty" in done.stderr


def test_an_unwritable_export_folder_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    done = ketdata("export", "--out", str(blocker / "exports"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("ketdata: error:") and str(blocker) in done.stderr


def test_coverage_without_a_readable_source_says_so(data: Path) -> None:
    (data / "sources/ketamine-overview.txt").unlink()
    done = ketdata("coverage", str(data))
    assert done.returncode == 1
    assert "KD301" in done.stderr and not done.stdout and "no source text could be read" in done.stderr


def test_show_on_invalid_data_reports_problems_without_a_traceback(data: Path) -> None:
    edit(data / "claims/identity.yaml", "evidence_status: established", "evidence_status: establishd")
    dangling = ketdata("show", "claim-001", "--data", data)
    assert dangling.returncode == 1 and "did you mean 'established'" in dangling.stderr
    edit(data / "claims/identity.yaml", "statement: Ketamine is a medication.", "statement: [1, 2]")
    broken = ketdata("show", "claim-001", "--data", data)
    assert broken.returncode == 1 and "KD104" in broken.stderr and not broken.stdout
    (data / "sources/ketamine-overview.txt").write_text("changed", encoding="utf-8")
    for result in (dangling, broken, ketdata("show", "claim-002", "--data", data)):
        assert "Traceback" not in result.stderr


def test_output_streams_can_be_injected(data: Path) -> None:
    """The CLI writes to the streams it is given: a caller (or a test) need not capture the process's own."""
    import io

    from ketdata._cli import main as run_cli

    out, err = io.StringIO(), io.StringIO()
    assert run_cli(["validate", str(data), "--format", "json"], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue()) == [] or all(p["severity"] == "info" for p in json.loads(out.getvalue()))
    assert f"checked {data}" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(["validate", "--no-such-option"], stdout=out, stderr=err) == 2
    assert "usage:" in err.getvalue() and out.getvalue() == ""
