"""Sentence splitting and the coverage sweep, checked against simple reference definitions."""

from __future__ import annotations

import re

import yaml
from hypothesis import given
from hypothesis import strategies as st

from ketdata._validation.coverage import coverage, sentences, uncovered

from .helpers import DATA
from .test_fuzz import SETTINGS

# The definition of a sentence, written as one regular expression over each paragraph: the splitter walks
# the text with two searches per sentence instead, and must find exactly these.
REFERENCE = re.compile(r"\S.*?(?:[.!?][\"')\]\u201d\u2019]*(?=\s|$)|$)", re.DOTALL)

texts = st.text(alphabet=st.sampled_from(list(".!? \n\t\"')]\u201d\u00a0ab")), max_size=40)


def reference_sentences(text: str, sections: list[tuple[str, str, int, int]]) -> list[tuple[str, int, int]]:
    found = []
    for section_id, heading, start, end in sections:
        body = start + len(heading) if text.startswith(heading, start) else start
        for para in re.finditer(r"[^\n]+", text[body:end]):
            offset = body + para.start()
            found += [(section_id, offset + m.start(), offset + m.end()) for m in REFERENCE.finditer(para.group())]
    return found


def two_sections(text: str, cut: int) -> list[tuple[str, str, int, int]]:
    cut = min(cut, len(text))
    return [("first", text[:2], 0, cut), ("second", "", cut, len(text))]


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=40))
def test_sentences_match_the_reference_definition(text: str, cut: int) -> None:
    sections = two_sections(text, cut)
    found = [(s.section, s.start, s.end) for s in sentences(text, sections)]
    assert found == reference_sentences(text, sections)
    assert all(s.text == text[s.start : s.end] and not s.text[0].isspace() for s in sentences(text, sections))


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=40), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40))))
def test_uncovered_sentences_are_those_the_full_report_finds_unquoted(
    text: str, cut: int, spans: list[tuple[int, int]]
) -> None:
    sections = two_sections(text, cut)
    ordered = [(min(a, b), max(a, b)) for a, b in spans]
    full = coverage(text, sections, [(f"r{i}", a, b) for i, (a, b) in enumerate(ordered)])
    assert uncovered(text, sections, ordered) == [row.sentence for row in full if not row.covered]


def test_the_article_splits_into_its_seventeen_sentences() -> None:
    source = yaml.safe_load((DATA / "sources/ketamine-overview.yaml").read_text(encoding="utf-8"))
    text = (DATA / "sources" / source["file"]).read_text(encoding="utf-8")
    sections = [(s["id"], s["heading"], s["start"], s["end"]) for s in source["sections"]]
    found = [(s.section, s.start, s.end) for s in sentences(text, sections)]
    assert found == reference_sentences(text, sections)
    assert len(found) == 17
