"""Re-anchoring evidence on revisions of the shipped article made here, each with the verdict for every span.

Every evidence span of every claim, caveat and concept gloss is re-anchored on each revision; a span not
named in a case's ``expect`` must be moved, with its quote standing verbatim at its new offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ketdata
from ketdata._editor.reanchor import CONTEXT, Reanchorer, Sentences, TextQuote, equal_blocks, reanchor, word_diff

DS = ketdata.load()
OLD = DS.sources[0].text
HEDGES = next(r.words for r in DS.rules if r.kind == "qualifier-words")


def _spans() -> dict[str, tuple[int, int, str]]:
    found = {}
    for record in (*DS.claims, *DS.caveats):
        for i, e in enumerate(record.evidence):
            found[f"{record.id}/{i}"] = (e.start, e.end, e.quote)
    for concept in DS.concepts:
        for name, gloss in [
            ("definition", concept.definition),
            *((f"synonym{i}", g) for i, g in enumerate(concept.synonyms)),
        ]:
            if gloss is not None and gloss.evidence is not None:
                found[f"{concept.id}/{name}"] = (gloss.evidence.start, gloss.evidence.end, gloss.evidence.quote)
    return found


SPANS = _spans()


def _first(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _keys(*records: str, spans: tuple[int, ...] | None = None) -> set[str]:
    return {
        k for k in SPANS for r in records if k.startswith(f"{r}/") and (spans is None or int(k.split("/")[1]) in spans)
    }


PARAGRAPH = (
    "In therapy, ketamine is typically administered in low doses and under the supervision of a trained medical "
    "professional.\n\n\n"
)
STREET = 'It is known by various street names such as "Special K," "K," and "Vitamin K." '


def _move_paragraph(text: str) -> str:
    assert PARAGRAPH in text
    text = text.replace(PARAGRAPH, "", 1)
    anchor = "via a nasal spray.\n\n\n"
    return text.replace(anchor, anchor + PARAGRAPH, 1)


def _normalise_space(text: str) -> str:
    text = text.replace("\u00a0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


@dataclass(frozen=True)
class Case:
    revise: Callable[[str], str]
    expect: dict[str, set[str]] = field(default_factory=dict)  # verdict -> span keys; every other span: moved


THE_EFFECTS = "The effects of ketamine can be felt"
_AFTER_THE_EFFECTS = ("claim-033", "claim-034", "claim-035", "claim-036", "claim-037", "claim-038", "claim-039",
                      "caveat-004")  # fmt: skip
CASES = {
    "unchanged": Case(lambda t: t),
    # A quote's sentence is part of what a reader needs: claim-001 quotes the sentence's start, and claim-004's
    # 'It' leans on the sentence before.
    "typo fixed inside a quote": Case(
        _first("pain relief", "pain-relief"),
        {"changed": _keys("claim-002", "claim-003", "ketamine", "claim-001") | _keys("claim-004")},
    ),
    # Outside every quote, but inside the sentence 028-031 and the routes' synonyms quote: a person looks.
    "typo outside every quote": Case(
        _first(", although it can", ", althuogh it can"),
        {
            "changed": _keys("claim-028", spans=(1,))
            | _keys("claim-029", "claim-030", "claim-031", spans=(1, 2, 3))
            | {"intramuscular-route/synonym0", "intravenous-route/synonym0", "oral-route/synonym0"}
        },
    ),
    "sentence inserted before the first quote": Case(
        _first("Ketamine is a medication", "Ketamine may be risky. Ketamine is a medication")
    ),
    "paragraph moved": Case(_move_paragraph),
    # The sentence's own spans are lost; each claim's first span, the sentence before, is moved.
    "sentence deleted": Case(_first(STREET, ""), {"lost": _keys("claim-010", "claim-011", "claim-012", spans=(1, 2))}),
    # 'can' is inside the quotes of 032 and 034-036, and next to the context span 'The effects of ketamine' of the rest.
    "can becomes will": Case(
        _first(THE_EFFECTS, "The effects of ketamine will be felt"),
        {
            "changed": _keys(
                "claim-034",
                "claim-035",
                "claim-036",
                "claim-037",
                "claim-038",
                "claim-039",
                "caveat-004",
                spans=(0,),
            )
            # 032 and 033 quote the section's heading first (the therapy setting), then the sentence; 'can' stands
            # in the sentence of 033's third quote; 'During this time' (032's third quote, 033's fourth too) leans
            # on that sentence.
            | {"claim-032/1", "claim-033/2", "claim-032/2", "claim-033/3"}
            | _keys(*_AFTER_THE_EFFECTS, spans=(1,))
            | {"claim-034/2"}
        },
    ),
    # 'may' is inside 'During this time, patients may experience' (and the whole sentence 037-039 and caveat-004
    # quote as context), and next to 034's second item.
    "may removed": Case(
        _first("patients may experience", "patients experience"),
        {
            "changed": _keys(
                "claim-034", "claim-035", "claim-036", "claim-037", "claim-038", "claim-039", "caveat-004", spans=(1,)
            )
            # The same sentence holds the second item of 035-039, caveat-004 (and 036's third); 032 and 033 quote
            # 'During this time, patients may experience' after their stating quote.
            | _keys(*_AFTER_THE_EFFECTS[1:], spans=(2,))
            | {"claim-036/3", "claim-032/2", "claim-033/3"}
        },
    ),
    "white space and the non-breaking space normalised": Case(_normalise_space),
    "CRLF line ends": Case(lambda t: t.replace("\n", "\r\n")),
    # 028-036 quote the heading as context for the question it asks ('How is Ketamine Used'): that quote is lost
    # (034-036 quote it last, after their list item, since fix5d named their subject, the therapy).
    "heading renamed": Case(
        _first("How is Ketamine Used in Therapy?", "Ketamine in therapy"),
        {
            "lost": _keys("claim-028", "claim-029", "claim-030", "claim-031", "claim-032", "claim-033", spans=(0,))
            | {"claim-034/3", "claim-035/3", "claim-036/4"}
        },
    ),
    "whole text repeated twice": Case(lambda t: t + "\n\n" + t),
}


@pytest.mark.parametrize("name", CASES)
def test_every_span_gets_its_expected_verdict(name: str) -> None:
    case = CASES[name]
    new = case.revise(OLD)
    anchorer = Reanchorer(OLD, new, HEDGES)
    got = {key: anchorer.place(*span) for key, span in SPANS.items()}
    verdicts = {key: r.kind for key, r in got.items()}
    wanted = {key: kind for kind, keys in case.expect.items() for key in keys}
    assert verdicts == {key: wanted.get(key, "moved") for key in SPANS}
    for r in got.values():
        if r.kind == "moved":
            assert r.new_start is not None and new[r.new_start : r.new_end] == r.old_quote
            assert (r.old_words, r.new_words) == ("", "")
        elif r.kind == "changed":
            assert r.new_start is not None and r.new_quote == new[r.new_start : r.new_end]
            assert r.old_words or r.new_words
        else:
            assert r.new_start is None and r.new_quote is None


def test_offsets_follow_an_insertion_and_stay_put_when_nothing_changes() -> None:
    inserted = "Ketamine may be risky. "
    new = OLD.replace("Ketamine is a medication", inserted + "Ketamine is a medication", 1)
    for r in reanchor(OLD, new, list(SPANS.values()), HEDGES):
        assert (r.new_start, r.new_end) == (r.old_start + len(inserted), r.old_end + len(inserted))
    for r in reanchor(OLD, OLD + "\n\n" + OLD, list(SPANS.values()), HEDGES):
        assert (r.new_start, r.new_end) == (r.old_start, r.old_end)


def test_crlf_shifts_each_span_by_the_line_ends_before_it() -> None:
    new = OLD.replace("\n", "\r\n")
    for r in reanchor(OLD, new, list(SPANS.values()), HEDGES):
        assert r.new_start == r.old_start + OLD.count("\n", 0, r.old_start)


def test_the_changed_words_are_named() -> None:
    new = OLD.replace(THE_EFFECTS, "The effects of ketamine will be felt", 1)
    r = Reanchorer(OLD, new, HEDGES).place(*SPANS["claim-032/1"])
    assert (r.kind, r.old_words, r.new_words) == ("changed", "can", "will")
    assert r.new_quote == "The effects of ketamine will be felt within minutes of administration"
    assert "hedge" in r.why
    # Next to the quote only: the hedge stands just after the words 'The effects of ketamine' (a reading's).
    start = OLD.index(THE_EFFECTS)
    r = Reanchorer(OLD, new, HEDGES).place(start, start + len("The effects of ketamine"), "The effects of ketamine")
    assert (r.kind, r.new_quote, r.old_words, r.new_words) == ("changed", "The effects of ketamine", "can", "")


def test_a_hedge_in_the_sentence_before_is_not_next_to_the_quote() -> None:
    start, end, quote = SPANS["claim-001/0"]
    new = OLD[:start] + "It may help. " + OLD[start:]
    assert Reanchorer(OLD, new, HEDGES).place(start, end, quote).kind == "moved"
    new = OLD[:start] + "It may help; " + OLD[start:]
    assert Reanchorer(OLD, new, HEDGES).place(start, end, quote).kind == "changed"


def test_a_hedge_added_right_after_a_quote_is_a_change() -> None:
    start, end, quote = next(s for s in SPANS.values() if OLD[s[1]] == "." and "possibly" not in OLD[s[0] - 40 : s[1]])
    new = OLD[:end] + ", possibly" + OLD[end:]
    r = Reanchorer(OLD, new, HEDGES).place(start, end, quote)
    assert (r.kind, r.new_words) == ("changed", "possibly")


def test_a_non_breaking_space_inside_a_quote_that_becomes_a_space_is_a_change() -> None:
    old = "Intro. Ketamine is a\u00a0medication used for pain. Outro."
    start = old.index("Ketamine")
    end = old.index(" used")
    for new in (old.replace("\u00a0", " "), old.replace("\u00a0", "\r\n")):
        r = Reanchorer(old, new).place(start, end, old[start:end])
        assert r.kind == "changed"
        assert r.old_words == "U+00A0" and r.new_words in ("U+0020", "U+000D U+000A")
    # The same edit outside the quote leaves it moved.
    old3 = "Intro.\u00a0Ketamine is a medication used for pain."
    s3, e3 = old3.index("Ketamine"), old3.index(" used")
    r = Reanchorer(old3, old3.replace("\u00a0", " ")).place(s3, e3, old3[s3:e3])
    assert (r.kind, r.new_start) == ("moved", s3)


def test_a_quote_found_twice_with_the_same_context_goes_to_a_person() -> None:
    old = "A. Ketamine can be dangerous. B."
    new = "C. Ketamine can be dangerous. D. Ketamine can be dangerous. E."
    r = Reanchorer(old, new).place(3, 28, "Ketamine can be dangerous")
    assert r.kind == "changed" and "context does not tell" in r.why


def test_a_quote_found_twice_is_told_apart_by_its_context() -> None:
    old = "Intro line.\nSpecial K, and then K, said.\n"
    new = "A new first line.\nIntro line!\nSpecial K, and then K, said.\n"
    start = old.index("K,", old.index("then"))
    r = Reanchorer(old, new).place(start, start + 1, "K")
    assert r.kind == "moved" and new[r.new_start - 5 : r.new_start] == "then "


def test_the_quote_must_be_the_old_text() -> None:
    with pytest.raises(ValueError, match="not"):
        Reanchorer(OLD, OLD).place(0, 8, "Ketamine")


def test_selector_and_word_diff() -> None:
    sel = TextQuote.of(OLD, *SPANS["claim-005/0"][:2])
    assert sel.exact == SPANS["claim-005/0"][2] and len(sel.prefix) == len(sel.suffix) == CONTEXT
    assert OLD[sel.start - CONTEXT : sel.end + CONTEXT] == sel.prefix + sel.exact + sel.suffix
    assert [r for r in word_diff("it can help", "it will help") if r[0] != "equal"] == [("replace", "can", "will")]
    assert equal_blocks(OLD, OLD) == [(0, 0, len(OLD))]


# Property tests: a text of distinct words with hedge words among them, quotes of whole words.
_WORDS = [f"w{i}" for i in range(400)]
_HEDGE_WORDS = ["can", "may", "typically", "usually", "potential", "still"]
_NEW_WORDS = [f"n{i}" for i in range(50)]


@st.composite
def _text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    n = draw(st.integers(20, 120))
    words = []
    for i in range(n):
        if draw(st.integers(0, 5)) == 0:
            words.append(draw(st.sampled_from(_HEDGE_WORDS)))
        words.append(_WORDS[i])
        if draw(st.integers(0, 7)) == 0:
            words[-1] += draw(st.sampled_from([".", ".\n", ",", "\n"]))
    text = " ".join(words).replace("\n ", "\n")
    bounds = [(m.start(), m.end()) for m in re.finditer(r"w\d+", text)]
    spans = []
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(bounds) - 1))
        j = draw(st.integers(i, min(len(bounds) - 1, i + 8)))
        spans.append((bounds[i][0], bounds[j][1]))
    return text, spans


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each quote's sentence, with the white space before it: the words a reader needs with the quote."""
    zones = []
    for s, e in spans:
        before, after = Sentences(text).around(s, e)
        zones.append((s - len(before) - 1, e + len(after)))
    return zones


