"""The FHIR R5 export: a ``collection`` Bundle of the dataset, and the same resources as Bulk Data NDJSON.

Mapping (record -> resource); the tables below (``CLINICAL_USE``, ``BASIC_BECAUSE``, ``FIELD_MAP``) state it
field by field, and the documentation's FHIR mapping page is generated from them:

* a concept with an RxNorm coding (ketamine) -> ``SubstanceDefinition`` (UNII identifier, SNOMED CT code,
  names, street names from ``has_street_name`` claims, class from ``member_of_class`` claims), a
  ``Medication`` (the subject every ClinicalUseDefinition may point at) and a ``MedicationKnowledge``
  (RxNorm code, ATC class, routes from the route claims (``ROUTES``), ``clinicalUseIssue`` links);
* a claim whose predicate is in ``CLINICAL_USE`` -> ``ClinicalUseDefinition`` of that type (``indication``,
  ``undesirable-effect``); an indication the article does not present as established (potential,
  experimental, "typically used when" in the experimental passage) carries the ``not-established`` modifier
  extension and says so in its narrative, so no consumer can take it for an established indication; one in
  the harms or safety-guidance category -> type ``warning``; any other claim -> ``Basic`` coded with its
  predicate, for the reason ``BASIC_BECAUSE`` gives, so nothing is lost;
* a caveat -> ``ClinicalUseDefinition`` type ``warning``, linked to its claims by an extension;
* each claim's evidence status -> an ``ArtifactAssessment`` whose ``classifier`` content carries the
  status from ketdata's own code system (the article grades no certainty, so no GRADE rating is implied);
* the article -> ``Citation`` (author, URL and date unknown, so absent); the maintainers ->
  ``Organization``; one ``Provenance`` ties every derived resource to the Citation.

Every claim and caveat resource carries two identifiers, ``urn:ketdata:claim`` (the id) and
``urn:ketdata:claim-version`` (``id|version``), its statement as narrative, its verbatim quotes and
offsets in ``source-quote`` extensions, its hedge and qualifiers, and its governance: ``publication-status``
(draft until reviewed, active once reviewed, retired once deprecated or withdrawn; also
``ClinicalUseDefinition.status``), the ``review`` trail (also ``ArtifactAssessment.lastReviewDate``),
``superseded-by`` and ``conflicts-with``. Every record is exported, whatever its status. Every code system
and extension comes from ``ketdata._export._fhir_terms``, which also builds the package defining them.

Resource ids are UUIDv5s of the resource type and record id, so they are stable between builds. The NDJSON
files refer to each other relatively (``Medication/<id>``); the Bundle's entries have ``urn:uuid:<id>``
fullUrls and refer to those.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ketdata._export._fhir_terms import extension_url, system_url
from ketdata._export._json import compact, record_lines
from ketdata._io.escape import markdown_text, xhtml_text
from ketdata._model.dataset import Dataset
from ketdata._model.records import Caveat, Claim, Coding, Concept, EvidenceSpan, Source

Resource = dict[str, Any]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ketdata")
_NAMESPACE_BYTES = _NAMESPACE.bytes
_UUID = "urn:uuid:"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
UNII = "http://fdasis.nlm.nih.gov"
SNOMED = "http://snomed.info/sct"
# The routing of claims: a predicate here makes a ClinicalUseDefinition of that type; otherwise a claim in a
# warning category makes a warning, and any other claim a Basic, for the reason BASIC_BECAUSE gives.
CLINICAL_USE = {
    "primarily_used_for": "indication",
    "potential_treatment_for": "indication",
    "alternative_treatment_for": "indication",
    "typically_used_when": "indication",
    "can_have_side_effect": "undesirable-effect",
}
ROUTES = frozenset({"usually_administered_by_route", "can_also_be_taken_by_route", "can_also_be_taken_via"})
ESTABLISHED = "established"
INDICATIONS = frozenset(p for p, kind in CLINICAL_USE.items() if kind == "indication")
WARNING_CATEGORIES = frozenset({"harms", "safety-guidance"})
_SUBSTANCE = (
    "a fact about the substance: its value also lands in the substance's resources ({}), which have no place for "
    "one claim's statement, quote, hedge, status and review"
)
_PRACTICE = (
    "a detail of how a treatment session is given: MedicationKnowledge.indicationGuideline could hold some of it, "
    "but only as part of an indication, with no place for the claim's quote, hedge, status and review"
)
_EFFECT = (
    "an effect the article does not present as an indication, an undesirable effect or a warning; "
    "a ClinicalUseDefinition would add a clinical judgement the article does not make"
)
_KNOWLEDGE = "a statement about what is known or studied, not about a use of the medicine: no clinical resource fits"
BASIC_BECAUSE = {
    "is_a": _SUBSTANCE.format("SubstanceDefinition.classification"),
    "member_of_class": _SUBSTANCE.format("SubstanceDefinition.classification"),
    "has_street_name": _SUBSTANCE.format("SubstanceDefinition.name"),
    "usually_administered_by_route": _SUBSTANCE.format("MedicationKnowledge.definitional.intendedRoute"),
    "can_also_be_taken_by_route": _SUBSTANCE.format("MedicationKnowledge.definitional.intendedRoute"),
    "can_also_be_taken_via": _SUBSTANCE.format("MedicationKnowledge.definitional.intendedRoute")
    + " (the dose form's route code)",
    "works_by": "a mechanism of action: no R5 resource has an element for one",
    "used_illicitly_for": "non-medical use is no clinical use: ClinicalUseDefinition types are all clinical",
    "used_illicitly_because_it_induces": "non-medical use is no clinical use: ClinicalUseDefinition types are all "
    "clinical",
    "has_property": _EFFECT,
    "can_be": _EFFECT,
    "associated_with": _EFFECT,
    "may_produce_experience": _EFFECT,
    "can_sometimes_lead_to": _EFFECT + " (in the harms category it is a warning)",
    "typically_administered_at_dose": _PRACTICE,
    "typically_administered_under": _PRACTICE,
    "usually_involves": _PRACTICE,
    "sessions_usually_last": _PRACTICE,
    "patient_typically_positioned": _PRACTICE,
    "patient_closely_monitored_by": _PRACTICE,
    "effects_can_be_felt_within": _PRACTICE,
    "effects_typically_last": _PRACTICE,
    "should_only_be_used_under": "a condition of use, a warning when (as in the data) its category is safety guidance",
    "is_still": _KNOWLEDGE,
    "still_considered": _KNOWLEDGE,
    "needs_research_on": _KNOWLEDGE,
}


@dataclass(frozen=True, slots=True)
class Lands:
    """Where a record field lands in the FHIR export: a resource and a FHIRPath into it ("" when nowhere)."""

    record: str
    field: str
    resource: str
    element: str
    note: str = ""


def _x(name: str) -> str:
    return f"extension.where(url = '{extension_url(name)}')"


_CLAIMS = "ClinicalUseDefinition", "Basic"
_CLAIM_LIKE = tuple(
    Lands(record, field, resource, element)
    for record in ("claim", "caveat")
    for field, element in (
        ("id", f"identifier.where(system = 'urn:ketdata:{record}').value"),
        ("version", f"identifier.where(system = 'urn:ketdata:{record}-version').value"),
        ("statement", "text.`div`"),
        ("hedge", _x("hedge") + ".extension.where(url = 'text').value"),
        ("qualifiers", _x("qualifier")),
        ("evidence", _x("source-quote")),
        ("status", _x("publication-status") + ".value"),
        ("review", _x("review")),
        ("superseded_by", _x("superseded-by") + ".value"),
    )
    for resource in (_CLAIMS if record == "claim" else ("ClinicalUseDefinition",))
)
FIELD_MAP: tuple[Lands, ...] = (
    *_CLAIM_LIKE,
    Lands("claim", "hedge_governs", "ClinicalUseDefinition", _x("hedge") + ".extension.where(url = 'governs').value"),
    Lands("claim", "conflicts_with", "ClinicalUseDefinition", _x("conflicts-with") + ".value"),
    Lands("claim", "status", "ClinicalUseDefinition", "status", "as publication status"),
    Lands("claim", "statement", "ClinicalUseDefinition", "warning.description", "warnings"),
    Lands("claim", "subject", "ClinicalUseDefinition", "subject", "the substance's Medication"),
    Lands("claim", "subject", "Basic", _x("claim-subject") + ".value"),
    Lands("claim", "subject", "Basic", "subject", "when it is the substance: its SubstanceDefinition"),
    Lands("claim", "predicate", "ClinicalUseDefinition", "type", "see the predicates table"),
    Lands("claim", "predicate", "Basic", "code"),
    Lands("claim", "object", "ClinicalUseDefinition", "indication.diseaseSymptomProcedure.concept"),
    Lands("claim", "object", "ClinicalUseDefinition", "undesirableEffect.symptomConditionEffect.concept"),
    Lands("claim", "object", "ClinicalUseDefinition", "warning.code"),
    Lands("claim", "object", "Basic", _x("claim-object") + ".value"),
    Lands("claim", "category", "ClinicalUseDefinition", f"category.coding.where(system = '{system_url('category')}')"),
    Lands("claim", "category", "Basic", _x("claim-category") + ".value"),
    Lands("claim", "evidence_status", "ArtifactAssessment", "content.classifier", "the claim is its artifact"),
    Lands("claim", "evidence_status", "ClinicalUseDefinition",
          f"category.coding.where(system = '{system_url('evidence-status')}')"),
    Lands("claim", "evidence_status", "ClinicalUseDefinition",
          f"modifierExtension.where(url = '{extension_url('not-established')}').extension"
          ".where(url = 'evidence-status').value", "an indication the article does not present as established"),
    Lands("claim", "review.reviewed_on", "ArtifactAssessment", "lastReviewDate"),
    Lands("claim", "reason", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    *(Lands("claim", "caveats", resource, _x("caveat") + ".value", "the reverse of the caveats' applies-to")
      for resource in _CLAIMS),
    Lands("claim", "notes", "Basic", _x("editorial-note") + ".extension.where(url = 'text').value",
          "on a ClinicalUseDefinition too, where such a claim has notes"),
    Lands("claim", "leaves_out", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("claim", "readings", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("caveat", "leaves_out", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("caveat", "readings", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("caveat", "scope_reason", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("caveat", "kind", "ClinicalUseDefinition", "category", "type warning"),
    Lands("caveat", "applies_to", "ClinicalUseDefinition", _x("applies-to") + ".value"),
    Lands("caveat", "statement", "ClinicalUseDefinition", "warning.description"),
    Lands("caveat", "scope", "", "", "not in the FHIR export: applies_to carries its result"),
    Lands("caveat", "reason", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("concept", "label", "SubstanceDefinition", "name.where(preferred).name", "the substance (RxNorm-coded)"),
    Lands("concept", "label", "Medication", "code.text", "the substance"),
    Lands("concept", "synonyms", "SubstanceDefinition", "name.where(preferred.not() and type.empty()).name"),
    Lands("concept", "definition", "SubstanceDefinition", "description"),
    Lands("concept", "codings", "SubstanceDefinition", f"identifier.where(system = '{UNII}')", "UNII"),
    Lands("concept", "codings", "SubstanceDefinition", "code.code.coding", "SNOMED CT"),
    Lands("concept", "codings", "MedicationKnowledge", "code.coding", "RxNorm"),
    Lands("concept", "codings", "MedicationKnowledge", "medicineClassification.classification.coding", "ATC"),
    Lands("concept", "codings", "ClinicalUseDefinition", f"descendants().ofType(Extension).where(url = "
          f"'{extension_url('mapped-code')}')", "narrow, broad and related matches: on the CodeableConcept of any "
          "concept, wherever it is named"),
    Lands("concept", "label", "ClinicalUseDefinition", "descendants().ofType(CodeableConcept).text",
          "any other concept: a CodeableConcept wherever a claim names it, exact and close matches its codings"),
    Lands("concept", "kind", "", "", "not in the FHIR export"),
    Lands("concept", "broader", "", "", "not in the FHIR export"),
    Lands("concept", "related", "", "", "not in the FHIR export (JSON, CSV and SSSOM carry it)"),
    Lands("concept", "link_sources", "", "", "not in the FHIR export (JSON and CSV carry it)"),
    Lands("source", "id", "Citation", "identifier.value"),
    Lands("source", "title", "Citation", "citedArtifact.title.text"),
    Lands("source", "url", "Citation", "citedArtifact.webLocation.url", "unknown fields are named in a note"),
    Lands("source", "note", "Citation", "note.text"),
    Lands("source", "sections", "", "", "not in the FHIR export; each quote names its section"),
    Lands("source", "text", "DocumentReference", "content.attachment.data", "the article's bytes, base64"),
    Lands("source", "sha256", "DocumentReference", "identifier.where(system = 'urn:ketdata:sha256').value",
          "the attachment's own hash is SHA-1, as FHIR defines it"),
    Lands("dataset", "id", "Bundle", "identifier.value", "with the version: id|version"),
    Lands("dataset", "release_date", "Bundle", "timestamp"),
    Lands("dataset", "release_date", "Provenance", "recorded"),
    Lands("dataset", "maintainers", "Organization", "name", "the Provenance agent"),
    Lands("category", "*", "CodeSystem", "concept", "the category code system"),
    Lands("evidence status", "*", "CodeSystem", "concept", "the evidence-status code system"),
    Lands("predicate", "*", "CodeSystem", "concept", "the predicate code system"),
)  # fmt: skip


def full_url(resource_type: str, key: str) -> str:
    """The stable ``urn:uuid:`` of a resource: the UUIDv5 of its type and the record id it comes from.

    RFC 4122's name-based SHA-1 recipe is computed directly: ``uuid.uuid5`` builds and checks a UUID
    object, several times slower, and a bundle needs one per reference.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{resource_type}/{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ref(resource_type: str, key: str) -> dict[str, str]:
    """A relative reference (``Type/id``), as Bulk Data NDJSON wants; the Bundle's entries rewrite it."""
    return {"reference": f"{resource_type}/{full_url(resource_type, key).removeprefix(_UUID)}"}


# A relative reference in compact JSON; inside a string value the quotes would be escaped, so never a match.
_RELATIVE = re.compile(r'"reference":"[A-Za-z]+/([0-9a-f-]{36})"')


def bundle_references(body: str) -> str:
    """A resource's compact JSON with its relative references made ``urn:uuid:`` ones, as Bundle entries need."""
    return _RELATIVE.sub(r'"reference":"urn:uuid:\1"', body)


def _narrative(text: str) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{xhtml_text(text)}</div>'}


def _coding(c: Coding) -> dict[str, str]:
    release = {"version": c.release} if c.release else {}
    return {"system": c.system, **release, "code": c.code, "display": c.display}


def _mapped(c: Coding) -> dict[str, Any]:
    """A code that may not stand for the concept (narrower, broader, related), carried with its relation."""
    return {"url": extension_url("mapped-code"), "extension": [
        {"url": "relation", "valueCode": c.relation},
        {"url": "confidence", "valueCode": c.confidence},
        {"url": "coding", "valueCoding": _coding(c)},
    ]}  # fmt: skip


def _concept(concept: Concept) -> dict[str, Any]:
    """The concept as a CodeableConcept: only exact and close matches as its codings, the rest as extensions."""
    cc: dict[str, Any] = {"text": concept.label}
    mapped = [_mapped(c) for c in concept.codings if not c.stands_for_concept]
    if mapped:
        cc["extension"] = mapped
    codings = [_coding(c) for c in concept.codings if c.stands_for_concept]
    if codings:
        cc["coding"] = codings
    return cc


def _coded(concept: Concept, system: str) -> list[dict[str, Any]]:
    return [{"coding": [_coding(c)], "text": concept.label}
            for c in concept.codings if c.system == system and c.stands_for_concept]  # fmt: skip


def _own(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system_url(system), "code": code, "display": display}]}


