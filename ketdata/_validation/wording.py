"""What a record cuts out of the article's phrases, and names that could stand for two concepts.

A record may quote a sentence in pieces, one fact per claim: "ketamine can have side effects, including" and
"dizziness" skip the other items of a list, which other records state. It may not skip the words that bind the
very words it quotes: a modifier right before them ("treatment-resistant" before "depression"), or a negation
("not fully" between "is still" and "understood"). Those words are read as if they stood in a quote: the
statement says them, or ``leaves_out`` names them with the reason (KD630).

A concept's label and synonyms name it alone: a synonym that is another concept's name (KD631) lets a claim
point at the wrong concept while its evidence names the right one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ketdata._model.negations import NEGATIONS
from ketdata._model.problems import Problem, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.folder import RawRecord
from ketdata._validation.governance import _COMPOUND, _FUNCTION, _WORD, _negations_in, _stem, _stems
from ketdata._validation.index import RecordIndex
from ketdata._validation.rules import named

# What ends the phrase before a quote: punctuation, and the words that join list items or clauses. The words
# after the last of them, up to the quote, are bound to it.
_BREAK = re.compile(
    r"[,;:()\[\]\"\u201c\u201d\u2013\u2014]"
    r"|(?<!\w)(?:and|or|nor|but|although|though|whereas|while|including|as well as|such as)(?!\w)",
    re.IGNORECASE,
)


def wording_problems(index: RecordIndex, texts: Mapping[str, SourceText]) -> list[Problem]:
    """Every check of this module, over the schema-valid records (run when every file could be read).

    One pass over the active claims and caveats; each check first rules a record out by a cheap test (one
    span, no negation, no subject word in the statement), as most records are.
    """
    found = list(name_problems(index))
    concepts = {str(r.id): r.value for r in index.valid("concept") if r.id}
    predicates = {str(r.id): str(r.value.get("label", "")) for r in index.valid("predicate") if r.id}
    subjects = _Subjects(index)
    triples: dict[tuple[object, ...], RawRecord] = {}
    for record in index.active("claim") + index.active("caveat"):
        if not index.is_valid(record):
            continue
        found += _attached(record, texts)
        found += _shape(record)
        if record.kind == "claim":
            found += _claim_shape(record, concepts, triples)
            found += _predicate_fits(record, predicates)
            found += subjects.problems(record, texts)
    return found


def _attached(record: RawRecord, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD630: words a record's evidence skips that bind the words it quotes, and the statement does not say."""
    for i, skipped in _bound_words(record.value, texts):
        words = list(dict.fromkeys(skipped))
        # The words nearest the quote bind it most closely: a long run is shown by its end.
        shown = ", ".join(words) if len(words) <= 4 else "…, " + ", ".join(words[-4:])
        msg = (f"the evidence skips {short(shown)} right before the words this span quotes, and the statement "
               "does not say it: a skipped modifier or negation widens or turns the claim; quote and say it, or say "
               "in leaves_out why it does not govern the record")  # fmt: skip
        yield record.problem("KD630", ("evidence", i), msg)


def _bound_words(value: dict[str, Any], texts: Mapping[str, SourceText]) -> Iterator[tuple[int, list[str]]]:
    """Each span (by index) with the words skipped before it that bind it, unless the record says or names them.

    Between two spans of one sentence, the words after the last break (a comma, an "and", an "including") up to
    the later span are bound to it, and so is any negation; before a list item whose sentence the record quotes
    nowhere earlier, the words from the last break up to it.
    """
    evidence: list[dict[str, Any]] = value.get("evidence") or []
    if len(evidence) == 1 and evidence[0].get("role") != "item":
        return  # one quote, not an item: nothing skipped, and its opening words are its own (most records)
    spans = sorted((i for i, s in enumerate(evidence) if isinstance(s, dict) and "revision" not in s),
                   key=lambda i: (str(evidence[i]["source"]), evidence[i]["start"]))  # fmt: skip
    kept: frozenset[str] | None = None
    # How far the record's earlier spans of each source reach: words any of them quotes are not skipped.
    reached: dict[str, int] = {}
    for i in spans:
        span = evidence[i]
        source = str(span["source"])
        reach = reached.get(source, -1)
        reached[source] = max(reach, span["end"])
        if reach < 0 and span.get("role") != "item":
            continue  # the first quote of its source, not an item: see below
        src = texts.get(source)
        sentence = src.sentence_at(span["start"]) if src is not None else None
        if src is None or sentence is None or reach >= span["start"]:
            continue  # no text, or the spans touch or overlap: nothing skipped
        same = reach > sentence[0]
        if not same and span.get("role") != "item":
            continue  # a quote may open mid-sentence ("a class of drugs called | dissociative anesthetics, which")
        gap = src.text[reach if same else sentence[0] : span["start"]]
        if same and not _continued(src.text[sentence[0] : reach], value):
            continue  # the statement does not say what comes before the gap: it takes up only the later quote
        words = (sorted({w for w, _ in _negations_in(gap)}) if same else []) + _bound(gap)
        if words:
            kept = _kept(value) if kept is None else kept
            lost = [w for w in words if not all(_stem(p) in kept for p in map(str.casefold, _WORD.findall(w)))]
            if lost:
                yield i, lost


