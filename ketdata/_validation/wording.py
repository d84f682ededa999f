"""The word checks: what a statement says against the words of its evidence, and names that could stand for two.

Every check that compares a record's words with its quotes lives here. Two families:

- the data's own word rules, which governance dispatches (`words_from_evidence`: KD640 words the evidence does
  not hold, KD626 negations, KD627 dropped words; `qualifier_words`: KD609 hedges and qualifiers), with their
  severity from the rule record;
- the fixed checks of `wording_problems` (KD630-KD639, KD325), which hold whatever the rules say.

Words are cut by `ketdata._validation.words`, once per text.

A record may quote a sentence in pieces, one fact per claim: "ketamine can have side effects, including" and
"dizziness" skip the other items of a list, which other records state. It may not skip the words that bind the
very words it quotes: a modifier right before them ("treatment-resistant" before "depression"), or a negation
("not fully" between "is still" and "understood"). Those words are read as if they stood in a quote: the
statement says them, or ``leaves_out`` names them with the reason (KD630).

A concept's label and synonyms name it alone: a synonym that is another concept's name (KD631) lets a claim
point at the wrong concept while its evidence names the right one.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from ketdata._model.negations import NEGATIONS
from ketdata._model.problems import Problem, Severity, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.rules import named
from ketdata._validation.words import COMPOUND as _COMPOUND
from ketdata._validation.words import FUNCTION_WORDS as _FUNCTION
from ketdata._validation.words import WORD as _WORD
from ketdata._validation.words import WholeWords, whole_at
from ketdata._validation.words import content_stems as _content_stems
from ketdata._validation.words import content_words as _content_words
from ketdata._validation.words import negated as _negated
from ketdata._validation.words import negations_in as _negations_in
from ketdata._validation.words import stem as _stem
from ketdata._validation.words import stems as _stems
from ketdata._validation.words import word_set as _word_set
from ketdata._validation.words import words as _words

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
    found += _synonyms_keep_modifiers(index)
    concepts = {str(r.id): r.value for r in index.valid("concept") if r.id}
    predicates = _predicate_phrases(index)
    subjects = _Subjects(index)
    around = _Around(concepts, predicates)
    triples: dict[tuple[object, ...], RawRecord] = {}
    for record in index.active("claim") + index.active("caveat"):
        if not index.is_valid(record):
            continue
        found += _attached(record, texts)
        found += _antecedent_problems(record, texts) if record.value.get("readings") else ()
        found += _shape(record)
        if record.kind == "claim":
            found += _claim_shape(record, concepts, triples)
            found += _predicate_fits(record, predicates)
            found += subjects.problems(record, texts)
            found += _subject_named(record, concepts, texts, around)
            found += around.object_problems(record)
    found += order_problems(index, concepts)
    return found


def _names(concept: Mapping[str, Any]) -> list[str]:
    """A concept's names in the article's words: its label and its article synonyms (never an external one)."""
    synonyms = [g for g in concept.get("synonyms") or () if isinstance(g, dict) and g.get("origin") == "article"]
    return [str(concept.get("label", "")), *(str(g.get("text", "")) for g in synonyms)]


def _subject_named(
    record: RawRecord, concepts: Mapping[str, Mapping[str, Any]], texts: Mapping[str, SourceText], around: _Around
) -> Iterator[Problem]:
    """KD670: the statement and the evidence name the claim's subject, as KD634 asks the statement of its object.

    The triple's subject is what `claims_about` and every pipeline select by: a side effect of "ketamine"
    filed under "dissociative anesthetics" would say it of the whole class. The statement names it by its
    label or an article synonym; so does a quote, or a reading of a pronoun the record quotes whose antecedent
    (the one its grammar allows, see `_antecedent_problems`) is it.
    """
    v = record.value
    concept = concepts.get(str(v.get("subject")))
    if concept is None:
        return  # an unknown subject is KD201's
    names = _names(concept)
    if not any(named(n, str(v.get("statement", ""))) for n in names):
        msg = (f"the statement names its subject {v['subject']!r} by neither its label nor an article synonym: the "
               "triple would say of it what the statement says of something else")  # fmt: skip
        yield record.problem("KD670", ("subject",), msg)
        return
    quotes = [str(s.get("quote", "")) for s in v.get("evidence") or () if isinstance(s, dict)]
    quotes += [np for r in v.get("readings") or () if isinstance(r, dict) and _pronoun(r)
               for np in _read_antecedents(r, texts)]  # fmt: skip
    if not any(named(n, q) for n in names for q in quotes):
        msg = (f"no quote names the subject {v['subject']!r} by its label or an article synonym, nor does a "
               "reading of a pronoun the record quotes: quote the words that name it (as context), or read the "
               "pronoun that stands for it")  # fmt: skip
        yield record.problem("KD670", ("subject",), msg)
        return
    yield from around.subject_problems(record, names)


def _pronoun(reading: Mapping[str, Any]) -> bool:
    """Whether a reading is of a pronoun alone ("It", "its", "they"): its means names an antecedent."""
    return str(reading.get("text", "")).strip().casefold() in _REFERRING


# Words that open an introductory phrase ("In recent years, ketamine …", "During this time, patients …"):
# the subject stands after its comma.
_OPENERS = frozenset({"in", "during", "for", "after", "before", "while", "since", "although", "though", "when",
                      "with", "at", "on", "by", "from", "as", "unlike", "despite"})  # fmt: skip
# Words a subject noun phrase runs through ("the recreational use of ketamine"); any other function word, a
# modal or an adverb of frequency ends it.
_NP_WORDS = frozenset({"the", "a", "an", "of"})
_NP_ENDS = frozenset({"can", "may", "might", "will", "would", "should", "could", "must", "also", "usually",
                      "typically", "often", "still", "not", "only"}) | (_FUNCTION - _NP_WORDS)  # fmt: skip


def _subject_phrase(text: str) -> str:
    """The first noun phrase of a sentence or clause, after an introductory phrase: its subject, as near as words tell.

    "Ketamine is a medication …" gives "Ketamine", "The drug is usually administered …" "The drug", "In
    recent years, ketamine has …" "ketamine"; at most six words.
    """
    first = _WORD.search(text)
    if first is not None and first.group().casefold() in _OPENERS and "," in text:
        text = text[text.index(",") + 1 :]
    found: list[str] = []
    for m in _COMPOUND.finditer(text):
        word = m.group().casefold()
        if (word in _NP_ENDS and found) or len(found) == 6:
            break
        found.append(m.group())
    return " ".join(found)


@functools.lru_cache(maxsize=1024)  # a few pronouns, read by every record quoting them
def _antecedents_at(src: SourceText, start: int) -> tuple[str, ...]:
    """The noun phrases the grammar lets a pronoun at ``start`` stand for.

    The subject of its own sentence, when the pronoun does not open it ("The drug is … , but it can also be
    taken"), and the subject of the sentence before ("Ketamine therapy is still considered …. It is typically
    used …").
    """
    sentence = src.sentence_at(start)
    if sentence is None:
        return ()
    found = []
    if src.text[sentence[0] : start].strip():
        found.append(_subject_phrase(src.text[sentence[0] : start]))
    before = src.sentence_before(sentence)
    if before is not None:
        found.append(_subject_phrase(src.text[before[0] : before[1]]))
    return tuple(p for p in found if p and p.casefold() not in _REFERRING)


def _read_antecedents(reading: Mapping[str, Any], texts: Mapping[str, SourceText]) -> list[str]:
    """The antecedents a reading of a pronoun names: those of `_antecedents_at` its ``means`` shares a word with."""
    src, start = texts.get(str(reading.get("source"))), reading.get("start")
    if src is None or not isinstance(start, int):
        return []
    means = _content_stems(str(reading.get("means", "")))
    return [p for p in _antecedents_at(src, start) if not means.isdisjoint(_content_stems(p))]


def _antecedent_problems(record: RawRecord, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
    """KD671: a reading of a pronoun names none of the antecedents its place in the article allows.

    "It belongs to a class of drugs …" after "Ketamine is a medication that is primarily used for anesthesia
    …" stands for ketamine, the sentence's subject, never for "anesthesia": a reading that says so would make
    a procedure a member of a drug class. A pronoun stands for the subject of its sentence (when it does not
    open it) or of the sentence before.
    """
    for i, reading in enumerate(record.value.get("readings") or ()):
        if not isinstance(reading, dict) or not _pronoun(reading) or str(reading.get("source")) not in texts:
            continue
        src, start = texts[str(reading["source"])], reading.get("start")
        allowed = _antecedents_at(src, start) if isinstance(start, int) else ()
        if allowed and not _read_antecedents(reading, texts):
            names = " or ".join(repr(p) for p in allowed)
            msg = (f"the reading says {short(str(reading.get('text')))!r} means {short(str(reading.get('means')))!r}, "
                   f"but where it stands it can only stand for {short(names)}: a pronoun stands for the subject of "
                   "its sentence or of the one before, not for any word near it")  # fmt: skip
            yield record.problem("KD671", ("readings", i, "means"), msg)


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


def skipped_words(value: dict[str, Any], texts: Mapping[str, SourceText]) -> frozenset[str]:
    """The words (casefolded) KD630 reports for a record: those its evidence skips that bind its quotes."""
    return frozenset(w.casefold() for _, lost in _bound_words(value, texts) for w in lost)


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


# Words that make a concept what it is by qualifying another word ("Reduced sensations of pain", "High risk of
# suicide"): a name without them names something else. Besides these, a hyphenated word ("treatment-resistant")
# or one with an adjective's or participle's ending is read as one.
_MODIFIERS = frozenset({
    "high", "higher", "low", "lower", "not", "non", "no", "without", "more", "less", "other", "only", "exact",
    "severe", "mild", "acute", "chronic", "negative", "positive", "partial", "full", "fully", "over", "under",
})  # fmt: skip
_MODIFIER_ENDING = re.compile(r"(?:ed|ing|ive|less|like|ic|ical|ous|ful|ant|ent)$")


def _is_modifier(word: str) -> bool:
    return word in _MODIFIERS or word in NEGATIONS or "-" in word or _MODIFIER_ENDING.search(word) is not None


def _synonyms_keep_modifiers(index: RecordIndex) -> Iterator[Problem]:
    """KD672: an article synonym drops a word of its concept's label that qualifies the rest (a modifier).

    "sensations of pain" for "Reduced sensations of pain" names pain itself: every export and any term matcher
    built on the synonyms would tag the article's words for pain sensations as their reduction. A synonym
    keeps each modifier of the label (in any form: "reducing" keeps "Reduced"), or is marked external with
    the reason the editors give it. A synonym may drop a head word ("orally" for "Oral route").
    """
    for concept in index.valid("concept"):
        label = [w.casefold() for w in _COMPOUND.findall(str(concept.value.get("label", "")))]
        modifiers = [w for w in label if w not in _FUNCTION and _is_modifier(w)]
        if not modifiers:
            continue  # most labels: nothing qualifies another word
        for i, gloss in enumerate(concept.value.get("synonyms") or ()):
            if not isinstance(gloss, dict) or gloss.get("origin") != "article":
                continue
            kept = [_stem(w.casefold())[:5] for w in _COMPOUND.findall(str(gloss.get("text", "")))]
            lost = [w for w in modifiers if not any(_same(_stem(w)[:5], k) for k in kept)]
            if lost:
                msg = (f"the article synonym {short(str(gloss.get('text')))} drops {short(', '.join(lost))} of the "
                       f"label {short(str(concept.value['label']))}: without it the synonym names something else; "
                       "quote the words that keep it, or mark the synonym external with the reason")  # fmt: skip
                yield concept.problem("KD672", ("synonyms", i, "text"), msg)


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


# The negation words as mere substrings of a lower-cased quote: most quotes hold none of them.
_MAYBE_NEGATED = re.compile("|".join(map(re.escape, sorted({*NEGATIONS, "n't", "n\u2019t", "cannot"}))))


def _maybe_negated(quote: str) -> bool:
    """False when no negation can stand in the quote, so `_negations_in` need not cut it into words."""
    return _MAYBE_NEGATED.search(quote.lower()) is not None


def _negations_left_out(record: RawRecord, stating: list[dict[str, Any]]) -> Iterator[Problem]:
    """KD633: a negation of a stating quote that governs words the statement says, missing from the statement."""
    for word, _ in _left_out(record.value, stating):
        msg = (f"the quote says {short(word)} before words the statement says, and the statement drops it: a "
               "negation of what the record says cannot be left out")  # fmt: skip
        yield record.problem("KD633", ("statement",), msg)
        return


def _left_out(value: dict[str, Any], stating: list[dict[str, Any]]) -> Iterator[tuple[str, set[str]]]:
    """Each word of a stating quote that negates words the statement says, and its negations the statement lacks."""
    statement = str(value.get("statement") or "")
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
                yield m.group(), negation - said


def left_out_negations(value: dict[str, Any]) -> frozenset[str]:
    """The negations KD633 reports for a record: of its stating quotes, governing stated words, left out."""
    stating = [s for s in value.get("evidence") or () if s.get("role") != "context"]
    if not any(_maybe_negated(str(s.get("quote", ""))) for s in stating):
        return frozenset()
    return frozenset(w for _, negation in _left_out(value, stating) for w in negation)


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
def _phrase_words(phrase: str) -> tuple[tuple[str, ...], bool]:
    """The words a phrase of a predicate must find, in order, and whether they must stand together.

    Its content words, stemmed and cut to five letters ("producing" holds "produ"), anywhere in order; a
    phrase of function words alone ("is a") is found only as those very words, one after another.
    """
    found = [_stem(w)[:5] for w in map(str.casefold, _WORD.findall(phrase))]
    content = tuple(w for w in found if w not in _FUNCTION)
    return (content, False) if content else (tuple(found), True)


@functools.lru_cache(maxsize=1 << 14)  # statements and quotes recur
def _ordered(text: str) -> tuple[str, ...]:
    """The text's words in order, stemmed and cut to five letters as `_phrase_words` cuts a phrase's."""
    return tuple(map(_cut, _WORD.findall(text)))


@functools.lru_cache(maxsize=1 << 16)  # a few thousand words make every statement
def _cut(word: str) -> str:
    return _stem(word.casefold())[:5]


def _says(text: tuple[str, ...], phrase: tuple[tuple[str, ...], bool]) -> bool:
    """Whether the words stand in the text in the phrase's order (together, for a phrase of function words)."""
    return _place(text, phrase) is not None


@functools.lru_cache(maxsize=1 << 14)  # a claim's statement is often its one quote
def _place(text: tuple[str, ...], phrase: tuple[tuple[str, ...], bool]) -> tuple[int, int] | None:
    """Where the phrase's words stand in the text, as the indices of its first and last word; None if not in order.

    Each word is found after the one before, at its first place. Two cut stems are one word's when one begins
    the other (at least three letters): the crude stemmer cuts "names" to "nam" and "name" to "name".
    """
    wanted, together = phrase
    if not wanted:
        return None
    if together:
        n = len(wanted)
        return next(((i, i + n - 1) for i in range(len(text) - n + 1) if text[i : i + n] == wanted), None)
    at, first = 0, -1
    # Two stems of three letters or more are one word's only if their first three letters are: the candidates
    # are found by `index` (in C), and only they are compared.
    heads: list[str] | None = None
    for w in wanted:
        try:
            if len(w) < 3:
                at = text.index(w, at)
            else:
                heads = heads or [t[:3] if len(t) >= 3 else "" for t in text]
                at = heads.index(w[:3], at)
                while not (text[at].startswith(w) or w.startswith(text[at])):
                    at = heads.index(w[:3], at + 1)
        except ValueError:
            return None
        first = at if first < 0 else first
        at += 1
    return first, at - 1


def _same(a: str, b: str) -> bool:
    """Whether two cut stems are one word's, as `_says` reads them ("nam" of "names" and "name")."""
    return a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)))


