"""The editors' own words beside a side effect or a safety warning never soften it (A5-20).

The data's rule ``no-reassurance-beside-side-effects`` (with ``no-strong-words-for-weak-evidence``, which bars
"safe" in the editors' words everywhere) (a strong-wording rule narrowed by categories and caveat
kinds) reads the notes, reasons, readings and glosses of the claims about harms, adverse effects and safety,
of the caveats that warn, and of the concepts such claims relate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import edit, findings

SIDE_EFFECT = "data/claims/adverse-effects.yaml"  # claim-045: "… can have side effects, including hallucinations"
AFTER = "evidence_status: established\nhedge: can\n"
NOTE = "evidence_status: established\nnotes:\n- text: {}\n  origin: external\n  reason: Editors' note.\nhedge: can\n"

SOFTENING = [
    "These effects are rare and mild at therapeutic doses, and clinicians need not warn patients about them.",
    "Hallucinations occur rarely.",
    "Usually harmless.",
    "There is no need to mention this to patients.",
    "The effect is well tolerated.",
    "Only a minor concern in a clinic.",
]


@pytest.mark.parametrize("text", SOFTENING)
def test_a_note_that_softens_a_side_effect_is_refused(project: Path, text: str) -> None:
    edit(project / SIDE_EFFECT, AFTER, NOTE.format(text))
    found = [p for p in findings(project / "data") if p.code == "KD606"]
    assert {(p.record_id, p.file) for p in found} == {("claim-045", str(project / SIDE_EFFECT))}, found
    assert any("no-reassurance-beside-side-effects" in p.message for p in found), found


def test_a_gloss_of_the_side_effect_concept_that_softens_it_is_refused(project: Path) -> None:
    edit(project / "data/concepts.yaml", "  text: Hallucinations, as the article names them.",
         "  text: Hallucinations, as the article names them; mild and brief.")  # fmt: skip
    found = [p for p in findings(project / "data") if p.code == "KD606"]
    assert [p.record_id for p in found] == ["hallucinations"], found


def test_a_note_on_a_safety_warning_caveat_that_softens_it_is_refused(project: Path) -> None:
    path = project / "data/caveats.yaml"
    text = path.read_text(encoding="utf-8")
    warning = text.index("kind: safety-warning")
    start = text.rindex("---\n", 0, warning)
    end = text.find("\n---\n", warning)
    record = text[start:end]
    path.write_text(text.replace(record, record + "\nnotes:\n- text: A minor concern.\n  origin: external\n"
                                 "  reason: Editors' note.", 1), encoding="utf-8")  # fmt: skip
    found = [p for p in findings(project / "data") if p.code == "KD606"]
    assert len(found) == 1 and found[0].record_id.startswith("caveat-"), found


def test_the_same_word_beside_a_claim_about_something_else_is_not_this_rule(project: Path) -> None:
    # The rule is about side effects and safety: a session's "mild" lighting is not a warning softened.
    path = project / "data/claims/therapy-practice.yaml"
    edit(path, "evidence_status: not-applicable\nhedge: typically\n",
         "evidence_status: not-applicable\nnotes:\n- text: The room is kept in mild light.\n  origin: external\n"
         "  reason: Editors' note.\nhedge: typically\n")  # fmt: skip
    assert [p for p in findings(project / "data") if p.code == "KD606"] == []
