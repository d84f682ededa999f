"""A reviewer's pass over every record of the data, by keys alone, in Chromium at 1440x900.

Walks the review workbench from the first record awaiting review to the last, confirming each with its key
(flagging a few, undoing one save), and checks on every record what a reviewer relies on: the verdict
controls are on screen; the record shown is the next one awaiting review in article order (worked out here
from the YAML files, not by ketdata); withdrawn records never come up; Enter in a text field records
nothing; Undo puts the file back byte for byte; at the end the page's counters equal the files on disk.
It counts the key presses per verdict and the scrolls the reviewer needed, and prints the totals.

The test suite runs the same walk (tests/test_review_browser.py); run it alone on a copy of ./data with:
    python benchmarks/review_walk.py [--data data] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import Page, sync_playwright

WIDTH, HEIGHT = 1440, 900
REVIEW_LOG = "review-log.jsonl"  # where the workbench logs each save it writes, in the data folder
# No Google services, no network lookups: the page must work offline.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FLAG_EVERY = 20  # every 20th record is flagged (f, a reason, f), to walk that path too
ENTER_EVERY = 10  # Enter is pressed in every text field of every 10th record's page
NOTE = "I doubt the hedge here"


@dataclass
class Totals:
    """What the pass took."""

    records: int = 0
    confirms: int = 0
    flags: int = 0
    confirm_keys: int = 0
    flag_keys: int = 0
    max_keys_per_confirm: int = 0
    scrolls: int = 0
    enter_checks: int = 0
    undo_checks: int = 0
    seconds: float = 0.0
    shown: list[str] = field(default_factory=list)

    @property
    def keys_per_confirm(self) -> float:
        """Key presses per confirmed record."""
        return self.confirm_keys / self.confirms if self.confirms else 0.0


def records_on_disk(data: Path) -> dict[str, dict[str, Any]]:
    """Every claim and caveat, read with PyYAML straight from the files."""
    files = [*sorted((data / "claims").glob("*.yaml")), data / "caveats.yaml"]
    return {v["id"]: v for f in files for v in yaml.safe_load_all(f.read_text(encoding="utf-8")) if v}


def file_bytes(data: Path) -> dict[str, bytes]:
    """Every file under the data folder, as bytes, but the log of review saves (each save appends to it)."""
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*"))
            if p.is_file() and p.name != REVIEW_LOG}  # fmt: skip


def saves_logged(data: Path) -> int:
    """How many review saves the log records (one line each)."""
    log = data / REVIEW_LOG
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def retired(value: dict[str, Any]) -> bool:
    """Withdrawn or superseded: never to be reviewed."""
    return value.get("status") == "withdrawn" or bool(value.get("superseded_by"))


def article_order(data: Path) -> list[str]:
    """The records to review, ordered by where their statement's evidence starts in the article."""
    values = records_on_disk(data)

    def start(v: dict[str, Any]) -> int:
        stating = [e["start"] for e in v["evidence"] if e["role"] == "statement"]
        return min(stating or [e["start"] for e in v["evidence"]])

    return [v["id"] for v in sorted(values.values(), key=lambda v: (start(v), v["id"])) if not retired(v)]


