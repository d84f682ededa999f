"""What a FHIR consumer needs to resolve the export: ketdata's code systems, value sets and extensions.

The tables here are the one definition of each code system and extension the FHIR export uses: the
exporter takes every ``system`` and extension ``url`` from them (``system_url``, ``extension_url`` refuse a
name not defined here), the conformance package (``to_fhir_package``) is made from them, and so is the
mapping page of the documentation. Canonical URLs keep the ``urn:ketdata:fhir:`` base the export has
always used, so codes and extensions already exported keep their meaning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ketdata._model.dataset import Dataset

CANONICAL = "urn:ketdata:fhir"
PACKAGE = "ketdata.fhir"
FHIR_VERSION = "5.0.0"
_CS = f"{CANONICAL}:CodeSystem:"
_VS = f"{CANONICAL}:ValueSet:"
_EXT = f"{CANONICAL}:StructureDefinition:"
PUBLICATION_STATUS = "http://hl7.org/fhir/ValueSet/publication-status"

Concepts = Callable[[Dataset], list[tuple[str, str, str]]]  # (code, display, definition) for each code


def _fixed(*concepts: tuple[str, str, str]) -> Concepts:
    return lambda _ds: list(concepts)


@dataclass(frozen=True, slots=True)
class CodeSystemDef:
    """One of ketdata's code systems, with the one value set (all its codes) that elements bind to."""

    name: str
    title: str
    description: str
    concepts: Concepts

    @property
    def url(self) -> str:
        """The CodeSystem's canonical URL, the ``system`` of its codings."""
        return _CS + self.name

    @property
    def value_set(self) -> str:
        """The canonical URL of the ValueSet holding every code of the system."""
        return _VS + self.name


CODE_SYSTEMS: tuple[CodeSystemDef, ...] = (
    CodeSystemDef("category", "ketdata claim categories", "The topic a claim is about, as ketdata groups them.",
                  lambda ds: [(c.id, c.label, c.definition) for c in ds.categories]),
    CodeSystemDef("evidence-status", "ketdata evidence statuses",
                  "How firmly the article states a claim: a label for the article's wording, not a grade of the "
                  "medical evidence.", lambda ds: [(s.id, s.label, s.definition) for s in ds.evidence_statuses]),
    CodeSystemDef("predicate", "ketdata predicates", "The relation a claim states between its subject and object.",
                  lambda ds: [(p.id, p.label, p.definition) for p in ds.predicates]),
    CodeSystemDef("caveat-kind", "ketdata caveat kinds", "What sort of caveat the article gives.", _fixed(
        ("limitation", "limitation", "A limit of what the article or the claims can say."),
        ("safety-warning", "safety warning", "A warning about a risk or a harm."),
        ("uncertainty", "uncertainty", "Something the article says is not known or not settled."),
        ("supervision-requirement", "supervision requirement",
         "A condition that use be supervised by qualified professionals."))),
    CodeSystemDef("name-type", "ketdata substance name types", "Kinds of substance names FHIR's own list lacks.",
                  _fixed(("street-name", "Street name", "A name used for the substance in non-medical use."))),
    CodeSystemDef("mapping-relation", "SKOS mapping relations",
                  "How an external code's meaning relates to a ketdata concept (subject: the concept, object: the "
                  "code), as the SKOS mapping properties (and SSSOM) define them.", _fixed(
        ("skos:exactMatch", "exact match", "The code means the same as the concept."),
        ("skos:closeMatch", "close match", "The code is near enough to the concept to interchange in most uses."),
        ("skos:narrowMatch", "narrow match", "The code is narrower than the concept."),
        ("skos:broadMatch", "broad match", "The code is broader than the concept."),
        ("skos:relatedMatch", "related match", "The code is a different but related construct."))),
    CodeSystemDef("mapping-confidence", "ketdata mapping confidence",
                  "How sure the check of an external code was, as the project's reference table gives it.", _fixed(
        ("high", "high", "Several independent public sources agree on the code."),
        ("medium", "medium", "Checked, but deserving a terminology-server check before a release relies on it."),
        ("low", "low", "Weakly checked."))),
    CodeSystemDef("evidence-role", "ketdata evidence span roles", "What a quoted span does for the record.", _fixed(
        ("statement", "statement", "The span states the record on its own."),
        ("context", "context", "The clause naming the subject, relation and hedge, which a list item belongs to."),
        ("item", "item", "The list item itself, at its exact position."))),
    CodeSystemDef("review-status", "ketdata review statuses", "Whether a reviewer has checked a record.", _fixed(
        ("unreviewed", "unreviewed", "No reviewer has checked the record against its source yet."),
        ("reviewed", "reviewed", "A reviewer has checked the record against its source and found it faithful."),
        ("flagged", "flagged", "A reviewer has checked the record against its source and found a problem."))),
    CodeSystemDef("review-flag", "ketdata review flags", "What a reviewer found wrong with a record.", _fixed(
        ("overstates-the-article", "overstates the article", "The record says more than the article does."),
        ("hedge-or-qualifier-lost", "hedge or qualifier lost",
         "A hedge or qualifier of the article is missing from the record."),
        ("wrong-category", "wrong category", "The record is in the wrong category."),
        ("wrong-evidence-status", "wrong evidence status",
         "The record's evidence status does not fit the article's wording."),
        ("evidence-does-not-support", "evidence does not support", "The evidence does not support the record."),
        ("caveat-missing-or-wrong", "caveat missing or wrong",
         "A caveat the record needs is missing, or one attached is wrong."),
        ("code-wrong-or-too-strong", "code wrong or too strong",
         "A concept coding is wrong, or its relation too strong."))),
    CodeSystemDef("qualifier-kind", "ketdata qualifier kinds", "What a qualifier of the article's does.", _fixed(
        ("emphasis", "emphasis", "Stresses the statement ('It is important to note that')."),
        ("non-exhaustive", "non-exhaustive", "Marks a list as incomplete ('such as', 'including')."),
        ("persistence", "persistence", "Says something still holds ('still')."),
        ("association", "association", "Marks a link, not a cause ('associated with', 'linked to')."),
        ("time-frame", "time frame", "Limits the statement in time."),
        ("possibility", "possibility", "Says that what the record rests on may happen ('may'), not that it does."))),
)  # fmt: skip
_BY_NAME = {c.name: c for c in CODE_SYSTEMS}


