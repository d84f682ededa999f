"""The editors' glosses of a concept a harm, side-effect or safety claim names: its name and a fixed framing (A6-6).

A word list (KD606) catches "rare" and "mild", not "only at anesthetic doses", "transient and self-limiting" or
"occurs only with daily use for years": a reassurance has more wordings than any list. So the rule is
structural. Such a concept's external definition, each of its synonyms and the reasons given for them may hold
only the words of the concept's label (which the claims naming it tie to the article), the display of one of
its codes inside the fixed phrase "its code (…) is …", and a few fixed framing phrases that say where the name
comes from and what the article leaves open. Anything else (a frequency, a dose, a duration, a severity, a
number) is what the article says with evidence, or nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ketdata._model.problems import Problem, Severity, clipped, short
from ketdata._validation.fidelity import SourceText
from ketdata._validation.folder import RawRecord
from ketdata._validation.words import FUNCTION_WORDS, content_stems, stems, words


def _phrases(*phrases: str) -> re.Pattern[str]:
    """One pattern finding any of the phrases whole, ignoring case, whatever white space stands between words."""
    spaced = (r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(r"(?<!\w)(?:" + "|".join(spaced) + r")(?!\w)", re.IGNORECASE)


# Where the name comes from, and what the article leaves open (the shipped glosses' framing; kept tiny on purpose:
# a framing word free anywhere would let a new sentence be built from framing words).
_DEFINITION = _phrases("as the article names it", "as the article names them", "the article does not say which")
# A code named by its display, and how it relates to the concept: one of the concept's codes, with its relation.
_CODE = re.compile(
    r"(?<!\w)its\s+code\s+\(([^()]*)\)\s+is\s+(narrower|broader|a\s+close,\s+not\s+an\s+exact,\s+match"
    r"|a\s+related\s+match,\s+so\s+it\s+does\s+not\s+stand\s+for\s+the\s+concept)(?!\w)",
    re.IGNORECASE,
)
_RELATIONS = {"narrower": "skos:narrowMatch", "broader": "skos:broadMatch", "a close,": "skos:closeMatch",
              "a related": "skos:relatedMatch"}  # fmt: skip
# A plain-words synonym of a harm may call it one: that only names the harm, it never lessens it.
_SYNONYM = _phrases("harm to")
# Why the editors added a gloss: who added it, for whom, and that the article gives none.
_REASON = _phrases(
    "editorial gloss by ketdata's editors, for readers",
    "the article gives no definition",
    "plain-words synonym of the article's",
    "added by ketdata's editors",
)
# Why two concepts are linked: the editors read the article's two wordings as near or one as a kind of the other.
_LINK = _phrases(
    "editors' reading",
    "of the article's two wordings",
    "the article names",
    "a kind of",
    "broader, not equivalent",
    "related, not equivalent",
    "near, not equivalent",
)
# What may stand between the words once the framing is out: no "?", "!", quotation marks or symbols ("Hallucinations
# (?)" casts doubt on what the article states; "< 1 %" is a frequency).
_MARKS = re.compile(r"[^\w\s,;.:'\u2019()-]")
# In a definition or synonym, a quotation mark too ("'Hallucinations', as the article names them" doubts the name);
# a reason, and a link's, may quote the article's words. An apostrophe inside a word ("one's") is no quotation mark.
_QUOTING = re.compile(r"['\u2019](?!(?<=\w['\u2019])\w)")
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _relation(said: str) -> str:
    said = _norm(said)
    return next((r for start, r in _RELATIONS.items() if said.startswith(start)), "")


@functools.lru_cache(maxsize=1 << 12)  # the stock reasons recur on every concept: each is cut once
def _unframed(text: str, framing: re.Pattern[str], codes: frozenset[tuple[str, str]]) -> str:
    """The text without its framing phrases, and without each code phrase that names a code of the concept as it is."""
    if "(" in text:
        text = _CODE.sub(lambda m: " " if (_norm(m.group(1)), _relation(m.group(2))) in codes else m.group(), text)
    return framing.sub(" ", text)


# One text of the editors the rule reads: where it is, the text, the framing it may use, and the stems it may hold
# beside its concept's label (a link's reason: the other concept's label).
_Text = tuple[tuple[str | int, ...], str, re.Pattern[str], frozenset[str]]
_NONE: frozenset[str] = frozenset()


def _texts(value: dict[str, Any]) -> Iterator[_Text]:
    """An external definition and its reason; every synonym, and an external one's reason.

    A synonym marked as the article's is read too: the words are the article's, but that they name this
    concept is the editors' word ("typically last for about an hour" as a synonym of hallucinations).
    """
    definition = value.get("definition")
    if isinstance(definition, dict) and definition.get("origin") == "external":
        yield from _gloss(("definition",), definition, _DEFINITION)
    for i, synonym in enumerate(value.get("synonyms") or ()):
        if isinstance(synonym, dict):
            yield from _gloss(("synonyms", i), synonym, _SYNONYM)


def _gloss(path: tuple[str | int, ...], gloss: dict[str, Any], framing: re.Pattern[str]) -> Iterator[_Text]:
    if isinstance(gloss.get("text"), str):
        yield (*path, "text"), gloss["text"], framing, _NONE
    if gloss.get("origin") == "external" and isinstance(gloss.get("reason"), str):
        yield (*path, "reason"), gloss["reason"], _REASON, _NONE


def _links(concept: RawRecord, scope: set[str], labels: Mapping[str, str]) -> Iterator[_Text]:
    """The reason of each link joining the concept to another when either is in scope: both labels' words."""
    for i, link in enumerate(concept.value.get("link_sources") or ()):
        other = link.get("concept") if isinstance(link, dict) else None
        if isinstance(other, str) and isinstance(link.get("reason"), str) and (concept.id in scope or other in scope):
            yield ("link_sources", i, "reason"), link["reason"], _LINK, content_stems(labels.get(other, ""))