def _edit(text: str, spans: list[tuple[int, int]], data: st.DataObject) -> str:
    """Insert new words or delete whole words, never in a quote's sentence, never a hedge word or a full stop."""
    for _ in range(data.draw(st.integers(1, 4))):
        zones = _sentences(text, spans)
        gaps = [m.start() for m in re.finditer(r" ", text) if not any(s <= m.start() <= e for s, e in zones)]
        if not gaps:
            break
        at = data.draw(st.sampled_from(gaps))
        if data.draw(st.booleans()):
            words = data.draw(st.lists(st.sampled_from(_NEW_WORDS), min_size=1, max_size=4))
            insert = " " + " ".join(words) + data.draw(st.sampled_from(["", ".", ","]))
            text = text[:at] + insert + text[at:]
            spans = [(s + len(insert), e + len(insert)) if s > at else (s, e) for s, e in spans]
        else:
            stop = text.find(" ", at + 1)
            stop = len(text) if stop == -1 else stop
            gone = text[at:stop]
            touches = re.search(r"\b(?:" + "|".join(_HEDGE_WORDS) + r")\b|[.\n]", gone)
            if any(at <= e and s <= stop for s, e in zones) or touches:
                continue
            text = text[:at] + text[stop:]
            spans = [(s - len(gone), e - len(gone)) if s >= stop else (s, e) for s, e in spans]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_text_and_spans())
