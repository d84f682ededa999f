"""How the word checks cut a text into words: the one tokenizer of statements, quotes and names.

A word is a run of letters and digits, with an inner apostrophe ("can't", "ketamine's"); a compound joins
words with hyphens ("treatment-resistant"). Words are compared casefolded and stemmed (`stem`). Every text
is cut once per run: `words`, `stems`, `negations_in`, `content_stems` and `content_words` cache by text, and
statements and quotes recur (a statement is often its quote, a sentence is split over records). Their caches
are of a fixed size (holding every text of a large run cost 130 MiB at 100,000 claims, for 0.9 s of CPU time),
and `forget` empties them after a run: the next run reads other texts, or the same ones read again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet

from ketdata._model.negations import NEGATIONS

WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
"""A word: letters and digits, with an inner apostrophe."""

COMPOUND = re.compile(r"\w+(?:['\u2019-]\w+)*")
"""A compound: words joined by hyphens or apostrophes, named whole ("treatment-resistant")."""

FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "by", "with", "as", "that",
    "which", "who", "it", "its", "this", "these", "those", "is", "are", "was", "were", "be", "been", "has", "have",
})  # fmt: skip
"""Words whose loss changes no fact: articles, linking words and pronouns a statement may rephrase."""

_NOT_WORD = bytes(c if chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256))
_ENDING = re.compile(r"(?:['\u2019]s|ing|ed|es|s)$")


@functools.lru_cache(maxsize=1 << 16)  # every statement and quote is cut into words: the same few thousand
def stem(word: str) -> str:
    """A word without its English ending ("lasts", "lasting", "ketamine's": "last", "last", "ketamine").

    Crude on purpose: it only lets a statement inflect the article's own words; it never joins two words a
    reader would take for different facts, since what is left must still be a word the quotes hold.
    """
    found = _ENDING.sub("", word)
    return found if len(found) >= 3 else word


@functools.lru_cache(maxsize=1 << 16)
def words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text's words, casefolded, each once, and their stems: every word check of a text reads these."""
    if not text.isascii():  # casefolding the whole text at once would differ: 'İ' folds to two characters
        found = [w.casefold() for w in WORD.findall(text)]
    elif "'" in text:  # "can't" is one word
        found = WORD.findall(text.lower())
    else:  # ASCII words are runs of letters, digits and '_': the rest made spaces, in C
        found = text.lower().encode().translate(_NOT_WORD).decode().split()
    unique = tuple(dict.fromkeys(found))
    return unique, tuple(map(stem, unique))


@functools.lru_cache(maxsize=1 << 16)  # a statement is often its quote, and quotes recur: each is cut once
def stems(text: str) -> frozenset[str]:
    """The stems of the text's words, casefolded."""
    return frozenset(words(text)[1])


def word_set(texts: Iterable[str]) -> set[str]:
    """The stems of the words of some texts, casefolded."""
    return {s for text in texts for s in stems(text)}


@functools.lru_cache(maxsize=1 << 16)
def content_stems(quote: str) -> frozenset[str]:
    """The stems of the quote's words that are not function words."""
    return frozenset(map(stem, frozenset(words(quote)[0]) - FUNCTION_WORDS))


@functools.lru_cache(maxsize=1 << 16)  # a quote is cut into words once per run, however many records share it
def content_words(quote: str) -> tuple[tuple[int, str, str], ...]:
    """The quote's words that are not function words: (offset, stem, the compound holding it)."""
    found = []
    for compound in COMPOUND.finditer(quote):  # "treatment-resistant" is named whole
        for m in WORD.finditer(compound.group()):
            word = m.group().casefold()
            if word not in FUNCTION_WORDS:
                found.append((compound.start() + m.start(), stem(word), compound.group()))
    return tuple(found)


# Negations are polarity words: a statement and its evidence must agree on each, and on what it negates.
_CANNOT = re.compile(r"(?<!\w)(can)(?:not|['\u2019]t)(?!\w)|n['\u2019]t(?!\w)", re.IGNORECASE)
# Words between a negation and what it negates ("not be used", "no more than").
_LINKING = frozenset({"a", "an", "the", "be", "been", "being", "any", "to", "so"})


