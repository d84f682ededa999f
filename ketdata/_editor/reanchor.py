"""Re-anchoring evidence spans on a new revision of their source, in the manner of W3C text-quote selectors.

A span made against the old text is found again in the new one from its quote, about 32 characters of
context on each side (derived from the old text, never stored) and its old position as a hint; the verdict is

- **moved**: the quote stands unchanged in the new text, in a stretch a line diff of the two revisions found
  unchanged, or else exactly once, or told apart from its other occurrences by its context; and the words of
  its sentence around it are the same (and, for a quote holding a pronoun or a reading, the words of the
  sentence before); nothing but the offsets changes;
- **changed**: the best approximate match differs inside the quote, or the quote is the same but a word of
  its sentence changed (a negation put in, a hedge or qualifier word added, removed or replaced), or of the
  sentence before when the quote leans on it, or the quote occurs more than once and its context cannot tell
  where: a person must look;
- **lost**: no approximate match within a quarter of the quote's length (edits counted in code points).

Characters are compared as they are: a quote whose non-breaking space became a space, or whose line end
became CRLF, has changed. The approximate search is edlib's infix ("HW") alignment, imported only here.

The module is pure: text in, verdicts out; it reads no files and knows nothing of records.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ketdata._model.negations import BROAD_NEGATIONS

CONTEXT = 32
"""Characters of context on each side of a quote, as Hypothesis and the W3C text-quote selector use."""

MAX_ERROR = 0.25
"""The most edits an approximate match may need, as a share of the quote's length."""

Kind = Literal["moved", "changed", "lost"]

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
WORDS = re.compile(r"\w+|[^\w\s]")
# The end of a sentence, or a line break: the context a hedge can be 'next to' stops there.
_BOUNDARY = re.compile("[.!?][\"')\\]\u201d\u2019]*\\s+|\n")
# The same, at the end of the text too: where a quote's sentence ends.
_STOP = re.compile("[.!?][\"')\\]\u201d\u2019]*(?:\\s+|\\Z)|\n")
# How far around a quote words are compared for hedge changes (the zone itself is CONTEXT characters).
_REACH = 8 * CONTEXT
# How far a quote's sentence (and the sentence before) is looked for: the longest sentence compared whole.
SENTENCE_REACH = 1000
# Words that point back at an earlier sentence: a quote holding one leans on the sentence before.
_ANAPHOR = re.compile(r"(?<!\w)(?:it|its|this|these|those|they|their|them|such)(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextQuote:
    """A W3C TextQuoteSelector with a TextPositionSelector as the hint: quote, prefix, suffix, offsets.

    Attributes:
        exact: The quoted characters.
        prefix: Up to `CONTEXT` characters before the quote in the text it was made against.
        suffix: Up to `CONTEXT` characters after it.
        start: Offset of the quote's first character, in code points.
        end: Offset just past its last character.
    """

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int

    @classmethod
    def of(cls, text: str, start: int, end: int) -> TextQuote:
        """The selector of ``text[start:end]``, its context taken from ``text``."""
        return cls(text[start:end], text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT], start, end)


@dataclass(frozen=True, slots=True)
class Reanchored:
    """Where a span of the old text stands in the new one, and what changed.

    Attributes:
        kind: ``moved``, ``changed`` or ``lost``.
        old_start: The span's start in the old text.
        old_end: Its end in the old text.
        old_quote: Its quote in the old text.
        new_start: Its start in the new text (None when lost).
        new_end: Its end in the new text (None when lost).
        new_quote: Its words in the new text (None when lost).
        old_words: The old words that differ (inside the quote, or a hedge next to it); empty when moved.
        new_words: The new words in their place; empty when moved or lost.
        why: One line a person can read: why this verdict.
    """

    kind: Kind
    old_start: int
    old_end: int
    old_quote: str
    new_start: int | None
    new_end: int | None
    new_quote: str | None
    old_words: str = ""
    new_words: str = ""
    why: str = ""


