"""The public API: typed, immutable records and look-ups that say what they missed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ketdata
from ketdata import Dataset, UnknownRecordError
from ketdata._model.frozen import Frozen, fields, replace
from ketdata.records import Claim

from .helpers import DATA, ROOT, edit

DS = ketdata.load()


def test_shipped_snapshot_equals_the_yaml_data() -> None:
    assert ketdata.load(DATA) == DS


def test_load_is_cached() -> None:
    assert ketdata.load() is DS


def test_records_are_sorted_tuples_of_frozen_slotted_records() -> None:
    assert isinstance(DS.claims, tuple)
    assert [c.id for c in DS.claims] == sorted(c.id for c in DS.claims)
    with pytest.raises(AttributeError):
        DS.claims[0].statement = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del DS.claims[0].statement  # type: ignore[misc]
    with pytest.raises(AttributeError):
        DS.claims[0].extra = 1  # type: ignore[attr-defined]
    assert not hasattr(DS.claims[0], "__dict__")
    first = DS.claims[0]
    assert first == replace(first) and hash(first) == hash(replace(first))
    assert replace(first, statement="x") != first and replace(first, statement="x").statement == "x"
    assert repr(first).startswith("Claim(id='claim-001', version=")
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
    direct = DS.claims_in("medical-use", subcategories=False)
    nested = DS.claims_in("medical-use")
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
    assert [c.predicate for c in about] == ["can_have_side_effect"]
    assert len(DS.claims_about("ketamine")) > 10


def test_caveats_for_claim() -> None:
    kinds = {v.kind for v in DS.caveats_for("claim-021")}
    assert {"limitation", "safety-warning", "supervision-requirement", "uncertainty"} <= kinds
    assert {v.id for v in DS.caveats_for("claim-010")} == {"caveat-001", "caveat-005", "caveat-006"}


def test_version_and_info() -> None:
    assert DS.version == DS.info.version
    assert DS.info.license == "MIT"


def test_load_json_round_trip(tmp_path: Path) -> None:
    from ketdata._export._json import full_plain

    path = tmp_path / "copy.json"
    snapshot = json.loads((ROOT / "exports" / "json" / "ketdata.json").read_text(encoding="utf-8"))
    assert snapshot["claims"] == [full_plain(c) for c in DS.claims]
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
    assert fields(Dataset)[0] == "info" and "_records" not in fields(Dataset)


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

    import ketdata.diff
    import ketdata.errors
    import ketdata.export
    import ketdata.records

    missing = []
    for module in (ketdata, ketdata.records, ketdata.diff, ketdata.errors, ketdata.export):
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


def test_every_public_name_exists_and_no_typo_is_accepted() -> None:
    assert all(hasattr(ketdata, name) for name in ketdata.__all__)
    assert set(ketdata.__all__) <= set(dir(ketdata))
    # The problem model is imported on first use (module __getattr__), and is the one its module defines.
    from ketdata._model import problems

    assert ketdata.DataError is problems.DataError and ketdata.Severity is problems.Severity
    for typo in ("Reveiw", "problems", "__getattr__x"):
        with pytest.raises(ImportError):
            exec(f"from ketdata import {typo}")


def test_severity_equals_its_string_and_validate_puts_errors_first(data: Path) -> None:
    assert ketdata.Severity.ERROR == "error"
    edit(data / "claims" / "identity.yaml", "start: 20", "start: 21")
    report = ketdata.validate(data)
    assert not report.ok and report.errors
    assert report[0].severity == "error"
    assert report.infos and report == report.errors + report.warnings + report.infos
    assert ketdata.validate(DATA).ok


def test_validate_builds_the_dataset_from_its_parse_once_and_only_when_asked(data: Path) -> None:
    report = ketdata.validate(data)
    assert report._lazy.dataset is None  # validation alone does not pay for building every record
    assert report.ok and report.dataset == ketdata.load(data) and report.dataset is report.dataset
    edit(data / "claims" / "identity.yaml", "start: 20", "start: 21")
    assert ketdata.validate(data).dataset is None


def test_the_public_report_and_the_run_share_one_memo_of_the_dataset() -> None:
    from ketdata._validation.pipeline import run

    ran = run(DATA)
    report = ketdata.ValidationReport(ran.problems, build=ran.lazy)
    assert report.dataset is ran.dataset() is report.dataset  # built once, whichever asks first
    calls: list[int] = []

    def build() -> ketdata.Dataset:
        calls.append(1)
        return ran.dataset()

    own = ketdata.ValidationReport(build=build)
    assert own.dataset is own.dataset is ran.dataset() and calls == [1]  # a caller's build runs once too
    assert ketdata.ValidationReport(dataset=ran.dataset()).dataset is ran.dataset()
    with pytest.raises(AttributeError):
        report.dataset = None  # type: ignore[misc]  # read-only: the report is what validation found


def test_dataset_repr_is_short_and_it_pickles_and_deep_copies() -> None:
    import copy
    import pickle

    assert repr(DS) == f"<Dataset ketdata {DS.version}: {len(DS.claims)} claims, {len(DS.caveats)} caveats, " \
        f"{len(DS.concepts)} concepts>"  # fmt: skip
    for twin in (pickle.loads(pickle.dumps(DS)), copy.deepcopy(DS)):
        assert twin == DS and twin is not DS
        assert twin.claim("claim-021") == DS.claim("claim-021")
        assert twin.caveats_for("claim-021") == DS.caveats_for("claim-021")


def test_evidence_statuses_come_in_rank_order() -> None:
    ranks = [s.rank for s in DS.evidence_statuses]
    assert ranks == sorted(ranks) and DS.evidence_statuses[0].id == "established"


def test_search_finds_statements_and_quotes_ignoring_case() -> None:
    found = DS.search("DIZZINESS")
    assert found and all("dizziness" in (r.statement + " ".join(e.quote for e in r.evidence)).lower() for r in found)
    caveat = next(v for v in DS.caveats if v.status == "active")
    assert caveat in DS.search(caveat.evidence[0].quote.upper())
    assert DS.search("no such words anywhere") == ()


def test_by_code_finds_the_concept_of_a_code() -> None:
    (drug,) = DS.by_code("http://www.nlm.nih.gov/research/umls/rxnorm", "6130")
    assert drug.id == "ketamine"
    assert DS.by_code("http://www.nlm.nih.gov/research/umls/rxnorm", "0") == ()


def test_queries_leave_out_withdrawn_records_unless_asked(data: Path) -> None:
    edit(data / "claims" / "identity.yaml", "status: active", "status: withdrawn\nreason: Test.")
    ds = ketdata.load(data)
    (gone,) = [c for c in ds.claims if c.status == "withdrawn"]
    assert gone not in ds.claims_in(gone.category)
    assert gone in ds.claims_in(gone.category, include_inactive=True)
    assert gone not in ds.claims_with_status(gone.evidence_status)
    assert gone in ds.claims_with_status(gone.evidence_status, include_inactive=True)
    assert gone not in ds.search(gone.statement) and gone in ds.search(gone.statement, include_inactive=True)
    assert gone not in ds.claims_about(gone.subject) and gone in ds.claims_about(gone.subject, include_inactive=True)


def test_the_article_text_is_part_of_the_api() -> None:
    source = DS.source("ketamine-overview")
    for claim in DS.claims:
        for span in claim.evidence:
            assert source.text[span.start : span.end] == span.quote
    assert source.text == (DATA / "sources" / source.file).read_bytes().decode("utf-8")
    ref = DS.claim("claim-021").evidence[0]
    sentence = DS.sentence(ref)
    assert ref.quote in sentence and sentence.endswith(".") and sentence in source.text


def test_source_text_is_read_on_first_use_and_checked(data: Path) -> None:
    ds = ketdata.load(data)
    (data / "sources" / "ketamine-overview.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(ketdata.DataError, match="KD302"):
        _ = ds.sources[0].text


def test_load_of_a_folder_applies_the_schema_type_checks(data: Path) -> None:
    path = data / "claims" / "identity.yaml"
    edit(path, "statement: Ketamine is a medication", "statement: 1.5\nx: Ketamine is a medication")
    with pytest.raises(ketdata.DataError) as caught:
        ketdata.load(data)
    codes = {(p.code, p.file, p.record_id) for p in caught.value.problems}
    assert ("KD104", str(path), "claim-001") in codes or ("KD105", str(path), "claim-001") in codes
    assert all(p.line > 0 for p in caught.value.problems)


def test_load_and_validate_word_a_missing_folder_the_same_way(tmp_path: Path) -> None:
    with pytest.raises(ketdata.DataError) as raised:
        ketdata.load(tmp_path / "nowhere")
    (missing,) = ketdata.validate(tmp_path / "nowhere")
    assert raised.value.problems == (missing,)
    assert "the data folder does not exist" in missing.message


def test_the_api_reference_documents_every_field_of_every_public_record_type() -> None:
    import re

    import ketdata.records

    documented = 0
    for name in ketdata.records.__all__:
        obj = getattr(ketdata.records, name)
        if not (isinstance(obj, type) and issubclass(obj, Frozen)):
            continue
        section = re.search(r"Attributes:\n(.*)", obj.__doc__ or "", re.DOTALL)
        assert section, f"{name} has no Attributes section"
        listed = set(re.findall(r"^\s+(\w+):", section.group(1), re.MULTILINE))
        public = set(fields(obj))
        assert public <= listed, f"{name} leaves undocumented: {sorted(public - listed)}"
        documented += 1
    assert documented >= 15
    assert "statement: The fact in one plain-English sentence" in (Claim.__doc__ or "")


def test_claims_in_and_claims_about_both_include_narrower_by_default() -> None:
    assert set(DS.claims_in("effects")) >= set(DS.claims_in("adverse-effects"))
    narrower = next(c for c in DS.concepts if c.broader)
    assert set(DS.claims_about(narrower.broader[0])) >= set(DS.claims_about(narrower.id))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: DS.claim(21), TypeError, "a claim id must be a string"),  # type: ignore[arg-type]
        (lambda: DS.concept(None), TypeError, "a concept id must be a string"),  # type: ignore[arg-type]
        (lambda: DS.search(None), TypeError, "the text to search for must be a string"),  # type: ignore[arg-type]
        (lambda: DS.search(""), ValueError, "empty text would match every record"),
        (lambda: DS.search("   "), ValueError, "empty text would match every record"),
        (lambda: DS.by_code("snowmed", "1"), ValueError, "'SNOMED CT', 'RxNorm', 'ATC'"),
        (lambda: DS.by_code("RxNorm", 6130), TypeError, "the code must be a string"),  # type: ignore[arg-type]
    ],
)
def test_bad_api_inputs_get_clear_errors(call: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_by_code_takes_the_systems_name_or_its_uri() -> None:
    by_name = DS.by_code("RxNorm", "6130")
    assert by_name and by_name == DS.by_code("http://www.nlm.nih.gov/research/umls/rxnorm", "6130")


def test_a_sentence_outside_the_text_is_an_error() -> None:
    from ketdata.records import SourceRange

    length = len(DS.sources[0].text)
    for start, end in ((length, length + 5), (-3, 2), (10, 10)):
        with pytest.raises(ValueError, match="is not a span of"):
            DS.sentence(SourceRange(source=DS.sources[0].id, start=start, end=end))


def test_a_dataset_iterates_over_what_len_counts_and_in_finds() -> None:
    ids = list(DS)
    assert len(ids) == len(DS) and all(i in DS for i in ids) and DS.get(ids[0]) is not None


def test_records_round_trip_through_plain_data_and_json() -> None:
    import json

    from ketdata.records import Claim, from_plain, to_plain

    for claim in DS.claims:
        assert from_plain(Claim, json.loads(json.dumps(to_plain(claim)))) == claim
    plain = to_plain(DS)
    assert json.loads(json.dumps(plain))["claims"][0]["id"] == DS.claims[0].id


def test_records_are_built_with_keywords_only() -> None:
    from ketdata.records import Review

    with pytest.raises(TypeError):
        Review("unreviewed")  # type: ignore[misc]
    assert Review(status="unreviewed").status == "unreviewed"


def test_the_shipped_dataset_is_read_once_and_the_same_object_for_every_thread() -> None:
    code = (
        "import threading, ketdata, ketdata._read.load as l\n"
        "found = []\n"
        "threads = [threading.Thread(target=lambda: found.append(ketdata.load())) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len({id(d) for d in found}), len(found), ketdata.load() is found[0], sorted(l._SHIPPED))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    # One dataset for all; the plain copy of the snapshot read at import is let go once it is built.
    assert out.stdout.split() == ["1", "8", "True", "['dataset']"]