def expected_next(data: Path, order: list[str], after: str | None) -> str | None:
    """The first record after ``after`` (from the start again) whose review block on disk is still unreviewed."""
    values = records_on_disk(data)
    i = order.index(after) + 1 if after in order else 0
    return next((r for r in [*order[i:], *order[:i]] if values[r]["review"]["status"] == "unreviewed"), None)


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element is drawn entirely inside the window, and not hidden behind another pane."""
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= WIDTH \
        and box["y"] + box["height"] <= HEIGHT  # fmt: skip


def statement_visible(page: Page) -> bool:
    """Whether the focused record's statement is inside its pane's visible part and the window."""
    visible: bool = page.evaluate(
        """() => {
        const s = document.getElementById("statement");
        if (!s) return false;
        const r = s.getBoundingClientRect(), pane = s.closest(".sentence").getBoundingClientRect();
        return r.top >= pane.top && r.bottom <= pane.bottom && r.bottom <= window.innerHeight;
    }"""
    )
    return visible


def current(page: Page) -> str:
    """The record the verdict bar acts on."""
    return page.locator('#verdict-form input[name="record"]').get_attribute("value") or ""


def keys(page: Page, *pressed: str, navigates: bool = True) -> int:
    """Press keys (the first on the page itself), the last one sending a form unless told; returns how many."""
    if pressed[0] != "Escape":
        page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    for key in pressed[:-1]:
        page.keyboard.press(key)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(pressed[-1])
        page.wait_for_load_state("load")
    else:
        page.keyboard.press(pressed[-1])
    return len(pressed)


def enter_records_nothing(page: Page, data: Path) -> None:
    """Enter in every text field of the page, the note among them, sends no verdict and changes no file."""
    before, record, here = file_bytes(data), current(page), page.url
    names = page.locator("input[type=text], input:not([type]), textarea")
    ids = [names.nth(i).get_attribute("id") for i in range(names.count())]
    assert {"reviewer-name", "reviewer-role", "note"} <= set(ids), ids
    for field_id in ids:
        if field_id == "note":
            keys(page, "n", navigates=False)  # opens the flag reasons and goes to the note
            page.keyboard.type(NOTE)
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)  # a form sent by Enter would have left by now
            assert page.url == here and page.locator("#note").input_value() == NOTE, "Enter in the note sent it"
        else:
            # Enter in the reviewer's name or role sends that form (the reviewer as typed), never a verdict.
            page.locator(f"#{field_id}").focus()
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.wait_for_load_state("load")
        assert file_bytes(data) == before, f"Enter in {field_id} changed a file on {record}"
        assert current(page) == record
    page.goto(here)  # a clean form again
    page.wait_for_load_state("load")


def undo_restores_bytes(page: Page, data: Path, totals: Totals) -> None:
    """Confirm, then Undo: the files are back byte for byte, and the record is shown again."""
    before, record = file_bytes(data), current(page)
    keys(page, "c")
    assert file_bytes(data) != before
    keys(page, "u")
    assert file_bytes(data) == before, f"Undo did not restore {record} byte for byte"
    assert current(page) == record and "Undone" in page.locator("#notice").inner_text()
    totals.undo_checks += 1


def walk(page: Page, url: str, data: Path) -> Totals:
    """The whole pass, asserting as it goes; the page is a fresh Chromium tab at 1440x900."""
    totals = Totals()
    started = time.monotonic()
    order = article_order(data)
    withdrawn = sorted(set(records_on_disk(data)) - set(order))
    page.goto(url)
    page.fill("#reviewer-name", "Dr Ada Example")
    page.fill("#reviewer-role", "consultant psychiatrist")
    with page.expect_navigation():
        page.click("#reviewer-form button")
    previous: str | None = None
    while True:
        record = current(page)
        assert record == expected_next(data, order, previous), f"after {previous}: {record} is not the next one"
        assert record not in withdrawn
        assert not [w for w in withdrawn if page.locator(f"#queue-{w}").count()], "a withdrawn record is queued"
        for control in ("#confirm", "#flag-open"):
            assert in_viewport(page, control), f"{control} is off screen on {record}"
        if not statement_visible(page):
            totals.scrolls += 1
            page.locator(".row.focus").scroll_into_view_if_needed()
        totals.records += 1
        totals.shown.append(record)
        if totals.records % ENTER_EVERY == 1:
            enter_records_nothing(page, data)
            totals.enter_checks += 1
        if totals.records == 3:
            undo_restores_bytes(page, data, totals)
        before, logged = file_bytes(data), saves_logged(data)
        if totals.records % FLAG_EVERY == 0:
            pressed = keys(page, "f", "2", "n", navigates=False)
            page.keyboard.type(NOTE)  # the note's letters are the reviewer's words, not counted as keys
            pressed += keys(page, "Escape", "f")
            totals.flags += 1
            totals.flag_keys += pressed
            assert records_on_disk(data)[record]["review"]["status"] == "flagged"
        else:
            pressed = keys(page, "c")
            totals.confirms += 1
            totals.confirm_keys += pressed
            totals.max_keys_per_confirm = max(totals.max_keys_per_confirm, pressed)
            assert records_on_disk(data)[record]["review"]["status"] == "reviewed"
        assert sum(before[k] != v for k, v in file_bytes(data).items()) == 1
        assert saves_logged(data) == logged + 1
        previous = record
        if expected_next(data, order, previous) is None:
            break
    notice = page.locator("#notice").inner_text()
    assert "Every record has a verdict" in notice, notice
    values = [v for v in records_on_disk(data).values() if not retired(v)]
    on_disk = {s: sum(v["review"]["status"] == s for v in values) for s in ("reviewed", "flagged", "unreviewed")}
    progress = page.locator("#progress").inner_text()
    for state, n in on_disk.items():
        assert f"{n} {state}" in progress, (progress, on_disk)
    assert sorted(totals.shown) == sorted(order)
    totals.seconds = round(time.monotonic() - started, 1)
    return totals


@contextmanager
def served(data: Path) -> Iterator[str]:
    """`ketdata review` on ``data``, as a reviewer starts it; yields the one-time URL it prints."""
    process = subprocess.Popen([sys.executable, "-m", "ketdata", "review", str(data), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert ".localhost:" in line, line + (process.stderr.read() if process.stderr else "")
        yield line.split(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(10)


def report(totals: Totals) -> str:
    """The totals, one line each."""
    return (
        f"records walked           {totals.records}\n"
        f"confirmed / flagged      {totals.confirms} / {totals.flags}\n"
        f"key presses per confirm  {totals.keys_per_confirm:.2f} (at most {totals.max_keys_per_confirm})\n"
        f"key presses per flag     {totals.flag_keys / totals.flags if totals.flags else 0:.2f} "
        "(the note's letters not counted)\n"
        f"scrolls in the pass      {totals.scrolls}\n"
        f"Enter checks / Undo      {totals.enter_checks} / {totals.undo_checks}\n"
        f"seconds                  {totals.seconds}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(args.data, copy)
        with served(copy) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            try:
                totals = walk(browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}), url, copy)
            finally:
                browser.close()
    out = {**asdict(totals), "keys_per_confirm": totals.keys_per_confirm}
    print(json.dumps(out, indent=2) if args.json else report(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
