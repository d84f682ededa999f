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
from ketdata._export import export, load_csv, render, stale_files, to_parquet
from ketdata._model.frozen import fields, replace

from .helpers import DATA, ROOT

EXPORTS = ROOT / "exports"
DS = ketdata.load(DATA)
FILES = render(DS)


def test_committed_exports_are_current() -> None:
    assert stale_files(DS, EXPORTS) == []


# --- JSON -------------------------------------------------------------------------------------------


KINDS = ("sources", "categories", "evidence_statuses", "predicates", "concepts", "claims", "caveats", "rules")
LINE_SCHEMAS = {attr: json.loads(FILES[f"json/{attr}.schema.json"]) for attr in KINDS}


def test_json_export_is_valid_against_its_schema() -> None:
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in LINE_SCHEMAS.values()
    )
    export_schema = json.loads(FILES["json/ketdata.schema.json"])
    doc = json.loads(FILES["json/ketdata.json"])
    errors = [e.message for e in Draft202012Validator(export_schema, registry=registry).iter_errors(doc)]
    assert errors == []
    doc["claims"][0]["colour"] = "red"
    assert not Draft202012Validator(export_schema, registry=registry).is_valid(doc)
    del doc["claims"][0]["colour"], doc["claims"][0]["reason"]
    assert not Draft202012Validator(export_schema, registry=registry).is_valid(doc)


def _keys(node: Any, schema: dict[str, Any]) -> list[str]:
    """Every key path of a value, with the paths its schema declares that it lacks marked 'missing'."""
    if isinstance(node, list):
        return [k for item in node for k in _keys(item, schema["items"])]
    if not isinstance(node, dict):
        return []
    paths = [] if list(node) == list(schema["properties"]) else [f"order or fields: {list(node)}"]
    for name, sub in schema["properties"].items():
        paths += [f"{name}.{k}" for k in _keys(node[name], sub)] if name in node else [f"missing {name}"]
    return paths


@pytest.mark.parametrize("attr", KINDS)
def test_every_ndjson_line_has_every_field_in_one_order(attr: str) -> None:
    schema = LINE_SCHEMAS[attr]
    validator = Draft202012Validator(schema)
    lines = [json.loads(line) for line in FILES[f"json/{attr}.ndjson"].decode("utf-8").splitlines()]
    assert [e.message for line in lines for e in validator.iter_errors(line)] == []
    assert [k for line in lines for k in _keys(line, schema)] == []
    assert schema["required"] == list(schema["properties"]) == sorted(schema["properties"])


def test_unset_optional_fields_are_null_or_empty_at_every_depth() -> None:
    claims = {c["id"]: c for c in map(json.loads, FILES["json/claims.ndjson"].decode("utf-8").splitlines())}
    plain = next(c for c in claims.values() if c["object"]["quantity"] is None)
    assert (plain["reason"], plain["conflicts_with"]) == (None, [])
    assert "reviewed_by" in plain["review"]
    concepts = [json.loads(line) for line in FILES["json/concepts.ndjson"].decode("utf-8").splitlines()]
    glosses = [g for c in concepts for g in [c["definition"], *c["synonyms"]] if g is not None]
    assert {tuple(g) for g in glosses} == {("evidence", "origin", "reason", "text")}
    assert any(g["evidence"] is None for g in glosses) and any(g["reason"] is None for g in glosses)


def test_line_schemas_make_unset_fields_nullable_and_keep_value_rules() -> None:
    claim = LINE_SCHEMAS["claims"]["properties"]
    assert claim["reason"]["type"] == ["string", "null"] and claim["id"]["type"] == "string"
    assert claim["status"]["enum"] == ["active", "deprecated", "withdrawn"]
    assert claim["conflicts_with"]["type"] == "array"
    quantity = claim["object"]["properties"]["quantity"]
    assert quantity["type"] == ["object", "null"] and quantity["properties"]["unit"]["type"] == "string"
    record = json.loads((ROOT / "schema" / "claim.schema.json").read_text(encoding="utf-8"))
    assert claim["statement"]["description"] == record["properties"]["statement"]["description"]