def _quotes(spans: tuple[EvidenceSpan, ...]) -> list[dict[str, Any]]:
    return [_quote(s) for s in spans]


def _quote(ref: EvidenceSpan) -> dict[str, Any]:
    return {"url": extension_url("source-quote"), "extension": [
        {"url": "source", "valueString": ref.source},
        {"url": "section", "valueString": ref.section},
        {"url": "role", "valueCode": ref.role},
        {"url": "quote", "valueString": ref.quote},
        {"url": "start", "valueInteger": ref.start},
        {"url": "end", "valueInteger": ref.end},
    ]}  # fmt: skip


def _wording(record: Claim | Caveat) -> list[dict[str, Any]]:
    """The article's hedge and other qualifiers the record keeps."""
    out: list[dict[str, Any]] = []
    governs = getattr(record, "hedge_governs", None)
    if record.hedge:
        hedge = [{"url": "text", "valueString": record.hedge}]
        hedge += [{"url": "governs", "valueString": governs}] if governs else []
        out.append({"url": extension_url("hedge"), "extension": hedge})
    for q in record.qualifiers:
        parts = [{"url": "kind", "valueCode": q.kind}, {"url": "text", "valueString": q.text}]
        parts += [{"url": "governs", "valueString": q.governs}] if q.governs else []
        out.append({"url": extension_url("qualifier"), "extension": parts})
    return out


