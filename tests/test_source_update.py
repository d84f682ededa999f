"""`ketdata source update` in a copy of the project: the report, the write, and a release that waits for a person."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ketdata
from ketdata._editor.source_update import update_source
from ketdata._editor.verdict import Verdict, folder_links, write_review
from ketdata._model.problems import Severity
from ketdata._model.review import content_digest
from ketdata._validation.pipeline import run

from .helpers import DATA, DAY, accept_drafted

TEXT = DATA / "sources/ketamine-overview.txt"
OLD = TEXT.read_bytes()
HEADING = "How is Ketamine Used in Therapy?"
OLD_SHA = hashlib.sha256(OLD).hexdigest()
# The day `source update` records (the CLI reads the clock): a review dated before it would not decide it.
TODAY = datetime.datetime.now(datetime.UTC).date()


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)  # fmt: skip


def release(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ketdata release`` in the project, the shipped data's own drafted weakenings accepted (`accept_drafted`)."""
    return cli("release", *args, *accept_drafted(project / "data"), cwd=project)


def revision(tmp: Path, old: str, new: str, *, name: str = "new.txt") -> Path:
    text = OLD.decode("utf-8")
    assert old in text
    path = tmp / name
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return path


def files(root: Path) -> dict[str, bytes]:
    """Every file of the project but the transaction's own lock and state (``.ketdata/``)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".ketdata" not in p.relative_to(root).parts}  # fmt: skip


def stamp(data: Path, record_id: str) -> str:
    """The record's stamp as the review page shows it (what a verdict must name)."""
    from ketdata._workbench._view import read_state

    return next(v for k, v in read_state(data).stamps.items() if k.partition(":")[2] == record_id)


def errors(data: Path) -> list[tuple[str, str | None]]:
    return sorted((p.code, p.record_id) for p in run(data, TODAY).problems if p.severity is Severity.ERROR)


def test_a_dry_run_reports_every_span_and_writes_nothing(project: Path) -> None:
    new = revision(project, "more research is needed", "further research is needed")
    before = files(project)
    result = cli("source", "update", "ketamine-overview", new, "data", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert files(project) == before
    assert report["written"] is False and (report["from"], report["to"]) == (OLD_SHA, hashlib.sha256(
        new.read_bytes()).hexdigest())  # fmt: skip
    ds = ketdata.load(project / "data")
    spans = sum(len(r.evidence) for r in (*ds.claims, *ds.caveats))
    assert len([s for s in report["spans"] if s["path"].startswith("evidence.")]) == spans
    changed = {(s["record"], s["path"]): s for s in report["spans"] if s["verdict"] != "moved"}
    # The words claims 040, 043, 044 and caveat-002 leave out hold the changed words too: they follow the same
    # rules. Every other quote of the sentence, and each 'It'/'its' leaning on it, is changed: its sentence changed.
    inside = {("claim-041", "evidence.1"), ("claim-042", "evidence.1"), ("caveat-003", "evidence.1"),
              ("claim-040", "leaves_out.0"), ("caveat-002", "leaves_out.0"), ("claim-043", "leaves_out.0"),
              ("claim-044", "leaves_out.0")}  # fmt: skip
    assert {k for k, s in changed.items() if not s["why"].startswith("the words around the quote")} == inside
    assert {r for r, _ in changed} == {"claim-021", "claim-040", "claim-041", "claim-042", "claim-043", "claim-044",
                                       "caveat-002", "caveat-003"}  # fmt: skip
    around = changed[("claim-021", "evidence.1")]
    assert (around["old_words"], around["new_words"]) == ("more", "further")
    assert around["new"]["quote"] == around["old"]["quote"]
    one = changed[("claim-041", "evidence.1")]
    assert (one["old_words"], one["new_words"]) == ("more", "further")
    assert one["new"]["quote"].startswith("and further research is needed") or "further research" in one["new"]["quote"]
    left = changed[("claim-040", "leaves_out.0")]
    assert (left["old_words"], left["new_words"]) == ("more", "further")
    assert left["new"]["quote"] == "and further research is needed to fully understand its safety and efficacy"
    marked = ["caveat-002", "caveat-003", "claim-021", "claim-040", "claim-041", "claim-042", "claim-043", "claim-044"]
    assert sorted({p["record"] for p in report["remaining"]}) == marked
    assert report["uncovered"] == []
    text = cli("source", "update", "ketamine-overview", new, "data", cwd=project)
    assert "changed  claim-041" in text.stdout and "'more' -> 'further'" in text.stdout
    assert "dry run: nothing written" in text.stdout


def test_release_refuses_until_a_person_confirms_then_succeeds(project: Path) -> None:
    # A word added inside the quotes, and inside the words two records leave out: no statement changes with it.
    new = revision(project, "its safety and efficacy", "its safety and its efficacy")
    result = cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project)
    assert result.returncode == 0, result.stderr
    data = project / "data"
    # The old text is kept, byte for byte, and the source lists it.
    kept = data / f"sources/ketamine-overview.{OLD_SHA[:12]}.txt"
    assert kept.read_bytes() == OLD and (data / "sources/ketamine-overview.txt").read_bytes() == new.read_bytes()
    source = yaml.safe_load((data / "sources/ketamine-overview.yaml").read_text(encoding="utf-8"))
    assert source["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert source["revisions"] == [{"sha256": OLD_SHA, "file": kept.name, "recorded": None}]
    # Every record quoting the sentence, or leaning on it with an 'It', is marked: its sentence changed.
    marked = ("caveat-002", "caveat-003", "claim-021", "claim-040", "claim-041", "claim-042", "claim-043", "claim-044")
    assert errors(data) == [("KD700", r) for r in marked]
    refused = release(project, "--dry-run")
    assert refused.returncode == 1 and "KD700" in refused.stderr and "not releasing" in refused.stderr
    for record_id in marked:
        write_review(data, record_id, Verdict("reviewed", "Test Reviewer", "test"), stamp(data, record_id), TODAY,
                     source_update=True)  # fmt: skip
    assert errors(data) == []
    claim = ketdata.load(data).claim("claim-041")
    assert claim.evidence[1].quote.endswith("its safety and its efficacy") and claim.review.status == "reviewed"
    # The new revision is accepted by name (KD517).
    released = release(project, "--date", DAY, "--accept-weaker", "ketamine-overview")
    assert released.returncode == 0, released.stdout + released.stderr
    # The exports carry the current revision's sha256 and the history.
    (line,) = (project / "exports/json/sources.ndjson").read_text(encoding="utf-8").splitlines()
    exported = json.loads(line)
    assert exported["sha256"] == source["sha256"] and exported["recorded"] == TODAY.isoformat()
    assert exported["revisions"] == [{"sha256": OLD_SHA, "file": kept.name, "recorded": None}]


def confirmed_update(project: Path) -> list[str]:
    """A source update written, and each record it marked confirmed the way the workbench saves it."""
    new = revision(project, "its safety and efficacy", "its safety and its efficacy")
    assert cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project).returncode == 0
    data = project / "data"
    marked = sorted({r for c, r in errors(data) if c == "KD700"})
    for record_id in marked:
        write_review(data, record_id, Verdict("reviewed", "Test Reviewer", "test"), stamp(data, record_id), TODAY,
                     source_update=True)  # fmt: skip
    assert errors(data) == []
    return marked


