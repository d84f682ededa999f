"""Every shipped JSON Schema is portable: Ajv (Node, strict), Python jsonschema and jsonschema-rs compile it and
give the same verdict on every shipped record, every export line and every record of the bad-input corpus.

What the schemas cannot say in the part of regular-expression syntax all three share (invisible characters
beyond the Basic Multilingual Plane) is the validator's rule KD108, tested here too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import ketdata

from . import consumers
from .helpers import DATA, ROOT
from .test_corpus import CASES, build

SCHEMAS = consumers.shipped_schemas()


@pytest.fixture(scope="session")
def ajv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return consumers.install_node_packages(tmp_path_factory.mktemp("ajv"))


@pytest.fixture(scope="session")
def corpus_cases(tmp_path_factory: pytest.TempPathFactory) -> list[consumers.Case]:
    cases: list[consumers.Case] = []
    for case in CASES:
        root = tmp_path_factory.mktemp("corpus")
        try:
            build(case, root)
            cases += consumers.folder_cases(root / "data")
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return consumers.unique(cases)


def test_every_shipped_schema_compiles_in_ajv_strict(ajv: Path) -> None:
    compiled = consumers.ajv_verdicts(ajv, SCHEMAS, [])["compiled"]
    assert len(compiled) == len(SCHEMAS) == 19
    assert {i: e for i, e in compiled.items() if e is not None} == {}


def _same_verdicts(ajv: Path, schemas: list[dict[str, Any]], cases: list[consumers.Case]) -> list[bool]:
    by_ajv = consumers.ajv_verdicts(ajv, schemas, cases)["verdicts"]
    by_python = consumers.python_verdicts(schemas, cases)
    by_rust = consumers.rust_verdicts(schemas, cases)
    differ = [(c, a, p, r) for c, a, p, r in zip(cases, by_ajv, by_python, by_rust, strict=True) if not a == p == r]
    assert differ == []
    return by_python


def test_shipped_records_and_export_lines_valid_in_all_three(ajv: Path) -> None:
    cases = [*consumers.folder_cases(DATA), *consumers.export_cases(ROOT / "exports")]
    assert len(cases) > 150
    verdicts = _same_verdicts(ajv, SCHEMAS, cases)
    assert [c for c, ok in zip(cases, verdicts, strict=True) if not ok] == []


def test_bad_input_corpus_same_verdicts_in_all_three(ajv: Path, corpus_cases: list[consumers.Case]) -> None:
    verdicts = _same_verdicts(ajv, SCHEMAS, corpus_cases)
    refused = len(verdicts) - sum(verdicts)
    assert refused >= 20  # the corpus's schema cases: formulas, dates, hidden characters, bad ids, types, keys


def test_every_pattern_means_the_same_in_all_three(ajv: Path) -> None:
    probes = consumers.probe_schemas(SCHEMAS)
    assert len(probes) >= 10
    strings = consumers.probe_strings()
    cases = [(s["$id"], text) for s in probes.values() for text in strings]
    _same_verdicts(ajv, list(probes.values()), cases)


@pytest.mark.parametrize("char", ["\U000e0001", "\U000e0100", "\U0001d173", "\U000110bd"])
def test_astral_invisible_characters_are_refused_by_the_validator(tmp_path: Path, char: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data/categories.yaml"
    text = path.read_text(encoding="utf-8")
    label = text.split("label: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(f"label: {label}", f"label: {label[:2]}{char}{label[2:]}", 1), encoding="utf-8")
    codes = [(p.code, p.line) for p in ketdata.validate(tmp_path / "data") if p.code.startswith("KD1")]
    assert codes == [("KD108", 3)]
