"""The read path's JSON reader (``_read/json_text.py``) answers exactly as ``json.loads`` does, value or error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketdata._read import json_text

from .helpers import ROOT

SETTINGS = settings(max_examples=int(os.environ.get("KETDATA_FUZZ_EXAMPLES", "100")) * 3, deadline=None)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80), st.floats(allow_nan=True),
    st.text(max_size=20),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=16,
)
# JSON's own whitespace and characters that only look like it (json.loads refuses those around a value).
around = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2028\ufeff", max_size=3)
tails = st.sampled_from(["", "x", "1", "{}", '"', "]", "//"])


def answer(read: Any, data: bytes) -> tuple[str, str]:
    """What a reader gives for the bytes: its value as JSON (NaN compares equal so), or its error."""
    try:
        value = read(data)
    except Exception as exc:  # the error itself is what is compared
        return type(exc).__name__, str(exc)
    return "value", json.dumps(value)


@pytest.mark.parametrize("name", ["exports/json/ketdata.json", "exports/manifest.json"])
def test_the_shipped_files_are_read_whole_by_the_scanner(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (ROOT / name).read_bytes()
    expected = json.loads(data)
    # What ketdata wrote never needs the json module: the fallback is shut, and the value is still the same.
    monkeypatch.setattr(json, "loads", None)
    assert json_text.loads(data) == expected


@SETTINGS
@given(values, st.sampled_from([None, 1]), st.booleans(), around, around, tails)
def test_any_text_reads_as_json_loads_reads_it(
    value: Any, indent: int | None, ascii_only: bool, before: str, after: str, tail: str
) -> None:
    text = before + json.dumps(value, indent=indent, ensure_ascii=ascii_only) + after + tail
    for data in (text.encode("utf-8", "surrogatepass"), text.encode("utf-16"), text.encode("utf-8-sig")):
        assert answer(json_text.loads, data) == answer(json.loads, data)


@SETTINGS
@given(st.binary(max_size=40))
def test_any_bytes_read_as_json_loads_reads_them(data: bytes) -> None:
    assert answer(json_text.loads, data) == answer(json.loads, data)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', "[NaN, Infinity, -Infinity]", '"\\ud800"', "1e400", "-0", '{"a": [1, 2.50]}', "\x00", "",
     '"a\tb"', "[" * 5000 + "]" * 5000, "[1,]", "01", '{"\u00e9": "\u00a0"}'],
)  # fmt: skip
def test_edge_cases_read_as_json_loads_reads_them(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    assert answer(json_text.loads, data) == answer(json.loads, data)


BAD = ['{"a": [1, 2', '"abc', '{"a" 1}', "[1,]", "{", "\ufeff{}", "{} x", '{"a": "\\x"}', '"\x01"']
# The same answer as `answer` above, in an interpreter that has not imported json.
FRESH = """
import sys
from ketdata._read import json_text
print('json' in sys.modules)
try:
    value = json_text.loads(sys.argv[1].encode('utf-8'))
except Exception as exc:
    print((type(exc).__name__, str(exc)))
else:
    import json
    print(('value', json.dumps(value)))
"""


@pytest.mark.parametrize("text", [*BAD, "[NaN]", '{"a": 1}'])
def test_in_a_fresh_interpreter_errors_are_json_loads_errors(text: str) -> None:
    # The C scanner reports bad JSON through json.decoder: before anything imported json, it fails otherwise.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", FRESH, text], capture_output=True, text=True, env=env, cwd="/")
    assert run.returncode == 0, run.stderr
    imported, found = run.stdout.splitlines()
    assert imported == "False"  # the shipped snapshot was read at import without json
    assert found == str(answer(json.loads, text.encode("utf-8")))
