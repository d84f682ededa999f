"""Fuzzing: whatever the data, the validator answers with its own problems and the loader with DataError."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ketdata
from ketdata import DataError, Dataset, Problem

from .helpers import DATA

SETTINGS = settings(
    max_examples=int(os.environ.get("KETDATA_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TARGET = "claims/identity.yaml"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from(["claim-001", "ketamine", "identity", "no", "2024-01-01", "=1+1", ""]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(DATA, root)
    yield root


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*prefix, i))


def mutate(record: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    if not path:
        return new
    parent = record
    for part in path[:-1]:
        parent = parent[part]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return record


def check(folder: Path) -> None:
    problems = ketdata.validate(folder)
    assert all(isinstance(p, Problem) for p in problems)
    try:
        assert isinstance(ketdata.load(folder), Dataset)
    except DataError as exc:
        assert exc.problems


def write_and_check(folder: Path, name: str, data: bytes) -> None:
    path = folder / name
    original = path.read_bytes() if path.exists() else None
    path.parent.mkdir(exist_ok=True)
    try:
        path.write_bytes(data)
        check(folder)
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)


@SETTINGS
@given(doc=st.integers(min_value=0, max_value=1), pick=st.integers(min_value=0), new=values,
       action=st.sampled_from(["replace", "delete"]))  # fmt: skip
def test_mutated_records_only_ever_give_problems(folder: Path, doc: int, pick: int, new: Any, action: str) -> None:
    records = list(yaml.safe_load_all((DATA / TARGET).read_text(encoding="utf-8")))
    candidates = list(paths(records[doc]))
    path = candidates[pick % len(candidates)]
    records[doc] = mutate(records[doc], path, action if path else "replace", new)
    text = yaml.safe_dump_all(records, allow_unicode=True, sort_keys=False, explicit_start=True)
    write_and_check(folder, TARGET, text.encode("utf-8"))


@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text_only_ever_gives_problems(folder: Path, text: str) -> None:
    write_and_check(folder, "claims/zz-fuzz.yaml", text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_only_ever_give_problems(folder: Path, data: bytes) -> None:
    write_and_check(folder, "claims/zz-fuzz.yaml", data)


@SETTINGS
@given(documents=st.lists(values, min_size=1, max_size=3))
def test_random_yaml_documents_only_ever_give_problems(folder: Path, documents: list[Any]) -> None:
    text = yaml.safe_dump_all(documents, allow_unicode=True, explicit_start=True)
    write_and_check(folder, "caveats/zz-fuzz.yaml", text.encode("utf-8"))


@SETTINGS
@given(doc=st.integers(min_value=0, max_value=1), pick=st.integers(min_value=0), new=values,
       action=st.sampled_from(["replace", "delete"]))  # fmt: skip
def test_the_fast_schema_check_never_accepts_what_jsonschema_rejects(
    doc: int, pick: int, new: Any, action: str
) -> None:
    from ketdata._paths import schema_dir
    from ketdata._refs import load_schemas
    from ketdata._schema import build_validators

    validator = build_validators(load_schemas(schema_dir()))["claim"]
    records = list(yaml.safe_load_all((DATA / TARGET).read_text(encoding="utf-8")))
    candidates = list(paths(records[doc]))
    path = candidates[pick % len(candidates)]
    record = mutate(records[doc], path, action if path else "replace", new)
    try:
        validator.fast(record)
    except Exception:
        return
    assert validator.full.is_valid(record), record
