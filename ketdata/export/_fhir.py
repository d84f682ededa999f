"""The FHIR R5 export: a ``collection`` Bundle of the dataset, and the same resources as Bulk Data NDJSON.

Mapping (record -> resource):

* a concept with an RxNorm coding (ketamine) -> ``SubstanceDefinition`` (UNII identifier, SNOMED CT code,
  names, street names from ``has_street_name`` claims, class from ``member_of_class`` claims), a
  ``Medication`` (the subject every ClinicalUseDefinition may point at) and a ``MedicationKnowledge``
  (RxNorm code, ATC class, routes from ``administered_by_route`` claims, ``clinicalUseIssue`` links);
* a claim whose predicate is an indication (``used_for``, ``potential_treatment_for``,
  ``alternative_treatment_for``, ``used_when``) -> ``ClinicalUseDefinition`` type ``indication``; one with
  ``has_side_effect`` -> type ``undesirable-effect``; one in the harms or safety-guidance category ->
  type ``warning``; any other claim -> ``Basic`` coded with its predicate, so nothing is lost;
* a caveat -> ``ClinicalUseDefinition`` type ``warning``, linked to its claims by an extension;
* each claim's evidence status -> an ``ArtifactAssessment`` whose ``classifier`` content carries the
  status from ketdata's own code system (the article grades no certainty, so no GRADE rating is implied);
* the article -> ``Citation`` (author, URL and date unknown, so absent); the maintainers ->
  ``Organization``; one ``Provenance`` ties every derived resource to the Citation.

Every claim and caveat resource carries two identifiers, ``urn:ketdata:claim`` (the id) and
``urn:ketdata:claim-version`` (``id|version``), its statement as narrative, and its verbatim quote and
offsets in a ``source-quote`` extension, and its governance: ``publication-status`` (draft until reviewed,
active once reviewed, retired once deprecated or withdrawn; also ``ClinicalUseDefinition.status``), the
``review`` trail (also ``ArtifactAssessment.lastReviewDate``), ``superseded-by`` and ``conflicts-with``.
Every record is exported, whatever its status. ``fullUrl`` values are
``urn:uuid:`` UUIDv5s of the resource type and record id, so they are stable between builds.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from ketdata._escape import markdown_text, xhtml_text
from ketdata._model import Caveat, Claim, Coding, Concept, Dataset, EvidenceSpan, Source
from ketdata.export._json import compact, record_lines

Resource = dict[str, Any]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ketdata")
_NAMESPACE_BYTES = _NAMESPACE.bytes
_CS = "urn:ketdata:fhir:CodeSystem:"
_EXT = "urn:ketdata:fhir:StructureDefinition:"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
UNII = "http://fdasis.nlm.nih.gov"
SNOMED = "http://snomed.info/sct"
INDICATIONS = frozenset({"used_for", "potential_treatment_for", "alternative_treatment_for", "used_when"})
WARNING_CATEGORIES = frozenset({"harms", "safety-guidance"})


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
    return {"reference": full_url(resource_type, key)}


def _narrative(text: str) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{xhtml_text(text)}</div>'}


def _coding(c: Coding) -> dict[str, str]:
    return {"system": c.system, "code": c.code, "display": c.display}


def _mapped(c: Coding) -> dict[str, Any]:
    """A code that may not stand for the concept (narrower, broader, related), carried with its relation."""
    return {"url": _EXT + "mapped-code", "extension": [
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
    return {"coding": [{"system": _CS + system, "code": code, "display": display}]}


def _quotes(spans: tuple[EvidenceSpan, ...]) -> list[dict[str, Any]]:
    return [_quote(s) for s in spans]


def _quote(ref: EvidenceSpan) -> dict[str, Any]:
    return {"url": _EXT + "source-quote", "extension": [
        {"url": "source", "valueString": ref.source},
        {"url": "section", "valueString": ref.section},
        {"url": "role", "valueCode": ref.role},
        {"url": "quote", "valueString": ref.quote},
        {"url": "start", "valueInteger": ref.start},
        {"url": "end", "valueInteger": ref.end},
    ]}  # fmt: skip


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
        if claim.predicate in INDICATIONS or claim.predicate == "has_side_effect":
            return "ClinicalUseDefinition"
        return "ClinicalUseDefinition" if claim.category in WARNING_CATEGORIES else "Basic"

    def resources(self) -> Iterator[tuple[str, Resource]]:
        """Every resource with the record id it comes from, one at a time (the Provenance last)."""
        derived: list[tuple[str, str]] = []
        yield self.organization()
        yield from (self.citation(s) for s in self.ds.sources)
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
        return info.id, {"resourceType": "Organization", "name": ", ".join(m.name for m in info.maintainers)}

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
            "identifier": [{"system": k.system, "value": k.code} for k in drug.codings if k.system == UNII],
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
        return drug.id, {"resourceType": "Medication", "code": code, "status": "active"}

    def knowledge(self, drug: Concept) -> tuple[str, Resource]:
        routes = [self.ds.concept(c.object.concept) for c in self.active
                  if c.predicate == "administered_by_route" and c.object.concept]  # fmt: skip
        issues = [self.claim_key(c) for c in self.claims if self.claim_resource_type(c) == "ClinicalUseDefinition"]
        issues += [("ClinicalUseDefinition", v.id) for v in self.caveats]
        resource: Resource = {
            "resourceType": "MedicationKnowledge",
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
        trail += [{"url": "reviewedOn", "valueDate": review.reviewed_on}] if review.reviewed_on else []
        trail += [{"url": "reviewDue", "valueDate": review.review_due}] if review.review_due else []
        out: list[dict[str, Any]] = [
            {"url": _EXT + "publication-status", "valueCode": publication_status(record)},
            {"url": _EXT + "review", "extension": trail},
        ]
        if record.superseded_by:
            successor = self.ds.get(record.superseded_by)
            key = (
                self.claim_key(successor)
                if isinstance(successor, Claim)
                else ("ClinicalUseDefinition", record.superseded_by)
            )
            out.append({"url": _EXT + "superseded-by", "valueReference": _ref(*key)})
        for other in getattr(record, "conflicts_with", ()):
            out.append({"url": _EXT + "conflicts-with", "valueReference": _ref(*self.claim_key(self.ds.claim(other)))})
        return out

    def claim(self, claim: Claim) -> tuple[str, Resource]:
        common: Resource = {
            "text": _narrative(claim.statement),
            "extension": [*_quotes(claim.evidence), *self.governance(claim)],
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
        elif claim.predicate == "has_side_effect":
            resource.update(type="undesirable-effect", undesirableEffect={"symptomConditionEffect": target})
        else:
            warning: dict[str, Any] = {"description": markdown_text(claim.statement)}
            if claim.object.concept:
                warning["code"] = self._object(claim)
            resource.update(type="warning", warning=warning)
        return claim.id, resource

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
                *self.governance(claim),
                {"url": _EXT + "claim-category", "valueCoding": _own("category", claim.category,
                                                                     self.ds.category(claim.category).label)["coding"][0]},
                {"url": _EXT + "claim-subject", "valueCodeableConcept": _concept(self.ds.concept(claim.subject))},
                {"url": _EXT + "claim-object", **value},
            ],
        }  # fmt: skip
        if claim.subject in self.drug_ids:
            resource["subject"] = _ref("SubstanceDefinition", claim.subject)
        return resource

    def caveat(self, caveat: Caveat) -> tuple[str, Resource]:
        applies = [{"url": _EXT + "applies-to", "valueReference": _ref(*self.claim_key(self.ds.claim(c)))}
                   for c in caveat.applies_to]  # fmt: skip
        return caveat.id, {
            "resourceType": "ClinicalUseDefinition",
            "text": _narrative(caveat.statement),
            "extension": [*_quotes(caveat.evidence), *self.governance(caveat), *applies],
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
        resource: Resource = {
            "resourceType": "Provenance",
            "target": targets,
            "activity": {
                "text": "Decomposed from the cited article into claims and caveats by the ketdata maintainers"
            },
            "agent": [{"who": _ref("Organization", self.ds.info.id)}],
            "entity": [{"role": "source", "what": _ref("Citation", s.id)} for s in self.ds.sources],
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
        body = {"resourceType": resource["resourceType"], "id": url.removeprefix("urn:uuid:"), **resource}
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
        yield f'{{"fullUrl":{compact(url)},"resource":{body}}}'


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
