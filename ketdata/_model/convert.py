"""Plain mappings (from YAML or JSON) to records and back, driven by what each generated class declares.

The field names, defaults and nested classes come from ``records.py``, which is generated from the
schemas; nothing here names a field, except the upgrades of snapshots released under older schemas.
"""

from __future__ import annotations

from ketdata._model.dataset import Dataset
from ketdata._model.frozen import Frozen, replace
from ketdata._model.records import (
    Category,
    Caveat,
    Claim,
    Concept,
    DatasetInfo,
    EvidenceStatus,
    Predicate,
    Rule,
    Source,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, TypeAlias, TypeVar

    Raw: TypeAlias = Mapping[str, Any]
    F = TypeVar("F", bound=Frozen)

# Record kinds in dependency order, with the Dataset attribute and the file-name stem that hold each.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("source", "sources", "sources"),
    ("category", "categories", "categories"),
    ("evidence_status", "evidence_statuses", "evidence-statuses"),
    ("predicate", "predicates", "predicates"),
    ("concept", "concepts", "concepts"),
    ("claim", "claims", "claims"),
    ("caveat", "caveats", "caveats"),
    ("rule", "rules", "rules"),
)

CLASSES: dict[str, type[Frozen]] = {
    "source": Source,
    "category": Category,
    "evidence_status": EvidenceStatus,
    "predicate": Predicate,
    "concept": Concept,
    "claim": Claim,
    "caveat": Caveat,
    "rule": Rule,
}


def from_plain(cls: type[F], raw: Raw) -> F:
    """A record of class ``cls`` from its mapping; absent optional fields take their defaults.

    Raises:
        KeyError, TypeError, ValueError, AttributeError: The mapping lacks a field or has one of the wrong shape.
    """
    nested = cls._nested
    values: dict[str, Any] = {}
    for name in cls._fields:
        if name not in raw:
            if name in cls._nullable:
                values[name] = None
            continue
        value = raw[name]
        if value is None:
            values[name] = cls._defaults.get(name)
        elif name in nested:
            inner, many = nested[name]
            values[name] = tuple(from_plain(inner, v) for v in value) if many else from_plain(inner, value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return cls(**values)


def _upgrade_span(span: Raw) -> Raw:
    return {**span, "role": span.get("role", "statement")}


def upgrade(kind: str, raw: Raw) -> Raw:
    """A mapping from a snapshot released under an older schema, in today's shape."""
    d = dict(raw)
    if kind in ("claim", "caveat"):
        if "evidence" not in d and isinstance(d.get("source"), dict):  # before schema 3.0.0: one quote
            d["evidence"] = [_upgrade_span(d.pop("source"))]
        d.setdefault("review", {"status": "unreviewed"})
    if kind == "caveat":
        d.setdefault("scope", {})  # before schema 3.0.0 a caveat named its claims only in applies_to
    if kind == "concept":
        d["definition"] = _upgrade_gloss(d.get("definition"))
        d["synonyms"] = [_upgrade_gloss(g) for g in d.get("synonyms") or ()]
        # Before schema 3.0.0 a coding stood for its concept (an exact match, as exported) with no confidence.
        d["codings"] = [{"relation": "skos:exactMatch", "confidence": "unknown", **c} for c in d.get("codings") or ()]
    if kind == "evidence_status":
        d.setdefault("decision", [])
    return d


def _upgrade_gloss(gloss: Any) -> Any:
    if isinstance(gloss, str):  # before schema 3.0.0 glosses were bare text, of unrecorded origin
        return {"text": gloss, "origin": "external", "reason": "recorded before origins were kept"}
    return gloss


def build(kind: str, raw: Raw) -> Any:
    """The record of this kind from its mapping (as YAML, JSON or an older snapshot holds it)."""
    return from_plain(CLASSES[kind], upgrade(kind, raw))


def dataset_info(raw: Raw) -> DatasetInfo:
    """The dataset record from its mapping."""
    return from_plain(DatasetInfo, raw)


def normalise(kind: str, raw: Raw) -> Any:
    """A claim's or caveat's mapping as the export writes it (defaults filled in), for comparing versions.

    Derived fields (a claim's caveats) are left out: they change with other records, not with this one.
    """
    return compared(build(kind, raw))


def compared(record: Any) -> Any:
    """A record's mapping without its derived fields (a claim's caveats), which change with other records."""
    return to_plain(replace(record, **{name: record._defaults.get(name) for name in record._derived}))


def assemble(info: Raw, built: Mapping[str, Sequence[Any]]) -> Dataset:
    """A Dataset from the dataset mapping and each kind's records, already built (sorted here by id)."""
    groups = {attr: tuple(sorted(built.get(kind, ()), key=lambda r: r.id)) for kind, attr, _ in KINDS}
    groups["evidence_statuses"] = tuple(sorted(groups["evidence_statuses"], key=lambda s: (s.rank, s.id)))
    groups["claims"] = with_caveats(groups["claims"], groups["caveats"])
    return Dataset(info=dataset_info(info), **groups)


def with_caveats(claims: Sequence[Claim], caveats: Sequence[Caveat]) -> tuple[Claim, ...]:
    """The claims, each carrying the ids of the active caveats whose ``applies_to`` lists it.

    The link is kept once, on the caveat, in the data; every reader of a claim (every export) gets it here.
    """
    applying: dict[str, list[str]] = {}
    for caveat in sorted(caveats, key=lambda v: v.id):
        if caveat.status == "active":
            for claim_id in dict.fromkeys(caveat.applies_to):
                applying.setdefault(claim_id, []).append(caveat.id)
    return tuple(
        replace(c, caveats=tuple(applying[c.id])) if applying.get(c.id, []) != list(c.caveats) else c for c in claims
    )


def build_dataset(info: Raw, records: Mapping[str, Sequence[Raw]], source_folder: str | None = None) -> Dataset:
    """A Dataset from the dataset mapping and each kind's record mappings.

    Args:
        info: The dataset record's mapping.
        records: Each kind's record mappings.
        source_folder: Where the sources' text files are (what `Source.text` reads).

    Raises:
        KeyError, TypeError, ValueError: A mapping lacks a field or has one of the wrong shape.
    """
    built = {kind: [build(kind, r) for r in rows] for kind, rows in records.items()}
    built["source"] = [replace(s, _folder=source_folder) for s in built.get("source", ())]
    return assemble(info, built)


def _plain(value: Any) -> Any:
    if isinstance(value, Frozen):
        # An optional field left unset (None, or an empty list) is omitted, as in the YAML; a required one
        # that is None stays null. Private fields are never part of a record's plain form.
        unset = {n for n, d in value._defaults.items() if d in (None, ())}
        return {
            name: _plain(getattr(value, name))
            for name in value._fields
            if not (name in unset and getattr(value, name) in (None, ()))
        }
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_plain(value: Any) -> Any:
    """A record, or any value made of records and tuples, as JSON-ready mappings and lists.

    The mapping of a record has the shape its schema describes: optional fields that are unset are
    left out, required ones that are unknown are null.
    """
    return _plain(value)