def _predicate_phrases(index: RecordIndex) -> dict[str, tuple[str, ...]]:
    """Each predicate's phrases: its label, and the words it declares the article says it with (``expressed_by``)."""
    return {str(r.id): (str(r.value.get("label", "")), *map(str, r.value.get("expressed_by") or ()))
            for r in index.valid("predicate") if r.id}  # fmt: skip


def _predicate_fits(record: RawRecord, predicates: Mapping[str, tuple[str, ...]]) -> Iterator[Problem]:
    """KD639: the claim's statement and its quotes both say its predicate, in the words of one of its phrases.

    The predicate decides the claim's evidence status (the decision table): one the words do not say ("has the
    street name" for "the mechanism is still understood", "is a" for "has been associated with", "can also be
    taken by the route" for "can have side effects") would grade it as another fact. A phrase's content words
    stand in order; one word shared ("can") is not enough, and a phrase of function words ("is a") stands whole.
    The quotes are read in the article's order, as one text.
    """
    v = record.value
    phrases = predicates.get(str(v.get("predicate")))
    if not phrases:
        return  # an unknown predicate is KD202's
    spans = sorted((s for s in v.get("evidence") or () if isinstance(s, dict) and isinstance(s.get("start"), int)),
                   key=lambda s: (str(s.get("source")), s["start"]))  # fmt: skip
    statement = _ordered(str(v.get("statement", "")))
    # One quote (most claims) is its words as they are: the statement's very tuple when it is the quote.
    quoted = _ordered(str(spans[0].get("quote", ""))) if len(spans) == 1 else tuple(
        w for s in spans for w in _ordered(str(s.get("quote", ""))))  # fmt: skip
    if any(_says(statement, p) and _says(quoted, p) for p in map(_phrase_words, phrases)):
        return
    msg = (f"the predicate {v['predicate']!r} ({short(phrases[0])}) is said neither in the statement and its quotes "
           "by its label's words in order, nor by a phrase it declares (expressed_by): the predicate decides the "
           "evidence status, so it must say what the statement and the article say")  # fmt: skip
    yield record.problem("KD639", ("predicate",), msg)


