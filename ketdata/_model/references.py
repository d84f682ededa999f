"""Where each kind of record refers to another by id: the one table the validator and ``load_json`` follow.

A key is the referring kind and the path of string keys to the field (a list field refers with each item);
the value is the kind referred to ("" for the referring record's own kind). The schemas say only that such a
field holds an id (a slug, a claim id); which records it may name is this table's.
"""

from __future__ import annotations

REFERENCE_KINDS: dict[tuple[str, ...], str] = {
    ("category", "parent"): "category", ("claim", "category"): "category", ("claim", "predicate"): "predicate",
    ("claim", "evidence_status"): "evidence_status", ("claim", "subject"): "concept",
    ("claim", "object", "concept"): "concept", ("claim", "conflicts_with"): "claim", ("caveat", "applies_to"): "claim",
    ("caveat", "scope", "claims"): "claim", ("rule", "categories"): "category", ("rule", "statuses"): "evidence_status",
    ("rule", "caveats"): "caveat", ("rule", "predicates"): "predicate", ("claim", "superseded_by"): "",
    ("caveat", "superseded_by"): "", ("evidence_status", "decision", "predicates"): "predicate",
    ("evidence_status", "decision", "categories"): "category",
}  # fmt: skip
