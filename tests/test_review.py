"""The review workbench over HTTP, against a real server on a loopback port, reviewing a copy of the data."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ketdata._editor.fmt import format_folder
from ketdata._editor.verdict import FLAGS, ReviewRefusedError, Verdict, due_after, review_block
from ketdata._validation.pipeline import run

from .helpers import DATA, ROOT, content_sha256, edit
from .workbench import TODAY, Reply, bar_field, running

EFFECTS = "claims/effects.yaml"
UNREVIEWED = "review:\n  status: unreviewed\n"


def document_of(text: str, record_id: str) -> str:
    (doc,) = [d for d in text.split("---\n") if d.startswith(f"id: {record_id}\n")]
    return doc


def expect_only_review_changed(before: str, after: str, record_id: str, block: str) -> None:
    old = document_of(before, record_id)
    assert old.endswith(UNREVIEWED)
    assert after == before.replace(old, old[: -len(UNREVIEWED)] + block)


def review_of(path: Path, record_id: str) -> dict[str, object]:
    (value,) = [v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == record_id]
    return dict(value["review"])


def test_the_one_time_url_sets_a_script_proof_cookie_and_the_page_lists_every_record(data: Path) -> None:
    with running(data) as wb:
        first = wb.request("GET", f"/?token={wb.session.token}", token="")
        # A page of this site that moves on to "/" by itself (a redirect ending a navigation that --open's file
        # started would not carry the SameSite=Strict cookie: test_review_browser opens it for real).
        assert first.status == 200 and '<meta http-equiv="refresh" content="0; url=/">' in first.body
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and wb.session.cookie in cookie
        assert wb.session.token not in cookie  # the token is exchanged for another secret...
        again = wb.request("GET", f"/?token={wb.session.token}", token="")
        assert again.status == 403 and "used already" in again.body  # ...and then dies
        page = wb.request("GET", "/")
    assert page.status == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "same-origin"
    for record_id in ("claim-005", "claim-021", "caveat-001"):
        assert f'id="queue-{record_id}"' in page.body
    # The withdrawn caveat is listed, marked, with its reason, but is not in the queue nor in any count.
    assert 'id="retired-caveat-007"' in page.body and 'id="queue-caveat-007"' not in page.body
    assert "It repeats claim-023" in page.body
    assert "0 reviewed" in page.body and "52 unreviewed" in page.body
    # Nothing from the internet: every script, style and image is the app's own.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.body)


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_a_request_without_the_session_token_is_refused(data: Path, token: str) -> None:
    with running(data) as wb:
        for path in ("/", "/?record=claim-005", "/assets/review.js", f"/?token={token}x"):
            assert wb.request("GET", path, token=token).status == 403
        assert wb.request("POST", "/review", {"record": "claim-005"}, token=token).status == 403


@pytest.mark.parametrize(
    "host",
    ["evil.example", "localhost:{port}", "127.0.0.1", "127.0.0.1:1", "127.0.0.1:{port}", "other.localhost:{port}",
     "{name}:1", "{name}", "{name}.evil.example:{port}", "x{name}:{port}"],
)  # fmt: skip
def test_a_foreign_host_is_refused_against_dns_rebinding(data: Path, host: str) -> None:
    with running(data) as wb:
        name, _, port = wb.host.rpartition(":")
        assert re.fullmatch(r"[0-9a-f]{24}\.localhost", name)  # a name of this run's own
        asked = host.format(port=port, name=name)
        reply = wb.request("GET", f"/?token={wb.session.token}", host=asked, token="")
        assert reply.status == 421 and "answers only to the address `ketdata review` printed" in reply.body
        assert f":{port}/" in reply.body
        # The refusal gives away neither the secret name nor a session, and leaves the token unspent.
        assert name.split(".")[0] not in reply.body and "set-cookie" not in {h.lower() for h in reply.headers}
        assert not wb.session.token_spent
        assert wb.request("GET", f"/?token={wb.session.token}", token="").status == 200


def test_the_session_cookie_is_host_only_on_the_secret_name(data: Path) -> None:
    with running(data) as wb:
        cookie = wb.request("GET", f"/?token={wb.session.token}", token="").headers["set-cookie"].lower()
    # No Domain attribute: the browser keeps it to exactly this name (test_review_browser sends a browser to
    # other local servers and watches what they receive).
    assert "domain" not in cookie and "samesite=strict" in cookie and "path=/" in cookie


def test_cross_origin_and_csrf_less_posts_are_refused_and_write_nothing(data: Path) -> None:
    before = (data / EFFECTS).read_bytes()
    with running(data) as wb:
        wb.sign_in()
        form = {"record": "claim-005", "verdict": "reviewed", "seen": wb.seen("claim-005")}
        assert wb.request("POST", "/review", form, origin="http://evil.example").status == 403
        assert wb.request("POST", "/review", form, origin=None).status == 403
        assert wb.request("POST", "/review", form, csrf=False).status == 403
        assert wb.request("POST", "/review", {**form, "csrf": "forged"}, csrf=False).status == 403
        assert (
            wb.request("POST", "/reviewer", {"name": "Mallory", "role": "x"}, origin="http://evil.example").status
            == 403
        )
        assert wb.session.reviewer == "Dr Ada Example"
    assert (data / EFFECTS).read_bytes() == before


def test_confirm_writes_exactly_the_review_block(data: Path) -> None:
    before, seen = (data / EFFECTS).read_text(encoding="utf-8"), content_sha256(data / EFFECTS, "claim-005")
    with running(data) as wb:
        wb.sign_in("Dr Ada Example", "consultant psychiatrist")
        reply = wb.verdict("claim-005", "reviewed")
        # On to the next record awaiting review, in article order.
        assert reply.status == 303 and reply.headers["location"] == "/?record=claim-006"
        page = wb.request("GET", reply.headers["location"])
    block = (
        "review:\n  status: reviewed\n  reviewed_by: Dr Ada Example\n  reviewer_role: consultant psychiatrist\n"
        "  reviewed_on: '2026-03-01'\n  review_due: '2027-03-01'\n"
        f"  content_sha256: {seen}\n"  # what the reviewer saw, so a later change voids the review (KD641)
    )
    expect_only_review_changed(before, (data / EFFECTS).read_text(encoding="utf-8"), "claim-005", block)
    assert "Saved: Claim 5 confirmed" in page.body and "1 reviewed" in page.body
    assert not [f for f in format_folder(data)[0] if f.changed]
    problems = run(data, TODAY).problems
    assert not [p for p in problems if p.record_id == "claim-005"]
    assert not [p for p in problems if p.severity.value == "error"]


def test_flag_writes_reasons_and_note_and_validation_warns_until_reviewed_again(data: Path) -> None:
    before, seen = (data / EFFECTS).read_text(encoding="utf-8"), content_sha256(data / EFFECTS, "claim-033")
    with running(data) as wb:
        wb.sign_in("Sam Reviewer", "clinical pharmacist")
        reply = wb.verdict("claim-033", "flagged", ["wrong-evidence-status", "overstates-the-article"], "Says 'about'.")
        assert reply.status == 303
        page = wb.request("GET", "/?record=claim-034")  # where the save went on to
        reopened = wb.request("GET", "/?record=claim-033")
    block = (
        "review:\n  status: flagged\n  reviewed_by: Sam Reviewer\n  reviewer_role: clinical pharmacist\n"
        f"  reviewed_on: '2026-03-01'\n  content_sha256: {seen}\n  flags:\n  - overstates-the-article\n"
        "  - wrong-evidence-status\n  note: Says 'about'.\n"
    )
    expect_only_review_changed(before, (data / EFFECTS).read_text(encoding="utf-8"), "claim-033", block)
    assert "Saved: Claim 33 flagged. Validation reports 1 problem(s)" in page.body
    assert "1 flagged" in page.body
    # Re-opened, the flagged record shows its reasons and note, and says what a flag does.
    (box,) = re.findall(r'<div class="flagged-box" id="flagged-claim-033">(.*?)</div>', reopened.body, re.S)
    assert "Overstates the article; Wrong evidence status" in box and "Says &#39;about&#39;." in box
    assert "A flag blocks the release" in box
    (found,) = [p for p in run(data, TODAY).problems if p.record_id == "claim-033"]
    assert found.code == "KD612" and found.severity.value == "warning"
    assert "overstates-the-article, wrong-evidence-status" in found.message
    strict = subprocess.run([sys.executable, "-m", "ketdata", "validate", str(data), "--strict"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert strict.returncode == 1 and "KD612" in strict.stdout


def test_release_refuses_a_flagged_record(project: Path) -> None:
    with running(project / "data") as wb:
        wb.sign_in()
        assert wb.verdict("claim-005", "flagged", ["wrong-category"]).status == 303
    result = subprocess.run([sys.executable, "-m", "ketdata", "release", "--dry-run"], cwd=project,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 1 and "1 record(s) flagged in review" in result.stderr
    assert "KD612" in result.stderr


def test_the_queue_is_in_article_order_and_a_filter_keeps_one_state(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        wb.verdict("claim-033", "flagged", ["wrong-category"])
        wb.verdict("claim-005", "reviewed")
        page = wb.request("GET", "/").body
        only_flagged = wb.request("GET", "/?state=flagged").body
    order = re.findall(r'id="queue-([a-z]+-\d+)"', page)
    assert order[:6] == ["claim-001", "claim-002", "claim-003", "claim-004", "claim-005", "claim-006"]
    assert len(order) == 52 and "caveat-007" not in order
    assert re.findall(r'id="queue-([a-z]+-\d+)"', only_flagged) == ["claim-033"]


def test_a_save_is_refused_only_when_its_record_changed_and_says_what_changed(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        seen = wb.seen("claim-005")
        # An editor saves the file meanwhile, changing another record in it: no conflict for claim-005.
        edit(data / EFFECTS, "typically last for about an hour.", "typically last for about an hour!")
        assert wb.verdict("claim-005", "reviewed", seen=seen).status == 303
        # Two tabs on two records of one file: the second save is not refused because of the first.
        six, seven = wb.seen("claim-006"), wb.seen("claim-032")
        assert wb.verdict("claim-006", "reviewed", seen=six).status == 303
        assert wb.verdict("claim-032", "reviewed", seen=seven).status == 303
        # The record itself changes: refused, saying what changed, with the typing kept.
        seen = wb.seen("claim-033")
        edit(data / EFFECTS, "statement: In therapy, the effects of ketamine typically last for about an hour!",
             "statement: In therapy, the effects of ketamine typically last for an hour!")  # fmt: skip
        reply = wb.verdict("claim-033", "flagged", ["wrong-category"], "keep this note", seen=seen)
        assert reply.status == 409
        assert "Claim 33 changed since the page showed it (statement)" in reply.body
        assert 'value="keep this note"' in reply.body
        assert re.search(r'value="wrong-category"[^>]* checked', reply.body)
        assert review_of(data / EFFECTS, "claim-033") == {"status": "unreviewed"}
        fresh = bar_field(reply.body, "seen")
        assert fresh and fresh != seen
        assert wb.verdict("claim-033", "flagged", ["wrong-category"], seen=fresh).status == 303
    assert review_of(data / EFFECTS, "claim-033")["status"] == "flagged"
    assert "typically last for an hour!" in (data / EFFECTS).read_text(encoding="utf-8")


def test_a_save_is_refused_when_what_its_row_showed_changed(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-034")
        form = {"record": "claim-034", "verdict": "reviewed"}
        form |= {k: bar_field(page, k) for k in ("seen", "context")}
        # A caveat the row shows is reworded by an editor (another file).
        edit(data / "caveats.yaml", "statement: Ketamine therapy is still considered an experimental treatment.",
             "statement: Ketamine therapy is still considered an experimental treatment!")  # fmt: skip
        reply = wb.request("POST", "/review", form)
    assert reply.status == 409 and "changed since: the caveat Caveat 2" in reply.body
    assert review_of(data / EFFECTS, "claim-034") == {"status": "unreviewed"}


def test_a_save_is_refused_when_the_article_text_changed_under_the_page(data: Path) -> None:
    article = data / "sources/ketamine-overview.txt"
    original, claims = article.read_bytes(), (data / "claims/adverse-effects.yaml").read_bytes()
    assert b"can have side effects" in original

    def confirm_after(change: Callable[[], None]) -> Reply:
        page = wb.page("claim-045")
        form = {"record": "claim-045", "verdict": "reviewed"} | {k: bar_field(page, k) for k in ("seen", "context")}
        assert "text:ketamine-overview=" in form["context"]  # the page is bound to the article's bytes
        change()
        return wb.request("POST", "/review", form)

    def rewrite() -> None:  # an editor's save, the source record's sha256 left as it was
        article.write_bytes(original.replace(b"can have side effects", b"has no side effects!!"))

    def in_place() -> None:  # the same size, written in place, its times put back: the folder looks unchanged
        times = article.stat()
        with article.open("r+b") as handle:
            handle.seek(original.index(b"can have"))
            handle.write(b"can't have")
        os.utime(article, ns=(times.st_atime_ns, times.st_mtime_ns))

    with running(data) as wb:
        wb.sign_in()
        for change in (rewrite, in_place):
            reply = confirm_after(change)
            assert reply.status == 409, reply.body
            assert (
                "Not saved: what the page showed" in reply.body
                and "the article text of ketamine-overview" in reply.body
            )
            assert (data / "claims/adverse-effects.yaml").read_bytes() == claims
            article.write_bytes(original)
        assert confirm_after(lambda: None).status == 303  # the article as shown: saved
    assert review_of(data / "claims/adverse-effects.yaml", "claim-045")["status"] == "reviewed"


def test_nothing_is_written_without_a_typed_reviewer_or_a_reason_for_a_flag(data: Path) -> None:
    before = (data / EFFECTS).read_bytes()
    with running(data) as wb:
        reply = wb.verdict("claim-005", "reviewed")
        assert reply.status == 422 and "type your name and your role first" in reply.body
        wb.sign_in()
        assert "a flag needs at least one reason" in wb.verdict("claim-005", "flagged").body
        assert "unknown flag reason" in wb.verdict("claim-005", "flagged", ["made-up"]).body
        assert wb.verdict("claim-999", "reviewed", seen="x").status == 409
        assert wb.verdict("claim-005", "reviewed", seen="x").status == 409
    assert (data / EFFECTS).read_bytes() == before


def test_a_file_not_in_canonical_form_is_not_rewritten(data: Path) -> None:
    path = data / EFFECTS
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: claim-005\nversion: ", "id: claim-005\nversion:   ", 1), encoding="utf-8")
    before = path.read_bytes()
    with running(data) as wb:
        wb.sign_in()
        reply = wb.verdict("claim-005", "reviewed")
    assert reply.status == 422 and "run `ketdata fmt` first" in reply.body
    assert path.read_bytes() == before


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_record_text_and_reviewer_input_are_shown_as_text(data: Path) -> None:
    edit(data / EFFECTS, "statement: Dissociative anesthetics work by producing a trance-like state in the user (and "
         "reducing sensations\n  of pain).", f"statement: '{HOSTILE}'")  # fmt: skip
    for formatted in format_folder(data)[0]:  # as `ketdata fmt` would leave it
        if formatted.changed:
            formatted.path.write_text(formatted.text or "", encoding="utf-8")
    with running(data) as wb:
        wb.sign_in(HOSTILE, HOSTILE)
        assert wb.verdict("claim-005", "flagged", ["overstates-the-article"], HOSTILE).status == 303
        page = wb.request("GET", "/?record=claim-005").body
    assert "<script>alert" not in page and "<img src=x" not in page
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert page.count(escaped) >= 4  # statement, queue, reviewer, note
    assert review_of(data / EFFECTS, "claim-005")["reviewed_by"] == HOSTILE  # recorded exactly as typed


@pytest.mark.parametrize("path", ["/assets/page.html", "/assets/..%2f..%2fpyproject.toml", "/assets/", "/etc/passwd",
                                  "/assets/review.js/..", "/../pyproject.toml"])  # fmt: skip
def test_only_the_apps_own_assets_are_served(data: Path, path: str) -> None:
    with running(data) as wb:
        assert wb.request("GET", "/assets/review.js").status == 200
        reply = wb.request("GET", path)
    assert reply.status == 404 and "[project]" not in reply.body


def test_the_article_marks_every_span_and_a_span_lists_its_records(data: Path) -> None:
    with running(data) as wb:
        page = wb.request("GET", "/?record=claim-005&at=138").body
    assert 'class="span mine"' in page
    (listed,) = re.findall(r'<div class="at" id="at-records">(.*?)</div>', page, re.S)
    assert "claim-005" in listed and "claim-006" in listed
    assert "Decided by:" in page and "Caveat 1" in page


def test_review_due_policy() -> None:
    assert due_after(datetime.date(2026, 3, 1)) == datetime.date(2027, 3, 1)
    assert due_after(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)
    block = review_block(Verdict("flagged", " Ana ", "GP", ("wrong-category",)), TODAY)
    assert block == {"status": "flagged", "reviewed_by": "Ana", "reviewer_role": "GP", "reviewed_on": "2026-03-01",
                     "flags": ["wrong-category"]}  # fmt: skip
    with pytest.raises(ReviewRefusedError, match="one line of plain text"):
        review_block(Verdict("reviewed", "Ana\nB", "GP"), TODAY)


def test_the_flag_list_is_the_schemas() -> None:
    import json

    common = json.loads((ROOT / "schema/common.schema.json").read_text(encoding="utf-8"))
    assert list(FLAGS) == common["$defs"]["reviewFlag"]["enum"]


def test_the_shipped_data_stays_honestly_unreviewed() -> None:
    for path in [*sorted((DATA / "claims").glob("*.yaml")), DATA / "caveats.yaml"]:
        for record in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert record["review"] == {"status": "unreviewed"}, record["id"]


def test_loading_and_validating_never_import_the_workbench_dependencies() -> None:
    code = (
        "import sys, ketdata; ketdata.load(); ketdata.validate('data'); "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2', 'ketdata._workbench') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("back", ["//evil.example/", "/\\evil.example", "https://evil.example/", "/?record=x#y"])
def test_the_reviewer_form_only_returns_to_a_page_of_the_app(data: Path, back: str) -> None:
    with running(data) as wb:
        reply = wb.request("POST", "/reviewer", {"name": "Ana", "role": "GP", "back": back})
        kept = wb.request(
            "POST", "/reviewer", {"name": "Ana", "role": "GP", "back": "/?record=claim-005&state=flagged"}
        )
    assert reply.status == 303 and reply.headers["location"] == "/"
    assert kept.headers["location"] == "/?record=claim-005&state=flagged"


def test_a_long_reviewer_name_is_kept_whole_but_cut_in_the_warning(data: Path) -> None:
    name = "Dr " + "Example-" * 200
    with running(data) as wb:
        wb.sign_in(name, "GP")
        assert wb.verdict("claim-005", "flagged", ["wrong-category"]).status == 303
    assert review_of(data / EFFECTS, "claim-005")["reviewed_by"] == name.strip()
    (found,) = [p for p in run(data, TODAY).problems if p.code == "KD612"]
    assert len(found.message) <= 400 and "wrong-category" in found.message


@pytest.mark.parametrize("name", ["Ana\nB", "\u202eAna", "=HYPERLINK(1)", " ", "x" * 2001, "Ana\U000e0041"])
def test_a_name_the_data_cannot_hold_is_refused_when_typed_not_at_the_first_save(data: Path, name: str) -> None:
    before = (data / EFFECTS).read_bytes()
    with running(data) as wb:
        wb.sign_in(name, "GP")
        page = wb.request("GET", "/?record=claim-005").body
        assert "Not changed: your name must be plain text" in page and "Reviewing as" not in page
        wb.verdict("claim-005", "reviewed")
    assert (data / EFFECTS).read_bytes() == before