def marks(data: Path) -> dict[str, str]:
    """Each record's source update mark status, by id, as the data files hold them."""
    found = {}
    for path in sorted(data.rglob("*.yaml")):
        for value in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(value, dict) and "source_update" in value:
                found[value["id"]] = value["source_update"]["status"]
    return found


def without_marks(data: Path) -> dict[str, object]:
    """Every record of the data files by id, its source update mark left out (the dataset record aside)."""
    return {v["id"]: {k: x for k, x in v.items() if k != "source_update"} for path in sorted(data.rglob("*.yaml"))
            if path.name != "dataset.yaml" for v in yaml.safe_load_all(path.read_text(encoding="utf-8"))}  # fmt: skip


def test_the_release_removes_the_confirmed_marks_it_ships_and_nothing_else(project: Path) -> None:
    # A3-6: a confirmed mark stayed in the data after its record was released, for good.
    marked = confirmed_update(project)
    data = project / "data"
    assert marks(data) == dict.fromkeys(marked, "confirmed")
    records, before = without_marks(data), files(project)
    dry = release(project, "--date", DAY, "--dry-run", "--accept-weaker", "ketamine-overview")
    assert dry.returncode == 0 and files(project) == before, dry.stderr
    assert f"would remove the confirmed source update mark of {len(marked)} record(s): " in dry.stderr
    released = release(project, "--date", DAY, "--accept-weaker", "ketamine-overview")
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"removed the confirmed source update mark of {len(marked)} record(s)" in released.stderr
    assert marks(data) == {}
    assert without_marks(data) == records  # every review (and everything else) as the reviewer left it
    assert cli("validate", "data", cwd=project).returncode == 0 and errors(data) == []
    assert cli("fmt", "--check", "data", cwd=project).returncode == 0  # the files stay canonical
    ds = ketdata.load(data)
    assert all(ds.get(r).review.status == "reviewed" for r in marked)  # type: ignore[union-attr]
    after = files(project)
    again = release(project, "--date", DAY)
    assert again.returncode == 0 and "nothing to release" in again.stderr and files(project) == after


def test_a_pending_mark_still_blocks_the_release_and_keeps_every_confirmed_one(project: Path) -> None:
    marked = confirmed_update(project)
    data = project / "data"
    undo = next(p for p in (data / "claims").glob("*.yaml") if f"id: {marked[-1]}\n" in p.read_text(encoding="utf-8"))
    text = undo.read_text(encoding="utf-8")
    start = text.index(f"id: {marked[-1]}\n")
    at = text.index("  status: confirmed\n", start)
    undo.write_text(text[:at] + "  status: pending\n" + text[at + len("  status: confirmed\n") :], encoding="utf-8")
    before = files(project)
    refused = release(project, "--date", DAY)
    assert refused.returncode == 1 and "KD700" in refused.stderr and "not releasing" in refused.stderr
    assert files(project) == before


def test_a_release_that_cannot_remove_a_mark_cleanly_writes_nothing(project: Path) -> None:
    marked = confirmed_update(project)
    data = project / "data"
    holder = next(p for p in (data / "claims").glob("*.yaml") if f"id: {marked[-1]}\n" in p.read_text(encoding="utf-8"))
    holder.write_text(holder.read_text(encoding="utf-8") + "# an editor's note\n", encoding="utf-8")
    assert errors(data) == []
    before = files(project)
    refused = release(project, "--date", DAY, "--accept-weaker", "ketamine-overview")
    assert refused.returncode == 2 and "run `ketdata fmt` first" in refused.stderr, refused.stderr
    assert files(project) == before  # no mark removed, no version, snapshot or export written