def word_diff(old: str, new: str) -> list[tuple[str, str, str]]:
    """The two texts as runs ``(tag, old piece, new piece)``, tag ``equal`` or ``replace``, compared word by word.

    Words, runs of white space and single punctuation marks are the units, so a changed word is shown whole.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    runs: list[tuple[str, str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        runs.append(("equal" if tag == "equal" else "replace", "".join(a[i1:i2]), "".join(b[j1:j2])))
    return runs


def differing(old: str, new: str) -> tuple[str, str]:
    pairs = [(o, n) for tag, o, n in word_diff(old, new) if tag != "equal"]
    return " … ".join(_shown(o) for o, _ in pairs if o), " … ".join(_shown(n) for _, n in pairs if n)


def _shown(piece: str) -> str:
    # White space alone is the difference (a non-breaking space, a CRLF): name it, or no reader could see it.
    # Otherwise on one line: the words go into a mark's one-line fields.
    return " ".join(piece.split()) or " ".join(f"U+{ord(c):04X}" for c in piece)


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # slices compare in C: a binary search beats a loop over a megabyte of characters
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def equal_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """The stretches the two texts share, as ``(old start, new start, length)``, in order: a line diff.

    The common beginning and end are cut off first, so a revision with a few edits costs little more than
    comparing the two texts.
    """
    head = _common_prefix(old, new)
    tail = _common_suffix(old, new, min(len(old), len(new)) - head)
    mid_old, mid_new = old[head : len(old) - tail], new[head : len(new) - tail]
    a, b = mid_old.splitlines(keepends=True), mid_new.splitlines(keepends=True)
    a_at, b_at = _starts(a, head), _starts(b, head)
    blocks = [(0, 0, head)] if head else []
    for i, j, n in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        if n:
            blocks.append((a_at[i], b_at[j], a_at[i + n] - a_at[i]))
    if tail:
        blocks.append((len(old) - tail, len(new) - tail, tail))
    return _merged(blocks)


def _starts(lines: list[str], at: int) -> list[int]:
    starts = [at]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _merged(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for o, n, length in blocks:
        if merged and merged[-1][0] + merged[-1][2] == o and merged[-1][1] + merged[-1][2] == n:
            po, pn, plen = merged[-1]
            merged[-1] = (po, pn, plen + length)
        else:
            merged.append((o, n, length))
    return merged


class Reanchorer:
    """Re-anchors spans of one old text on one new text; the diff between them is made once.

    Args:
        old: The text the spans were made against.
        new: The new revision.
        hedges: The hedge and qualifier words (and phrases) the project tracks; a change to one inside or
            next to a quote is always ``changed``.
        max_error: The most edits an approximate match may need, as a share of the quote's length.
    """

    def __init__(self, old: str, new: str, hedges: Iterable[str] = (), *, max_error: float = MAX_ERROR) -> None:
        self.old, self.new, self.max_error = old, new, max_error
        self.blocks = equal_blocks(old, new)
        self._block_starts = [b[0] for b in self.blocks]
        words = sorted({w.casefold() for w in hedges if w.strip()}, key=len, reverse=True)
        alternation = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        self._hedge = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if words else None
        self._changed_regions = self._regions()
        self._tokens: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        self._old_sentences, self._new_sentences = Sentences(old), Sentences(new)

    def _regions(self) -> list[tuple[int, int]]:
        """The stretches of the new text no equal block covers: where rewritten or moved words can be."""
        regions, at = [], 0
        for _, n, length in sorted(self.blocks, key=lambda b: b[1]):
            if n > at:
                regions.append((at, n))
            at = max(at, n + length)
        if at < len(self.new):
            regions.append((at, len(self.new)))
        return regions

    def place(self, start: int, end: int, quote: str | None = None) -> Reanchored:
        """The verdict for the span [start, end) of the old text (``quote``, when given, must be its text).

        A quote that holds a pronoun ("It", "its", "This …", a reading of one) leans on the sentence before: that
        sentence must be unchanged too.

        Raises:
            ValueError: The quote is not the old text's characters at [start, end).
        """
        sel = TextQuote.of(self.old, start, end)
        if quote is not None and quote != sel.exact:
            raise ValueError(f"the old text at [{start}, {end}) is {sel.exact!r}, not {quote!r}")
        if not sel.exact:
            raise ValueError(f"the span [{start}, {end}) is empty")
        leans = _ANAPHOR.search(sel.exact) is not None
        for context, why in ((CONTEXT, "quote and context unchanged"), (0, "quote unchanged where the diff puts it")):
            shifted = self._unchanged_at(start, end, context)
            # A character diff can end a stretch inside a word ('K' of 'Kay'): that is not the quote standing.
            if shifted is not None and not _cuts_word(self.new, shifted, shifted + len(sel.exact)):
                # With its context whole, no hedge next to the quote can have changed: only its sentence may.
                return self._checked(sel, shifted, why, leans, hedges=context == 0)
        hint = self._hint(start)
        found = self._exact(sel, hint, leans)
        if found is not None:
            return found
        return self._approximate(sel, hint)

    def offset(self, old_offset: int) -> int:
        """Where an offset of the old text stands in the new one, by the diff (exact inside unchanged stretches)."""
        return self._hint(old_offset)

    def _block_of(self, at: int) -> tuple[int, int, int] | None:
        i = bisect.bisect_right(self._block_starts, at) - 1
        return self.blocks[i] if i >= 0 else None

    def _unchanged_at(self, start: int, end: int, context: int) -> int | None:
        """The new start, when the quote and ``context`` characters each side lie in one unchanged stretch."""
        lo, hi = start - context, end + context
        block = self._block_of(max(lo, 0))
        if block is None:
            return None
        o, n, length = block
        inside = o <= max(lo, 0) and min(hi, len(self.old)) <= o + length
        # Context cut by the start or end of the text is unchanged only if the new text starts or ends there too.
        at_head = lo >= 0 or (o == 0 and n == 0)
        at_tail = hi <= len(self.old) or (o + length == len(self.old) and n + length == len(self.new))
        return n + (start - o) if inside and at_head and at_tail else None

    def _hint(self, start: int) -> int:
        """Where the old offset probably stands in the new text: shifted as the nearest equal block before it."""
        block = self._block_of(start)
        if block is None:
            return min(start, len(self.new))
        o, n, length = block
        return min(n + min(start - o, length), len(self.new))

    def _exact(self, sel: TextQuote, hint: int, leans: bool) -> Reanchored | None:
        hits = self._occurrences(sel.exact)
        if len(sel.exact) < CONTEXT:
            # A short quote ('its', 'It') stands in many places: outside the stretch the diff says its old place
            # was rewritten into, it is the same words only when its context on one side is still whole.
            lo, hi = self._rewritten(sel.start)
            hits = [at for at in hits if lo - 2 * CONTEXT <= at <= hi + 2 * CONTEXT or self._one_side_kept(sel, at)]
        if not hits:
            return None
        if len(hits) == 1:
            return self._checked(sel, hits[0], "quote found once", leans)
        scores = [(self._context_score(sel, at), at) for at in hits]
        best = max(s for s, _ in scores)
        top = [at for s, at in scores if s == best]
        if len(top) == 1:
            return self._checked(sel, top[0], f"quote found {len(hits)} times, told apart by its context", leans)
        at = min(top, key=lambda a: abs(a - hint))
        why = f"quote found {len(hits)} times and its context does not tell where: check the place"
        return self._result("changed", sel, at, why, words=(sel.exact, sel.exact))

    def _occurrences(self, quote: str) -> list[int]:
        hits, at, new = [], self.new.find(quote), self.new
        while at != -1:
            end = at + len(quote)
            if not _cuts_word(new, at, end):
                hits.append(at)
            at = new.find(quote, at + 1)
        return hits

    def _rewritten(self, start: int) -> tuple[int, int]:
        """The stretch of the new text between the equal blocks around an old offset: what its place became."""
        i = bisect.bisect_right(self._block_starts, start) - 1
        lo = self.blocks[i][1] + self.blocks[i][2] if i >= 0 else 0
        hi = self.blocks[i + 1][1] if i + 1 < len(self.blocks) else len(self.new)
        return lo, max(lo, hi)

    def _one_side_kept(self, sel: TextQuote, at: int) -> bool:
        end = at + len(sel.exact)
        return self.new[max(0, at - len(sel.prefix)) : at] == sel.prefix or self.new[end : end + len(sel.suffix)] == (
            sel.suffix
        )

    def _context_score(self, sel: TextQuote, at: int) -> int:
        before = self.new[max(0, at - CONTEXT) : at]
        after = self.new[at + len(sel.exact) : at + len(sel.exact) + CONTEXT]
        return _common_suffix(sel.prefix, before, CONTEXT) + _common_prefix(sel.suffix, after)

    def _checked(self, sel: TextQuote, at: int, why: str, leans: bool, *, hedges: bool = True) -> Reanchored:
        """Moved, unless a hedge next to the quote changed, or a word of its sentence (or the one it leans on)."""
        changed = (self._hedge_change(sel, at, at + len(sel.exact)) if hedges else None) or self._sentence_change(
            sel, at, leans
        )
        if changed is None:
            return self._result("moved", sel, at, why)
        return self._result("changed", sel, at, changed[2], words=changed[:2])

    def _sentence_change(self, sel: TextQuote, at: int, leans: bool) -> tuple[str, str, str] | None:
        """``(old words, new words, why)`` when a word of the quote's sentence around it changed, else None.

        The quote's words are the same on both sides (the caller found them): what a reader also needs is the
        rest of its sentence ("taken orally, but never intramuscularly" keeps the quote "intramuscularly"), and,
        when the quote leans on the sentence before (a pronoun, a reading of one), that sentence. Words are compared,
        not white space: a re-wrapped line or a normalised space changes no meaning.
        """
        end = at + len(sel.exact)
        old = self._old_sentences.around(sel.start, sel.end, leans=leans)
        new = self._new_sentences.around(at, end, leans=leans)
        if old == new:
            return None
        pairs = []
        for where, a, b in zip(("before", "after"), old, new, strict=True):
            if a != b and WORDS.findall(a) != WORDS.findall(b):
                pairs.append((where, *differing(a, b)))
        if not pairs:
            return None
        removed = " … ".join(o for _, o, _ in pairs if o)
        added = " … ".join(n for _, _, n in pairs if n)
        told = negations(removed, added)
        why = "; ".join(f"{w} the quote, in its sentence{' or the one before' if leans and w == 'before' else ''}"
                        f": {said(o)} → {said(n)}" for w, o, n in pairs)  # fmt: skip
        return removed, added, f"{told}the words around the quote changed ({why})"

    def _hedge_change(self, sel: TextQuote, start: int, end: int) -> tuple[str, str, str] | None:
        """``(old words, new words, why)`` when an edit in or next to the quote touches a hedge word, else None.

        Next to the quote is its sentence, up to `CONTEXT` characters each side. The text around the quote is
        compared word by word (within `_REACH` characters), so a hedge that only came nearer (the words
        between deleted) or went further is no change, and one added, removed or replaced is.
        """
        if self._hedge is None:
            return None
        old, new, reach = self.old, self.new, _REACH
        parts = (
            ("before", old[max(0, sel.start - reach) : sel.start], new[max(0, start - reach) : start], _zone_before),
            ("inside", sel.exact, new[start:end], _whole),
            ("after", old[sel.end : sel.end + reach], new[end : end + reach], _zone_after),
        )
        findings = []
        for where, a, b, zone in parts:
            olds, news = self._touched(a, b, zone(a), zone(b), backwards=where == "before")
            if olds or news:
                findings.append((where, olds, news))
        if not findings:
            return None
        why = "; ".join(f"{w} the quote {', '.join(o) or 'none'} → {', '.join(n) or 'none'}" for w, o, n in findings)
        removed = " … ".join(", ".join(o) for _, o, _ in findings if o)
        added = " … ".join(", ".join(n) for _, _, n in findings if n)
        return removed, added, f"hedge or qualifier changed {why}"

    def _touched(
        self, old: str, new: str, old_zone: tuple[int, int], new_zone: tuple[int, int], *, backwards: bool = False
    ) -> tuple[list[str], list[str]]:
        """The hedges that an edit reaching into the zone removes (old) or adds (new), word by word.

        ``backwards``: the texts end at the quote, so they are compared from their ends, where a word that
        occurs twice is matched with its occurrence nearer the quote.
        """
        assert self._hedge is not None
        old_hedges = [(m.start(), m.end(), _norm(m.group())) for m in self._hedge.finditer(old)]
        new_hedges = [(m.start(), m.end(), _norm(m.group())) for m in self._hedge.finditer(new)]
        near = [h for h in old_hedges if _meets(h[:2], old_zone)] + [h for h in new_hedges if _meets(h[:2], new_zone)]
        if not near or old == new:
            return [], []  # no hedge next to the quote on either side: none can have been touched
        # Words and marks only: runs of white space would match anything and pull the alignment astray.
        a_at, b_at = _word_spans(old, backwards), _word_spans(new, backwards)
        a, b = [w for w, _, _ in a_at], [w for w, _, _ in b_at]
        if backwards:
            old_hedges = [(len(old) - e, len(old) - s, w) for s, e, w in old_hedges]
            new_hedges = [(len(new) - e, len(new) - s, w) for s, e, w in new_hedges]
            old_zone = (len(old) - old_zone[1], len(old) - old_zone[0])
            new_zone = (len(new) - new_zone[1], len(new) - new_zone[0])
        # The tokens both sides begin and end with are equal: only the middle goes through the (slow) matcher.
        head = 0
        while head < min(len(a), len(b)) and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < min(len(a), len(b)) - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
            tail += 1
        middle = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
        olds: list[str] = []
        news: list[str] = []
        for tag, i1, i2, j1, j2 in middle.get_opcodes():
            o, n = _run(a_at, i1 + head, i2 + head, len(old)), _run(b_at, j1 + head, j2 + head, len(new))
            if tag == "equal" or not (_meets(o, old_zone) or _meets(n, new_zone)):
                continue
            # A hedge counts when the edit touches it and it stands next to the quote, on its side of the edit.
            olds += [w for s, e, w in old_hedges if _meets(o, (s, e), strict=True) and _meets((s, e), old_zone)]
            news += [w for s, e, w in new_hedges if _meets(n, (s, e), strict=True) and _meets((s, e), new_zone)]
        # A word diff may take a hedge out and put the same one back beside it: still there, no change.
        removed, added = Counter(olds) - Counter(news), Counter(news) - Counter(olds)
        return [w for w in olds if removed[w]], [w for w in news if added[w]]

    def _approximate(self, sel: TextQuote, hint: int) -> Reanchored:
        """The best approximate match near the old place, or else in the rewritten parts of the new text.

        Candidates come from edlib's infix alignment twice over: of the characters (a typo in a short quote),
        and of the words (a word inserted into a short quote, which costs many characters). A candidate is
        accepted within a quarter of the quote's characters or of its words; the best keeps the most of the
        quote's words, then its first and last words, then needs the fewest edits, then lies nearest the old
        place.
        """
        import edlib

        length, words = len(sel.exact), WORDS.findall(sel.exact)
        allowed, word_allowed = int(length * self.max_error), int(len(words) * self.max_error)
        lo, hi = max(0, hint - length - 2 * CONTEXT), min(len(self.new), hint + 2 * length + 2 * CONTEXT)
        windows = [(lo, hi), *((a, b) for a, b in self._changed_regions if b > a)]
        best: tuple[int, ...] | None = None  # see _score
        for a, b in windows:
            found = edlib.align(sel.exact, self.new[a:b], mode="HW", task="locations", k=allowed)
            spans = [_whole_words(self.new, a + (s or 0), a + e + 1) for s, e in found["locations"] or ()]
            spans += self._word_matches(words, a, b, word_allowed)
            for s, e in self._widened(words, spans):
                key = self._score(sel.exact, words, s, e, hint)
                if key[3] <= allowed or key[2] <= word_allowed:
                    best = key if best is None or key < best else best
            if best is not None and best[3] == 0:
                break
        if best is None:
            why = f"no match within {allowed} edits of the {length}-character quote, or {word_allowed} of its words"
            return Reanchored("lost", sel.start, sel.end, sel.exact, None, None, None, sel.exact, "", why)
        _, _, word_edits, distance, _, start, end = best
        new_quote = self.new[start:end]
        hedges = self._hedge_change(sel, start, end)
        why = f"the quote's words changed ({word_edits} words, {distance} characters)" + (
            f"; {hedges[2]}" if hedges else ""
        )
        return self._result("changed", sel, start, why, words=differing(sel.exact, new_quote), end=end)

    def _word_matches(self, words: list[str], a: int, b: int, allowed: int) -> list[tuple[int, int]]:
        """Infix alignments of the quote's words in new[a:b], as character ranges.

        Each of the quote's words is a symbol and every other word one more, so the alphabet stays within
        edlib's 256 symbols however large the text.
        """
        import edlib

        symbols = {w: i for i, w in enumerate(dict.fromkeys(words))}
        if not words or len(symbols) > 250:
            return []
        other = len(symbols)
        tokens = self._tokens.get((a, b))
        if tokens is None:  # the rewritten regions are searched for every span that needs them: split them once
            tokens = self._tokens[(a, b)] = [(m.start(), m.end(), m.group()) for m in WORDS.finditer(self.new, a, b)]
        if not tokens:
            return []
        found = edlib.align([symbols[w] for w in words], [symbols.get(t[2], other) for t in tokens], mode="HW",
                            task="locations", k=allowed)  # fmt: skip
        return [(tokens[s or 0][0], tokens[e][1]) for s, e in found["locations"] or ()]

    def _widened(self, words: list[str], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Each candidate, and the same widened back to the quote's first word and on to its last, when near."""
        found = list(spans)
        for s, e in spans:
            reach = max(CONTEXT, e - s)
            first = self.new.rfind(words[0], max(0, s - reach), s) if words else -1
            last = self.new.find(words[-1], e, e + reach) if words else -1
            a = first if first != -1 and not _cuts_word(self.new, first, first + len(words[0])) else s
            b = last + len(words[-1]) if last != -1 and not _cuts_word(self.new, last, last + len(words[-1])) else e
            found += [(a, e), (s, b), (a, b)]
        return found

    def _score(self, quote: str, words: list[str], start: int, end: int, hint: int) -> tuple[int, ...]:
        """How good a candidate is, smaller first.

        Quote words it misses, ends that differ, word edits, character edits, distance from the old place.
        """
        import edlib

        new = self.new[start:end]
        found = WORDS.findall(new)
        matcher = difflib.SequenceMatcher(None, words, found, autojunk=False)
        kept = sum(block.size for block in matcher.get_matching_blocks())
        ends = int(found[:1] != words[:1]) + int(found[-1:] != words[-1:])
        edits = int(edlib.align(quote, new, mode="NW", task="distance")["editDistance"])
        word_edits = max(len(words), len(found)) - kept
        return len(words) - kept, ends, word_edits, edits, abs(start - hint), start, end

    def _result(
        self,
        kind: Kind,
        sel: TextQuote,
        at: int,
        why: str,
        *,
        words: tuple[str, str] = ("", ""),
        end: int | None = None,
    ) -> Reanchored:
        stop = at + len(sel.exact) if end is None else end
        new_quote = self.new[at:stop]
        return Reanchored(kind, sel.start, sel.end, sel.exact, at, stop, new_quote, words[0], words[1], why)


