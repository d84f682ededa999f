"""The FHIR export resolves and checks: every code system and extension is defined in the shipped package,
every reference resolves, and the FHIRPath invariants and required bindings that fhir.resources does not
check hold (evaluated with fhirpathpy against the R5 model, in an environment of its own: see consumers.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

import ketdata
from ketdata._export import render
from ketdata._export._fhir import BASIC_BECAUSE, CLINICAL_USE, FIELD_MAP, _Builder
from ketdata._export._fhir_terms import EXTENSIONS
from ketdata._model.convert import KINDS, build_dataset, to_plain

from .consumers import fhirpath
from .helpers import DATA

DS = ketdata.load(DATA)
FILES = render(DS)
BUNDLE = json.loads(FILES["fhir/bundle.json"])
ENTRIES = [e["resource"] for e in BUNDLE["entry"]]
NDJSON = [
    json.loads(line)
    for name, data in FILES.items()
    if name.startswith("fhir/") and name.endswith(".ndjson")
    for line in data.decode("utf-8").splitlines()
]
PACKAGE = {
    name.removeprefix("fhir/package/"): json.loads(data)
    for name, data in FILES.items()
    if name.startswith("fhir/package/")
}
DEFINITIONS = [r for name, r in PACKAGE.items() if name != "package.json"]
# No shipped record is flagged yet: a copy in memory with one flagged claim (a test fixture, not a review).
FLAGGED_REVIEW = {"status": "flagged", "reviewed_by": "Test Fixture", "reviewer_role": "test role",
                  "reviewed_on": "2026-01-02", "flags": ["wrong-category", "caveat-missing-or-wrong"],
                  "note": "a test note"}  # fmt: skip


def _flagged_bundle() -> dict[str, Any]:
    plain = {kind: [to_plain(r) for r in getattr(DS, attr)] for kind, attr, _ in KINDS}
    plain["claim"][0]["review"] = FLAGGED_REVIEW
    flagged = build_dataset(to_plain(DS.info), plain, str(DATA / "sources"))
    bundle: dict[str, Any] = json.loads(render(flagged)["fhir/bundle.json"])
    return bundle


FLAGGED_BUNDLE = _flagged_bundle()
CODE_SYSTEMS = {r["url"]: r for r in DEFINITIONS if r["resourceType"] == "CodeSystem"}
VALUE_SETS = {r["url"]: r for r in DEFINITIONS if r["resourceType"] == "ValueSet"}
PROFILES = {r["url"]: r for r in DEFINITIONS if r["resourceType"] == "StructureDefinition"}


def evaluate(node: Any, expression: str, env: dict[str, Any] | None = None) -> list[Any]:
    return fhirpath().evaluate(node, expression, env)


# The R5 invariants, as the specification's StructureDefinitions state them.
CUD_1 = (
    "(ClinicalUseDefinition.indication.count() + ClinicalUseDefinition.contraindication.count() + "
    "ClinicalUseDefinition.interaction.count() + ClinicalUseDefinition.undesirableEffect.count() + "
    "ClinicalUseDefinition.warning.count())  < 2"
)
BDL_7 = (
    "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&iif(resource.meta.versionId.exists(), "
    "resource.meta.versionId, '')).isDistinct()"
)
EXT_1 = "extension.exists() != value.exists()"


def holds(node: Any, expression: str | dict[str, str]) -> bool:
    return bool(evaluate(node, expression) == [True])


# --- the package ------------------------------------------------------------------------------------


def test_package_resources_parse_with_fhir_resources_r5() -> None:
    from fhir.resources import get_fhir_model_class

    assert {r["resourceType"] for r in DEFINITIONS} == {"CodeSystem", "ValueSet", "StructureDefinition"}
    for resource in DEFINITIONS:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    manifest = PACKAGE["package.json"]
    assert manifest["fhirVersions"] == ["5.0.0"] and manifest["version"] == DS.version
    assert manifest["dependencies"] == {"hl7.fhir.r5.core": "5.0.0"}
    assert all(f"{r['resourceType']}-{r['id']}.json" in PACKAGE for r in DEFINITIONS)


def test_every_code_system_has_its_value_set() -> None:
    for url, cs in CODE_SYSTEMS.items():
        vs = VALUE_SETS[cs["valueSet"]]
        assert vs["compose"]["include"] == [{"system": url, "version": DS.version}]
        assert cs["count"] == len(cs["concept"]) > 0
        assert all(c["definition"] for c in cs["concept"])
    assert {c["code"] for c in CODE_SYSTEMS["urn:ketdata:fhir:CodeSystem:predicate"]["concept"]} == {
        p.id for p in DS.predicates
    }


def _codings(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and "code" in node:
            yield node
        for value in node.values():
            yield from _codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codings(value)


def test_every_ketdata_code_resolves_in_its_code_system() -> None:
    own = [c for c in _codings(ENTRIES) if c["system"].startswith("urn:ketdata:")]
    assert own
    unresolved = [
        (c["system"], c["code"])
        for c in own
        if c["system"] not in CODE_SYSTEMS or c["code"] not in {k["code"] for k in CODE_SYSTEMS[c["system"]]["concept"]}
    ]
    assert unresolved == []


def _extensions(node: Any, parent: str | None = None) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Every extension with the url of the extension it is part of (None for one on an element)."""
    if isinstance(node, dict):
        for item in [*node.get("extension", []), *node.get("modifierExtension", [])]:
            yield parent, item
            yield from _extensions(item, item["url"])
        for key, value in node.items():
            if key not in ("extension", "modifierExtension"):
                yield from _extensions(value, None)
    elif isinstance(node, list):
        for value in node:
            yield from _extensions(value, parent)