def test_a_hedge_changed_in_a_quote_is_never_released_without_a_person(project: Path) -> None:
    new = revision(project, "The effects of ketamine can be felt", "The effects of ketamine will be felt")
    update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    data = project / "data"
    assert ("KD700", "claim-032") in errors(data)
    write_review(data, "claim-032", Verdict("reviewed", "Test Reviewer", "test"), stamp(data, "claim-032"), TODAY,
                 source_update=True)  # fmt: skip
    # Confirmed, the record still says 'can', which the article no longer does: a person must re-word it.
    assert ("KD700", "claim-032") not in errors(data) and ("KD307", "claim-032") in errors(data)
    assert release(project, "--dry-run").returncode == 1


def test_a_revision_that_changes_nothing_quoted_stays_valid_with_no_review(project: Path) -> None:
    text = OLD.decode("utf-8").replace("\u00a0", " ").replace("\n\n\n", "\n\n")
    new = project / "new.txt"
    new.write_bytes(text.encode("utf-8"))
    report = update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    assert report.counts() == {"moved": len(report.spans), "changed": 0, "lost": 0}
    assert errors(project / "data") == []
    ds = ketdata.load(project / "data")
    source = ds.source("ketamine-overview")
    assert source.text == text and [r.sha256 for r in source.revisions] == [OLD_SHA]
    for claim in ds.claims:
        for span in claim.evidence:
            assert source.text[span.start : span.end] == span.quote
    for record in (*ds.claims, *ds.caveats):
        for reading in record.readings:
            assert source.text[reading.start : reading.start + len(reading.text)] == reading.text
    # Nothing waits for a review: a release goes through once the new revision is accepted by name (KD517).
    assert release(project, "--dry-run").returncode == 1
    released = release(project, "--dry-run", "--accept-weaker", "ketamine-overview")
    assert released.returncode == 0, released.stdout + released.stderr


def test_a_lost_quote_keeps_its_old_revision_and_blocks_a_release(project: Path) -> None:
    street = 'It is known by various street names such as "Special K," "K," and "Vitamin K." '
    new = revision(project, street, "")
    report = update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    lost = sorted({s.record_id for s in report.spans if s.result.kind == "lost"})
    assert lost == ["claim-010", "claim-011", "claim-012"]
    found = errors(project / "data")
    assert {r for c, r in found if c == "KD701"} == set(lost)
    claim = ketdata.load(project / "data").claim("claim-010")
    assert claim.evidence[1].revision == OLD_SHA and claim.evidence[1].quote.startswith("It is known")


def test_a_section_heading_renamed_moves_the_section(project: Path) -> None:
    new = revision(project, HEADING, "Ketamine in therapy")
    report = update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    assert report.renamed == (("ketamine-in-therapy", "How is Ketamine Used in Therapy?", "Ketamine in therapy"),)
    source = ketdata.load(project / "data").source("ketamine-overview")
    assert [s.heading for s in source.sections] == ["What is Ketamine?", "Ketamine in therapy"]
    # The claims quoting the old heading (the question their sentence answers, 028-036): that quote is lost,
    # nothing else.
    lost = {s.record_id for s in report.spans if s.result.kind == "lost"}
    quoting = {c.id for c in ketdata.load(DATA).claims if any(e.quote == HEADING for e in c.evidence)}
    assert lost == quoting and {"claim-028", "claim-033", "claim-036"} <= lost
    assert {r for _, r in errors(project / "data")} == lost
    assert {r for c, r in errors(project / "data") if c == "KD701"} == lost


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no-such-source", "same.txt"), "no source 'no-such-source'"),
        (("ketamine-overview", "same.txt"), "nothing to update"),
        (("ketamine-overview", "latin1.txt"), "not UTF-8"),
    ],
)
def test_updates_that_cannot_be_made_are_usage_errors(project: Path, args: tuple[str, str], message: str) -> None:
    (project / "same.txt").write_bytes(OLD)
    (project / "latin1.txt").write_bytes(OLD.decode("utf-8").encode("latin-1", errors="replace"))
    before = files(project)
    result = cli("source", "update", args[0], args[1], "data", "--write", cwd=project)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert files(project) == before


def test_a_file_not_in_canonical_form_stops_the_write(project: Path) -> None:
    new = revision(project, "more research is needed", "further research is needed")
    effects = project / "data/claims/uncertainty.yaml"
    effects.write_text(effects.read_text(encoding="utf-8").replace("version:", "version:  ", 1), encoding="utf-8")
    before = files(project)
    result = cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project)
    assert result.returncode == 2 and "ketdata fmt" in result.stderr
    assert files(project) == before