class Sentences:
    """Where the sentences of a text begin and end, found once: the text a reader needs around a quote.

    A sentence ends at a full stop (or ! ?) followed by white space or the end of the text, or at a line end.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [m.end() for m in _BOUNDARY.finditer(text)]
        found = [(m.start(), m.end()) for m in _STOP.finditer(text)]
        self._stop_at, self._stop_end = [a for a, _ in found], [b for _, b in found]

    def around(self, start: int, end: int, *, leans: bool = False) -> tuple[str, str]:
        """The text of the span's sentence before it and after it, at most `SENTENCE_REACH` characters each side.

        With ``leans``, the text before reaches back over the sentence before as well.
        """
        text = self.text
        lo = self._start(start)
        if leans:
            back = lo
            while back > 0 and text[back - 1].isspace():
                back -= 1
            lo = self._start(back - 1) if back > 0 else 0
        i = bisect.bisect_left(self._stop_at, max(start, end - 1))
        stop = self._stop_end[i] if i < len(self._stop_at) else len(text)
        hi = min(max(end, stop), end + SENTENCE_REACH)
        return text[lo:start], text[end:hi]

    def _start(self, at: int) -> int:
        i = bisect.bisect_right(self._starts, at) - 1
        return max(self._starts[i] if i >= 0 else 0, at - SENTENCE_REACH, 0)


def negations(removed: str, added: str) -> str:
    """The words ``a negation changed (…):`` when one of the changed words is a negation, else nothing."""
    words = {w.casefold() for w in re.findall(r"\w+(?:'t)?|n't", f"{removed} {added}")}
    hits = sorted(words & BROAD_NEGATIONS | {w for w in words if w.endswith("n't")})
    return f"a negation changed ({', '.join(hits)}): " if hits else ""


def said(words: str) -> str:
    """Words as a verdict's why names them: quoted, cut after 120 characters; or "nothing"."""
    return (f"'{words[:120]}…'" if len(words) > 120 else f"'{words}'") if words else "nothing"


