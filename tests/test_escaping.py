"""Data never becomes markup or code: hostile text through every output format that holds it."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

import ketdata
from ketdata._cli import main
from ketdata._editor.diff_render import render_markdown
from ketdata._editor.release import changelog_section
from ketdata._export import load_csv, render
from ketdata._io.escape import UnsafeCellError, csv_cell, markdown_code, markdown_text, starts_formula, xhtml_text
from ketdata._model.convert import KINDS, build_dataset, to_plain
from ketdata._model.dataset import Dataset
from ketdata._model.diff import diff

from .helpers import DATA

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "'=already quoted",
    "\uff1d1+1",
    "<script>alert(1)</script> & <b>bold</b>",
    "[click](javascript:alert(1)) ![img](http://evil.example/x.png) <http://evil.example>",
    "*em* _em_ **strong** `code` ~~gone~~ | a | b |",
    "# heading",
    "- list item",
    "1. ordered",
    "> quote",
    "see http://evil.example and www.evil.example, mail a@evil.example",
    "&amp; &#60; &lt;",
    "line one\nline two\u2028three\u0085four",
    "bad xml \ufffe \uffff \x01 \ud800 end",
    "back\\slash\\",
]


def hostile_dataset(text: str) -> Dataset:
    """The shipped dataset with ``text`` as a statement, hedge, label, definition, code and reason."""
    ds = ketdata.load()
    plain: dict[str, list[dict[str, Any]]] = {kind: [to_plain(r) for r in getattr(ds, attr)] for kind, attr, _ in KINDS}
    claim = plain["claim"][0]
    claim.update(statement=text, hedge=text)
    claim["object"] = {"value": text}
    plain["caveat"][0]["statement"] = text
    drug = next(c for c in plain["concept"] if c.get("codings"))
    drug.update(label=text, definition=text)
    drug["codings"][0]["code"] = text
    plain["source"][0]["note"] = text
    return build_dataset(to_plain(ds.info), plain, str(DATA / "sources"))


def renders_as_text(md: str, text: str) -> None:
    """The Markdown renders to one paragraph holding exactly ``text`` (newlines as spaces), no other markup."""
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    assert html.startswith("<p>") and html.count("<") == 2, html
    expected = " ".join(text.splitlines()).strip()
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parseInline(md)[0].children or []
    assert "".join(t.content for t in tokens if t.type == "text") == expected


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_as_the_text_itself(text: str) -> None:
    renders_as_text(markdown_text(text), text)


@pytest.mark.parametrize("text", ["claim-001", "a`b", "`x`", "a``b`"])
def test_markdown_code_holds_any_id(text: str) -> None:
    tokens = MarkdownIt("commonmark").parseInline(markdown_code(text))[0].children or []
    assert [t.type for t in tokens] == ["code_inline"] and tokens[0].content == text


@pytest.mark.parametrize("text", HOSTILE)
def test_xhtml_text_is_well_formed_character_data(text: str) -> None:
    div = ET.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml">{xhtml_text(text)}</div>')
    assert len(div) == 0
    assert div.text is not None and "\ufffe" not in div.text and "\ud800" not in div.text


# A lone surrogate cannot be written as UTF-8 at all: the validator refuses it in every text field.
@pytest.mark.parametrize("text", [t for t in HOSTILE if "\ud800" not in t])
def test_every_export_format_keeps_hostile_text_inert(text: str) -> None:
    ds = hostile_dataset(text)
    if starts_formula(text):  # validation refuses such text; the CSV sink refuses it too, never alters it
        with pytest.raises(UnsafeCellError):
            render(ds)
        return
    files = render(ds)
    for name, data in files.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
                assert not [c for c in row if starts_formula(c) and not _number(c)], (name, row)
        if name.endswith(".ndjson") and name.startswith("fhir/"):
            for line in data.decode("utf-8").split("\n")[:-1]:
                _check_fhir(json.loads(line))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_fhir(resource: dict[str, Any]) -> None:
    div = resource.get("text", {}).get("div")
    if div is not None:
        root = ET.fromstring(div)
        assert len(root) == 0, div
    description = resource.get("warning", {}).get("description") or resource.get("description")
    if description is not None:
        html = MarkdownIt("commonmark").render(description)
        assert "<a " not in html and "<img" not in html and "<script" not in html, html


def test_the_csv_export_reads_back_unchanged(tmp_path: Path) -> None:
    ds = hostile_dataset("'quoted' and =1+1")
    for name, data in render(ds).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    assert load_csv(tmp_path / "csv") == ds


def test_csv_cells_are_the_values_and_refuse_formulas() -> None:
    cells = [csv_cell(v) for v in (None, True, -3, 1.5, "'x", "ok", "a=b")]
    assert cells == ["", "true", "-3", "1.5", "'x", "ok", "a=b"]
    for text in ("-3", "=1", "+1", "@x", "\t=1", "\r=1", "\uff1d1"):
        with pytest.raises(UnsafeCellError):
            csv_cell(text)


def test_list_csv_never_writes_a_formula(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    harms = data / "claims" / "identity.yaml"
    text = harms.read_text(encoding="utf-8")
    harms.write_text(text.replace("hedge: null", 'hedge: "@SUM(1)"', 1), encoding="utf-8")
    assert main(["list", "--data", str(data), "--format", "csv"]) == 1
    out, err = capsys.readouterr()
    assert "evidence_status,hedge,statement" not in out and "KD106" in err and "hedge" in err


@pytest.mark.parametrize("text", HOSTILE)
def test_changelog_and_markdown_diff_hold_no_markup(text: str) -> None:
    old, new = ketdata.load(), hostile_dataset(text)
    d = diff(old, new)
    for md in (render_markdown(d), changelog_section("9.9.9", "2026-01-01", d, new)):
        html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
        for tag in ("<a ", "<img", "<script", "<em>", "<h1>", "<ol", "<blockquote", "<s>", "<table"):
            assert tag not in html, (tag, html)
        assert html.count("<strong>") <= 2, html  # the diff's own header
