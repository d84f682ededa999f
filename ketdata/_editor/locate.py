"""Finding a quote in a source text: exactly, or else the nearest match and how it differs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ketdata._model.problems import short
from ketdata._model.records import Source


@dataclass(frozen=True, slots=True)
class Span:
    """Where a quote stands: the source, its section, the code-point range and the exact text there."""

    source: str
    section: str
    start: int
    end: int
    text: str

    def to_yaml(self) -> str:
        """An ``evidence:`` span of a claim or caveat, ready to paste (set its role if it is not a statement)."""
        from ketdata._io.yaml import dump  # YAML only when a span is shown as YAML

        block = {"evidence": [{"source": self.source, "section": self.section, "role": "statement",
                               "quote": self.text, "start": self.start, "end": self.end}]}  # fmt: skip
        return dump(block, 100)


@dataclass(frozen=True, slots=True)
class Located:
    """The outcome of a search: exact spans, or the nearest inexact one with a note on how it differs."""

    exact: tuple[Span, ...]
    nearest: Span | None = None
    difference: str = ""


def _section(source: Source, start: int, end: int) -> str:
    return next((s.id for s in source.sections if s.start <= start and end <= s.end), "")


def _span(source: Source, start: int, end: int, text: str) -> Span:
    return Span(source.id, _section(source, start, end), start, end, text[start:end])


def _loose(quote: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in quote.split()]
    return re.compile(r"\s+".join(words), re.IGNORECASE)


def _differences(wanted: str, found: str) -> str:
    if wanted.casefold() == found.casefold():
        return "differs only in letter case"
    if " ".join(wanted.split()).casefold() == " ".join(found.split()).casefold():
        return "differs in white space (and perhaps letter case)"
    a, b = wanted.split(), found.split()
    ops = difflib.SequenceMatcher(a=[w.casefold() for w in a], b=[w.casefold() for w in b], autojunk=False)
    edits = []
    for tag, a1, a2, b1, b2 in ops.get_opcodes():
        if tag != "equal":
            ours, theirs = " ".join(a[a1:a2]) or "(nothing)", " ".join(b[b1:b2]) or "(nothing)"
            edits.append(f"{short(ours)} where the source has {short(theirs)}")
    return "differs: " + "; ".join(edits[:5])


def _nearest(text: str, quote: str) -> tuple[int, int]:
    """The run of whole words most like the quote (as many words, give or take one), by similarity."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    size = len(quote.split())
    best, where = -1.0, (0, 0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote.casefold())
    for i in range(len(words)):
        for n in (size - 1, size, size + 1):
            if n < 1 or i + n > len(words):
                continue
            start, end = words[i][0], words[i + n - 1][1]
            matcher.set_seq1(text[start:end].casefold())
            if matcher.quick_ratio() > best and (ratio := matcher.ratio()) > best:
                best, where = ratio, (start, end)
    return where


def locate(source: Source, text: str, quote: str) -> Located:
    """Find ``quote`` in a source's ``text``.

    Returns:
        Every exact occurrence; when there is none, the nearest occurrence ignoring case and white
        space, or failing that the most similar stretch of text, with how it differs.
    """
    exact = tuple(_span(source, m.start(), m.start() + len(quote), text) for m in re.finditer(re.escape(quote), text))
    if exact or not quote.strip():
        return Located(exact)
    loose = _loose(quote).search(text)
    start, end = (loose.start(), loose.end()) if loose else _nearest(text, quote)
    return Located((), _span(source, start, end, text), _differences(quote, text[start:end]))
