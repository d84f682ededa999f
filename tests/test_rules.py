"""Every validation rule fires on a broken copy of the data, with its code, file and line."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ketdata

from .helpers import DATA, DAY, Mutation, edit, findings, line_of

IDENTITY = "claims/identity.yaml"
NAMES = "claims/names.yaml"
CAVEATS = "caveats.yaml"
SOURCE = "sources/ketamine-overview.yaml"
CATEGORIES = "categories.yaml"
MEDICAL_USE = "definition: Uses of ketamine in medicine, established, potential or experimental."
DEPRECATED = "status: deprecated\nreason: Split.\nsuperseded_by: claim-999"


@dataclass(frozen=True)
class Case:
    code: str
    file: str
    mutate: Mutation
    needle: str  # the expected line is the first line of ``file`` holding this text, after the mutation
    record_id: str | None = None
    nth: int = 1  # which line holding ``needle`` is meant


def replace(file: str, old: str, new: str) -> Mutation:
    return lambda d: edit(d / file, old, new)


def both(*steps: Mutation) -> Mutation:
    def run(d: Path) -> None:
        for step in steps:
            step(d)

    return run


def set_dataset_version(data: Path, version: str) -> None:
    path = data / "dataset.yaml"
    path.write_text(
        re.sub(r"(?m)^version: .*$", f"version: {version}", path.read_text(encoding="utf-8")), encoding="utf-8"
    )


CASES = {
    "version-zero": Case("KD101", IDENTITY, replace(IDENTITY, "version: 2", "version: 0"), "version: 0", "claim-001"),
    "version-negative": Case(
        "KD101", IDENTITY, replace(IDENTITY, "version: 2", "version: -2"), "version: -2", "claim-001"
    ),
    "unknown-key": Case(
        "KD102",
        IDENTITY,
        replace(IDENTITY, "subject: ketamine", "colour: red\nsubject: ketamine"),
        "colour: red",
        "claim-001",
    ),
    "missing-field": Case("KD103", IDENTITY, replace(IDENTITY, "hedge: null\n", ""), "id: claim-001", "claim-001"),
    "wrong-type": Case("KD104", IDENTITY, replace(IDENTITY, "version: 2", "version: one"), "version: one", "claim-001"),
    "yaml-no-as-boolean": Case(
        "KD105",
        IDENTITY,
        replace(IDENTITY, "statement: Ketamine is a medication.", "statement: no"),
        "statement: no",
        "claim-001",
    ),
    "yaml-date": Case(
        "KD105",
        "dataset.yaml",
        replace("dataset.yaml", f"release_date: '{DAY}'", f"release_date: {DAY}"),
        "release_date:",
        "ketdata",
    ),
    "yaml-number": Case("KD105", "dataset.yaml", lambda d: set_dataset_version(d, "1.0"), "version: 1.0", "ketdata"),
    "bad-id-pattern": Case(
        "KD106", IDENTITY, replace(IDENTITY, "id: claim-001", "id: claim-1"), "id: claim-1", "claim-1"
    ),
    "formula-in-text": Case(
        "KD106",
        IDENTITY,
        replace(IDENTITY, "statement: Ketamine is a medication.", "statement: '=HYPERLINK(\"x\")'"),
        "statement:",
        "claim-001",
    ),
    "control-character": Case(
        "KD108",
        IDENTITY,
        replace(IDENTITY, "statement: Ketamine is a medication.", 'statement: "Ketamine\\u0007 is a medication."'),
        "statement:",
        "claim-001",
    ),
    "status-not-allowed": Case(
        "KD107", IDENTITY, replace(IDENTITY, "status: active", "status: retired"), "status: retired", "claim-001"
    ),
    "object-both-kinds": Case(
        "KD101",
        IDENTITY,
        replace(IDENTITY, "  concept: medication", "  concept: medication\n  value: medication"),
        "object:",
        "claim-001",
    ),
    "duplicate-id-across-files": Case(
        "KD201", NAMES, replace(NAMES, "id: claim-010", "id: claim-001"), "id: claim-001", "claim-001"
    ),
    "duplicate-id-in-file": Case(
        "KD201", IDENTITY, replace(IDENTITY, "id: claim-004", "id: claim-001"), "id: claim-001", "claim-001", nth=2
    ),
    "dangling-category": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "category: identity", "category: identiy"),
        "category: identiy",
        "claim-001",
    ),
    "dangling-evidence-status": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "evidence_status: established", "evidence_status: proven"),
        "evidence_status: proven",
        "claim-001",
    ),
    "dangling-subject": Case(
        "KD202", IDENTITY, replace(IDENTITY, "subject: ketamine", "subject: ketamin"), "subject: ketamin", "claim-001"
    ),
    "dangling-object-concept": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "concept: medication", "concept: medicine"),
        "concept: medicine",
        "claim-001",
    ),
    "dangling-predicate": Case(
        "KD202", IDENTITY, replace(IDENTITY, "predicate: is_a", "predicate: is_an"), "predicate: is_an", "claim-001"
    ),
    "reference-of-wrong-kind": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "category: identity", "category: ketamine"),
        "category: ketamine",
        "claim-001",
    ),
    "dangling-source": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "- source: ketamine-overview", "- source: other-article"),
        "source: other-article",
        "claim-001",
    ),
    "dangling-section": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "section: what-is-ketamine", "section: intro"),
        "section: intro",
        "claim-001",
    ),
    "dangling-caveat-target": Case(
        "KD202", CAVEATS, replace(CAVEATS, "- claim-007", "- claim-907"), "- claim-907", "caveat-001"
    ),
    "dangling-parent": Case(
        "KD202",
        CATEGORIES,
        replace(CATEGORIES, "parent: medical-use", "parent: medicine"),
        "parent: medicine",
        "therapy-practice",
    ),
    "dangling-replaced-by": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "status: active", "status: deprecated\nreason: Split.\nsuperseded_by: claim-999"),
        "superseded_by: claim-999",
        "claim-001",
    ),
    "category-cycle": Case(
        "KD203",
        CATEGORIES,
        replace(
            CATEGORIES,
            MEDICAL_USE,
            f"{MEDICAL_USE}\nparent: therapy-practice",
        ),
        "parent: therapy-practice",
        "medical-use",
    ),
    "withdrawn-claim-still-referenced": Case(
        "KD204",
        CAVEATS,
        replace("claims/non-medical-use.yaml", "status: active", "status: withdrawn\nreason: Merged."),
        "- claim-007",
        "caveat-001",
    ),
    "deprecated-claim-still-referenced": Case(
        "KD205",
        CAVEATS,
        replace("claims/non-medical-use.yaml", "status: active", "status: deprecated\nreason: Split."),
        "- claim-007",
        "caveat-001",
    ),
    "replaced-by-another-kind": Case(
        "KD202",
        IDENTITY,
        replace(IDENTITY, "status: active", "status: deprecated\nreason: Split.\nsuperseded_by: ketamine"),
        "superseded_by: ketamine",
        "claim-001",
    ),
    "rule-names-no-category": Case(
        "KD202", "rules.yaml", replace("rules.yaml", "- harms", "- harmz"), "- harmz", "risky-claims-need-caveats"
    ),
    "rule-names-no-status": Case(
        "KD202",
        "rules.yaml",
        replace("rules.yaml", "- reported-association", "- reported-associations"),
        "- reported-associations",
        "no-strong-words-for-weak-evidence",
    ),
    "withdrawn-without-reason": Case(
        "KD206", IDENTITY, replace(IDENTITY, "status: active", "status: withdrawn"), "status: withdrawn", "claim-001"
    ),
    "source-text-missing": Case(
        "KD301",
        SOURCE,
        lambda d: (d / "sources/ketamine-overview.txt").unlink(),
        "file: ketamine-overview.txt",
        "ketamine-overview",
    ),
    "source-hash-mismatch": Case(
        "KD302",
        SOURCE,
        lambda d: (d / "sources/ketamine-overview.txt").write_text(
            (d / "sources/ketamine-overview.txt").read_text(encoding="utf-8") + " ", encoding="utf-8"
        ),
        "sha256:",
        "ketamine-overview",
    ),
    "offset-out-of-range": Case("KD303", IDENTITY, replace(IDENTITY, "end: 44", "end: 4400"), "end: 4400", "claim-001"),
    "start-after-end": Case("KD304", IDENTITY, replace(IDENTITY, "start: 20", "start: 50"), "start: 50", "claim-001"),
    "negative-offset": Case("KD101", IDENTITY, replace(IDENTITY, "start: 20", "start: -1"), "start: -1", "claim-001"),
    "quote-mismatch": Case(
        "KD305",
        IDENTITY,
        replace(IDENTITY, "quote: Ketamine is a medication", "quote: Ketamine is a drug"),
        "quote: Ketamine is a drug",
        "claim-001",
    ),
    "offsets-shifted": Case(
        "KD305",
        IDENTITY,
        both(replace(IDENTITY, "start: 20", "start: 21"), replace(IDENTITY, "end: 44", "end: 45")),
        "quote: Ketamine is a medication",
        "claim-001",
    ),
    "quote-in-wrong-section": Case(
        "KD306",
        IDENTITY,
        replace(IDENTITY, "section: what-is-ketamine", "section: ketamine-in-therapy"),
        "section: ketamine-in-therapy",
        "claim-001",
    ),
    "hedge-not-in-quote": Case(
        "KD307",
        "claims/medical-use.yaml",
        replace("claims/medical-use.yaml", "hedge: primarily", "hedge: mostly"),
        "hedge: mostly",
        "claim-002",
    ),
    "section-heading-mismatch": Case(
        "KD308",
        SOURCE,
        replace(SOURCE, "heading: What is Ketamine?", "heading: What Is Ketamine?"),
        "heading: What Is Ketamine?",
        "ketamine-overview",
    ),
    "object-kind-mismatch": Case(
        "KD401", IDENTITY, replace(IDENTITY, "  concept: medication", "  value: medication"), "object:", "claim-001"
    ),
    "sentence-not-covered": Case("KD402", SOURCE, lambda d: (d / NAMES).unlink(), "sections:", "ketamine-overview"),
    "stray-file": Case("KD012", "notes.yaml", lambda d: (d / "notes.yaml").write_text("a: 1\n"), "a: 1"),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=name) for name, c in CASES.items()])
def test_rule_fires_with_code_file_and_line(data: Path, case: Case) -> None:
    case.mutate(data)
    problems = [p for p in ketdata.validate(data) if p.code == case.code]
    expected = (str(data / case.file), line_of(data / case.file, case.needle, case.nth), case.record_id)
    assert expected in [(p.file, p.line, p.record_id) for p in problems], [str(p) for p in problems]


def test_missing_dataset_file(data: Path) -> None:
    (data / "dataset.yaml").unlink()
    problems = findings(data)
    assert [(p.code, p.file) for p in problems] == [("KD013", str(data / "dataset.yaml"))]


def test_all_problems_in_one_run_sorted(data: Path) -> None:
    CASES["dangling-category"].mutate(data)
    CASES["quote-mismatch"].mutate(data)
    CASES["hedge-not-in-quote"].mutate(data)
    problems = findings(data)
    assert {"KD202", "KD305", "KD307"} <= {p.code for p in problems}
    assert problems == sorted(problems, key=lambda p: (p.file, p.line, p.column, p.code, p.message))


def test_unknown_key_is_located_on_its_own_line(data: Path) -> None:
    CASES["unknown-key"].mutate(data)
    (problem,) = findings(data)
    assert (problem.line, problem.column) == (line_of(data / IDENTITY, "colour: red"), 1)


def test_dangling_reference_suggests_near_miss(data: Path) -> None:
    CASES["dangling-category"].mutate(data)
    (problem,) = findings(data)
    assert "'identity'" in problem.message


def test_quote_mismatch_says_where_the_quote_is(data: Path) -> None:
    CASES["offsets-shifted"].mutate(data)
    (problem,) = findings(data)
    assert "[20, 44)" in problem.message


def test_copy_of_data_elsewhere_validates(tmp_path: Path, data: Path) -> None:
    moved = shutil.move(str(data), str(tmp_path / "elsewhere"))
    assert findings(moved) == []


def test_a_quote_typo_is_reported_with_the_version_it_would_need_if_meant(project: Path) -> None:
    path = project / "data" / IDENTITY
    edit(path, "quote: Ketamine is a medication", "quote: Ketamine is a medicaton")
    found = {p.code: p for p in findings(project / "data") if p.record_id == "claim-001"}
    assert "KD305" in found and "KD501" in found
    assert "if the change is meant" in found["KD501"].message and "fix them first" in found["KD501"].message


def test_a_dropped_hedge_and_the_missing_version_bump_are_reported_in_one_run(project: Path) -> None:
    path = project / "data" / "claims" / "medical-use.yaml"  # claim-019, not changed since the release
    text = path.read_text(encoding="utf-8")
    hedged = next(line for line in text.splitlines() if line.startswith("statement:") and " potential " in line)
    edit(path, hedged, hedged.replace(" potential ", " possible ", 1))
    codes = {p.code for p in findings(project / "data")}
    assert {"KD313", "KD501"} <= codes, codes


def test_a_yaml_boolean_in_an_id_field_lists_the_valid_ids(data: Path) -> None:
    edit(data / IDENTITY, "evidence_status: established", "evidence_status: no")
    (found,) = findings(data)
    assert found.code == "KD105" and "quote the value" not in found.message
    assert "established, experimental" in found.message and "reported-association" in found.hint


def test_dangling_scope_and_rule_targets_are_reported(tmp_path: Path) -> None:
    data = shutil.copytree(DATA, tmp_path / "data")
    text = (data / "caveats.yaml").read_text(encoding="utf-8")
    (data / "caveats.yaml").write_text(
        text.replace("- ketamine-in-therapy\n", "- no-such-section\n", 1), encoding="utf-8"
    )
    rules = (data / "rules.yaml").read_text(encoding="utf-8")
    (data / "rules.yaml").write_text(rules.replace("- caveat-002\n", "- caveat-999\n"), encoding="utf-8")
    found = {(p.code, p.record_id) for p in ketdata.validate(data) if p.code == "KD202"}
    assert ("KD202", "experimental-benefits-never-established") in found
    assert any(rid and rid.startswith("caveat-") for _, rid in found)


@pytest.mark.parametrize(
    "char",
    ["\u202e", "\u200b", "\u2028", "\u3164", "\u115f", "\u034f", "\u17b4", "\ufe0f", "\u0600", "\U000e0041",
     "\U0001d173"],
    ids=lambda c: f"U+{ord(c):04X}",
)  # fmt: skip
def test_invisible_characters_in_text_are_refused_with_their_name(char: str, tmp_path: Path) -> None:
    data = shutil.copytree(DATA, tmp_path / "data")
    path = data / "claims/identity.yaml"
    edit(path, "statement: Ketamine is a medication.", f'statement: "Ketamine is a{char} medication."')
    (found,) = [p for p in findings(data) if p.code == "KD108"]
    assert found.record_id == "claim-001" and f"U+{ord(char):04X}" in found.message


@given(needle=st.text(alphabet="ab _.KéÉß", min_size=1, max_size=3), text=st.text(alphabet="ab _.KéÉßS", max_size=10))
def test_occurs_is_a_whole_word_case_blind_search(needle: str, text: str) -> None:
    from ketdata._validation.rules import occurs

    expected = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text, re.IGNORECASE) is not None
    assert occurs(needle, text) == expected
