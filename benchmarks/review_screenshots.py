"""The screenshots of docs/reviewing.md, taken in Chromium at 1440x900 on a copy of ./data.

It lives beside benchmarks/review_walk.py, whose server and browser set-up it shares.

Usage: python benchmarks/review_screenshots.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from review_walk import ARGS, HEIGHT, WIDTH, served  # noqa: E402

ASSETS = ROOT / "docs" / "assets"


def go(page: Page, url: str, record: str) -> None:
    page.goto(f"{url}?record={record}")
    page.wait_for_load_state("load")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", data)
        with served(data) as printed, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(printed)
            url = printed.split("?")[0]
            page.fill("#reviewer-name", "Dr Ada Example")
            page.fill("#reviewer-role", "consultant psychiatrist")
            with page.expect_navigation():
                page.click("#reviewer-form button")
            # A save just made: the next record of the sentence, the notice with Undo, repeats collapsed.
            go(page, url, "claim-045")
            with page.expect_navigation():
                page.keyboard.press("c")
            page.wait_for_load_state("load")
            page.screenshot(path=str(ASSETS / "review-workbench.png"))
            # Flagging by keys: f, a reason's number, n for the note.
            page.keyboard.press("f")
            page.keyboard.press("4")
            page.keyboard.press("n")
            page.keyboard.type("'typically' describes practice here, not how firmly it is known")
            page.screenshot(path=str(ASSETS / "review-flag.png"))
            page.keyboard.press("Escape")
            with page.expect_navigation():
                page.keyboard.press("f")
            # The flagged record re-opened.
            go(page, url, "claim-046")
            page.screenshot(path=str(ASSETS / "review-flagged.png"))
            # A caveat: the claims it governs, and its scope highlighted in the article.
            go(page, url, "caveat-001")
            page.screenshot(path=str(ASSETS / "review-caveat.png"))
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
