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
from collections.abc import Mapping
from typing import Any

# Fields that are not what a reviewer confirms: the review itself, and the version number (its bump is
# bookkeeping; the change it records is in the other fields).
_NOT_CONTENT = frozenset({"review", "version"})


def content_digest(value: Mapping[str, Any]) -> str:
    """The sha256 (hex) of a record's content as read from its file: every field but ``review`` and ``version``."""
    content = {key: item for key, item in value.items() if key not in _NOT_CONTENT}
    plain = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def due_after(day: datetime.date) -> datetime.date:
    """One year after ``day`` (29 February gives 28 February): when a review falls due again."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
