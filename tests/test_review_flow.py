"""The review workbench's flow over HTTP (issue #25): what a save does next, Undo, confirming the rest of a
sentence, withdrawn records, and what the page says about a record, on a copy of the shipped data."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from .helpers import edit
from .workbench import bar_field, running

EFFECTS = "claims/effects.yaml"


def review_of(path: Path, record_id: str) -> dict[str, object]:
    (value,) = [v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == record_id]
    return dict(value["review"])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_post_without_a_verdict_or_with_an_unknown_one_records_nothing(data: Path) -> None:
    # What a browser sends for Enter in the note field, if anything sent it: the fields without a button's value.
    before = snapshot(data)
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-005")
        fields = {k: bar_field(page, k) for k in ("seen", "context")}
        for verdict in ([], ["maybe"], ["Reviewed"], [""]):
            form = {
                "record": "claim-005",
                "note": "I doubt this",
                **fields,
                **({"verdict": verdict} if verdict else {}),
            }
            reply = wb.request("POST", "/review", form)  # type: ignore[arg-type]
            assert reply.status == 422 and "no verdict was chosen" in reply.body
    assert snapshot(data) == before


def test_no_verdict_form_can_be_submitted_by_enter(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-005")
    forms = re.findall(r'<form method="post" action="/(?:review|rest)".*?</form>', page, re.S)
    assert len(forms) >= 3  # the bar's, "confirm the rest", and the other rows' own
    for form in forms:
        # Enter in a text field submits through the form's default button (its first submit button): in a
        # form with a text field that button is disabled and sends nothing; the other forms have no field.
        typed = re.findall(r'<input (?![^>]*type="(?:hidden|checkbox)")[^>]*>', form)
        first_button = re.search(r"<button[^>]*>", form)
        assert first_button
        assert not typed or ("disabled" in first_button.group(0) and "verdict" not in first_button.group(0))


def test_a_save_moves_on_in_article_order_and_undo_restores_the_bytes(data: Path) -> None:
    before = (data / EFFECTS).read_bytes()
    with running(data) as wb:
        wb.sign_in()
        assert wb.verdict("claim-004", "reviewed").headers["location"] == "/?record=claim-005"
        assert wb.verdict("claim-005", "flagged", ["overstates-the-article"], "too strong").status == 303
        after_flag = (data / EFFECTS).read_bytes()
        page = wb.request("GET", "/?record=claim-006").body
        assert 'id="undo"' in page and "Undo the last save (Claim 5)" in page
        reply = wb.request("POST", "/undo", {})
        assert reply.status == 303 and reply.headers["location"] == "/?record=claim-005"
        assert (data / EFFECTS).read_bytes() == before  # claim-004 lives in another file
        assert "Undone: Claim 5" in wb.request("GET", reply.headers["location"]).body
        assert wb.request("POST", "/undo", {}).status == 303  # nothing left to undo: nothing written
        assert (data / EFFECTS).read_bytes() == before
        # A flag is not taken back by a confirmation of the unchanged record, but by Undo, byte for byte.
        assert wb.verdict("claim-005", "flagged", ["overstates-the-article"], "too strong").status == 303
        assert (data / EFFECTS).read_bytes() == after_flag
        assert wb.verdict("claim-005", "reviewed").status == 422
        assert (data / EFFECTS).read_bytes() == after_flag
        wb.request("POST", "/undo", {})
    assert (data / EFFECTS).read_bytes() == before


def test_undo_is_refused_when_the_record_changed_since_the_save(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        wb.verdict("claim-005", "reviewed")
        edit(data / EFFECTS, "statement: Dissociative anesthetics work by producing",
             "statement: Dissociative anesthetics work by making")  # fmt: skip
        reply = wb.request("POST", "/undo", {})
        page = wb.request("GET", reply.headers["location"]).body
    assert "Not undone" in page and review_of(data / EFFECTS, "claim-005")["status"] == "reviewed"


def test_confirm_the_rest_of_a_sentence_and_undo_it(data: Path) -> None:
    before = snapshot(data)
    with running(data) as wb:
        wb.sign_in()
        wb.verdict("claim-014", "flagged", ["overstates-the-article"])
        page = wb.page("claim-016")
        items = re.findall(r'name="item" value="([^"]*)"', page)
        ids = [i.split("|")[0] for i in items]
        assert ids == ["caveat-001", "claim-013", "claim-016", "claim-017", "claim-018"]
        reply = wb.request("POST", "/rest", {"record": "claim-016", "item": items})
        assert reply.status == 303 and reply.headers["location"] == "/?record=claim-029"
        for record_id in ids:
            path = data / ("caveats.yaml" if record_id.startswith("caveat") else "claims/harms.yaml")
            assert review_of(path, record_id)["status"] == "reviewed"
        assert review_of(data / "claims/harms.yaml", "claim-014")["status"] == "flagged"
        wb.request("POST", "/undo", {})
        wb.request("POST", "/undo", {})  # only the last save is kept for Undo: this one undoes nothing
    after = snapshot(data)
    assert [k for k in before if before[k] != after[k]] == ["claims/harms.yaml"]
    assert review_of(data / "claims/harms.yaml", "claim-014")["status"] == "flagged"


def test_withdrawn_records_wait_for_no_review_anywhere(data: Path) -> None:
    verbose = subprocess.run([sys.executable, "-m", "ketdata", "validate", str(data), "--verbose"],
                             capture_output=True, text=True, check=False)  # fmt: skip
    unreviewed = [line for line in verbose.stdout.splitlines() if "KD601" in line]
    assert len(unreviewed) == 52 and not [line for line in unreviewed if "caveat-007" in line]
    shown = subprocess.run([sys.executable, "-m", "ketdata", "show", "claim-023", "--data", str(data)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert "caveat-007 (supervision-requirement) [withdrawn: It repeats claim-023" in " ".join(shown.stdout.split())
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-023")
        walked = []
        record: str | None = "claim-001"
        for _ in range(60):  # confirm everything the queue offers
            reply = wb.verdict(record, "reviewed")  # type: ignore[arg-type]
            assert reply.status == 303, reply.body[:300]
            walked.append(record)
            record = reply.headers["location"].removeprefix("/?record=")
            if record in walked:
                break
        final = wb.request("GET", "/").body
    assert "caveat-007" not in walked and len(walked) == 52
    assert "52 reviewed" in final and "0 unreviewed" in final and "Every record has a verdict" in final
    # The reviewer cannot act on it, even with a forged form.
    with running(data) as wb:
        wb.sign_in()
        before = snapshot(data)
        page7 = wb.page("caveat-007")
        assert 'id="verdict-form"' not in page7 and "Caveat 7 is withdrawn: not for review" in page7
        stamp = wb.session.state().stamps["caveat:caveat-007"]
        assert wb.verdict("caveat-007", "reviewed", seen=stamp).status == 422
        assert snapshot(data) == before
    # The withdrawn caveat, where the claim's page lists it, is marked with its reason.
    assert re.search(r'caveat-007">Caveat 7</a> <span class="badge">withdrawn</span>', page)
    assert "It repeats claim-023" in page


@pytest.mark.parametrize(
    ("record", "shown", "not_shown"),
    [
        ("claim-027", "Decided by:", "A name the article gives"),
        ("claim-021", "never reads as established", "No row of the decision table"),
        ("claim-010", "A name the article gives", "No row of the decision table"),
        ("claim-001", "<strong>stated plainly</strong>", "Established"),
        ("claim-043", "<strong>experimental</strong>", "A name the article gives"),
        ("claim-019", "<strong>potential</strong>", "No row of the decision table"),
    ],
)
def test_the_grade_is_explained_by_the_rule_that_decided_it(
    data: Path, record: str, shown: str, not_shown: str
) -> None:
    with running(data) as wb:
        page = wb.page(record)
    (row,) = re.findall(
        rf'<li class="row [^"]*focus" id="row-{record}">(.*?)</li>\s*(?:<li class="row|</ol>)', page, re.S
    )
    assert shown in row and not_shown not in row


def test_the_page_speaks_to_clinicians_not_to_the_data_format(data: Path) -> None:
    with running(data) as wb:
        pages = [wb.page(r) for r in ("claim-001", "claim-002", "claim-045", "caveat-001", "caveat-002")]
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r'"[^"]*"', "", p)) for p in pages)  # what a reader sees
    assert "SNOMED CT" in text and "RxNorm" in text and "ATC" in text
    for raw in ("skos:", "http://snomed", "characters ", "safety-warning", "ketamine-in-therapy", "what-is-ketamine"):
        assert raw not in text, raw


def test_a_caveat_page_shows_its_claims_and_highlights_its_scope(data: Path) -> None:
    with running(data) as wb:
        page = wb.page("caveat-001")
    (applies,) = re.findall(r'<ul class="applies">(.*?)</ul>', page, re.S)
    assert (
        '<a href="/?record=claim-007">Claim 7</a>: Ketamine is also used illicitly as a recreational drug.' in applies
    )
    assert applies.count("<li>") == 10
    highlighted = "".join(re.findall(r'class="(?:span[^"]*scope[^"]*|scope)"[^>]*>([^<]*)<', page)).strip()
    assert highlighted.startswith("Ketamine is also used illicitly") and highlighted.endswith("bladder damage.")


def test_repeated_parts_of_a_sentence_are_collapsed(data: Path) -> None:
    with running(data) as wb:
        page = wb.page("claim-046")
    assert "Same as the record above: same 3 caveats, same grade rule, same category." in page
    (row,) = re.findall(r'id="row-claim-046">(.*?)</li>\s*<li class="row', page, re.S)
    assert "Ketamine: codes as in the record above" in row and "RxNorm" not in row and "Confusional state" in row


def test_the_page_and_the_stamp_its_save_carries_come_from_one_read(data: Path) -> None:
    """An editor flips a record between two wordings while the reviewer loads its page and confirms it: a
    confirmation lands only on the wording the page showed."""
    path = data / EFFECTS
    plain = path.read_text(encoding="utf-8")
    other = plain.replace(
        # Same length, so the file stays in canonical form (its lines fold where they did).
        "statement: Dissociative anesthetics work by producing",
        "statement: Dissociative anesthetiks work by producing",
        1,
    )
    with running(data) as wb:
        wb.sign_in()
        for _ in range(12):
            path.write_text(plain, encoding="utf-8")
            stop = threading.Event()

            def flip(stop: threading.Event = stop) -> None:
                i = 0
                while not stop.is_set():
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(other if i % 2 else plain, encoding="utf-8")
                    tmp.replace(path)
                    i += 1

            flipper = threading.Thread(target=flip)
            flipper.start()
            try:
                page = wb.page("claim-005")
            finally:
                stop.set()
                flipper.join()
            shown = re.search(r'<p class="statement" id="statement">([^<]*)</p>', page).group(1)  # type: ignore[union-attr]
            seen = bar_field(page, "seen")
            reply = wb.verdict("claim-005", "reviewed", seen=seen)
            on_disk = next(v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == "claim-005")
            if reply.status == 303:
                assert on_disk["statement"] == shown and on_disk["review"]["status"] == "reviewed"
            else:
                assert on_disk["review"] == {"status": "unreviewed"} and on_disk["statement"] != shown


def test_each_row_of_a_sentence_takes_its_own_verdict(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-045")
        (form,) = re.findall(r'<form [^>]*id="row-verdict-claim-047">(.*?)</form>', page, re.S)
        fields = dict(re.findall(r'name="(record|seen|context)" value="([^"]*)"', form))
        assert fields["record"] == "claim-047" and 'href="/?record=claim-047&amp;flag=1"' in form
        reply = wb.request("POST", "/review", {**fields, "verdict": "reviewed"})
        assert reply.status == 303
        flag_page = wb.request("GET", "/?record=claim-046&flag=1").body
    assert review_of(data / "claims/adverse-effects.yaml", "claim-047")["status"] == "reviewed"
    assert review_of(data / "claims/adverse-effects.yaml", "claim-045") == {"status": "unreviewed"}
    assert '<details id="flag-panel" open>' in flag_page
