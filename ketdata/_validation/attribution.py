"""Prose that names who reviewed, approved or wrote something, held to the fields that record it (KD712).

Nobody is recorded as a reviewer unless that person did the review, and the article's author is unknown. A
review is recorded in a record's review block (status reviewed, ``reviewed_by``), an author in a source's
``author``; the editors' prose (the dataset's description, notes, reasons, readings, glosses) is shown first
to a reader, so a sentence such as "Every record has been reviewed and approved by Dr. Jane Smith, MD" is
refused unless those fields say the same (a review of status reviewed by that person). "has not been reviewed
by a clinician" names nobody and denies a review: it passes. Words the article itself holds are its own.

Naming nobody does not make a review claim true: while any active claim or caveat is not reviewed, no prose
says that something was reviewed, approved, vetted or verified, by anyone ("has been reviewed by a
clinician", "clinician-reviewed", "clinically reviewed", A6-11), unless its clause denies it. A dataset
portal shows the name and description first; one word deleted from the disclaimer must not turn it into a
clinical sign-off. (A record with its own review may say so of itself once that review is confirmed.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ketdata._model.negations import BROAD_NEGATIONS
from ketdata._model.problems import Problem, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex

_REVIEW = ("reviewed", "approved", "verified", "validated", "checked", "vetted", "endorsed", "signed off",
           "certified", "audited", "confirmed", "fact-checked", "peer-reviewed", "reviewer", "approver")  # fmt: skip
_AUTHOR = ("authored", "written", "wrote", "edited", "published", "compiled", "prepared", "curated", "author",
           "editor", "publisher")  # fmt: skip
_TITLES = ("Dr", "Prof", "Professor", "Mr", "Mrs", "Ms", "Mx", "Sir", "Dame")
_TITLE = rf"(?:(?:{'|'.join(_TITLES)})\.?\s+)"
# A named agent, matched case-sensitively: a title, or a capitalised word (after "the" for an organisation), and
# the names after it. "by a clinician" names nobody.
_NAME = r"[A-Z](?:\.|[\w'-]*)"  # a name, or an initial
_NAMED = rf"(?P<who>(?:the\s+)?(?-i:(?:{_TITLE}|){_NAME}(?:\s+(?:{_NAME}|of|for|and|de|van))*))"
_VERB = "|".join(re.escape(v) for v in sorted((*_REVIEW, *_AUTHOR), key=len, reverse=True))
_CLAIM = re.compile(
    rf"\b(?P<verb>{_VERB})\b(?:\s+and\s+\w+)?(?:\s+(?:by|from)\s+|\s*:\s*|\s+(?:is|was)\s+){_NAMED}",
    re.IGNORECASE,
)
# A clause with a negation (the one list, ``_model/negations.py``) or these words denies what it names.
_DENYING = sorted(BROAD_NEGATIONS | {"nobody", "unreviewed", "unverified", "unknown"})
_DENIAL = re.compile(r"\b(?:" + "|".join(map(re.escape, _DENYING)) + r")\b", re.IGNORECASE)
# Every claim has one of these before its name: a cheap first search.
_CUE = re.compile(r"(?:[Bb]y|[Ff]rom|:|[Ii]s|[Ww]as)\s+(?:[Tt]he\s+)?[A-Z]")
_CLAUSE = re.compile(r"[.;!?]\s|\bbut\b")
NOT_PROSE = frozenset({"review", "source_update", "evidence"})
"""The fields that hold no editors' prose: recorded by `ketdata review`, or the article's own words."""
# A review, by anyone: the participles that say a person vouched for the content. ("checked" and "confirmed"
# are left out: a code's checked_against says what it was compared with, a fact the review does not vouch for.)
_VOUCHED = ("reviewed", "approved", "vetted", "verified", "endorsed", "certified", "fact-checked", "signed off")
_REVIEW_SAID = re.compile(r"\b(?:" + "|".join(map(re.escape, _VOUCHED)) + r")\b", re.IGNORECASE)
# "and" (or a comma) before a new verb starts a new predicate: "is not medical advice and has been reviewed"
# does not deny the review; "has not been reviewed or approved" denies both.
_NEW_PREDICATE = re.compile(r"(?:,|\band\b|\bor\b)\s+(?=(?:has|have|had|is|are|was|were|it|they)\b)", re.IGNORECASE)
_Claimed = tuple[tuple[str | int, ...], str, tuple[tuple[str, str, str], ...], tuple[str, ...]]


def attribution_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD712 for each prose text naming a reviewer, approver or author the data's fields do not record."""
    article = [t.text for t in texts.values()]
    authors = " ".join(str(r.value.get("author") or "") for r in index.valid("source"))
    reviewed = [*index.active("claim"), *index.active("caveat")]
    pending = sum(not _confirmed(r.value.get("review")) for r in reviewed)
    for record in index.records:
        if not index.is_valid(record) or record.value.get("status", "active") != "active":
            continue
        for path, text, claims, said in _claimed(record.value, (), []):
            if any(text in t for t in article):
                continue
            if said and not claims:
                yield from _unbacked_review(record, path, said[0], pending)
            for verb, who, words in claims:
                if verb in _AUTHOR:
                    backed, role, recorded = _names(who, authors), "author", "no source's author"
                else:
                    backed, role, recorded = (
                        _reviewed_by(record, reviewed, who),
                        "reviewer",
                        "no review of status reviewed",
                    )
                if not backed:
                    msg = f"{short(words)} names {short(who)} as {role}, which {recorded} records"
                    yield record.problem("KD712", path, msg)