def system_url(name: str) -> str:
    """The canonical URL of ketdata's code system ``name`` (KeyError for one not defined above)."""
    return _BY_NAME[name].url


@dataclass(frozen=True, slots=True)
class Part:
    """A value an extension carries: the extension's own value, or one of its sub-extensions (``name``)."""

    name: str
    types: tuple[str, ...]
    definition: str
    binding: str | None = None  # canonical URL of the value set a code or Coding is bound to (required)
    required: bool = False
    repeats: bool = False


@dataclass(frozen=True, slots=True)
class ExtensionDef:
    """An extension the export uses: its canonical URL, where it may appear, and its value or sub-extensions."""

    name: str
    title: str
    definition: str
    context: tuple[str, ...]
    value: Part | None = None
    parts: tuple[Part, ...] = ()
    repeats: bool = False
    modifier: str | None = None  # why it changes the meaning of the element it sits on (a modifierExtension)

    @property
    def url(self) -> str:
        """The extension's canonical URL, its ``url`` wherever it is used."""
        return _EXT + self.name


_RECORDS = ("ClinicalUseDefinition", "Basic")
_REF = ("Reference",)


def _vs(name: str) -> str:
    return _BY_NAME[name].value_set


EXTENSIONS: tuple[ExtensionDef, ...] = (
    ExtensionDef("mapped-code", "Mapped code", "An external code that may not stand for the concept (narrower, "
                 "broader or related), carried with its relation instead of as one of the concept's codings.",
                 ("CodeableConcept",), parts=(
        Part("relation", ("code",), "How the code relates to the concept.", _vs("mapping-relation"), True),
        Part("confidence", ("code",), "How sure the check of the code was.", _vs("mapping-confidence"), True),
        Part("coding", ("Coding",), "The code.", required=True)), repeats=True),
    ExtensionDef("source-quote", "Source quote", "A verbatim span of the source the record rests on, with its "
                 "place (code-point offsets, end exclusive) and its role.", _RECORDS, parts=(
        Part("source", ("string",), "Id of the source quoted (its Citation's identifier).", required=True),
        Part("section", ("string",), "Id of the section of the source holding the span.", required=True),
        Part("role", ("code",), "What the span does for the record.", _vs("evidence-role"), True),
        Part("quote", ("string",), "The span, verbatim.", required=True),
        Part("start", ("integer",), "Code-point offset where the span starts.", required=True),
        Part("end", ("integer",), "Code-point offset where the span ends (exclusive).", required=True)),
                 repeats=True),
    ExtensionDef("hedge", "Hedge", "The article's own qualifying word for the claim ('can', 'may', 'potential'), "
                 "kept so that the claim never says more than the article.", _RECORDS, parts=(
        Part("text", ("string",), "The hedge, in the article's words.", required=True),
        Part("governs", ("string",), "The words the hedge governs, where it governs only part of the evidence."))),
    ExtensionDef("qualifier", "Qualifier", "Another qualifier of the article's that the record keeps.", _RECORDS,
                 parts=(
        Part("kind", ("code",), "What the qualifier does.", _vs("qualifier-kind"), True),
        Part("text", ("string",), "The qualifier, in the article's words.", required=True),
        Part("governs", ("string",), "The words it governs, where it governs only part of the evidence.")),
                 repeats=True),
    ExtensionDef("publication-status", "Publication status", "The record's status: draft until reviewed, active "
                 "once reviewed, retired once deprecated or withdrawn.", _RECORDS,
                 Part("value", ("code",), "The status.", PUBLICATION_STATUS, True)),
    ExtensionDef("review", "Review", "The record's review trail.", _RECORDS, parts=(
        Part("status", ("code",), "Whether a maintainer has checked the record.", _vs("review-status"), True),
        Part("reviewedBy", ("string",), "Who reviewed it, as they typed their name."),
        Part("reviewerRole", ("string",), "The reviewer's role, as they typed it."),
        Part("reviewedOn", ("date",), "When it was reviewed."),
        Part("reviewDue", ("date",), "When it is due for review again."),
        Part("flag", ("code",), "What the reviewer found wrong (one per flag).", _vs("review-flag"), repeats=True),
        Part("note", ("string",), "The reviewer's note, in their words."))),
    ExtensionDef("superseded-by", "Superseded by", "The record that replaces this one.", _RECORDS,
                 Part("value", _REF, "The successor's resource.", required=True)),
    ExtensionDef("conflicts-with", "Conflicts with", "A claim this one conflicts with (each names the other).",
                 _RECORDS, Part("value", _REF, "The other claim's resource.", required=True), repeats=True),
    ExtensionDef("applies-to", "Applies to", "A claim the caveat qualifies.", ("ClinicalUseDefinition",),
                 Part("value", _REF, "The claim's resource.", required=True), repeats=True),
    ExtensionDef("caveat", "Caveat", "A caveat that applies to the claim (the reverse of the caveat's applies-to), so "
                 "that the claim's warnings, limits and uncertainties travel with it.", _RECORDS,
                 Part("value", _REF, "The caveat's resource.", required=True), repeats=True),
    ExtensionDef("editorial-note", "Editorial note", "A fact from outside the article that a clinician needs to read "
                 "the claim safely; it does not change what the claim says.", _RECORDS, parts=(
        Part("text", ("string",), "The note.", required=True),
        Part("reason", ("string",), "Why it was added and on what basis.", required=True)), repeats=True),
    ExtensionDef("not-established", "Not established", "The article does not present this indication as "
                 "established: it calls it potential, experimental or uncertain (the claim's evidence status), so the "
                 "resource must not be read or used as an established indication.", ("ClinicalUseDefinition",),
                 parts=(
        Part("evidence-status", ("Coding",), "How firmly the article presents the claim.", _vs("evidence-status"),
             True),
        Part("hedge", ("string",), "The article's hedge for the claim, in its words ('potential', 'typically')."),
        Part("summary", ("string",), "What the evidence status means, in words.", required=True)),
                 modifier="The indication is potential, experimental or uncertain in the article, not established: a "
                 "system that does not understand this extension must not use the resource as an indication."),
    ExtensionDef("claim-category", "Claim category", "The claim's category.", ("Basic",),
                 Part("value", ("Coding",), "The category.", _vs("category"), True)),
    ExtensionDef("claim-subject", "Claim subject", "What the claim is about.", ("Basic",),
                 Part("value", ("CodeableConcept",), "The subject concept.", required=True)),
    ExtensionDef("claim-object", "Claim object", "The claim's object: a concept, a literal or a range.", ("Basic",),
                 Part("value", ("CodeableConcept", "string", "Range"), "The object.", required=True)),
)  # fmt: skip
_EXTENSIONS = {e.name: e for e in EXTENSIONS}