def test_json_export_is_sorted_utf8_with_final_newline() -> None:
    text = FILES["json/ketdata.json"].decode("utf-8")
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert [c["id"] for c in doc["claims"]] == sorted(c["id"] for c in doc["claims"])
    lines = text.splitlines()
    assert (lines[0], lines[-1]) == ("{", "}")
    claim_lines = [line.rstrip(",") for line in lines if line.startswith('{"category"') and '"evidence"' in line]
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
    # A field no record has yet is a column all the same: a query naming it works today.
    reasons = con.execute(f"select count(reason) from read_json('{written}/json/claims.ndjson')").fetchone()
    assert reasons == (sum(c.reason is not None for c in DS.claims),)


def duckdb_type(node: dict[str, Any]) -> str:
    """A line schema node as a DuckDB type, as a pipeline declares it."""
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    kind = next(k for k in kinds if k != "null")
    if kind == "array":
        return duckdb_type(node["items"]) + "[]"
    if kind == "object":
        return "STRUCT(" + ", ".join(f'"{n}" {duckdb_type(s)}' for n, s in node["properties"].items()) + ")"
    return {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}[kind]


@pytest.mark.parametrize("attr", KINDS)
def test_duckdb_declared_schema_agrees_with_the_inferred_one(written: Path, attr: str) -> None:
    import duckdb

    con = duckdb.connect()
    path = written / "json" / f"{attr}.ndjson"
    columns = {name: duckdb_type(sub) for name, sub in LINE_SCHEMAS[attr]["properties"].items()}
    declared = f"read_json('{path}', format='newline_delimited', columns={columns!r})"
    inferred = f"read_json('{path}', format='newline_delimited')"
    described = [con.execute(f"describe select * from {source}").fetchall() for source in (declared, inferred)]
    assert [row[0] for row in described[0]] == [row[0] for row in described[1]] == list(columns)
    for (name, want, *_), (_, got, *_) in zip(*described, strict=True):
        # Inference can only be less informed: a field null in every record, or numbers that happen to be whole.
        assert got == want or '"NULL"' in got or "JSON" in got or want.replace("DOUBLE", "BIGINT") == got, name
    rows = [con.execute(f"select * from {source}").fetchall() for source in (declared, inferred)]
    assert len(rows[0]) == len(getattr(DS, attr))
    assert rows[0] == [tuple(json.loads(v) if isinstance(v, str) and t.startswith("JSON") else v
                             for v, (_, t, *_) in zip(row, described[1], strict=True)) for row in rows[1]]  # fmt: skip


# --- Parquet ----------------------------------------------------------------------------------------


