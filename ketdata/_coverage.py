"""Sentences of a source text and how much of each the records' quotes cover."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A sentence ends at . ! or ? (with any closing quotes or brackets) followed by white space or the end.
_CLOSERS = "\"')]\u201d\u2019"
_SENTENCE = re.compile(rf"\S.*?(?:[.!?][{re.escape(_CLOSERS)}]*(?=\s|$)|$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a section's body, as a code-point range [start, end) of the source."""

    section: str
    start: int
    end: int
    text: str


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


def sentences(text: str, sections: Iterable[tuple[str, str, int, int]]) -> list[Sentence]:
    """Split each section's body (after its heading) into sentences, paragraph by paragraph.

    Args:
        text: The source text.
        sections: ``(id, heading, start, end)`` for each section.
    """
    found: list[Sentence] = []
    for section_id, heading, start, end in sections:
        body_start = start + len(heading) if text.startswith(heading, start) else start
        for para in re.finditer(r"[^\n]+", text[body_start:end]):
            if not para.group().strip():
                continue
            offset = body_start + para.start()
            for m in _SENTENCE.finditer(para.group()):
                s, e = offset + m.start(), offset + m.end()
                found.append(Sentence(section_id, s, e, text[s:e]))
    return found


def coverage(
    text: str, sections: Iterable[tuple[str, str, int, int]], spans: Sequence[tuple[str, int, int]]
) -> list[SentenceCoverage]:
    """How the spans ``(record_id, start, end)`` cover each sentence of the text."""
    result = []
    for sentence in sentences(text, sections):
        ids = []
        marked = bytearray(sentence.end - sentence.start)
        for record_id, start, end in spans:
            lo, hi = max(start, sentence.start), min(end, sentence.end)
            if lo < hi:
                ids.append(record_id)
                marked[lo - sentence.start : hi - sentence.start] = b"\x01" * (hi - lo)
        counted = [i for i, ch in enumerate(sentence.text) if not ch.isspace()]
        covered = sum(1 for i in counted if marked[i])
        result.append(SentenceCoverage(sentence, tuple(sorted(set(ids))), covered, len(counted)))
    return result