def test_unchanged_text_is_the_identity(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = case
    for r in reanchor(text, text, [(s, e, text[s:e]) for s, e in spans], _HEDGE_WORDS):
        assert (r.kind, r.new_start, r.new_end) == ("moved", r.old_start, r.old_end)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_text_and_spans(), st.data())
def test_edits_that_touch_no_quoted_sentence_and_no_hedge_only_move(
    case: tuple[str, list[tuple[int, int]]], data: st.DataObject
) -> None:
    text, spans = case
    new = _edit(text, spans, data)
    for r in reanchor(text, new, [(s, e, text[s:e]) for s, e in spans], _HEDGE_WORDS):
        assert r.kind == "moved", (r, text, new)
        assert new[r.new_start : r.new_end] == r.old_quote


def test_a_hedge_the_word_diff_takes_out_and_puts_back_is_no_change() -> None:
    # Found by the property test: ' w49 can w50' -> ' can n0 w50' aligns as 'w49 can' -> 'can n0'.
    old = "w35 can w36. w37 w38 w39 w40 w41 w42. w43. w44 w45 w46 w47 w48 w49 can w50 w51 w52 w53"
    new = old.replace(" w49 can w50", " can n0 w50")
    start = old.index("w36")
    end = old.index("w44") + 3
    r = Reanchorer(old, new, _HEDGE_WORDS).place(start, end, old[start:end])
    # The quote's sentence changed ('w49' went, 'n0' came), but no hedge did.
    assert r.kind == "changed" and r.why.startswith("the words around the quote changed"), r.why


