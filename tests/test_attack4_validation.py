"""The fourth fresh attack's findings on what validation let through, each attacked again from outside (issue #20).

A code is the one the reference verified for the concept's own term (A4-1); the words a record's evidence skips
that bind what it quotes are read as if quoted (A4-8, A4-11); a name stands for one concept, and an editors'
synonym never ties a claim's object to the article's words (A4-10); a released version keeps its date (A4-5).
"""

from __future__ import annotations

import csv
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ketdata._validation.pipeline import run
from ketdata._validation.rules import term_of
from ketdata._validation.words import FUNCTION_WORDS as FUNCTION

from .helpers import DATA, DAY, LATEST, drafted, edit, findings, line_of, undrafted_lines

ARTICLE = (DATA / "sources/ketamine-overview.txt").read_text(encoding="utf-8")
CODES = DATA / "reference/codes.csv"


def ketdata(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line, run as a user runs it: another process, in the project folder."""
    command = [sys.executable, "-m", "ketdata", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def load(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


def dump(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump_all(docs, explicit_start=True, sort_keys=False, width=100), encoding="utf-8")


def codes_of(folder: Path, code: str) -> list[tuple[str | None, str]]:
    return [(p.record_id, p.message) for p in findings(folder) if p.code == code]


# --- A4-1: a coding is the reference's row for the concept's own term ----------------------------------------


def rows() -> list[dict[str, str]]:
    with CODES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_shipped_coding_is_the_row_for_its_concepts_label() -> None:
    by_code = {(r["system"], r["code"]): term_of(r["article_term"]) for r in rows()}
    offenders = [(c["id"], k["code"]) for c in load(DATA / "concepts.yaml") for k in c.get("codings") or ()
                 if by_code.get((k["system"], k["code"])) != term_of(c["label"])]  # fmt: skip
    assert offenders == []


def test_every_row_of_the_table_is_refused_on_a_concept_of_another_term(data: Path) -> None:
    """Every verified row, copied whole onto a concept it was not verified for, is a wrong code (one run)."""
    path = data / "concepts.yaml"
    docs = load(path)
    sha = next(k["reference_sha256"] for c in docs for k in c.get("codings") or ())
    target = next(c for c in docs if c["id"] == "confusion")
    foreign = [r for r in rows() if term_of(r["article_term"]) != "confusion"]
    target["codings"] = [
        {**{k: r[k] for k in ("system", "code", "display", "relation", "confidence", "checked_against")},
         "reference": "data/reference/codes.csv", "reference_sha256": sha, "origin": "external", "release": None,
         "release_status": "not-stated-by-reference"}
        for r in foreign
    ]  # fmt: skip
    dump(path, docs)
    found = codes_of(data, "KD314")
    assert len(found) == len(foreign) and {rid for rid, _ in found} == {"confusion"}, found


def test_a_copied_code_is_refused_by_the_command_line_and_never_exported(project: Path) -> None:
    concepts = project / "data/concepts.yaml"
    edit(concepts, "  code: '286933003'\n  display: Confusional state\n  relation: skos:closeMatch\n",
         "  code: '7011001'\n  display: Hallucinations\n  relation: skos:exactMatch\n")  # fmt: skip
    edit(concepts, "checked_against: public FHIR source checked against a terminology browser",
         "checked_against: several public FHIR sources")  # fmt: skip
    result = ketdata("validate", cwd=project)
    assert result.returncode == 1 and "KD314" in result.stdout and "'hallucinations'" in result.stdout, result.stdout
    exported = ketdata("export", "--out", str(project / "out"), cwd=project)
    assert exported.returncode == 1 and not (project / "out/sssom").exists(), exported.stdout + exported.stderr


def test_a_note_in_parentheses_and_case_do_not_part_a_term_from_its_label() -> None:
    assert term_of("pain (as relieved)") == term_of("Pain") == "pain"
    assert term_of("Treatment-resistant  depression") == "treatment-resistant depression"
    assert term_of("treatment-resistant depression") != term_of("depression")


# --- A4-8, A4-11: words skipped between or right before the quotes bind them ----------------------------------

NEW_CLAIM = """---
id: claim-049
version: 1
status: active
statement: {statement}
subject: {subject}
predicate: {predicate}
object:
  {object}
category: {category}
evidence_status: {status}
hedge: null
evidence:
{evidence}review:
  status: unreviewed
"""


def span(role: str, quote: str, after: int = 0) -> str:
    start = ARTICLE.index(quote, after)
    section = "what-is-ketamine" if start < 652 else "ketamine-in-therapy"
    return (f"- {{source: ketamine-overview, section: {section}, role: {role}, quote: {json.dumps(quote)}, "
            f"start: {start}, end: {start + len(quote)}}}\n")  # fmt: skip


EXPERIMENTAL = span("context", "Ketamine therapy is still considered an experimental treatment")

ATTACKS = {
    "an item cut out of 'treatment-resistant depression'": (
        "medical-use",
        dict(statement="Ketamine infusion therapy is used as an alternative treatment option for people with "
             "depression.", subject="ketamine-infusion-therapy", predicate="alternative_treatment_for",
             object="concept: depression", category="medical-use", status="experimental",
             evidence=span("context", "Ketamine infusion therapy is used as an alternative treatment option for "
                           "people with") + span("item", "depression", 940) + EXPERIMENTAL),
        "treatment-resistant",
    ),
    "'an alternative' skipped between context and statement": (
        "medical-use",
        dict(statement="Ketamine infusion therapy is used as treatment option for people with treatment-resistant "
             "depression.", subject="ketamine-infusion-therapy", predicate="alternative_treatment_for",
             object="concept: treatment-resistant-depression", category="medical-use", status="experimental",
             evidence=span("context", "Ketamine infusion therapy is used as") + span(
                 "statement", "treatment option for people with treatment-resistant depression") + EXPERIMENTAL),
        "alternative",
    ),
    "'not fully' skipped between two statement quotes": (
        "uncertainty",
        dict(statement="The exact mechanism of action is still understood.", subject="exact-mechanism-of-action",
             predicate="has_street_name", object="value: understood", category="uncertainty",
             status="not-applicable", evidence=span("statement", "the exact mechanism of action is still")
             + span("statement", "understood", 1850)),
        "not",
    ),
    "'only' and 'trained' skipped in the guidance": (
        "safety-guidance",
        dict(statement="Ketamine should be used under the guidance of a medical professional.", subject="ketamine",
             predicate="should_only_be_used_under", object="concept: trained-medical-professional",
             category="safety-guidance", status="established",
             evidence=span("context", "ketamine", 2140) + span("context", "should", 2230)
             + span("context", "be used under the guidance of a", 2230) + span("item", "medical professional", 2230)),
        "trained",
    ),
    "an item whose clause is quoted from another sentence": (
        "medical-use",
        dict(statement="Ketamine therapy is still considered an experimental treatment for depression.",
             subject="ketamine-therapy", predicate="alternative_treatment_for", object="concept: depression",
             category="medical-use", status="experimental",
             evidence=EXPERIMENTAL + span("item", "depression", 940)),
        "treatment-resistant",
    ),
}  # fmt: skip


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_claim_skipping_words_bound_to_its_quote_is_refused(attack: str, project: Path) -> None:
    """The attacker's claims appended as a hostile contributor writes them: validate refuses each (exit 1)."""
    file, fields, word = ATTACKS[attack]
    path = project / f"data/claims/{file}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + NEW_CLAIM.format(**fields), encoding="utf-8")
    result = ketdata("validate", "--format", "json", cwd=project)
    assert result.returncode == 1, result.stdout
    found = [p for p in json.loads(result.stdout) if p["code"] == "KD630" and p["record_id"] == "claim-049"]
    assert found and any(word in p["message"] for p in found), result.stdout


def _cuttable(doc: dict[str, Any], quote: str) -> list[re.Match[str]]:
    """The words inside a quote (not its first or last) that the record says once and keeps nowhere else."""
    kept = " ".join([str(doc.get("hedge") or ""), *(str(q["text"]) for q in doc.get("qualifiers") or ()),
                     *(str(r["text"]) for r in doc.get("readings") or ()),
                     *(s["quote"] for s in doc["evidence"] if s["role"] != "statement")])  # fmt: skip

    def once(word: str, text: str) -> bool:
        return len(re.findall(rf"(?i)(?<![\w-]){word}(?![\w-])", text)) == 1

    words = list(re.finditer(r"(?<![\w-])[A-Za-z]{4,}(?![\w-])", quote))[1:-1]
    return [w for w in words if once(w.group(), quote) and once(w.group(), doc["statement"])
            and w.group().casefold() not in kept.casefold() and w.group().casefold() not in FUNCTION]  # fmt: skip


def test_any_word_cut_out_of_a_statement_quote_and_the_statement_is_refused(data: Path) -> None:
    """Every shipped claim quoting its statement in one span: a word cut out of both is caught (one run)."""
    cut: dict[str, str] = {}
    for path in sorted((data / "claims").glob("*.yaml")):
        docs = load(path)
        for doc in docs:
            stating = [s for s in doc["evidence"] if s["role"] == "statement"]
            if doc["status"] != "active" or len(stating) != 1 or doc.get("leaves_out"):
                continue
            first = stating[0]
            words = _cuttable(doc, first["quote"])
            if not words:
                continue
            word = words[len(words) // 2]
            head, tail = first["quote"][: word.start()].rstrip(), first["quote"][word.end() :].lstrip()
            doc["evidence"][doc["evidence"].index(first)] = {**first, "quote": head, "end": first["start"] + len(head)}
            doc["evidence"].append({**first, "quote": tail, "start": first["end"] - len(tail)})
            said = re.sub(rf"(?i)\s*(?<![\w-]){word.group()}(?![\w-])", "", doc["statement"], count=1).strip()
            doc["statement"] = said[0].upper() + said[1:]
            cut[doc["id"]] = word.group()
        dump(path, docs)
    assert len(cut) >= 10, cut
    caught = {rid for rid, _ in codes_of(data, "KD630")}
    assert sorted(set(cut) - caught) == [], cut


def test_list_items_other_records_state_may_still_be_skipped() -> None:
    """The shipped split sentences ("side effects, including" + "dizziness") raise nothing: not a blanket ban."""
    assert [p for p in run(DATA).problems if p.code == "KD630"] == []


@pytest.mark.parametrize(("record", "old_end", "quote"), [
    ("claim-021", 960, "Ketamine infusion therapy is used as an alternative treatment option for people with "
                       "treatment"),
    ("claim-005", 251, "dissociative anesthetics, which work by producing a trance"),
])  # fmt: skip
def test_a_quote_stopping_at_the_hyphen_of_a_word_cuts_it(record: str, old_end: int, quote: str, data: Path) -> None:
    path = next(p for p in (data / "claims").glob("*.yaml") if f"id: {record}\n" in p.read_text(encoding="utf-8"))
    docs = load(path)
    doc = next(d for d in docs if d["id"] == record)
    target = next(s for s in doc["evidence"] if s["end"] == old_end)
    target.update(quote=quote, end=target["start"] + len(quote))
    assert ARTICLE[target["end"]] == "-"
    dump(path, docs)
    assert record in {rid for rid, _ in codes_of(data, "KD311")}


# --- A4-10: a name stands for one concept; an editors' synonym ties nothing ------------------------------------


def test_every_concepts_label_given_to_another_as_a_synonym_is_refused(data: Path) -> None:
    """Each label, in another spelling ('The …', upper case, another ending), added to the next concept (one run)."""
    path = data / "concepts.yaml"
    docs = [d for d in load(path)]
    live = [d for d in docs if not d.get("superseded_by")]
    for concept, other in zip(live, live[1:] + live[:1], strict=True):
        name = f"The {other['label'].upper()}"
        concept.setdefault("synonyms", []).append(
            {"text": name, "origin": "external", "reason": "Plain-words synonym added by ketdata's editors."}
        )
    dump(path, docs)
    found = {rid for rid, _ in codes_of(data, "KD631")}
    assert found == {str(c["id"]) for c in live}


def test_two_concepts_with_one_label_are_refused(data: Path) -> None:
    edit(data / "concepts.yaml", "id: confusion\nlabel: Confusion\n", "id: confusion\nlabel: Hallucinations\n")
    assert [rid for rid, _ in codes_of(data, "KD631")] == ["confusion"]


@pytest.mark.parametrize("claim", ["claim-045", "claim-046", "claim-047"])
def test_an_external_synonym_never_ties_a_claim_to_another_concept(claim: str, project: Path) -> None:
    """The attacker's re-pointing, for each side-effect claim: the object moves to addiction through a synonym."""
    data = project / "data"
    claims = data / "claims/adverse-effects.yaml"
    docs = load(claims)
    doc = next(d for d in docs if d["id"] == claim)
    item = next(s["quote"] for s in doc["evidence"] if s["role"] == "item")
    doc["object"] = {"concept": "addiction"}
    doc["version"] += 1
    dump(claims, docs)
    edit(data / "concepts.yaml", "id: addiction\nlabel: Addiction\nkind: condition\n",
         f"id: addiction\nlabel: Addiction\nkind: condition\nsynonyms:\n- text: side effects {item}\n"
         "  origin: external\n  reason: Plain-words synonym added by ketdata's editors.\n")  # fmt: skip
    result = ketdata("validate", "--format", "json", cwd=project)
    assert result.returncode == 1
    assert {(p["code"], p["record_id"]) for p in json.loads(result.stdout)} >= {("KD310", claim)}, result.stdout


# --- A4-5: a released version keeps the date it was cut on -----------------------------------------------------


def test_a_release_date_moved_into_the_future_is_refused_from_the_command_line(project: Path) -> None:
    edit(project / "data/dataset.yaml", f"release_date: '{DAY}'", "release_date: '2099-01-01'")
    result = ketdata("validate", cwd=project)
    assert result.returncode == 1 and result.stdout.count("KD530") == 2, result.stdout
    exported = ketdata("export", "--out", str(project / "out"), cwd=project)
    assert exported.returncode == 1 and not (project / "out/json").exists()


def test_a_released_versions_date_is_its_snapshots(project: Path) -> None:
    """A later date that is not in the future is still not the day the release was cut."""
    later = datetime.date.fromisoformat(DAY) + datetime.timedelta(days=3)
    edit(project / "data/dataset.yaml", f"release_date: '{DAY}'", f"release_date: '{later}'")
    day_after = later + datetime.timedelta(days=1)
    found = [p for p in run(project / "data", today=day_after).problems if p.code == "KD530" and "cut on" in p.message]
    line = line_of(project / "data/dataset.yaml", "release_date:")
    assert [(p.line, LATEST in p.message, DAY in p.message) for p in found] == [(line, True, True)], found


def test_the_shipped_release_date_is_the_latest_releases() -> None:
    info = yaml.safe_load((DATA / "dataset.yaml").read_text(encoding="utf-8"))
    assert info["version"] != LATEST or info["release_date"] == DAY


# --- A4-19, A4-28, A4-18, A4-12: what every record must be for the rules to read it -----------------------------


def _records(data: Path) -> list[tuple[Path, list[dict[str, Any]]]]:
    return [(p, load(p)) for p in sorted((data / "claims").glob("*.yaml"))] + [
        (data / "caveats.yaml", load(data / "caveats.yaml"))
    ]


def test_no_record_escapes_the_stating_rules_by_quoting_only_context(data: Path) -> None:
    """Every active claim and caveat with each of its spans turned to context (one run): each is refused."""
    turned = set()
    for path, docs in _records(data):
        for doc in docs:
            if doc["status"] == "active":
                doc["evidence"] = [{**s, "role": "context"} for s in doc["evidence"]]
                turned.add(doc["id"])
        dump(path, docs)
    assert {rid for rid, _ in codes_of(data, "KD632")} == turned


def test_no_negation_of_what_a_statement_says_can_be_left_out(data: Path) -> None:
    """Every record whose stating quote and statement hold a "not": the statement drops it, leaves_out names it."""
    flipped = set()
    for path, docs in _records(data):
        for doc in docs:
            quotes = " ".join(s["quote"] for s in doc["evidence"] if s["role"] != "context")
            if doc["status"] != "active" or not re.search(r"\bnot\b", quotes) or " not " not in doc["statement"]:
                continue
            doc["statement"] = doc["statement"].replace(" not ", " ", 1)
            doc["leaves_out"] = [*doc.get("leaves_out", ()), {"text": "not", "why": "It governs another record."}]
            flipped.add(doc["id"])
        dump(path, docs)
    assert len(flipped) >= 3, flipped
    assert {rid for rid, _ in codes_of(data, "KD633")} >= flipped


def test_a_released_claim_rewritten_with_a_far_reading_is_refused(project: Path) -> None:
    """The attacker's claim-002: "Depression is one of the two things ketamine is primarily used for"."""
    path = project / "data/claims/medical-use.yaml"
    edit(path, "id: claim-002\nversion: 3\nstatus: active\nstatement: Anesthesia is one",
         "id: claim-002\nversion: 4\nstatus: active\nstatement: Depression is one")  # fmt: skip
    edit(path, "  start: 20\n  end: 98\nreview:",
         "  start: 20\n  end: 98\nreadings:\n- source: ketamine-overview\n  start: 950\n  text: depression\n"
         "  means: depression\nreview:")  # fmt: skip
    result = ketdata("validate", "--format", "json", cwd=project)
    found = {(p["code"], p["record_id"]) for p in json.loads(result.stdout)}
    assert result.returncode == 1 and {("KD325", "claim-002"), ("KD634", "claim-002")} <= found, found


def test_two_items_and_a_repeated_triple_are_reported(project: Path) -> None:
    """The attacker's claim-049: 'hallucinations' and 'confusion' as items, claim-045's triple."""
    path = project / "data/claims/adverse-effects.yaml"
    fields = dict(statement="It is important to note that ketamine can have side effects, including hallucinations, "
                  "confusion.", subject="ketamine", predicate="can_have_side_effect", object="concept: hallucinations",
                  category="adverse-effects", status="established",
                  evidence=span("context", "It is important to note that ketamine can have side effects, including")
                  + span("item", "hallucinations") + span("item", "confusion", 2200))  # fmt: skip
    path.write_text(path.read_text(encoding="utf-8") + NEW_CLAIM.format(**fields), encoding="utf-8")
    result = ketdata("validate", "--format", "json", cwd=project)
    found = {(p["code"], p["record_id"]) for p in json.loads(result.stdout)}
    assert result.returncode == 1 and {("KD635", "claim-049"), ("KD636", "claim-049")} <= found, found


# --- A4-14, A4-15: the safety net and the decision table against the release ----------------------------------


@pytest.mark.parametrize(("caveat", "old", "new"), [
    ("caveat-001", "    start: 255\n    end: 652", "    start: 453\n    end: 652"),
    ("caveat-006", "  sections:\n  - what-is-ketamine\n  - ketamine-in-therapy\nscope_reason",
     "  sections:\n  - ketamine-in-therapy\nscope_reason"),
])  # fmt: skip
def test_a_safety_caveat_narrowed_since_the_release_is_warned(caveat: str, old: str, new: str, project: Path) -> None:
    """The attacker's narrowing: scope and applies_to cut back together, version raised; --strict refuses it."""
    path = project / "data/caveats.yaml"
    docs = load(path)
    doc = next(d for d in docs if d["id"] == caveat)
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {caveat}\n")
    end = text.find("\n---", start)
    block = text[start : end if end > 0 else len(text)]
    kept = [c for c in doc["applies_to"] if c > "claim-012"] if caveat == "caveat-001" else ["claim-045"]
    lines = "".join(f"- {c}\n" for c in doc["applies_to"])
    narrowed = block.replace(old, new).replace(f"version: {doc['version']}\n", f"version: {doc['version'] + 1}\n", 1)
    narrowed = narrowed.replace(lines, "".join(f"- {c}\n" for c in kept), 1)
    assert narrowed.count("- claim-") < block.count("- claim-")
    path.write_text(text.replace(block, narrowed), encoding="utf-8")
    result = ketdata("validate", "--strict", "--format", "json", cwd=project)
    found = {(p["code"], p["record_id"]) for p in json.loads(result.stdout) if p["severity"] != "info"}
    assert result.returncode == 1 and ("KD517", caveat) in found, found


def test_a_decision_table_grading_harms_established_is_caught(project: Path) -> None:
    """The attacker's table: 'associated_with' moved to an established row, its own rows given a 'causes'."""
    path = project / "data/evidence-statuses.yaml"
    edit(path, "  predicates:\n  - associated_with\n- wording: '''associated with'''",
         "  predicates:\n  - causes\n- wording: '''associated with'''")  # fmt: skip
    edit(
        path, "  - used_illicitly_because_it_induces\n", "  - used_illicitly_because_it_induces\n  - associated_with\n"
    )
    result = ketdata("validate", "--format", "json", cwd=project)
    found = {(p["code"], p["record_id"]) for p in json.loads(result.stdout)}
    assert result.returncode == 1 and {("KD202", "reported-association"), ("KD517", "established")} <= found, found


def test_the_shipped_table_grades_no_predicate_firmer_than_its_release(project: Path) -> None:
    result = ketdata("validate", "--strict", cwd=project)
    # A policy drafted since the release and declared in the changelog's draft (test_shipped_data) warns until the
    # next release; no row of the table may give a predicate another status unnoticed.
    assert undrafted_lines(result.stdout) == [] and "0 errors" in result.stderr, result.stdout
    assert not any("its decision table now gives it" in message for _, _, message in drafted())


# --- A4-27: a subject's name is no evidence --------------------------------------------------------------------


@pytest.mark.parametrize("word", ["harmless", "risk-free", "approved"])
def test_a_subject_named_with_a_word_the_article_lacks_lends_it_nothing(word: str, project: Path) -> None:
    data = project / "data"
    edit(data / "claims/therapy-practice.yaml",
         "statement: During a ketamine therapy session, the patient is typically seated or lying down.\n"
         "subject: ketamine-therapy",
         f"statement: During a {word} ketamine therapy session, the patient is typically seated or lying down.\n"
         f"subject: {word}-ketamine-therapy")  # fmt: skip
    edit(data / "concepts.yaml", "id: ketamine-therapy\nlabel: Ketamine therapy\nkind: therapy",
         f"id: {word}-ketamine-therapy\nlabel: {word.capitalize()} ketamine therapy\nkind: therapy\n---\n"
         "id: ketamine-therapy\nlabel: Ketamine therapy\nkind: therapy")  # fmt: skip
    result = ketdata("validate", "--format", "json", cwd=project)
    found = [p for p in json.loads(result.stdout) if p["code"] == "KD637"]
    assert result.returncode == 1 and found and word.split("-")[0] in found[0]["message"], result.stdout


# --- A4-20, A4-25: strong words in their base form and in look-alike letters -----------------------------------


@pytest.mark.parametrize("gloss", [
    "A drug used to treat depression.", "A drug that treated depression.",
    "A drug that \uff43\uff55\uff52\uff45\uff53 pain.",
    "A drug that \U0001d41c\U0001d42e\U0001d42b\U0001d41e\U0001d42c pain.",
    "A drug for \ufb01ghting pain.",
])  # fmt: skip
def test_an_external_gloss_says_no_strong_word_in_any_spelling(gloss: str, project: Path) -> None:
    edit(project / "data/concepts.yaml", "  text: A drug used in medicine. 'Medication' says what",
         f"  text: {gloss} 'Medication' says what")  # fmt: skip
    result = ketdata("validate", "--format", "json", cwd=project)
    found = {p["code"] for p in json.loads(result.stdout) if p["record_id"] == "medication"}
    assert result.returncode == 1 and found & {"KD606", "KD562"}, result.stdout


def test_a_quote_of_the_article_is_never_called_a_look_alike() -> None:
    assert [p for p in run(DATA).problems if p.code == "KD562"] == []


# --- A4-23, A4-24: no cascade from a file or a value that could not be read ---------------------------------------


def test_an_unreadable_claims_file_raises_no_coverage_cascade(data: Path) -> None:
    with (data / "claims/therapy-practice.yaml").open("a", encoding="utf-8") as handle:
        handle.write("x: [\n")
    codes = [p.code for p in findings(data)]
    assert "KD402" not in codes and "KD018" in codes and "KD003" in codes, codes


@pytest.mark.parametrize("value", ["453.0", "1e400", "!!str 453"])
def test_a_wrong_typed_offset_is_reported_once_not_on_the_caveats(value: str, data: Path) -> None:
    edit(data / "claims/harms.yaml", "  start: 453\n  end: 502", f"  start: {value}\n  end: 502")
    found = [(p.code, p.record_id) for p in findings(data)]
    assert found and all(rid == "claim-013" for _, rid in found), found


# --- A4-29: a predicate says what its statement says --------------------------------------------------------------


@pytest.mark.parametrize("claim", ["claim-040", "claim-039", "claim-045", "claim-021"])
def test_a_predicate_borrowed_from_another_fact_is_refused(claim: str, data: Path) -> None:
    """Each claim given has_street_name (graded not-applicable by the table), whatever it states."""
    path = next(p for p in (data / "claims").glob("*.yaml") if f"id: {claim}\n" in p.read_text(encoding="utf-8"))
    docs = load(path)
    doc = next(d for d in docs if d["id"] == claim)
    doc.update(predicate="has_street_name", object={"value": "x"}, evidence_status="not-applicable")
    dump(path, docs)
    assert claim in {rid for rid, _ in codes_of(data, "KD639")}
