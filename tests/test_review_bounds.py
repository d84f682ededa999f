"""The review server keeps its promises (issue #20 §5): bounded requests, a token that works once and never
sits in a process's arguments, and usage errors for what a reviewer mistypes."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from ketdata._workbench import _http

from .workbench import running


def raw_exchange(host: str, data: bytes, wait: float = 5.0) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it (or ``wait`` passes)."""
    port = host.rpartition(":")[2]
    with socket.create_connection(("127.0.0.1", int(port)), timeout=wait) as conn:
        conn.sendall(data)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_a_large_request_body_is_refused_unread(data: Path) -> None:
    before = (data / "claims/effects.yaml").read_bytes()
    with running(data) as wb:
        wb.sign_in()
        big = {"record": "claim-005", "verdict": "reviewed", "note": "x" * (_http.MAX_BODY + 1)}
        assert wb.request("POST", "/review", big).status == 413
        # Chunked, without a length: counted as it arrives.
        head = (f"POST /review HTTP/1.1\r\nHost: {wb.host}\r\nOrigin: http://{wb.host}\r\n"
                f"Cookie: ketdata_review={wb.session.cookie}\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode()  # fmt: skip
        chunk = b"a" * 32768
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n"
        assert raw_exchange(wb.host, head + body).startswith(b"HTTP/1.1 413")
    assert (data / "claims/effects.yaml").read_bytes() == before


def test_a_slow_client_is_cut_off(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "REQUEST_TIMEOUT", 0.5)
    with running(data) as wb:
        started = time.monotonic()
        # Headers that never end: the server closes the connection instead of waiting for ever.
        assert raw_exchange(wb.host, f"GET / HTTP/1.1\r\nHost: {wb.host}\r\n".encode(), wait=10) == b""
        assert time.monotonic() - started < 5
        # A body that never comes.
        head = (f"POST /review HTTP/1.1\r\nHost: {wb.host}\r\nOrigin: http://{wb.host}\r\n"
                f"Cookie: ketdata_review={wb.session.cookie}\r\nContent-Length: 100\r\n\r\nab").encode()  # fmt: skip
        started = time.monotonic()
        assert raw_exchange(wb.host, head, wait=10) == b""
        assert time.monotonic() - started < 5
        assert wb.request("GET", "/").status == 200  # the server is still there for everyone else


@pytest.mark.parametrize("at", ["9" * 5000, "1" * 10, "-1", "١٢", "1e9", "", "0" * 9])
def test_an_offset_of_any_length_or_form_is_answered(data: Path, at: str) -> None:
    with running(data) as wb:
        reply = wb.request("GET", f"/?record=claim-005&at={quote(at)}")
    assert reply.status == 200 and "Claim 5" in reply.body


def test_the_token_dies_once_exchanged_everywhere(data: Path) -> None:
    with running(data) as wb:
        assert wb.request("GET", f"/?token={wb.session.token}", token="").status == 200
        for path in ("/", f"/?token={wb.session.token}", f"/assets/review.js?token={wb.session.token}"):
            assert wb.request("GET", path, token="").status == 403
        assert wb.request("POST", f"/review?token={wb.session.token}", {"record": "claim-005"}, token="").status == 403
        # Sending the token as the cookie does not work either: only the cookie's own secret does.
        assert wb.request("GET", "/", token=wb.session.token).status == 403
        assert wb.request("GET", "/").status == 200


RECORDER = """#!/bin/sh
printf '%s\\n' "$0" "$@" > "{out}"
"""


def test_open_puts_no_reusable_secret_in_a_process_argument(data: Path, tmp_path: Path) -> None:
    recorder, out = tmp_path / "browser", tmp_path / "argv"
    recorder.write_text(RECORDER.format(out=out), encoding="utf-8")
    recorder.chmod(0o700)
    env = {**os.environ, "BROWSER": str(recorder)}
    process = subprocess.Popen([sys.executable, "-m", "ketdata", "review", str(data), "--port", "0", "--open"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ", 1)[1].strip()
        token = url.split("token=", 1)[1]
        deadline = time.monotonic() + 20
        while not out.exists() or not out.read_text(encoding="utf-8").strip():
            assert time.monotonic() < deadline, "the browser was not started"
            time.sleep(0.05)
        argv = out.read_text(encoding="utf-8").split("\n")
        assert token not in " ".join(argv)
        (opened,) = [a for a in argv if a.startswith("file://")]
        page = Path(opened.removeprefix("file://"))
        # The page that forwards the browser is readable by this user alone.
        assert stat.S_IMODE(page.stat().st_mode) == 0o600 and stat.S_IMODE(page.parent.stat().st_mode) == 0o700
        assert url in page.read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(10)
    assert not page.exists()  # removed when the server stops


@pytest.mark.parametrize("args", [["--port", "70000"], ["--port", "-1"], ["--port", "http"], ["--port", "9" * 5000]])
def test_a_port_out_of_range_is_a_usage_error(data: Path, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "ketdata", "review", str(data), *args], capture_output=True,
                            text=True, check=False, timeout=60)  # fmt: skip
    assert result.returncode == 2 and "is not a port (0 to 65535)" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr) < 1000


def test_a_missing_data_folder_or_a_taken_port_is_a_usage_error(tmp_path: Path, data: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "ketdata", "review", str(tmp_path / "nowhere")],
                             capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "nowhere" in missing.stderr
    # A folder holding no data (empty, or the exports) serves no empty queue that would look all reviewed.
    for folder in (tmp_path, data.parent / "exports"):
        folder.mkdir(exist_ok=True)
        empty = subprocess.run([sys.executable, "-m", "ketdata", "review", str(folder)], capture_output=True,
                               text=True, check=False, timeout=60)  # fmt: skip
        assert empty.returncode == 2 and "is not a data folder" in empty.stderr, empty.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run([sys.executable, "-m", "ketdata", "review", str(data), "--port", str(port)],
                              capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert busy.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr


@pytest.mark.parametrize("path", ["/review", "/rest", "/undo", "/reviewer"])
def test_every_form_refuses_a_foreign_origin_or_a_missing_csrf_token(data: Path, path: str) -> None:
    with running(data) as wb:
        wb.sign_in()
        assert wb.verdict("claim-004", "reviewed").status == 303  # something Undo could take back
        before = {p: p.read_bytes() for p in sorted(data.rglob("*.yaml"))}
        form = {"record": "claim-005", "verdict": "reviewed", "item": "claim-005|x|", "name": "M", "role": "x"}
        assert wb.request("POST", path, form, origin="http://evil.example").status == 403
        assert wb.request("POST", path, form, origin=None).status == 403
        assert wb.request("POST", path, form, csrf=False).status == 403
        assert wb.session.reviewer == "Dr Ada Example" and wb.session.undo
    assert {p: p.read_bytes() for p in sorted(data.rglob("*.yaml"))} == before
