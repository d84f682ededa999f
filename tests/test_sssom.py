"""The SSSOM export is read by the sssom package's own parser and validator, and keeps every relation."""

from __future__ import annotations

import csv

import pytest

import ketdata

from .helpers import DATA, ROOT

SSSOM = ROOT / "exports" / "sssom" / "ketdata.sssom.tsv"


def test_sssom_parses_and_validates_with_the_sssom_package() -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(SSSOM)
    # validate() raises on a breach of the SSSOM schema or an undeclared prefix.
    validate(msdf, fail_on_error=True)
    ds = ketdata.load(DATA)
    assert len(msdf.df) == sum(len(c.codings) for c in ds.concepts)
    assert str(msdf.metadata["license"]) == "https://opensource.org/licenses/MIT"


def test_every_coding_keeps_its_relation_in_sssom() -> None:
    lines = [line for line in SSSOM.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = {(r["subject_id"], r["object_id"]): r["predicate_id"] for r in csv.DictReader(lines, delimiter="\t")}
    ds = ketdata.load(DATA)
    expected = {(f"KETDATA:{c.id}", f"{k.code}"): k.relation for c in ds.concepts for k in c.codings}
    assert {(s, o.split(":", 1)[1]): p for (s, o), p in rows.items()} == expected
    assert rows[("KETDATA:anesthesia", "SCTID:50697003")] == "skos:narrowMatch"
    assert {r["mapping_justification"] for r in csv.DictReader(lines, delimiter="\t")} == {
        "semapv:ManualMappingCuration"
    }


@pytest.mark.parametrize("relation", ["skos:exactMatch", "skos:closeMatch", "skos:narrowMatch"])
def test_relations_used_are_sssom_predicates(relation: str) -> None:
    assert relation in SSSOM.read_text(encoding="utf-8")


def test_sssom_confidence_is_numeric_dated_justified_and_created_by_the_project() -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(SSSOM)
    validate(msdf, fail_on_error=True)
    ds = ketdata.load(DATA)
    grades = {(f"KETDATA:{c.id}", k.code): k.confidence for c in ds.concepts for k in c.codings}
    scale = {"high": 0.9, "medium": 0.7, "low": 0.5}
    for row in msdf.df.to_dict("records"):
        assert isinstance(row["confidence"], float)
        assert row["confidence"] == scale[grades[(row["subject_id"], row["object_id"].split(":", 1)[1])]]
        assert str(row["mapping_date"]) == ds.info.release_date
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
    assert msdf.metadata["creator_label"] == [", ".join(m.name for m in ds.info.maintainers)] == ["ketdata maintainers"]
    assert msdf.metadata["creator_id"] == ["KETDATAPROJECT:ketdata"]