def test_the_workbench_shows_old_and_new_words_escaped_and_confirms_the_update(project: Path) -> None:
    from .workbench import running

    data = project / "data"
    # A hostile new wording must reach the page as text, never as markup.
    new = revision(project, "more research is needed", "further <b>research</b> is needed")
    update_source(data, "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    with running(data, TODAY) as wb:
        wb.sign_in()
        page = wb.request("GET", "/?record=claim-041").body
        assert 'id="source-update-claim-041"' in page and "pending" in page
        assert "<del>more</del>" in page
        assert "<ins>further</ins> <ins>&lt;b&gt;</ins>research<ins>&lt;/b&gt;</ins>" in page
        assert "<b>research</b>" not in page
        # The queue shows every marked record as changed: it awaits a person like a record edited after its review.
        changed = wb.request("GET", "/?state=changed").body
        listed = set(re.findall(r'id="queue-([a-z]+-[0-9]+)"', changed))
        assert listed == {"caveat-002", "caveat-003", "claim-021", "claim-040", "claim-041", "claim-042", "claim-043",
                          "claim-044"}  # fmt: skip
        # Each row of the sentence shows its own mark: claim-042 stands beside claim-041 with its own table.
        assert 'id="source-update-claim-042"' in page
        # "Confirm the rest" never takes a marked record: each gets a verdict of its own on its old and new words
        # (every other record of this sentence is marked, so no batch is offered at all).
        assert 'id="row-claim-042"' in page and 'id="rest-form"' not in page
        # A flag flags the mark; Undo puts the review block and the mark back, byte for byte.
        before = (data / "claims/uncertainty.yaml").read_bytes()
        assert wb.verdict("claim-041", "flagged", ["evidence-does-not-support"]).status == 303
        assert ("KD700", "claim-041") in errors(data)  # flagged: still not releasable
        assert "was flagged in review" in str([p.message for p in run(data, TODAY).problems if p.code == "KD700"])
        assert wb.request("POST", "/undo", {}).status == 303
        assert (data / "claims/uncertainty.yaml").read_bytes() == before
        assert wb.verdict("claim-041", "reviewed").status == 303
    mark = next(d for d in yaml.safe_load_all((data / "claims/uncertainty.yaml").read_text(encoding="utf-8"))
                if d["id"] == "claim-041")["source_update"]  # fmt: skip
    assert mark["status"] == "confirmed"
    assert ("KD700", "claim-041") not in errors(data) and ("KD700", "claim-042") in errors(data)


def test_the_editor_guide_worked_example_is_what_the_command_prints(project: Path) -> None:
    from ketdata._editor.source_update import report_lines

    guide = (Path(__file__).parents[1] / "docs/editor-guide.md").read_text(encoding="utf-8")
    example = guide[guide.index("### Worked example") :]
    block = example[example.index("```text") : example.index("```", example.index("```text") + 3)]
    shown = [line for line in block.splitlines()[2:] if line.strip() not in ("…", "")]
    text = OLD.decode("utf-8")
    new = text.replace("Ketamine is a medication", "Ketamine is a prescription medication", 1)
    new = new.replace("The effects of ketamine can be felt", "The effects of ketamine will be felt", 1)
    report = update_source(project / "data", "ketamine-overview", new.encode("utf-8"), today=TODAY)
    printed = report_lines(report)
    assert [line for line in shown if line not in printed] == []


def test_diff_shows_the_source_change_since_the_last_release(project: Path) -> None:
    from .helpers import LATEST

    new = revision(project, "more research is needed", "further research is needed")
    update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    result = cli("diff", LATEST, "data", "--format", "json", cwd=project)
    assert result.returncode == 1, result.stderr
    changes = json.loads(result.stdout)
    text = json.dumps(changes)
    assert "ketamine-overview" in text and OLD_SHA in text and hashlib.sha256(new.read_bytes()).hexdigest() in text
    assert "revisions" in text


def test_a_caveat_whose_scope_range_is_lost_is_refused(project: Path) -> None:
    text = OLD.decode("utf-8")
    passage = text[255:652]  # caveat-001's scope range: the paragraph on recreational use
    new = text.replace(passage, "Ketamine is sold on the street. " * 3 + "\n", 1)
    report = update_source(project / "data", "ketamine-overview", new.encode("utf-8"), write=True, today=TODAY)
    assert {s.dotted: s.result.kind for s in report.spans if s.record_id == "caveat-001"} == {
        "evidence.0": "lost", "scope.spans.0": "lost", "leaves_out.0": "lost"}  # fmt: skip
    found = [p for p in run(project / "data", TODAY).problems if p.record_id == "caveat-001" and p.code == "KD701"]
    assert any("scope.spans.0" in p.message and "scope again" in p.message for p in found)
    assert any("leaves_out.0" in p.message for p in found) and any("quote" in p.message for p in found)


# The revisions of tests/test_reanchor.py, over every place each record points into the article: evidence (its
# verdicts are that file's), and besides it the scope ranges, readings and words left out, which are moved
# unless named here.
_PLACES = {
    "typo fixed inside a quote": {("claim-004", "leaves_out.0"): "changed"},
    # ', although it can' stands in the words 028-031 leave out, and in caveat-007's (withdrawn) scope range.
    "typo outside every quote": {
        **{(f"claim-0{n}", "leaves_out.0"): "changed" for n in (28, 29, 30, 31)},
        # The reading of 'it' in that sentence: its sentence changed.
        **{(f"claim-0{n}", "readings.0"): "changed" for n in (29, 30, 31)},
        # The other routes 030 and 031 leave out of the list stand in that sentence too.
        **{(f"claim-0{n}", "leaves_out.1"): "changed" for n in (30, 31)},
        ("caveat-007", "scope.spans.0"): "changed",
    },
    "paragraph moved": {("caveat-007", "scope.spans.0"): "changed"},
    # The street names' claims are lost, so caveats 005 and 006 no longer cover them (KD608): every quote of
    # theirs stands, and the update marks them on their first span for a person.
    "sentence deleted": {
        ("caveat-001", "scope.spans.0"): "changed",
        ("caveat-005", "evidence.0"): "changed",
        ("caveat-006", "evidence.0"): "changed",
        # The other street names 011 and 012 leave out of the list go with their sentence.
        ("claim-011", "leaves_out.1"): "lost",
        ("claim-012", "leaves_out.1"): "lost",
    },
    # Every record quoting 'The effects of ketamine' reads those words; the hedge right after them changed.
    "can becomes will": {
        ("claim-033", "leaves_out.0"): "changed",
        ("claim-032", "leaves_out.0"): "changed",
        # 'a sense of disconnection from their thoughts': 'their' leans on the sentence that changed.
        ("claim-035", "leaves_out.0"): "changed",
        ("claim-036", "leaves_out.0"): "changed",
        ("caveat-007", "scope.spans.0"): "changed",
        **{(r, "readings.0"): "changed" for r in [f"claim-0{n}" for n in range(32, 40)] + ["caveat-004"]},
    },
    # The words 035 and 036 leave out of the list ('a sense of disconnection …') follow the 'may' removed;
    # 'This altered state of consciousness' leans on the sentence before, which lost its 'may'.
    "may removed": {
        ("claim-035", "leaves_out.0"): "changed",
        ("claim-036", "leaves_out.0"): "changed",
        # The other words 034-036 leave out stand in the sentence that lost its 'may'.
        ("claim-034", "leaves_out.0"): "changed",
        ("claim-035", "leaves_out.1"): "changed",
        ("claim-036", "leaves_out.1"): "changed",
        ("caveat-007", "scope.spans.0"): "changed",
        # The reading of 'a sense of' (readings.1 of 035 and 036, and of 037-039 and caveat-004, whose
        # readings.2 is of 'This altered state of consciousness') stands in the sentence that lost its 'may'.
        **{(r, "readings.1"): "changed" for r in ("claim-035", "claim-036")},
        **{
            (r, f"readings.{i}"): "changed"
            for r in ("claim-037", "claim-038", "claim-039", "caveat-004")
            for i in (1, 2)
        },
    },
}


def _evidence_key(record_id: str, path: str) -> str:
    """The span's key in tests/test_reanchor.py: ``claim-001/0``, ``ketamine/definition``, ``ketamine/synonym2``."""
    parts = path.split(".")
    if parts[0] == "evidence":
        return f"{record_id}/{parts[1]}"
    return f"{record_id}/definition" if parts[0] == "definition" else f"{record_id}/synonym{parts[1]}"


@pytest.mark.parametrize("name", [n for n in __import__("tests.test_reanchor").test_reanchor.CASES if n != "unchanged"])
def test_every_place_of_every_record_gets_its_expected_verdict(name: str) -> None:
    from .test_reanchor import CASES

    case = CASES[name]
    new = case.revise(OLD.decode("utf-8")).encode("utf-8")
    report = update_source(DATA, "ketamine-overview", new, today=TODAY)  # a dry run: the shipped data is only read
    wanted_spans = {key: kind for kind, keys in case.expect.items() for key in keys}
    got = {(s.record_id, s.dotted): s for s in report.spans}
    for (record_id, path), s in got.items():
        if s.held == "span":
            wanted = _PLACES.get(name, {}).get((record_id, path)) or wanted_spans.get(_evidence_key(record_id, path))
            assert s.result.kind == (wanted or "moved"), (record_id, path)
        else:
            assert s.result.kind == _PLACES.get(name, {}).get((record_id, path), "moved"), (record_id, path)
    # Every place is there: every reading and every entry of leaves_out of every record quoting the article.
    ds = ketdata.load(DATA)
    for record in (*ds.claims, *ds.caveats):
        for i in range(len(record.readings)):
            assert (record.id, f"readings.{i}") in got
        for i in range(len(record.leaves_out)):
            assert (record.id, f"leaves_out.{i}") in got
    # Marked for review: exactly the active records with a place not moved.
    review = {s.record_id for s in report.spans if s.active and s.result.kind != "moved"}
    assert review == {p.record_id for p in report.remaining if p.code in ("KD700", "KD701")}
    if name == "CRLF line ends":
        # Every place moves, yet the data's own rules refuse a text with carriage returns: the write would too.
        assert review == set() and {p.code for p in report.blocked} == {"KD110"}
    else:
        assert report.blocked == ()


def test_a_text_the_data_refuses_is_reported_by_a_dry_run_and_refused_by_a_write(project: Path) -> None:
    new = project / "crlf.txt"
    new.write_bytes(OLD.replace(b"\n", b"\r\n"))
    dry = cli("source", "update", "ketamine-overview", new, "data", cwd=project)
    assert dry.returncode == 1 and "would refuse the write" in dry.stdout and "KD110" in dry.stdout
    before = files(project)
    result = cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project)
    # The same refusal, the same exit code: 1, the data's (attack4 A4-4), the problems listed as validate lists them.
    assert result.returncode == 1 and "KD110" in result.stderr and files(project) == before
    assert "so nothing was written" in result.stderr and "Traceback" not in result.stderr


