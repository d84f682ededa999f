"""Source revisions in validation: a record a source update marked is never released until a person acts.

A claim, caveat or concept that ``ketdata source update`` marked (its ``source_update``) is refused while the
mark is pending or flagged (KD700); a span still held against an earlier revision, which the update lost, is
refused on an active record (KD701), and so is a lost scope range, reading or left-out words. Both rules read
one record alone, so they run and are cached with its schema check; the checks of a span against its
revision's text run with the other provenance rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._validation.folder import RawRecord

MARKED = ("claim", "caveat", "concept")
# The places a record holds without a quote and revision of their own, and what a person does when one is lost.
_AGAIN = {
    "scope": "set the caveat's scope again, then remove source_update",
    "readings": "re-read the words in the current text (or remove the reading), then remove source_update",
    "leaves_out": "name the words the current text has (or remove the entry), then remove source_update",
}
_UNQUOTED = tuple(f"{k}." for k in _AGAIN)
# A decided mark, and the review status that decides it.
_DECIDED = {"confirmed": "reviewed", "flagged": "flagged"}


def update_problems(record: RawRecord) -> list[Problem]:
    """KD700 for an active record whose changed evidence awaits review (or was flagged in it).

    KD703 for a mark confirmed or flagged without the review that decides it.

    And KD701 for a place the update lost that has no quote of its own to hold against the old text (a caveat's
    scope range, a reading, words left out): only the mark says so.
    """
    mark = record.value.get("source_update")
    if record.kind not in MARKED or not isinstance(mark, dict) or record.value.get("status", "active") != "active":
        return []
    spans = [s for s in mark.get("spans") or () if isinstance(s, dict)]
    lost = [s for s in spans if s.get("verdict") == "lost" and str(s.get("path", "")).startswith(_UNQUOTED)]
    found = [
        record.problem(
            "KD701",
            ("source_update", "spans"),
            f"{short(s.get('path'))} {short(s.get('old', {}).get('quote'))} was lost "
            f"when {short(mark.get('source'))} changed: {_AGAIN[str(s.get('path')).partition('.')[0]]}",
        )
        for s in lost
    ]
    changed = [s for s in spans if s.get("verdict") == "changed"]
    if mark.get("status") in _DECIDED:
        found += _undecided(record, mark)
    if mark.get("status") == "confirmed" or not changed:
        return found
    words = "; ".join(_words(s) for s in changed[:3])
    state = "was flagged in review" if mark.get("status") == "flagged" else "awaits a person's review"
    msg = f"a new revision of {short(mark.get('source'))} changed this record's evidence ({words}): it {state}"
    return [*found, record.problem("KD700", ("source_update", "status"), msg)]


def _undecided(record: RawRecord, mark: dict[str, Any]) -> list[Problem]:
    """KD703 for a mark set to confirmed or flagged without the review that made the decision.

    Only a review saved where the mark was shown decides it (``ketdata review``), and it writes beside the
    mark a review of the same verdict, with its reviewer, its date (not before the update) and the digest of
    the content it saw (KD641 holds that digest to the content). A mark's status typed by hand has none.
    """
    status, review = mark.get("status"), record.value.get("review")
    if record.kind == "concept":
        why = "a concept has no review to decide it: check its gloss against the new text, then remove source_update"
        return [record.problem("KD703", ("source_update", "status"), f"source_update is {status}, but {why}")]
    review = review if isinstance(review, dict) else {}
    recorded, on = str(mark.get("recorded", "")), review.get("reviewed_on")
    missing = [name for name in ("reviewed_by", "reviewed_on", "content_sha256") if not review.get(name)]
    if review.get("status") == _DECIDED[str(status)] and not missing and str(on) >= recorded:
        return []
    if review.get("status") != _DECIDED[str(status)]:
        why = f"its review is {short(review.get('status'))}, not {_DECIDED[str(status)]}"
    elif missing:
        why = f"its review has no {', '.join(missing)}"
    else:
        why = f"its review of {on} is older than the update of {recorded}"
    msg = (f"source_update is {status}, but {why}: only a person's review decides a source update; confirm or "
           "flag the record in `ketdata review`, or set source_update: status: pending")  # fmt: skip
    return [record.problem("KD703", ("source_update", "status"), msg)]


def _words(span: dict[str, Any]) -> str:
    """The old and new words of a changed span; its why when no word of its own changed (its sentence did)."""
    if span.get("old_words") or span.get("new_words"):
        return f"{short(span.get('old_words'))} → {short(span.get('new_words'))}"
    return short(span.get("why"))


def mark_problems(
    record: RawRecord, texts: Mapping[str, tuple[str, object]], revisions: Mapping[str, Mapping[str, str]]
) -> list[Problem]:
    """KD704 for a mark whose own fields the source does not bear out: nothing in it is trusted as written.

    ``texts``: each source's current text and sha256; ``revisions``: each source's earlier texts by sha256.
    The mark names a source there; an undecided mark was made for the current text (``to``); each span's new
    words are the current text's at its new offsets, and its old words the ``from`` revision's at the old ones
    (when that revision's text is kept).
    """
    mark = record.value.get("source_update")
    if record.kind not in MARKED or not isinstance(mark, dict):
        return []
    source = str(mark.get("source"))
    if source not in texts:
        return [record.problem("KD704", ("source_update", "source"), f"source_update names {short(source)}, "
                               "which is not a source of the data")]  # fmt: skip
    text, sha = texts[source]
    if mark.get("to") != sha:
        if mark.get("status") == "confirmed":
            return []  # a decided mark of an earlier update: history, its words checked when it was decided
        msg = (f"source_update was made for revision {str(mark.get('to'))[:12]}, but {short(source)} is now at "
               f"{str(sha)[:12]}: its words are not the article's; run `ketdata source update` from the text it "
               "names, or re-quote the record and remove source_update")  # fmt: skip
        return [record.problem("KD704", ("source_update", "to"), msg)]
    old_text = revisions.get(source, {}).get(str(mark.get("from")))
    found = []
    for i, entry in enumerate(mark.get("spans") or ()):
        for side, words in (("new", text), ("old", old_text)):
            place = entry.get(side) if isinstance(entry, dict) else None
            if not isinstance(place, dict) or words is None:
                continue
            start, end, quote = place.get("start"), place.get("end"), place.get("quote")
            if isinstance(start, int) and isinstance(end, int) and words[start:end] != quote:
                where = "current text" if side == "new" else f"revision {str(mark.get('from'))[:12]}"
                msg = (f"source_update {short(entry.get('path'))}: {side} quote {short(quote)} is not the {where} at "
                       f"[{start}, {end}) ({short(words[start:end])})")  # fmt: skip
                found.append(record.problem("KD704", ("source_update", "spans", i, side, "quote"), msg))
    return found


def lost_problem(record: RawRecord, path: tuple[str | int, ...], span: dict[str, Any]) -> Problem | None:
    """KD701 for a span of an active record still held against an earlier revision of its source."""
    if record.value.get("status", "active") != "active":
        return None
    msg = (f"quote {short(span.get('quote'))} was lost when {short(span.get('source'))} changed: it still points "
           f"at revision {str(span.get('revision'))[:12]}")  # fmt: skip
    return record.problem("KD701", (*path, "revision"), msg)
