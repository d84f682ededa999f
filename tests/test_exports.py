"""The exports: valid for the tools pipelines use, deterministic, all-or-nothing, and lossless."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import ketdata
from ketdata._record import replace
from ketdata.export import export, load_csv, render, stale_files

from .helpers import DATA, ROOT

EXPORTS = ROOT / "exports"
DS = ketdata.load(DATA)
FILES = render(DS)


def test_committed_exports_are_current() -> None:
    assert stale_files(DS, EXPORTS) == []


# --- JSON -------------------------------------------------------------------------------------------


def test_json_export_is_valid_against_its_schema() -> None:
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "schema").glob("*.schema.json")]
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    export_schema = next(s for s in schemas if s["$id"] == "urn:ketdata:schema:export")
    doc = json.loads(FILES["json/ketdata.json"])
    errors = [e.message for e in Draft202012Validator(export_schema, registry=registry).iter_errors(doc)]
    assert errors == []
    doc["claims"][0]["colour"] = "red"
    assert not Draft202012Validator(export_schema, registry=registry).is_valid(doc)


def test_json_export_is_sorted_utf8_with_final_newline() -> None:
    text = FILES["json/ketdata.json"].decode("utf-8")
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert [c["id"] for c in doc["claims"]] == sorted(c["id"] for c in doc["claims"])
    lines = text.splitlines()
    assert (lines[0], lines[-1]) == ("{", "}")
    claim_lines = [line.rstrip(",") for line in lines if line.startswith('{"category"')]
    assert [json.loads(line)["id"] for line in claim_lines] == [c.id for c in DS.claims]
    assert all(line == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
               for line in claim_lines)  # fmt: skip


def test_ndjson_has_one_record_per_line() -> None:
    lines = FILES["json/claims.ndjson"].decode("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [c.id for c in DS.claims]


def test_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ketdata.json"
    path.write_bytes(FILES["json/ketdata.json"])
    assert ketdata.load_json(path) == DS


# --- CSV --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    export(DS, out)
    return out


def test_csv_package_passes_the_frictionless_validator(written: Path) -> None:
    from frictionless import validate

    report = validate(written / "csv" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_frictionless_catches_a_broken_foreign_key(written: Path, tmp_path: Path) -> None:
    from frictionless import validate

    broken = shutil.copytree(written / "csv", tmp_path / "csv")
    claims = (broken / "claims.csv").read_text(encoding="utf-8").replace(",identity,", ",no-such-category,", 1)
    (broken / "claims.csv").write_text(claims, encoding="utf-8")
    report = validate(broken / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {e[0] for e in report.flatten(["type"])}


def test_csv_is_rfc4180_and_formula_safe() -> None:
    offenders = []
    for name, data in FILES.items():
        if not name.endswith(".csv"):
            continue
        text = data.decode("utf-8")
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        for row in csv.reader(text.splitlines()):
            offenders += [(name, cell) for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert offenders == []


def test_datapackage_describes_fields_from_the_schemas() -> None:
    package = json.loads(FILES["csv/datapackage.json"])
    claims = next(r for r in package["resources"] if r["name"] == "claims")
    fields = {f["name"]: f for f in claims["schema"]["fields"]}
    schema = json.loads((ROOT / "schema" / "claim.schema.json").read_text(encoding="utf-8"))
    assert fields["statement"]["description"] == schema["properties"]["statement"]["description"]
    assert fields["version"]["type"] == "integer"
    assert fields["object_quantity_approximate"]["type"] == "boolean"
    assert fields["statement"]["constraints"] == {"required": True}
    assert "constraints" not in fields["hedge"]
    assert {"fields": "category", "reference": {"resource": "categories", "fields": "id"}} in claims["schema"][
        "foreignKeys"
    ]
    assert all(f["description"] for r in package["resources"] for f in r["schema"]["fields"])


def test_csv_round_trip(written: Path) -> None:
    assert load_csv(written / "csv") == DS


def test_duckdb_reads_the_csv_and_ndjson(written: Path) -> None:
    import duckdb

    con = duckdb.connect()
    claims = con.execute(f"select count(*), count(hedge) from read_csv('{written}/csv/claims.csv')").fetchone()
    assert claims == (len(DS.claims), sum(c.hedge is not None for c in DS.claims))
    caveats = con.execute(f"select count(*) from read_json('{written}/json/caveats.ndjson')").fetchone()
    assert caveats == (len(DS.caveats),)


# --- FHIR -------------------------------------------------------------------------------------------

BUNDLE = json.loads(FILES["fhir/bundle.json"])
CUD_CHOICES = ("indication", "contraindication", "interaction", "undesirableEffect", "warning")


def resources(kind: str | None = None) -> list[dict[str, Any]]:
    return [e["resource"] for e in BUNDLE["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def test_bundle_parses_with_fhir_resources_r5() -> None:
    import fhir.resources
    from fhir.resources.bundle import Bundle

    assert fhir.resources.__fhir_version__ == "5.0.0"
    bundle = Bundle.model_validate_json(FILES["fhir/bundle.json"])
    assert bundle.type == "collection"
    assert len(bundle.entry or []) == len(BUNDLE["entry"])


def _bound_codes(model: Any) -> Iterator[tuple[str, Any, list[str]]]:
    from fhir_core.fhirabstractmodel import FHIRAbstractModel

    if isinstance(model, list):
        for item in model:
            yield from _bound_codes(item)
        return
    if not isinstance(model, FHIRAbstractModel):
        return
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        allowed = (
            (field.json_schema_extra or {}).get("enum_values") if isinstance(field.json_schema_extra, dict) else None
        )
        if allowed and value is not None:
            yield f"{type(model).__name__}.{name}", value, list(allowed)
        yield from _bound_codes(value)


def test_every_required_binding_holds_an_allowed_code() -> None:
    from fhir.resources.bundle import Bundle

    bundle = Bundle.model_validate_json(FILES["fhir/bundle.json"])
    checked = list(_bound_codes(bundle))
    assert {"Bundle.type", "ClinicalUseDefinition.type", "Citation.status", "ProvenanceEntity.role"} <= {
        where for where, _, _ in checked
    }
    offenders = [(where, value) for where, value, allowed in checked if value not in allowed]
    assert offenders == []


def test_clinical_use_definitions_hold_exactly_one_use_cud_1() -> None:
    offenders = []
    for cud in resources("ClinicalUseDefinition"):
        present = [k for k in CUD_CHOICES if k in cud]
        expected = {"undesirable-effect": "undesirableEffect"}.get(cud["type"], cud["type"])
        if present != [expected]:
            offenders.append((cud["identifier"][0]["value"], cud["type"], present))
    assert offenders == []
    assert {c["type"] for c in resources("ClinicalUseDefinition")} == {"indication", "undesirable-effect", "warning"}


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_every_entry_has_a_full_url_and_every_reference_resolves() -> None:
    urls = {e.get("fullUrl") for e in BUNDLE["entry"]}
    assert None not in urls and len(urls) == len(BUNDLE["entry"])
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in BUNDLE["entry"])
    dangling = [r for r in _references(BUNDLE) if r not in urls]
    assert dangling == []


def test_clinical_use_subjects_are_of_an_allowed_type() -> None:
    types = {e["fullUrl"]: e["resource"]["resourceType"] for e in BUNDLE["entry"]}
    subjects = {types[s["reference"]] for cud in resources("ClinicalUseDefinition") for s in cud["subject"]}
    assert subjects == {"Medication"}


def test_every_active_claim_is_traceable_by_id_and_version() -> None:
    found = {i["value"] for r in resources() for i in r.get("identifier", []) if isinstance(r.get("identifier"), list)}
    missing = [c.id for c in DS.claims if c.status == "active" and not {c.id, f"{c.id}|{c.version}"} <= found]
    assert missing == []


def test_every_claim_has_its_evidence_status_assessed() -> None:
    by_url = {e["fullUrl"]: e["resource"] for e in BUNDLE["entry"]}
    assessed = {
        by_url[a["artifactReference"]["reference"]]["identifier"][0]["value"]: a["content"][0]["classifier"][0]
        for a in resources("ArtifactAssessment")
    }
    assert {claim_id: c["coding"][0]["code"] for claim_id, c in assessed.items()} == {
        c.id: c.evidence_status for c in DS.claims
    }


def test_provenance_ties_every_derived_resource_to_the_citation() -> None:
    (provenance,) = resources("Provenance")
    (citation,) = [e for e in BUNDLE["entry"] if e["resource"]["resourceType"] == "Citation"]
    assert provenance["entity"] == [{"role": "source", "what": {"reference": citation["fullUrl"]}}]
    targets = {t["reference"] for t in provenance["target"]}
    derived = {e["fullUrl"] for e in BUNDLE["entry"]} - {citation["fullUrl"]}
    derived -= {
        e["fullUrl"] for e in BUNDLE["entry"] if e["resource"]["resourceType"] in ("Organization", "Provenance")
    }
    assert targets == derived


def test_substance_carries_codes_and_street_names() -> None:
    (substance,) = resources("SubstanceDefinition")
    assert substance["identifier"] == [{"system": "http://fdasis.nlm.nih.gov", "value": "690G0D6V8H"}]
    street = {n["name"] for n in substance["name"] if "type" in n}
    assert street == {"Special K", "K", "Vitamin K"}
    (knowledge,) = resources("MedicationKnowledge")
    routes = {c["code"] for r in knowledge["definitional"]["intendedRoute"] for c in r["coding"]}
    assert routes == {"47625008", "26643006", "78421000", "46713006"}


def test_fhir_ndjson_matches_the_bundle() -> None:
    from fhir.resources import get_fhir_model_class

    lines = [
        json.loads(line)
        for name, data in FILES.items()
        if name.startswith("fhir/") and name.endswith(".ndjson")
        for line in data.decode("utf-8").splitlines()
    ]
    assert sorted(r["id"] for r in lines) == sorted(r["id"] for r in resources())
    for resource in lines:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


# --- manifest, determinism, atomicity ---------------------------------------------------------------


def test_manifest_lists_every_file_with_its_checksum(written: Path) -> None:
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset_version"] == DS.version
    assert manifest["schema_version"] == json.loads(FILES["json/ketdata.json"])["schema_version"]
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        data = (written / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert listed["json/claims.ndjson"]["records"] == len(DS.claims)
    assert listed["csv/claims.csv"]["records"] == len(DS.claims)


def test_exports_are_byte_identical_whatever_the_environment(tmp_path: Path) -> None:
    outs = []
    for n, (seed, locale) in enumerate([("1", "C"), ("12345", "C.UTF-8")]):
        cwd = tmp_path / f"cwd{n}"
        cwd.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "LC_ALL": locale, "LANG": locale}
        out = tmp_path / f"out{n}"
        subprocess.run([sys.executable, "-m", "ketdata", "export", str(DATA), "--out", str(out)], cwd=cwd, env=env,
                       check=True, capture_output=True)  # fmt: skip
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1] == {k: v for k, v in FILES.items()}


def test_a_failed_write_leaves_the_previous_exports_intact(written: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    out = shutil.copytree(written, tmp_path / "exports")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    changed = replace(DS, claims=DS.claims[:-1])
    calls = {"n": 0}
    real_fdopen = os.fdopen

    def failing_fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        # The fifth file opened for writing finds the disk full (reads, such as the manifest check, pass).
        calls["n"] += "w" in str(args[0] if args else kwargs.get("mode", ""))
        if calls["n"] == 5:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr("ketdata.export._write.os.fdopen", failing_fdopen)
    with pytest.raises(OSError, match="No space"):
        export(changed, out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.rglob(".*")] == []
