"""Every file ketdata reads as text is decoded in one place: a byte another program saved in Windows-1252 is a
located problem (KD001), and every command stops with its normal exit code, never a traceback (A5-19)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from ketdata._cli import main

from .helpers import is_drafted_json

# A spreadsheet saves "café" in Windows-1252 as b"caf\xe9": not UTF-8.
CP1252_LINE = "caf\u00e9,1\n".encode("cp1252")


def run(*argv: str | Path) -> tuple[int, str]:
    """Exit code and standard output of a command, which never prints a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue()


def append(path: Path, data: bytes) -> tuple[int, int]:
    """Append bytes to a file; the line and column (characters) of the first byte that is not UTF-8."""
    before = path.read_bytes()
    path.write_bytes(before + data)
    at = len(before) + data.index(b"\xe9") if b"\xe9" in data else len(before)
    head = (before + data)[:at]
    return head.count(b"\n") + 1, len(head[head.rfind(b"\n") + 1 :].decode("utf-8")) + 1


def validated(data: Path) -> list[dict[str, object]]:
    code, out = run("validate", data, "--format", "json")
    assert code == 1, out
    found: list[dict[str, object]] = json.loads(out)
    return found


@pytest.mark.parametrize(
    ("name", "at"),
    [
        ("data/reference/codes.csv", CP1252_LINE),
        ("data/rules.yaml", b"# " + CP1252_LINE),
        ("CHANGELOG.md", CP1252_LINE),
        ("releases/SHA256SUMS", CP1252_LINE),
    ],
)
def test_a_windows_1252_byte_is_located_and_every_command_stops_cleanly(project: Path, name: str, at: bytes) -> None:
    path = project / name
    line, column = append(path, at)
    data = project / "data"
    found = [(p["code"], p["file"], p["line"], p["column"]) for p in validated(data)]
    assert ("KD001", str(path), line, column) in found, found
    assert run("export", data, "--out", project / "exports")[0] == 1
    assert run("export", data, "--out", project / "exports", "--check")[0] == 1
    code, out = run("release", data, "--dry-run")
    assert code == 1, out


def test_a_source_text_not_utf8_is_located_in_the_text(data: Path) -> None:
    import hashlib

    text = data / "sources/ketamine-overview.txt"
    line, column = append(text, CP1252_LINE)
    record = data / "sources/ketamine-overview.yaml"
    old = record.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    record.write_text(old.replace(old.split("sha256: ")[1][:64], digest, 1), encoding="utf-8")
    found = [(p["code"], p["file"], p["line"], p["column"], p["record_id"]) for p in validated(data)]
    assert ("KD001", str(text), line, column, "ketamine-overview") in found, found


def test_a_table_of_codes_with_a_byte_order_mark_is_reported(data: Path) -> None:
    table = data / "reference/codes.csv"
    table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    found = [(p["code"], p["file"], p["line"]) for p in validated(data)]
    assert ("KD002", str(table), 1) in found, found
    # The table is still read: its rows are what every coding is checked against, so no coding is unmatched.
    assert not [f for f in found if f[0] == "KD314"], found


def test_the_rows_of_a_table_with_a_bad_byte_are_still_checked(project: Path) -> None:
    table = project / "data/reference/codes.csv"
    line, _ = append(table, CP1252_LINE)
    found = [(p["code"], p["file"], p["line"]) for p in validated(project / "data") if not is_drafted_json(p)]
    # The row is read past its bad byte: a row ketdata's verified table does not hold (KD563).
    assert [f for f in found if f[0] not in ("KD615", "KD601")] == [
        ("KD563", str(table), line),
        ("KD001", str(table), line),
    ]


def test_a_row_the_csv_reader_cannot_take_is_located(data: Path) -> None:
    table = data / "reference/codes.csv"
    line, _ = append(table, b"x" * 140_000 + b",1\n")
    found = [(p["code"], p["file"], p["line"]) for p in validated(data)]
    assert ("KD710", str(table), line) in found, found