# --- KD670 and KD634 around the predicate: where a statement names its subject and its object ------------------

# What ends the phrase a literal object stands in: a mark, or the statement's end.
_PHRASE_END = re.compile(r"[.,;:()\[\]!?\"\u201c\u201d\u2013\u2014]")


def _spans_at(text: str, first: int, last: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where the text's words at two indices (``first`` <= ``last``, in the order `_ordered` cuts them) stand."""
    found = _WORD.finditer(text)
    one = next(itertools.islice(found, first, None)).span()
    return one, (one if last == first else next(itertools.islice(found, last - first - 1, None)).span())


class _Around:
    """KD670 and KD634 by place: a claim's subject is named before its predicate's phrase, its object after it.

    Any words of a statement are not its subject or its object: "ketamine" in "The recreational use of
    ketamine can be dangerous" is not what can be dangerous, nor are "mental health" in "negative effects on
    physical and mental health, including bladder damage" what the item names. The predicate's phrase (as
    KD639 finds it) splits the statement: the subject is named before its last word, as the first concept of
    the clause that leads up to it (a narrower name there, "ketamine" of "In therapy, ketamine", may stand for
    it), and never only inside a wider concept's name ("Recreational use of ketamine"); the object is named
    after it (or opens the statement), by the item's own phrase when the claim quotes an item, and a literal
    object is that whole phrase ("seated or lying down", not "seated").
    """

    def __init__(self, concepts: Mapping[str, Mapping[str, Any]], predicates: Mapping[str, tuple[str, ...]]) -> None:
        self.predicates = predicates
        live = {cid: v for cid, v in concepts.items() if not v.get("superseded_by")}
        self.names = {cid: _names(v) for cid, v in live.items()}
        self.stems = {cid: _content_stems(str(v.get("label", ""))) for cid, v in live.items()}
        self.having: dict[str, list[str]] = {}  # a label's content stem: the concepts whose label has it
        self.exactly: dict[frozenset[str], list[str]] = {}  # a label's content stems: the concepts with just those
        for cid, found in self.stems.items():
            self.exactly.setdefault(found, []).append(cid)
        for cid, found in self.stems.items():
            for s in found:
                self.having.setdefault(s, []).append(cid)
        # Each name keyed by its rarest content stem: a clause's few words find the few names it may hold.
        self.keyed: dict[str, list[tuple[str, str]]] = {}
        for cid, names in self.names.items():
            for name in names:
                found = _content_stems(name)
                if found:
                    key = min(found, key=lambda s: (len(self.having.get(s, ())), s))
                    self.keyed.setdefault(key, []).append((cid, name))
        self._wider: dict[str, tuple[str, ...]] = {}
        self._within: dict[str, frozenset[str]] = {}
        self._placed: tuple[tuple[str, object], tuple[int, int, int] | None] = (("", None), None)

    def wider(self, cid: str) -> tuple[str, ...]:
        """The concepts whose label has every content word of this one's and more ("Recreational use of ketamine")."""
        found = self._wider.get(cid)
        if found is None:
            own = self.stems.get(cid) or frozenset()
            rarest = min(own, key=lambda s: len(self.having.get(s, ())), default="")
            found = self._wider[cid] = tuple(o for o in self.having.get(rarest, ()) if own < self.stems[o])
        return found

    def within(self, cid: str) -> frozenset[str]:
        """The concept and those whose label's content words are all its own ("Mental health" of "… mental health")."""
        found = self._within.get(cid)
        if found is None:
            own = sorted(self.stems.get(cid) or ())
            # A label has a few content words: each set of them is looked up, never every concept sharing one.
            parts = (frozenset(w for i, w in enumerate(own) if n >> i & 1) for n in range(1, 1 << min(len(own), 10)))
            found = self._within[cid] = frozenset({cid, *(c for part in parts for c in self.exactly.get(part, ()))})
        return found

    def place(self, statement: str, predicate: object) -> tuple[int, int, int] | None:
        """Where the predicate's phrase stands: the offsets of its first word, its last word and that word's end."""
        key = (statement, predicate)
        if self._placed[0] == key:  # the subject's and the object's checks of one claim ask in turn
            return self._placed[1]
        words, placed = _ordered(statement), None
        for phrase in self.predicates.get(str(predicate), ()):
            found = _place(words, _phrase_words(phrase))
            if found is not None:
                (opening, _), (last, end) = _spans_at(statement, *found)
                placed = opening, last, end
                break
        self._placed = (key, placed)
        return placed  # None: KD639 says so

    def first(self, clause: str, besides: AbstractSet[str], upto: int) -> list[str]:
        """The concepts the clause names first (a name standing whole) before offset ``upto``, besides some."""
        at: dict[str, int] = {}
        for word in _WORD.findall(clause, 0, upto):  # a clause is cut once: `content_words` caches whole texts
            for cid, name in self.keyed.get(_stem(word.casefold()), ()):
                if cid not in besides:
                    where = next(_places(name, clause), None)
                    if where is not None:
                        at[cid] = min(where, at.get(cid, where))
        low = min(at.values(), default=-1)
        return [cid for cid, where in at.items() if where == low]

    def subject_problems(self, record: RawRecord, names: list[str]) -> Iterator[Problem]:
        """KD670: the statement names its subject before its predicate, first in its clause, not inside a wider name."""
        v = record.value
        statement, subject = str(v.get("statement", "")), str(v.get("subject"))
        place = self.place(statement, v.get("predicate"))
        if place is None or subject not in self.stems:
            return
        opening, last, end = place
        # A statement may open with its predicate ("More research is needed … the safety of ketamine therapy").
        opens = all(w.casefold() in _FUNCTION for w in _WORD.findall(statement, 0, opening))
        region = statement[end:] if opens else statement[:last]
        if not any(named(n, region) for n in names):
            msg = (f"the statement names its subject {subject!r} only after its predicate's phrase: a word "
                   "said elsewhere is not what the predicate is said of; name the subject before it")  # fmt: skip
            yield record.problem("KD670", ("subject",), msg)
            return
        wider = [w for w in self.wider(subject) if any(named(n, region) for n in self.names[w])]
        if wider:
            msg = (f"the statement names its subject {subject!r} only inside the wider {wider[0]!r}, which it "
                   "says the predicate of: the triple would say of a part what is said of the whole")  # fmt: skip
            yield record.problem("KD670", ("subject",), msg)
            return
        breaks = [m.end() for m in _BREAK.finditer(statement, 0, opening)]
        obj = v.get("object")
        target = str(obj.get("concept")) if isinstance(obj, dict) and "concept" in obj else ""
        # A statement may open with its object ("Anesthesia is one of the two things ketamine is primarily used for").
        besides = self.within(target)
        clause = statement[breaks[-1] if breaks else 0 : opening]
        # Only a name before the subject's own can come first (most statements: few words, or none).
        at = min((p for n in names if (p := next(_places(n, clause), None)) is not None), default=len(clause))
        first = self.first(clause, besides, at)
        own = self.stems[subject]
        if first and subject not in first and not any(self.stems[c] < own for c in first if c in self.stems):
            msg = (f"the clause before the predicate's phrase names {first[0]!r} first, not the subject {subject!r}: "
                   "the predicate is said of what the clause names")  # fmt: skip
            yield record.problem("KD670", ("subject",), msg)

    def object_problems(self, record: RawRecord) -> Iterator[Problem]:
        """KD634: the object is named where the statement names it: its item's phrase, or after its predicate."""
        v = record.value
        obj = v.get("object")
        if not isinstance(obj, dict):
            return
        statement = str(v.get("statement", ""))
        items = [s for s in v.get("evidence") or () if isinstance(s, dict) and s.get("role") == "item"]
        item = str(items[0].get("quote", "")) if items else None
        if isinstance(obj.get("value"), str):
            if not self._literal_whole(record, obj["value"], item):
                msg = (f"the object {short(obj['value'])} is not the whole phrase the statement (or its quote) gives "
                       "after the predicate, nor the item quoted: a part of a phrase ('seated' of 'seated or lying "
                       "down') says what the article does not; give the whole phrase")  # fmt: skip
                yield record.problem("KD634", ("object", "value"), msg)
            return
        target = str(obj.get("concept"))
        names = self.names.get(target)
        if not names:
            return  # unknown or superseded: other checks say so
        wide = [name for w in self.wider(target) for name in self.names[w]]
        read = False
        for region in self._object_regions(statement, v.get("predicate"), item, names):
            read = True
            for name in wide:  # a wider concept's name says the wider concept, not this one
                for at in list(_places(name, region)):
                    region = region[:at] + " " * len(name) + region[at + len(name) :]
            if any(named(n, region) for n in names):
                return
        if not read:
            return
        where = "the item's phrase" if item else "the statement after its predicate's phrase"
        msg = (f"{where} does not name the object {target!r}: words the statement says elsewhere (its subject, a "
               "list's head) are not its object")  # fmt: skip
        yield record.problem("KD634", ("object", "concept"), msg)

    def _object_regions(self, statement: str, predicate: object, item: str | None, names: list[str]) -> Iterator[str]:
        """Where the statement may name its object: the item's phrase, or what follows the predicate's phrase.

        Or the phrase it opens with ("Anesthesia is one of the two things ketamine is primarily used for").
        """
        place = self.place(statement, predicate)
        if item is not None:
            at = next(_places(item, statement), None) if item.strip() else None
            if at is None:
                yield item
                return
            starts = [m.end() for m in _BREAK.finditer(statement, 0, at)]
            if place is not None and place[2] <= at:
                starts.append(place[2])
            yield statement[max(starts, default=at) : at + len(item)]
            return
        if place is None:
            return  # KD639 says so
        opening, last, end = place
        # A phrase found across a break ("used in cases where … (or when") is not said as one: the object may be inside.
        yield statement[opening:] if _BREAK.search(statement, opening, last) else statement[end:]
        front = min(_fronted(statement, frozenset(_word_set(names))), opening)  # asked only if the first fails
        if front:
            yield statement[:front]

    def _literal_whole(self, record: RawRecord, value: str, item: str | None) -> bool:
        """Whether a literal object is the item quoted, or the whole phrase after the predicate (statement or quote)."""
        wanted = _leading_cut(value)
        v = record.value
        own = self.stems.get(str(v.get("subject")), frozenset())
        if item is not None:  # the item, or its phrase after the predicate ("its ability to | induce …")
            ends = self.ends(item, v.get("predicate"))
            return wanted == _leading_cut(item) or any(_starts_whole(item[end:], wanted, own) for end in ends)
        texts = [str(v.get("statement", ""))]
        texts += [str(s.get("quote", "")) for s in v.get("evidence") or ()
                  if isinstance(s, dict) and s.get("role") != "context"]  # fmt: skip
        predicate = v.get("predicate")
        place = self.place(texts[0], predicate)  # most literals: the phrase right after the predicate's first match
        if place is not None and _starts_whole(texts[0][place[2] :], wanted, own):
            return True
        return any(_starts_whole(text[end:], wanted, own) for text in texts for end in self.ends(text, predicate))

    def ends(self, text: str, predicate: object) -> Iterator[int]:
        """Where the predicate's phrase may end: its first match's last word, and each later place of that word.

        The phrase's first words may stand earlier in the text than the phrase itself ("the patient … the
        patient is typically seated").
        """
        words = _ordered(text)
        for phrase in map(_phrase_words, self.predicates.get(str(predicate), ())):
            found = _place(words, phrase)
            if found is not None:
                last = phrase[0][-1]
                spans = [m.end() for m in _WORD.finditer(text)]
                yield from (spans[j] for j in range(found[1], len(words)) if j == found[1] or _same(words[j], last))
                return


def _leading_cut(text: str) -> tuple[str, ...]:
    """The text's words, casefolded, without the function words it opens with ("a series of sessions": series …)."""
    found = [w.casefold() for w in _WORD.findall(text)]
    while found and found[0] in _FUNCTION:
        found.pop(0)
    return tuple(found)


def _starts_whole(after: str, wanted: tuple[str, ...], own: AbstractSet[str]) -> bool:
    """Whether ``after`` opens (past function words) with the words wanted, and its phrase ends there.

    After them, up to a mark, stand only function words and words of the subject's name ("the safety of
    ketamine therapy"); "seated" of "seated or lying down" leaves "lying down" in its phrase.
    """
    words = list(_WORD.finditer(after))
    i = 0
    while i < len(words) and words[i].group().casefold() in _FUNCTION:
        i += 1
    n = len(wanted)
    if not n or tuple(w.group().casefold() for w in words[i : i + n]) != wanted:
        return False
    end = words[i + n - 1].end()
    stop = _PHRASE_END.search(after, end)
    rest = _WORD.findall(after[end : stop.start() if stop else len(after)])
    return all(w.casefold() in _FUNCTION or _stem(w.casefold()) in own for w in rest)


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

    def far(self, record: RawRecord, texts: Mapping[str, SourceText]) -> set[str]:
        """The stems of the statement only the subject's name backs, which the article gives nowhere near."""
        v = record.value
        statement = str(v.get("statement", ""))
        named = self.words(str(v.get("subject")))
        low = statement.casefold()
        if not any(w in low for w in named):
            return set()  # a stem is a prefix of its word: the statement names none of them (most records)
        spans = [s for s in v.get("evidence") or () if isinstance(s, dict) and "revision" not in s]
        quoted = [str(s.get("quote", "")) for s in spans]
        quoted += [str(r.get("text", "")) for r in v.get("readings") or () if isinstance(r, dict)]
        lent = {w for w in _stems(statement) & named if not any(w in _stems(q) for q in quoted)}
        return lent - _region(spans, texts) if lent else set()

    def problems(self, record: RawRecord, texts: Mapping[str, SourceText]) -> Iterator[Problem]:
        """KD637 for the claim, if the statement says a word only its subject's name lends it."""
        subject, statement = str(record.value.get("subject")), str(record.value.get("statement", ""))
        far = self.far(record, texts)
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


class EvidenceWords:
    """What the declared word rules read around the records, each worked out once per run.

    The active records of each kind; the words that name a claim's subject and object; the sentences around
    a span (where an antecedent of "it" stands); what a record's stating spans reach besides their quotes.
    """

    def __init__(self, index: RecordIndex, texts: Mapping[str, SourceText]) -> None:
        self.index = index
        self.texts = texts
        self._antecedents: dict[tuple[str, object], frozenset[str]] = {}
        self._subjects: dict[str, frozenset[str]] = {}
        self._stretches: dict[int, _Stretches] = {}
        self._clauses: dict[tuple[str, int], int] = {}
        self._sentence_starts: dict[str, frozenset[int]] = {}
        self._objects: dict[tuple[str, str], frozenset[str]] = {}
        self._concept_by_id: dict[str, RawRecord] | None = None
        self.labels = {r.id: r.value.get("label") for r in index.kind("concept") if r.id}
        self.concepts = index.kind("concept")  # concepts have no status
        self._lent: _Subjects | None = None

    def reported(self, record: RawRecord) -> bool:
        """Whether `wording_problems` reads the record: the fixed checks' words are not reported again."""
        return self.index.is_valid(record)

    def lent(self, record: RawRecord) -> set[str]:
        """The statement's stems KD637 reports: only the subject's name lends them (claims only)."""
        if record.kind != "claim" or not self.reported(record):
            return set()
        if self._lent is None:
            self._lent = _Subjects(self.index)
        return self._lent.far(record, self.texts)

    def skipped(self, record: RawRecord) -> frozenset[str]:
        """The words KD630 reports for the record: skipped by its evidence, binding its quotes."""
        return skipped_words(record.value, self.texts) if self.reported(record) else frozenset()

    def negations_reported(self, record: RawRecord) -> frozenset[str]:
        """The negation words KD633 or KD630 report for the record."""
        if not self.reported(record):
            return frozenset()
        return left_out_negations(record.value) | {w for w in self.skipped(record) if w in NEGATIONS}

    def __getitem__(self, kind: str) -> tuple[RawRecord, ...]:
        return self.index.active(kind)

    def subject_words(self, subject: object) -> frozenset[str]:
        """The words a statement may use to name its subject, which its quotes may call "it" or "its".

        The words of the subject concept's label that its id holds too: a label is the editors' free text, so
        a word only it has ("Harmless ketamine therapy") would reach every statement about the subject.
        """
        found = self._subjects.get(str(subject))
        if found is None:
            label = self.labels.get(str(subject))
            named = _word_set([label]) if isinstance(label, str) else set()
            words = named & _word_set([str(subject).replace("-", " ")])
            found = self._subjects[str(subject)] = frozenset(words)
        return found

    def object_words(self, record: RawRecord) -> frozenset[str]:
        """The stems of the names of a claim's object (its value, or its concept's label and synonyms)."""
        obj = record.value.get("object")
        key = ("concept", str(obj["concept"])) if isinstance(obj, dict) and "concept" in obj else (
            ("value", str(obj.get("value"))) if isinstance(obj, dict) and "value" in obj else ("", ""))  # fmt: skip
        found = self._objects.get(key)
        if found is None:
            names: list[str] = [key[1]] if key[0] == "value" else []
            if self._concept_by_id is None:
                self._concept_by_id = {str(r.id): r for r in self.concepts if r.id}
            concept = self._concept_by_id.get(key[1]) if key[0] == "concept" else None
            if concept is not None:
                synonyms = concept.value.get("synonyms") or ()
                names += [str(concept.value.get("label", "")), *(str(g.get("text", "")) for g in synonyms
                                                                   if isinstance(g, dict))]  # fmt: skip
            found = self._objects[key] = frozenset(_word_set(names))
        return found

    def region_words(self, record: RawRecord) -> frozenset[str]:
        """The words of the sentences the record's evidence starts in, and of the sentence before each."""
        found: frozenset[str] = frozenset()
        for span in record.value.get("evidence") or ():
            found = found | self.antecedent_words(str(span.get("source")), span.get("start"))
        return found

    def stretches(self, record: RawRecord) -> _Stretches:
        """What the record's stating spans reach besides their quotes (see `_Stretches`), worked out once."""
        evidence = record.value.get("evidence") or []
        if len(evidence) == 1:  # most records: one span, so no gap; a negation before it is rare
            only = evidence[0]
            before = self._negated_before(only) if only.get("role") != "context" else None
            return _Stretches((before,), ()) if before else _NO_STRETCHES
        found = self._stretches.get(id(record))
        if found is None:
            found = self._stretches[id(record)] = self._stretches_of(evidence)
        return found

    def _stretches_of(self, evidence: list[dict[str, Any]]) -> _Stretches:
        governed, gaps = [], []
        stating = sorted((s for s in evidence if s.get("role") != "context" and isinstance(s.get("start"), int)
                          and isinstance(s.get("end"), int) and str(s.get("source")) in self.texts),
                         key=lambda s: (str(s["source"]), s["start"]))  # fmt: skip
        reach: tuple[str, int] | None = None  # the source and end of the stating words seen so far
        for span in stating:
            source, start = str(span["source"]), span["start"]
            before = self._negated_before(span)
            if before:
                governed.append(before)
            src = self.texts[source]
            if reach is not None and reach[0] == source and reach[1] < start:
                sentence = src.sentence_at(start)
                gap = src.text[reach[1] : start]
                if sentence is not None and sentence[0] <= reach[1] and not gap.isspace():  # one sentence
                    gaps.append({"source": source, "role": "statement", "quote": gap, "start": reach[1], "end": start})
                    governed.append(gap + src.text[start : span["end"]])  # what a negation in it stands before
            reach = (source, max(span["end"], reach[1]) if reach is not None and reach[0] == source else span["end"])
        return _Stretches(tuple(governed), tuple(gaps)) if governed or gaps else _NO_STRETCHES

    def _negated_before(self, span: dict[str, Any]) -> str | None:
        """The span's text from the start of its clause, when a negation stands in the clause before it."""
        source, start, end = str(span.get("source")), span.get("start"), span.get("end")
        src = self.texts.get(source)
        if src is None or not isinstance(start, int) or not isinstance(end, int):
            return None
        starts = self._sentence_starts.get(source)
        if starts is None:
            starts = self._sentence_starts[source] = frozenset(s for s, _ in src.sentences)
        if start in starts:
            return None  # most spans start their sentence: nothing stands before them in it
        key = (source, start)
        opens = self._clauses.get(key)
        if opens is None:
            opens = self._clauses[key] = self._clause_start(src, start)
        return src.text[opens:end] if opens < start else None

    @staticmethod
    def _clause_start(src: SourceText, start: int) -> int:
        """Where the clause holding ``start`` begins, if a negation stands in it before ``start``; else ``start``.

        A clause begins after a clause mark or a conjunction, or at the sentence's start.
        """
        sentence = src.sentence_at(start)
        prefix = src.text[sentence[0] : start] if sentence is not None else ""
        if not prefix or not _negations_in(prefix):
            return start
        at = max(prefix.rfind(mark) for mark in _CLAUSE_MARKS) + 1
        for word in _WORD.finditer(prefix, at):
            if word.group().casefold() in _CLAUSE_WORDS:
                at = word.end()
        return sentence[0] + at if sentence is not None and _negations_in(prefix[at:]) else start

    def antecedent_words(self, source: str, start: object) -> frozenset[str]:
        """The words (stems) of the sentence holding ``start`` and the one before: where an antecedent stands."""
        key = (source, start)
        found = self._antecedents.get(key)
        if found is None:
            src = self.texts.get(source)
            sentence = src.sentence_at(start) if src is not None and isinstance(start, int) else None
            before = src.sentence_before(sentence) if src is not None and sentence is not None else None
            region = src.text[(before or sentence)[0] : sentence[1]] if src is not None and sentence else ""
            found = self._antecedents[key] = frozenset(_word_set([region]))
        return found


@dataclass(frozen=True, slots=True)
class _Stretches:
    """What a record's stating spans reach besides their own words.

    ``governed``: besides the stating quotes, the texts whose negations govern the stated words: a stating
    span with the start of its clause before it, when a negation stands there (a "not" just before a quote
    negates it, whether quoted as context or not at all), and the words between two stating spans of one
    sentence with the span after them.
    ``gaps``: those words between two stating spans of one sentence, as spans of role statement: a splice
    states them as much as its quotes do.
    """

    governed: tuple[str, ...]
    gaps: tuple[dict[str, Any], ...]


_NO_STRETCHES = _Stretches((), ())


# Where a clause begins: after one of these marks, or after one of these words (a negation before it
# governs another clause).
_CLAUSE_MARKS = (",", ";", ":", "(", ")", "\u2014", "\u2013", '"', "\u201c", "\u201d")
_CLAUSE_WORDS = frozenset({"and", "or", "but", "although", "though", "while", "whereas", "yet", "because", "if"})


def _recorded(value: dict[str, Any]) -> list[str]:
    words = [q["text"] for q in value.get("qualifiers", ()) if "text" in q]
    return [value["hedge"], *words] if value.get("hedge") else words


def _stating_quotes(spans: list[dict[str, Any]]) -> list[str]:
    """The quotes that state the record: its statement and item spans, and the clause an item belongs to.

    Other context spans only explain (who "it" is, which session): their hedges govern other words.
    """
    if len(spans) == 1:  # most records: one span
        only = spans[0]
        return [only["quote"]] if "quote" in only and only.get("role") != "context" else []
    after = [*spans[1:], None][: len(spans)]
    return [s["quote"] for s, nxt in zip(spans, after, strict=True) if "quote" in s and
            (s.get("role") != "context" or (nxt is not None and nxt.get("role") == "item"))]  # fmt: skip


def qualifier_words(rule: dict[str, Any], active: EvidenceWords, severity: Severity) -> Iterator[Problem]:
    """KD609 (rule kind ``qualifier-words``): the statement and its stating quotes keep the rule's words.

    A listed word (a hedge, a qualifier) the statement or a stating quote says, or a splice skips between its
    stating quotes, is kept as the record's hedge or a qualifier.
    """
    words_in = WholeWords(rule["words"])
    for record in active["claim"] + active["caveat"]:
        said = words_in.one(record.value.get("statement", ""))
        evidence = record.value.get("evidence") or []
        # The words a splice skips between its stating spans state the record too.
        gaps = active.stretches(record).gaps if len(evidence) > 1 else ()
        quoted = words_in([*_stating_quotes(evidence), *(g["quote"] for g in gaps)])
        if not said and not quoted:
            continue
        if any(path[0] in ("hedge", "qualifiers") for path in record.taken):
            continue  # its hedge or qualifiers were refused at their own line: what it keeps is not known
        kept = words_in(_recorded(record.value))
        for word in sorted(said - kept):
            msg = (f"rule {rule['id']!r}: the statement says {word!r}, which the record does not keep as its "
                   "hedge or a qualifier: record it from the evidence, or drop it from the statement")  # fmt: skip
            yield record.problem("KD609", ("statement",), msg, severity=severity)
        for word in sorted(quoted - kept - said):
            msg = (f"rule {rule['id']!r}: the evidence says {word!r}, which the record neither keeps as its hedge "
                   "or a qualifier nor says: keep it, or quote the clause it governs as 'context'")  # fmt: skip
            yield record.problem("KD609", ("evidence",), msg, severity=severity)


# A reading of these words names what they refer to; any other reading is a choice between meanings, whose
# words are the editors' and hold nothing for a statement.
_REFERRING = frozenset({"it", "its", "they", "them", "their", "this", "these", "that", "those"})


def _reading_words(reading: dict[str, Any], evidence: list[dict[str, Any]], active: EvidenceWords) -> set[str]:
    """The words a reading lends a statement: its quoted words, and some of what it says they mean.

    Of a reading of "it", "its", "this …", only the words the article has where an antecedent stands (the
    reading's sentence and the one before it) count; any other reading lends only its quoted words. A
    reading's ``means`` is the editors' text: counted whole, it would let any fact into a statement. A
    reading of words the record does not quote lends nothing (KD325 says so): it would bring a word of another
    passage into the statement.
    """
    text, means, start = str(reading.get("text", "")), str(reading.get("means", "")), reading.get("start")
    if not isinstance(start, int) or not any(
        s.get("source") == reading.get("source") and isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
        and s["start"] <= start and start + len(text) <= s["end"] for s in evidence
    ):  # fmt: skip
        return set()
    held = _word_set([text])
    first = _WORD.match(text.strip())
    if first is None or first.group().casefold() not in _REFERRING:
        return held
    if _pronoun(reading):  # a pronoun lends only the words of the antecedent it is read as (KD671)
        return held | (_word_set([means]) & _word_set(_read_antecedents(reading, active.texts)))
    return held | (_word_set([means]) & active.antecedent_words(str(reading.get("source")), reading.get("start")))


def words_from_evidence(rule: dict[str, Any], active: EvidenceWords, severity: Severity) -> Iterator[Problem]:
    """The rule kind ``words-from-evidence``: a statement says only, and all of, what its quotes say.

    KD640: a word of the statement neither its quotes nor its readings hold (the rule's listed words and the
    subject's name where the article gives it are allowed). KD626: a negation the two do not agree on (see
    `_polarity_problems`). KD627: a word of a statement quote, or of a splice's gap, that no record states.
    """
    allowed = _word_set(rule.get("words", ()))
    dropped: list[tuple[RawRecord, list[_Dropped]]] = []
    for record in active["claim"] + active["caveat"]:
        value = record.value
        statement = value.get("statement")
        if not isinstance(statement, str) or any(path[0] in ("evidence", "readings") for path in record.taken):
            continue  # a refused span or reading was reported at its line: what the record quotes is not known
        evidence = [s for s in value.get("evidence") or () if "quote" in s]
        quoted = [s["quote"] for s in evidence]
        readings = value.get("readings")
        read = {w for r in readings for w in _reading_words(r, evidence, active)} if readings else set()
        held = _stems(quoted[0]) if len(quoted) == 1 else _word_set(quoted)
        said = _stems(statement)
        # Most statements add nothing: told by set differences before any word is looked at.
        new = said - held - allowed - read
        subject = active.subject_words(value.get("subject")) if new else frozenset()
        if not new.isdisjoint(subject):  # the subject is named with the words the article names it with there
            new = new - (subject & active.region_words(record))
            new = new - active.lent(record) if new else new  # KD637 says why the name lends them
        added = sorted(w for w, stem in zip(*_words(statement), strict=True) if stem in new) if new else []
        if added:
            msg = (f"rule {short(rule['id'])}: the statement says {short(', '.join(added))}, which neither its "
                   "evidence nor its readings hold: a statement says only what its quotes say")  # fmt: skip
            yield record.problem("KD640", ("statement",), msg, severity=severity)
        if not _plain(statement, evidence, active.texts):
            yield from _punctuation_added(rule, record, statement, evidence, active.texts, severity)
        stretches = active.stretches(record)
        yield from _polarity_problems(rule, record, statement, quoted, stretches.governed, active, severity)
        left_out = value.get("leaves_out")
        kept = said | read | _word_set(str(e.get("text", "")) for e in left_out or ()) if read or left_out else said
        missing = _dropped_words(evidence, kept)
        gapped = _dropped_words(list(stretches.gaps), kept) if stretches.gaps else []
        if gapped:  # KD630 names the words a splice skips that bind its next quote, and where
            skipped = active.skipped(record)
            missing += [d for d in gapped if d[5].casefold() not in skipped]
        if missing:
            dropped.append((record, missing))
    yield from _dropped_problems(rule, dropped, active, severity)


# A question, an exclamation or quotation marks change what a statement asserts as surely as a word (A6-7):
# "…a trained medical professional?" asks what the article says; "side effects" in quotation marks doubts it.
# Each mark in its other spellings too (full-width, interrobang, inverted, guillemets, low and corner quotes).
_ASKS = "?!\u2026\uff1f\uff01\u203d\u2047\u2048\u2049\u00bf\u00a1\u2753\u2754\u2755\u2757\ufe56\ufe57"
_QUOTES = '"`\uff02\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f'
_SINGLE = "'\u2018\u2019\u201a\u201b"  # an apostrophe as well: a quotation mark only where it opens a word
_CLOSERS = ")]" + _QUOTES + _SINGLE
_QUOTATION = re.compile(rf"[{re.escape(_QUOTES)}]|(?<!\w)[{re.escape(_SINGLE)}](?=\w)")
_LAST_MARK = re.compile(rf"([.{re.escape(_ASKS)}]+)[{re.escape(_CLOSERS)}]*$")
_NEXT_MARK = re.compile(rf"[{re.escape(_CLOSERS)}]*([.{re.escape(_ASKS)}]+)")
_ASKING = re.compile(f"[{re.escape(_ASKS)}]")


def _punctuation_added(
    rule: dict[str, Any],
    record: RawRecord,
    statement: str,
    evidence: list[dict[str, Any]],
    texts: Mapping[str, SourceText],
    severity: Severity,
) -> Iterator[Problem]:
    """KD640: a statement ends as a stating quote's sentence does, and adds no "?", "!" or quotation marks."""
    evidence = [s for s in evidence if type(s.get("start")) is int and type(s.get("end")) is int]  # else refused
    stating = [s for s in evidence if s.get("role") != "context"]
    last = _LAST_MARK.search(statement)
    end = last.group(1) if last else ""
    ends = {_quote_end(s, texts) for s in stating}
    added = [f"ends {end!r} where its quotes end {' or '.join(map(repr, sorted(ends)))}"] if (
        end and stating and end not in ends) else []  # fmt: skip
    inner = statement[: last.start()] if last else statement
    held = {c for s in stating for c in _ASKING.findall(str(s["quote"]))}
    added += [f"says {c!r}, which its quotes do not" for c in sorted(set(_ASKING.findall(inner)) - held)]
    marks = len(_QUOTATION.findall(statement))
    if marks and marks > _quotation_marks(evidence, texts):
        added.append("puts words in quotation marks the article does not")
    if added:
        msg = (f"rule {short(rule['id'])}: the statement {'; '.join(added)}: a statement asserts only what its "
               "quotes say, as they say it")  # fmt: skip
        yield record.problem("KD640", ("statement",), msg, severity=severity)


def _plain(statement: str, evidence: list[dict[str, Any]], texts: Mapping[str, SourceText]) -> bool:
    """True for most statements: one "." at the end, no other mark, from quotes that ask nothing (nothing to check)."""
    return (statement.endswith(".") and not statement.endswith("..") and not _marked(statement)
            and not _may_ask(evidence, texts))  # fmt: skip


def _marked(statement: str) -> bool:
    """Whether the statement holds a "?", "!" or a quotation mark (substring tests: most statements hold none)."""
    if "?" in statement or "!" in statement or '"' in statement or "'" in statement or "`" in statement:
        return True
    return not statement.isascii() and any(mark in statement for mark in _ASKS + _QUOTES + _SINGLE)


def _may_ask(evidence: list[dict[str, Any]], texts: Mapping[str, SourceText]) -> bool:
    """Whether a "?", "!" or "…" of the article stands within three characters of a stating span's end.

    Only then may a statement that ends with "." and holds no mark end otherwise than its quotes do.
    """
    for span in evidence:
        src = texts.get(str(span.get("source"))) if span.get("role") != "context" else None
        asks, end = _asking(src) if src is not None else (), span.get("end")
        if asks and type(end) is int:
            at = bisect.bisect_left(asks, end - 3)
            if at < len(asks) and asks[at] < end + 3:
                return True
    return False


@functools.lru_cache(maxsize=8)
def _asking(src: SourceText) -> tuple[int, ...]:
    """Where the source's text has a "?", "!" or "…", in order (a source text is its own key: no text is compared)."""
    return tuple(m.start() for m in _ASKING.finditer(src.text))


def _quote_end(span: dict[str, Any], texts: Mapping[str, SourceText]) -> str:
    """How a statement of the span ends: as the span's sentence does where it reaches its end, else with "."."""
    own = _LAST_MARK.search(str(span["quote"]))
    src = texts.get(str(span.get("source")))
    after = _NEXT_MARK.match(src.text, span["end"]) if src is not None and not own else None
    found = own or after
    return found.group(1) if found else "."


def _quotation_marks(evidence: list[dict[str, Any]], texts: Mapping[str, SourceText]) -> int:
    """The quotation marks the article has in the record's quotes or right around them (around "Special K")."""
    found = set()
    for span in evidence:
        src = texts.get(str(span.get("source")))
        if src is not None:
            low, high = max(0, span["start"] - 2), span["end"] + 2
            found |= {(span["source"], m.start()) for m in _QUOTATION.finditer(src.text, low, high)}
    return len(found)


def _polarity_problems(
    rule: dict[str, Any],
    record: RawRecord,
    statement: str,
    quoted: list[str],
    governed: tuple[str, ...],
    active: EvidenceWords,
    severity: Severity,
) -> Iterator[Problem]:
    """KD626: the statement and what governs its stated words agree on every negation.

    A negation governing the stated words (in a stating quote, before a stating span in its clause, or
    between two stating spans of a sentence) is never excused by ``leaves_out``: whatever the reason, a
    statement without it says the opposite of the article. A negation KD633 (of a stating quote) or KD630
    (skipped by a splice) reports for the record is not reported again here: those say where it stands.
    """
    said, evidence = _negations_in(statement), _negations_in(quoted[0]) if len(quoted) == 1 else _negated(quoted)
    if not said and not evidence and not governed:
        return  # no negation anywhere: nothing to agree on (a stating quote is one of the quotes)
    stating = _negated([*_stating_quotes(record.value.get("evidence") or []), *governed])
    for word, after in sorted(said - evidence):
        msg = (f"rule {short(rule['id'])}: the statement puts {word!r} before {short(after)}, and no quote does: a "
               "moved or added negation turns the article's words around")  # fmt: skip
        yield record.problem("KD626", ("statement",), msg, severity=severity)
    missing = sorted(stating - said)
    reported = active.negations_reported(record) if missing else frozenset()  # KD633, KD630 say where
    for word, after in missing:
        if word in reported:
            continue
        msg = (f"rule {short(rule['id'])}: the article puts {word!r} before {short(after)}, governing the stated "
               "words, and the statement does not: keep the negation before the words it negates (leaves_out never "
               "excuses a negation)")  # fmt: skip
        yield record.problem("KD626", ("evidence",), msg, severity=severity)


# A word a statement quote holds and its statement does not: (source, span start, span end, offset, stem, word).
_Dropped = tuple[str, int, int, int, str, str]


def _dropped_words(evidence: list[dict[str, Any]], kept: AbstractSet[str]) -> list[_Dropped]:
    """The words of the statement quotes that the statement, its readings and its ``leaves_out`` all lack."""
    found = []
    for span in evidence:
        start, end = span.get("start"), span.get("end")
        if span.get("role") != "statement" or not isinstance(start, int) or not isinstance(end, int):
            continue
        if _stems(span["quote"]) <= kept or _content_stems(span["quote"]) <= kept:
            continue  # the statement says every word: the quote is not cut into places
        for at, stem, compound in _content_words(span["quote"]):
            if stem not in kept:
                found.append((str(span.get("source")), start, end, start + at, stem, compound))
    return found


def _dropped_problems(
    rule: dict[str, Any], dropped: list[tuple[RawRecord, list[_Dropped]]], active: EvidenceWords, severity: Severity
) -> Iterator[Problem]:
    """KD627: a word of a statement quote no record states.

    A sentence split into one fact per claim leaves each claim's part to another ("physical and mental
    health", claims 014 and 015): a word is stated there when another record of the same kind says it in its
    statement and covers it with a stating span. A caveat restating a claim's passage (caveat-006 and
    claim-048) covers no word the claim drops, nor the other way round: each is read on its own.
    """
    if not dropped:
        return
    stated = _stated_elsewhere({(r.kind, *d[:5]) for r, found in dropped for d in found}, active)
    for record, found in dropped:
        # A claim never leaves out the name of its own object, whoever else states it.
        own = active.object_words(record) if record.kind == "claim" else frozenset()
        words = list(dict.fromkeys(d[5] for d in found if (record.kind, *d[:5]) not in stated or d[4] in own))
        if words:
            msg = (f"rule {short(rule['id'])}: the statement leaves out {short(', '.join(words))} of its quote, "
                   "and no other record states it: a dropped modifier widens the claim; say it, "
                   "or say in leaves_out why it does not govern the record")  # fmt: skip
            yield record.problem("KD627", ("statement",), msg, severity=severity)


# A dropped word looked for in the other records: (kind, source, span start, span end, offset, stem).
_Wanted = tuple[str, str, int, int, int, str]


def _stated_elsewhere(wanted: set[_Wanted], active: EvidenceWords) -> set[_Wanted]:
    """Which dropped words another record of the same kind states (see `_dropped_problems`).

    One pass over the records, which stops once every one is found.
    """
    by_place: dict[tuple[str, str], list[_Wanted]] = {}
    for key in sorted(wanted, key=lambda k: (k[0], k[1], k[4])):
        by_place.setdefault((key[0], key[1]), []).append(key)
    offsets = {place: [k[4] for k in found] for place, found in by_place.items()}
    stated: set[_Wanted] = set()
    for record in active["claim"] + active["caveat"]:
        statement = record.value.get("statement")
        spans = [s for s in record.value.get("evidence") or () if s.get("role") != "context"
                 and (record.kind, s.get("source")) in by_place and isinstance(s.get("start"), int)
                 and isinstance(s.get("end"), int)]  # fmt: skip
        if not spans or not isinstance(statement, str):
            continue
        said = _stems(statement)
        if record.kind == "claim":  # the word names the other claim's object: its own fact, not a modifier of both
            said = said & active.object_words(record)
        for span in spans:
            place = (record.kind, span["source"])
            found, first = by_place[place], offsets[place]
            for key in found[bisect.bisect_left(first, span["start"]) : bisect.bisect_left(first, span["end"])]:
                if key[5] in said:  # the record dropping the word does not say it: this is another record
                    stated.add(key)
        if len(stated) == len(wanted):
            break
    return stated


# --- KD650-KD652: the order of the quoted words, the word a hedge governs, a literal object's negation --------


def order_problems(index: RecordIndex, concepts: Mapping[str, dict[str, Any]]) -> Iterator[Problem]:
    """KD650, KD651 and KD652 over every claim and caveat a release carries (active or deprecated).

    A statement made of its quote's words can still say the opposite of it ("has been ineffective as a
    potential treatment … where other treatments have gained attention"): which words it uses is checked
    elsewhere; here, in which order and next to which word.
    """
    for record in index.valid("claim") + index.valid("caveat"):
        v = record.value
        statement = v.get("statement")
        if v.get("status") == "withdrawn" or not isinstance(statement, str):
            continue
        quotes = _stating_quotes([s for s in v.get("evidence") or () if isinstance(s, dict)])
        if not quotes:
            continue  # KD632 says so
        if any(q != statement for q in quotes):  # a statement that is its quote keeps its order (the benchmark's)
            yield from _order(record, statement, quotes, _object_names(v, concepts))
            yield from _governed(record, statement, quotes)
        obj = v.get("object")
        if isinstance(obj, dict) and isinstance(obj.get("value"), str):
            every = [str(s["quote"]) for s in v["evidence"] if isinstance(s, dict) and "quote" in s]
            if any(_maybe_negated(q) for q in every):  # most quotes hold no negation at all
                yield from _object_negations(record, obj["value"], every)


def _object_names(value: dict[str, Any], concepts: Mapping[str, dict[str, Any]]) -> frozenset[str]:
    """The stems of a claim's object's names: its literal value, or its concept's label and synonyms."""
    obj = value.get("object")
    if not isinstance(obj, dict):
        return frozenset()
    if isinstance(obj.get("value"), str):
        return _stems(obj["value"])
    concept = concepts.get(str(obj.get("concept")))
    if concept is None:
        return frozenset()
    names = [str(concept.get("label", ""))]
    names += [str(g.get("text", "")) for g in concept.get("synonyms") or () if isinstance(g, dict)]
    return frozenset(_word_set(names))


def _fronted(statement: str, names: frozenset[str]) -> int:
    """Where the statement's opening phrase ends, when it opens with its object's name; else 0.

    A statement may name its object first ("Anesthesia is one of the two things ketamine is primarily used
    for"): the opening phrase (its words up to the first function word) is then read apart from the order.
    """
    words = list(_WORD.finditer(statement))
    while words and words[0].group().casefold() in _ARTICLE:
        words.pop(0)
    if not words or _stem(words[0].group().casefold()) not in names:
        return 0
    end = words[0].end()
    for w in words[1:]:
        if w.group().casefold() in _FUNCTION:
            break
        end = w.end()
    return end


def _parts(statement: str) -> list[tuple[int, int]]:
    """The parentheses of a statement, each read in order on its own: a sibling moved there ("(and dissociative)")."""
    found, at = [], statement.find("(")
    while at != -1:
        end = statement.find(")", at)
        if end == -1:
            break
        found.append((at, end))
        at = statement.find("(", end)
    return found


def _order(record: RawRecord, statement: str, quotes: list[str], names: frozenset[str]) -> Iterator[Problem]:
    """KD650: the statement puts the words of a stating quote in another order, or swaps a passive's agent.

    The words compared are the content words the statement and the quote share, less the record's hedge and
    qualifiers (KD651 keeps those next to their word) and an opening phrase naming the object (`_fronted`).
    The text outside parentheses and each parenthesis are read on their own.
    """
    hedged = _word_set(_recorded(record.value))
    passive = any(" by " in q or " By " in q for q in quotes)
    if not passive and all(q == statement or _in_order(statement, q, hedged) for q in quotes):
        return  # most statements: their first words in the quote's order, read from the words already cut
    front = _fronted(statement, names)
    parts = _parts(statement)
    said = [(at, s) for at, s, _ in _content_words(statement) if at >= front and s not in hedged]
    moved: list[str] = []
    for quote in quotes:
        if quote == statement:
            continue
        held = [s for _, s, _ in _content_words(quote)]
        shared = frozenset(held)
        for part in range(-1, len(parts)):
            inside = [s for at, s in said if s in shared and _part_of(at, parts) == part]
            if len(inside) < 2:
                continue
            wanted = frozenset(inside)
            lost = _out_of_order(inside, [s for s in held if s in wanted])
            moved += [s for s in lost if s not in moved]
    swapped = list(_agents_swapped(statement, quotes))
    if moved or swapped:
        words = [w for at, s, w in _content_words(statement) if s in moved]
        shown = ", ".join(dict.fromkeys(words))
        what = f"puts {short(shown)} elsewhere in its sentence than the quote does" if words else ""
        if swapped:
            what += ("; " if what else "") + "; ".join(swapped)
        msg = (f"the statement {what}: the quote's own words in another order can say the opposite of the article "
               "(who is monitored by whom, what has been ineffective); keep the quote's order and roles")  # fmt: skip
        yield record.problem("KD650", ("statement",), msg)


def _in_order(statement: str, quote: str, hedged: AbstractSet[str]) -> bool:
    """Whether the statement's content words the quote holds come first in the quote's order (each word once)."""
    said_words, said_stems = _words(statement)
    held = frozenset(_words(quote)[1]) - hedged
    said = [s for w, s in zip(said_words, said_stems, strict=True) if s in held and w not in _FUNCTION]
    wanted = frozenset(said)
    order = iter([s for s in _words(quote)[1] if s in wanted])
    return all(s in order for s in said)


def _part_of(at: int, parts: list[tuple[int, int]]) -> int:
    return next((i for i, (start, end) in enumerate(parts) if start < at < end), -1)


def _out_of_order(said: list[str], held: list[str]) -> list[str]:
    """The stems of ``said`` outside a longest run it shares, in order, with ``held`` (each said once there)."""
    it = iter(held)
    if all(s in it for s in said):
        return []  # in order: most statements
    rows = [[0] * (len(held) + 1) for _ in range(len(said) + 1)]
    for i in range(len(said) - 1, -1, -1):
        for j in range(len(held) - 1, -1, -1):
            rows[i][j] = rows[i + 1][j + 1] + 1 if said[i] == held[j] else max(rows[i + 1][j], rows[i][j + 1])
    kept, i, j = set(), 0, 0
    while i < len(said) and j < len(held):
        if said[i] == held[j]:
            kept.add(said[i])
            i, j = i + 1, j + 1
        elif rows[i + 1][j] >= rows[i][j + 1]:
            i += 1
        else:
            j += 1
    return [s for s in dict.fromkeys(said) if s not in kept]


_PASSIVE = re.compile(r"(?<!\w)(\w+(?:ed|en))\s+by(?!\w)", re.IGNORECASE)
_BY = re.compile(r"\w+\s+by(?!\w)", re.IGNORECASE)


def _next_stem(text: str, at: int) -> str:
    """The stem of the first content word of ``text`` at or after offset ``at`` ('' at its end)."""
    return _next_word(text, at)[0]


def _next_word(text: str, at: int) -> tuple[str, str]:
    """The first content word of ``text`` at or after offset ``at``, as (stem, word); ('', '') at its end."""
    for where, stem, _ in _content_words(text):
        if where >= at:
            found = _WORD.match(text, where)
            return stem, found.group() if found else stem
    return "", ""


def _agents_swapped(statement: str, quotes: list[str]) -> Iterator[str]:
    """A passive of a quote ("monitored by a healthcare professional") whose agent the statement changes.

    The statement keeps the agent after "by", or, turned active, before the verb.
    """
    said = _stems(statement)
    for quote in quotes:
        for m in _PASSIVE.finditer(quote):
            verb, (agent, word) = _stem(m.group(1).casefold()), _next_word(quote, m.end())
            if not agent or verb not in said:
                continue
            places = [at for at, s, _ in _content_words(statement) if s == verb]
            first = next((at for at, s, _ in _content_words(statement) if s == agent), None)
            if not any(
                _next_stem(statement, by.end()) == agent if (by := _BY.match(statement, at)) else
                first is None or first < at for at in places
            ):  # fmt: skip
                yield f"makes another than {word!r} the agent of {m.group(1)!r} ({m.group()} {word} in the quote)"


@functools.lru_cache(maxsize=1024)
def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, text.split())) + r"(?!\w)", re.IGNORECASE)