def test_a_hedge_that_only_comes_nearer_is_no_change() -> None:
    # Found by the property test: deleting 'w10' brings an untouched 'can' within the context of the quote.
    old = "w0 w7.\nw8\nw9 can w10 w11 w12 w13 w14 w15 potential w16. w17 w18 w19"
    new = "w0 w7.\nw8\nw9 n0 can w11 w12 w13 w14 w15 potential w16. w17 w18 w19"
    start = old.index("w16")
    r = Reanchorer(old, new, _HEDGE_WORDS).place(start, start + 3, "w16")
    # Changed, as every edit of the quote's sentence is, but not for a hedge: 'can' is still there.
    assert r.kind == "changed" and r.why.startswith("the words around the quote changed"), r.why


def test_a_short_quote_found_only_in_another_passage_is_not_moved_there() -> None:
    # A reading's 'its' whose sentence lost it must not jump to the next 'its' of the article.
    old = "Research is needed to understand its safety.\n" + "Other text.\n" * 10 + "A drug and its uses.\n"
    new = old.replace("understand its safety", "understand the safety")
    start = old.index("its")
    r = Reanchorer(old, new).place(start, start + 3, "its")
    assert r.kind != "moved" and r.new_start != new.index("its")
    # Found once within the rewritten stretch, or with its context whole on one side, it is placed there (and
    # changed, as its sentence is).
    new = old.replace("Research is needed", "More research is needed")
    r = Reanchorer(old, new).place(start, start + 3, "its")
    assert (r.kind, r.new_start) == ("changed", start + 5)