def _value_type(extension: dict[str, Any]) -> str | None:
    keys = [k for k in extension if k.startswith("value")]
    return keys[0].removeprefix("value") if keys else None


def _slices(profile: dict[str, Any]) -> dict[str, tuple[int, set[str]]]:
    """Each sub-extension the profile defines: its minimum count and its value types."""
    elements = profile["differential"]["element"]
    slices = {}
    for element in (e for e in elements if "sliceName" in e):
        value = next(e for e in elements if e["id"] == f"Extension.extension:{element['sliceName']}.value[x]")
        slices[element["sliceName"]] = element["min"], {t["code"][0].upper() + t["code"][1:] for t in value["type"]}
    return slices


def _own_types(profile: dict[str, Any]) -> set[str]:
    value = next(e for e in profile["differential"]["element"] if e["id"] == "Extension.value[x]")
    return {t["code"][0].upper() + t["code"][1:] for t in value.get("type", [])}


def test_every_extension_resolves_to_its_structure_definition() -> None:
    found = list(_extensions(ENTRIES))
    used = {ext["url"] for parent, ext in found if parent is None}
    assert used <= set(PROFILES) and len(used) >= 8  # the shipped data has no superseded or conflicting claims
    for parent, ext in found:
        if parent is None:
            profile = PROFILES[ext["url"]]
            slices = _slices(profile)
            if slices:
                parts = [p["url"] for p in ext["extension"]]
                assert set(parts) <= set(slices) and len(parts) == len(set(parts)), ext
                assert {n for n, (least, _) in slices.items() if least == 1} <= set(parts), ext
            else:
                assert _value_type(ext) in _own_types(profile), ext
        else:
            assert _value_type(ext) in _slices(PROFILES[parent])[ext["url"]][1], (parent, ext)


# --- references -------------------------------------------------------------------------------------


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_bundle_references_resolve_to_its_full_urls() -> None:
    urls = {e["fullUrl"] for e in BUNDLE["entry"]}
    refs = list(_references(BUNDLE))
    assert refs and all(r.startswith("urn:uuid:") for r in refs)
    assert [r for r in refs if r not in urls] == []


def test_ndjson_references_are_relative_and_resolve_among_the_ndjson_files() -> None:
    present = {f"{r['resourceType']}/{r['id']}" for r in NDJSON}
    refs = list(_references(NDJSON))
    assert refs and not any(r.startswith("urn:") for r in refs)
    assert [r for r in refs if r not in present] == []
    assert len(refs) == len(list(_references(BUNDLE)))


# --- invariants and required bindings, by FHIRPath ----------------------------------------------------


def test_cud_1_holds_and_can_fail() -> None:
    cuds = [r for r in ENTRIES if r["resourceType"] == "ClinicalUseDefinition"]
    assert cuds and all(holds(r, CUD_1) for r in cuds)
    broken = {**cuds[0], "indication": {}, "warning": {"description": "both"}}
    assert not holds(broken, CUD_1)