def _governed(record: RawRecord, statement: str, quotes: list[str]) -> Iterator[Problem]:
    """KD651: a hedge or qualifier the statement keeps stands before another word than in its quote.

    "a potential treatment" made "potential attention as a treatment" keeps every word and hedges the wrong
    one. Only a word the statement says is asked for: a statement that drops it ("each session usually lasts"
    for "usually involves a series of sessions, with each session lasting") is the dropped-word rules'.
    """
    said = _stems(statement)
    for text in _recorded(record.value):
        if not isinstance(text, str) or not text.strip():
            continue
        pattern = _phrase(text)
        wanted = {g for q in quotes for m in pattern.finditer(q) if (g := _next_word(q, m.end()))[0] in said}
        found = {_next_stem(statement, m.end()) for m in pattern.finditer(statement)}
        if not found:
            continue  # the statement drops the hedge: KD313 says so
        for word in sorted({w for s, w in wanted if s not in found}):
            msg = (f"the quote puts {text!r} before {word!r}, the statement before another word: a hedge moved off "
                   "the word it governs hedges the wrong fact; keep it before the word it governs")  # fmt: skip
            yield record.problem("KD651", ("statement",), msg)


def _places(needle: str, text: str) -> Iterator[int]:
    """Where ``needle`` stands whole in ``text``, ignoring case."""
    if needle.isascii() and text.isascii():
        yield from whole_at(text.lower(), needle.lower())
    else:
        yield from (m.start() for m in _phrase(needle).finditer(text))


def _object_negations(record: RawRecord, literal: str, quotes: list[str]) -> Iterator[Problem]:
    """KD652: a literal object cut from after a negation that governs it ("fully understood" of "not fully understood").

    The triple is the claim's machine-readable form: its object keeps the negation its quote puts before it
    in its phrase, as the statement must (KD633).
    """
    kept = {w for w, _ in _negations_in(literal)}
    for quote in quotes:
        for at in _places(literal, quote):
            before = quote[:at]
            stops = [b.end() for b in _BREAK.finditer(before)]
            lost = {w for w, _ in _negations_in(before[stops[-1] if stops else 0 :])} - kept
            if lost:
                negation = ", ".join(sorted(lost))
                msg = (f"the object {short(literal)} stands after {negation!r} in its quote and drops it: the "
                       "triple would say the opposite of the article; keep the negation in the value")  # fmt: skip
                yield record.problem("KD652", ("object", "value"), msg)
                return
