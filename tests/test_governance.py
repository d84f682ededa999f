"""Content governance: review trails, data-declared caveat and wording rules, conflicts, and their exports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ketdata
from ketdata import Severity
from ketdata._export import render

from .helpers import (
    DAY,
    accept_drafted,
    content_sha256,
    edit,
    findings,
    line_of,
    link_to_caveats,
    log_reviews,
    released_version,
)

IDENTITY = "data/claims/identity.yaml"
REVIEWED = (
    "review:\n  status: reviewed\n  reviewed_by: Test Reviewer\n  reviewed_on: '2026-11-26'\n"
    "  review_due: '2027-11-26'\n"
)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketdata", *args], capture_output=True, text=True, cwd=cwd,
                          check=False)  # fmt: skip


def raise_version(path: Path, record_id: str) -> None:
    """Give a claim the version an edit needs, one above its release, unless a drafted change already did."""
    released = released_version(record_id)
    at_release = f"id: {record_id}\nversion: {released}\n"
    if at_release in path.read_text(encoding="utf-8"):
        edit(path, at_release, f"id: {record_id}\nversion: {released + 1}\n")


def review_claim_001(project: Path) -> None:
    digest = content_sha256(project / IDENTITY, "claim-001")
    edit(project / IDENTITY, "review:\n  status: unreviewed\n", f"{REVIEWED}  content_sha256: {digest}\n")
    log_reviews(project / "data")  # as the workbench logs it: no KD716


def test_reviewing_needs_no_version_bump(project: Path) -> None:
    review_claim_001(project)
    assert findings(project / "data") == []
    assert "claim-001" not in {p.record_id for p in ketdata.validate(project / "data") if p.code == "KD601"}


def test_a_review_names_its_reviewer_and_date(project: Path) -> None:
    edit(project / IDENTITY, "review:\n  status: unreviewed\n", "review:\n  status: reviewed\n")
    assert "KD103" in {p.code for p in findings(project / "data")}


def test_content_changed_after_its_review_is_an_error(project: Path) -> None:
    review_claim_001(project)
    assert cli("release", "--date", DAY, *accept_drafted(project / "data"), cwd=project).returncode == 0
    edit(project / IDENTITY, "statement: Ketamine is a medication.", "statement: ketamine is a medication.")
    edit(project / IDENTITY, "version: 2", "version: 3")
    # Changed since the release it was reviewed before (KD603), and since the words it vouches for (KD641).
    found = {(p.code, p.record_id, p.line) for p in findings(project / "data")}
    assert found == {(code, "claim-001", line_of(project / IDENTITY, "review:")) for code in ("KD603", "KD641")}
    edit(project / IDENTITY, "reviewed_on: '2026-11-26'", f"reviewed_on: '{DAY}'")
    log_reviews(project / "data")
    assert [p.code for p in findings(project / "data")] == ["KD641"]


def test_a_review_vouches_only_for_the_words_it_saw_between_two_releases(project: Path) -> None:
    # No release between the review and the change: the review's own digest still sees it.
    review_claim_001(project)
    assert findings(project / "data") == []
    edit(project / IDENTITY, "statement: Ketamine is a medication.", "statement: ketamine is a medication.")
    edit(project / IDENTITY, "version: 2", "version: 3")
    assert [(p.code, p.record_id) for p in findings(project / "data")] == [("KD641", "claim-001")]
    assert cli("release", "--date", DAY, cwd=project).returncode == 1


@pytest.mark.parametrize(
    ("on", "due", "field"),
    [("2999-01-01", None, "reviewed_on"), ("2026-01-05", "2099-01-01", "review_due")],
)
def test_a_review_is_dated_by_today_and_falls_due_within_a_year(
    project: Path, on: str, due: str | None, field: str
) -> None:
    review_claim_001(project)
    edit(project / IDENTITY, "reviewed_on: '2026-11-26'", f"reviewed_on: '{on}'")
    if due:
        edit(project / IDENTITY, "review_due: '2027-11-26'", f"review_due: '{due}'")
    log_reviews(project / "data")
    (problem,) = findings(project / "data")
    assert (problem.code, problem.line) == ("KD642", line_of(project / IDENTITY, f"{field}:"))


def test_overdue_review_is_a_warning_that_strict_makes_fatal(project: Path) -> None:
    review_claim_001(project)
    edit(project / IDENTITY, "review_due: '2027-11-26'", "review_due: '2020-01-01'")
    log_reviews(project / "data")
    (problem,) = findings(project / "data")
    assert (problem.code, problem.severity) == ("KD602", Severity.WARNING)
    assert cli("validate", cwd=project).returncode == 0
    assert cli("validate", "--strict", cwd=project).returncode == 1


def test_rules_are_read_from_the_data(project: Path) -> None:
    harms = project / "data/claims/harms.yaml"
    link_to_caveats(project / "data", "claim-013", unlink=True)
    (problem,) = [p for p in findings(project / "data") if p.code == "KD604"]
    assert problem.record_id == "claim-013" and problem.file == str(harms)
    assert "'risky-claims-need-caveats'" in problem.message
    edit(
        project / "data/rules.yaml",
        "severity: error\ndescription: Every claim about harms",
        "severity: warning\ndescription: Every claim about harms",
    )
    (problem,) = [p for p in findings(project / "data") if p.code == "KD604"]
    assert problem.severity is Severity.WARNING
    edit(project / "data/rules.yaml", "- harms\n", "")
    assert [p for p in findings(project / "data") if p.code == "KD604"] == []


def test_strong_wording_is_located_at_the_word(project: Path) -> None:
    path = project / "data/claims/medical-use.yaml"
    edit(
        path,
        "statement: Ketamine infusion therapy is used as an alternative",
        "statement: Ketamine infusion therapy is proven as an alternative",
    )
    raise_version(path, "claim-021")
    # "proven" is also a word the quote does not hold (KD640), and "used" a word of the quote the statement drops
    # (KD627, and against the release KD517: it states less), and the predicate's "used" is no longer said (KD639):
    # the strong-wording rule says where it stands.
    (problem,) = [p for p in findings(project / "data") if p.code not in ("KD640", "KD627", "KD639", "KD517")]
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert problem.code == "KD606" and line[problem.column - 1 :].startswith("proven")


def conflict_note(other: str) -> str:
    """An editorial note saying where a conflict with ``other`` comes from (the article states none: KD323)."""
    return (f"notes:\n- text: The editors read this claim as in conflict with {other}.\n  origin: external\n"
            "  reason: A test of the conflicts_with link.\n")  # fmt: skip


def test_conflicts_are_symmetric_and_exported(project: Path) -> None:
    edit(
        project / IDENTITY,
        "review:\n  status: unreviewed\n",
        "review:\n  status: unreviewed\nconflicts_with:\n- claim-004\n" + conflict_note("claim-004"),
    )
    assert [p.code for p in findings(project / "data")] == ["KD501", "KD607"]
    edit(project / IDENTITY, "id: claim-001\nversion: 2", "id: claim-001\nversion: 3")
    text = (project / IDENTITY).read_text(encoding="utf-8")
    head, tail = text.split("id: claim-004\nversion: 3", 1)
    tail = tail.replace(
        "review:\n  status: unreviewed\n",
        "review:\n  status: unreviewed\nconflicts_with:\n- claim-001\n" + conflict_note("claim-001"),
        1,
    )
    (project / IDENTITY).write_text(head + "id: claim-004\nversion: 4" + tail, encoding="utf-8")
    assert findings(project / "data") == []
    files = render(ketdata.load(project / "data"))
    claims = {c["id"]: c for c in json.loads(files["json/ketdata.json"])["claims"]}
    assert claims["claim-001"]["conflicts_with"] == ["claim-004"]
    assert "claim-004" in claims["claim-001"]["notes"][0]["text"]
    assert "claim-001,0,claim-004" in files["csv/claim_conflicts.csv"].decode()
    bundle = json.loads(files["fhir/bundle.json"])
    urls = [e["url"] for entry in bundle["entry"] for e in entry["resource"].get("extension", [])]
    assert urls.count("urn:ketdata:fhir:StructureDefinition:conflicts-with") == 2
    defined = {json.loads(t)["url"] for n, t in files.items() if n.startswith("fhir/package/StructureDefinition-")}
    assert set(urls) <= defined  # the FHIR package defines the extension too


def test_exports_carry_review_and_publication_status(project: Path) -> None:
    review_claim_001(project)
    files = render(ketdata.load(project / "data"))
    header, *rows = files["csv/claims.csv"].decode().splitlines()
    columns = header.split(",")
    first = dict(zip(columns, rows[0].split(","), strict=False))
    assert (first["review_status"], first["review_reviewed_by"], first["review_reviewed_on"]) == (
        "reviewed", "Test Reviewer", "2026-11-26")  # fmt: skip
    bundle = json.loads(files["fhir/bundle.json"])
    by_claim = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        ids = [i["value"] for i in resource.get("identifier", []) if i.get("system") == "urn:ketdata:claim"]
        if ids and ids[0].startswith("claim-"):
            status = next(e["valueCode"] for e in resource["extension"] if e["url"].endswith("publication-status"))
            by_claim[ids[0]] = status
    assert by_claim["claim-001"] == "active" and by_claim["claim-002"] == "draft"
    assessed = [r["resource"] for r in bundle["entry"] if r["resource"]["resourceType"] == "ArtifactAssessment"]
    assert sum("lastReviewDate" in a for a in assessed) == 1


def test_withdrawn_claims_are_exported_as_retired(project: Path) -> None:
    path = project / "data/claims/names.yaml"
    raise_version(path, "claim-010")
    text = path.read_text(encoding="utf-8")
    withdrawn = re.sub(r"(id: claim-010\nversion: \d+\n)status: active\n",
                       r"\1status: withdrawn\nreason: Not a claim about the drug.\n", text)  # fmt: skip
    assert withdrawn != text
    path.write_text(withdrawn, encoding="utf-8")
    bundle = json.loads(render(ketdata.load(project / "data"))["fhir/bundle.json"])
    (basic,) = [
        e["resource"]
        for e in bundle["entry"]
        if isinstance(e["resource"].get("identifier"), list)
        and {"system": "urn:ketdata:claim", "value": "claim-010"} in e["resource"]["identifier"]
    ]
    assert next(e["valueCode"] for e in basic["extension"] if e["url"].endswith("publication-status")) == "retired"


def test_release_reports_unreviewed_records(project: Path) -> None:
    review_claim_001(project)
    result = cli("release", "--dry-run", cwd=project)
    assert "51 claim(s) and caveat(s) not yet reviewed" in result.stderr


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from([*"abcinstouy ,.-_'", "can", "such as", "may", "CAN", "\u017f", "\u212a"]),
                      max_size=12))  # fmt: skip
def test_the_qualifier_word_finder_agrees_with_its_regular_expression(parts: list[str]) -> None:
    """The fast finder (substring first, then word boundaries) finds exactly what the look-ahead pattern finds."""
    text = "".join(parts)
    from ketdata._validation.words import WholeWords, words_in

    words = ["can", "may", "such as", "such", "as", "still", "in recent years", "usually"]
    finder = WholeWords(words)
    assert finder([text]) == words_in(finder.pattern, [text])
