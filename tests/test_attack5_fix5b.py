"""The fifth attack's findings on codes, caveat withdrawal, claim lifecycle, conflicts, categories and reviews.

Each test edits a copy of the project as an editor would (the attacker's own edits) and checks what validation
reports.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from pathlib import Path

from ketdata._editor.verdict import Verdict, write_review
from ketdata._model.problems import Problem
from ketdata._validation.pipeline import run

from .helpers import LATEST, bump, edit, is_drafted

TODAY = datetime.date(2026, 12, 6)
CONFUSION = """id: confusion
label: Confusion
kind: condition
definition:
  text: Confusion, as the article names it; its code (Confusional state) is a close, not an exact, match.
  origin: external
  reason: Editorial gloss by ketdata's editors, for readers; the article gives no definition.
codings:
- system: http://snomed.info/sct
  code: '286933003'
  display: Confusional state
  relation: skos:closeMatch
  confidence: medium
"""
RELABELLED = """id: confusion
label: Hallucinations (confusional)
kind: condition
definition:
  text: Hallucinations, as the article names them.
  origin: external
  reason: Editorial gloss by ketdata's editors, for readers; the article gives no definition.
synonyms:
- text: confusion
  origin: article
  evidence:
    source: ketamine-overview
    section: ketamine-in-therapy
    role: item
    quote: confusion
    start: 2219
    end: 2228
codings:
- system: http://snomed.info/sct
  code: '7011001'
  display: Hallucinations
  relation: skos:exactMatch
  confidence: medium
"""


def relabel(data: Path) -> None:
    """A5-5's edit: concept confusion relabelled and recoded as hallucinations, 'confusion' kept as a synonym."""
    edit(data / "concepts.yaml", CONFUSION, RELABELLED)
    edit(data / "concepts.yaml", "  checked_against: public FHIR source checked against a terminology browser\n",
         "  checked_against: several public FHIR sources\n")  # fmt: skip


def problems(data: Path) -> list[Problem]:
    """What validation finds, but the policy warnings the shipped data carries until the next release."""
    return [p for p in run(data, TODAY).problems if not is_drafted(p)]


def found(data: Path, code: str) -> list[str | None]:
    return sorted(p.record_id for p in problems(data) if p.code == code)


def stamp(data: Path, record_id: str) -> str:
    from ketdata._workbench._view import read_state

    return next(v for k, v in read_state(data).stamps.items() if k.partition(":")[2] == record_id)


# --- A5-5: a note in parentheses added to a label does not make it the row's term -------------------------------


def test_a_relabelled_concept_cannot_take_another_terms_row(project: Path) -> None:
    data = project / "data"
    relabel(data)
    assert found(data, "KD314") == ["confusion"]


# --- A5-15: a review covers the labels and codes of the concepts its row showed ------------------------------


def test_a_review_is_void_once_its_object_concept_is_relabelled_or_recoded(project: Path) -> None:
    data = project / "data"
    write_review(data, "claim-046", Verdict("reviewed", "Dr C Example", "pharmacist"), stamp(data, "claim-046"), TODAY)
    assert found(data, "KD641") == []
    relabel(data)
    assert found(data, "KD641") == ["claim-046"]


def test_a_review_is_void_once_its_subject_is_relabelled(project: Path) -> None:
    data = project / "data"
    write_review(data, "claim-046", Verdict("reviewed", "Dr C Example", "pharmacist"), stamp(data, "claim-046"), TODAY)
    edit(data / "concepts.yaml", "id: ketamine\nlabel: Ketamine\n", "id: ketamine\nlabel: Ketamine hydrochloride\n")
    assert found(data, "KD641") == ["claim-046"]


# --- A5-10: a deprecation does not drop a fact the article still states ----------------------------------------


def deprecate_045(data: Path, into: str = "claim-046") -> None:
    """A5-10's edit: claim-045 deprecated 'merged into' another claim, taken off its caveats."""
    claims, caveats = data / "claims/adverse-effects.yaml", data / "caveats.yaml"
    edit(claims, "id: claim-045\nversion: 3\nstatus: active\n",
         f"id: claim-045\nversion: 4\nstatus: deprecated\nreason: 'Merged into {into}: the same side-effect sentence.'"
         f"\nsuperseded_by: {into}\n")  # fmt: skip
    text = caveats.read_text(encoding="utf-8")
    caveats.write_text(text.replace("- claim-045\n", ""), encoding="utf-8")
    for caveat in ("caveat-002", "caveat-003", "caveat-006"):
        bump(caveats, caveat)


def test_a_side_effect_cannot_be_deprecated_into_another(project: Path) -> None:
    data = project / "data"
    deprecate_045(data)
    (lost,) = [p for p in problems(data) if p.code == "KD580"]
    assert (lost.record_id, lost.line) == ("claim-045", 6)  # at its superseded_by


def test_the_shipped_merge_of_claim_020_into_claim_019_stands(project: Path) -> None:
    """claim-019 quotes the whole sentence claim-020 quoted a part of: nothing is lost."""
    assert found(project / "data", "KD580") == []


# --- A5-12: a conflict the article does not state says where it comes from ------------------------------------