def extension_url(name: str) -> str:
    """The canonical URL of the extension ``name`` (KeyError for one not defined above)."""
    return _EXTENSIONS[name].url


# --- the conformance resources ------------------------------------------------------------------------


def _common(ds: Dataset, kind: str, name: str, title: str, description: str) -> dict[str, Any]:
    words = "".join(w.capitalize() for w in name.replace(":", "-").split("-"))
    return {
        "resourceType": kind,
        "id": f"ketdata-{name}",
        "url": f"{CANONICAL}:{kind}:{name}",
        "version": ds.info.version,
        "name": f"Ketdata{words}",
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": ", ".join(m.name for m in ds.info.maintainers),
        "description": description,
    }


def code_system(ds: Dataset, cs: CodeSystemDef) -> dict[str, Any]:
    """The CodeSystem resource of ``cs``, every code with its display and definition."""
    concepts = [{"code": c, "display": d, "definition": text} for c, d, text in cs.concepts(ds)]
    return {**_common(ds, "CodeSystem", cs.name, cs.title, cs.description), "caseSensitive": True,
            "valueSet": cs.value_set, "content": "complete", "count": len(concepts), "concept": concepts}  # fmt: skip


def value_set(ds: Dataset, cs: CodeSystemDef) -> dict[str, Any]:
    """The ValueSet of every code of ``cs``, which the extensions' coded values bind to."""
    description = f"Every code of the code system {cs.url}."
    return {**_common(ds, "ValueSet", cs.name, cs.title, description), "immutable": False,
            "compose": {"include": [{"system": cs.url, "version": ds.info.version}]}}  # fmt: skip


