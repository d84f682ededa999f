"""The seventh attack's A7-05, A7-06 and A7-16: kinds tied to words and history, one item per claim, governed phrases.

Each attack edits a copy of the project (``project``: data, releases, changelog) as the attacker did; the test
checks through the validator (and, for KD517, the release command) that the edit is refused, and that every
shipped record passes the rule it breaks, so the rule is the one the data already follows.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import ketdata
from ketdata._cli import main
from ketdata._validation.caveat_kinds import CUES
from ketdata._validation.pipeline import run

from .helpers import DATA, DAY, LATEST, edit


def cli(*args: str, cwd: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(list(args), stdout=out, stderr=err)
    finally:
        os.chdir(here)
    return code, out.getvalue() + err.getvalue()


def found(project: Path) -> set[tuple[str, str | None]]:
    """(code, record id) of every error and warning of the project's data."""
    return {(p.code, p.record_id) for p in run(project / "data").problems if p.severity != "info"}


def block(path: Path, record_id: str) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {record_id}\n")
    end = text.find("\n---", start)
    return text[start : end if end != -1 else len(text)]


def change(path: Path, record_id: str, old: str, new: str, *, bump: bool = True) -> None:
    """Replace ``old`` inside one record, raising its version by one (as its change asks) when it has one."""
    before = block(path, record_id)
    assert old in before, old
    after = before.replace(old, new, 1)
    if bump:
        after = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", after, count=1, flags=re.M)
    edit(path, before, after)


# --- A7-05: a caveat's kind and a concept's kind ------------------------------------------------------------------

REKINDED = {
    "caveat-006 supervision made a limitation": ("caveat-006", "supervision-requirement", "limitation"),
    "caveat-003 'more research is needed' made supervision": ("caveat-003", "uncertainty", "supervision-requirement"),
    "caveat-002 'experimental' made uncertainty": ("caveat-002", "limitation", "uncertainty"),
    "caveat-005 side effects made a limitation": ("caveat-005", "safety-warning", "limitation"),
}


@pytest.mark.parametrize("attack", sorted(REKINDED))
def test_a_caveat_filed_under_a_kind_its_words_do_not_mark_is_refused(attack: str, project: Path) -> None:
    caveat, was, now = REKINDED[attack]
    standing = found(project)
    change(project / "data/caveats.yaml", caveat, f"kind: {was}\n", f"kind: {now}\n")
    assert found(project) - standing == {("KD681", caveat), ("KD517", caveat)}
    assert cli("validate", cwd=project)[0] == 1


def stating(record: ketdata.records.Caveat | ketdata.records.Claim) -> str:
    return " ".join(s.quote.lower() for s in record.evidence if s.role != "context")


