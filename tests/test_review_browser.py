"""The review workbench end to end in a real browser (Debian's Chromium, driven by Playwright), on a data copy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ketdata._validation.pipeline import run

from .helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")  # from the system packages; .ci/run installs it
# No Google services, no network lookups: the page must work offline.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts"  # kept out of git; CI keeps it


@pytest.fixture
def served(data: Path) -> Iterator[str]:
    """`ketdata review` serving the copy, as a reviewer starts it; yields the one-time URL it prints."""
    process = subprocess.Popen([sys.executable, "-m", "ketdata", "review", str(data), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert " at http://127.0.0.1:" in line, line + (process.stderr.read() if process.stderr else "")
        yield line.split(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def page() -> Iterator[Page]:
    assert CHROMIUM.exists(), "Chromium is missing: apt-get install -y chromium (as .ci/run does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page(viewport={"width": 1600, "height": 1000})
        finally:
            browser.close()


def review_of(path: Path, record_id: str) -> dict[str, object]:
    (value,) = [v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == record_id]
    return dict(value["review"])


def test_a_reviewer_flags_and_confirms_records_in_a_browser(served: str, page: Page, data: Path) -> None:
    offline: list[str] = []
    page.on("request", lambda r: offline.append(r.url) if not r.url.startswith("http://127.0.0.1:") else None)
    page.goto(served)
    expect(page).to_have_url(served.split("?")[0])  # the token went into a cookie, out of the address bar
    page.fill("#reviewer-name", "Dr Ada Example")
    page.fill("#reviewer-role", "consultant psychiatrist")
    page.click("#reviewer-form button")
    expect(page.locator("header")).to_contain_text("Reviewing as Dr Ada Example (consultant psychiatrist)")

    # Pick a marked span in the article: its records are listed; open one of them.
    page.click('.article a.span[data-start="138"]')
    listed = page.locator("#at-records")
    expect(listed).to_contain_text("claim-005")
    listed.get_by_role("link", name="claim-006").click()
    expect(page.locator("#record-id")).to_contain_text("claim-006")
    expect(page.locator("#statement")).to_have_text("Dissociative anesthetics work by reducing sensations of pain.")

    page.get_by_label("Overstates the article").check()
    page.fill("#note", "The article says 'reducing', not removing, pain.")
    page.click("#flag")
    expect(page.locator("#notice")).to_contain_text("Saved: claim-006 flagged")
    expect(page.locator("#problems")).to_contain_text("KD612")
    expect(page.locator("#progress")).to_contain_text("1 flagged")

    # Keyboard: the next record in the queue, then confirm it.
    following = page.locator('a[rel="next"]').inner_text().split()[0]
    # The page reloads after a save: the key goes to it once its script is listening (a busy CI machine can
    # take its time), so the press is retried a bounded number of times.
    page.wait_for_load_state("load")
    for _ in range(3):
        # Keys typed into a form field or button are theirs, not navigation: press j on the page itself.
        page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
        page.keyboard.press("j")
        try:
            page.wait_for_url(f"**record={following}*", timeout=5000)
            break
        except PlaywrightTimeoutError:
            continue
    expect(page.locator("#record-id")).to_contain_text(following)
    page.click("#confirm")
    expect(page.locator("#notice")).to_contain_text(f"Saved: {following} confirmed. Validation: no problems.")
    expect(page.locator("#progress")).to_contain_text("1 reviewed")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-workbench.png"), full_page=False)
    assert offline == []

    flagged = review_of(data / "claims/effects.yaml", "claim-006")
    assert flagged["status"] == "flagged" and flagged["flags"] == ["overstates-the-article"]
    assert flagged["reviewed_by"] == "Dr Ada Example" and flagged["reviewer_role"] == "consultant psychiatrist"
    assert flagged["note"] == "The article says 'reducing', not removing, pain."
    files = [p for p in data.rglob("*.yaml") if f"id: {following}\n" in p.read_text(encoding="utf-8")]
    assert review_of(files[0], following)["status"] == "reviewed"
    problems = run(data).problems
    assert [(p.code, p.record_id) for p in problems if p.severity.value != "info"] == [("KD612", "claim-006")]
    assert not [p for p in problems if p.record_id == following]
