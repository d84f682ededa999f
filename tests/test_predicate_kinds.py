"""A predicate says which kinds of concept it joins (``subject_kinds``, ``object_kinds``): KD673, KD674, KD675.

The attack5 repros themselves are corpus cases (``procedure-as-member-of-drug-class``,
``route-predicate-takes-a-condition``, ``side-effect-given-to-drug-class``); here the shipped data is held to the
lists, and what the corpus cannot show: every status is checked, a widening since the release is watched, the
exports carry the lists to readers that are not ketdata.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

import ketdata
from ketdata._editor.release import release
from ketdata.errors import DataError

from .helpers import DATA, DAY, LATEST, ROOT, drafted, edit, findings, is_drafted

SHIPPED = ketdata.load(DATA)
KINDS = {c.id: c.kind for c in SHIPPED.concepts}


def found(data: Path, code: str) -> list[tuple[str | None, str]]:
    """The problems of a code, less the policy warnings the shipped data carries until the next release."""
    return [(p.record_id, p.message) for p in ketdata.validate(data) if p.code == code and not is_drafted(p)]


@pytest.mark.parametrize("predicate", SHIPPED.predicates, ids=lambda p: p.id)
def test_every_shipped_predicate_states_the_kinds_it_joins(predicate: ketdata.records.Predicate) -> None:
    assert predicate.subject_kinds
    assert bool(predicate.object_kinds) == (predicate.object_kind == "concept")


def test_every_shipped_claim_joins_kinds_its_predicate_takes() -> None:
    by_id = {p.id: p for p in SHIPPED.predicates}
    offenders = [
        (c.id, role, concept, KINDS[concept])
        for c in SHIPPED.claims
        for role, concept, allowed in (
            ("subject", c.subject, by_id[c.predicate].subject_kinds),
            ("object", c.object.concept, by_id[c.predicate].object_kinds),
        )
        if concept is not None and KINDS[concept] not in allowed
    ]
    assert offenders == []


def test_the_kinds_are_the_concept_schemas_own() -> None:
    """One vocabulary: a concept's kind and a predicate's kinds are the same definition, not two copies."""
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "schema").glob("*.schema.json")}
    ref = "urn:ketdata:schema:common#/$defs/conceptKind"
    assert schemas["concept.schema.json"]["properties"]["kind"]["$ref"] == ref
    predicate = schemas["predicate.schema.json"]["properties"]
    assert predicate["subject_kinds"]["items"] == predicate["object_kinds"]["items"] == {"$ref": ref}
    assert set(schemas["common.schema.json"]["$defs"]["conceptKind"]["enum"]) >= set(KINDS.values())


def test_a_claim_of_any_status_is_held_to_its_predicates_kinds(data: Path) -> None:
    """A deprecated claim's triple is exported as an active one's is: its kinds are checked all the same."""
    (old,) = [c for c in SHIPPED.claims if c.status == "deprecated" and c.predicate == "associated_with"][:1]
    path = data / "claims/harms.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {old.id}\n")
    path.write_text(text[:start] + text[start:].replace("subject: recreational-use\n", "subject: ketamine\n", 1))
    assert [rid for rid, _ in found(data, "KD673")] == [old.id]


def test_a_dose_form_is_no_route(data: Path) -> None:
    """The route predicates keep route and dose form apart: the nasal spray is taken via, not by the route."""
    edit(data / "claims/therapy-practice.yaml", "  concept: nasal-spray\n", "  concept: nasal-route\n")
    messages = [m for _, m in found(data, "KD674")]
    assert messages == [
        "object 'nasal-route' is a concept of kind 'route', and predicate 'can_also_be_taken_via' takes as its object "
        "only a concept of kind 'dose-form'"
    ]


def _release_with(project: Path, predicate_id: str, **fields: list[str]) -> None:
    """The latest release snapshot as if it had shipped the predicate with these fields (its checksum kept right)."""
    snapshot = project / f"releases/{LATEST}.json"
    doc = json.loads(snapshot.read_text(encoding="utf-8"))
    (predicate,) = [p for p in doc["predicates"] if p["id"] == predicate_id]
    predicate.update(fields)
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    sums = project / "releases/SHA256SUMS"
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    sums.write_text(re.sub(rf"^[0-9a-f]{{64}}  {re.escape(LATEST)}\.json$", f"{digest}  {LATEST}.json",
                           sums.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")  # fmt: skip


def test_kinds_widened_since_the_release_are_watched(project: Path) -> None:
    """Once released with its kinds, a predicate that gains one checks less: KD517 until the next release."""
    data = project / "data"
    _release_with(project, "can_have_side_effect", subject_kinds=["substance"], object_kinds=["condition"])
    assert found(data, "KD517") == []
    edit(data / "predicates.yaml", "subject_kinds:\n- substance\nobject_kinds:\n- condition\ncategories:\n- adverse",
         "subject_kinds:\n- substance\n- drug-class\nobject_kinds:\n- condition\ncategories:\n- adverse")  # fmt: skip
    assert found(data, "KD517") == [
        (
            "can_have_side_effect",
            f"can_have_side_effect is read as a rule, and its subject_kinds gained 'drug-class' since release {LATEST}",
        )
    ]


def test_kinds_removed_since_the_release_are_watched(project: Path) -> None:
    data = project / "data"
    _release_with(project, "can_have_side_effect", subject_kinds=["substance"], object_kinds=["condition"])
    edit(data / "predicates.yaml", "subject_kinds:\n- substance\nobject_kinds:\n- condition\ncategories:\n- adverse",
         "subject_kinds:\n- substance\ncategories:\n- adverse")  # fmt: skip
    assert [m for _, m in found(data, "KD517")] == [
        f"can_have_side_effect is read as a rule, and its object_kinds were removed (any kind of concept passes) "
        f"since release {LATEST}"
    ]
    assert [m for _, m in found(data, "KD675")] == [
        "predicate 'can_have_side_effect' states no object_kinds: a claim using it may have a concept of any kind there"
    ]


def test_a_release_is_the_baseline_its_kinds_are_read_against(project: Path) -> None:
    """The snapshot writes a literal predicate's unset object_kinds as []: that is no list removed since."""
    weakened = sorted({str(rid) for _, rid, _ in drafted()})  # the shipped data's own drafted KD517s, accepted
    release(project / "data", DAY, accept_weaker=weakened)
    assert findings(project / "data") == []


def test_the_csv_tables_hold_each_predicates_kinds_in_order() -> None:
    """Read by the standard csv module, not by ketdata: the link tables give back every list, in order."""
    read: dict[str, dict[str, list[str]]] = {}
    for field in ("subject_kinds", "object_kinds"):
        rows = defaultdict(list)
        with (ROOT / f"exports/csv/predicate_{field}.csv").open(encoding="utf-8", newline="") as handle:
            for row in sorted(csv.DictReader(handle), key=lambda r: (r["predicate_id"], int(r["position"]))):
                rows[row["predicate_id"]].append(row["concept_kind"])
        read[field] = dict(rows)
    assert read["subject_kinds"] == {p.id: list(p.subject_kinds) for p in SHIPPED.predicates}
    assert read["object_kinds"] == {p.id: list(p.object_kinds) for p in SHIPPED.predicates if p.object_kinds}


def test_a_json_export_with_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "exports/json/ketdata.json").read_text(encoding="utf-8"))
    doc["predicates"][0]["subject_kinds"] = ["planet"]
    path = tmp_path / "ketdata.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        ketdata.load_json(path)
    assert "planet" in str(caught.value)
