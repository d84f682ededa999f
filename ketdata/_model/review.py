"""What a review confirms: the record's content as the reviewer saw it, and when the review falls due.

A review block says who checked a record and when. So that it can never vouch for words its reviewer did
not see, it also holds ``content_sha256``: the sha256 of the record's content (every field but its review
and its version number) when the review was saved. Validation recomputes it; a record changed since its
review fails until it is reviewed again or marked unreviewed. A hand-written review can copy a digest like
anything else in a file: that is plain in the diff, and caught by reviewing it, not by ketdata.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Fields that are not what a reviewer confirms: the review itself, the version number (its bump is
# bookkeeping; the change it records is in the other fields), and a source update's mark (the decision the
# review itself records, never released; the words it changed are in the other fields).
_NOT_CONTENT = frozenset({"review", "version", "source_update"})


Links = Sequence[tuple[str, str]]
# What a claim's review row shows of the records it names or that name it, so a review covers them.
_SHOWN = {"caveat": ("kind", "status", "statement"), "concept": ("label", "codings"), "predicate": ("label",)}
_LINKS = "(caveats)"  # no field is named so: the links are the other records' to say, not the claim's


def review_links(records: Iterable[tuple[str, Any]]) -> dict[str, Links]:
    """For each claim id, what its review row shows beside its own fields, as (what, digest of its words).

    ``records`` are (kind, value) pairs of the data folder. A claim's row shows the caveats naming it in
    ``applies_to`` (any status), and its subject, predicate and object by their labels: so its review also covers
    each linked caveat's words, the label of its predicate, and the label and codings of its subject and object
    concepts. A concept relabelled or recoded after the review ("Confusion" become "Hallucinations (confusional)")
    voids it like a change of the claim's own words (see `content_digest`).
    """
    found: dict[str, list[tuple[str, str]]] = {}
    shown: dict[tuple[str, str], str] = {}
    claims: list[Mapping[str, Any]] = []
    for kind, value in records:
        if not isinstance(value, Mapping):
            continue
        if kind == "claim":
            claims.append(value)
        elif kind in _SHOWN:
            shown[kind, str(value.get("id"))] = _words({key: value.get(key) for key in _SHOWN[kind]})
        if kind == "caveat" and isinstance(value.get("applies_to"), list):
            for claim_id in {c for c in value["applies_to"] if isinstance(c, str)}:
                found.setdefault(claim_id, []).append((str(value.get("id")), shown["caveat", str(value.get("id"))]))
    for claim in claims:
        obj = claim.get("object")
        named = (("concept", claim.get("subject")), ("predicate", claim.get("predicate")),
                 ("concept", obj.get("concept") if isinstance(obj, Mapping) else None))  # fmt: skip
        rows = [(f"{kind}:{name}", shown[kind, str(name)]) for kind, name in named if (kind, str(name)) in shown]
        if rows:
            found.setdefault(str(claim.get("id")), []).extend(rows)
    return {claim_id: sorted(set(links)) for claim_id, links in found.items()}


def _words(shown: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=repr).encode("utf-8")).hexdigest()


def content_digest(value: Mapping[str, Any], caveats: Links = ()) -> str:
    """The sha256 (hex) of a record's content as read from its file: every field but its review and version.

    Nor a source update's mark (``source_update``): the decision on it is what the review itself records. A
    claim's content includes what its review row shows of other records (``caveats``, from `review_links`): a
    caveat detached, added or reworded, or its concepts relabelled or recoded, afterwards voids the review like a
    change of its own words.
    """
    content = {key: item for key, item in value.items() if key not in _NOT_CONTENT}
    if caveats:
        content[_LINKS] = [list(link) for link in caveats]
    plain = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def due_after(day: datetime.date) -> datetime.date:
    """One year after ``day`` (29 February gives 28 February): when a review falls due again."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
