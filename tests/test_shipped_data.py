"""The shipped data is tested like code: every record passes the checks editors run, and more."""

from __future__ import annotations

import csv
import hashlib
import re

import pytest

import ketdata
from ketdata import Claim, Severity

from .helpers import DATA, ROOT

DS = ketdata.load(DATA)
TEXT = (DATA / "sources" / "ketamine-overview.txt").read_text(encoding="utf-8")
PROBLEMS = ketdata.validate(DATA)
HEDGES = ("primarily", "can", "may", "typically", "usually", "sometimes", "potential")
STRONG = re.compile(r"\b(cures?|safe|proven|treats|effective|always|guarantees?)\b", re.IGNORECASE)


def test_shipped_data_has_no_errors_or_warnings() -> None:
    assert [str(p) for p in PROBLEMS if p.severity is not Severity.INFO] == []


def test_every_claim_and_caveat_honestly_says_it_is_unreviewed() -> None:
    unreviewed = sorted(p.record_id or "" for p in PROBLEMS if p.code == "KD601")
    assert unreviewed == sorted(r.id for r in (*DS.claims, *DS.caveats))
    assert {(r.review.reviewed_by, r.review.reviewed_on) for r in (*DS.claims, *DS.caveats)} == {(None, None)}
    assert {p.code for p in PROBLEMS} == {"KD601"}


def test_source_copy_is_byte_for_byte() -> None:
    import hashlib

    data = (DATA / "sources" / "ketamine-overview.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith("8f6f2a49")
    assert len(data) != len(TEXT), "the non-breaking space makes bytes differ from code points"


@pytest.mark.parametrize("claim", [pytest.param(c, id=c.id) for c in DS.claims])
def test_claim_quotes_the_source_exactly(claim: Claim) -> None:
    ref = claim.source
    assert TEXT[ref.start : ref.end] == ref.quote
    assert [p for p in PROBLEMS if p.record_id == claim.id and p.severity is not Severity.INFO] == []


@pytest.mark.parametrize("claim", [pytest.param(c, id=c.id) for c in DS.claims])
def test_claim_keeps_the_hedges_of_its_quote(claim: Claim) -> None:
    words = [h for h in HEDGES if re.search(rf"\b{h}\b", claim.source.quote, re.IGNORECASE)]
    if words:
        assert claim.hedge is not None, f"quote has {words} but the claim records no hedge"
        assert any(w in claim.hedge for w in words)
        assert any(re.search(rf"\b{w}\b", claim.statement, re.IGNORECASE) for w in claim.hedge.split())


def test_no_statement_is_worded_stronger_than_the_article() -> None:
    offenders = [(c.id, m.group()) for c in DS.claims for m in [STRONG.search(c.statement)] if m]
    offenders += [(c.id, m.group()) for c in DS.caveats for m in [STRONG.search(c.statement)] if m]
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
    side_effects = {c.object.concept for c in DS.claims if c.predicate == "has_side_effect"}
    assert side_effects == {"hallucinations", "confusion", "dizziness"}


def test_unknown_bibliographic_facts_stay_unknown() -> None:
    source = DS.source("ketamine-overview")
    assert (source.author, source.url, source.published, source.license) == (None, None, None, None)


def test_every_caveat_applies_to_an_active_claim() -> None:
    offenders = [v.id for v in DS.caveats if not any(DS.claim(c).status == "active" for c in v.applies_to)]
    assert offenders == []


def test_every_concept_is_used() -> None:
    used = {c.subject for c in DS.claims} | {c.object.concept for c in DS.claims}
    assert [c.id for c in DS.concepts if c.id not in used] == []


def test_coverage_is_complete() -> None:
    from ketdata._validate import run

    rows = run(DATA).coverage["ketamine-overview"]
    assert len(rows) == 17
    assert [r.sentence.text for r in rows if not r.covered] == []


def test_claim_count_is_in_the_expected_range() -> None:
    assert 40 <= len(DS.claims) <= 70
    assert 5 <= len(DS.caveats) <= 12


REFERENCE = DATA / "reference" / "codes.csv"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference" / "codes.csv"
# sha256 of shared/reference/codes.csv when it was copied into data/reference/ (2026-11-26).
REFERENCE_SHA256 = "6741b889c30f0b6a64f17f150934905df8ad8c3dfbc68957a9c6a806f64302aa"


def test_the_reference_table_is_an_unchanged_copy() -> None:
    copies = [REFERENCE, *([SHARED_REFERENCE] if SHARED_REFERENCE.is_file() else [])]
    assert {hashlib.sha256(path.read_bytes()).hexdigest() for path in copies} == {REFERENCE_SHA256}


def test_codings_come_from_the_shared_reference() -> None:
    with REFERENCE.open(encoding="utf-8") as handle:
        rows = {(r["system"], r["code"], r["display"], r["checked_against"]) for r in csv.DictReader(handle)}
    offenders = [
        (concept.id, coding.code)
        for concept in DS.concepts
        for coding in concept.codings
        if (coding.system, coding.code, coding.display, coding.checked_against) not in rows
    ]
    assert offenders == []


def test_codings_cite_their_reference() -> None:
    offenders = [(c.id, k.code) for c in DS.concepts for k in c.codings if k.reference != "shared/reference/codes.csv"]
    assert offenders == []