def _continued(before: str, value: dict[str, Any]) -> bool:
    """Whether the statement says one of the last content words before a gap, so that it reads on across it."""
    words = [w for w in map(str.casefold, _WORD.findall(before)) if w not in _FUNCTION][-3:]
    said = _stems(str(value.get("statement") or ""))
    return not words or any(_stem(w) in said for w in words)


def _bound(gap: str) -> list[str]:
    """The content words after the last break in ``gap``: the phrase the next quote continues."""
    breaks = [m.end() for m in _BREAK.finditer(gap)]
    tail = gap[breaks[-1] :] if breaks else gap
    return [m.group() for m in _COMPOUND.finditer(tail) if m.group().casefold() not in _FUNCTION]


def _kept(value: dict[str, Any]) -> frozenset[str]:
    """The stems the record says or names: its statement, hedge, qualifiers, readings and ``leaves_out``."""
    texts = [str(value.get("statement") or ""), str(value.get("hedge") or "")]
    texts += [str(q.get("text", "")) for q in value.get("qualifiers") or () if isinstance(q, dict)]
    texts += [str(e.get("text", "")) for e in value.get("leaves_out") or () if isinstance(e, dict)]
    texts += [str(r.get("text", "")) for r in value.get("readings") or () if isinstance(r, dict)]
    # A statement's "cannot" keeps the "not" of a skipped "can not": negations are compared as words.
    return frozenset(s for t in texts for s in _stems(t)) | {w for t in texts for w, _ in _negations_in(t)}


def name_problems(index: RecordIndex) -> Iterator[Problem]:
    """KD631: a concept's label or synonym that is another concept's label or synonym.

    Names are compared as words, ignoring case, punctuation, a leading article and English endings ("the
    hallucinations", "Hallucination"). A superseded concept keeps its label only for its id's sake (KD618), so
    a concept that replaces it may share it.
    """
    owners: dict[str, str] = {}
    concepts = [r for r in index.valid("concept") if r.id and not r.value.get("superseded_by")]
    for concept in concepts:
        key = _name_key(str(concept.value["label"]))
        other = owners.setdefault(key, str(concept.id)) if key else str(concept.id)
        if other != concept.id:
            yield _collision(concept, ("label",), str(concept.value["label"]), other)
    for concept in concepts:
        for i, gloss in enumerate(concept.value.get("synonyms") or ()):
            key = _name_key(str(gloss.get("text", ""))) if isinstance(gloss, dict) else ""
            other = owners.setdefault(key, str(concept.id)) if key else str(concept.id)
            if other != concept.id:
                yield _collision(concept, ("synonyms", i, "text"), str(gloss["text"]), other)


_ARTICLE = frozenset({"the", "a", "an"})


def _name_key(name: str) -> str:
    words = [_stem(w) for w in _WORD.findall(name.casefold())]
    while words and words[0] in _ARTICLE:
        words.pop(0)
    return " ".join(words)


def _collision(concept: RawRecord, path: tuple[str | int, ...], name: str, other: str) -> Problem:
    msg = (f"{short(name)} is also a name of concept {other!r}: a name that stands for two concepts lets a claim "
           "point at the wrong one; drop it here, or point the claims at the concept it names")  # fmt: skip
    return concept.problem("KD631", path, msg)