def _word_spans(text: str, backwards: bool) -> list[tuple[str, int, int]]:
    """The words and marks of a text with their ranges; ``backwards``: last first, ranges counted from the end."""
    found = [(m.group(), m.start(), m.end()) for m in WORDS.finditer(text)]
    return [(w, len(text) - e, len(text) - s) for w, s, e in reversed(found)] if backwards else found


def _run(spans: list[tuple[str, int, int]], i: int, j: int, size: int) -> tuple[int, int]:
    """The character range of words i..j (an empty run sits where word i begins, or at the end)."""
    if i < j:
        return spans[i][1], spans[j - 1][2]
    at = spans[i][1] if i < len(spans) else size
    return at, at


def _norm(words: str) -> str:
    return " ".join(words.casefold().split())


def _meets(run: tuple[int, int], zone: tuple[int, int], *, strict: bool = False) -> bool:
    """Whether the run [lo, hi) overlaps the zone; an empty run (where text went or came) meets a zone it falls in.

    ``strict``: an empty run must fall strictly inside the zone (inside a hedge, not at its edge).
    """
    (lo, hi), (zlo, zhi) = run, zone
    if lo == hi:
        return zlo < lo < zhi if strict else zlo < zhi and zlo <= lo <= zhi
    return lo < zhi and zlo < hi


def _zone_before(text: str) -> tuple[int, int]:
    """The part of the text before a quote that is next to it: its sentence, at most CONTEXT characters."""
    lo = max(0, len(text) - CONTEXT)
    cut = [m.end() for m in _BOUNDARY.finditer(text, lo)]
    return (cut[-1] if cut else lo), len(text)


def _zone_after(text: str) -> tuple[int, int]:
    stop = _BOUNDARY.search(text, 0, CONTEXT)
    return 0, stop.start() if stop else min(len(text), CONTEXT)


def _whole(text: str) -> tuple[int, int]:
    return 0, len(text)


def _cuts_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or (
        end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    )


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The range widened to whole words, and narrowed to start and end on a character that is not white space."""
    while start > 0 and text[start - 1].isalnum() and start < len(text) and text[start].isalnum():
        start -= 1
    while end < len(text) and end > 0 and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def reanchor(old: str, new: str, spans: Sequence[tuple[int, int, str]], hedges: Iterable[str] = ()) -> list[Reanchored]:
    """The verdict for each span ``(start, end, quote)`` of ``old`` on ``new``, in order (see `Reanchorer`)."""
    anchorer = Reanchorer(old, new, hedges)
    return [anchorer.place(start, end, quote) for start, end, quote in spans]