def _identifiers(kind: str, record: Claim | Caveat) -> list[dict[str, str]]:
    return [
        {"system": f"urn:ketdata:{kind}", "value": record.id},
        {"system": f"urn:ketdata:{kind}-version", "value": f"{record.id}|{record.version}"},
    ]


class _Builder:
    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.claims = list(ds.claims)
        self.caveats = list(ds.caveats)
        self.active = [c for c in ds.claims if c.status == "active"]
        self.drugs = [c for c in ds.concepts if any(k.system == RXNORM for k in c.codings)]
        self.drug_ids = {d.id for d in self.drugs}

    def claim_resource_type(self, claim: Claim) -> str:
        if claim.predicate in CLINICAL_USE:
            return "ClinicalUseDefinition"
        return "ClinicalUseDefinition" if claim.category in WARNING_CATEGORIES else "Basic"

    def resources(self) -> Iterator[tuple[str, Resource]]:
        """Every resource with the record id it comes from, one at a time (the Provenance last)."""
        derived: list[tuple[str, str]] = []
        yield self.organization()
        yield from (self.citation(s) for s in self.ds.sources)
        yield from (self.document(s) for s in self.ds.sources)
        for item in self._derived():
            derived.append((item[1]["resourceType"], item[0]))
            yield item
        yield self.provenance(derived)

    def _derived(self) -> Iterator[tuple[str, Resource]]:
        for drug in self.drugs:
            yield from (self.substance(drug), self.medication(drug), self.knowledge(drug))
        yield from (self.claim(c) for c in self.claims)
        yield from (self.caveat(v) for v in self.caveats)
        yield from (self.assessment(c) for c in self.claims)

    def organization(self) -> tuple[str, Resource]:
        info = self.ds.info
        name = ", ".join(m.name for m in info.maintainers)
        return info.id, {
            "resourceType": "Organization",
            "text": _narrative(f"{name}: the maintainers of {info.id}, who decomposed the article into its records."),
            "identifier": [{"system": "urn:ketdata:organization", "value": info.id}],
            "name": name,
        }

    def document(self, source: Source) -> tuple[str, Resource]:
        """The article itself, byte for byte, so that every offset of the export resolves within it."""
        data = source.text.encode("utf-8")
        attachment = {
            "contentType": source.media_type,
            "language": source.language,
            "data": base64.b64encode(data).decode("ascii"),
            "size": str(len(data)),  # integer64, a JSON string
            "hash": base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode("ascii"),
            "title": source.title,
        }
        return source.id, {
            "resourceType": "DocumentReference",
            "text": _narrative(f"The full text of the article '{source.title}' ({len(source.text)} code points; "
                               f"sha256 {source.sha256}): the evidence offsets of every record count code points "
                               "into it."),
            "identifier": [{"system": "urn:ketdata:source", "value": source.id},
                           {"system": "urn:ketdata:sha256", "value": source.sha256}],
            "status": "current",
            "description": markdown_text(f"The article {source.id}, as ketdata keeps it."),
            "content": [{"attachment": attachment}],
        }  # fmt: skip

    def citation(self, source: Source) -> tuple[str, Resource]:
        known = {"author": source.author, "URL": source.url, "publication date": source.published,
                 "licence": source.license}  # fmt: skip
        artifact: Resource = {"title": [{"text": source.title}]}
        if source.url:
            artifact["webLocation"] = [{"url": source.url}]
        unknown = [name for name, value in known.items() if value is None]
        if unknown:
            artifact["note"] = [{"text": f"Unknown, so not given: {', '.join(unknown)}."}]
        resource: Resource = {
            "resourceType": "Citation",
            "text": _narrative(
                f"{source.title}: the article the records quote"
                + (f" ({'; '.join(f'{k} unknown' for k in unknown)})." if unknown else ".")
            ),
            "identifier": [{"system": "urn:ketdata:source", "value": source.id}],
            "status": "active",
            "title": source.title,
            "citedArtifact": artifact,
        }
        if source.note:
            resource["note"] = [{"text": markdown_text(source.note)}]
        return source.id, resource

    def _claims_about(self, drug: Concept, predicate: str) -> list[Claim]:
        return [c for c in self.active if c.predicate == predicate and c.subject == drug.id]

    def substance(self, drug: Concept) -> tuple[str, Resource]:
        names = [{"name": drug.label, "preferred": True}]
        names += [{"name": s.text, "preferred": False} for s in drug.synonyms]
        street = _own("name-type", "street-name", "Street name")
        names += [{"name": c.object.value, "preferred": False, "type": street}
                  for c in self._claims_about(drug, "has_street_name") if c.object.value]  # fmt: skip
        classes = [self.ds.concept(c.object.concept) for c in self._claims_about(drug, "member_of_class")
                   if c.object.concept]  # fmt: skip
        resource: Resource = {
            "resourceType": "SubstanceDefinition",
            "text": _narrative(f"{drug.label}: {drug.definition.text}" if drug.definition else drug.label),
            "identifier": [
                {"system": "urn:ketdata:concept", "value": drug.id},
                *({"system": k.system, "value": k.code} for k in drug.codings if k.system == UNII),
            ],
            "code": [{"code": cc} for cc in _coded(drug, SNOMED)],
            "name": names,
            "classification": [_concept(c) for c in classes],
        }
        if drug.definition:
            resource["description"] = markdown_text(drug.definition.text)
        return drug.id, {k: v for k, v in resource.items() if v}

    def medication(self, drug: Concept) -> tuple[str, Resource]:
        codings = [k for k in drug.codings if k.system in (RXNORM, SNOMED) and k.stands_for_concept]
        code = {"coding": [{"system": k.system, "code": k.code, "display": k.display} for k in codings],
                "text": drug.label}  # fmt: skip
        return drug.id, {"resourceType": "Medication", "text": _narrative(drug.label),
                         "identifier": [{"system": "urn:ketdata:concept", "value": drug.id}], "code": code,
                         "status": "active"}  # fmt: skip

    def knowledge(self, drug: Concept) -> tuple[str, Resource]:
        routes = [self.ds.concept(c.object.concept) for c in self.active
                  if c.predicate in ROUTES and c.object.concept]  # fmt: skip
        issues = [self.claim_key(c) for c in self.claims if self.claim_resource_type(c) == "ClinicalUseDefinition"]
        issues += [("ClinicalUseDefinition", v.id) for v in self.caveats]
        resource: Resource = {
            "resourceType": "MedicationKnowledge",
            "text": _narrative(
                f"What the article says about {drug.label}: {len(issues)} clinical-use issues "
                f"(indications, side effects, warnings and caveats) and {len(routes)} routes."
            ),
            "identifier": [{"system": "urn:ketdata:concept", "value": drug.id}],
            "code": _coded(drug, RXNORM)[0],
            "status": "active",
            "associatedMedication": [_ref("Medication", drug.id)],
            "clinicalUseIssue": [_ref(t, k) for t, k in issues],
            "medicineClassification": [{"type": {"text": "ATC"}, "classification": _coded(drug, ATC)}],
            "definitional": {"intendedRoute": [_concept(r) for r in routes]},
        }
        return drug.id, resource

    def claim_key(self, claim: Claim) -> tuple[str, str]:
        return self.claim_resource_type(claim), claim.id

    def _object(self, claim: Claim) -> dict[str, Any]:
        if claim.object.concept:
            return _concept(self.ds.concept(claim.object.concept))
        return {"text": claim.object.value or ""}

    def governance(self, record: Claim | Caveat) -> list[dict[str, Any]]:
        """Extensions carrying the record's publication status, review trail, successor and conflicts."""
        review = record.review
        trail: list[dict[str, Any]] = [{"url": "status", "valueCode": review.status}]
        trail += [{"url": "reviewedBy", "valueString": review.reviewed_by}] if review.reviewed_by else []
        trail += [{"url": "reviewerRole", "valueString": review.reviewer_role}] if review.reviewer_role else []
        trail += [{"url": "reviewedOn", "valueDate": review.reviewed_on}] if review.reviewed_on else []
        trail += [{"url": "reviewDue", "valueDate": review.review_due}] if review.review_due else []
        trail += [{"url": "flag", "valueCode": flag} for flag in review.flags]
        trail += [{"url": "note", "valueString": review.note}] if review.note else []
        out: list[dict[str, Any]] = [
            {"url": extension_url("publication-status"), "valueCode": publication_status(record)},
            {"url": extension_url("review"), "extension": trail},
        ]
        if record.superseded_by:
            successor = self.ds.get(record.superseded_by)
            key = (
                self.claim_key(successor)
                if isinstance(successor, Claim)
                else ("ClinicalUseDefinition", record.superseded_by)
            )
            out.append({"url": extension_url("superseded-by"), "valueReference": _ref(*key)})
        for other in getattr(record, "conflicts_with", ()):
            out.append(
                {"url": extension_url("conflicts-with"), "valueReference": _ref(*self.claim_key(self.ds.claim(other)))}
            )
        return out

    def travelling(self, claim: Claim) -> list[dict[str, Any]]:
        """The claim's caveats and external editorial notes, which a reader of the claim alone must see."""
        out: list[dict[str, Any]] = [
            {"url": extension_url("caveat"), "valueReference": _ref("ClinicalUseDefinition", c)} for c in claim.caveats
        ]
        for note in claim.notes:
            parts = [{"url": "text", "valueString": note.text}, {"url": "reason", "valueString": note.reason}]
            out.append({"url": extension_url("editorial-note"), "extension": parts})
        return out

    def claim(self, claim: Claim) -> tuple[str, Resource]:
        common: Resource = {
            "text": _narrative(claim.statement),
            "extension": [*_quotes(claim.evidence), *_wording(claim), *self.governance(claim), *self.travelling(claim)],
            "identifier": _identifiers("claim", claim),
        }
        if self.claim_resource_type(claim) == "Basic":
            return claim.id, {"resourceType": "Basic", **common, **self._basic(claim)}
        resource: Resource = {
            "resourceType": "ClinicalUseDefinition",
            **common,
            "category": [_own("category", claim.category, self.ds.category(claim.category).label),
                         _own("evidence-status", claim.evidence_status,
                              self.ds.evidence_status(claim.evidence_status).label)],
            "status": _status(claim),
            "subject": [_ref("Medication", d.id) for d in self.drugs],
        }  # fmt: skip
        target = {"concept": self._object(claim)}
        if claim.predicate in INDICATIONS:
            resource.update(type="indication", indication={"diseaseSymptomProcedure": target})
            resource.update(self._not_established(claim))
        elif claim.predicate == "can_have_side_effect":
            resource.update(type="undesirable-effect", undesirableEffect={"symptomConditionEffect": target})
        else:
            warning: dict[str, Any] = {"description": markdown_text(claim.statement)}
            if claim.object.concept:
                warning["code"] = self._object(claim)
            resource.update(type="warning", warning=warning)
        return claim.id, resource

    def _not_established(self, claim: Claim) -> Resource:
        """The marks of an indication the article does not present as established, or nothing.

        A modifier extension no consumer may ignore (FHIR: a system that does not understand a modifier must not
        use the resource as if it were absent), and the status in the narrative, so that neither a program nor a
        reader takes it for an established indication.
        """
        if claim.evidence_status == ESTABLISHED:
            return {}
        status = self.ds.evidence_status(claim.evidence_status)
        summary = f"Not an established indication. {status.label}: {status.definition}"
        parts: list[dict[str, Any]] = [{"url": "evidence-status", "valueCoding": _own(
            "evidence-status", status.id, status.label)["coding"][0]}]  # fmt: skip
        parts += [{"url": "hedge", "valueString": claim.hedge}] if claim.hedge else []
        parts.append({"url": "summary", "valueString": summary})
        return {"modifierExtension": [{"url": extension_url("not-established"), "extension": parts}],
                "text": _narrative(f"{claim.statement} ({summary})")}  # fmt: skip

    def _basic(self, claim: Claim) -> Resource:
        predicate = self.ds.predicate(claim.predicate)
        value: dict[str, Any]
        quantity = claim.object.quantity
        if claim.object.concept:
            value = {"valueCodeableConcept": self._object(claim)}
        elif quantity and quantity.low is not None and quantity.high is not None:
            unit = {"unit": quantity.unit, "system": "http://unitsofmeasure.org", "code": quantity.unit}
            value = {"valueRange": {"low": {"value": quantity.low, **unit}, "high": {"value": quantity.high, **unit}}}
        else:
            value = {"valueString": claim.object.value or ""}
        resource: Resource = {
            "code": _own("predicate", predicate.id, predicate.label),
            "extension": [
                *_quotes(claim.evidence),
                *_wording(claim),
                *self.governance(claim),
                *self.travelling(claim),
                {"url": extension_url("claim-category"), "valueCoding": _own("category", claim.category,
                                                                     self.ds.category(claim.category).label)["coding"][0]},
                {"url": extension_url("claim-subject"),
                 "valueCodeableConcept": _concept(self.ds.concept(claim.subject))},
                {"url": extension_url("claim-object"), **value},
            ],
        }  # fmt: skip
        if claim.subject in self.drug_ids:
            resource["subject"] = _ref("SubstanceDefinition", claim.subject)
        return resource

    def caveat(self, caveat: Caveat) -> tuple[str, Resource]:
        applies = [{"url": extension_url("applies-to"), "valueReference": _ref(*self.claim_key(self.ds.claim(c)))}
                   for c in caveat.applies_to]  # fmt: skip
        return caveat.id, {
            "resourceType": "ClinicalUseDefinition",
            "text": _narrative(caveat.statement),
            "extension": [*_quotes(caveat.evidence), *_wording(caveat), *self.governance(caveat), *applies],
            "identifier": _identifiers("caveat", caveat),
            "type": "warning",
            "category": [_own("caveat-kind", caveat.kind, caveat.kind.replace("-", " "))],
            "status": _status(caveat),
            "subject": [_ref("Medication", d.id) for d in self.drugs],
            "warning": {"description": markdown_text(caveat.statement)},
        }

    def assessment(self, claim: Claim) -> tuple[str, Resource]:
        status = self.ds.evidence_status(claim.evidence_status)
        reviewed = {"lastReviewDate": claim.review.reviewed_on} if claim.review.reviewed_on else {}
        return claim.id, {
            "resourceType": "ArtifactAssessment",
            "text": _narrative(f"How firmly the article states {claim.id}: {status.label}. {status.definition}"),
            "identifier": [{"system": "urn:ketdata:assessment", "value": claim.id}],
            **reviewed,
            "artifactReference": _ref(*self.claim_key(claim)),
            "content": [{
                "informationType": "classifier",
                "classifier": [_own("evidence-status", status.id, status.label)],
                "summary": markdown_text(status.definition),
            }],
        }  # fmt: skip

    def provenance(self, derived: Iterable[tuple[str, str]]) -> tuple[str, Resource]:
        targets = [_ref(kind, key) for kind, key in derived]
        # Provenance has no identifier element in FHIR: its id, derived from the dataset's, is stable.
        resource: Resource = {
            "resourceType": "Provenance",
            "text": _narrative(
                f"The {len(targets)} resources derived from the article, decomposed into claims and "
                f"caveats by the maintainers of {self.ds.info.id}."
            ),
            "target": targets,
            "activity": {
                "text": "Decomposed from the cited article into claims and caveats by the ketdata maintainers"
            },
            "agent": [{"who": _ref("Organization", self.ds.info.id)}],
            "entity": [
                {"role": "source", "what": _ref(kind, s.id)}
                for s in self.ds.sources
                for kind in ("Citation", "DocumentReference")
            ],
        }
        if self.ds.info.release_date:
            resource["recorded"] = f"{self.ds.info.release_date}T00:00:00Z"
        return self.ds.info.id, resource


