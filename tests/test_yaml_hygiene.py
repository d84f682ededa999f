"""YAML traps are reported with their place: PyYAML would otherwise accept them silently or crash."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import hypothesis
import pytest
from hypothesis import strategies as st

import ketdata
from ketdata import DataError

from .helpers import ROOT, claim_record

FILE = "claims/extra.yaml"
RECORD = claim_record("claim-900")


def write(data: Path, content: str | bytes) -> Path:
    path = data / FILE
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


CASES = {
    "duplicate-key": ("KD005", RECORD.replace("hedge: null\n", "hedge: null\nhedge: can\n"), 13),
    "anchor": ("KD006", RECORD.replace("subject: ketamine", "subject: &s ketamine"), 6),
    "alias": ("KD006", RECORD.replace("subject: ketamine", "subject: &s ketamine\nx: *s"), 6),
    "python-tag": (
        "KD007",
        RECORD.replace("statement: Ketamine is a medication.", "statement: !!python/object/apply:os.system ['true']"),
        5,
    ),
    "custom-tag": ("KD007", RECORD.replace("statement: Ketamine", "statement: !shout Ketamine"), 5),
    "unclosed-quote": (
        "KD003",
        RECORD.replace("statement: Ketamine is a medication.", 'statement: "Ketamine is a medication.'),
        5,
    ),
    "bad-indentation": ("KD003", RECORD.replace("  concept: medication", "  concept: medication\n bad: 1"), 10),
    "tab-indentation": ("KD004", RECORD.replace("  concept: medication", "\tconcept: medication"), 9),
    "tab-separation": ("KD004", RECORD.replace("version: 1", "version:\t1"), 3),
    "tab-before-comment": ("KD004", RECORD.replace("hedge: null", "hedge: null\t# none"), 12),
    "scalar-document": ("KD008", "--- just a sentence\n", 1),
    "list-document": ("KD008", "---\n- id: claim-900\n", 2),
    "empty-file": ("KD009", "", 1),
    "comment-only-file": ("KD009", "# nothing here\n", 1),
    "non-string-key": ("KD014", RECORD.replace("hedge: null", "1: null\nhedge: null"), 12),
    "deep-nesting": ("KD011", RECORD.replace("hedge: null", "hedge: " + "[" * 30 + "]" * 30), 12),
}


@pytest.mark.parametrize(("code", "content", "line"), [pytest.param(*c, id=k) for k, c in CASES.items()])
def test_yaml_trap_is_reported(data: Path, code: str, content: str, line: int) -> None:
    path = write(data, content)
    found = [(p.code, p.file, p.line) for p in ketdata.validate(data)]
    assert (code, str(path), line) in found, found


def test_non_utf8_bytes_are_located(data: Path) -> None:
    path = write(data, RECORD.encode("utf-8").replace(b"is a medication.", b"is a m\xe9dication."))
    (problem,) = [p for p in ketdata.validate(data) if p.file == str(path) and p.code != "KD018"]
    column = len("statement: Ketamine is a m") + 1
    assert (problem.code, problem.line, problem.column) == ("KD001", 5, column)


def test_byte_order_mark_is_reported(data: Path) -> None:
    path = write(data, b"\xef\xbb\xbf" + RECORD.encode("utf-8"))
    found = [(p.code, p.line) for p in ketdata.validate(data) if p.file == str(path) and p.code != "KD018"]
    assert found == [("KD002", 1)]


def test_alias_bomb_is_refused_without_expanding(data: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    path = write(data, "---\n" + bomb)
    problems = [p for p in ketdata.validate(data) if p.file == str(path) and p.code != "KD018"]
    assert problems and {p.code for p in problems} == {"KD006"}


def test_file_over_the_size_limit_is_refused(data: Path) -> None:
    from ketdata._io.yaml import MAX_FILE_BYTES

    path = write(data, RECORD + "# " + "x" * MAX_FILE_BYTES + "\n")
    assert [p.code for p in ketdata.validate(data) if p.file == str(path) and p.code != "KD018"] == ["KD010"]


def test_python_tag_is_never_executed(data: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    write(
        data,
        RECORD.replace(
            "statement: Ketamine is a medication.", f"statement: !!python/object/apply:os.system ['touch {marker}']"
        ),
    )
    ketdata.validate(data)
    with pytest.raises(DataError):
        ketdata.load(data)
    assert not marker.exists()


def test_load_raises_data_error_listing_problems(data: Path) -> None:
    write(data, CASES["duplicate-key"][1])
    with pytest.raises(DataError) as caught:
        ketdata.load(data)
    assert [p.code for p in caught.value.problems] == ["KD005"]
    assert "KD005" in str(caught.value)


def test_only_the_safe_loader_is_used_anywhere() -> None:
    unsafe = re.compile(
        r"yaml\.(load|load_all|full_load|unsafe_load)\(|Loader=yaml\.(Loader|FullLoader|UnsafeLoader)\b"
    )
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "ketdata").rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(line)
    ]
    assert offenders == []


PURE_PYTHON = """
import sys, warnings, yaml
del yaml.CSafeLoader
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import ketdata
    problems = ketdata.validate(sys.argv[1])
