"""Which kinds of concept a predicate joins: a claim's subject and object held to its predicate (KD673-KD675).

A predicate's definition says what it joins: a route predicate a therapy to a route, a drug class's member a
substance to a drug class. Its ``subject_kinds`` and ``object_kinds`` (``data/predicates.yaml``) say so to the
validator, so that a claim re-filed with a subject or object of another kind is refused whatever its words: a
procedure made a member of a drug class, a condition taken as a route, a side effect given to a whole drug class
(attack5 A5-6, A5-7, A5-16). The check reads each claim once, with a dictionary lookup for its predicate and one
for each concept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex

# A predicate's kinds for the subject and for the object; None where it states none (KD675 asks for them).
_Kinds = tuple[frozenset[str] | None, frozenset[str] | None]


def kind_problems(index: RecordIndex) -> list[Problem]:
    """KD673 and KD674 for every claim whose subject or object is of a kind its predicate does not take; KD675."""
    # Only records that passed their schema (a kind the schema refuses, KD107, is not reported again here); of
    # two holding one id (KD201), the first, as every other rule reads it.
    predicates = {str(p.id): _kinds(p.value) for p in reversed(index.valid("predicate")) if p.id is not None}
    concepts = {str(c.id): c.value.get("kind") for c in reversed(index.valid("concept")) if c.id is not None}
    found = list(_unstated(index))
    for claim in index.kind("claim"):
        name = claim.value.get("predicate")
        wanted = predicates.get(name) if isinstance(name, str) else None
        if wanted is not None:
            found += _claim_kinds(claim, wanted, concepts)
    return found


def _kinds(predicate: Mapping[str, Any]) -> _Kinds:
    subject, obj = predicate.get("subject_kinds"), predicate.get("object_kinds")
    return (
        frozenset(k for k in subject if isinstance(k, str)) if isinstance(subject, list) else None,
        frozenset(k for k in obj if isinstance(k, str)) if isinstance(obj, list) else None,
    )


def _claim_kinds(claim: RawRecord, wanted: _Kinds, concepts: Mapping[str, object]) -> Iterator[Problem]:
    """The claim's subject and object concept against its predicate's kinds (an unknown concept is KD202's)."""
    value, predicate = claim.value, claim.value["predicate"]
    obj = value.get("object")
    targets = (
        ("KD673", ("subject",), "subject", value.get("subject"), wanted[0]),
        ("KD674", ("object", "concept"), "object", obj.get("concept") if isinstance(obj, dict) else None, wanted[1]),
    )
    for code, path, role, target, allowed in targets:
        if allowed is None or not isinstance(target, str):
            continue
        kind = concepts.get(target)
        if isinstance(kind, str) and kind not in allowed:
            takes = " or ".join(repr(k) for k in sorted(allowed))
            msg = (f"{role} {short(target)} is a concept of kind {kind!r}, and predicate {short(predicate)} takes as "
                   f"its {role} only a concept of kind {takes}")  # fmt: skip
            yield claim.problem(code, path, msg)


def _unstated(index: RecordIndex) -> Iterator[Problem]:
    """KD675: a predicate that does not say which kinds of concept it joins lets any concept pass."""
    for predicate in index.valid("predicate"):
        value = predicate.value
        missing = [f for f in ("subject_kinds", "object_kinds") if not isinstance(value.get(f), list)]
        if value.get("object_kind") != "concept" and "object_kinds" in missing:
            missing.remove("object_kinds")  # a literal object is no concept: it has no kind
        if missing:
            names = " and ".join(missing)
            msg = (f"predicate {short(predicate.id)} states no {names}: a claim using it may have a concept of any "
                   "kind there")  # fmt: skip
            yield predicate.problem("KD675", ("object_kind",), msg)
