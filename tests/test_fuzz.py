"""Fuzzing: whatever the data, the validator answers with its own problems and the loader with DataError."""

from __future__ import annotations

import copy
import json
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
    from ketdata._read.paths import schema_dir
    from ketdata._validation.refs import load_schemas
    from ketdata._validation.schema import build_validators

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


# --- every command and the public API -------------------------------------------------------------------

NASTY = [
    "2020-02-30", "!!int abc", "!!bool maybe", "!!timestamp nope", "!!float x", "!!null x", "9" * 5000,
    '"\\ud800"', '"\\u202e evil"', '"claim-001\\n"', "'=1+1'", "[[[[[[[[[[]]]]]]]]]]", "{a: {b: {c: []}}}",
    "!!binary AAAA", "!!set {a}", "&a x", "*a", "'x' # comment", "|\n  two\n  lines", "~", "0x1F", "1e999",
    ".nan", "2024-01-01T25:00:00", "<<: {a: 1}", "? complex\n: key",
]  # fmt: skip
COMMANDS = [
    ["validate", "{data}"], ["validate", "{data}", "--cache"], ["fmt", "--check", "{data}"], ["coverage", "{data}"],
    ["show", "claim-001", "--data", "{data}"], ["show", "caveat-001", "--data", "{data}"],
    ["list", "--data", "{data}", "--format", "csv"], ["locate", "Ketamine is", "--data", "{data}"],
    ["export", "--check", "--out", "{out}", "{data}"], ["export", "--out", "{out}", "{data}"],
    ["diff", "{releases}/2.0.0.json", "{data}", "--format", "markdown"], ["release", "--dry-run", "{data}"],
    ["new", "concept", "--id", "fuzz-concept", "--label", "Fuzz", "--kind", "condition", "--data", "{data}"],
]  # fmt: skip
KEYS = ["id", "version", "status", "statement", "subject", "predicate", "category", "evidence_status", "hedge",
        "  quote", "  start", "- source", "  status"]  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz-project")
    shutil.copytree(DATA, root / "data")
    shutil.copytree(DATA.parent / "releases", root / "releases")
    yield root


def run_everything(root: Path) -> None:
    """Every command and the public API on the project: each answers with an exit code, never a traceback."""
    import contextlib
    import io

    from ketdata._cli import main

    saved = {p: p.read_bytes() for p in (root / "data").rglob("*.yaml")}
    try:
        for command in COMMANDS:
            args = [a.format(data=root / "data", out=root / "out", releases=root / "releases") for a in command]
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(args)
            assert code in (0, 1, 2), (args, code)
            assert "Traceback" not in out.getvalue() + err.getvalue(), args
        check(root / "data")
        for snapshot in (root / "releases").glob("*.json"):
            try:
                ketdata.load_json(snapshot)
            except DataError as exc:
                assert exc.problems
    finally:
        for path in set((root / "data").rglob("*.yaml")) - set(saved):
            path.unlink()
        for path, data in saved.items():
            path.write_bytes(data)


@settings(SETTINGS, max_examples=int(os.environ.get("KETDATA_FUZZ_COMMANDS", "12")))
@given(key=st.sampled_from(KEYS), value=st.one_of(st.sampled_from(NASTY), st.text(max_size=30)))
def test_every_command_survives_a_nasty_value(project: Path, key: str, value: str) -> None:
    path = project / "data" / TARGET
    original = path.read_bytes()
    lines = original.decode("utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    lines[at] = f"{key}: {value}"
    try:
        path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogatepass"))
        run_everything(project)
    finally:
        path.write_bytes(original)


@settings(SETTINGS, max_examples=int(os.environ.get("KETDATA_FUZZ_COMMANDS", "12")))
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"[]", b"{}", b'{"dataset": 1}', b"[" * 5000, b'{"claims": [{"id": 5}]}', b"\xff\xfe"]),
    )
)
def test_every_command_survives_a_broken_release_snapshot(project: Path, data: bytes) -> None:
    import hashlib

    snapshot, sums = project / "releases" / "2.0.0.json", project / "releases" / "SHA256SUMS"
    saved = snapshot.read_bytes(), sums.read_bytes()
    try:
        # Recorded as released, so the broken bytes are read as the baseline rather than refused as forged.
        snapshot.write_bytes(data)
        text = saved[1].decode().replace(hashlib.sha256(saved[0]).hexdigest(), hashlib.sha256(data).hexdigest())
        sums.write_text(text, encoding="utf-8")
        run_everything(project)
    finally:
        snapshot.write_bytes(saved[0])
        sums.write_bytes(saved[1])