def _codes(value: dict[str, Any]) -> frozenset[tuple[str, str]]:
    """Each code of the concept as a gloss may name it: its display (normalised) and its relation."""
    codings = value.get("codings")
    return frozenset((_norm(c["display"]), str(c.get("relation"))) for c in codings
                     if isinstance(c, dict) and isinstance(c.get("display"), str)) \
        if isinstance(codings, list) else frozenset()  # fmt: skip


def _label(record: RawRecord) -> str:
    label = record.value.get("label")
    return label if isinstance(label, str) else ""


def name_bound_glosses(
    concepts: Iterable[RawRecord], scope: set[str], rule_id: str, severity: Severity
) -> Iterator[Problem]:
    """KD619: an editors' text on a concept in ``scope`` (one a harm or safety claim names) saying more than its name.

    Each word of the text, its framing phrases aside, must be a word of the concept's label (compared stemmed,
    ignoring case and function words), for a link's reason of either concept's label; and no mark but plain
    punctuation may stand between them.
    """
    concepts = tuple(concepts)
    labels = {str(c.id): _label(c) for c in concepts}
    for concept in concepts:
        label = labels[str(concept.id)]
        if not label:
            continue  # its schema check says so
        texts = [*_texts(concept.value)] if concept.id in scope else []
        texts += _links(concept, scope, labels)
        allowed, codes = content_stems(label), _codes(concept.value)
        for path, text, framing, also in texts:
            rest = _unframed(text, framing, codes)
            found, stemmed = words(rest)
            extra = [w for w, s in zip(found, stemmed, strict=True)
                     if s not in allowed and s not in also and w not in FUNCTION_WORDS]  # fmt: skip
            marks = "".join(sorted({*_MARKS.findall(rest), *(_QUOTING.findall(rest) if path[-1] == "text" else ())}))
            if extra or marks:
                yield _problem(concept, path, label, (extra, marks), rule_id, severity)


def _problem(
    concept: RawRecord,
    path: tuple[str | int, ...],
    label: str,
    added: tuple[list[str], str],
    rule_id: str,
    severity: Severity,
) -> Problem:
    extra, marks = added
    said = ", ".join(map(repr, extra[:8])) + (" …" if len(extra) > 8 else "")
    said += (" and " if said and marks else "") + (f"the marks {marks!r}" if marks else "")
    link = path[0] == "link_sources"
    named = "this concept or the one it links" if link else "this concept"
    whose = "the two labels' words" if link else "its label's words"
    where = ".".join(map(str, path))
    msg = (f"rule {short(rule_id)}: a harm, side-effect or safety claim names {named}, so its editors' {where} "
           f"may hold only {whose} and the fixed framing; it adds {clipped(said, 160)}")  # fmt: skip
    hint = ("quote the article (origin: article, with evidence), or reduce the text to the label's words: "
            f"{clipped(label, 80)}, as the article names it")  # fmt: skip
    return concept.problem("KD619", path, msg, hint, severity=severity)


def unnamed_article_glosses(
    concepts: Iterable[RawRecord], scope: set[str], texts: Mapping[str, SourceText], rule_id: str, severity: Severity
) -> Iterator[Problem]:
    """KD620: an article definition of a concept in ``scope`` quoting a sentence that does not name the concept.

    Marked as the article's, a definition escapes KD619; its quote must then come from where the article speaks
    of the concept (each sentence it reaches holds every word of the label), not from any passage ("typically
    last for about an hour" as the definition of hallucinations).
    """
    for concept in concepts:
        definition, label = concept.value.get("definition"), _label(concept)
        if concept.id not in scope or not label or not isinstance(definition, dict):
            continue
        span = definition.get("evidence")
        if definition.get("origin") != "article" or not isinstance(span, dict):
            continue
        source, start, end = texts.get(str(span.get("source"))), span.get("start"), span.get("end")
        if source is None or not (isinstance(start, int) and isinstance(end, int)):
            continue  # a source or an offset the schema or KD3xx checks refuse
        if any(not content_stems(label) <= stems(source.text[a:b]) for a, b in _reached(source, start, end)):
            msg = (f"rule {short(rule_id)}: a harm, side-effect or safety claim names this concept, and its "
                   f"definition quotes a sentence of the article that does not name it ({short(label)})")  # fmt: skip
            hint = "quote where the article speaks of the concept, or reduce the definition to its label's words"
            yield concept.problem("KD620", ("definition", "evidence"), msg, hint, severity=severity)


def _reached(source: SourceText, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The sentences a span reaches into, from the one holding its start (none when it starts outside any)."""
    sentence = source.sentence_at(start)
    while sentence is not None and sentence[0] < end:
        yield sentence
        sentence = source.sentence_after(sentence)
