"""How much of each sentence of a source text the records' quotes cover."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ketdata._model.text import Sentence, sentence_bounds, sentences

# The section id given to text that lies in no section (before the first, between two, after the last): its
# sentences are uncovered like any other, since no record can quote them from a section.
OUTSIDE = "(no section)"


@dataclass(frozen=True, slots=True)
class SentenceCoverage:
    """One sentence, the records whose quotes overlap it, and the share of its characters they cover."""

    sentence: Sentence
    record_ids: tuple[str, ...]
    covered_chars: int
    chars: int

    @property
    def covered(self) -> bool:
        """Whether any record quotes part of the sentence."""
        return bool(self.record_ids)


def regions(text: str, sections: Iterable[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """The sections in text order, with each stretch of the text that no section holds as an ``OUTSIDE`` row."""
    found: list[tuple[str, str, int, int]] = []
    reach = 0
    for row in sorted(sections, key=lambda r: r[2]):
        if row[2] > reach:
            found.append((OUTSIDE, "", reach, row[2]))
        found.append(row)
        reach = max(reach, row[3])
    if reach < len(text):
        found.append((OUTSIDE, "", reach, len(text)))
    return found


def outside(text: str, sections: Iterable[tuple[str, str, int, int]]) -> list[tuple[int, int]]:
    """The stretches ``(start, end)`` of the text that no section holds and that hold more than white space."""
    return [(a, b) for sid, _, a, b in regions(text, sections) if sid == OUTSIDE and text[a:b].strip()]


def uncovered(
    text: str, sections: Iterable[tuple[str, str, int, int]], spans: Iterable[tuple[int, int]]
) -> list[Sentence]:
    """The sentences (those outside every section included) that no span ``(start, end)`` overlaps.

    Validation needs only this, so it skips the per-sentence detail of `coverage`: with the spans in
    order of start, a sentence is covered when the furthest end among spans starting before its end
    lies past its start.
    """
    ordered = sorted(spans)
    missed, nxt, reach = [], 0, -1
    for section_id, s, e in sentence_bounds(text, regions(text, sections)):
        while nxt < len(ordered) and ordered[nxt][0] < e:
            reach = max(reach, ordered[nxt][1])
            nxt += 1
        if reach <= s:
            missed.append(Sentence(section_id, s, e, text[s:e]))
    return missed


def _solid(text: str) -> int:
    """How many characters of the text are not white space."""
    return len("".join(text.split()))


def coverage(
    text: str, sections: Iterable[tuple[str, str, int, int]], spans: Sequence[tuple[str, int, int]]
) -> list[SentenceCoverage]:
    """How the spans ``(record_id, start, end)`` cover each sentence of the text, outside sections too.

    One sweep over sentences and spans, both in text order: a span joins the open set when a sentence
    starts before it ends, and leaves it once sentences have moved past its end.
    """
    import heapq

    ordered = sorted(spans, key=lambda span: span[1])
    open_spans: list[tuple[int, int, str]] = []  # (end, start, record id), smallest end first
    result = []
    nxt = 0
    for sentence in sentences(text, regions(text, sections)):
        while nxt < len(ordered) and ordered[nxt][1] < sentence.end:
            record_id, start, end = ordered[nxt]
            heapq.heappush(open_spans, (end, start, record_id))
            nxt += 1
        while open_spans and open_spans[0][0] <= sentence.start:
            heapq.heappop(open_spans)
        hits = sorted((max(s, sentence.start), min(e, sentence.end)) for e, s, _ in open_spans if s < sentence.end)
        covered, reach = 0, sentence.start
        for lo, hi in hits:
            lo = max(lo, reach)
            if lo < hi:
                covered += _solid(text[lo:hi])
                reach = hi
        ids = tuple(sorted({rid for e, s, rid in open_spans if s < sentence.end}))
        result.append(SentenceCoverage(sentence, ids, covered, _solid(sentence.text)))
    return result
