"""The review workbench end to end in a real browser (Debian's Chromium, driven by Playwright), on a data copy."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from playwright.sync_api import Page, expect, sync_playwright

from ketdata._validation.pipeline import run

from .helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from review_walk import ARGS, HEIGHT, WIDTH, report, served, walk

CHROMIUM = Path("/usr/bin/chromium")  # from the system packages; the chromium fixture installs it
ARTIFACTS = ROOT / "test-artifacts"  # kept out of git; CI keeps it


@pytest.fixture
def url(data: Path) -> Iterator[str]:
    """`ketdata review` serving the copy, as a reviewer starts it; yields the one-time URL it prints."""
    with served(data) as printed:
        yield printed


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed by the test itself where it is missing (as root: README's test command is
    all a new machine runs; Playwright's own browser download needs more of the internet than a registry)."""
    if not CHROMIUM.exists():
        assert os.geteuid() == 0, "Chromium is missing: install Debian's chromium (apt-get install -y chromium)"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env, capture_output=True)
    assert CHROMIUM.exists()
    return CHROMIUM


@pytest.fixture
def page(chromium: Path) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            yield browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        finally:
            browser.close()


def review_of(path: Path, record_id: str) -> dict[str, object]:
    (value,) = [v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == record_id]
    return dict(value["review"])


def test_a_reviewer_walks_every_record_by_keys_alone(url: str, page: Page, data: Path) -> None:
    offline: list[str] = []
    own = url.split("/?")[0] + "/"
    page.on("request", lambda r: offline.append(r.url) if not r.url.startswith(own) else None)
    totals = walk(page, url, data)
    print("\n" + report(totals))
    assert totals.records == 52 and totals.confirms + totals.flags == 52
    assert totals.max_keys_per_confirm <= 2 and totals.scrolls <= 1
    assert totals.enter_checks >= 5 and totals.undo_checks == 1
    assert offline == []
    flagged = sorted(p.record_id or "" for p in run(data).problems if p.code == "KD612")
    assert len(flagged) == totals.flags and not [p for p in run(data).problems if p.code == "KD601"]


def test_a_reviewer_picks_a_span_flags_with_the_mouse_and_reopens_the_flag(url: str, page: Page, data: Path) -> None:
    page.goto(url)
    expect(page).to_have_url(url.split("?")[0])  # the token went into a cookie, out of the address bar
    page.fill("#reviewer-name", "Dr Ada Example")
    page.fill("#reviewer-role", "consultant psychiatrist")
    page.click("#reviewer-form button")
    expect(page.locator("header")).to_contain_text("Reviewing as Dr Ada Example (consultant psychiatrist)")

    # Pick a marked span in the article: its records are listed; open one of them.
    page.click('.article a.span[data-start="138"]')
    listed = page.locator("#at-records")
    expect(listed).to_contain_text("Claim 5")
    listed.get_by_role("link", name="Claim 6").click()
    expect(page.locator("#statement")).to_have_text(
        "Dissociative anesthetics work by reducing sensations of pain (and producing a trance-like state in the user)."
    )

    page.click("#flag-open")
    page.get_by_label("Overstates the article").check()
    page.fill("#note", "The article says 'reducing', not removing, pain.")
    page.click("#flag")
    expect(page.locator("#notice")).to_contain_text("Saved: Claim 6 flagged")
    expect(page.locator("#progress")).to_contain_text("1 flagged")
    page.goto(url.split("?")[0] + "?record=claim-006")
    box = page.locator("#flagged-claim-006")
    expect(box).to_contain_text("Overstates the article")
    expect(box).to_contain_text("The article says 'reducing', not removing, pain.")
    expect(box).to_contain_text("A flag blocks the release")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-workbench.png"), full_page=False)

    flagged = review_of(data / "claims/effects.yaml", "claim-006")
    assert flagged["status"] == "flagged" and flagged["flags"] == ["overstates-the-article"]
    assert flagged["reviewed_by"] == "Dr Ada Example" and flagged["reviewer_role"] == "consultant psychiatrist"
    problems = run(data).problems
    assert [(p.code, p.record_id) for p in problems if p.severity.value != "info"] == [("KD612", "claim-006")]


class _Listener(http.server.BaseHTTPRequestHandler):
    """Another local server (any local user can start one): records the Cookie header of every request."""

    seen: ClassVar[list[tuple[str, str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.headers.get("Host", ""), self.path, self.headers.get("Cookie", "")))
        body = b"<!doctype html><img src='/image'><script src='/script.js'></script>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_another_local_server_never_receives_the_session_cookie(url: str, page: Page) -> None:
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    _Listener.seen = []
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    other = listener.server_address[1]
    try:
        page.goto(url)  # the reviewer opens the printed address: the token becomes the session cookie
        expect(page.locator("#progress")).to_contain_text("unreviewed")
        (cookie,) = page.context.cookies()
        assert cookie["name"] == "ketdata_review" and cookie["domain"] == url.split("//")[1].split(":")[0]
        # Then the same browser visits pages of another local server, under every name a page could use.
        for name in ("127.0.0.1", "localhost", "other.localhost"):
            page.goto(f"http://{name}:{other}/steal")
            page.wait_for_load_state("networkidle")
        page.goto(url.split("?")[0])  # and the review page still works in that browser
        expect(page.locator("#progress")).to_contain_text("unreviewed")
    finally:
        listener.shutdown()
    hosts = {host.split(":")[0] for host, _, _ in _Listener.seen}
    assert hosts == {"127.0.0.1", "localhost", "other.localhost"}  # the listener was reached under each name
    assert [s for s in _Listener.seen if "ketdata_review" in s[2]] == []


def test_open_hands_the_browser_a_private_page_that_leads_to_the_secret_name(
    data: Path, page: Page, tmp_path: Path
) -> None:
    # The "browser" --open starts is a script that keeps what it was given; the real browser then opens that.
    opener = tmp_path / "browser"
    opener.write_text(f'#!/bin/sh\nprintf %s "$1" > {tmp_path}/given\n', encoding="utf-8")
    opener.chmod(0o700)
    process = subprocess.Popen([sys.executable, "-m", "ketdata", "review", str(data), "--port", "0", "--open"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "BROWSER": str(opener)})  # fmt: skip
    try:
        assert process.stdout is not None
        printed = process.stdout.readline().split(" at ", 1)[1].strip()
        given = tmp_path / "given"
        for _ in range(200):
            if given.exists() and given.read_text(encoding="utf-8"):
                break
            page.wait_for_timeout(50)
        handed = given.read_text(encoding="utf-8")
        assert handed.startswith("file://") and "token" not in handed  # no secret in the browser's arguments
        page.goto(handed)
        page.wait_for_url(printed.split("?")[0])  # forwarded to the printed name, token exchanged for a cookie
        expect(page.locator("#progress")).to_contain_text("unreviewed")
        assert ".localhost:" in page.url and page.context.cookies()[0]["domain"] == page.url.split("/")[2].split(":")[0]
    finally:
        process.terminate()
        process.wait(10)
