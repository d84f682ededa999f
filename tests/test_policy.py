"""The commands' policy lives in library functions: called here directly, with no command line in between.

Each returns a small frozen result, or raises a `KetdataError` subclass; the CLI only prints them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from ketdata._editor.fmt import fmt
from ketdata._editor.new import ScaffoldError, new_record
from ketdata._editor.release import ReleaseError, release
from ketdata._editor.show import NoSuchRecordError, coverage, find_quote, list_claims, show_record
from ketdata._export._folder import export_folder, stale_exports
from ketdata._model.errors import ExportTargetError, UsageError
from ketdata._model.problems import RefusedError
from ketdata._read.paths import choose_data_folder
from tests.helpers import DATA, DAY, LATEST, ROOT, accept_drafted, edit


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("data", "releases", "exports"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    return tmp_path


def files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".ketdata" not in p.parts}  # fmt: skip


def reword(project: Path) -> None:
    path = project / "data/claims/identity.yaml"
    text = path.read_text(encoding="utf-8")
    version = int(text.split("version: ", 1)[1].split("\n", 1)[0])
    edit(path, f"version: {version}", f"version: {version + 1}")
    edit(path, "Ketamine is a medication.", "ketamine is a medication.")


def drafted_ids(project: Path) -> list[str]:
    """The records `accept_drafted` names: what ``release(accept_weaker=)`` takes."""
    return accept_drafted(project / "data")[1::2]


def break_a_reference(project: Path) -> None:
    edit(project / "data/claims/identity.yaml", "category: identity", "category: identiy")


# --- release -------------------------------------------------------------------------------------------


def test_a_second_release_has_nothing_to_release_and_writes_nothing(project: Path) -> None:
    first = release(project / "data", DAY, accept_weaker=drafted_ids(project))
    before = files(project)
    done = release(project / "data", DAY)
    assert done.nothing_to_release and done.written == () and done.plan.previous == first.plan.version
    assert files(project) == before


def test_a_dry_run_plans_the_release_and_writes_nothing(project: Path) -> None:
    reword(project)
    before = files(project)
    done = release(project / "data", DAY, dry_run=True)
    assert (done.plan.previous, done.written, done.nothing_to_release) == (LATEST, (), False)
    assert "claim-001" in done.plan.changelog and done.unreviewed > 0
    assert files(project) == before


def test_release_writes_every_file_of_the_release(project: Path) -> None:
    reword(project)
    done = release(project / "data", DAY, accept_weaker=drafted_ids(project))
    snapshot = project / "releases" / f"{done.plan.version}.json"
    assert snapshot in done.written and snapshot.is_file()
    assert f"version: {done.plan.version}" in (project / "data/dataset.yaml").read_text(encoding="utf-8")
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.written = ()  # type: ignore[misc]


def test_release_refuses_data_with_errors_and_writes_nothing(project: Path) -> None:
    reword(project)
    break_a_reference(project)
    before = files(project)
    with pytest.raises(RefusedError) as refused:
        release(project / "data", DAY)
    assert refused.value.notes == ("not releasing: the data has errors",) and refused.value.exit_code == 1
    assert any(p.code.startswith("KD2") for p in refused.value.problems)
    assert files(project) == before


def test_release_refuses_a_date_that_is_no_date(project: Path) -> None:
    with pytest.raises(ReleaseError, match="not a calendar date"):
        release(project / "data", "2026-02-30")


# --- export --------------------------------------------------------------------------------------------


def test_export_writes_the_set_and_then_nothing_is_stale(project: Path, tmp_path: Path) -> None:
    out = project / "out"
    done = export_folder(project / "data", out)
    assert "manifest.json" in done.written and done.removed == () and done.out == out
    assert stale_exports(project / "data", out) == ()
    reword(project)
    assert "json/ketdata.json" in stale_exports(project / "data", out)


def test_export_refuses_data_with_errors(project: Path) -> None:
    break_a_reference(project)
    for attempt in (lambda: export_folder(project / "data", project / "out"),
                    lambda: stale_exports(project / "data", project / "exports")):  # fmt: skip
        with pytest.raises(RefusedError) as refused:
            attempt()
        assert refused.value.notes == ("not exporting: the data has errors",)
    assert not (project / "out").exists()


def test_export_refuses_a_folder_holding_what_it_did_not_write(project: Path) -> None:
    out = project / "out"
    out.mkdir()
    (out / "thesis.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportTargetError, match=r"thesis\.txt"):
        export_folder(project / "data", out)
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "mine"


# --- new -----------------------------------------------------------------------------------------------

CONCEPT = {"id": "zzz", "label": "Zzz", "kind": "condition", "definition": None, "synonym": None}


def test_new_adds_a_record_with_the_next_free_id(project: Path) -> None:
    written = new_record(project / "data", "concept", CONCEPT)
    assert written.record_id == "zzz" and written.path == project / "data/concepts.yaml"
    assert "id: zzz" in written.path.read_text(encoding="utf-8")


def test_new_refuses_a_repeated_record_and_writes_nothing(project: Path) -> None:
    before = files(project)
    with pytest.raises(RefusedError) as refused:
        new_record(project / "data", "concept", {**CONCEPT, "id": "other", "label": "Ketamine"})
    assert refused.value.problems == () and "repeats ketamine (same label)" in refused.value.notes[0]
    assert files(project) == before


def test_new_refuses_a_record_with_which_the_data_would_not_validate(project: Path) -> None:
    before = files(project)
    with pytest.raises(RefusedError) as refused:
        new_record(project / "data", "concept", {**CONCEPT, "kind": "no-such-kind"})
    assert refused.value.problems and "the data would not validate" in refused.value.notes[0]
    assert files(project) == before


def test_new_refuses_a_quote_the_source_does_not_have(project: Path) -> None:
    args = {"statement": "X.", "kind": "supervision-requirement", "applies_to": ["claim-001"], "hedge": None,
            "quote": "words the article never says", "source": None, "nth": None}  # fmt: skip
    with pytest.raises(ScaffoldError, match="not in ketamine-overview exactly"):
        new_record(project / "data", "caveat", args)


# --- fmt -----------------------------------------------------------------------------------------------


def test_fmt_check_reports_and_fmt_rewrites(project: Path) -> None:
    path = project / "data/concepts.yaml"
    edit(path, "label: Ketamine\n", "label: 'Ketamine'\n")
    checked = fmt(project / "data", check=True)
    assert (checked.changed, checked.written, checked.failed) == ((path,), False, True)
    done = fmt(project / "data")
    assert (done.changed, done.written, done.failed) == ((path,), True, False)
    assert fmt(project / "data", check=True) == type(done)((), (), (), False, False)


def test_fmt_leaves_a_file_with_comments_alone_and_check_fails_on_it(project: Path) -> None:
    path = project / "data/concepts.yaml"
    path.write_text("# a note\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    done = fmt(project / "data")
    # Left alone, the file is still not canonical: fmt fails too, so `fmt && git commit` stops (attack 2, F20).
    assert [r.path for r in done.skipped] == [path] and done.failed and not done.written
    assert fmt(project / "data", check=True).failed


# --- show, list, locate, coverage: data in error is no clean bill --------------------------------------------


def test_the_looks_at_the_data_carry_its_errors(project: Path) -> None:
    assert show_record(project / "data", "claim-001").errors == ()
    break_a_reference(project)  # a rule across records fails; every record still passes its schema
    shown = show_record(project / "data", "claim-002")
    assert "claim-002" in shown.text and shown.errors
    assert list_claims(project / "data", "table", category=None, status=None, evidence=None, concept=None).errors
    assert find_quote(project / "data", "taken orally").errors
    assert coverage(project / "data").errors


def test_show_of_an_unknown_id_is_a_usage_error_with_near_misses() -> None:
    with pytest.raises(NoSuchRecordError, match="did you mean claim-001"):
        show_record(DATA, "claim-1")


def test_locate_fails_on_an_ambiguous_or_missing_quote() -> None:
    several = find_quote(DATA, "ketamine")
    assert several.failed and "times in ketamine-overview" in several.notes[0]
    near = find_quote(DATA, "taken Orally")
    assert near.failed and "quote: taken orally" in near.text
    with pytest.raises(UsageError, match="empty"):
        find_quote(DATA, "  ")


# --- which folder --------------------------------------------------------------------------------------------


def test_the_folder_a_command_works_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert choose_data_folder(None, "show") is None  # the shipped data
    with pytest.raises(UsageError, match="--shipped for the copy"):
        choose_data_folder(None, "validate", offers_shipped=True)
    with pytest.raises(UsageError, match="`ketdata new --data"):
        choose_data_folder(None, "new", editing=True)
    with pytest.raises(UsageError, match="not both"):
        choose_data_folder(DATA, "validate", shipped=True, offers_shipped=True)
    with pytest.raises(UsageError, match="did you mean"):
        choose_data_folder(ROOT, "validate")
    shutil.copytree(DATA, tmp_path / "data")
    assert choose_data_folder(None, "fmt", editing=True) == Path("data")