@functools.lru_cache(maxsize=1 << 16)  # statements and quotes recur (a sentence split over records): read once
def negations_in(text: str) -> frozenset[tuple[str, str]]:
    """Each negation in the text with the stem of the word it stands before ("not fully": ('not', 'fully')).

    "can't" and "cannot" read as "can not"; linking words ("not be used", "no more than") are skipped.
    """
    low = text.lower()
    # Most texts: no word of theirs is a negation, and nothing _CANNOT would turn into one ("can't": "can not").
    if "n't" not in low and "n\u2019t" not in low and "cannot" not in low and NEGATIONS.isdisjoint(words(text)[0]):
        return frozenset()
    found = set()
    cut = [w.casefold() for w in WORD.findall(_CANNOT.sub(lambda m: f"{m.group(1) or ''} not", text))]
    for i, word in enumerate(cut):
        if word in NEGATIONS:
            after = next((w for w in cut[i + 1 :] if w not in _LINKING), "")
            found.add((word, stem(after) if after else ""))
    return frozenset(found)


def negated(texts: Iterable[str]) -> set[tuple[str, str]]:
    """Each negation in the texts with the word it stands before (see `negations_in`)."""
    return {pair for text in texts for pair in negations_in(text)}


def words_in(pattern: re.Pattern[str], texts: Iterable[str]) -> set[str]:
    """The words of ``pattern`` (one alternation, matched whole, ignoring case) found in any of the texts."""
    return {m.group(1).casefold() for text in texts for m in pattern.finditer(text)}


def alternation(listed: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of the listed words whole, ignoring case, the longest first, as group 1."""
    # Longest first, so that 'can sometimes' is found as such and not as 'can'.
    ordered = sorted(set(listed), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)", re.IGNORECASE)


def whole_at(text: str, word: str) -> Iterator[int]:
    """Where ``word`` stands whole in ``text`` (both lower case, ASCII): not inside a longer word."""
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        if not (at and _wordy(text[at - 1])) and not (end < len(text) and _wordy(text[end])):
            yield at
        at = text.find(word, at + 1)


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


class WholeWords:
    """Which of a few words stand whole in a text, ignoring case, as the look-ahead alternation finds them.

    On ASCII text a substring test on the lower-cased text rules most words out at C speed; only the words
    it finds are looked for whole, and at each place the first listed word wins, as in the alternation.
    (The regular expression, tried at every position, cost most of the time the data's own rules took.)
    """

    def __init__(self, listed: Iterable[str]) -> None:
        self.words = [(w, w.lower(), w.casefold()) for w in dict.fromkeys(listed)]
        self.pattern = re.compile(r"(?=((?<!\w)(?:" + "|".join(re.escape(w) for w, _, _ in self.words) + r")(?!\w)))",
                                  re.IGNORECASE)  # fmt: skip
        self.seen: dict[str, frozenset[str]] = {}

    def __call__(self, texts: Iterable[str]) -> AbstractSet[str]:
        found: AbstractSet[str] = frozenset()
        for text in texts:
            found = found | self.one(text) if found else self.one(text)
        return found

    def one(self, text: str) -> frozenset[str]:
        """The words standing whole in one text."""
        known = self.seen.get(text)
        if known is None:
            # A statement is often its quote, and hedges recur: each text is looked through once per run.
            known = self.seen[text] = self._in(text)
        return known

    def _in(self, text: str) -> frozenset[str]:
        if not text.isascii():  # case-insensitive matching outside ASCII (a long s for an s): the expression decides
            return frozenset(words_in(self.pattern, [text]))
        # As the alternation does: at each place a word starts, the first listed word standing whole there.
        low, first = text.lower(), dict[int, int]()
        for i, (_, lower, _) in enumerate(self.words):
            if lower in low:
                for at in whole_at(low, lower):
                    first.setdefault(at, i)
        return frozenset(self.words[i][2] for i in first.values())


def forget() -> None:
    """Empty the caches of texts (a run's): the next run reads other texts, or the same ones read again."""
    for cached in (words, stems, content_stems, content_words, negations_in):
        cached.cache_clear()