def _shape(record: RawRecord) -> Iterator[Problem]:
    """What every claim and caveat must be, so that the rules keyed on its stating quotes can read it.

    A record states something in a quote of role statement or item (KD632: one quoting only context escapes the
    hedge, negation and modifier rules); a negation of a stating quote whose words the statement says stands in
    the statement, whatever ``leaves_out`` says (KD633); a reading is of words the record quotes (KD325).
    """
    v = record.value
    spans: list[dict[str, Any]] = v.get("evidence") or []
    stating = [s for s in spans if s.get("role") != "context"]
    if not stating:
        msg = ("the evidence quotes only context: quote what the record states as a 'statement' (or 'item') span, "
               "so the rules on hedges, negations and modifiers read it")  # fmt: skip
        yield record.problem("KD632", ("evidence",), msg)
    if any(_maybe_negated(str(s.get("quote", ""))) for s in stating):
        yield from _negations_left_out(record, stating)
    if v.get("readings"):
        yield from _readings_outside(record, spans)


# Governance's negation words as mere substrings of a lower-cased quote: most quotes hold none of them.
_MAYBE_NEGATED = re.compile("|".join(map(re.escape, sorted({*NEGATIONS, "n't", "n\u2019t", "cannot"}))))


def _maybe_negated(quote: str) -> bool:
    """False when no negation can stand in the quote, so `_negations_in` need not cut it into words."""
    return _MAYBE_NEGATED.search(quote.lower()) is not None


def _negations_left_out(record: RawRecord, stating: list[dict[str, Any]]) -> Iterator[Problem]:
    """KD633: a negation of a stating quote that governs words the statement says, missing from the statement."""
    statement = str(record.value.get("statement") or "")
    said = {w for w, _ in _negations_in(statement)}
    for span in stating:
        quote = str(span.get("quote", ""))
        if not _negations_in(quote):
            continue  # most quotes: no negation at all
        for m in _WORD.finditer(quote):
            negation = {w for w, _ in _negations_in(m.group())}
            if not negation or negation <= said:
                continue
            rest = quote[m.end() :]
            stop = _BREAK.search(rest)
            governed = _stems(rest[: stop.start()] if stop else rest) - {"be", "been", "being"}
            if governed & _stems(statement) - _FUNCTION:
                msg = (f"the quote says {short(m.group())} before words the statement says, and the statement drops "
                       "it: a negation of what the record says cannot be left out")  # fmt: skip
                yield record.problem("KD633", ("statement",), msg)
                return


def _readings_outside(record: RawRecord, spans: list[dict[str, Any]]) -> Iterator[Problem]:
    """KD325: a reading is of words the record quotes; one elsewhere would lend the statement a far word."""
    for i, reading in enumerate(record.value.get("readings") or ()):
        start, text = reading.get("start"), str(reading.get("text", ""))
        if not isinstance(start, int) or any(
            s.get("source") == reading.get("source") and s["start"] <= start and start + len(text) <= s["end"]
            for s in spans
        ):
            continue
        msg = f"reading {short(text)} at offset {start} lies in none of the record's quotes: read only what it quotes"
        yield record.problem("KD325", ("readings", i, "start"), msg)


def _claim_shape(
    record: RawRecord, concepts: Mapping[str, dict[str, Any]], triples: dict[tuple[object, ...], RawRecord]
) -> Iterator[Problem]:
    """A claim's own shape: its object named in its statement (KD634), one item (KD635), its own triple (KD636)."""
    v = record.value
    obj: dict[str, Any] = v["object"] if isinstance(v.get("object"), dict) else {}
    concept = concepts.get(str(obj.get("concept"))) if "concept" in obj else None
    if concept is not None:
        names = [str(concept["label"])]
        names += [str(g["text"]) for g in concept.get("synonyms") or () if isinstance(g, dict)]
        if not any(named(n, str(v.get("statement", ""))) for n in names):
            msg = (f"the statement names its object {obj['concept']!r} by neither its label nor a synonym: the triple "
                   "would say what the statement does not")  # fmt: skip
            yield record.problem("KD634", ("statement",), msg)
    evidence = v.get("evidence") or ()
    items = [i for i, s in enumerate(evidence) if s.get("role") == "item"] if len(evidence) > 2 else []
    if len(items) > 1:
        msg = f"{len(items)} item quotes in one claim: one fact per claim, one item each (split the claim)"
        yield record.problem("KD635", ("evidence", items[1]), msg)
    triple = (v.get("subject"), v.get("predicate"), obj.get("concept"), obj.get("value"))
    first = triples.setdefault(triple, record)
    if first is not record:
        # The repeat is the later id (the one added second), wherever its file sorts.
        earlier, later = sorted((first, record), key=lambda r: str(r.id))
        msg = f"{earlier.id} states the same subject, predicate and object: one fact is one claim"
        yield later.problem("KD636", ("predicate",), msg)


