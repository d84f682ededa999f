"""One list of negation words: the validator's polarity rule and `source update`'s verdicts read the same one."""

from __future__ import annotations

import re

import pytest

from ketdata._editor.reanchor import negations
from ketdata._model.negations import BROAD_NEGATIONS, NEGATIONS
from ketdata._validation.words import negations_in

from .helpers import ROOT


def test_the_broad_list_holds_every_strict_word() -> None:
    assert NEGATIONS <= BROAD_NEGATIONS and BROAD_NEGATIONS - NEGATIONS


@pytest.mark.parametrize("word", sorted(NEGATIONS))
def test_each_strict_word_is_read_by_the_polarity_rule_and_named_by_source_update(word: str) -> None:
    sentence = f"Ketamine is {word} fully understood."
    assert negations_in(sentence) == {(word, "fully")}  # with the word it negates
    assert negations("is", f"is {word}") == f"a negation changed ({word}): "


@pytest.mark.parametrize("word", sorted(BROAD_NEGATIONS - NEGATIONS - {"n't"}))
def test_each_broad_word_is_named_by_source_update_only(word: str) -> None:
    assert negations("often", word) == f"a negation changed ({word}): "
    assert {w for w, _ in negations_in(f"Ketamine is {word} used.")} <= {"not"}  # "cannot" reads as "can not"


def test_no_other_module_keeps_a_list_of_negation_words() -> None:
    lists = re.compile(r"""["'](?:neither|nor)["']|\bneither\|""")
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "ketdata").rglob("*.py"))
                 if p.name != "negations.py" and lists.search(p.read_text(encoding="utf-8"))]  # fmt: skip
    assert offenders == []
