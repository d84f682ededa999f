"""The public API: typed, immutable records and look-ups that say what they missed."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ketdata
from ketdata import Claim, Dataset, UnknownRecordError

from .helpers import DATA, ROOT, edit

DS = ketdata.load()


def test_shipped_snapshot_equals_the_yaml_data() -> None:
    assert ketdata.load(DATA) == DS


def test_load_is_cached() -> None:
    assert ketdata.load() is DS


def test_records_are_sorted_tuples_of_frozen_dataclasses() -> None:
    assert isinstance(DS.claims, tuple)
    assert [c.id for c in DS.claims] == sorted(c.id for c in DS.claims)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DS.claims[0].statement = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        DS._records["x"] = DS.claims[0]  # type: ignore[index]


def test_typed_lookup_and_get() -> None:
    claim = DS.claim("claim-002")
    assert isinstance(claim, Claim)
    assert claim.hedge == "primarily"
    assert DS.get("claim-002") is claim
    assert DS.get("no-such-thing") is None
    assert "ketamine" in DS
    assert DS.concept("ketamine").label == "Ketamine"


def test_unknown_id_raises_key_error_with_suggestions() -> None:
    with pytest.raises(KeyError) as caught:
        DS.claim("claim-02")
    error = caught.value
    assert isinstance(error, UnknownRecordError)
    assert "claim-002" in error.suggestions
    assert "did you mean" in str(error)


def test_lookup_of_the_wrong_type_raises() -> None:
    with pytest.raises(UnknownRecordError):
        DS.claim("ketamine")


def test_claims_in_category() -> None:
    names = DS.claims_in("names")
    assert {c.object.value for c in names} == {"Special K", "K", "Vitamin K"}
    direct = DS.claims_in("medical-use")
    nested = DS.claims_in("medical-use", subcategories=True)
    assert set(direct) < set(nested)
    assert set(nested) - set(direct) == set(DS.claims_in("therapy-practice"))
    with pytest.raises(UnknownRecordError):
        DS.claims_in("no-such-category")


def test_claims_with_status() -> None:
    experimental = DS.claims_with_status("experimental")
    assert experimental and all(c.evidence_status == "experimental" for c in experimental)
    assert DS.claims_with_status(DS.evidence_status("uncertain"))


def test_claims_about_concept_as_subject_or_object() -> None:
    about = DS.claims_about("dizziness")
    assert [c.predicate for c in about] == ["has_side_effect"]
    assert len(DS.claims_about("ketamine")) > 10


def test_caveats_for_claim() -> None:
    kinds = {v.kind for v in DS.caveats_for("claim-021")}
    assert {"limitation", "safety-warning", "supervision-requirement", "uncertainty"} <= kinds
    assert {v.id for v in DS.caveats_for("claim-010")} == {"caveat-001", "caveat-005", "caveat-006"}


def test_version_and_info() -> None:
    assert DS.version == DS.info.version
    assert DS.info.license == "MIT"


def test_load_json_round_trip(tmp_path: Path) -> None:
    from ketdata._convert import to_plain

    path = tmp_path / "copy.json"
    snapshot = json.loads((ROOT / "exports" / "json" / "ketdata.json").read_text(encoding="utf-8"))
    assert snapshot["claims"] == [to_plain(c) for c in DS.claims]
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    assert ketdata.load(path) == DS
    assert ketdata.load_json(path) == DS


def test_load_json_rejects_other_json(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"claims": 3}', encoding="utf-8")
    with pytest.raises(ketdata.DataError):
        ketdata.load_json(path)


def test_dataset_is_hashable_free_value() -> None:
    assert isinstance(DS, Dataset)
    assert dataclasses.is_dataclass(DS)


def test_import_and_load_pull_in_neither_yaml_nor_jsonschema() -> None:
    heavy = "('yaml', 'jsonschema', 'referencing')"
    code = f"import sys, ketdata; ketdata.load(); print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"


def test_jsonschema_is_imported_only_when_a_record_fails_the_fast_check(tmp_path: Path) -> None:
    code = "import sys, ketdata; problems = ketdata.validate(sys.argv[1]); print('jsonschema' in sys.modules)"
    clean = subprocess.run([sys.executable, "-c", code, str(DATA)], capture_output=True, text=True, check=True)
    assert clean.stdout.strip() == "False"
    data = shutil.copytree(DATA, tmp_path / "data")
    edit(data / "claims/identity.yaml", "version: 2", "version: 0")
    broken = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=True)
    assert broken.stdout.strip() == "True"


def test_public_api_is_documented() -> None:
    import inspect

    import ketdata.export

    missing = []
    for module in (ketdata, ketdata.export):
        for name in module.__all__:
            obj = getattr(module, name)
            if not (obj.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                missing += [
                    f"{module.__name__}.{name}.{attr}"
                    for attr, member in vars(obj).items()
                    if not attr.startswith("_")
                    and (inspect.isfunction(member) or isinstance(member, property))
                    and not (member.__doc__ or "").strip()
                ]
    assert missing == []