@functools.lru_cache(maxsize=1024)  # a few predicates, read by every claim
def _label_words(label: str) -> tuple[str, ...]:
    """The content words of a predicate's label, stemmed and cut to five letters ("producing" holds "produ")."""
    return tuple(dict.fromkeys(_stem(w)[:5] for w in map(str.casefold, _WORD.findall(label)) if w not in _FUNCTION))


def _predicate_fits(record: RawRecord, predicates: Mapping[str, str]) -> Iterator[Problem]:
    """KD639: the claim's statement or quotes say at least one word of its predicate's label.

    The predicate decides the claim's evidence status (the decision table): one that fits no word of the
    statement ("has the street name" for "the mechanism is still understood") would grade it as another fact.
    """
    v = record.value
    label = predicates.get(str(v.get("predicate")), "")
    words = _label_words(label)
    if not words:
        return  # an unknown predicate is KD202's; a label of function words alone fits anything
    said = " ".join([str(v.get("statement", "")), *(str(s.get("quote", "")) for s in v.get("evidence") or ())])
    if any(w in said.casefold() for w in words):
        return
    msg = (f"no word of the predicate {v['predicate']!r} ({short(label)}) stands in the statement or its quotes: "
           "the predicate decides the evidence status, so it must say what the statement says")  # fmt: skip
    yield record.problem("KD639", ("predicate",), msg)


class _Subjects:
    """KD637: a statement word only its subject concept's name backs, which the article does not give near it.

    The words-from-evidence rule lets a statement name its subject in the words its label and id share
    ("ketamine therapy" where the quote says "the session"); both are the editors' text, so such a word counts
    only where the article has it, in a sentence the record quotes or the one before ("harmless ketamine therapy"
    does not).
    """

    def __init__(self, index: RecordIndex) -> None:
        self.allowed = {s for r in index.valid("rule") if r.value.get("kind") == "words-from-evidence"
                        for s in _stems(" ".join(map(str, r.value.get("words") or ())))}  # fmt: skip
        self.labels = {str(r.id): str(r.value["label"]) for r in index.valid("concept") if r.id}
        self.named: dict[str, frozenset[str]] = {}

    def words(self, subject: str) -> frozenset[str]:
        """The stems the subject's label and id share, less those the rule allows anyway."""
        found = self.named.get(subject)
        if found is None:
            shared = _stems(self.labels.get(subject, "")) & _stems(subject.replace("-", " "))
            found = self.named[subject] = frozenset(shared - self.allowed)
        return found

    def problems(self, record: RawRecord, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
        v = record.value
        subject, statement = str(v.get("subject")), str(v.get("statement", ""))
        named = self.words(subject)
        low = statement.casefold()
        if not any(w in low for w in named):
            return  # a stem is a prefix of its word: the statement names none of them (most records)
        spans = [s for s in v.get("evidence") or () if isinstance(s, dict) and "revision" not in s]
        quoted = [str(s.get("quote", "")) for s in spans]
        quoted += [str(r.get("text", "")) for r in v.get("readings") or () if isinstance(r, dict)]
        lent = {w for w in _stems(statement) & named if not any(w in _stems(q) for q in quoted)}
        far = lent - _region(spans, texts) if lent else set()
        if far:
            words = dict.fromkeys(w for w in _WORD.findall(statement) if _stem(w.casefold()) in far)
            msg = (f"the statement says {short(', '.join(words))} only because the subject {subject!r} is named "
                   "so, and the article gives it nowhere near the quotes: a subject's name is the editors' word, "
                   "not the article's")  # fmt: skip
            yield record.problem("KD637", ("statement",), msg)


def _region(spans: list[dict[str, Any]], texts: Mapping[str, SourceText]) -> set[str]:
    """The stems of the sentences the spans lie in and of the sentence before each (where a subject is named)."""
    found: set[str] = set()
    for span in spans:
        src = texts.get(str(span.get("source")))
        sentence = src.sentence_at(span["start"]) if src is not None else None
        if src is None or sentence is None:
            continue
        before = src.sentence_before(sentence)
        found |= _stems(src.text[(before or sentence)[0] : sentence[1]])
    return found
