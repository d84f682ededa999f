"""Every record its schema accepts can be built into the typed dataset (no KD101 "records could not be built").

`ketdata validate` does not build the dataset (it would cost about a tenth of a run), so a record the schemas
accept but the record classes cannot hold would show only in `Report.dataset()` and `ketdata.load()`. Two
attacks: every shipped record is built and reads back as its file holds it; and records made by mixing the
values the shipped records of the same kind hold, field by field (absent, another record's value, a part of
a list), each judged schema-valid by jsonschema against the published schema, are built in a copy of the data
folder by the same pipeline `validate` and `load` use.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ketdata._model.convert import KINDS
from ketdata._validation.pipeline import run
from ketdata._validation.refs import SchemaSet, load_schemas
from ketdata.records import to_plain

from .helpers import DATA, ROOT

SCHEMAS = load_schemas(ROOT / "schema")
INLINE = SchemaSet(SCHEMAS)
STEMS = {kind: stem for kind, _, stem in KINDS}


def record_files() -> dict[Path, tuple[str, list[dict[str, Any]]]]:
    """Each data file of records with its kind and its records as YAML reads them."""
    found = {}
    for kind, stem in STEMS.items():
        for path in sorted([*DATA.glob(f"{stem}.yaml"), *DATA.glob(f"{stem}/*.yaml")]):
            found[path] = (kind, list(yaml.safe_load_all(path.read_text(encoding="utf-8"))))
    return found


FILES = record_files()
RECORDS = [(kind, path, value) for path, (kind, values) in FILES.items() for value in values]
REPORT = run(DATA)


def holds(built: Any, given: Any) -> bool:
    """Whether the built record's plain form holds every value the file gives (a default may fill the rest in)."""
    if isinstance(given, dict):
        # An optional field the file gives as null is unset, which the plain form leaves out.
        return isinstance(built, dict) and all(
            holds(built[k], v) if k in built else v is None for k, v in given.items()
        )
    if isinstance(given, list):
        return isinstance(built, list) and len(built) == len(given) and all(map(holds, built, given))
    return type(built) is type(given) and built == given


@pytest.mark.parametrize(("kind", "value"), [pytest.param(k, v, id=v["id"]) for k, _, v in RECORDS])
def test_every_shipped_record_is_built_as_its_file_holds_it(kind: str, value: dict[str, Any]) -> None:
    record = REPORT.dataset().get(value["id"])
    assert record is not None
    plain = to_plain(record)
    # Every field the file gives is the record's (a derived field, a claim's caveats, is the dataset's to fill).
    assert holds(plain, {k: v for k, v in value.items() if k != "caveats"}), (plain, value)


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(INLINE.inline(SCHEMAS[kind]))


VALIDATORS = {kind: validator(kind) for kind in STEMS}


@st.composite
def variants(draw: st.DrawFn) -> tuple[Path, int, dict[str, Any]]:
    """A file, the index of a record in it, and a schema-valid record of its kind made from the shipped ones."""
    path = draw(st.sampled_from(sorted(p for p, (k, _) in FILES.items() if k in ("claim", "caveat", "concept"))))
    kind, values = FILES[path]
    index = draw(st.integers(0, len(values) - 1))
    same_kind = [v for k, _, v in RECORDS if k == kind]
    schema = SCHEMAS[kind]
    required = set(schema.get("required", ()))
    # The id stays, and a claim's category, which names the file it is kept in (KD032).
    variant: dict[str, Any] = {k: v for k, v in values[index].items() if k in ("id", "category")}
    for name in schema["properties"]:
        if name in variant:
            continue
        seen = [v[name] for v in same_kind if name in v]
        options: list[Any] = ([] if name in required else [None]) + seen
        if not options:
            continue
        chosen = draw(st.sampled_from(options)) if len(options) > 1 else options[0]
        if isinstance(chosen, list) and len(chosen) > 1:
            keep = draw(st.lists(st.sampled_from(range(len(chosen))), min_size=1, unique=True))
            chosen = [chosen[i] for i in sorted(keep)]
        if chosen is not None:
            variant[name] = chosen
    assume(VALIDATORS[kind].is_valid(variant))
    return path, index, variant


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("build") / "project"
    for name in ("data", "releases"):
        shutil.copytree(ROOT / name, root / name)
    yield root / "data"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=variants())
def test_a_schema_valid_record_mixed_from_the_shipped_ones_is_built(folder: Path, case: Any) -> None:
    path, index, variant = case
    target = folder / path.relative_to(DATA)
    original = target.read_bytes()
    values = list(FILES[path][1])
    values[index] = variant
    try:
        target.write_text(yaml.safe_dump_all(values, sort_keys=False, allow_unicode=True, explicit_start=True),
                          encoding="utf-8")  # fmt: skip
        report = run(folder)
        assert report.structural == [], report.structural  # jsonschema and ketdata agree it is schema-valid
        assert report.unbuilt == ()
        built = to_plain(report.dataset().get(variant["id"]))
        assert holds(built, {k: v for k, v in variant.items() if k != "caveats"}), (built, variant)
    finally:
        target.write_bytes(original)