# A3-1: a negation put into a quote's sentence, outside the quote, is a change a person must see.
_NEGATIONS = ["not", "never", "no"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SPANS)), st.data())
def test_a_negation_put_anywhere_in_a_quotes_sentence_is_never_moved(key: str, data: st.DataObject) -> None:
    start, end, quote = SPANS[key]
    before, after = Sentences(OLD).around(start, end)
    lo, hi = start - len(before), end + len(after)
    bounds = [m.start() for m in re.finditer(r"(?<![\w'])\w", OLD[lo:hi])]
    at = lo + data.draw(st.sampled_from(bounds))
    word = data.draw(st.sampled_from(_NEGATIONS))
    new = OLD[:at] + word + " " + OLD[at:]
    r = Reanchorer(OLD, new, HEDGES).place(start, end, quote)
    assert r.kind != "moved", (key, at, new[lo : hi + 10])


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("taken orally, intramuscularly, or via", "taken orally, but never intramuscularly, or via", "claim-030/3"),
        ("confusion, and dizziness", "confusion, and no dizziness", "claim-047/1"),
        ("including addiction, cognitive", "including addiction, rarely any cognitive", "claim-017/2"),
    ],
)
def test_a_negation_between_spliced_quotes_is_named_in_the_verdict(old: str, new: str, key: str) -> None:
    r = Reanchorer(OLD, OLD.replace(old, new, 1), HEDGES).place(*SPANS[key])
    assert r.kind == "changed" and "a negation changed" in r.why and r.new_quote == r.old_quote


def test_a_one_letter_quote_is_not_moved_into_a_longer_word() -> None:
    # A3-8: "K" became "Kay": the line diff's common start ends after the K, inside the new word.
    old = 'street names such as "Special K," "K," and "Vitamin K."'
    start = old.index('"K,"') + 1
    new = old.replace('"K,"', '"Kay,"')
    r = Reanchorer(old, new).place(start, start + 1, "K")
    assert r.kind != "moved"


def test_a_reading_leans_on_the_sentence_before() -> None:
    # A3-13: the sentence before an 'It' moved away: the reading of 'It' (and a quote holding it) is changed.
    old = "Ketamine is a drug. It is typically used in low doses. Other words stand here."
    new = "Other words stand here. Ketamine is a drug. Something else entirely. It is typically used in low doses."
    start = old.index("It")
    assert Reanchorer(old, new).place(start, start + 2, "It").kind == "changed"
    quote = "It is typically used in low doses"
    assert Reanchorer(old, new).place(start, start + len(quote), quote).kind == "changed"
    # Nothing changed in either sentence: both moved.
    new = "A new first sentence. " + old
    assert Reanchorer(old, new).place(start, start + 2, "It").kind == "moved"
