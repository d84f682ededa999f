"""The shipped data is tested like code: every record passes the checks editors run, and more."""

from __future__ import annotations

import csv
import hashlib
import re

import pytest

import ketdata
from ketdata import Severity
from ketdata._model.problems import CODES
from ketdata.records import Caveat, Claim

from .helpers import DATA, ROOT, drafted

DS = ketdata.load(DATA)
TEXT = (DATA / "sources" / "ketamine-overview.txt").read_text(encoding="utf-8")
PROBLEMS = ketdata.validate(DATA)
HEDGES = ("primarily", "can", "may", "typically", "usually", "sometimes", "potential")
STRONG = re.compile(r"\b(cures?|safe|proven|treats|effective|always|guarantees?)\b", re.IGNORECASE)


def test_shipped_data_has_no_errors_or_warnings() -> None:
    # A policy change since the latest release (a status's rank, a label) warns until the next release ends it,
    # by design (KD517): the data may carry such a warning between releases, never another one or an error.
    lasting = [p for p in PROBLEMS if p.severity is not Severity.INFO and not _ends_with_the_release(p.code)]
    assert [str(p) for p in lasting] == []


def test_every_policy_drafted_since_the_release_is_declared_in_the_changelog() -> None:
    # A warning the data carries until the next release (KD517) is a change a maintainer meant only if the
    # changelog's draft names the record: otherwise it is a slip the release would carry out unnoticed.
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    draft = changelog.partition("## [Unreleased]")[2].partition("\n## [")[0]
    named = set(re.findall(r"`([^`]+)`", draft))
    assert sorted({str(rid) for _, rid, _ in drafted()} - named) == []


def _ends_with_the_release(code: str) -> bool:
    entry = CODES[code]
    return entry.severity is Severity.WARNING and "ends with the next release" in " ".join(entry.fix.split())


def test_every_claim_and_caveat_honestly_says_it_is_unreviewed() -> None:
    unreviewed = sorted(p.record_id or "" for p in PROBLEMS if p.code == "KD601")
    # A withdrawn or superseded record waits for nobody's review, so it is not counted (issue #25).
    awaiting = [r for r in (*DS.claims, *DS.caveats) if r.status != "withdrawn" and r.superseded_by is None]
    assert unreviewed == sorted(r.id for r in awaiting) and len(awaiting) == 52
    assert {(r.review.reviewed_by, r.review.reviewed_on) for r in (*DS.claims, *DS.caveats)} == {(None, None)}
    assert {p.code for p in PROBLEMS if not _ends_with_the_release(p.code)} == {"KD601"}