def publication_status(record: Claim | Caveat) -> str:
    """FHIR publication status: retired once deprecated or withdrawn, draft until reviewed, else active."""
    if record.status != "active":
        return "retired"
    return "active" if record.review.status == "reviewed" else "draft"


def _status(record: Claim | Caveat) -> dict[str, Any]:
    code = publication_status(record)
    return {"coding": [{"system": "http://hl7.org/fhir/publication-status", "code": code, "display": code.title()}]}


def resource_lines(ds: Dataset) -> Iterator[tuple[str, str, str]]:
    """Each resource as ``(resource type, fullUrl, compact JSON)``, built one at a time."""
    for key, resource in _Builder(ds).resources():
        url = full_url(resource["resourceType"], key)
        body = {"resourceType": resource["resourceType"], "id": url.removeprefix(_UUID), **resource}
        yield resource["resourceType"], url, compact(body)


def bundle_head(ds: Dataset) -> Resource:
    """The Bundle's members besides its entries."""
    head: Resource = {
        "id": full_url("Bundle", ds.info.id).removeprefix("urn:uuid:"),
        "identifier": {"system": "urn:ketdata:dataset", "value": f"{ds.info.id}|{ds.info.version}"},
        "resourceType": "Bundle",
        "type": "collection",
    }
    if ds.info.release_date:
        head["timestamp"] = f"{ds.info.release_date}T00:00:00Z"
    return head


