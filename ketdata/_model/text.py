"""The article's text as the records see it: read and checked against its sha256, and split into sentences."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a section's body, as a code-point range [start, end) of the source."""

    section: str
    start: int
    end: int
    text: str


# A sentence runs from a non-space character to the first . ! or ? after it (with any closing quotes or
# brackets) that is followed by white space or the end of its paragraph, or else to that end.
_CLOSERS = "\"')]\u201d\u2019"
_END = re.compile(rf"[.!?][{re.escape(_CLOSERS)}]*(?=\s|$)")
_SOLID = re.compile(r"\S")
_PARAGRAPH = re.compile(r"[^\n]+")


def sentence_bounds(text: str, sections: Iterable[tuple[str, str, int, int]]) -> Iterator[tuple[str, int, int]]:
    """``(section id, start, end)`` of each sentence of each section's body, in text order."""
    size = len(text)
    for section_id, heading, low, high in sections:
        # Offsets come from the data: one past the text must bound a search, never overflow it.
        start, end = max(0, min(low, size)), max(0, min(high, size))
        body = start + len(heading) if text.startswith(heading, start) else start
        for para in _PARAGRAPH.finditer(text, body, end):
            pos, stop = para.start(), para.end()
            while (first := _SOLID.search(text, pos, stop)) is not None:
                begin = first.start()
                found = _END.search(text, begin + 1, stop)
                pos = found.end() if found else stop
                yield section_id, begin, pos


def sentences(text: str, sections: Iterable[tuple[str, str, int, int]]) -> list[Sentence]:
    """Split each section's body (after its heading) into sentences, paragraph by paragraph.

    Args:
        text: The source text.
        sections: ``(id, heading, start, end)`` for each section.
    """
    return [Sentence(section_id, s, e, text[s:e]) for section_id, s, e in sentence_bounds(text, sections)]


def _read_source(path: str, sha256: str) -> str:
    import hashlib

    from ketdata._model.problems import DataError, problem

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise DataError([problem("KD301", path, 0, 0, None, f"cannot read the source text: {exc.strerror}")]) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DataError([problem("KD302", path, 0, 0, None, "the source text is not the one recorded (sha256)")])
    return data.decode("utf-8")


_TEXTS: dict[tuple[str, str], str] = {}


def source_text(folder: str | None, file: str, sha256: str) -> str:
    """A source's text, from ``folder``, checked against its sha256, cached.

    Raises:
        DataError: The file cannot be read or is not the one recorded, or the source was built without a folder.
    """
    if folder is None:
        from ketdata._model.problems import DataError, problem

        raise DataError([problem("KD301", file, 0, 0, None, "the source was built without the folder of its text")])
    path = os.path.join(folder, file)
    key = (path, sha256)
    if key not in _TEXTS:
        _TEXTS[key] = _read_source(path, sha256)
    return _TEXTS[key]