def test_bdl_7_holds_and_can_fail() -> None:
    assert holds(BUNDLE, BDL_7)
    broken = copy.deepcopy(BUNDLE)
    broken["entry"][1]["fullUrl"] = broken["entry"][0]["fullUrl"]
    assert not holds(broken, BDL_7)


def test_ext_1_holds_on_every_extension_and_can_fail() -> None:
    extensions = [ext for _, ext in _extensions([*ENTRIES, *DEFINITIONS])]
    assert len(extensions) > 100
    failing = [e["url"] for e in extensions if not holds(e, {"base": "Extension", "expression": EXT_1})]
    assert failing == []
    both = {"url": "x", "valueString": "v", "extension": extensions[:1]}
    assert not holds(both, {"base": "Extension", "expression": EXT_1})


# Each required binding of the R5 elements the export uses, as a FHIRPath from the resource holding it; the
# allowed codes are those fhir.resources' models carry for the same element.
REQUIRED = {
    "Bundle.type": "Bundle.type",
    "ArtifactAssessmentContent.informationType": "ArtifactAssessment.content.informationType",
    "Citation.status": "Citation.status",
    "DocumentReference.status": "DocumentReference.status",
    "ClinicalUseDefinition.type": "ClinicalUseDefinition.type",
    "Medication.status": "Medication.status",
    "MedicationKnowledge.status": "MedicationKnowledge.status",
    "Narrative.status": "descendants().ofType(Narrative).status",
    "ProvenanceEntity.role": "Provenance.entity.role",
    "CodeSystem.content": "CodeSystem.content",
    "CodeSystem.status": "CodeSystem.status",
    "ValueSet.status": "ValueSet.status",
    "StructureDefinition.status": "StructureDefinition.status",
    "StructureDefinition.kind": "StructureDefinition.kind",
    "StructureDefinition.derivation": "StructureDefinition.derivation",
    "StructureDefinitionContext.type": "StructureDefinition.context.type",
    "ElementDefinitionBinding.strength": "StructureDefinition.differential.element.binding.strength",
    "ElementDefinitionSlicing.rules": "StructureDefinition.differential.element.slicing.rules",
    "ElementDefinitionSlicingDiscriminator.type": "StructureDefinition.differential.element.slicing.discriminator.type",
}


def _allowed_codes() -> dict[str, set[str]]:
    """Every required binding fhir.resources knows on what the export holds, with its allowed codes."""
    from fhir.resources import get_fhir_model_class

    from .test_exports import _bound_codes

    allowed: dict[str, set[str]] = {}
    for resource in [BUNDLE, *DEFINITIONS]:
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        for where, _, codes in _bound_codes(model):
            allowed[where] = set(codes)
    return allowed


def test_required_bindings_hold_by_fhirpath() -> None:
    allowed = _allowed_codes()
    assert set(allowed) <= set(REQUIRED), "a required binding this test does not check"
    documents = [BUNDLE, *ENTRIES, *DEFINITIONS]
    checked, offenders = set(), []
    for where, path in REQUIRED.items():
        for doc in documents:
            values = evaluate(doc, path)
            checked |= {where} if values else set()
            offenders += [(where, v) for v in values if v not in allowed[where]]
    assert offenders == []
    assert checked == set(allowed)


def _bound_values(extension_url: str, part: str, bundle: dict[str, Any] = FLAGGED_BUNDLE) -> list[Any]:
    """The values of an extension (``part`` "value") or of one of its parts, everywhere in the export."""
    path = "descendants().ofType(Extension).where(url = %ext)"
    path += ".value" if part == "value" else ".extension.where(url = %part).value"
    found = evaluate(bundle, path, {"ext": extension_url, "part": part})
    return [v["code"] if isinstance(v, dict) else v for v in found]


def _codes_of(value_set: str) -> set[str]:
    if value_set in VALUE_SETS:
        (include,) = VALUE_SETS[value_set]["compose"]["include"]
        return {c["code"] for c in CODE_SYSTEMS[include["system"]]["concept"]}
    return _allowed_codes()["Citation.status"]  # the core publication-status value set, the only other one bound