def entry_lines(ds: Dataset, by_type: dict[str, list[str]]) -> Iterator[str]:
    """The Bundle's entries as compact JSON, one at a time; each resource's NDJSON line goes to ``by_type``."""
    for kind, url, body in resource_lines(ds):
        by_type.setdefault(kind, []).append(body + "\n")
        # An entry's keys sort as fullUrl, resource: its compact form is put together without re-encoding.
        yield f'{{"fullUrl":{compact(url)},"resource":{bundle_references(body)}}}'


def fhir_texts(ds: Dataset) -> tuple[str, dict[str, str]]:
    """The Bundle's JSON and the per-type NDJSON, from one pass over the resources."""
    by_type: dict[str, list[str]] = {}
    bundle = record_lines(bundle_head(ds), {"entry": entry_lines(ds, by_type)})
    return bundle, {kind: "".join(lines) for kind, lines in sorted(by_type.items())}


def to_fhir_bundle(ds: Dataset) -> str:
    """The dataset as a FHIR R5 ``Bundle`` of type ``collection`` (JSON, sorted keys, an entry a line)."""
    return fhir_texts(ds)[0]


def to_fhir_ndjson(ds: Dataset) -> dict[str, str]:
    """The bundle's resources as Bulk Data NDJSON: one text per resource type, one resource per line."""
    return fhir_texts(ds)[1]
