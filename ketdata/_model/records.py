"""The record types and the immutable Dataset that holds them."""

from __future__ import annotations

from types import MappingProxyType

from ketdata._model.frozen import Frozen, private

# typing and collections.abc cost more to import than loading the whole dataset: type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Literal, TypeAlias, TypeVar

    Status: TypeAlias = Literal["active", "deprecated", "withdrawn"]


class Maintainer(Frozen):
    """Who maintains the dataset.

    Attributes:
        name: Name of the maintainer or team.
        url: Where to reach them, or None.
    """

    name: str
    url: str | None = None


class DatasetInfo(Frozen):
    """Metadata of the dataset as a whole.

    Attributes:
        id: Identifier of the dataset.
        name: Human-readable name of the dataset.
        version: Semantic version of the dataset (MAJOR.MINOR.PATCH); also the package version.
        release_date: Date of this release (YYYY-MM-DD), or None while unreleased.
        license: SPDX identifier of the licence of the dataset's own records and code (not of its sources).
        description: What the dataset contains and what it does not claim.
        maintainers: Who maintains the dataset.
    """

    id: str
    name: str
    version: str
    release_date: str | None
    license: str
    description: str
    maintainers: tuple[Maintainer, ...]


class Section(Frozen):
    """A headed section of a source, as a code-point range [start, end).

    Attributes:
        id: Identifier of the section, unique within the source.
        heading: The section's heading, verbatim; it stands at the section's start.
        start: Offset of the section's first character, in code points.
        end: Offset just past the section's last character, in code points (exclusive).
    """

    id: str
    heading: str
    start: int
    end: int


class SourceRevision(Frozen):
    """An earlier revision of a source's text, kept byte for byte beside the source record.

    Attributes:
        sha256: SHA-256 of the revision's bytes, lower-case hex.
        file: File name of the revision's text, beside the source records (``data/sources/``).
        recorded: When the revision was recorded in the dataset (YYYY-MM-DD), or None when unknown.
    """

    sha256: str
    file: str
    recorded: str | None = None


class Source(Frozen):
    """A source text the records quote. Unknown bibliographic fields are None, never guessed.

    Attributes:
        id: Identifier of the source.
        title: Title of the source, as it stands in the text.
        file: File name of the source text, beside the source records (``data/sources/``).
        sha256: SHA-256 of the source file's bytes, lower-case hex.
        media_type: Media type of the source file.
        language: BCP 47 language tag of the text.
        author: Author of the source, or None when unknown (never guessed).
        url: Where the source was published, or None when unknown (never guessed).
        published: Publication date (YYYY-MM-DD), or None when unknown (never guessed).
        license: Licence of the source, or None when unknown (never guessed).
        sections: The source's sections, in order; every quote lies inside the section it names.
        note: Anything a reader should know about the source's provenance, or None.
        recorded: When the current revision of the text was recorded (YYYY-MM-DD), or None when unknown.
        revisions: The earlier revisions of the text, oldest first; empty while it has had one revision.
    """

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
    recorded: str | None = None
    revisions: tuple[SourceRevision, ...] = ()
    # Where the text file lives (None: the shipped data); not part of the record, so never exported or compared.
    _folder: str | None = private(default=None, init=False)

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def text(self) -> str:
        """The full text, exactly as recorded: every offset in the dataset indexes into it.

        Read from the file beside the source records on first use (not at load), checked against
        ``sha256``, and cached.

        Raises:
            DataError: The file is missing, or its bytes are not the ones recorded.
        """
        from ketdata._read.paths import source_text

        return source_text(self._folder, self.file, self.sha256)


class Category(Frozen):
    """A node of the topic taxonomy.

    Attributes:
        id: Identifier of the category.
        label: Short human-readable name.
        definition: What belongs in this category.
        parent: Id of the broader category, or None.
    """

    id: str
    label: str
    definition: str
    parent: str | None = None


class DecisionRow(Frozen):
    """A row of the evidence statuses' decision table: a kind of wording, the cue that marks it, and why.

    Attributes:
        wording: A kind of wording the article uses.
        why: Why that wording gets the status.
        cue: The word that marks the wording, where a machine can tell, or None.
    """

    wording: str
    why: str
    cue: str | None = None


