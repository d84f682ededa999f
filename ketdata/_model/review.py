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
# What a claim's review row shows of each caveat linked to it, so a review covers it: which caveat, and its words.
_SHOWN = ("kind", "status", "statement")
_LINKS = "(caveats)"  # no field is named so: the links are the caveats' to say, not the claim's


def caveat_links(caveats: Iterable[Any]) -> dict[str, Links]:
    """For each claim id, the caveats naming it in ``applies_to`` (any status), as (id, digest of their words).

    A claim's review row shows the caveats linked to it; its review covers them (see `content_digest`).
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for caveat in caveats:
        applies_to = caveat.get("applies_to") if isinstance(caveat, Mapping) else None
        if not isinstance(applies_to, list):
            continue
        shown = {key: caveat.get(key) for key in _SHOWN}
        words = hashlib.sha256(json.dumps(shown, sort_keys=True, default=repr).encode("utf-8")).hexdigest()
        for claim_id in {c for c in applies_to if isinstance(c, str)}:
            found.setdefault(claim_id, []).append((str(caveat.get("id")), words))
    return {claim_id: sorted(links) for claim_id, links in found.items()}


def content_digest(value: Mapping[str, Any], caveats: Links = ()) -> str:
    """The sha256 (hex) of a record's content as read from its file: every field but its review and version.

    Nor a source update's mark (``source_update``): the decision on it is what the review itself records. A
    claim's content includes the caveats linked to it (``caveats``, from `caveat_links`), which its review row
    shows: a caveat detached, added or reworded afterwards voids the review like a change of its own words.
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
