"""A JSON export given by path (`ketdata.load_json`, `ketdata.load(<file>)`, `ketdata diff`) meets the schemas' values.

Exact types are `test_snapshot_types`'s; here a value of the right type that the published contract refuses:
a status outside its vocabulary, an id or a text breaking its pattern, a control or direction character, a
version below 1, a negative offset or a span ending before it starts, a quote that is not the article's text
at its offsets, a reference to no record, a date not on the calendar. The cases come from the shipped export's
own line schemas (`exports/json/*.schema.json`, the contract downstream tools validate against) and are
judged wrong by jsonschema, not by ketdata: every enum, const, pattern and minimum a field of the shipped
records has is attacked, at every place it occurs.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import ketdata
from ketdata._model.problems import DataError

from .helpers import ROOT

EXPORT = ROOT / "exports/json"
LATEST = json.loads((EXPORT / "ketdata.json").read_text(encoding="utf-8"))
LISTS = [attr for attr, value in LATEST.items() if isinstance(value, list)]
# Strings that break some pattern; for each pattern the first one jsonschema says breaks it is used.
BREAKERS = ["Not A Slug!", "claim-1", " padded", "=SUM(A1)", "not-a-date", "http://x y", "ABC"]

Where = tuple[str | int, ...]


def schema(attr: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((EXPORT / f"{attr}.schema.json").read_text(encoding="utf-8"))
    return found


def leaves(node: dict[str, Any], value: Any, where: Where) -> Iterator[tuple[Where, dict[str, Any]]]:
    """Each scalar value of a record with the subschema that rules it (arrays: each item)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(node["properties"][key], inner, (*where, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from leaves(node["items"], inner, (*where, i))
    elif value is not None:
        yield where, node


def first_of_each() -> dict[tuple[str, str, tuple[str, ...]], tuple[Where, dict[str, Any]]]:
    """For each field (list items counted once) and keyword it has, the first place a shipped record has it."""
    found: dict[tuple[str, str, tuple[str, ...]], tuple[Where, dict[str, Any]]] = {}
    for attr in LISTS:
        for i, record in enumerate(LATEST[attr]):
            for where, node in leaves(schema(attr), record, (attr, i)):
                field = tuple(p for p in where[2:] if isinstance(p, str))
                for keyword in ("enum", "const", "pattern", "minimum"):
                    if keyword in node:
                        found.setdefault((attr, keyword, field), (where, node))
    return found


def wrong(keyword: str, node: dict[str, Any]) -> Any:
    """A value of the field's own type that jsonschema refuses for that keyword."""
    if keyword in ("enum", "const"):
        return "not-a-listed-value"
    if keyword == "minimum":
        return node["minimum"] - 1
    broken = [b for b in BREAKERS if not jsonschema.Draft202012Validator({"pattern": node["pattern"]}).is_valid(b)]
    return broken[0]


EXPECTED = {"enum": "KD107", "const": "KD107", "pattern": "KD106", "minimum": "KD101"}
CASES = [(where, keyword, wrong(keyword, node)) for (_, keyword, _), (where, node) in first_of_each().items()]


def dotted(where: Where) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where[2:])


def written(tmp_path: Path, where: Where, value: Any) -> Path:
    doc = copy.deepcopy(LATEST)
    target = doc
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    record = doc[where[0]][where[1]]
    assert not jsonschema.Draft202012Validator(schema(str(where[0]))).is_valid(record)  # the contract refuses it
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def refused(path: Path) -> list[ketdata.Problem]:
    with pytest.raises(DataError) as raised:
        ketdata.load_json(path)
    return list(raised.value.problems)


def test_the_cases_cover_every_kind_of_check() -> None:
    fields = {(w[0], dotted(w), k) for w, k, _ in CASES}
    assert {("claims", ".status", "enum"), ("claims", ".version", "minimum"), ("claims", ".id", "pattern"),
            ("claims", ".evidence[0].start", "minimum"), ("concepts", ".codings[0].reference", "const"),
            ("claims", ".statement", "pattern")} <= fields  # fmt: skip
    assert {k for _, k, _ in CASES} == {"enum", "const", "pattern", "minimum"}
    assert len(CASES) > 60, len(CASES)  # every field of every record type that has a vocabulary, pattern or bound


@pytest.mark.parametrize(("where", "keyword", "value"), CASES, ids=[f"{w[0]}{dotted(w)}:{k}" for w, k, _ in CASES])
def test_each_value_the_contract_refuses_is_refused_located(
    where: Where, keyword: str, value: Any, tmp_path: Path
) -> None:
    path = written(tmp_path, where, value)
    problems = refused(path)
    here = f"{where[0]}[{where[1]}]{dotted(where)}:"
    mine = [p for p in problems if here in p.message]
    # A broken id names no record either (KD202), a broken quote is not the article's text (KD305).
    assert [p.code for p in mine if p.code not in ("KD202", "KD305")] == [EXPECTED[keyword]], problems
    (problem,) = [p for p in mine if p.code == EXPECTED[keyword]]
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert line[problem.column - 1 :].startswith(json.dumps(value)), (problem, line)


FIRST_SPAN: Where = ("claims", 0, "evidence", 0)
SPAN = LATEST["claims"][0]["evidence"][0]


@pytest.mark.parametrize(
    ("where", "value", "code"),
    [
        ((*FIRST_SPAN, "start"), -1, "KD101"),  # negative
        ((*FIRST_SPAN, "start"), SPAN["end"], "KD304"),  # empty
        ((*FIRST_SPAN, "end"), SPAN["start"] - 1, "KD304"),  # out of order
        ((*FIRST_SPAN, "end"), 10**7, "KD303"),  # past the article
        ((*FIRST_SPAN, "quote"), "Ketamine cures every illness", "KD305"),  # not the article's words there
        (("claims", 0, "version"), 0, "KD101"),
        (("caveats", 0, "version"), -3, "KD101"),
        (("claims", 0, "statement"), "Ketamine is \u202ea medication.", "KD108"),
        (("claims", 0, "statement"), "Ketamine is\x1b[31m red.", "KD108"),
        (("caveats", 0, "statement"), "Tagged \U000e0041 text.", "KD108"),
        (("claims", 0, "evidence_status"), "proven", "KD202"),
        (("claims", 0, "category"), "miracles", "KD202"),
        (("dataset", "release_date"), "2025-02-30", "KD109"),
        (("claims", 0, "status"), "super-established", "KD107"),
        (("dataset", "version"), "3.3", "KD106"),
    ],
)
def test_offsets_versions_text_references_and_dates(where: Where, value: Any, code: str, tmp_path: Path) -> None:
    doc = copy.deepcopy(LATEST)
    target = doc
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    problems = refused(path)
    assert code in [p.code for p in problems], problems
    assert all(p.file == str(path) and p.line > 1 for p in problems)
    with pytest.raises(DataError):  # the other entry point: load() given a file
        ketdata.load(path)


def test_a_list_holding_an_item_twice_is_refused(tmp_path: Path) -> None:
    caveat = next(i for i, c in enumerate(LATEST["caveats"]) if c["applies_to"])
    doc = copy.deepcopy(LATEST)
    doc["caveats"][caveat]["applies_to"].append(doc["caveats"][caveat]["applies_to"][0])
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert [p.code for p in refused(path)] == ["KD101"]


def test_diff_refuses_a_wrong_value_without_a_traceback(tmp_path: Path) -> None:
    doc = copy.deepcopy(LATEST)
    doc["claims"][0]["evidence_status"] = "proven"
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ketdata", "diff", str(path), str(ROOT / "data")],
                            capture_output=True, text=True, cwd=tmp_path, check=False)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "KD202 claims[0].evidence_status: 'proven'" in result.stderr


def test_the_read_path_still_imports_no_schema_tool() -> None:
    code = (
        "import sys, ketdata; ketdata.load_json(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'yaml', 'fastjsonschema')))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(EXPORT / "ketdata.json")], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"
