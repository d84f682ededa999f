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
class EvidenceStatus:
    """How firmly the source presents a claim; ``rank`` 1 is the firmest."""

    id: str
    label: str
    definition: str
    rank: int
    graded: bool


@dataclass(frozen=True, slots=True)
class Predicate:
    """A relation a claim states; ``object_kind`` says whether its object is a concept or a literal."""

    id: str
    label: str
    definition: str
    object_kind: Literal["concept", "literal"]


@dataclass(frozen=True, slots=True)
class Coding:
    """A code in an external terminology, with the reference it was copied from."""

    system: str
    code: str
    display: str
    reference: str
    checked_against: str


@dataclass(frozen=True, slots=True)
class Concept:
    """A thing claims talk about."""

    id: str
    label: str
    kind: str
    definition: str | None = None
    synonyms: tuple[str, ...] = ()
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
class SourceRef:
    """Provenance: the verbatim quote and its code-point offsets [start, end) in a source section."""

    source: str
    section: str
    quote: str
    start: int
    end: int


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
    source: SourceRef
    review: Review = Review()
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
    kind: str
    applies_to: tuple[str, ...]
    source: SourceRef
    review: Review = Review()
    reason: str | None = None
    superseded_by: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A content-governance rule declared in the data (see the ``rule`` schema for each kind's fields)."""

    id: str
    kind: Literal["caveat-coverage", "caveat-targets", "strong-wording"]
    severity: Literal["error", "warning", "info"]
    description: str
    categories: tuple[str, ...] = ()
    caveat_kinds: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


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
        from ketdata._problems import short

        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"no {self.kind} with id {short(self.record_id)}{hint}"


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

    def claims_about(self, concept: str | Concept) -> tuple[Claim, ...]:
        """Claims whose subject or object is the concept, by id order."""
        found = self.concept(concept if isinstance(concept, str) else concept.id)
        return tuple(sorted(self._claims_by["concept"].get(found.id, ()), key=lambda c: c.id))

    def caveats_for(self, claim: str | Claim) -> tuple[Caveat, ...]:
        """Caveats that apply to the claim."""
        found = self.claim(claim if isinstance(claim, str) else claim.id)
        return self._caveats_by_claim.get(found.id, ())