def test_a_changed_reading_takes_the_new_words_and_waits_for_a_person(project: Path) -> None:
    new = revision(project, "This altered state of consciousness", "This altered state of mind")
    report = update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    readings = {(s.record_id, s.result.old_quote): s.result for s in report.spans if s.held == "reading"}
    assert readings[("claim-037", "This altered state of consciousness")].kind == "changed"
    claim = ketdata.load(project / "data").claim("claim-037")
    text = new.read_text(encoding="utf-8")
    (reading,) = [r for r in claim.readings if r.text.startswith("This altered state")]
    assert reading.text == "This altered state of mind" and text[reading.start :].startswith(reading.text)
    found = errors(project / "data")
    assert ("KD700", "claim-037") in found and ("KD325", "claim-037") not in found
    assert release(project, "--dry-run").returncode == 1


def test_a_lost_reading_is_reported_and_waits_for_a_person(project: Path) -> None:
    # 'its' in 'its safety and efficacy' is a reading of claim-041, claim-042 and caveat-003.
    new = revision(project, "understand its safety and efficacy", "understand the safety and efficacy")
    report = update_source(project / "data", "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    readings = {(s.record_id, s.result.old_quote): s.result for s in report.spans if s.held == "reading"}
    assert readings[("claim-041", "its")].kind == "lost"  # 'its' is gone: nothing of three letters is near
    found = errors(project / "data")
    assert ("KD701", "claim-041") in found and ("KD325", "claim-041") in found
    assert release(project, "--dry-run").returncode == 1


def test_a_reviewed_record_whose_quote_only_moved_keeps_its_review(project: Path) -> None:
    data = project / "data"
    write_review(data, "claim-001", Verdict("reviewed", "Test Reviewer", "test"), stamp(data, "claim-001"), TODAY)
    released = release(project, "--date", DAY)
    assert released.returncode == 0, released.stdout + released.stderr
    new = revision(project, "Ketamine is a medication", "Ketamine was first made in 1962. Ketamine is a medication")
    report = update_source(data, "ketamine-overview", new.read_bytes(), write=True, today=TODAY)
    assert report.counts()["changed"] == report.counts()["lost"] == 0
    # Its offsets followed the text, and its version rose with them; what it says, and its review, stand.
    claim = ketdata.load(data).claim("claim-001")
    assert claim.review.status == "reviewed" and claim.evidence[0].start > 20
    assert errors(data) == [("KD402", "ketamine-overview")]  # only the new sentence, which no record quotes yet
    # Any other change still asks for a new review.
    path = data / "claims/identity.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("statement: Ketamine is a medication", "statement: Ketamine is a drug", 1),
                    encoding="utf-8")  # fmt: skip
    assert {c for c, r in errors(data) if r == "claim-001"} & {"KD603", "KD641"}