def _unbacked_review(record: RawRecord, path: tuple[str | int, ...], said: str, pending: int) -> Iterator[Problem]:
    """KD712 for a review claimed naming nobody: backed by the record's own confirmed review, or by no pending one."""
    own = record.value.get("review")
    if _confirmed(own) if isinstance(own, dict) else not pending:
        return
    whose = "its own review is not confirmed" if isinstance(own, dict) else (
        f"{pending} active claim(s) and caveat(s) are not reviewed")  # fmt: skip
    msg = f"{short(said)} says it was reviewed or approved, while {whose}: say so only once they are (`ketdata review`)"
    yield record.problem("KD712", path, msg)


def _claimed(value: Any, path: tuple[str | int, ...], found: list[_Claimed]) -> list[_Claimed]:
    """Each prose text of the value that names an agent, with its path and what it claims (found, filled).

    Nearly every text claims nothing: its path is made only for one that does (a record has dozens of texts).
    """
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in NOT_PROSE:
            continue
        if isinstance(item, str):
            said = _said(item)
            if said is not _NOTHING:
                claims, reviews = said
                if claims or key != "checked_against":
                    found.append(((*path, key), item, claims, reviews if key != "checked_against" else ()))
        elif isinstance(item, (dict, list)):
            _claimed(item, (*path, key), found)
    return found


_NOTHING: tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]] = ((), ())


# Every claim and every review names one of these verbs (whole, ignoring case): a text of ASCII (where ignoring case
# is lower-casing) without the first word of any is ruled out by one cut into words, at a third of the searches' cost.
_VERB_WORDS = frozenset(re.findall(r"[a-z]+", v)[0] for v in (*_REVIEW, *_AUTHOR))
_LETTERS = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=1 << 16)
def _said(text: str) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """What the text claims (`_claims`) and the reviews it says were done (`_reviews`); `_NOTHING` for most texts.

    Cached by text: the editors' prose repeats across records.
    """
    if text.isascii() and _VERB_WORDS.isdisjoint(_LETTERS.findall(text.lower())):
        return _NOTHING
    found = _claims(text), _reviews(text)
    return found if found != _NOTHING else _NOTHING


def _claims(text: str) -> tuple[tuple[str, str, str], ...]:
    """Each (verb, named agent, the words) the text asserts: not in a clause that denies it.

    Most texts are ruled out by a cheap search first: one search of the full pattern at every position costs
    tens of microseconds.
    """
    if _CUE.search(text) is None:
        return ()
    return tuple(_asserted(text))


def _asserted(text: str) -> Iterator[tuple[str, str, str]]:
    for m in _CLAIM.finditer(text):
        who = m.group("who").rstrip(".")
        clause = _CLAUSE.split(text[: m.start()])[-1] + m.group(0)
        if _DENIAL.search(clause):
            continue
        yield m.group("verb").lower(), who, m.group(0)


def _reviews(text: str) -> tuple[str, ...]:
    """The words of each review, approval or verification the text asserts, by anyone, in a clause not denying it.

    Nearly every text names none of the words: a substring test rules it out first, at a fifth of a search's cost.
    """
    lowered = text.lower()
    if not any(word in lowered for word in _VOUCHED):
        return ()
    found = []
    for m in _REVIEW_SAID.finditer(text):
        clause = _NEW_PREDICATE.split(_CLAUSE.split(text[: m.start()])[-1])[-1]
        if not _DENIAL.search(clause):
            found.append(text[max(0, m.start() - 40) : m.end()].lstrip(" .;:!?,"))
    return tuple(found)


def _confirmed(review: Any) -> bool:
    return isinstance(review, dict) and review.get("status") == "reviewed"


def _surname(who: str) -> str:
    words = [w for w in re.findall(r"[\w'-]+", who) if w[:1].isupper() and w not in _TITLES]
    return words[-1].casefold() if words else who.casefold()


def _names(who: str, recorded: str) -> bool:
    return _surname(who) in {w.casefold() for w in re.findall(r"[\w'-]+", recorded)}


def _reviewed_by(record: RawRecord, records: list[RawRecord], who: str) -> bool:
    """A record's own review (status reviewed) by them, or, for a record with no review, every claim's and caveat's."""
    reviewable = [record] if isinstance(record.value.get("review"), dict) else records
    return bool(reviewable) and all(_reviewed_by_them(r.value.get("review"), who) for r in reviewable)


def _reviewed_by_them(review: Any, who: str) -> bool:
    return _confirmed(review) and _names(who, str(review.get("reviewed_by")))