def _value_elements(path: str, part: Part) -> list[dict[str, Any]]:
    value: dict[str, Any] = {"id": f"{path}.value[x]", "path": f"{path}.value[x]", "short": part.definition,
                             "min": 1, "type": [{"code": t} for t in part.types]}  # fmt: skip
    if part.types == _REF:
        value["type"] = [{"code": "Reference", "targetProfile": [f"http://hl7.org/fhir/StructureDefinition/{r}"
                                                                 for r in _RECORDS]}]  # fmt: skip
    if part.binding:
        value["binding"] = {"strength": "required", "valueSet": part.binding}
    return [value]


def _part_elements(part: Part) -> list[dict[str, Any]]:
    path, slice_id = "Extension.extension", f"Extension.extension:{part.name}"
    return [
        {"id": slice_id, "path": path, "sliceName": part.name, "short": part.definition,
         "definition": part.definition, "min": 1 if part.required else 0, "max": "*" if part.repeats else "1"},
        {"id": f"{slice_id}.extension", "path": f"{path}.extension", "max": "0"},
        {"id": f"{slice_id}.url", "path": f"{path}.url", "fixedUri": part.name},
        *(dict(e, id=e["id"].replace("Extension.extension.", f"{slice_id}."))
          for e in _value_elements(path, part)),
    ]  # fmt: skip


def structure_definition(ds: Dataset, ext: ExtensionDef) -> dict[str, Any]:
    """The StructureDefinition of the extension ``ext`` (a differential on the base Extension)."""
    root = {"id": "Extension", "path": "Extension", "short": ext.title, "definition": ext.definition,
            "min": 0, "max": "*" if ext.repeats else "1"}  # fmt: skip
    if ext.modifier:
        root.update(isModifier=True, isModifierReason=ext.modifier)
    elements: list[dict[str, Any]] = [root]
    if ext.parts:
        elements.append({"id": "Extension.extension", "path": "Extension.extension", "min": 1, "slicing": {
            "discriminator": [{"type": "value", "path": "url"}], "ordered": False, "rules": "closed"}})  # fmt: skip
        for part in ext.parts:
            elements += _part_elements(part)
    else:
        elements.append({"id": "Extension.extension", "path": "Extension.extension", "max": "0"})
    elements.append({"id": "Extension.url", "path": "Extension.url", "fixedUri": ext.url})
    if ext.value:
        elements += _value_elements("Extension", ext.value)
    else:
        elements.append({"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"})
    return {
        **_common(ds, "StructureDefinition", ext.name, ext.title, ext.definition),
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": c} for c in ext.context],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": elements},
    }


def conformance_resources(ds: Dataset) -> Iterator[dict[str, Any]]:
    """Every CodeSystem, ValueSet and extension StructureDefinition the export's codes and extensions need."""
    for cs in CODE_SYSTEMS:
        yield code_system(ds, cs)
        yield value_set(ds, cs)
    for ext in EXTENSIONS:
        yield structure_definition(ds, ext)


def package_manifest(ds: Dataset) -> dict[str, Any]:
    """The package's ``package.json``, as the FHIR NPM package layout describes it."""
    return {
        "name": PACKAGE,
        "version": ds.info.version,
        "description": f"The code systems, value sets and extensions that the FHIR R5 export of {ds.info.id} "
        f"{ds.info.version} uses.",
        "author": ", ".join(m.name for m in ds.info.maintainers),
        "license": ds.info.license,
        "canonical": CANONICAL,
        "fhirVersions": [FHIR_VERSION],
        "type": "Conformance",
        "dependencies": {"hl7.fhir.r5.core": FHIR_VERSION},
    }


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def to_fhir_package(ds: Dataset) -> dict[str, str]:
    """The FHIR package the export's codes and extensions resolve in: file name -> JSON text.

    ``package.json`` (FHIR NPM package layout) and one ``<Type>-<id>.json`` per CodeSystem, ValueSet and
    extension StructureDefinition; ``ketdata export`` writes them to ``fhir/package/``.
    """
    files = {f"{r['resourceType']}-{r['id']}.json": _pretty(r) for r in conformance_resources(ds)}
    return {"package.json": _pretty(package_manifest(ds)), **dict(sorted(files.items()))}