def test_the_publisher_undoing_an_edit_is_an_ordinary_revision(project: Path) -> None:
    # A3-7: A -> B (one more blank line: every span moves) -> A again, with no release between.
    data = project / "data"
    before = {p: p.read_bytes() for p in sorted((data / "claims").glob("*.yaml"))}
    moved = revision(project, "What is Ketamine?\n\n\n", "What is Ketamine?\n\n\n\n")
    first = cli("source", "update", "ketamine-overview", moved, "data", "--write", cwd=project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert errors(data) == []
    # Moved once more, the versions rise no further: they are one above the release, as validation asks.
    again = revision(project, "What is Ketamine?\n\n\n", "What is Ketamine?\n\n\n\n\n", name="again.txt")
    second = cli("source", "update", "ketamine-overview", again, "data", "--write", cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert errors(data) == []
    back = project / "back.txt"
    back.write_bytes(OLD)
    undone = cli("source", "update", "ketamine-overview", back, "data", "--write", cwd=project)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert errors(data) == []
    # Back on the released text, every record is as released again: version and all.
    assert {p: p.read_bytes() for p in before} == before


def test_a_negation_put_between_spliced_quotes_goes_to_a_person(project: Path) -> None:
    # A3-1: the article now denies what the spliced records still state; every quote of theirs is unchanged.
    text = OLD.decode("utf-8")
    for old, new in [
        ("taken orally, intramuscularly, or via", "taken orally, but never intramuscularly, or via"),
        ("confusion, and dizziness", "confusion, and no dizziness"),
        ("including addiction, cognitive", "including addiction, rarely any cognitive"),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    path = project / "new.txt"
    path.write_bytes(text.encode("utf-8"))
    dry = cli("source", "update", "ketamine-overview", path, "data", "--format", "json", cwd=project)
    spans = json.loads(dry.stdout)["spans"]
    for record, negation in (("claim-030", "never"), ("claim-047", "no"), ("claim-017", "rarely")):
        verdicts = {s["path"]: s for s in spans if s["record"] == record and s["path"].startswith("evidence.")}
        changed = [s for s in verdicts.values() if s["verdict"] == "changed"]
        assert changed and all(f"a negation changed ({negation})" in s["why"] for s in changed), record
        assert all(s["new"]["quote"] == s["old"]["quote"] for s in changed)
    result = cli("source", "update", "ketamine-overview", path, "data", "--write", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    found = errors(project / "data")
    assert {("KD700", "claim-030"), ("KD700", "claim-047"), ("KD700", "claim-017")} <= set(found)
    assert release(project, "--dry-run").returncode == 1


@pytest.mark.parametrize(
    ("old", "new", "marked"),
    [
        # A3-8: a sentence put before "It belongs ...": the 'It' leans on a sentence that changed.
        ("pain relief. It belongs", "pain relief. It is also used in veterinary medicine. It belongs", {"claim-004"}),
        # A3-8: the street name "K" became "Kay": the quote 'K' does not stand in a longer word.
        ('"Special K," "K," and', '"Special K," "Kay," and', {"claim-010", "claim-011", "claim-012", "caveat-001"}),
        # A3-13: the sentence before "It is typically used ..." moved away: 043/044 read 'It' as its subject.
        (
            "Ketamine therapy is still considered an experimental treatment, and more research is needed to fully "
            "understand its safety and efficacy. ",
            "",
            {"claim-043", "claim-044"},
        ),
    ],
)
def test_a_change_to_the_sentence_an_it_leans_on_marks_the_record_and_is_written(
    project: Path, old: str, new: str, marked: set[str]
) -> None:
    text = OLD.decode("utf-8")
    assert old in text
    revised = text.replace(old, new, 1)
    if not new:  # moved, not deleted: it now stands before 'In recent years ...'
        anchor = "In recent years, ketamine has gained attention"
        revised = revised.replace(anchor, old + anchor, 1)
    path = project / "new.txt"
    path.write_bytes(revised.encode("utf-8"))
    dry = cli("source", "update", "ketamine-overview", path, "data", cwd=project)
    assert "would refuse the write" not in dry.stdout, dry.stdout
    result = cli("source", "update", "ketamine-overview", path, "data", "--write", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    held = {r for c, r in errors(project / "data") if c in ("KD700", "KD701")}
    assert marked <= held, held


def test_a_record_whose_quotes_stand_but_which_a_rule_now_refuses_is_marked_not_the_update_refused(
    project: Path,
) -> None:
    # The paragraph on therapy moves into the first section: every quote stands, its sentences too, but
    # claim-022 and claim-023 now lie outside the scope of the caveats that govern them (KD608). The update
    # marks those caveats for a person (KD700) instead of writing nothing.
    text = OLD.decode("utf-8")
    paragraph = ("In therapy, ketamine is typically administered in low doses and under the supervision of a trained "
                 "medical professional.\n\n\n")  # fmt: skip
    revised = text.replace(paragraph, "", 1).replace(
        "What is Ketamine?\n\n\n", "What is Ketamine?\n\n\n" + paragraph, 1
    )
    path = project / "new.txt"
    path.write_bytes(revised.encode("utf-8"))
    result = cli("source", "update", "ketamine-overview", path, "data", "--write", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    broke = [s for s in report["spans"] if "breaks a rule: KD608" in s["why"]]
    assert {s["record"] for s in broke} == {"caveat-002", "caveat-003"}
    found = errors(project / "data")
    assert ("KD700", "caveat-002") in found and ("KD700", "caveat-003") in found
    message = next(p.message for p in run(project / "data", TODAY).problems if p.code == "KD700")
    assert "every quote stands" in message


def test_a_mark_confirmed_by_hand_does_not_clear_the_release_gate(project: Path) -> None:
    # A3-6: `sed s/status: pending/status: confirmed/` with no review beside it.
    new = revision(project, "its safety and efficacy", "its safety and its efficacy")
    assert cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project).returncode == 0
    data = project / "data"
    marked = sorted({r for c, r in errors(data) if c == "KD700"})
    for path in (data / "claims").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("  status: pending\n", "  status: confirmed\n"), encoding="utf-8")
    for path in [data / "caveats.yaml"]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("  status: pending\n", "  status: confirmed\n"), encoding="utf-8")
    found = errors(data)
    assert sorted(r for c, r in found if c == "KD703") == marked and not [c for c, _ in found if c == "KD700"]
    refused = release(project, "--dry-run")
    assert refused.returncode == 1 and "KD703" in refused.stderr
    # A review dated before the update (its digest copied right) cannot have decided it either.
    path = data / "claims/uncertainty.yaml"
    text = path.read_text(encoding="utf-8")
    block = "id: claim-041\n"
    at = text.index(block)
    end = text.index("review:\n  status: unreviewed\n", at)
    value = next(d for d in yaml.safe_load_all(text) if d["id"] == "claim-041")
    links = folder_links(data).get("claim-041", ())  # a claim's review covers its caveats too
    typed = ("review:\n  status: reviewed\n  reviewed_by: Some One\n  reviewed_on: '2026-01-01'\n"
             f"  review_due: '2027-01-01'\n  content_sha256: {content_digest(value, links)}\n")  # fmt: skip
    path.write_text(text[:end] + typed + text[end + len("review:\n  status: unreviewed\n") :], encoding="utf-8")
    found = [p for p in run(data, TODAY).problems if p.record_id == "claim-041" and p.severity is Severity.ERROR]
    assert [p.code for p in found] == ["KD703"] and "older than the update" in found[0].message, found
    # Confirmed in the workbench's way (a review of this content, today): the gate opens for that record.
    path.write_text(text, encoding="utf-8")
    write_review(data, "claim-041", Verdict("reviewed", "Test Reviewer", "test"), stamp(data, "claim-041"), TODAY,
                 source_update=True)  # fmt: skip
    assert ("KD703", "claim-041") not in errors(data)


def _a3_1_text() -> bytes:
    text = OLD.decode("utf-8")
    for old, new in [
        ("taken orally, intramuscularly, or via", "taken orally, but never intramuscularly, or via"),
        ("confusion, and dizziness", "confusion, and no dizziness"),
    ]:
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def test_a_mark_edited_by_hand_is_refused_and_the_workbench_shows_the_articles_words(project: Path) -> None:
    # A3-9: the mark is a state file `source update` wrote; its words, revision and source are checked.
    from .workbench import running

    data = project / "data"
    update_source(data, "ketamine-overview", _a3_1_text(), write=True, today=TODAY)
    path = data / "claims/therapy-practice.yaml"
    text = path.read_text(encoding="utf-8")
    assert "but never intramuscularly" in text
    edited = text.replace("orally, but never intramuscularly, or via", "orally, mostly intramuscularly, or via")
    edited = edited.replace("new_words: but never", "new_words: mostly")
    path.write_text(edited, encoding="utf-8")
    found = [p for p in run(data, TODAY).problems if p.code == "KD704"]
    assert found and all("is not the current text" in p.message for p in found)
    with running(data, TODAY) as wb:
        wb.sign_in()
        page = wb.request("GET", "/?record=claim-030").body
        # The article's words at the mark's offsets, not the mark's copy.
        assert "<ins>mostly" not in page and "never" in page
    # A mark naming no source, or a revision the source is no longer at, is refused too.
    path.write_text(text.replace("  source: ketamine-overview\n  from:", "  source: nonexistent\n  from:", 1),
                    encoding="utf-8")  # fmt: skip
    assert any("not a source" in p.message for p in run(data, TODAY).problems if p.code == "KD704")


def test_a_second_update_keeps_an_undecided_mark_on_the_articles_words(project: Path) -> None:
    # A3-9: A -> B marks claim-030; B -> C (a sentence put at the start) moves every span. The mark still
    # waiting for a person follows the text: its new words are C's at their new offsets, nothing is stale.
    data = project / "data"
    update_source(data, "ketamine-overview", _a3_1_text(), write=True, today=TODAY)
    before = next(d for d in yaml.safe_load_all((data / "claims/therapy-practice.yaml").read_text(encoding="utf-8"))
                  if d["id"] == "claim-030")["source_update"]  # fmt: skip
    second = _a3_1_text().decode("utf-8").replace("Ketamine is a medication", "Ketamine was first made in 1962. "
                                                  "Ketamine is a medication", 1)  # fmt: skip
    update_source(data, "ketamine-overview", second.encode("utf-8"), write=True, today=TODAY)
    after = next(d for d in yaml.safe_load_all((data / "claims/therapy-practice.yaml").read_text(encoding="utf-8"))
                 if d["id"] == "claim-030")["source_update"]  # fmt: skip
    assert after["from"] == before["from"] == OLD_SHA and after["to"] == hashlib.sha256(second.encode()).hexdigest()
    shift = len("Ketamine was first made in 1962. ")
    for a, b in zip(before["spans"], after["spans"], strict=True):
        assert b["new"]["start"] == a["new"]["start"] + shift and b["new"]["quote"] == a["new"]["quote"]
        assert second[b["new"]["start"] : b["new"]["end"]] == b["new"]["quote"]
    assert not [p for p in run(data, TODAY).problems if p.code == "KD704"]
    assert ("KD700", "claim-030") in errors(data)


def test_two_updates_at_once_never_lose_each_other(project: Path) -> None:
    # A3-18: two editors apply two revisions at the same moment; both used to say "written", one was lost.
    first = revision(project, "more research is needed", "further research is needed", name="one.txt")
    second = revision(project, "confusion, and dizziness", "confusion, and no dizziness", name="two.txt")
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [subprocess.Popen([sys.executable, "-m", "ketdata", "source", "update", "ketamine-overview", str(path),
                              "data", "--write"], cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for path in (first, second)]  # fmt: skip
    for p in runs:
        p.communicate(timeout=300)
        assert p.returncode == 0
    data = project / "data"
    source = yaml.safe_load((data / "sources/ketamine-overview.yaml").read_text(encoding="utf-8"))
    # One applied after the other: the original and the first applied are both kept, each listed once.
    kept = [r["sha256"] for r in source["revisions"]]
    assert len(kept) == len(set(kept)) == 2 and kept[0] == OLD_SHA
    for r in source["revisions"]:
        assert hashlib.sha256((data / "sources" / r["file"]).read_bytes()).hexdigest() == r["sha256"]
    assert source["sha256"] in {hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)}


def test_the_same_update_twice_at_once_is_applied_once(project: Path) -> None:
    new = revision(project, "more research is needed", "further research is needed")
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [subprocess.Popen([sys.executable, "-m", "ketdata", "source", "update", "ketamine-overview", str(new),
                              "data", "--write"], cwd=project, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in runs]
    assert sorted(p.returncode for p in runs) == [0, 2], outs
    assert any("nothing to update" in err for _, err in outs)
    source = yaml.safe_load((project / "data/sources/ketamine-overview.yaml").read_text(encoding="utf-8"))
    assert source["revisions"] == [{"sha256": OLD_SHA, "file": f"ketamine-overview.{OLD_SHA[:12]}.txt",
                                    "recorded": None}]  # fmt: skip


def test_a_planted_file_under_the_kept_revisions_name_is_never_overwritten(project: Path) -> None:
    # A3-2: `--write` keeps the old text as ketamine-overview.<sha12>.txt; a file there it did not write stays.
    planted = project / f"data/sources/ketamine-overview.{OLD_SHA[:12]}.txt"
    planted.write_text("hostile planted text\n", encoding="utf-8")
    new = revision(project, "more research is needed", "further research is needed")
    before = files(project)
    result = cli("source", "update", "ketamine-overview", new, "data", "--write", cwd=project)
    assert result.returncode == 2 and "ketdata did not write it" in result.stderr, result.stderr
    assert files(project) == before


def test_a_section_edited_by_hand_is_a_usage_error_not_a_crash(project: Path) -> None:
    # A3-21: the heading in the source record no longer matches the text: rc 2 naming it, not a traceback.
    path = project / "data/sources/ketamine-overview.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("heading: How is Ketamine Used in Therapy?",
                                 "heading: How is Ketamine Used in Treatment?"), encoding="utf-8")  # fmt: skip
    new = revision(project, "How is Ketamine Used in Therapy?", "How is Ketamine Used in Treatment?")
    result = cli("source", "update", "ketamine-overview", new, "data", cwd=project)
    assert result.returncode == 2 and "ketamine-in-therapy" in result.stderr and "ketdata validate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_given_as_the_new_text_is_named(project: Path) -> None:
    # A3-12: "Is a directory: 3" named a file descriptor, not the path.
    (project / "adir").mkdir()
    result = cli("source", "update", "ketamine-overview", project / "adir", "data", cwd=project)
    assert result.returncode == 2 and "adir" in result.stderr and ": 3" not in result.stderr, result.stderr