def test_every_shipped_caveat_is_of_the_kind_its_cues_mark() -> None:
    """The table is read off the data: every shipped caveat (withdrawn ones too) holds a cue of its own kind."""
    offenders = []
    for caveat in ketdata.load(DATA).caveats:
        said = stating(caveat)
        kinds = {kind for cue, kind in CUES.items() if re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", said)}
        if caveat.kind not in kinds:
            offenders.append((caveat.id, caveat.kind, sorted(kinds)))
    assert offenders == []


def test_every_cue_is_read_off_a_shipped_caveat_of_its_kind() -> None:
    caveats = ketdata.load(DATA).caveats
    unread = [cue for cue, kind in CUES.items() if not any(cue in stating(c) and c.kind == kind for c in caveats)]
    assert unread == []


def test_a_context_quote_lends_a_caveat_no_cue(project: Path) -> None:
    # caveat-003 quotes "still considered an experimental treatment" as context: it is no limitation for that.
    assert "experimental" in block(project / "data/caveats.yaml", "caveat-003")
    assert not {code for code, rid in found(project) if rid == "caveat-003"}


def rekind_released_caveat(project: Path) -> str:
    """The latest release made to say caveat-006 was a limitation (its ledger line re-written to match)."""
    snapshot = project / f"releases/{LATEST}.json"
    doc = json.loads(snapshot.read_text(encoding="utf-8"))
    (caveat,) = [c for c in doc["caveats"] if c["id"] == "caveat-006"]
    caveat["kind"] = "limitation"
    caveat["version"] -= 1  # the data's version, one above the release's, then says it changed
    snapshot.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    ledger = project / "releases/SHA256SUMS"
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    lines = [f"{digest}  {LATEST}.json" if line.endswith(f"  {LATEST}.json") else line
             for line in ledger.read_text(encoding="utf-8").splitlines()]  # fmt: skip
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "caveat-006"


def rekind_concept(project: Path) -> str:
    """A7-05: a concept re-filed under another kind (anesthesia, the procedure, made a condition)."""
    concepts = project / "data/concepts.yaml"
    change(concepts, "anesthesia", "kind: procedure\n", "kind: condition\n", bump=False)
    return "anesthesia"


@pytest.mark.parametrize("mutate", [rekind_released_caveat, rekind_concept])
def test_a_kind_changed_since_the_release_refuses_the_release_until_accepted(
    mutate: Callable[[Path], str], project: Path
) -> None:
    standing = {rid for code, rid in found(project) if code == "KD517"}
    record = mutate(project)
    assert found(project) - {("KD517", rid) for rid in standing} == {("KD517", record)}
    accept = [arg for rid in sorted(standing) for arg in ("--accept-weaker", rid)]
    code, said = cli("release", "--dry-run", "--date", DAY, *accept, cwd=project)
    assert code == 1 and f"--accept-weaker {record}" in said, said
    code, said = cli("release", "--dry-run", "--date", DAY, *accept, "--accept-weaker", record, cwd=project)
    assert code == 0 and f"accepted (--accept-weaker {record})" in said, said


def test_a_caveat_kind_unchanged_since_the_release_is_no_weakening(project: Path) -> None:
    assert not {rid for code, rid in found(project) if code == "KD517"} & {"caveat-006", "anesthesia"}


# --- A7-06: a hedge's governed phrase ----------------------------------------------------------------------------

GOVERNS = {
    "claim-002 'primarily' governs only 'pain relief'": (
        "claims/medical-use.yaml", "claim-002", "hedge_governs: anesthesia and pain relief",
        "hedge_governs: pain relief"),
    "claim-002 'primarily' governs only 'anesthesia'": (
        "claims/medical-use.yaml", "claim-002", "hedge_governs: anesthesia and pain relief",
        "hedge_governs: anesthesia"),
    "claim-019 'particularly' governs 'ketamine', before it": (
        "claims/medical-use.yaml", "claim-019", "governs: in cases where other treatments have been ineffective",
        "governs: ketamine"),
    "claim-040 'still' governs only 'considered'": (
        "claims/uncertainty.yaml", "claim-040", "governs: considered an experimental treatment", "governs: considered"),
    "claim-040 'still' governs the verb's object only": (
        "claims/uncertainty.yaml", "claim-040", "governs: considered an experimental treatment",
        "governs: an experimental treatment"),
    "claim-037 'can sometimes' governs half of 'insights and breakthroughs'": (
        "claims/effects.yaml", "claim-037", "hedge_governs: lead to insights and breakthroughs in therapy",
        "hedge_governs: lead to insights"),
}  # fmt: skip


@pytest.mark.parametrize("attack", sorted(GOVERNS))
def test_a_governs_that_is_not_the_hedges_phrase_is_refused(attack: str, project: Path) -> None:
    file, record, old, new = GOVERNS[attack]
    standing = found(project)
    change(project / "data" / file, record, old, new)
    assert found(project) - standing == {("KD685", record)}


def test_the_whole_phrase_right_after_the_hedge_passes(project: Path) -> None:
    standing = found(project)
    change(project / "data/claims/medical-use.yaml", "claim-002", "hedge_governs: anesthesia and pain relief",
           "hedge_governs: used for anesthesia and pain relief")  # fmt: skip
    assert found(project) == standing


@pytest.mark.parametrize(("governs", "refused"), [("seated or lying down", False), ("seated", True)])
def test_a_phrase_ends_before_a_coordinated_verb_phrase(governs: str, refused: bool, project: Path) -> None:
    """The schema's own example: 'typically' in 'is typically seated or lying down and is closely monitored'."""
    claims = project / "data/claims/therapy-practice.yaml"
    change(
        claims,
        "claim-026",
        "lying down\n  start: 1200\n  end: 1265\n",
        "lying down and is closely monitored by a healthcare professional\n  start: 1200\n  end: 1318\n",
    )
    change(claims, "claim-026", "hedge_governs: seated or lying down\n", f"hedge_governs: {governs}\n", bump=False)
    assert (("KD685", "claim-026") in found(project)) is refused


# --- A7-16: one item of a list per claim -----------------------------------------------------------------------

ADVERSE = "claims/adverse-effects.yaml"
LIST = "hallucinations, confusion, and dizziness"


def widen_item(data: Path) -> None:
    """A7-16: claim-045's item quote widened to the whole list, its statement with it."""
    change(data / ADVERSE, "claim-045", "including hallucinations.", f"including {LIST}.")
    change(data / ADVERSE, "claim-045", "  quote: hallucinations\n  start: 2203\n  end: 2217",
           "  quote: hallucinations, confusion, and dizziness\n  start: 2203\n  end: 2243", bump=False)  # fmt: skip


def widen_context(data: Path) -> None:
    """The list quoted as context beside the one item, the statement naming every item."""
    change(data / ADVERSE, "claim-045", "including hallucinations.", f"including {LIST}.")
    change(data / ADVERSE, "claim-045", "  role: item\n  quote: hallucinations\n",
           "  role: context\n  quote: hallucinations, confusion, and dizziness\n  start: 2203\n  end: 2243\n"
           "- source: ketamine-overview\n  section: ketamine-in-therapy\n  role: item\n  quote: hallucinations\n",
           bump=False)  # fmt: skip


def item_with_or(data: Path) -> None:
    """claim-036's item 'heightened creativity' widened over 'euphoria or' (claim-035's: 'a sense of euphoria')."""
    change(
        data / "claims/effects.yaml",
        "claim-036",
        "patients may experience a sense of heightened creativity.",
        "patients may experience a sense of euphoria or heightened creativity.",
    )
    change(data / "claims/effects.yaml", "claim-036", "  quote: heightened creativity\n  start: 1691\n",
           "  quote: euphoria or heightened creativity\n  start: 1679\n", bump=False)  # fmt: skip


def names_a_sibling(data: Path) -> None:
    """claim-046 (confusion) naming hallucinations, the item of claim-045, through a reading-free rewording."""
    change(data / ADVERSE, "claim-046", "including confusion.", "including confusion (and hallucinations).")


LISTS = {
    "A7-16 item widened to the list": (
        widen_item,
        {("KD682", "claim-045"), ("KD683", "claim-045"), ("KD684", "claim-045")},
    ),
    "A7-16 list quoted as context": (widen_context, {("KD684", "claim-045")}),
    # The two item quotes overlap: either may be the one to narrow, so both are named.
    "item over 'euphoria or'": (
        item_with_or,
        {("KD682", "claim-036"), ("KD683", "claim-036"), ("KD683", "claim-035"), ("KD684", "claim-036")},
    ),
    "statement names a sibling item": (names_a_sibling, {("KD684", "claim-046")}),
}


@pytest.mark.parametrize("attack", sorted(LISTS))
def test_a_claim_stating_more_than_its_item_is_refused(attack: str, project: Path) -> None:
    mutate, expected = LISTS[attack]
    standing = found(project)
    mutate(project / "data")
    new = found(project) - standing
    assert expected <= new, new
    assert not {(code, rid) for code, rid in new if code in ("KD682", "KD683", "KD684")} - expected


def test_shipped_item_quotes_are_one_item_each() -> None:
    """'and' inside an item is the article's own ('thoughts and feelings'); no shipped item holds another separator."""
    items = [s.quote for claim in ketdata.load(DATA).claims for s in claim.evidence if s.role == "item"]
    assert any(" and " in q for q in items)
    offenders = [q for q in items if re.search(r"[,;]|(?<!\w)or(?!\w)|^and\b|\band$", q)]
    assert offenders == []


def test_new_checks_report_nothing_on_the_shipped_data() -> None:
    codes = {"KD681", "KD682", "KD683", "KD684", "KD685"}
    assert [p for p in run(DATA).problems if p.code in codes] == []