# --- a JSON export given by path: any shape of any field (A5-4) --------------------------------------------

SNAPSHOT = json.loads((DATA.parent / "exports/json/ketdata.json").read_text(encoding="utf-8"))


def field_paths(value: Any, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """One concrete path for each field of the export, lists' items taken as one (``claims[*].evidence[*].source``)."""
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for path in paths(value, prefix):
        found.setdefault(tuple("*" if isinstance(p, int) else p for p in path), path)
    return found


FIELD_PATHS = sorted(field_paths(SNAPSHOT).values(), key=str)


def trimmed(doc: dict[str, Any]) -> dict[str, Any]:
    """The export with only the records that hold one of its fields first (every field kept, far fewer records)."""
    keep = {(path[0], path[1]) for path in FIELD_PATHS if len(path) > 1 and isinstance(path[1], int)}
    return {key: [r for i, r in enumerate(value) if (key, i) in keep or key == "sources"] if isinstance(value, list)
            else value for key, value in doc.items()}  # fmt: skip


SMALL = trimmed(SNAPSHOT)
SMALL_PATHS = sorted(field_paths(SMALL).values(), key=str)


def loads_or_refuses(tmp_path: Path, doc: Any) -> None:
    """``load_json`` answers a Dataset or a DataError with problems located in the file."""
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        assert isinstance(ketdata.load_json(path), Dataset)
    except DataError as exc:
        assert exc.problems and all(p.file == str(path) and p.line >= 1 for p in exc.problems), exc.problems


def test_every_field_of_the_export_is_in_the_small_copy() -> None:
    assert field_paths(SMALL).keys() == field_paths(SNAPSHOT).keys()


@pytest.mark.parametrize("path", SMALL_PATHS[1:], ids=[".".join(map(str, p)) for p in SMALL_PATHS[1:]])
def test_a_list_or_an_object_in_any_field_of_an_export_is_refused(path: tuple[Any, ...], tmp_path: Path) -> None:
    # Neither can be a key of a mapping: a field compared by lookup (a span's source) crashed on them (A5-4).
    for shape in (["x"], {"a": 1}):
        loads_or_refuses(tmp_path, mutate(copy.deepcopy(SMALL), path, "replace", shape))


@SETTINGS
@given(pick=st.integers(min_value=0), new=values, action=st.sampled_from(["replace", "delete"]))
def test_any_value_in_any_field_of_an_export_gives_a_dataset_or_problems(
    tmp_path: Path, pick: int, new: Any, action: str
) -> None:
    path = FIELD_PATHS[pick % len(FIELD_PATHS)]
    loads_or_refuses(tmp_path, mutate(copy.deepcopy(SNAPSHOT), path, action if path else "replace", new))


def test_diff_of_an_export_whose_span_names_a_list_for_its_source_is_refused_located(tmp_path: Path) -> None:
    import contextlib
    import io

    from ketdata._cli import main

    doc = copy.deepcopy(SNAPSHOT)
    doc["claims"][0]["evidence"][0]["source"] = ["x"]
    doc["caveats"][2]["evidence"][0]["source"] = {"a": 1}
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", str(path), str(DATA)])
    assert code == 2 and "Traceback" not in err.getvalue(), err.getvalue()
    assert "KD104 claims[0].evidence[0].source: a list, not a string" in out.getvalue() + err.getvalue()
    assert "KD104 caveats[2].evidence[0].source: an object, not a string" in out.getvalue() + err.getvalue()