def conflict(data: Path, note: str = "") -> None:
    """A5-12's edit: claim-045 and claim-040 declared in conflict, both ways, versions bumped."""
    effects, uncertainty = data / "claims/adverse-effects.yaml", data / "claims/uncertainty.yaml"
    bump(effects, "claim-045")
    bump(uncertainty, "claim-040")
    status = "category: adverse-effects\nevidence_status: established\n"
    edit(effects, f"{status}hedge: can\n", f"{status}conflicts_with:\n- claim-040\n{note}hedge: can\n")
    edit(uncertainty, "category: uncertainty\nevidence_status: experimental\n",
         "category: uncertainty\nevidence_status: experimental\nconflicts_with:\n- claim-045\n")  # fmt: skip


def test_an_invented_conflict_is_refused(project: Path) -> None:
    data = project / "data"
    conflict(data)
    assert found(data, "KD323") == ["claim-040", "claim-045"]


def test_a_conflict_with_a_note_naming_the_other_claim_is_marked_as_the_editors(project: Path) -> None:
    data = project / "data"
    note = ("notes:\n- text: The editors read claim-040 as in conflict with this claim.\n  origin: external\n"
            "  reason: A test of the conflicts_with link.\n")  # fmt: skip
    conflict(data, note)
    assert found(data, "KD323") == ["claim-040"]  # claim-040 names no note for claim-045


# --- A5-13: a claim is filed under a category its predicate allows --------------------------------------------


def move_045(data: Path, category: str) -> None:
    """A5-13's edit: claim-045 moved to claims/<category>.yaml and filed under that category."""
    effects = data / "claims/adverse-effects.yaml"
    text = effects.read_text(encoding="utf-8")
    start = text.index("id: claim-045\n")
    end = text.index("\n---\n", start)
    effects.write_text(text[:start] + text[end + 5 :], encoding="utf-8")
    claim = text[start:end].replace("category: adverse-effects", f"category: {category}")
    claim = claim.replace("version: 3\n", "version: 4\n", 1)
    target = data / f"claims/{category}.yaml"
    target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + "\n---\n" + claim + "\n", encoding="utf-8")


def test_a_side_effect_cannot_be_filed_as_a_medical_use_or_a_mere_effect(project: Path) -> None:
    data = project / "data"
    move_045(data, "medical-use")
    assert found(data, "KD581") == ["claim-045"]


def test_a_parent_category_is_no_escape(project: Path) -> None:
    data = project / "data"
    move_045(data, "effects")  # adverse-effects' parent: wider than what the predicate allows
    assert found(data, "KD581") == ["claim-045"]


def test_a_predicate_widened_since_the_release_is_watched(project: Path) -> None:
    """Once released with its categories, a predicate that gains one checks less: KD517 until the next release."""
    data = project / "data"
    snapshot = project / f"releases/{LATEST}.json"
    doc = json.loads(snapshot.read_text(encoding="utf-8"))
    (predicate,) = [p for p in doc["predicates"] if p["id"] == "can_have_side_effect"]
    predicate["categories"] = ["adverse-effects"]
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    sums = project / "releases/SHA256SUMS"
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    sums.write_text(re.sub(rf"^[0-9a-f]{{64}}  {re.escape(LATEST)}\.json$", f"{digest}  {LATEST}.json",
                           sums.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")  # fmt: skip
    assert found(data, "KD517") == []
    edit(
        data / "predicates.yaml", "categories:\n- adverse-effects\n", "categories:\n- adverse-effects\n- medical-use\n"
    )
    kd517 = [p for p in problems(data) if p.code == "KD517"]
    assert [(p.record_id, p.message) for p in kd517] == [
        (
            "can_have_side_effect",
            f"can_have_side_effect is read as a rule, and its categories gained 'medical-use' since release {LATEST}",
        )
    ]


# --- A5-2: a caveat withdrawn while the article still says it is watched, whatever its kind ---------------------


def withdraw(data: Path, caveat: str) -> None:
    path = data / "caveats.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index(f"id: {caveat}\n")
    version = int(re.search(r"version: (\d+)", text[at:]).group(1))  # type: ignore[union-attr]
    old = f"id: {caveat}\nversion: {version}\nstatus: active\n"
    new = f"id: {caveat}\nversion: {version + 1}\nstatus: withdrawn\nreason: It repeats what other records say.\n"
    edit(path, old, new)


def test_every_kind_of_caveat_withdrawn_is_watched(project: Path) -> None:
    data = project / "data"
    for caveat in ("caveat-003", "caveat-004", "caveat-006"):
        withdraw(data, caveat)
    kd517 = [p for p in problems(data) if p.code == "KD517"]
    assert sorted(p.record_id for p in kd517) == ["caveat-003", "caveat-004", "caveat-006"]
    assert all("while the article still says it" in p.message for p in kd517)


def test_a_caveat_replaced_by_one_quoting_the_same_passage_may_go(project: Path) -> None:
    """caveat-006 withdrawn, and the same warning given by a new caveat: nothing is lost, nothing to report."""
    data = project / "data"
    path = data / "caveats.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("id: caveat-006\n")
    end = text.index("\n---\n", start)
    copy = re.sub(r"^id: caveat-006\nversion: \d+\n", "id: caveat-099\nversion: 1\n", text[start:end])
    assert copy.startswith("id: caveat-099\n")
    path.write_text(text.rstrip("\n") + "\n---\n" + copy + "\n", encoding="utf-8")
    withdraw(data, "caveat-006")
    assert found(data, "KD517") == []
