"""A6-6: the editors' glosses of a concept a harm, side-effect or safety claim names say no more than its name.

KD606's word list missed "only at anesthetic doses" and "transient and self-limiting"; KD619 is structural: such a
concept's external definition, synonyms, their reasons and its links' reasons hold only its label's words (a
link's: both labels'), one of its codes as "its code (…) is …", and a fixed framing. KD620: an article
definition of such a concept quotes a sentence that names it. Each test edits a copy of the project as an
editor would and checks what validation reports.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ketdata._model.problems import Problem
from ketdata._validation.pipeline import run

from .helpers import DATA, edit

TODAY = datetime.date(2026, 12, 7)
HALLUCINATIONS = "  text: Hallucinations, as the article names them.\n"
BLADDER = "  text: Damage to the bladder, as the article names it.\n"
REASON = "  reason: Editorial gloss by ketdata's editors, for readers; the article gives no definition.\n"
# The concepts the shipped harm, side-effect and safety claims name (rule no-reassurance-beside-side-effects).
NAMED_BY_HARMS = {"ketamine", "hallucinations", "confusion", "dizziness", "recreational-use", "addiction",
                  "physical-and-mental-health-harm", "cognitive-impairment", "bladder-damage",
                  "trained-medical-professional"}  # fmt: skip


def problems(data: Path) -> list[Problem]:
    return list(run(data, TODAY).problems)


def found(data: Path, *codes: str) -> list[tuple[str, str | None]]:
    return sorted((p.code, p.record_id) for p in problems(data) if p.code in codes)


def concepts(project: Path) -> Path:
    return project / "data" / "concepts.yaml"


def test_no_shipped_gloss_says_more_than_its_concepts_name() -> None:
    offenders = [(p.record_id, p.message) for p in problems(DATA) if p.code in ("KD619", "KD620")]
    assert offenders == []


def test_the_rule_reads_the_concepts_the_harm_and_safety_claims_name(project: Path) -> None:
    """Every concept in scope refuses a word beside its label; one outside (a route) keeps its gloss."""
    text = concepts(project).read_text(encoding="utf-8")
    ids = [line[4:] for line in text.splitlines() if line.startswith("id: ")]
    marked = text.replace(REASON, REASON.replace("no definition.", "no definition; transient."))
    concepts(project).write_text(marked, encoding="utf-8")
    flagged = {rid for _, rid in found(project / "data", "KD619")}
    assert flagged == NAMED_BY_HARMS - {"ketamine"}  # ketamine's definition is the article's, with no reason
    assert "intravenous-route" in ids and "intravenous-route" not in flagged


ATTACKS = {
    # The finding's four glosses.
    "anesthetic doses": (HALLUCINATIONS, "  text: Hallucinations, which occur only at anesthetic doses, not at the "
                                         "low doses used in therapy.\n", "hallucinations"),
    "self-limiting": (HALLUCINATIONS, "  text: Hallucinations; transient and self-limiting, they resolve without "
                                      "treatment.\n", "hallucinations"),
    "bladder transient": (BLADDER, "  text: Damage to the bladder; transient and self-limiting.\n", "bladder-damage"),
    "daily use for years": (BLADDER, "  text: Damage to the bladder, which occurs only with daily use for years.\n",
                            "bladder-damage"),
    # Stepping around the rule.
    "a number": (HALLUCINATIONS, "  text: Hallucinations (1 in 1000), as the article names them.\n", "hallucinations"),
    "a question": (HALLUCINATIONS, "  text: Hallucinations (?), as the article names them.\n", "hallucinations"),
    "scare quotes": (HALLUCINATIONS, "  text: '\"Hallucinations\", as the article names them.'\n", "hallucinations"),
    "single quotes": (HALLUCINATIONS, "  text: \"'Hallucinations', as the article names them.\"\n", "hallucinations"),
    "a second sentence": (BLADDER, "  text: Damage to the bladder, as the article names it. Not with therapy.\n",
                          "bladder-damage"),
    "framing words out of their phrase": (BLADDER, "  text: Damage to the bladder, not as the article says.\n",
                                          "bladder-damage"),
    "a code the concept does not have": (HALLUCINATIONS, "  text: Hallucinations, as the article names them; its code "
                                         "(Transient hallucinations) is narrower.\n", "hallucinations"),
    "its code with another relation": (HALLUCINATIONS, "  text: Hallucinations, as the article names them; its code "
                                       "(Hallucinations) is broader.\n", "hallucinations"),
    "the reason": (HALLUCINATIONS + "  origin: external\n" + REASON, HALLUCINATIONS + "  origin: external\n"
                   "  reason: Editorial gloss by ketdata's editors, for readers; they pass within the hour.\n",
                   "hallucinations"),
    "an external synonym": (BLADDER + "  origin: external\n" + REASON, BLADDER + "  origin: external\n" + REASON
                            + "synonyms:\n- text: reversible bladder damage\n  origin: external\n  reason: Plain-words "
                            "synonym of the article's 'bladder damage', added by ketdata's editors.\n",
                            "bladder-damage"),
    "an article synonym from elsewhere": (HALLUCINATIONS + "  origin: external\n" + REASON, HALLUCINATIONS
                                          + "  origin: external\n" + REASON + "synonyms:\n- text: typically last for "
                                          "about an hour\n  origin: article\n  evidence:\n    source: ketamine-overview"
                                          "\n    section: ketamine-in-therapy\n    role: statement\n    quote: "
                                          "typically last for about an hour\n    start: 1522\n    end: 1554\n",
                                          "hallucinations"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_gloss_saying_more_than_the_name_is_refused(project: Path, name: str) -> None:
    old, new, concept = ATTACKS[name]
    edit(concepts(project), old, new)
    assert found(project / "data", "KD619") == [("KD619", concept)]


def test_the_message_names_the_words_and_the_fix(project: Path) -> None:
    old, new, _ = ATTACKS["daily use for years"]
    edit(concepts(project), old, new)
    (problem,) = [p for p in problems(project / "data") if p.code == "KD619"]
    assert "'occurs', 'only', 'daily', 'use', 'years'" in problem.message
    assert problem.hint is not None and "origin: article" in problem.hint and "Bladder damage" in problem.hint


def test_a_reassurance_in_a_links_reason_is_refused_on_either_side(project: Path) -> None:
    """A related link from a concept no harm claim names, to one a harm claim names, is read as well."""
    old = "  reason: 'Editors'' reading: the article names a ''trained medical professional'' and a ''healthcare\n"
    new = "  reason: 'Editors'' reading: the article names a ''trained medical professional'' and a ''rarely needed\n"
    edit(concepts(project), old, new)  # healthcare-professional's link to trained-medical-professional (2nd)
    edit(concepts(project), old, new)
    assert found(project / "data", "KD619") == [("KD619", "healthcare-professional"),
                                                ("KD619", "trained-medical-professional")]  # fmt: skip


def test_an_article_definition_quotes_a_sentence_that_names_the_concept(project: Path) -> None:
    gloss = HALLUCINATIONS + "  origin: external\n" + REASON
    article = ("  text: {quote}\n  origin: article\n  evidence:\n    source: ketamine-overview\n"
               "    section: ketamine-in-therapy\n    role: statement\n    quote: {quote}\n    start: {start}\n"
               "    end: {end}\n")  # fmt: skip
    elsewhere = article.format(quote="typically last for about an hour", start=1522, end=1554)
    edit(concepts(project), gloss, elsewhere)
    assert found(project / "data", "KD619", "KD620") == [("KD620", "hallucinations")]
    named = article.format(quote="ketamine can have side effects, including hallucinations", start=2161, end=2217)
    edit(concepts(project), elsewhere, named)
    assert found(project / "data", "KD619", "KD620") == []


def test_a_category_taken_off_the_rule_is_watched(project: Path) -> None:
    """The scope comes from the rule's categories: narrowing it since the release is KD517, as a word taken off is."""
    edit(project / "data" / "rules.yaml", "- adverse-effects\n- safety-guidance\ncaveat_kinds:\n",
         "- safety-guidance\ncaveat_kinds:\n")  # fmt: skip
    old, new, _ = ATTACKS["anesthetic doses"]
    edit(concepts(project), old, new)
    kd517 = [p for p in problems(project / "data") if p.code == "KD517"]
    assert [p.record_id for p in kd517] == ["no-reassurance-beside-side-effects"]
    assert "categories taken off: 'adverse-effects'" in kd517[0].message
