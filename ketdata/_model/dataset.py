"""The immutable Dataset: every record of one version of the data, with typed look-ups and queries."""

from __future__ import annotations

from types import MappingProxyType

from ketdata._model.errors import UnknownRecordError
from ketdata._model.frozen import Frozen
from ketdata._model.records import (
    Category,
    Caveat,
    Claim,
    Concept,
    DatasetInfo,
    EvidenceSpan,
    EvidenceStatus,
    Predicate,
    Record,
    Rule,
    Source,
    SourceRange,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import ClassVar, TypeVar

if TYPE_CHECKING:
    T = TypeVar("T")
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


def _normal(record_id: str) -> str:
    import re

    # Zero padding is dropped by text, not by int(): an id may hold more digits than int() will read.
    return re.sub(r"\d+", lambda m: m.group().lstrip("0") or "0", record_id.lower().replace("_", "-"))


def near_misses(wanted: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """Up to three candidates close to ``wanted``: same id but for case, zero padding or '_', then look-alikes."""
    import difflib

    pool = list(candidates)
    same = [c for c in pool if _normal(c) == _normal(wanted)]
    alike = difflib.get_close_matches(wanted, [c for c in pool if c not in same], n=3, cutoff=0.6)
    return tuple((same + alike)[:3])


# The code systems' own names, as readers know them; `by_code` takes either these or the URIs.
SYSTEM_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {
        "SNOMED CT": "http://snomed.info/sct",
        "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
        "ATC": "http://www.whocc.no/atc",
        "UNII": "http://fdasis.nlm.nih.gov",
        "ICD-10": "http://hl7.org/fhir/sid/icd-10",
    }
)


def _text_argument(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__} {value!r:.60}")
    return value


def _group(pairs: Iterable[tuple[str, R]]) -> MappingProxyType[str, tuple[R, ...]]:
    groups: dict[str, list[R]] = {}
    for key, record in pairs:
        groups.setdefault(key, []).append(record)
    return MappingProxyType({k: tuple(v) for k, v in groups.items()})


def _quotes(record: Claim | Caveat) -> tuple[str, ...]:
    """The verbatim quotes a claim or caveat rests on (the one place that knows where they live)."""
    return tuple(span.quote for span in record.evidence)


def _active(records: Iterable[T], include_inactive: bool) -> tuple[T, ...]:
    return tuple(r for r in records if include_inactive or getattr(r, "status", "active") == "active")


class Dataset(Frozen):
    """The whole dataset: an immutable value with typed look-ups.

    Records are tuples sorted by id, except ``evidence_statuses``, in rank order (firmest first).
    Look-ups by id come in two flavours, as in pycountry: ``get(id)`` returns None when nothing
    matches, the typed ones (``claim(id)``, ``concept(id)``, …) raise `UnknownRecordError`, a
    `KeyError` that suggests near misses.

    The queries (``claims_in``, ``claims_with_status``, ``claims_about``, ``caveats_for``, ``search``) return active
    records only, as a reader expects; pass ``include_inactive=True`` to see deprecated and withdrawn
    ones too. The ``claims`` and ``caveats`` tuples always hold every record, whatever its status.

    A Dataset pickles (for multiprocessing) and deep-copies as the value it is.

    Attributes:
        info: The dataset's own metadata: name, version, release date, licence.
        sources: The source texts the records quote.
        categories: The topic taxonomy.
        evidence_statuses: How firmly the source presents a claim, firmest first.
        predicates: The relations a claim may state.
        concepts: What claims talk about, with their codes in external terminologies.
        claims: Every claim, whatever its status.
        caveats: Every caveat, whatever its status.
        rules: The content-governance rules declared in the data.
    """

    __slots__ = (
        "_caveats_by_claim",
        "_claims_by",
        "_narrower",
        "_records",
        "categories",
        "caveats",
        "claims",
        "concepts",
        "evidence_statuses",
        "info",
        "predicates",
        "rules",
        "sources",
    )
    _fields: ClassVar[tuple[str, ...]] = (
        "info",
        "sources",
        "categories",
        "evidence_statuses",
        "predicates",
        "concepts",
        "claims",
        "caveats",
        "rules",
    )
    # Read-only for type checkers as at run time; slots, which cost nothing to read, when running.
    if TYPE_CHECKING:

        @property
        def info(self) -> DatasetInfo: ...

        @property
        def sources(self) -> tuple[Source, ...]: ...

        @property
        def categories(self) -> tuple[Category, ...]: ...

        @property
        def evidence_statuses(self) -> tuple[EvidenceStatus, ...]: ...

        @property
        def predicates(self) -> tuple[Predicate, ...]: ...

        @property
        def concepts(self) -> tuple[Concept, ...]: ...

        @property
        def claims(self) -> tuple[Claim, ...]: ...

        @property
        def caveats(self) -> tuple[Caveat, ...]: ...

        @property
        def rules(self) -> tuple[Rule, ...]: ...

    _records: MappingProxyType[str, Record]
    _claims_by: MappingProxyType[str, MappingProxyType[str, tuple[Claim, ...]]]
    _caveats_by_claim: MappingProxyType[str, tuple[Caveat, ...]]
    _narrower: MappingProxyType[str, tuple[str, ...]]

    def __init__(
        self,
        *,
        info: DatasetInfo,
        sources: tuple[Source, ...],
        categories: tuple[Category, ...],
        evidence_statuses: tuple[EvidenceStatus, ...],
        predicates: tuple[Predicate, ...],
        concepts: tuple[Concept, ...],
        claims: tuple[Claim, ...],
        caveats: tuple[Caveat, ...],
        rules: tuple[Rule, ...] = (),
    ) -> None:
        put = object.__setattr__
        groups = (sources, categories, evidence_statuses, predicates, concepts, claims, caveats, rules)
        for name, group in zip(self._fields, (info, *groups), strict=True):
            put(self, name, group)
        records: dict[str, Record] = {}
        for group in groups:
            records.update((r.id, r) for r in group)
        about = [(c.subject, c) for c in claims]
        about += [(c.object.concept, c) for c in claims if c.object.concept and c.object.concept != c.subject]
        claims_by = {
            "category": _group((c.category, c) for c in claims),
            "evidence_status": _group((c.evidence_status, c) for c in claims),
            "concept": _group(about),
        }
        put(self, "_records", MappingProxyType(records))
        put(self, "_claims_by", MappingProxyType(claims_by))
        put(self, "_caveats_by_claim", _group((claim_id, v) for v in caveats for claim_id in v.applies_to))
        put(self, "_narrower", _group((b, c.id) for c in concepts for b in c.broader))

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.info.id} {self.info.version}: {len(self.claims)} claims, {len(self.caveats)} caveats, "
            f"{len(self.concepts)} concepts>"
        )

    @property
    def version(self) -> str:
        """The dataset's semantic version."""
        return self.info.version

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def __iter__(self) -> Iterator[str]:
        """Every record's id, as a mapping's keys are: ``len``, ``in`` and iteration agree; `get` gives the record."""
        return iter(self._records)

    def get(self, record_id: str) -> Record | None:
        """The record of any type with this id, or None."""
        return self._records.get(record_id)

    def _typed(self, kind: type[R], record_id: str) -> R:
        _text_argument(record_id, f"a {KIND_NAMES[kind]} id")
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

    def claims_in(
        self, category: str | Category, *, subcategories: bool = True, include_inactive: bool = False
    ) -> tuple[Claim, ...]:
        """Active claims in a category and (unless ``subcategories=False``) its descendants, by id order.

        Like `claims_about`, which includes narrower concepts, it includes narrower categories by default:
        ``claims_in("effects")`` finds the adverse effects too.
        """
        root = self.category(category if isinstance(category, str) else category.id)
        wanted = {root.id}
        if subcategories:
            wanted |= {c.id for c in self.categories if root.id in self._ancestors(c)}
        return _active((c for c in self.claims if c.category in wanted), include_inactive)

    def _ancestors(self, category: Category) -> set[str]:
        seen: set[str] = set()
        parent = category.parent
        while parent and parent not in seen:
            seen.add(parent)
            record = self._records.get(parent)
            parent = record.parent if isinstance(record, Category) else None
        return seen

    def claims_with_status(
        self, evidence_status: str | EvidenceStatus, *, include_inactive: bool = False
    ) -> tuple[Claim, ...]:
        """Active claims whose evidence status is the one given, by id order."""
        status = self.evidence_status(evidence_status if isinstance(evidence_status, str) else evidence_status.id)
        return _active(self._claims_by["evidence_status"].get(status.id, ()), include_inactive)

    def claims_about(
        self, concept: str | Concept, *, narrower: bool = True, include_inactive: bool = False
    ) -> tuple[Claim, ...]:
        """Active claims whose subject or object is the concept, by id order.

        Args:
            concept: The concept or its id.
            narrower: Also the claims about its narrower concepts (those whose ``broader`` chain leads to
                it): ``claims_about("depression")`` then finds the claims about treatment-resistant
                depression too.
            include_inactive: Also deprecated and withdrawn claims.
        """
        found = self.concept(concept if isinstance(concept, str) else concept.id)
        wanted = self.narrower_concepts(found.id) | {found.id} if narrower else {found.id}
        about = {c.id: c for cid in wanted for c in self._claims_by["concept"].get(cid, ())}
        return _active((about[k] for k in sorted(about)), include_inactive)

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

    def caveats_for(self, claim: str | Claim, *, include_inactive: bool = False) -> tuple[Caveat, ...]:
        """Active caveats that apply to the claim, by id order."""
        found = self.claim(claim if isinstance(claim, str) else claim.id)
        return _active(self._caveats_by_claim.get(found.id, ()), include_inactive)

    def search(self, text: str, *, include_inactive: bool = False) -> tuple[Claim | Caveat, ...]:
        """Active claims and caveats whose statement or quote contains ``text``, ignoring case; claims first.

        Args:
            text: The words to find, e.g. ``"dizziness"``.
            include_inactive: Also search deprecated and withdrawn records.
        """
        if not _text_argument(text, "the text to search for").strip():
            raise ValueError("search needs some words to find: empty text would match every record")
        wanted = text.casefold()
        records: tuple[Claim | Caveat, ...] = (*self.claims, *self.caveats)
        found = (
            r for r in records if wanted in r.statement.casefold() or any(wanted in q.casefold() for q in _quotes(r))
        )
        return _active(found, include_inactive)

    def by_code(self, system: str, code: str) -> tuple[Concept, ...]:
        """Concepts that carry this code of this terminology, by id order; empty when none does.

        Args:
            system: The terminology: its name (``"SNOMED CT"``, ``"RxNorm"``, ``"ATC"``, ``"UNII"``,
                ``"ICD-10"``) or its URI, e.g. ``"http://www.nlm.nih.gov/research/umls/rxnorm"``.
            code: The code in it, e.g. ``"6130"``.

        Raises:
            ValueError: The system is neither a known name nor the URI of a system the data uses.
        """
        uri = SYSTEM_NAMES.get(_text_argument(system, "the code system"), system)
        _text_argument(code, "the code")
        known = {k.system for c in self.concepts for k in c.codings} | set(SYSTEM_NAMES.values())
        if uri not in known:
            names = ", ".join(repr(n) for n in SYSTEM_NAMES)
            raise ValueError(f"unknown code system {system!r:.80}: give one of {names}, or a system's URI")
        return tuple(c for c in self.concepts if any(k.system == uri and k.code == code for k in c.codings))

    def sentence(self, ref: EvidenceSpan | SourceRange) -> str:
        """The sentence (or sentences) of the source around a span: its context in the article.

        Raises:
            ValueError: The span does not lie inside the source's text.
        """
        from ketdata._model.text import sentences

        source = self.source(ref.source)
        text = source.text
        if not 0 <= ref.start < ref.end <= len(text):
            raise ValueError(f"[{ref.start}, {ref.end}) is not a span of {source.id} (0 to {len(text)} code points)")
        spans = [(s.id, s.heading, s.start, s.end) for s in source.sections]
        around = [s for s in sentences(text, spans) if s.start < ref.end and ref.start < s.end]
        return text[around[0].start : around[-1].end] if around else text[ref.start : ref.end]
