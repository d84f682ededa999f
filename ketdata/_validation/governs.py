"""A hedge's or qualifier's ``governs``: the phrase it governs in the quote, not any words of it (KD685).

``hedge_governs`` and a qualifier's ``governs`` are the machine-readable reach of a hedge: a consumer reads
from them which part of a fact is hedged. Any substring of the evidence passed (attack7 A7-06): claim-002's
"primarily" made to govern only "pain relief" left its object, anesthesia, unhedged; claim-019's
"particularly" made to govern "ketamine", a word before it.

The rule, read off every shipped record: in one quote, the phrase starts right after the hedge ("still not
fully understood", "can sometimes lead to …"), or after one verb and its preposition ("primarily used for
anesthesia and pain relief"), with no punctuation or coordinator between; and it ends where its clause does
(a punctuation mark: "lead to insights and breakthroughs in therapy,"; a coordinated verb phrase: "seated or
lying down and is closely monitored") or at the end of the quote. So it never
stops inside a coordinated phrase ("anesthesia" of "anesthesia and pain relief") or inside its verb's
phrase ("considered" of "considered an experimental treatment").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.words import whole_at

# What may stand between a hedge and its phrase: a verb and the preposition it takes ("used for").
_PREPOSITIONS = frozenset({"for", "to", "in", "on", "at", "from", "by", "with", "as", "of", "into", "about"})
_COORDINATORS = frozenset({"and", "or", "but"})
_CLAUSE_END = frozenset(",;:.!?)\"'\u201d\u2019")
# A coordinated verb phrase after it starts a clause of its own ("seated or lying down and is closely monitored":
# 'typically' governs "seated or lying down", the schema's own example).
_NEXT_VERB = re.compile(r"\s+(?:and|or|but)\s+(?:is|are|was|were|has|have|had|can|may|might|could|should|will"
                        r"|would|must|does|do)(?!\w)")  # fmt: skip


def governs_problems(index: RecordIndex) -> list[Problem]:
    """KD685 for every governed phrase of a claim or caveat (but a withdrawn one) that is not its hedge's phrase."""
    found: list[Problem] = []
    for record in index.valid("claim") + index.valid("caveat"):
        value = record.value
        if value.get("status") != "withdrawn" and (value.get("hedge_governs") or value.get("qualifiers")):
            found += _record(record)
    return found


def _record(record: RawRecord) -> Iterator[Problem]:
    value = record.value
    quotes = [str(s["quote"]).lower() for s in value.get("evidence") or () if isinstance(s, dict) and "quote" in s]
    pairs: list[tuple[tuple[str | int, ...], Any, Any]] = [(("hedge_governs",), value.get("hedge"),
                                                           value.get("hedge_governs"))]  # fmt: skip
    pairs += [(("qualifiers", i, "governs"), q.get("text"), q.get("governs"))
              for i, q in enumerate(value.get("qualifiers") or ()) if isinstance(q, dict)]  # fmt: skip
    for path, hedge, governs in pairs:
        if not isinstance(hedge, str) or not isinstance(governs, str) or not hedge.strip() or not governs.strip():
            continue
        hedge_low, governs_low = hedge.lower(), governs.lower()
        if not any(governs_low in q for q in quotes) or not any(hedge_low in q for q in quotes):
            continue  # not in the evidence at all: KD307 says so
        if not any(_fits(q, hedge_low, governs_low) for q in quotes):
            msg = (f"{path[-1]} {short(governs)} is not the phrase {hedge!r} governs in the quote: it starts right "
                   "after it (or after a verb and its preposition, 'used for') and runs to its clause's end or "
                   "the quote's, never stopping inside a coordinated phrase")  # fmt: skip
            yield record.problem("KD685", path, msg)


def _fits(quote: str, hedge: str, governs: str) -> bool:
    """Whether ``governs`` follows ``hedge`` in the quote (all lower case) as the phrase it governs."""
    ends = [at + len(hedge) for at in whole_at(quote, hedge)]
    for start in whole_at(quote, governs):
        end = start + len(governs)
        closed = end == len(quote) or quote[end] in _CLAUSE_END or _NEXT_VERB.match(quote, end) is not None
        if closed and any(at < start and _between(quote[at:start]) for at in ends):
            return True
    return False


def _between(gap: str) -> bool:
    """Whether the words between a hedge and its phrase leave it the hedge's: none, or a verb and its preposition."""
    parts = gap.split()
    if not gap[:1].isspace() or not gap[-1:].isspace() or not all(p.isalpha() for p in parts):
        return False
    return not parts or (len(parts) <= 2 and parts[-1] in _PREPOSITIONS and _COORDINATORS.isdisjoint(parts))
