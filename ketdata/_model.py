"""The record types and the immutable Dataset that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

# typing and collections.abc cost more to import than loading the whole dataset: type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Literal, TypeAlias, TypeVar

    Status: TypeAlias = Literal["active", "deprecated", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Maintainer:
    """Who maintains the dataset."""

    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """Metadata of the dataset as a whole."""

    id: str
    name: str
    version: str
    release_date: str | None
    license: str
    description: str
    maintainers: tuple[Maintainer, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A headed section of a source, as a code-point range [start, end)."""

    id: str
    heading: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Source:
    """A source text the records quote. Unknown bibliographic fields are None, never guessed."""

    id: str
    title: str
    file: str
    sha256: str
    media_type: str
    language: str
    author: str | None
    url: str | None
    published: str | None
    license: str | None
    sections: tuple[Section, ...]
    note: str | None = None

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True, slots=True)
class Category:
    """A node of the topic taxonomy."""

    id: str
    label: str
    definition: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """A row of the evidence statuses' decision table: a kind of wording, the cue that marks it, and why."""

    wording: str
    why: str
    cue: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceStatus:
    """How firmly the source presents a claim; ``rank`` 1 is the firmest.

    ``decision`` holds the rows of the written decision table that give this status.
    """

    id: str
    label: str
    definition: str
    rank: int
    graded: bool
    decision: tuple[DecisionRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Predicate:
    """A relation a claim states; ``object_kind`` says whether its object is a concept or a literal."""

    id: str
    label: str
    definition: str
    object_kind: Literal["concept", "literal"]


@dataclass(frozen=True, slots=True)
class Coding:
    """A code in an external terminology, with its mapping relation and the reference it was copied from.

    ``relation`` is a SKOS mapping relation from the concept to the code (``skos:exactMatch``,
    ``skos:closeMatch``, ``skos:narrowMatch``, ``skos:broadMatch``, ``skos:relatedMatch``); only exact and
    close matches may stand for the concept itself (`stands_for_concept`).
    """

    system: str
    code: str
    display: str
    relation: str
    confidence: str
    reference: str
    checked_against: str

    @property
    def stands_for_concept(self) -> bool:
        """True when the code may stand for the concept itself: an exact or a close match."""
        return self.relation in ("skos:exactMatch", "skos:closeMatch")


@dataclass(frozen=True, slots=True)
class EvidenceSpan:
    """One verbatim span of a source, as a W3C Web Annotation text quote and position selector.

    ``start`` and ``end`` are code-point offsets [start, end) into the source text; ``role`` says whether
    the span states the record on its own (``statement``), names its subject, relation and hedge for a
    list item (``context``), or is that list item at its exact position (``item``).
    """

    source: str
    section: str
    role: Literal["statement", "context", "item"]
    quote: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Gloss:
    """Text about a concept, marked with its origin: the article (with its span) or external (with a reason)."""

    text: str
    origin: Literal["article", "external"]
    evidence: EvidenceSpan | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Concept:
    """A thing claims talk about; ``broader`` lists broader concepts (SKOS broader)."""

    id: str
    label: str
    kind: str
    definition: Gloss | None = None
    synonyms: tuple[Gloss, ...] = ()
    broader: tuple[str, ...] = ()
    codings: tuple[Coding, ...] = ()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A literal read as a quantity: a value or a range, in a UCUM unit."""

    unit: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class ClaimObject:
    """What a claim relates its subject to: a concept id, or a literal value."""

    concept: str | None = None
    value: str | None = None
    quantity: Quantity | None = None


@dataclass(frozen=True, slots=True)
class Qualifier:
    """A qualifier the article applies (emphasis, non-exhaustive list, persistence, association, time frame).

    ``text`` is in the article's words; ``governs`` the words it governs, where that is only part of the evidence.
    """

    kind: Literal["emphasis", "non-exhaustive", "persistence", "association", "time-frame"]
    text: str
    governs: str | None = None


@dataclass(frozen=True, slots=True)
class SourceRange:
    """A range [start, end) of a source's code points."""

    source: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Scope:
    """The part of the source a caveat governs: whole sections, ranges, and claims named one by one."""

    sections: tuple[str, ...] = ()
    spans: tuple[SourceRange, ...] = ()
    claims: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Review:
    """The review trail of a claim or caveat: ``unreviewed`` until a real maintainer checks it."""

    status: Literal["unreviewed", "reviewed"] = "unreviewed"
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    review_due: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One fact the source states, no stronger than the source states it."""

    id: str
    version: int
    status: Status
    statement: str
    subject: str
    predicate: str
    object: ClaimObject
    category: str
    evidence_status: str
    hedge: str | None
    evidence: tuple[EvidenceSpan, ...]
    review: Review = Review()
    hedge_governs: str | None = None
    qualifiers: tuple[Qualifier, ...] = ()
    reason: str | None = None
    superseded_by: str | None = None
    conflicts_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Caveat:
    """A limitation, warning, uncertainty or supervision requirement that qualifies claims."""

    id: str
    version: int
    status: Status
    statement: str
    hedge: str | None
    kind: str
    scope: Scope
    applies_to: tuple[str, ...]
    evidence: tuple[EvidenceSpan, ...]
    review: Review = Review()
    qualifiers: tuple[Qualifier, ...] = ()
    reason: str | None = None
    superseded_by: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A content-governance rule declared in the data (see the ``rule`` schema for each kind's fields)."""

    id: str
    kind: Literal[
        "caveat-coverage",
        "caveat-targets",
        "strong-wording",
        "caveat-scope",
        "qualifier-words",
        "decision-table",
        "status-in-scope",
    ]
    severity: Literal["error", "warning", "info"]
    description: str
    categories: tuple[str, ...] = ()
    caveat_kinds: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    predicates: tuple[str, ...] = ()


if TYPE_CHECKING:
    Record: TypeAlias = Source | Category | EvidenceStatus | Predicate | Concept | Claim | Caveat | Rule
    R = TypeVar("R", Source, Category, EvidenceStatus, Predicate, Concept, Claim, Caveat, Rule)

KIND_NAMES: MappingProxyType[type, str] = MappingProxyType(
    {
        Source: "source",
        Category: "category",
        EvidenceStatus: "evidence status",
        Predicate: "predicate",
        Concept: "concept",
        Claim: "claim",
        Caveat: "caveat",
        Rule: "rule",
    }
)


class UnknownRecordError(KeyError):
    """No record of the asked type has this id; ``suggestions`` lists near misses."""

    def __init__(self, kind: str, record_id: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(record_id)
        self.kind = kind
        self.record_id = record_id
        self.suggestions = suggestions

    def __str__(self) -> str:
        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"no {self.kind} with id {self.record_id!r}{hint}"


def _normal(record_id: str) -> str:
    import re

    return re.sub(r"\d+", lambda m: str(int(m.group())), record_id.lower().replace("_", "-"))


def near_misses(wanted: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """Up to three candidates close to ``wanted``: same id but for case, zero padding or '_', then look-alikes."""
    import difflib

    pool = list(candidates)
    same = [c for c in pool if _normal(c) == _normal(wanted)]
    alike = difflib.get_close_matches(wanted, [c for c in pool if c not in same], n=3, cutoff=0.6)
    return tuple((same + alike)[:3])


def _by_id(records: Iterable[R]) -> MappingProxyType[str, R]:
    return MappingProxyType({r.id: r for r in records})


def _group(pairs: Iterable[tuple[str, R]]) -> MappingProxyType[str, tuple[R, ...]]:
    groups: dict[str, list[R]] = {}
    for key, record in pairs:
        groups.setdefault(key, []).append(record)
    return MappingProxyType({k: tuple(v) for k, v in groups.items()})


@dataclass(frozen=True)
class Dataset:
    """The whole dataset: an immutable value with typed look-ups.

    Records are tuples sorted by id. Look-ups by id come in two flavours, as in
    pycountry: ``get(id)`` returns None when nothing matches, the typed ones
    (``claim(id)``, ``concept(id)``, …) raise `UnknownRecordError`, a `KeyError`
    that suggests near misses.
    """

    info: DatasetInfo
    sources: tuple[Source, ...]
    categories: tuple[Category, ...]
    evidence_statuses: tuple[EvidenceStatus, ...]
    predicates: tuple[Predicate, ...]
    concepts: tuple[Concept, ...]
    claims: tuple[Claim, ...]
    caveats: tuple[Caveat, ...]
    rules: tuple[Rule, ...] = ()
    _records: MappingProxyType[str, Record] = field(init=False, repr=False, compare=False)
    _claims_by: MappingProxyType[str, MappingProxyType[str, tuple[Claim, ...]]] = field(
        init=False, repr=False, compare=False
    )
    _caveats_by_claim: MappingProxyType[str, tuple[Caveat, ...]] = field(init=False, repr=False, compare=False)
    _narrower: MappingProxyType[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        records: dict[str, Record] = {}
        for group in (
            self.sources,
            self.categories,
            self.evidence_statuses,
            self.predicates,
            self.concepts,
            self.claims,
            self.caveats,
            self.rules,
        ):
            records.update((r.id, r) for r in group)
        about = [(c.subject, c) for c in self.claims]
        about += [(c.object.concept, c) for c in self.claims if c.object.concept and c.object.concept != c.subject]
        claims_by = {
            "category": _group((c.category, c) for c in self.claims),
            "evidence_status": _group((c.evidence_status, c) for c in self.claims),
            "concept": _group(about),
        }
        object.__setattr__(self, "_records", MappingProxyType(records))
        object.__setattr__(self, "_claims_by", MappingProxyType(claims_by))
        object.__setattr__(
            self, "_caveats_by_claim", _group((claim_id, v) for v in self.caveats for claim_id in v.applies_to)
        )
        object.__setattr__(self, "_narrower", _group((b, c.id) for c in self.concepts for b in c.broader))

    @property
    def version(self) -> str:
        """The dataset's semantic version."""
        return self.info.version

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def get(self, record_id: str) -> Record | None:
        """The record of any type with this id, or None."""
        return self._records.get(record_id)

    def _typed(self, kind: type[R], record_id: str) -> R:
        record = self._records.get(record_id)
        if isinstance(record, kind):
            return record
        raise self._unknown(kind, record_id)

    def _unknown(self, kind: type, record_id: str) -> UnknownRecordError:
        candidates = [r.id for r in self._records.values() if isinstance(r, kind)]
        return UnknownRecordError(KIND_NAMES[kind], record_id, near_misses(record_id, candidates))

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Claim, claim_id)

    def caveat(self, caveat_id: str) -> Caveat:
        """The caveat with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Caveat, caveat_id)

    def concept(self, concept_id: str) -> Concept:
        """The concept with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Concept, concept_id)

    def category(self, category_id: str) -> Category:
        """The category with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Category, category_id)

    def evidence_status(self, status_id: str) -> EvidenceStatus:
        """The evidence status with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(EvidenceStatus, status_id)

    def predicate(self, predicate_id: str) -> Predicate:
        """The predicate with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Predicate, predicate_id)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Rule, rule_id)

    def source(self, source_id: str) -> Source:
        """The source with this id; raises `UnknownRecordError` if there is none."""
        return self._typed(Source, source_id)

    def claims_in(self, category: str | Category, *, subcategories: bool = False) -> tuple[Claim, ...]:
        """Claims in a category, by id order; with ``subcategories``, also those of its descendants."""
        root = self.category(category if isinstance(category, str) else category.id)
        wanted = {root.id}
        if subcategories:
            wanted |= {c.id for c in self.categories if root.id in self._ancestors(c)}
        return tuple(c for c in self.claims if c.category in wanted)

    def _ancestors(self, category: Category) -> set[str]:
        seen: set[str] = set()
        parent = category.parent
        while parent and parent not in seen:
            seen.add(parent)
            record = self._records.get(parent)
            parent = record.parent if isinstance(record, Category) else None
        return seen

    def claims_with_status(self, evidence_status: str | EvidenceStatus) -> tuple[Claim, ...]:
        """Claims whose evidence status is the one given."""
        status = self.evidence_status(evidence_status if isinstance(evidence_status, str) else evidence_status.id)
        return self._claims_by["evidence_status"].get(status.id, ())

    def claims_about(self, concept: str | Concept, *, narrower: bool = True) -> tuple[Claim, ...]:
        """Claims whose subject or object is the concept, by id order.

        Args:
            concept: The concept or its id.
            narrower: Also the claims about its narrower concepts (those whose ``broader`` chain leads to
                it): ``claims_about("depression")`` then finds the claims about treatment-resistant
                depression too.
        """
        found = self.concept(concept if isinstance(concept, str) else concept.id)
        wanted = self.narrower_concepts(found.id) | {found.id} if narrower else {found.id}
        about = {c.id: c for cid in wanted for c in self._claims_by["concept"].get(cid, ())}
        return tuple(about[k] for k in sorted(about))

    def narrower_concepts(self, concept: str | Concept) -> set[str]:
        """Ids of every concept whose chain of ``broader`` links leads to this one (the concept excluded)."""
        root = self.concept(concept if isinstance(concept, str) else concept.id).id
        found: set[str] = set()
        frontier = [root]
        while frontier:
            node = frontier.pop()
            for child in self._narrower.get(node, ()):
                if child not in found and child != root:
                    found.add(child)
                    frontier.append(child)
        return found

    def caveats_for(self, claim: str | Claim) -> tuple[Caveat, ...]:
        """Caveats that apply to the claim."""
        found = self.claim(claim if isinstance(claim, str) else claim.id)
        return self._caveats_by_claim.get(found.id, ())