class EvidenceStatus(Frozen):
    """How firmly the source presents a claim; ``rank`` 1 is the firmest.

    Attributes:
        id: Identifier of the status.
        label: Short human-readable name.
        definition: When a claim takes this status.
        rank: Position in the order, 1 being the firmest; statuses outside the scale come last.
        graded: False for the status of descriptive statements, to which evidence does not apply.
        decision: The rows of the written decision table that give this status.
    """

    id: str
    label: str
    definition: str
    rank: int
    graded: bool
    decision: tuple[DecisionRow, ...] = ()


class Predicate(Frozen):
    """A relation a claim states; ``object_kind`` says whether its object is a concept or a literal.

    Attributes:
        id: Identifier of the predicate, in snake_case.
        label: Short human-readable phrase.
        definition: What the relation means.
        object_kind: What a claim's object must be: ``concept`` (a concept id) or ``literal`` (a value).
    """

    id: str
    label: str
    definition: str
    object_kind: Literal["concept", "literal"]


class Coding(Frozen):
    """A code in an external terminology, with its mapping relation and the reference it was copied from.

    Only exact and close matches may stand for the concept itself (`stands_for_concept`).

    Attributes:
        system: URI of the code system, as FHIR names it.
        code: The code, as a string.
        display: The code's display text in that system.
        relation: The SKOS mapping relation from the concept to the code (``skos:exactMatch``,
            ``skos:closeMatch``, ``skos:narrowMatch``, ``skos:broadMatch``, ``skos:relatedMatch``).
        confidence: How sure the mapping is.
        reference: The reference file the code was copied from.
        checked_against: Where that reference says the code was checked.
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


class EvidenceSpan(Frozen):
    """One verbatim span of a source, as a W3C Web Annotation text quote and position selector.

    Attributes:
        source: Id of the source record the span comes from.
        section: Id of the section of that source the span lies in.
        role: What the span does for the record: ``statement`` states it on its own; ``context`` names its
            subject, relation and hedge for a list item; ``item`` is that list item at its exact position.
        quote: The quoted text, exactly as it stands in the source between start and end.
        start: Offset of the quote's first character, in Unicode code points from the start of the source text.
        end: Offset just past the quote's last character, in code points (exclusive).
        revision: SHA-256 of the source revision the span was made against when that is not the current text
            (a span a source update could not place), else None.
    """

    source: str
    section: str
    role: Literal["statement", "context", "item"]
    quote: str
    start: int
    end: int
    revision: str | None = None


class Gloss(Frozen):
    """Text about a concept, marked with its origin: the article (with its span) or external (with a reason).

    Attributes:
        text: The text.
        origin: ``article`` when the article gives it, ``external`` when ketdata's editors added it.
        evidence: For origin ``article``: where the article gives it.
        reason: For origin ``external``: why it was added and on what basis.
    """

    text: str
    origin: Literal["article", "external"]
    evidence: EvidenceSpan | None = None
    reason: str | None = None


class Concept(Frozen):
    """A thing claims talk about.

    Attributes:
        id: Identifier of the concept.
        label: Preferred human-readable name.
        kind: What sort of thing the concept is.
        definition: What the concept means here, marked with its origin (the article, or external knowledge), or
            None.
        synonyms: Other names for the concept, each marked with its origin; a synonym never widens the term.
        broader: Ids of broader concepts (SKOS broader) where the article's words imply them.
        codings: Codes in external terminologies, each copied from a cited reference.
    """

    id: str
    label: str
    kind: str
    definition: Gloss | None = None
    synonyms: tuple[Gloss, ...] = ()
    broader: tuple[str, ...] = ()
    codings: tuple[Coding, ...] = ()


class Quantity(Frozen):
    """A literal read as a quantity: a value or a range, in a UCUM unit.

    Attributes:
        unit: The UCUM unit.
        value: The value, when the literal is a single value.
        low: The lower bound, when it is a range.
        high: The upper bound, when it is a range.
        approximate: True when the source gives the quantity as approximate ("about").
    """

    unit: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    approximate: bool = False


class ClaimObject(Frozen):
    """What a claim relates its subject to: a concept id, or a literal value.

    Attributes:
        concept: Id of the object concept, when the predicate takes a concept.
        value: The literal value, when the predicate takes a literal.
        quantity: The literal read as a quantity, when it is one.
    """

    concept: str | None = None
    value: str | None = None
    quantity: Quantity | None = None


class Qualifier(Frozen):
    """A qualifier the article applies (emphasis, non-exhaustive list, persistence, association, time frame).

    Attributes:
        kind: ``emphasis``, ``non-exhaustive``, ``persistence``, ``association`` or ``time-frame``.
        text: The qualifier, in the article's words.
        governs: The words it governs, where that is only part of the evidence, or None.
    """

    kind: Literal["emphasis", "non-exhaustive", "persistence", "association", "time-frame"]
    text: str
    governs: str | None = None


class SourceRange(Frozen):
    """A range [start, end) of a source's code points.

    Attributes:
        source: Id of the source.
        start: Offset of the range's first character, in code points.
        end: Offset just past its last character, in code points (exclusive).
    """

    source: str
    start: int
    end: int


class Scope(Frozen):
    """The part of the source a caveat governs: whole sections, ranges, and claims named one by one.

    Attributes:
        sections: Ids of whole sections the caveat governs.
        spans: Ranges of the source it governs.
        claims: Claims it governs, named one by one.
    """

    sections: tuple[str, ...] = ()
    spans: tuple[SourceRange, ...] = ()
    claims: tuple[str, ...] = ()


class Review(Frozen):
    """The review trail of a claim or caveat: ``unreviewed`` until a real person checks it.

    Attributes:
        status: ``unreviewed`` until someone has checked the record against its source; then ``reviewed``
            (faithful to the source) or ``flagged`` (a problem found, named in ``flags``).
        reviewed_by: Who reviewed the record (a real person or team), as they typed their name, once reviewed.
        reviewer_role: The reviewer's role, as they typed it, or None.
        reviewed_on: When the record was last reviewed (YYYY-MM-DD), once reviewed.
        review_due: When the record should be reviewed again, or None.
        flags: What the reviewer found wrong (``overstates-the-article``, ``wrong-category``, ...), when flagged.
        note: The reviewer's note, or None.
    """

    status: Literal["unreviewed", "reviewed", "flagged"] = "unreviewed"
    reviewed_by: str | None = None
    reviewer_role: str | None = None
    reviewed_on: str | None = None
    review_due: str | None = None
    flags: tuple[str, ...] = ()
    note: str | None = None


class Claim(Frozen):
    """One fact the source states, no stronger than the source states it.

    Attributes:
        id: Identifier of the claim (``claim-NNN``).
        version: 1 when created, raised by exactly one with every change to its content.
        status: ``active``, ``deprecated`` (kept, no longer to be used) or ``withdrawn`` (retracted).
        statement: The fact in one plain-English sentence, never stronger than the source.
        subject: Id of the concept the claim is about.
        predicate: Id of the predicate relating subject and object.
        object: What the subject is related to: a concept id or a literal value.
        category: Id of the claim's category.
        evidence_status: Id of the evidence status: how firmly the source presents the claim.
        hedge: The source's own qualifier ("primarily", "can", "typically", ...), as it stands in the evidence,
            or None.
        evidence: The verbatim spans of the source the claim rests on.
        review: The review trail: who checked the record against its source, and when.
        hedge_governs: The words the hedge governs, where it governs only part of the evidence, or None.
        qualifiers: The article's other qualifiers the claim keeps.
        reason: Why the record was deprecated or withdrawn, or None.
        superseded_by: Id of the claim that replaces this one, on a deprecated or withdrawn record, or None.
        conflicts_with: Ids of claims this one conflicts with; each of them lists this one too.
    """

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


class Caveat(Frozen):
    """A limitation, warning, uncertainty or supervision requirement that qualifies claims.

    Attributes:
        id: Identifier of the caveat (``caveat-NNN``).
        version: 1 when created, raised by exactly one with every change to its content.
        status: ``active``, ``deprecated`` (kept, no longer to be used) or ``withdrawn`` (retracted).
        statement: The caveat in one plain-English sentence, never stronger than the source.
        hedge: The source's own hedge for the caveat, as it stands in the evidence, or None.
        kind: What sort of caveat it is (``safety-warning``, ``limitation``, ``uncertainty``, ``supervision-
            requirement``).
        scope: The part of the source the caveat governs, as the article scopes it.
        applies_to: Ids of the claims the caveat qualifies: every active claim whose evidence lies in its scope.
        evidence: The verbatim spans of the source the caveat rests on.
        review: The review trail: who checked the record against its source, and when.
        qualifiers: The article's other qualifiers the caveat keeps.
        reason: Why the record was deprecated or withdrawn, or None.
        superseded_by: Id of the caveat that replaces this one, on a deprecated or withdrawn record, or None.
    """

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


class Rule(Frozen):
    """A content-governance rule declared in the data (see the ``rule`` schema for each kind's fields).

    Attributes:
        id: Identifier of the rule.
        kind: What the rule checks, e.g. ``caveat-coverage``, ``strong-wording`` or ``decision-table``.
        severity: How a breach is reported: ``error`` fails validation, ``warning`` only with --strict, ``info``
            never.
        description: What the rule is for, in plain words.
        categories: For caveat-coverage: the categories whose claims need a caveat (subcategories included).
        caveat_kinds: For caveat-coverage: the caveat kinds that satisfy it.
        words: For strong-wording and qualifier-words: the words the rule looks for.
        statuses: For strong-wording and status-in-scope: the evidence statuses concerned.
        caveats: For status-in-scope: the caveats whose claims the rule looks at.
        predicates: For status-in-scope: the predicates the rule looks at.
    """

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


Record: TypeAlias = Source | Category | EvidenceStatus | Predicate | Concept | Claim | Caveat | Rule
"""Any record a `Dataset` holds under an id (what ``Dataset.get`` returns)."""

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


class UnknownRecordError(KeyError):
    """No record of the asked type has this id.

    Attributes:
        kind: The record type asked for, e.g. ``claim``.
        record_id: The id that matched nothing.
        suggestions: Up to three near misses, closest first.
    """

    def __init__(self, kind: str, record_id: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(record_id)
        self.kind = kind
        self.record_id = record_id
        self.suggestions = suggestions

    def __str__(self) -> str:
        from ketdata._model.problems import short

        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"no {self.kind} with id {short(self.record_id)}{hint}"


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


def _by_id(records: Iterable[R]) -> MappingProxyType[str, R]:
    return MappingProxyType({r.id: r for r in records})


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

    info: DatasetInfo
    sources: tuple[Source, ...]
    categories: tuple[Category, ...]
    evidence_statuses: tuple[EvidenceStatus, ...]
    predicates: tuple[Predicate, ...]
    concepts: tuple[Concept, ...]
    claims: tuple[Claim, ...]
    caveats: tuple[Caveat, ...]
    rules: tuple[Rule, ...] = ()
    _records: MappingProxyType[str, Record] = private(default=None, init=False)
    _claims_by: MappingProxyType[str, MappingProxyType[str, tuple[Claim, ...]]] = private(default=None, init=False)
    _caveats_by_claim: MappingProxyType[str, tuple[Caveat, ...]] = private(default=None, init=False)
    _narrower: MappingProxyType[str, tuple[str, ...]] = private(default=None, init=False)

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

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.info.id} {self.info.version}: {len(self.claims)} claims, {len(self.caveats)} caveats, "
            f"{len(self.concepts)} concepts>"
        )

    def __reduce__(self) -> tuple[type[Dataset], tuple[object, ...]]:
        # The indexes are rebuilt from the records: mappingproxy objects neither pickle nor deep-copy.
        return (
            Dataset,
            (self.info, self.sources, self.categories, self.evidence_statuses, self.predicates, self.concepts,
             self.claims, self.caveats, self.rules),
        )  # fmt: skip

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

    def claims_in(
        self, category: str | Category, *, subcategories: bool = False, include_inactive: bool = False
    ) -> tuple[Claim, ...]:
        """Active claims in a category, by id order; with ``subcategories``, also those of its descendants."""
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
        wanted = text.casefold()
        records: tuple[Claim | Caveat, ...] = (*self.claims, *self.caveats)
        found = (
            r for r in records if wanted in r.statement.casefold() or any(wanted in q.casefold() for q in _quotes(r))
        )
        return _active(found, include_inactive)

    def by_code(self, system: str, code: str) -> tuple[Concept, ...]:
        """Concepts that carry this code of this terminology, by id order; empty when none does.

        Args:
            system: The terminology's URI, e.g. ``"http://www.nlm.nih.gov/research/umls/rxnorm"``.
            code: The code in it, e.g. ``"6130"``.
        """
        return tuple(c for c in self.concepts if any(k.system == system and k.code == code for k in c.codings))

    def sentence(self, ref: EvidenceSpan | SourceRange) -> str:
        """The sentence (or sentences) of the source around a span: its context in the article."""
        from ketdata._validation.coverage import sentences

        source = self.source(ref.source)
        text = source.text
        spans = [(s.id, s.heading, s.start, s.end) for s in source.sections]
        around = [s for s in sentences(text, spans) if s.start < ref.end and ref.start < s.end]
        return text[around[0].start : around[-1].end] if around else text[ref.start : ref.end]