print(any("libyaml is not available" in str(w.message) for w in caught))
print(sorted((p.code, p.line, p.column) for p in problems if p.code != "KD601"))
"""


@pytest.mark.parametrize("case", ["duplicate-key", "tab-indentation", "unclosed-quote"])
def test_without_libyaml_the_pure_python_loader_finds_the_same(data: Path, case: str) -> None:
    write(data, CASES[case][1])
    done = subprocess.run([sys.executable, "-c", PURE_PYTHON, str(data)], capture_output=True, text=True, check=True)
    warned, found = done.stdout.splitlines()
    assert warned == "True"
    expected = sorted((p.code, p.line, p.column) for p in ketdata.validate(data) if p.code != "KD601")
    assert found == str(expected) and expected != []


@hypothesis.given(
    st.one_of(
        st.from_regex(r"[-+]?[0-9_.:eExXbo]{1,12}", fullmatch=True),
        st.text(alphabet="0123456789", min_size=1, max_size=30),
        st.text(max_size=8),
        st.sampled_from(
            [
                "",
                "~",
                "null",
                "Null",
                "NULL",
                "nul",
                "true",
                "True",
                "yes",
                "No",
                "on",
                "OFF",
                "y",
                "n",
                "not-applicable",
                "nothing",
                "Offset",
                ".nan",
                ".inf",
                "-.Inf",
                "2001-12-14",
                "<<",
                "=",
            ]
        ),
    ),
    st.booleans(),
)
def test_the_reader_resolves_every_scalar_as_the_stock_resolver_does(value: str, plain: bool) -> None:
    """Its shortcuts (words, digits, untagged collections) give the tag PyYAML's own resolver gives."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import Resolver

    from ketdata._io.yaml import _Reader

    reader, stock = _Reader(""), Resolver()
    assert reader.resolve(ScalarNode, value, (plain, not plain)) == stock.resolve(ScalarNode, value, (plain, not plain))
    for kind in (MappingNode, SequenceNode):
        assert reader.resolve(kind, None, (True, False)) == stock.resolve(kind, None, (True, False))


def test_a_plain_integer_is_read_as_the_constructor_reads_it() -> None:
    """Decimal digits become the same int, and one too long for Python to read is refused, located (KD016)."""
    from ketdata._io.yaml import read_documents

    docs, _ = read_documents(b"a: 0\nb: 453\nc: -7\nd: " + b"9" * 5000 + b"\n", "x.yaml")
    assert (docs[0].value["a"], docs[0].value["b"], docs[0].value["c"]) == (0, 453, -7)
    assert [(p.code, p.line) for p in docs[0].problems] == [("KD016", 4)]


def test_a_tab_between_tokens_is_located_and_fmt_removes_it(data: Path) -> None:
    # A tab after a colon or before a comment is layout: an error at its own line and column. One inside a
    # value (judged by the field's own rules) or inside a comment is not layout.
    content = RECORD.replace("version: 1", "version:  \t1").replace("hedge: null", "hedge: null\t# a\tcomment")
    path = write(data, "# head\tcomment\n" + content)
    tabs = [(p.line, p.column) for p in ketdata.validate(data) if p.code == "KD004"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert tabs == [(4, 11), (13, 12)] and all(lines[n - 1][c - 1] == "\t" for n, c in tabs)
    strict = subprocess.run([sys.executable, "-m", "ketdata", "validate", str(data)], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert strict.returncode == 1 and f"{path}:4:11: claim-900: KD004 tab character" in strict.stdout
    write(data, content.replace("\t# a\tcomment", ""))
    assert (
        subprocess.run([sys.executable, "-m", "ketdata", "fmt", str(data)], capture_output=True, check=False).returncode
        == 0
    )
    assert "\t" not in path.read_text(encoding="utf-8")
    assert [p for p in ketdata.validate(data) if p.code == "KD004"] == []


def test_without_libyaml_a_separating_tab_is_the_same_problem(data: Path) -> None:
    # The pure-Python scanner refuses the file outright (libyaml reads it): the tab is still KD004, at its place.
    write(data, CASES["tab-separation"][1])
    done = subprocess.run([sys.executable, "-c", PURE_PYTHON, str(data)], capture_output=True, text=True, check=True)
    assert "('KD004', 3, 9)" in done.stdout.splitlines()[1]
    assert [(p.line, p.column) for p in ketdata.validate(data) if p.code == "KD004"] == [(3, 9)]