def test_extension_values_keep_their_required_bindings() -> None:
    bindings = [
        (ext.url, part.name, part.binding)
        for ext in EXTENSIONS
        for part in (([ext.value] if ext.value else []) + list(ext.parts))
        if part.binding
    ]
    assert len(bindings) >= 6
    for url, part, value_set in bindings:
        values = _bound_values(url, part)
        assert values, (url, part)
        assert set(values) <= _codes_of(value_set), (url, part)
    assert not set(_bound_values(bindings[0][0], bindings[0][1])) <= {"no-such-code"}


# --- the mapping tables ---------------------------------------------------------------------------------


def _present(record: str, field: str, resource: str = "") -> bool:
    drugs = [c for c in DS.concepts if any(k.system.endswith("rxnorm") for k in c.codings)]
    kinds = ("ClinicalUseDefinition", "Basic")
    claims = [c for c in DS.claims if resource not in kinds or resource == _Builder(DS).claim_resource_type(c)]
    records = {"claim": claims, "caveat": DS.caveats, "concept": drugs, "source": DS.sources}.get(record)
    if records is None:
        return True
    head, _, rest = field.partition(".")
    values = [getattr(r, head) for r in records]
    values = [getattr(v, rest) for v in values if v is not None] if rest else values
    return any(v not in (None, (), "") for v in values)


@pytest.mark.parametrize("row", [r for r in FIELD_MAP if r.resource], ids=lambda r: f"{r.record}.{r.field}")
def test_every_mapping_row_selects_what_the_export_holds(row: Any) -> None:
    if row.resource == "CodeSystem":
        assert any(holds(cs, f"{row.element}.exists()") for cs in CODE_SYSTEMS.values())
        return
    docs = [BUNDLE] if row.resource == "Bundle" else [r for r in ENTRIES if r["resourceType"] == row.resource]
    if row.record in ("claim", "caveat") and row.resource in ("ClinicalUseDefinition", "Basic"):
        # claims and caveats share ClinicalUseDefinition: look at the record's own
        docs = [d for d in docs if any(i.get("system") == f"urn:ketdata:{row.record}" for i in d.get("identifier", ()))]
    found = [v for doc in docs for v in evaluate(doc, row.element)]
    assert bool(found) == _present(row.record, row.field, row.resource)


def test_every_predicate_has_a_resource_and_every_basic_a_reason() -> None:
    predicates = {p.id for p in DS.predicates if not p.superseded_by}  # a superseded one is used by no claim (KD618)
    assert set(CLINICAL_USE) | set(BASIC_BECAUSE) == predicates
    assert not set(CLINICAL_USE) & set(BASIC_BECAUSE)
    basics = {r["code"]["coding"][0]["code"] for r in ENTRIES if r["resourceType"] == "Basic"}
    assert basics and basics <= set(BASIC_BECAUSE)


def test_a_reviews_role_flags_and_note_reach_fhir_and_csv() -> None:
    (claim,) = [
        e["resource"]
        for e in FLAGGED_BUNDLE["entry"]
        if {"system": "urn:ketdata:claim", "value": DS.claims[0].id} in e["resource"].get("identifier", [])
    ]
    review_url = next(e.url for e in EXTENSIONS if e.name == "review")
    (trail,) = [x["extension"] for x in claim["extension"] if x["url"] == review_url]
    parts = [(p["url"], next(v for k, v in p.items() if k.startswith("value"))) for p in trail]
    assert ("reviewerRole", "test role") in parts and ("note", "a test note") in parts
    assert [v for k, v in parts if k == "flag"] == FLAGGED_REVIEW["flags"]
    plain = {kind: [to_plain(r) for r in getattr(DS, attr)] for kind, attr, _ in KINDS}
    plain["claim"][0]["review"] = FLAGGED_REVIEW
    files = render(build_dataset(to_plain(DS.info), plain, str(DATA / "sources")))
    claims = files["csv/claims.csv"].decode("utf-8")
    assert "test role" in claims and "a test note" in claims
    flags = files["csv/claim_review_flags.csv"].decode("utf-8").splitlines()
    assert flags == ["claim_id,position,flag", f"{DS.claims[0].id},0,wrong-category",
                     f"{DS.claims[0].id},1,caveat-missing-or-wrong"]  # fmt: skip
