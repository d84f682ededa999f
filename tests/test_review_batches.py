"""A save of the review workbench is one change, bound to all its row showed (fresh attack, issue #20): a batch
("confirm the rest", Undo) lands whole or not at all, a claim's caveats as shown are part of what a verdict
vouches for, and a flag is cleared only by changing the record, over HTTP on a copy of the shipped data."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

import pytest
import yaml

from ketdata._editor.verdict import ReviewConflictError, Save, Verdict, record_stamp, write_reviews

from .helpers import DAY, edit
from .workbench import bar_field, running

DAY_DATE = datetime.date.fromisoformat(DAY)

HARMS = "claims/harms.yaml"
NOTE = """notes:
- text: Street names are slang for the drug, not names of products.
  origin: external
  reason: Editorial note from ketdata's editors.
"""


def review_of(path: Path, record_id: str) -> dict[str, object]:
    (value,) = [v for v in yaml.safe_load_all(path.read_text(encoding="utf-8")) if v["id"] == record_id]
    return dict(value["review"])


def value_of(folder: Path, record_id: str) -> dict[str, object]:
    for path in [folder / "caveats.yaml", *sorted((folder / "claims").glob("*.yaml"))]:
        for value in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if value["id"] == record_id:
                return dict(value)
    raise KeyError(record_id)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_confirm_the_rest_with_one_row_changed_on_disk_writes_none_of_them(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        items = re.findall(r'name="item" value="([^"]*)"', wb.page("claim-002"))
        assert [i.split("|")[0] for i in items] == ["claim-001", "claim-002", "claim-003"]
        # The last row's record changes on disk after the page was built; the rows before it did not.
        edit(data / "claims/medical-use.yaml", "id: claim-003\nversion: 3", "id: claim-003\nversion: 4")
        before = snapshot(data)
        reply = wb.request("POST", "/rest", {"record": "claim-002", "item": items})
        assert reply.status == 409 and "Not saved: Claim 3 changed since the page showed it (version)" in reply.body
    assert snapshot(data) == before


def test_several_verdicts_are_written_whole_or_not_at_all(data: Path) -> None:
    ada = Verdict("reviewed", "Dr Ada Example", "consultant psychiatrist")
    saves = [Save(r, ada, record_stamp(value_of(data, r))) for r in ("claim-001", "claim-016", "caveat-001")]
    stale = Save("claim-003", ada, record_stamp(value_of(data, "claim-003")))
    edit(data / "claims/medical-use.yaml", "id: claim-003\nversion: 3", "id: claim-003\nversion: 4")
    before = snapshot(data)
    with pytest.raises(ReviewConflictError) as refused:
        write_reviews(data, [*saves, stale], DAY_DATE)
    assert refused.value.record_id == "claim-003" and snapshot(data) == before
    written = write_reviews(data, saves, DAY_DATE)
    assert [p.name for p in written] == ["identity.yaml", "harms.yaml", "caveats.yaml"]
    assert [k for k in before if before[k] != snapshot(data)[k]] == ["caveats.yaml", "claims/harms.yaml",
                                                                     "claims/identity.yaml"]  # fmt: skip


def test_undo_of_a_batch_is_whole_or_nothing(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        items = re.findall(r'name="item" value="([^"]*)"', wb.page("claim-016"))
        assert wb.request("POST", "/rest", {"record": "claim-016", "item": items}).status == 303
        edit(data / HARMS, "id: claim-014\nversion: 4", "id: claim-014\nversion: 5")
        saved = snapshot(data)
        reply = wb.request("POST", "/undo", {})
        assert "Not undone (nothing was changed)" in wb.request("GET", reply.headers["location"]).body
    assert snapshot(data) == saved


def test_a_caveat_linked_to_a_claim_after_its_page_was_built_refuses_the_confirmation(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        page = wb.page("claim-004")
        edit(data / "caveats.yaml", "- claim-007\n- claim-008", "- claim-004\n- claim-007\n- claim-008")
        before = snapshot(data)
        form = {"record": "claim-004", "verdict": "reviewed", "seen": bar_field(page, "seen")}
        form["context"] = bar_field(page, "context")
        reply = wb.request("POST", "/review", form)
        assert reply.status == 409 and "the caveats linked to Claim 4" in reply.body
    assert snapshot(data) == before


def test_a_flag_is_not_cleared_by_confirming_the_unchanged_record(data: Path) -> None:
    with running(data) as wb:
        wb.sign_in()
        assert wb.verdict("claim-010", "flagged", ["overstates-the-article"], "too strong").status == 303
        wb.sign_in("Bob Example", "pharmacist")  # another reviewer, on a page read after the flag
        flagged = snapshot(data)
        reply = wb.verdict("claim-010", "reviewed")
        assert reply.status == 422 and "flagged and unchanged since the flag" in reply.body
        assert snapshot(data) == flagged
        # Changed as the flag asks (here: a note for readers), the record can be confirmed again.
        path = data / "claims/names.yaml"
        block = path.read_text(encoding="utf-8").split("id: claim-010", 1)[1].split("\n---", 1)[0]
        review = block[block.index("review:\n") :]
        edit(path, review, NOTE + review)
        assert wb.verdict("claim-010", "reviewed").status == 303
    assert review_of(data / "claims/names.yaml", "claim-010")["reviewed_by"] == "Bob Example"


def _items(page: str) -> list[str]:
    return [html.unescape(i) for i in re.findall(r'name="item" value="([^"]*)"', page)]


def test_confirm_the_rest_confirms_only_the_rows_of_its_sentence(data: Path) -> None:
    """A form naming a record of another sentence (attack4 A4-9) confirms nothing: the server rebuilds the rows."""
    with running(data) as wb:
        wb.sign_in()
        items = _items(wb.page("claim-045"))
        other = [i for i in _items(wb.page("claim-013")) if i.startswith("claim-013|")]
        assert items and other and not [i for i in items if i.startswith("claim-013|")]
        before = snapshot(data)
        for record, batch in (("claim-045", [*items, *other]), ("claim-045", other), ("claim-013", items)):
            reply = wb.request("POST", "/rest", {"record": record, "item": batch})
            assert reply.status == 422 and "is not in the sentence of" in reply.body, (record, reply.body[:300])
            assert snapshot(data) == before
        reply = wb.request("POST", "/rest", {"record": "no-such-record", "item": items})
        assert reply.status == 422 and snapshot(data) == before
        # The page's own rows save; then one of them, decided, is no longer the rest's to confirm.
        assert wb.request("POST", "/rest", {"record": "claim-045", "item": items}).status == 303
        confirmed = snapshot(data)
        reply = wb.request("POST", "/rest", {"record": "claim-045", "item": items[:1]})
        assert reply.status == 409 and "no longer waiting for review" in reply.body
        assert snapshot(data) == confirmed
