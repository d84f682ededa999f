"""A caveat's kind held to its words (KD681), as the decision table holds a claim's status to its cue.

A consumer selects caveats by kind (the FHIR caveat-kind code, the CSV ``kind``): filed under another kind, the
article's one unhedged instruction ("should only be used under the guidance of a trained medical professional")
was no supervision requirement any more, and "more research is needed" became one (attack7 A7-05). Each cue
below marks one kind; a caveat whose stating quote holds a cue is of that cue's kind (of one of them, where it
holds cues of two kinds).

Why a table in the code and not in data/: the threat is an editor with access to data/ only, who could re-file
a caveat and rewrite a cue table beside it in one change, as the sixth attack did with the reference table and
its pin. Like the verified codes (`_model/verified.py`) and the negation words (`_model/negations.py`), the
cues change as code, reviewed as code. They are the words of every shipped caveat, each of its own kind's
only: the shipped data holds no caveat with a cue of another kind than its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ketdata._model.problems import Problem, short
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.words import WholeWords

CUES: Mapping[str, str] = {
    "under the guidance of": "supervision-requirement",
    "under the supervision of": "supervision-requirement",
    "more research is needed": "uncertainty",
    "not fully understood": "uncertainty",
    "experimental": "limitation",
    "dangerous": "safety-warning",
    "side effects": "safety-warning",
}
"""Each cue (matched whole, ignoring case, in a caveat's stating quotes) and the kind of caveat it marks."""

_STATING = ("statement", "item")  # a context quote only says what the caveat is about (caveat-003's)


def caveat_kind_problems(index: RecordIndex) -> list[Problem]:
    """KD681 for every caveat (but a withdrawn one) filed under a kind none of its quote's cues marks."""
    found = WholeWords(CUES)  # once per run: its cache holds this run's quotes
    problems: list[Problem] = []
    for record in index.valid("caveat"):
        if record.value.get("status") != "withdrawn":
            problems += _mismatch(record, found)
    return problems


def _mismatch(record: RawRecord, found: WholeWords) -> Iterator[Problem]:
    quotes = [str(s.get("quote")) for s in record.value.get("evidence") or ()
              if isinstance(s, dict) and s.get("role") in _STATING]  # fmt: skip
    cues = sorted(found(quotes))
    kinds = {CUES[c] for c in cues}
    kind = record.value.get("kind")
    if kinds and kind not in kinds:
        said = ", ".join(f"{c!r} ({CUES[c]})" for c in cues)
        msg = (f"its quote says {said}, but it is filed as {short(kind)}: a caveat's kind is the one "
               "its words mark, whoever selects caveats by kind")  # fmt: skip
        yield record.problem("KD681", ("kind",), msg)