def csv_rows(written: Path, table: str) -> int:
    with (written / "csv" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return len(list(csv.reader(handle))) - 1


@pytest.mark.parametrize("attr", KINDS)
def test_pyarrow_and_duckdb_read_every_parquet_file(written: Path, attr: str) -> None:
    import duckdb
    import pyarrow.parquet as pq

    path = written / "parquet" / f"{attr}.parquet"
    table = pq.read_table(path)
    count = duckdb.connect().execute(f"select count(*) from read_parquet('{path}')").fetchone()
    assert table.num_rows == csv_rows(written, attr) == len(getattr(DS, attr)) and count == (table.num_rows,)
    lines = [json.loads(line) for line in FILES[f"json/{attr}.ndjson"].decode("utf-8").splitlines()]
    assert table.to_pylist() == lines
    assert table.column_names == list(LINE_SCHEMAS[attr]["properties"])


def test_parquet_nests_lists_and_structs_and_round_trips_them(written: Path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    claims = pq.read_table(written / "parquet" / "claims.parquet")
    evidence = claims.schema.field("evidence")
    assert pa.types.is_list(evidence.type) and pa.types.is_struct(evidence.type.value_type)
    assert claims.schema.field("version").type == pa.int64() and not claims.schema.field("id").nullable
    spans = [[{n: getattr(s, n) for n in fields(s)} for s in c.evidence] for c in DS.claims]
    assert [[dict(sorted(s.items())) for s in row] for row in claims.column("evidence").to_pylist()] == [
        [dict(sorted(s.items())) for s in row] for row in spans
    ]
    con = duckdb.connect()
    quotes = con.execute(
        f"select id, evidence[1].quote from read_parquet('{written}/parquet/claims.parquet') order by id"
    ).fetchall()
    assert quotes == [(c.id, c.evidence[0].quote) for c in DS.claims]
    caveats = pq.read_table(written / "parquet" / "caveats.parquet").to_pylist()
    assert [v["applies_to"] for v in caveats] == [list(v.applies_to) for v in DS.caveats]
    codings = pq.read_table(written / "parquet" / "concepts.parquet").column("codings").to_pylist()
    assert [[c["code"] for c in row] for row in codings] == [[c.code for c in k.codings] for k in DS.concepts]


def test_to_parquet_gives_the_exported_files() -> None:
    assert to_parquet(DS) == {attr: FILES[f"parquet/{attr}.parquet"] for attr in KINDS}


def test_parquet_columns_carry_their_schema_descriptions(written: Path) -> None:
    import pyarrow.parquet as pq

    schema = pq.read_schema(written / "parquet" / "claims.parquet")
    line = LINE_SCHEMAS["claims"]
    assert schema.field("statement").metadata[b"description"].decode() == line["properties"]["statement"]["description"]
    quote = schema.field("evidence").type.value_field.type.field("quote")
    assert quote.metadata[b"description"].decode().startswith("The quoted text")
    assert schema.metadata[b"json_schema"] == b"urn:ketdata:export:json:claims"


def test_a_parquet_file_another_writer_made_is_stale_and_export_rewrites_it(written: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = shutil.copytree(written, tmp_path / "exports")
    path = out / "parquet" / "claims.parquet"
    # The same table, written differently (as another pyarrow version might): other bytes, the same contents,
    # yet other statistics and pages, which readers act on: only the bytes written now are current.
    pq.write_table(pq.read_table(path), path, compression="snappy")
    rewritten = path.read_bytes()
    assert rewritten != FILES["parquet/claims.parquet"]
    assert stale_files(DS, out) == ["parquet/claims.parquet"]
    # An export never keeps a file whose bytes differ from what it writes now: the file gets this run's bytes.
    export(DS, out)
    assert path.read_bytes() == FILES["parquet/claims.parquet"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = next(f for f in manifest["files"] if f["path"] == "parquet/claims.parquet")
    assert listed["sha256"] == hashlib.sha256(FILES["parquet/claims.parquet"]).hexdigest()
    assert stale_files(DS, out) == []
    # Other contents are stale, and an export replaces them.
    pq.write_table(pq.read_table(path).slice(1), path)
    assert stale_files(DS, out) == ["parquet/claims.parquet"]
    export(DS, out)
    assert path.read_bytes() == FILES["parquet/claims.parquet"]


def test_a_parquet_file_with_false_statistics_and_a_matching_manifest_is_stale(written: Path, tmp_path: Path) -> None:
    import duckdb
    import pyarrow.parquet as pq

    out = shutil.copytree(written, tmp_path / "exports")
    path = out / "parquet" / "claims.parquet"
    real = path.read_bytes()
    highest = max(DS.claims, key=lambda c: c.id).id.encode()
    # The id column's max statistic (footer and page header) lowered: the values stay, a filter skips them.
    assert real.count(highest) == 2 and len(highest) == len(b"claim-010")
    crafted = real.replace(highest, b"claim-010")
    path.write_bytes(crafted)
    manifest = out / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(hashlib.sha256(real).hexdigest(), hashlib.sha256(crafted).hexdigest()), "utf-8")
    assert pq.read_table(path).equals(pq.read_table(written / "parquet" / "claims.parquet"))
    query = f"select count(*) from '{path}' where id = 'claim-045'"
    assert duckdb.connect().execute(query).fetchone() == (0,)  # the attack works on a real reader
    assert "parquet/claims.parquet" in stale_files(DS, out)
    done = subprocess.run([sys.executable, "-m", "ketdata", "export", "--check", "--out", str(out), str(DATA)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1 and "parquet/claims.parquet" in done.stdout, done.stdout + done.stderr


def test_importing_and_loading_never_imports_pyarrow() -> None:
    code = "import sys, ketdata, ketdata._export; ketdata.load(); print('pyarrow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


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


NOT_ESTABLISHED = "urn:ketdata:fhir:StructureDefinition:not-established"


def _indications(dataset: ketdata.Dataset) -> dict[str, Any]:
    """Each indication ClinicalUseDefinition, parsed by fhir.resources, by the claim it comes from."""
    from fhir.resources.bundle import Bundle

    bundle = Bundle.model_validate_json(render(dataset)["fhir/bundle.json"])
    found = {}
    for entry in bundle.entry:
        cud = entry.resource
        if type(cud).__name__ == "ClinicalUseDefinition" and cud.type == "indication":
            found[cud.identifier[0].value] = cud
    return found


def test_an_indication_the_article_does_not_establish_cannot_be_read_as_established() -> None:
    indications = _indications(DS)
    hedged = {c.id for c in DS.claims if c.id in indications and c.evidence_status != "established"}
    # potential (claim-019), experimental (claim-021), "typically used when" (claim-043, claim-044)
    assert {"claim-019", "claim-021", "claim-043", "claim-044"} <= hedged
    for claim_id, cud in indications.items():
        claim = DS.claim(claim_id)
        modifiers = [m for m in cud.modifierExtension or () if m.url == NOT_ESTABLISHED]
        if claim_id not in hedged:
            assert modifiers == [] and "Not an established indication" not in cud.text.div, claim_id
            continue
        (modifier,) = modifiers
        parts = {p.url: p for p in modifier.extension}
        assert parts["evidence-status"].valueCoding.code == claim.evidence_status, claim_id
        assert (parts["hedge"].valueString if "hedge" in parts else None) == claim.hedge, claim_id
        assert "Not an established indication" in cud.text.div and claim.statement in cud.text.div, claim_id
    profile = json.loads(FILES["fhir/package/StructureDefinition-ketdata-not-established.json"])
    root = profile["differential"]["element"][0]
    assert root["isModifier"] is True and root["isModifierReason"]


def test_an_established_indication_turned_potential_gains_the_modifier() -> None:
    claim = DS.claim("claim-002")
    claims = tuple(replace(c, evidence_status="potential") if c.id == claim.id else c for c in DS.claims)
    changed = replace(DS, claims=claims)
    assert not _indications(DS)["claim-002"].modifierExtension
    (modifier,) = _indications(changed)["claim-002"].modifierExtension
    assert modifier.url == NOT_ESTABLISHED


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
    (document,) = [e for e in BUNDLE["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    assert provenance["entity"] == [
        {"role": "source", "what": {"reference": citation["fullUrl"]}},
        {"role": "source", "what": {"reference": document["fullUrl"]}},
    ]
    targets = {t["reference"] for t in provenance["target"]}
    derived = {e["fullUrl"] for e in BUNDLE["entry"]} - {citation["fullUrl"], document["fullUrl"]}
    derived -= {
        e["fullUrl"] for e in BUNDLE["entry"] if e["resource"]["resourceType"] in ("Organization", "Provenance")
    }
    assert targets == derived


def test_substance_carries_codes_and_street_names() -> None:
    (substance,) = resources("SubstanceDefinition")
    assert substance["identifier"] == [
        {"system": "urn:ketdata:concept", "value": "ketamine"},
        {"system": "http://fdasis.nlm.nih.gov", "value": "690G0D6V8H"},
    ]
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
    assert listed["parquet/claims.parquet"]["records"] == len(DS.claims)
    assert {f"json/{attr}.schema.json" for attr in KINDS} | {"json/ketdata.schema.json"} <= set(listed)


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

    monkeypatch.setattr("ketdata._io.files.os.fdopen", failing_fdopen)
    with pytest.raises(OSError, match="No space"):
        export(changed, out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.rglob(".*")] == []
