"""Plain mappings (from YAML or JSON) to records and back: the one place that knows the field names."""

from __future__ import annotations

from ketdata._model.frozen import Frozen, defaults, fields
from ketdata._model.records import (
    Category,
    Caveat,
    Claim,
    ClaimObject,
    Coding,
    Concept,
    Dataset,
    DatasetInfo,
    DecisionRow,
    EvidenceSpan,
    EvidenceStatus,
    Gloss,
    Maintainer,
    Predicate,
    Qualifier,
    Quantity,
    Review,
    Rule,
    Scope,
    Section,
    Source,
    SourceRange,
    SourceRevision,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, TypeAlias

    Raw: TypeAlias = Mapping[str, Any]

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


def _span(d: Raw) -> EvidenceSpan:
    return EvidenceSpan(d["source"], d["section"], d["role"], d["quote"], d["start"], d["end"], d.get("revision"))


def _evidence(d: Raw) -> tuple[EvidenceSpan, ...]:
    if "evidence" in d:
        return tuple(_span(s) for s in d["evidence"])
    # Snapshots released before schema 3.0.0 hold one quote under 'source'.
    return (_span({**d["source"], "role": "statement"}),)


def _qualifiers(d: Raw) -> tuple[Qualifier, ...]:
    return tuple(Qualifier(q["kind"], q["text"], q.get("governs")) for q in d.get("qualifiers") or ())


def _gloss(d: Raw | str | None) -> Gloss | None:
    if d is None:
        return None
    if isinstance(d, str):  # before schema 3.0.0 glosses were bare text, of unrecorded origin
        return Gloss(d, "external", None, "recorded before origins were kept")
    span = d.get("evidence")
    return Gloss(d["text"], d["origin"], _span(span) if span else None, d.get("reason"))


def _quantity(d: Raw | None) -> Quantity | None:
    if d is None:
        return None
    return Quantity(d["unit"], d.get("value"), d.get("low"), d.get("high"), bool(d.get("approximate", False)))


def dataset_info(d: Raw) -> DatasetInfo:
    """The dataset record from its mapping."""
    maintainers = tuple(Maintainer(m["name"], m.get("url")) for m in d["maintainers"])
    return DatasetInfo(
        d["id"], d["name"], d["version"], d.get("release_date"), d["license"], d["description"], maintainers
    )


def _source(d: Raw) -> Source:
    sections = tuple(Section(s["id"], s["heading"], s["start"], s["end"]) for s in d["sections"])
    return Source(
        d["id"],
        d["title"],
        d["file"],
        d["sha256"],
        d["media_type"],
        d["language"],
        d.get("author"),
        d.get("url"),
        d.get("published"),
        d.get("license"),
        sections,
        d.get("note"),
        d.get("recorded"),
        tuple(SourceRevision(r["sha256"], r["file"], r.get("recorded")) for r in d.get("revisions") or ()),
    )


def _category(d: Raw) -> Category:
    return Category(d["id"], d["label"], d["definition"], d.get("parent"))


def _evidence_status(d: Raw) -> EvidenceStatus:
    rows = tuple(DecisionRow(r["wording"], r["why"], r.get("cue")) for r in d.get("decision") or ())
    return EvidenceStatus(d["id"], d["label"], d["definition"], d["rank"], d["graded"], rows)


def _predicate(d: Raw) -> Predicate:
    return Predicate(d["id"], d["label"], d["definition"], d["object_kind"])


def _concept(d: Raw) -> Concept:
    codings = tuple(
        Coding(
            c["system"],
            c["code"],
            c["display"],
            # Before schema 3.0.0 a coding stood for its concept (an exact match, as exported) with no confidence.
            c.get("relation", "skos:exactMatch"),
            c.get("confidence", "unknown"),
            c["reference"],
            c["checked_against"],
        )
        for c in d.get("codings") or ()
    )
    synonyms = tuple(g for g in map(_gloss, d.get("synonyms") or ()) if g is not None)
    return Concept(
        d["id"], d["label"], d["kind"], _gloss(d.get("definition")), synonyms, tuple(d.get("broader") or ()), codings
    )


def _review(d: Raw | None) -> Review:
    if d is None:
        return Review()
    return Review(
        d["status"],
        d.get("reviewed_by"),
        d.get("reviewer_role"),
        d.get("reviewed_on"),
        d.get("review_due"),
        tuple(d.get("flags") or ()),
        d.get("note"),
    )


def _claim(d: Raw) -> Claim:
    o = d["object"]
    obj = ClaimObject(o.get("concept"), o.get("value"), _quantity(o.get("quantity")))
    return Claim(
        d["id"],
        d["version"],
        d["status"],
        d["statement"],
        d["subject"],
        d["predicate"],
        obj,
        d["category"],
        d["evidence_status"],
        d.get("hedge"),
        _evidence(d),
        _review(d.get("review")),
        d.get("hedge_governs"),
        _qualifiers(d),
        d.get("reason"),
        d.get("superseded_by"),
        tuple(d.get("conflicts_with") or ()),
    )


def _scope(d: Raw | None) -> Scope:
    if d is None:
        return Scope()
    spans = tuple(SourceRange(r["source"], r["start"], r["end"]) for r in d.get("spans") or ())
    return Scope(tuple(d.get("sections") or ()), spans, tuple(d.get("claims") or ()))


def _caveat(d: Raw) -> Caveat:
    return Caveat(
        d["id"],
        d["version"],
        d["status"],
        d["statement"],
        d.get("hedge"),
        d["kind"],
        _scope(d.get("scope")),
        tuple(d["applies_to"]),
        _evidence(d),
        _review(d.get("review")),
        _qualifiers(d),
        d.get("reason"),
        d.get("superseded_by"),
    )


def _rule(d: Raw) -> Rule:
    fields = ("categories", "caveat_kinds", "words", "statuses", "caveats", "predicates")
    lists = {k: tuple(d.get(k) or ()) for k in fields}
    return Rule(d["id"], d["kind"], d["severity"], d["description"], **lists)


def normalise(kind: str, raw: Raw) -> Any:
    """A claim's or caveat's mapping as the export writes it (defaults filled in), for comparing versions."""
    return to_plain(_claim(raw) if kind == "claim" else _caveat(raw))


BUILDERS: dict[str, Callable[[Raw], Any]] = {
    "source": _source,
    "category": _category,
    "evidence_status": _evidence_status,
    "predicate": _predicate,
    "concept": _concept,
    "claim": _claim,
    "caveat": _caveat,
    "rule": _rule,
}


def assemble(info: Raw, built: Mapping[str, Sequence[Any]]) -> Dataset:
    """A Dataset from the dataset mapping and each kind's records, already built (sorted here by id)."""
    groups = {attr: tuple(sorted(built.get(kind, ()), key=lambda r: r.id)) for kind, attr, _ in KINDS}
    groups["evidence_statuses"] = tuple(sorted(groups["evidence_statuses"], key=lambda s: (s.rank, s.id)))
    return Dataset(dataset_info(info), **groups)


def build_dataset(info: Raw, records: Mapping[str, Sequence[Raw]]) -> Dataset:
    """A Dataset from the dataset mapping and each kind's record mappings.

    Raises:
        KeyError, TypeError, ValueError: A mapping lacks a field or has one of the wrong shape.
    """
    return assemble(info, {kind: [BUILDERS[kind](r) for r in rows] for kind, rows in records.items()})


def _plain(value: Any) -> Any:
    if isinstance(value, Frozen):
        # An optional field left unset (None, or an empty list) is omitted, as in the YAML; a required one
        # that is None stays null. Private fields are never part of a record's plain form.
        unset = {n for n, d in defaults(value).items() if d in (None, ())}
        return {
            name: _plain(getattr(value, name))
            for name in fields(value)
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