def test_source_copy_is_byte_for_byte() -> None:
    import hashlib

    data = (DATA / "sources" / "ketamine-overview.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith("8f6f2a49")
    assert len(data) != len(TEXT), "the non-breaking space makes bytes differ from code points"


@pytest.mark.parametrize("claim", [pytest.param(c, id=c.id) for c in DS.claims])
def test_claim_quotes_the_source_exactly(claim: Claim) -> None:
    assert [(s.start, s.end) for s in claim.evidence if TEXT[s.start : s.end] != s.quote] == []
    assert [p for p in PROBLEMS if p.record_id == claim.id and p.severity is not Severity.INFO] == []


@pytest.mark.parametrize("claim", [pytest.param(c, id=c.id) for c in DS.claims])
def test_claim_keeps_the_hedges_of_its_evidence(claim: Claim) -> None:
    own = [s.quote for s in claim.evidence if s.role != "context"]
    words = [h for h in HEDGES if any(re.search(rf"\b{h}\b", q, re.IGNORECASE) for q in own)]
    assert not words or claim.hedge is not None, f"evidence has {words} but the claim records no hedge"
    if claim.hedge is not None:
        assert any(w in claim.hedge for w in words) or claim.hedge in " ".join(s.quote for s in claim.evidence)
        assert all(re.search(rf"\b{w}\b", claim.statement, re.IGNORECASE) for w in claim.hedge.split())


def test_no_claim_evidence_is_a_bare_list_item() -> None:
    offenders = [c.id for c in DS.claims if not {s.role for s in c.evidence} & {"statement", "context"}]
    assert offenders == []
    assert all(len(s.quote) > 1 for c in DS.claims for s in c.evidence if s.role != "item")


def test_every_sentence_is_at_least_half_inside_some_evidence() -> None:
    from ketdata._validation.pipeline import run

    covered = {i for r in (*DS.claims, *DS.caveats) for s in r.evidence for i in range(s.start, s.end)}
    rows = run(DATA).coverage["ketamine-overview"]
    shares = {r.sentence.text[:40]: _share(r.sentence.start, r.sentence.end, covered) for r in rows}
    assert len(shares) == 17
    assert {k: v for k, v in shares.items() if v < 0.5} == {}


def _share(start: int, end: int, covered: set[int]) -> float:
    chars = [i for i in range(start, end) if not TEXT[i].isspace()]
    return sum(i in covered for i in chars) / len(chars)


def test_every_therapy_claim_carries_the_experimental_and_guidance_caveats() -> None:
    section = DS.source("ketamine-overview").section("ketamine-in-therapy")
    assert section is not None
    therapy = [
        c
        for c in (c for c in DS.claims if c.status == "active")
        if any(section.start <= s.start < section.end for s in c.evidence)
    ]
    experimental = next(v for v in DS.caveats if "experimental" in v.statement and v.status == "active")
    guidance = next(v for v in DS.caveats if "should only be used" in v.statement and v.status == "active")
    assert len(therapy) >= 25

    def restates(claim: Claim, caveat: Caveat) -> bool:  # its quote is the caveat's own: it is the caveat (KD321)
        own = [s for s in caveat.evidence if s.role == "statement"]
        return all(
            any(o.start <= s.start and s.end <= o.end for o in own) for s in claim.evidence if s.role != "context"
        )

    missing = [c.id for c in therapy for v in (experimental, guidance) if v.id not in c.caveats and not restates(c, v)]
    assert missing == []
    assert "ketamine-in-therapy" in experimental.scope.sections
    assert "ketamine-in-therapy" in guidance.scope.sections


def test_only_exact_and_close_matches_stand_for_a_concept_in_fhir() -> None:
    import json

    bundle = (ROOT / "exports" / "fhir" / "bundle.json").read_text(encoding="utf-8")
    weak = [k for c in DS.concepts for k in c.codings if not k.stands_for_concept]
    assert {k.code for k in weak} >= {"50697003", "191816009", "225444004"}
    codings = _codings(json.loads(bundle))
    assert [k.code for k in weak if (k.system, k.code) in codings] == []


def _codings(node: object) -> set[tuple[str, str]]:
    """Every Coding in a FHIR resource that stands for its concept (not one carried in an extension)."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        if "coding" in node:
            found |= {(c.get("system"), c.get("code")) for c in node["coding"]}
        for key, value in node.items():
            if key != "extension":
                found |= _codings(value)
    elif isinstance(node, list):
        for value in node:
            found |= _codings(value)
    return found


def test_claims_about_follows_the_concept_hierarchy() -> None:
    about = {c.id for c in DS.claims_about("depression")}
    assert {c.id for c in DS.claims if c.object.concept in {"treatment-resistant-depression"}} <= about
    assert len(about) >= 2
    assert {c.id for c in DS.claims_about("depression", narrower=False)} < about


def test_glosses_not_from_the_article_say_so() -> None:
    glosses = [g for c in DS.concepts for g in (c.definition, *c.synonyms) if g is not None]
    assert [g.text for g in glosses if g.origin == "external" and not g.reason] == []
    article = [g for g in glosses if g.origin == "article"]
    assert article
    assert [
        g.text for g in article if g.evidence is None or g.text not in TEXT[g.evidence.start : g.evidence.end]
    ] == []


def test_no_statement_is_worded_stronger_than_the_article() -> None:
    offenders = [(c.id, m.group()) for c in DS.claims for m in [STRONG.search(c.statement)] if m]
    offenders += [(c.id, m.group()) for c in DS.caveats for m in [STRONG.search(c.statement)] if m]
    assert offenders == []


def test_no_use_benefit_or_experience_of_the_experimental_therapy_ranks_above_experimental() -> None:
    # The article calls the therapy experimental (caveat-002): what it says of the therapy's uses, benefits or
    # experiences, hedged or not, is never ranked firmer than the therapy's plainly stated use (claim-021).
    rule = next(r for r in DS.rules if r.id == "experimental-benefits-never-established")
    governed = {cid for c in DS.caveats if c.id in rule.caveats for cid in c.applies_to}
    floor = DS.evidence_status("experimental").rank
    offenders = [
        (c.id, c.evidence_status)
        for c in DS.claims
        if c.id in governed and c.predicate in rule.predicates and DS.evidence_status(c.evidence_status).rank < floor
    ]
    assert offenders == []
    assert DS.evidence_status("potential").rank > floor


def test_every_claim_is_filed_under_a_category_its_predicate_names() -> None:
    # A subcategory is allowed (KD581), but a consumer filtering a CSV's category column walks no tree: the
    # shipped claims sit in the very category their predicate names (claim-021 with the other indications).
    predicates = {p.id: p for p in DS.predicates}
    offenders = [(c.id, c.category) for c in DS.claims if c.status == "active" and c.category not in
                 predicates[c.predicate].categories]  # fmt: skip
    assert offenders == []


def test_potential_treatments_are_not_established() -> None:
    offenders = [
        c.id for c in DS.claims if c.predicate == "potential_treatment_for" and c.evidence_status != "potential"
    ]
    assert offenders == []
    assert DS.claims_with_status("potential")


def test_list_items_are_one_claim_each() -> None:
    harms = {c.object.concept for c in DS.claims_in("harms") if c.predicate == "associated_with"}
    assert {"addiction", "cognitive-impairment", "bladder-damage"} <= harms
    names = sorted(c.object.value or "" for c in DS.claims if c.predicate == "has_street_name")
    assert names == ["K", "Special K", "Vitamin K"]
    side_effects = {c.object.concept for c in DS.claims if c.predicate == "can_have_side_effect"}
    assert side_effects == {"hallucinations", "confusion", "dizziness"}


def test_unknown_bibliographic_facts_stay_unknown() -> None:
    source = DS.source("ketamine-overview")
    assert (source.author, source.url, source.published, source.license) == (None, None, None, None)


def test_every_caveat_applies_to_an_active_claim() -> None:
    offenders = [v.id for v in DS.caveats if not any(DS.claim(c).status == "active" for c in v.applies_to)]
    assert offenders == []


def test_every_concept_is_used() -> None:
    used = {c.subject for c in DS.claims} | {c.object.concept for c in DS.claims}
    assert [c.id for c in DS.concepts if c.id not in used and not c.superseded_by] == []
    # A superseded concept stays for its id's sake, and nothing uses it (KD618).
    assert [c.id for c in DS.concepts if c.id in used and c.superseded_by] == []


def test_coverage_is_complete() -> None:
    from ketdata._validation.pipeline import run

    rows = run(DATA).coverage["ketamine-overview"]
    assert len(rows) == 17
    assert [r.sentence.text for r in rows if not r.covered] == []


def test_claim_count_is_in_the_expected_range() -> None:
    assert 40 <= len(DS.claims) <= 70
    assert 5 <= len(DS.caveats) <= 12


REFERENCE = DATA / "reference" / "codes.csv"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference" / "codes.csv"
# sha256 of shared/reference/codes.csv (with mapping relations) when it was copied into data/reference/ (2026-12-06).
REFERENCE_SHA256 = "6afb35f7eb2869bf7fccc948d51bcf839333a679556a266d708bfbe78fda6210"


def test_the_reference_table_is_an_unchanged_copy() -> None:
    copies = [REFERENCE, *([SHARED_REFERENCE] if SHARED_REFERENCE.is_file() else [])]
    assert {hashlib.sha256(path.read_bytes()).hexdigest() for path in copies} == {REFERENCE_SHA256}


def test_codings_come_from_the_reference_with_their_relation() -> None:
    with REFERENCE.open(encoding="utf-8") as handle:
        keys = ("system", "code", "display", "relation", "confidence", "checked_against")
        rows = {tuple(r[k] for k in keys) for r in csv.DictReader(handle)}
    offenders = [
        (concept.id, coding.code)
        for concept in DS.concepts
        for coding in concept.codings
        if tuple(getattr(coding, k) for k in keys) not in rows
    ]
    assert offenders == []


def test_codings_cite_the_projects_own_copy() -> None:
    offenders = [(c.id, k.code) for c in DS.concepts for k in c.codings if k.reference != "data/reference/codes.csv"]
    assert offenders == []
