"""Content fidelity across records: what a record read alone must keep of the article (issue #22).

A split sentence keeps what governs it (KD315, KD316); spliced evidence skips no hedge and no "this …"
antecedent (KD317); a triple is not circular (KD318), its predicate's label adds no hedge the claim does not
record (KD319) and its predicate's id and label carry the claim's hedge (KD616); a caveat's wide scope says
why (KD320) and a caveat is not linked to a claim that merely restates it (KD321); records quoting the same
words read them one way (KD322); outside material is marked (KD323); a concept's id, label and kind agree
(KD324); the words a record names are where it says (KD325); and an "it" or "its" in the evidence has its
antecedent quoted or a reading (KD617); a superseded predicate or concept is used by no active claim or
link (KD618); a context quote comes from the passage the record states and skips no hedge of its sentence
(KD680, KD317). (That a record's evidence states something, not every quote context, is KD632 in `wording.py`.)

Every check reads records that passed their schema. A record excuses an omission only in ``leaves_out``, with
the reason; the hedge and qualifier words are the project's own list, the ``qualifier-words`` rule's.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ketdata._model.problems import Problem, short
from ketdata._model.text import sentence_bounds
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.rules import named, occurs
from ketdata._validation.words import content_stems, stems, word_set

_THIS = re.compile(r"(?<!\w)this\s+\w+", re.IGNORECASE)
# "It is important to note that …" is no reference: a dummy "it" followed by "is <word> to/that".
_PRONOUN = re.compile(r"(?<!\w)(?:it|its)(?!\w)(?!\s+is\s+\w+\s+(?:to|that)\b)", re.IGNORECASE)
_REFERS = re.compile(r"(?<!\w)(?:it|its|this|these|they|them|their|those|such)(?!\w)", re.IGNORECASE)
_STOP = frozenset({"of", "in", "and", "or", "to", "the", "from", "a", "an", "on", "for", "like"})


def _pronouns_in(quote: str) -> list[re.Match[str]]:
    """The matches of `_PRONOUN` in a quote, as ``finditer`` gives them.

    On ASCII text a plain search for "it" finds the few places worth trying the expression at; run over the
    whole quote, ignoring case, it cost more than every other fidelity check of a record together.
    """
    if not quote.isascii():  # ignoring case, 'i' also matches a dotted capital I and the like: the scan decides
        return list(_PRONOUN.finditer(quote))
    low, found = quote.lower(), []
    at = low.find("it")
    while at != -1:
        match = _PRONOUN.match(quote, at)
        if match is not None:
            found.append(match)
        at = low.find("it", match.end() if match else at + 1)
    return found


def _leans_on(text: str, before: tuple[int, int], sentence: tuple[int, int]) -> bool:
    """Whether a sentence may take context from the one before it.

    In its paragraph, or across a break to say who "it" or "this …" is: a record of a paragraph's first sentence
    would else borrow the last section's words.
    """
    return "\n" not in text[before[1] : sentence[0]] or _REFERS.search(text, sentence[0], sentence[1]) is not None


def _refers_to(text: str, sentence: tuple[int, int], later: tuple[int, int]) -> bool:
    """Whether a later sentence of the paragraph refers back ("it", "this …"), saying more of this one."""
    return "\n" not in text[sentence[1] : later[0]] and _REFERS.search(text, later[0], later[1]) is not None


def _may_refer(quote: str, word: str) -> bool:
    """False only when the quote cannot hold ``word`` (lower-case ASCII), ignoring case: ASCII text without it."""
    return not quote.isascii() or word in quote.lower()


@dataclass(frozen=True, slots=True, eq=False)
class SourceText:
    """A source's text with its sentences and paragraphs, as code-point ranges.

    Each is its own key in the caches of what is worked out from it (compared by identity): a key equal to it
    would be compared to it whole, text and sentences, at every look-up (a text read again in a later run is a
    new string).

    ``ordered`` is True when the sentences follow each other without overlap (the sections in order), so a
    lookup may bisect ``starts`` and ``ends``; sections out of order (KD308) keep the scan in list order.
    """

    text: str
    sentences: tuple[tuple[int, int], ...]
    paragraphs: tuple[tuple[int, int], ...]
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    ordered: bool = False

    @classmethod
    def of(cls, text: str, sections: Iterable[tuple[str, str, int, int]]) -> SourceText:
        """The text split once into sentences (section bodies) and paragraphs (lines)."""
        found = tuple((s, e) for _, s, e in sentence_bounds(text, sections))
        lines = tuple((m.start(), m.end()) for m in re.finditer(r"[^\n]+", text))
        ordered = all(a[1] <= b[0] for a, b in itertools.pairwise(found))
        return cls(text, found, lines, tuple(a for a, _ in found), tuple(b for _, b in found), ordered)

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The sentence holding the character at ``offset``, or None (a heading, a blank)."""
        if self.ordered:
            i = bisect.bisect_right(self.starts, offset) - 1
            return self.sentences[i] if i >= 0 and offset < self.ends[i] else None
        return next(((a, b) for a, b in self.sentences if a <= offset < b), None)

    def sentence_before(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The sentence just before this one, or None."""
        if self.ordered:
            i = bisect.bisect_right(self.ends, sentence[0]) - 1
            return self.sentences[i] if i >= 0 else None
        earlier = [s for s in self.sentences if s[1] <= sentence[0]]
        return earlier[-1] if earlier else None

    def sentence_after(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The sentence just after this one, or None."""
        if self.ordered:
            i = bisect.bisect_left(self.starts, sentence[1])
            return self.sentences[i] if i < len(self.sentences) else None
        return min((s for s in self.sentences if s[0] >= sentence[1]), default=None)


def _whole(value: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's evidence spans that have a source and offsets (a broken one has failed its schema)."""
    spans = value.get("evidence") or ()
    return [s for s in spans if isinstance(s, dict) and "source" in s and "start" in s and "end" in s]


def stating(record: RawRecord | dict[str, Any]) -> list[dict[str, Any]]:
    """The spans that state the record or its item (not those that only give context)."""
    value = record.value if isinstance(record, RawRecord) else record
    return [s for s in _whole(value) if s.get("role") != "context"]


def restates(claim: dict[str, Any], caveat: dict[str, Any]) -> bool:
    """True when every span stating the claim lies inside a span stating the caveat: the claim only restates it."""
    return _inside(stating(claim), _whole(caveat))


def _inside(spans: list[dict[str, Any]], caveat_spans: list[dict[str, Any]]) -> bool:
    """True when there are ``spans`` and each lies inside one of the caveat's spans of role statement."""
    own = [(s["source"], s["start"], s["end"]) for s in caveat_spans if s.get("role") == "statement"]
    return bool(spans) and all(
        any(src == s["source"] and a <= s["start"] and s["end"] <= b for src, a, b in own) for s in spans
    )


def _recorded(value: dict[str, Any]) -> list[str]:
    words = [q["text"] for q in value.get("qualifiers") or ()]
    return [value["hedge"], *words] if value.get("hedge") else words


def _keeps(value: dict[str, Any], word: str) -> bool:
    """True when the record keeps the word as (part of) its hedge or a qualifier."""
    return any(occurs(word, kept) for kept in _recorded(value))


def _excused(value: dict[str, Any], words: str) -> bool:
    """True when the record's ``leaves_out`` names the words (or words holding them), with its reason."""
    return any(occurs(words, str(entry.get("text", ""))) for entry in value.get("leaves_out") or ())


def _governing(value: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The record's hedge and qualifiers, each with the words it governs (None: all of the record)."""
    found: list[tuple[str, str | None]] = [(value["hedge"], value.get("hedge_governs"))] if value.get("hedge") else []
    return found + [(q["text"], q.get("governs")) for q in value.get("qualifiers") or ()]


class Fidelity:
    """The fidelity checks over the schema-valid records of one data folder (the others fail their schema)."""

    def __init__(self, index: RecordIndex, texts: Mapping[str, SourceText]) -> None:
        self.texts = texts
        # In file order, claims and caveats as they come: which sibling is named first depends on it.
        self.said = [r for r in index.records if r.kind in ("claim", "caveat") and r.id and index.is_valid(r)
                     and r.value.get("status", "active") == "active"]  # fmt: skip
        self.concepts = {str(r.id): r for r in index.valid("concept") if r.id}
        self.predicates = {str(r.id): r for r in index.valid("predicate") if r.id}
        self.sources = index.valid("source")
        self.claims = {str(r.id): r for r in index.valid("claim") if r.id}
        self._evidence: dict[int, list[dict[str, Any]]] = {}
        self._narrower: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        self._by_word: dict[str, set[str]] | None = None
        self._caveat_spans: dict[str, list[tuple[str, int, int]]] | None = None
        words = [w for r in index.valid("rule") if r.value.get("kind") == "qualifier-words"
                 for w in r.value.get("words") or ()]  # fmt: skip
        ordered = sorted(set(words), key=len, reverse=True)
        self.words = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)", re.IGNORECASE)
            if ordered
            else None
        )

    def _spans(self, record: RawRecord) -> list[dict[str, Any]]:
        """The record's whole evidence spans (`_whole`), worked out once: every check reads them."""
        found = self._evidence.get(id(record))
        if found is None:
            found = self._evidence[id(record)] = _whole(record.value)
        return found

    def _stating(self, record: RawRecord) -> list[dict[str, Any]]:
        return [s for s in self._spans(record) if s.get("role") != "context"]

    def problems(self) -> Iterator[Problem]:
        """Every fidelity problem, record by record."""
        for record in self.said:
            value, spans = record.value, self._spans(record)
            # Each check below finds nothing without what its guard asks for: most records skip most of them.
            if value.get("leaves_out") or value.get("readings"):
                yield from self._named_words(record)
            if any(s.get("role") == "statement" for s in spans):
                yield from self._comma_clause(record)
            if len(spans) > 1 or any(_may_refer(s["quote"], "this") for s in spans):
                yield from self._splices(record)
            if any(_may_refer(s["quote"], "it") for s in spans):
                yield from self._pronouns(record)
            if any(s.get("role") == "context" for s in spans):
                yield from self._contexts(record)
        yield from self._siblings()
        yield from self._triples()
        yield from self._caveats()
        yield from self._readings()
        yield from self._outside()
        yield from self._superseded()
        yield from self._deprecated()

    def _found(self, text: str) -> list[str]:
        return [m.group(1) for m in self.words.finditer(text)] if self.words else []

    # -- KD325: the words a record names stand where it says ------------------------------------------------

    def _around(self, record: RawRecord) -> str:
        """The sentences (or, outside any sentence, the spans) the record's evidence lies in."""
        parts = []
        for span in self._spans(record):
            src = self.texts.get(str(span.get("source")))
            if src is None:
                continue
            first, last = src.sentence_at(span["start"]), src.sentence_at(span["end"] - 1)
            start = first[0] if first else span["start"]
            parts.append(src.text[start : last[1] if last else span["end"]])
        return "\n".join(parts)

    def _named_words(self, record: RawRecord) -> Iterator[Problem]:
        left_out = record.value.get("leaves_out") or ()
        around = self._around(record) if left_out else ""  # the sentences are cut out only when something is named
        for i, entry in enumerate(left_out):
            if around and entry["text"] not in around:
                msg = f"leaves_out {short(entry['text'])} is not in the sentences the record quotes"
                yield record.problem("KD325", ("leaves_out", i, "text"), msg)
        for i, reading in enumerate(record.value.get("readings") or ()):
            src = self.texts.get(str(reading["source"]))
            start, text = reading["start"], reading["text"]
            if src is not None and src.text[start : start + len(text)] != text:
                msg = f"reading {short(text)} is not the source's text at offset {start}"
                yield record.problem("KD325", ("readings", i, "text"), msg)
            elif not any(s["source"] == reading["source"] and s["start"] <= start and start + len(text) <= s["end"]
                         for s in self._spans(record)):  # fmt: skip
                msg = (f"reading {short(text)} at offset {start} reads words the record does not quote: a "
                       "reading says what the record's own quoted words mean, and lends nothing from "
                       "elsewhere")  # fmt: skip
                yield record.problem("KD325", ("readings", i, "start"), msg)

    # -- KD315: a quote that stops right before a comma-clause -----------------------------------------------

    def _comma_clause(self, record: RawRecord) -> Iterator[Problem]:
        spans = self._spans(record)
        for i, span in enumerate(spans):
            src = self.texts.get(str(span.get("source")))
            sentence = src.sentence_at(span["end"] - 1) if src and span.get("role") == "statement" else None
            if src is None or sentence is None or span["end"] >= sentence[1]:
                continue
            rest = src.text[span["end"] : sentence[1]]
            covered = any(s is not span and span["end"] <= s["start"] < sentence[1] for s in spans)
            if not rest.startswith(",") or not re.search(r"\w", rest) or covered:
                continue
            if any(str(e["text"]) in rest for e in record.value.get("leaves_out") or ()):
                continue
            clause = " ".join(rest[1:].split()).rstrip(".!?")
            msg = (f"the quote stops right before {short(', ' + clause)}, which its sentence continues with: quote it, "
                   "or say in leaves_out why it does not govern the record")  # fmt: skip
            yield record.problem("KD315", ("evidence", i, "end"), msg)

    # -- KD317: spliced evidence skips a hedge or a "this …" antecedent ---------------------------------------

    def _gaps(self, record: RawRecord) -> Iterator[tuple[SourceText, list[tuple[int, int]]]]:
        """Between two spans of a source, in text order: the rest of the first's sentence, the start of the next's."""
        spans = sorted(self._spans(record), key=lambda s: (str(s["source"]), s["start"]))
        for a, b in itertools.pairwise(spans):
            src = self.texts.get(str(a["source"]))
            if src is None or a["source"] != b["source"] or b["start"] <= a["end"]:
                continue
            after, before = src.sentence_at(a["end"] - 1), src.sentence_at(b["start"])
            ranges = [(a["end"], min(b["start"], after[1]))] if after else []
            yield src, ranges + ([(max(a["end"], before[0]), b["start"])] if before else [])

    def _splices(self, record: RawRecord) -> Iterator[Problem]:
        value, spans = record.value, self._spans(record)
        for around, ranges in self._gaps(record):
            gap = " ".join(around.text[a:b] for a, b in ranges)
            for word in dict.fromkeys(w.casefold() for w in self._found(gap)):
                if not _keeps(value, word) and not _excused(value, word):
                    msg = (f"the evidence skips {word!r} between its spans: quote it, keep it, or say in leaves_out "
                           "why it does not govern the record")  # fmt: skip
                    yield record.problem("KD317", ("evidence",), msg)
        for i, span in enumerate(self._spans(record)):  # in the file's order: ``i`` points at the span's line
            src = self.texts.get(str(span["source"]))
            quote = span["quote"]
            # ASCII text without 'this' holds no match (the expression ignores case): most quotes skip the search.
            found = None if quote.isascii() and "this" not in quote.lower() else _THIS.search(quote)
            sentence = src.sentence_at(span["start"]) if src and found else None
            earlier = src.sentence_before(sentence) if src and sentence else None
            if earlier is None or found is None:
                continue
            quoted = any(s["start"] < earlier[1] and earlier[0] < s["end"] for s in spans)
            if not quoted and not _excused(value, found.group()):
                msg = (f"{short(found.group())} refers to the sentence before, which the evidence does not quote: "
                       "quote it as context")  # fmt: skip
                yield record.problem("KD317", ("evidence", i), msg)

    # -- KD617: an "it" or "its" whose antecedent the evidence does not quote ---------------------------------

    def _pronouns(self, record: RawRecord) -> Iterator[Problem]:
        spans = self._spans(record)
        read = {(r["source"], r["start"]) for r in record.value.get("readings") or ()}
        for i, span in enumerate(spans):
            src = self.texts.get(str(span["source"]))
            for found in _pronouns_in(span["quote"]) if src else ():
                at = span["start"] + found.start()
                sentence = src.sentence_at(at) if src else None
                if src is None or sentence is None or (span["source"], at) in read:
                    continue
                # The antecedent stands earlier in the pronoun's sentence or, when the pronoun opens it, the one before.
                region = (sentence[0], at) if src.text[sentence[0] : at].strip() else src.sentence_before(sentence)
                if region is None or any(s["source"] == span["source"] and s["start"] < region[1] and
                                         region[0] < s["end"] for s in spans):  # fmt: skip
                    continue
                msg = (f"{found.group()!r} at {at} refers to words the evidence does not quote: quote them as context, "
                       "or say in readings what it means")  # fmt: skip
                yield record.problem("KD617", ("evidence", i), msg)

    # -- KD680, KD317: a context quote comes from the record's own passage, and skips no hedge there ------------

    def _contexts(self, record: RawRecord) -> Iterator[Problem]:
        """A context quote says where the record's words stand, never moves them (A6-8).

        It lies in the sentence of a stating quote or the one before (in its paragraph, unless the later sentence
        refers back) or the one after (in its paragraph, referring back), or before another context quote so
        placed (the antecedent of a "this …"), or in the heading
        of a stating quote's section, or in the quote of a caveat that governs the record, lending the statement
        no word (the status it backs); "In therapy" quoted from a later paragraph would put a recreational use
        into therapy. The hedges of its sentence that no quote holds govern the context's words too: KD317, as
        for a splice.
        """
        spans, value = self._spans(record), record.value
        held = {(str(s["source"]), found) for s in self._stating(record) for at in (s["start"], s["end"] - 1)
                if (src := self.texts.get(str(s["source"]))) and (found := src.sentence_at(at))}  # fmt: skip
        contexts = {i: s for i, s in enumerate(spans) if s.get("role") == "context"}
        placed = self._placed(contexts, held)
        gaps = [(src, a, b) for src, ranges in self._gaps(record) for a, b in ranges]
        skipped: dict[str, None] = {}
        for i, span in contexts.items():
            if i not in placed and not self._heading(span, record) and not self._backs_only(span, record):
                msg = (f"the context quote {short(span['quote'], 40)} at [{span['start']}, {span['end']}) lies outside "
                       "the passage the record states: quote context from a stating quote's sentence or the one "
                       "before, its section's heading, or a caveat that applies to the record")  # fmt: skip
                yield record.problem("KD680", ("evidence", i, "start"), msg)
            src = self.texts.get(str(span["source"]))
            sentence = src.sentence_at(span["start"]) if src else None
            if src is not None and sentence is not None:
                for word in self._unquoted(src, sentence, spans, gaps, str(span["source"])):
                    skipped.setdefault(word)
        for word in skipped:
            if not _keeps(value, word) and not _excused(value, word):
                msg = (f"a context quote's sentence says {word!r}, which the evidence skips: quote it, keep it, or say "
                       "in leaves_out why it does not govern the record")  # fmt: skip
                yield record.problem("KD317", ("evidence",), msg)

    def _placed(self, contexts: Mapping[int, dict[str, Any]], held: set[tuple[str, tuple[int, int]]]) -> set[int]:
        """The context spans in one sentence of ``held`` or just before one, the sentences held growing as they do.

        Or in the sentence after a stating one, of its paragraph, that refers back to it: "During this time,
        patients may experience" says which effects claim-032's "The effects of ketamine" are.
        """
        placed: set[int] = set()
        after = {(source, a) for source, s in held if (src := self.texts.get(source))
                 and (a := src.sentence_after(s)) and _refers_to(src.text, s, a)}  # fmt: skip
        while True:
            reach = held | after | {(source, b) for source, s in held if (src := self.texts.get(source))
                                    and (b := src.sentence_before(s)) and _leans_on(src.text, b, s)}  # fmt: skip
            new = {i: where for i, span in contexts.items() if i not in placed
                   and (where := self._one_sentence(span)) is not None and where in reach}  # fmt: skip
            if not new:
                return placed
            placed |= set(new)
            held |= set(new.values())

    def _one_sentence(self, span: dict[str, Any]) -> tuple[str, tuple[int, int]] | None:
        """The source and sentence the span lies in, or None when it lies in none or in more than one."""
        src = self.texts.get(str(span["source"]))
        first = src.sentence_at(span["start"]) if src else None
        same = first is not None and src is not None and first == src.sentence_at(span["end"] - 1)
        return (str(span["source"]), first) if same and first is not None else None

    def _heading(self, span: dict[str, Any], record: RawRecord) -> bool:
        """True when the span lies in the heading of a section a stating quote of the record lies in."""
        src = self.texts.get(str(span["source"]))
        source = next((r for r in self.sources if r.id == span["source"]), None)
        if src is None or source is None:
            return False
        starts = [s["start"] for s in self._stating(record) if s["source"] == span["source"]]
        for section in source.value.get("sections") or ():
            start, heading = section["start"], str(section["heading"])
            top = start + len(heading) if src.text.startswith(heading, start) else start
            if start <= span["start"] and span["end"] <= top and any(start <= at < section["end"] for at in starts):
                return True
        return False

    def _backs_only(self, span: dict[str, Any], record: RawRecord) -> bool:
        """True for a quote of a caveat governing the record that lends its statement no word the rest lacks.

        Claim-021 quotes "Ketamine therapy is still considered an experimental treatment" for its status; a
        quote of caveat-006 ("under the guidance of a trained medical professional") may not put claim-007's
        recreational use under a professional's guidance.
        """
        if not self._from_caveat(span, record):
            return False
        rest = word_set(s["quote"] for s in self._spans(record) if s is not span)
        return not (content_stems(span["quote"]) & stems(str(record.value.get("statement", ""))) - rest)

    def _from_caveat(self, span: dict[str, Any], record: RawRecord) -> bool:
        """True when the span lies in a stating quote of an active caveat that applies to the record."""
        if self._caveat_spans is None:
            self._caveat_spans = {}
            for caveat in (r for r in self.said if r.kind == "caveat"):
                own = [(str(s["source"]), s["start"], s["end"]) for s in self._stating(caveat)]
                for claim_id in caveat.value.get("applies_to") or ():
                    self._caveat_spans.setdefault(str(claim_id), []).extend(own)
        return any(source == span["source"] and a <= span["start"] and span["end"] <= b
                   for source, a, b in self._caveat_spans.get(str(record.id), ()))  # fmt: skip

    def _unquoted(self, src: SourceText, sentence: tuple[int, int], spans: list[dict[str, Any]],
                  gaps: list[tuple[SourceText, int, int]], source: str) -> list[str]:  # fmt: skip
        """The hedge and qualifier words of the sentence that neither a span nor a splice's gap (KD317) covers."""
        covered = sorted([(s["start"], s["end"]) for s in spans if s["source"] == source]
                         + [(a, b) for gap_src, a, b in gaps if gap_src is src])  # fmt: skip
        parts, at = [], sentence[0]
        for a, b in covered:
            if a > at:
                parts.append(src.text[at : min(a, sentence[1])])
            at = max(at, b)
        parts.append(src.text[at : sentence[1]])
        return [w.casefold() for w in self._found(" ".join(parts))]

    # -- KD316: a qualifier a sibling record of the same sentence keeps -----------------------------------

    def _sentences_of(self, record: RawRecord) -> set[tuple[str, int, int]]:
        found = set()
        for span in self._stating(record):
            src = self.texts.get(str(span.get("source")))
            sentence = src.sentence_at(span["start"]) if src else None
            if sentence:
                found.add((str(span["source"]), *sentence))
        return found

    def _names(self, record: RawRecord) -> list[str]:
        obj = record.value.get("object")
        if not isinstance(obj, dict):
            return []
        if "value" in obj:
            return [str(obj["value"])]
        concept = self.concepts.get(str(obj.get("concept")))
        if concept is None:
            return []
        return [concept.value["label"], *(g["text"] for g in concept.value.get("synonyms") or ())]

    def _governed(self, record: RawRecord, governs: str | None) -> bool:
        """Whether words that govern only ``governs`` reach this record (its object or its statement)."""
        if governs is None:
            return True
        return any(named(n, governs) for n in self._names(record)) or occurs(governs, record.value["statement"])

    def _siblings(self) -> Iterator[Problem]:
        by_sentence: dict[tuple[str, int, int], list[RawRecord]] = {}
        for record in self.said:
            for key in self._sentences_of(record):
                by_sentence.setdefault(key, []).append(record)
        reported: set[tuple[int, str]] = set()
        for group in by_sentence.values():
            for record in group:
                for other in group:
                    if other is record:
                        continue
                    for word, governs in _governing(other.value):
                        if (id(record), word.casefold()) in reported or _keeps(record.value, word):
                            continue
                        if not self._governed(record, governs) or _excused(record.value, word):
                            continue
                        reported.add((id(record), word.casefold()))
                        msg = (f"{other.id} keeps {word!r} from the same sentence, and this record drops it: keep it, "
                               "or say in leaves_out why it does not govern this record")  # fmt: skip
                        yield record.problem("KD316", ("statement",), msg)

    # -- KD318, KD319: a triple read alone ------------------------------------------------------------------

    def _label(self, concept_id: object) -> str | None:
        found = self.concepts.get(str(concept_id))
        return str(found.value["label"]) if found else None

    def _triples(self) -> Iterator[Problem]:
        in_label: dict[str, list[str]] = {}  # a few predicates, read by every claim: their words found once each
        lost_of: dict[tuple[str, str, str], bool] = {}
        for record in (r for r in self.said if r.kind == "claim"):
            v = record.value
            subject = self._label(v["subject"])
            obj = v["object"]
            target = self._label(obj["concept"]) if "concept" in obj else str(obj.get("value"))
            if subject and target and (obj.get("concept") == v["subject"] or occurs(subject, target)):
                msg = f"the object {short(target)} contains the subject {short(subject)}: the triple is circular"
                yield record.problem("KD318", ("object",), msg)
            predicate = self.predicates.get(str(v["predicate"]))
            label = str(predicate.value.get("label", "")) if predicate else ""
            if label not in in_label:
                in_label[label] = list(dict.fromkeys(w.casefold() for w in self._found(label)))
            for word in in_label[label]:
                if not _keeps(v, word):
                    msg = (f"predicate {v['predicate']!r} reads {short(label)}, whose {word!r} the claim does not "
                           "keep as its hedge or a qualifier: the triple would say more than the article")  # fmt: skip
                    yield record.problem("KD319", ("predicate",), msg)
            yield from self._modality(record, label, lost_of)
            if "concept" in obj:
                yield from self._narrower_named(record, str(obj["concept"]))

    def _concept_names(self, concept_id: str) -> list[str]:
        """A concept's label and synonyms, as a statement may name it."""
        found = self.concepts.get(concept_id)
        if found is None:
            return []
        v = found.value
        return [str(v["label"]), *(str(g["text"]) for g in v.get("synonyms") or () if isinstance(g, dict))]

    def _wider_than(self, concept_id: str) -> list[tuple[str, re.Pattern[str]]]:
        """The other concepts with a name holding one of this concept's names, each with its names' pattern."""
        cached = self._narrower.get(concept_id)
        if cached is None:
            own = self._concept_names(concept_id)
            # Only a concept with a name holding every word of one of these names can hold the name: looked up by
            # word, so that each object concept is not compared with every concept of a large vocabulary.
            candidates = {c for o in own for c in self._with_words(o)} - {concept_id}
            cached = []
            for other in sorted(candidates):
                longer = [n for n in self._concept_names(other) if any(occurs(o, n) and len(o) < len(n) for o in own)]
                if longer:
                    cached.append((other, _name_pattern(longer)))
            self._narrower[concept_id] = cached
        return cached

    def _with_words(self, name: str) -> set[str]:
        """The concepts with a name holding every word of ``name``."""
        if self._by_word is None:
            self._by_word = {}
            for concept_id in self.concepts:
                for n in self._concept_names(concept_id):
                    for word in re.findall(r"\w+", n.casefold()):
                        self._by_word.setdefault(word, set()).add(concept_id)
        sets = [self._by_word.get(w, set()) for w in re.findall(r"\w+", name.casefold())]
        return set.intersection(*sets) if sets else set()

    def _narrower_named(self, record: RawRecord, concept_id: str) -> Iterator[Problem]:
        """KD629: the statement names the object only inside a narrower concept's name.

        The triple (and its code) would then be wider than the statement ("depression" for "treatment-resistant
        depression").
        """
        statement, narrower = str(record.value["statement"]), self._wider_than(concept_id)
        names = _name_pattern(self._concept_names(concept_id)) if narrower else None
        own = [m.span() for m in names.finditer(statement)] if names else []
        for other, pattern in narrower if own else ():
            covering = [m.span() for m in pattern.finditer(statement)]
            if all(any(a <= start and end <= b for a, b in covering) for start, end in own):
                label = self._label(other)
                msg = (f"the statement says {short(label)} (concept {other}), but the object is the wider "
                       f"{concept_id!r}: the triple and its code would say more than the statement; make {other!r} "
                       "the object")  # fmt: skip
                yield record.problem("KD629", ("object", "concept"), msg)
                return

    @staticmethod
    def _modality(record: RawRecord, label: str, lost_of: dict[tuple[str, str, str], bool]) -> Iterator[Problem]:
        """KD616: the claim's hedge stands in its predicate's id and label, so the triple read alone keeps it.

        ``lost_of`` keeps the answer for each hedge, predicate and label: many claims share them.
        """
        v = record.value
        key = (str(v.get("hedge") or ""), str(v["predicate"]), label)
        lost = lost_of.get(key)
        if lost is None:
            name = key[1].replace("_", " ")
            lost = lost_of[key] = any(not (occurs(w, name) and occurs(w, label)) for w in key[0].split())
        if lost:
            msg = (f"predicate {v['predicate']!r} ({short(label)}) drops the claim's hedge {v['hedge']!r}: the triple "
                   "read alone says more than the article; use a predicate whose id and label carry it")  # fmt: skip
            yield record.problem("KD616", ("predicate",), msg)

    # -- KD320, KD321: caveats ------------------------------------------------------------------------------

    def _caveats(self) -> Iterator[Problem]:
        claims = {str(r.id): r for r in self.said if r.kind == "claim"}
        sections = {s["id"]: (str(r.id), s["start"], s["end"]) for r in self.sources for s in
                    r.value.get("sections") or ()}  # fmt: skip
        for caveat in (r for r in self.said if r.kind == "caveat"):
            v = caveat.value
            for i, claim_id in enumerate(v.get("applies_to") or ()):
                claim = claims.get(claim_id)
                if claim is not None and _inside(self._stating(claim), self._spans(caveat)):
                    msg = f"{claim_id} only restates the caveat (its quote is the caveat's own): unlink it"
                    yield caveat.problem("KD321", ("applies_to", i), msg)
            if "scope_reason" not in v and self._wider(caveat, sections):
                msg = "the caveat's scope reaches beyond the paragraph it comes from: say why in scope_reason"
                yield caveat.problem("KD320", ("scope",), msg)

    def _wider(self, caveat: RawRecord, sections: Mapping[str, tuple[str, int, int]]) -> bool:
        scope = caveat.value.get("scope") or {}
        ranges = [sections[s] for s in scope.get("sections") or () if s in sections]
        ranges += [(r["source"], r["start"], r["end"]) for r in scope.get("spans") or ()]
        for source, start, end in ranges:
            src = self.texts.get(source)
            if src is None:
                continue
            own = {p for p in src.paragraphs for s in self._stating(caveat) if p[0] <= s["start"] < p[1]}
            if any(p not in own and p[0] < end and start < p[1] for p in src.paragraphs):
                return True
        return False

    # -- KD322: one reading of the same words ----------------------------------------------------------------

    def _readings(self) -> Iterator[Problem]:
        readings: dict[tuple[str, int, str], list[tuple[RawRecord, dict[str, Any]]]] = {}
        for record in self.said:
            for reading in record.value.get("readings") or ():
                readings.setdefault((reading["source"], reading["start"], reading["text"]), []).append(
                    (record, reading)
                )
        for (source, start, text), given in sorted(readings.items()):
            first = given[0][1]["means"]
            for record, reading in given[1:]:
                if reading["means"] != first and "why" not in reading:
                    msg = f"reads {short(text)} as {short(reading['means'])}, another record as {short(first)}: say why"
                    yield record.problem("KD322", ("readings",), msg)
            readers = {id(r) for r, _ in given}
            for record in self.said:
                quotes = any(s["source"] == source and s["start"] <= start and start + len(text) <= s["end"]
                             for s in self._spans(record))  # fmt: skip
                if quotes and id(record) not in readers:
                    msg = f"quotes {short(text)}, which {given[0][0].id} reads as {short(first)}, but gives no reading"
                    yield record.problem("KD322", ("evidence",), msg)

    # -- KD618: a superseded predicate or concept stays for its id's sake, unused -----------------------------

    def _superseded(self) -> Iterator[Problem]:
        gone = {k for k, r in {**self.predicates, **self.concepts}.items() if r.value.get("superseded_by")}
        for record in (r for r in self.said if r.kind == "claim") if gone else ():  # nothing superseded: none uses it
            v, obj = record.value, record.value.get("object") or {}
            if v.get("predicate") not in gone and v.get("subject") not in gone and obj.get("concept") not in gone:
                continue
            uses = ((("predicate",), v.get("predicate")), (("subject",), v.get("subject")),
                    (("object", "concept"), obj.get("concept")))  # fmt: skip
            for path, used in uses:
                if used in gone:
                    msg = f"{used!r} is superseded (superseded_by): use what replaces it"
                    yield record.problem("KD618", path, msg)
        for concept in self.concepts.values():
            v = concept.value
            links = [(rel, i, o) for rel in ("broader", "related") for i, o in enumerate(v.get(rel) or ())]
            for rel, i, other in links if not v.get("superseded_by") else ():
                if other in gone:
                    yield concept.problem("KD618", (rel, i), f"{rel} link to {other!r}, which is superseded")
            kept = [k for k in ("broader", "related", "synonyms", "codings") if v.get(k)]
            if v.get("superseded_by") and kept:
                msg = f"a superseded concept keeps no {', '.join(kept)}: they belong to {v['superseded_by']!r}"
                yield concept.problem("KD618", (kept[0],), msg)

    # -- KD580: a deprecated claim's fact goes on in its successor while the article still states it ------------

    def _deprecated(self) -> Iterator[Problem]:
        """A deprecated claim whose stating quote is in the article's current text, and no active successor quotes.

        Deprecating claim-045 (hallucinations) "merged into" claim-046 (confusion) would drop a side effect the
        article lists (A5-10): the claim that takes over must state the same words (claim-019 quotes all of the
        sentence claim-020 quoted part of), or the passage must be gone from the article. A withdrawn claim
        that still names a successor is judged the same (A6-10: one word, deprecated → withdrawn, skipped the
        check while the record still said "merged into claim-019"); one with none is held by KD517.
        """
        current = {str(s.id): s.value.get("sha256") for s in self.sources}
        for record in self.claims.values():
            value = record.value
            status = value.get("status")
            if status != "deprecated" and not (status == "withdrawn" and value.get("superseded_by")):
                continue
            said = [s for s in stating(value) if s["source"] in current
                    and s.get("revision", current[s["source"]]) == current[s["source"]]]  # fmt: skip
            successor = self._successor(value)
            kept = stating(successor) if successor is not None else []
            lost = [s for s in said if not any(k["source"] == s["source"] and k["start"] <= s["start"]
                                               and s["end"] <= k["end"] for k in kept)]  # fmt: skip
            if lost:
                by = f"its successor {successor.id}" if successor is not None else "no active claim that supersedes it"
                what = ", ".join(f"[{s['start']}, {s['end']}) {short(s['quote'], 40)}" for s in lost[:3])
                msg = (f"{status} while the article still states {what}, which {by} does not quote: a "
                       "retired claim may not drop a fact; supersede it by a claim stating the same words")  # fmt: skip
                yield record.problem("KD580", ("superseded_by",) if "superseded_by" in value else ("status",), msg)

    def _successor(self, value: dict[str, Any]) -> RawRecord | None:
        """The active claim a deprecated one is superseded by, through a chain of deprecated ones."""
        seen: set[str] = set()
        while isinstance(value.get("superseded_by"), str) and value["superseded_by"] not in seen:
            seen.add(value["superseded_by"])
            found = self.claims.get(value["superseded_by"])
            if found is None:
                return None
            if found.value.get("status") == "active":
                return found
            value = found.value
        return None

    # -- KD323, KD324: concepts ------------------------------------------------------------------------------

    def _outside(self) -> Iterator[Problem]:
        for concept in self.concepts.values():
            v = concept.value
            for i, coding in enumerate(v.get("codings") or ()):
                if coding.get("origin") != "external" or "release" not in coding:
                    msg = "a coding needs origin: external and its release (null when the reference records none)"
                    yield concept.problem("KD323", ("codings", i), msg)
                stated = "not-stated-by-reference" if coding.get("release") is None else "stated-by-reference"
                if "release" in coding and coding.get("release_status") != stated:
                    msg = f"release is {short(coding.get('release'))}: release_status must say {stated!r}"
                    yield concept.problem("KD323", ("codings", i), msg)
            sources = {(s["concept"], s["relation"]) for s in v.get("link_sources") or ()}
            for relation in ("broader", "related"):
                for i, other in enumerate(v.get(relation) or ()):
                    if (other, relation) not in sources:
                        msg = f"{relation} link to {short(other)} has no link_sources entry (origin and reason)"
                        yield concept.problem("KD323", (relation, i), msg)
                    back = self.concepts.get(other)
                    returned = back is None or concept.id in (back.value.get("related") or ())
                    if relation == "related" and not returned:
                        msg = f"related link to {short(other)} is not returned by {short(other)}"
                        yield concept.problem("KD323", (relation, i), msg)
            yield from self._agrees(concept)
        yield from self._conflicts()

    def _conflicts(self) -> Iterator[Problem]:
        """Each ``conflicts_with`` link has a note saying where it comes from: the article states no conflict.

        A conflict between two of the article's claims is the editors' reading (A5-12: claim-045's side effect
        declared in conflict with claim-040, with no word of why); like a concept's broader link, it is outside
        material, marked by an editorial note (origin external, with its reason) that names the other claim.
        """
        for record in self.claims.values():
            notes = [str(n.get("text", "")) + " " + str(n.get("reason", "")) for n in record.value.get("notes") or ()]
            for i, other in enumerate(record.value.get("conflicts_with") or ()):
                if not any(re.search(rf"(?<![\w-]){re.escape(str(other))}(?![\w-])", note) for note in notes):
                    msg = (f"conflicts_with {short(other)} is no word of the article: add a note (origin "
                           f"external, with its reason) naming {short(other)} and the conflict's basis")  # fmt: skip
                    yield record.problem("KD323", ("conflicts_with", i), msg)

    @staticmethod
    def _agrees(concept: RawRecord) -> Iterator[Problem]:
        v = concept.value
        names = [v["label"], *(g["text"] for g in v.get("synonyms") or ())]
        words = {w.casefold()[:5] for n in names for w in re.findall(r"[^\W_]+", n)}
        missing = [w for w in str(concept.id).split("-") if w not in _STOP and w[:5] not in words]
        if missing:
            msg = f"id words {', '.join(map(repr, missing))} are in neither the label nor a synonym"
            yield concept.problem("KD324", ("label",), msg)
        if v.get("kind") == "route" and not str(v["label"]).casefold().endswith("route"):
            msg = f"a concept of kind route is labelled {short(v['label'])}: label the route, keep the rest as synonyms"
            yield concept.problem("KD324", ("label",), msg)


def _name_pattern(names: list[str]) -> re.Pattern[str]:
    """Any of the names, whole words, ignoring case; the longest first."""
    ordered = sorted(set(names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", re.IGNORECASE)


def fidelity_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """The fidelity problems among the schema-valid records, given each source's text."""
    yield from Fidelity(index, texts).problems()
