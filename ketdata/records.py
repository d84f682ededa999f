"""The record types, as the JSON Schemas define them, and the plain (JSON-ready) form of any record.

Records are immutable values built with keyword arguments. They are not dataclasses: use `to_plain` for
a record's data as mappings and lists, and `from_plain` for the way back (``from_plain(Claim, to_plain(c))
== c``).
"""

from __future__ import annotations

from ketdata._model.convert import from_plain, to_plain
from ketdata._model.records import (
    Category,
    Caveat,
    Claim,
    ClaimObject,
    Coding,
    Concept,
    DatasetInfo,
    DecisionRow,
    EvidenceSpan,
    EvidenceStatus,
    Gloss,
    Maintainer,
    Predicate,
    Qualifier,
    Quantity,
    Record,
    Review,
    Rule,
    Scope,
    Section,
    Source,
    SourceRange,
    SourceRevision,
)

__all__ = [
    "Category",
    "Caveat",
    "Claim",
    "ClaimObject",
    "Coding",
    "Concept",
    "DatasetInfo",
    "DecisionRow",
    "EvidenceSpan",
    "EvidenceStatus",
    "Gloss",
    "Maintainer",
    "Predicate",
    "Qualifier",
    "Quantity",
    "Record",
    "Review",
    "Rule",
    "Scope",
    "Section",
    "Source",
    "SourceRange",
    "SourceRevision",
    "from_plain",
    "to_plain",
]
