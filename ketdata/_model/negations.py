"""Negation words: the one list the validator's polarity check and ``source update``'s verdicts share.

`NEGATIONS` is the strict list: the words the polarity rule (``KD626``, part of the ``words-from-evidence``
rule) pairs with the word each negates, so that a statement and its quotes agree on every one ("cannot"
and "n't" are read as "not" there). `BROAD_NEGATIONS` adds the words that turn a sentence around without
being a plain "not" ("rarely", "hardly", "none", "unlikely" ...): ``source update`` names a change of any of
them in a quote's sentence ("a negation changed (never)"), since a reader must look at it either way.

The hedge and qualifier words live in the data (``data/rules.yaml``, the ``qualifier-words`` rule) because
editors tune them to the article's wording; these are English grammar, which the checks' own logic rests on
(the polarity rule reads the word after each), so they live beside the code, in one place.
"""

from __future__ import annotations

NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor"})
"""Words a statement and its evidence must agree on, each with the word it stands before."""

BROAD_NEGATIONS = NEGATIONS | frozenset(
    {"n't", "none", "nothing", "rarely", "hardly", "seldom", "cannot", "barely", "scarcely", "unlikely"}
)
"""Every word whose change in a quote's sentence ``source update`` names as a negation changed."""
