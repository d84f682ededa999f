"""Content governance: review trails, and the rules the data declares for itself (see ``data/rules.yaml``)."""

from __future__ import annotations

import bisect
import datetime
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from ketdata._model.negations import NEGATIONS
from ketdata._model.problems import Problem, Severity, problem, short
from ketdata._model.review import Links, caveat_links, content_digest, due_after
from ketdata._validation.fidelity import SourceText, restates
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex

REVIEWED = ("claim", "caveat")


def retired(status: object, superseded_by: object) -> bool:
    """True for a withdrawn or superseded record: nobody is asked to review it, so no count waits for it."""
    return status == "withdrawn" or bool(superseded_by)


def unreviewed_problems(record: RawRecord) -> list[Problem]:
    """An info if the (schema-valid) record needs review and has not had it; a warning if a reviewer flagged it.

    A withdrawn or superseded record needs no review: it is not counted as waiting for one.

    It reads the record alone, so it runs file by file with the schema check and is cached with it.
    """
    review = record.value.get("review")
    if record.kind not in REVIEWED or not isinstance(review, dict) or review.get("status") == "reviewed":
        return []
    if review.get("status") == "flagged":
        found = ", ".join(review.get("flags") or ())
        msg = f"flagged in review by {short(review.get('reviewed_by'))} on {review.get('reviewed_on')}: {found}"
        return [record.problem("KD612", ("review", "status"), msg)]
    if retired(record.value.get("status"), record.value.get("superseded_by")):
        return []
    # Located at the record's start: an info for every record must not cost a second parse.
    return [record.problem("KD601", (), f"{record.kind} not yet reviewed against its source")]


def overdue_problems(records: Iterable[RawRecord], today: datetime.date) -> Iterator[Problem]:
    """A warning for each record whose review was due before today (never cached: today moves)."""
    cutoff = today.isoformat()
    for record in records:
        review = record.value.get("review")
        due = review.get("review_due") if isinstance(review, dict) else None
        if isinstance(due, str) and due < cutoff and record.kind in REVIEWED:
            yield record.problem("KD602", ("review", "review_due"), f"review was due on {due}")


def review_problems(records: Sequence[RawRecord], today: datetime.date) -> Iterator[Problem]:
    """Reviews that cannot vouch for their record: changed since, dated in the future, or due too late.

    Never cached, since today moves. The records are as the schema check left them (a value of a wrong
    type taken out), so a review block read here has the schema's types or lacks the field.
    """
    links: dict[str, Any] | None = None
    for record in records:
        review = record.value.get("review")
        if record.kind not in REVIEWED or not isinstance(review, dict):
            continue
        yield from _review_fields(record, review)
        if review.get("status") == "unreviewed":
            continue
        if links is None:  # only once a review needs them
            links = caveat_links(r.value for r in records if r.kind == "caveat")
        yield from _stale_review(record, review, links.get(str(record.id), ()) if record.kind == "claim" else ())
        yield from _review_dates(record, review, today)


# The fields a review block of each status may not carry: nobody vouched for an unreviewed record, and a
# flagged one stays in the queue until it is fixed, so it falls due at no date.
_NOT_WITH = {
    "unreviewed": ("reviewed_by", "reviewer_role", "reviewed_on", "review_due", "content_sha256", "note"),
    "flagged": ("review_due",),
}


def _review_fields(record: RawRecord, review: dict[str, Any]) -> Iterator[Problem]:
    """KD628: a review block whose fields do not fit its status (a confirmed review that never falls due)."""
    status = review.get("status")
    for field in _NOT_WITH.get(str(status), ()):
        if field in review:
            msg = f"a review of status {status} has no {field}: drop it (or give the status the review has)"
            yield record.problem("KD628", ("review", field), msg)
    if status == "reviewed" and "review_due" not in review and ("review", "review_due") not in record.taken:
        msg = ("a confirmed review has no review_due, so it would never fall due: set it a year after reviewed_on "
               "(`ketdata review` does)")  # fmt: skip
        yield record.problem("KD628", ("review", "status"), msg)


def _stale_review(record: RawRecord, review: dict[str, Any], caveats: Links) -> Iterator[Problem]:
    digest = review.get("content_sha256")
    if record.taken or not isinstance(digest, str) or digest == content_digest(record.value, caveats):
        return  # a value refused at its own line is not content anyone could have reviewed: said there
    on, by = short(review.get("reviewed_on")), short(review.get("reviewed_by"))
    msg = (f"changed since its review of {on} by {by}: the review vouches for words it did not see; review it "
           "again, or set review: status unreviewed")  # fmt: skip
    yield record.problem("KD641", ("review",), msg)


def _review_dates(record: RawRecord, review: dict[str, Any], today: datetime.date) -> Iterator[Problem]:
    on, due = review.get("reviewed_on"), review.get("review_due")
    day = _date(on)
    if day is None:
        return
    if day > today:
        yield record.problem("KD642", ("review", "reviewed_on"), f"reviewed_on {on} is after today ({today})")
    latest = due_after(day)
    if isinstance(due, str) and (_date(due) or latest) > latest:
        msg = f"review_due {due} is more than a year after the review ({on}); a review falls due within a year"
        yield record.problem("KD642", ("review", "review_due"), msg, f"set review_due: '{latest.isoformat()}'")


def _date(text: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None  # not a calendar date: the schema check says so


class _Active:
    """The active records of each kind (from the run's index), the categories' parents and the sections."""

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
        self.parents: dict[str, Any] = {r.id: r.value.get("parent") for r in index.kind("category") if r.id}
        self.statuses = index.kind("evidence_status")
        self.labels = {r.id: r.value.get("label") for r in index.kind("concept") if r.id}
        self.concepts = index.kind("concept")  # concepts have no status
        self.sections: dict[str, tuple[str, int, int]] = {
            s["id"]: (str(r.id), s["start"], s["end"])
            for r in index.kind("source")
            for s in r.value.get("sections") or ()
            if {"id", "start", "end"} <= s.keys()
        }

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


def _descendants(parents: dict[str, Any], roots: list[str]) -> set[str]:
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
    return found


def _caveat_coverage(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    categories = _descendants(active.parents, list(rule.get("categories", ())))
    kinds = set(rule.get("caveat_kinds", ()))
    covered = {claim_id for v in active["caveat"] if v.value.get("kind") in kinds
               for claim_id in v.value.get("applies_to") or ()}  # fmt: skip
    for claim in active["claim"]:
        if claim.value.get("category") in categories and claim.id not in covered:
            msg = (f"rule {short(rule['id'])}: a {claim.value.get('category')} claim needs a caveat of kind "
                   f"{' or '.join(sorted(kinds))} applying to it")  # fmt: skip
            yield claim.problem("KD604", ("category",), msg, severity=severity)


def _caveat_targets(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    claims = {c.id for c in active["claim"]}
    for caveat in active["caveat"]:
        if claims.isdisjoint(caveat.value.get("applies_to") or ()):
            msg = f"rule {short(rule['id'])}: the caveat applies to no active claim"
            yield caveat.problem("KD605", ("applies_to",), msg, severity=severity)


# The forms of a strong word a rule lists: "cure" also forbids "cures", "cured", "curing", "curative".
_INFLECTIONS = "s|es|d|ed|ing|ly|r|st|ive|ative|atively"


def _forms(word: str) -> str:
    """A pattern for a listed word and its inflected forms (a final e dropped before a suffix).

    A listed third-person form stands for its verb too: "treats" also forbids "treat", "treated", "treating".
    """
    if not word.isalpha():  # a phrase is matched as written
        return re.escape(word)
    bases = [word]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        bases.append(word[:-1])
    stems = [b[:-1] if b.endswith("e") else b for b in bases]
    return (
        "(?:"
        + "|".join(f"{re.escape(b)}|{re.escape(s)}(?:{_INFLECTIONS})" for b, s in zip(bases, stems, strict=True))
        + ")"
    )


def _strong_wording(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    words = sorted(rule.get("words", ()), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(_forms(w) for w in words) + r")\b", re.IGNORECASE)
    statuses = set(rule.get("statuses", ()))
    within = _wording_scope(rule, active)
    yield from _strong_glosses(rule, pattern, active, severity, within)
    yield from _strong_editorial(rule, pattern, active, severity, within)
    for claim in active["claim"]:
        statement = claim.value.get("statement")
        if claim.value.get("evidence_status") not in statuses or not isinstance(statement, str):
            continue
        if within is not None and claim.id not in within:
            continue
        for match in pattern.finditer(statement):
            line, column = claim.mark("statement")
            source_line = claim.doc_line(line)
            found = source_line.find(match.group()) if source_line else -1
            msg = (f"rule {short(rule['id'])}: {short(match.group())} is too strong for a claim whose evidence "
                   f"status is {short(claim.value.get('evidence_status'))}")  # fmt: skip
            yield problem("KD606", claim.file, line, found + 1 if found >= 0 else column, claim.id, msg,
                          severity=severity)  # fmt: skip


def _wording_scope(rule: dict[str, Any], active: _Active) -> set[str] | None:
    """The ids of the records a strong-wording rule with ``categories`` or ``caveat_kinds`` reads; None: every record.

    Such a rule is about one subject, such as side effects and safety: the claims of its categories
    (subcategories included), the caveats of its kinds, and the concepts the claims relate. Their editors' own
    words ("rare and mild", "need not warn") would soften what the article warns of. (Not every claim a
    safety warning applies to: the article's first warning governs the whole article.)
    """
    if "categories" not in rule and "caveat_kinds" not in rule:
        return None
    categories = _descendants(active.parents, list(rule.get("categories", ())))
    kinds = set(rule.get("caveat_kinds", ()))
    caveats = [c for c in active["caveat"] if c.value.get("kind") in kinds]
    claims = [c for c in active["claim"] if c.value.get("category") in categories]
    related = {str(c.value.get("subject")) for c in claims}
    related |= {str(o.get("concept")) for c in claims if isinstance(o := c.value.get("object"), dict)}
    return {str(r.id) for r in (*claims, *caveats)} | related


def _strong_glosses(
    rule: dict[str, Any], pattern: re.Pattern[str], active: _Active, severity: Severity, within: set[str] | None
) -> Iterator[Problem]:
    """Strong words in a concept's external gloss or synonym, whatever any claim's status.

    Such a gloss is not from the article, so no evidence backs it, yet every export shows it as medical content.
    """
    for concept in active.concepts:
        if within is not None and concept.id not in within:
            continue
        v = concept.value
        glosses: list[tuple[tuple[str | int, ...], Any]] = [(("definition",), v.get("definition"))]
        glosses += [(("synonyms", i), g) for i, g in enumerate(v.get("synonyms") or ())]
        for path, gloss in glosses:
            text = gloss.get("text") if isinstance(gloss, dict) and gloss.get("origin") == "external" else None
            match = pattern.search(text) if isinstance(text, str) else None
            if match is not None:
                msg = (f"rule {short(rule['id'])}: {short(match.group())} is too strong for a gloss no article "
                       "passage supports")  # fmt: skip
                yield concept.problem("KD606", (*path, "text"), msg, severity=severity)


# The editors' own words in a claim or caveat that every export shows beside the article's: no evidence backs them.
_EDITORIAL = (("reason",), ("scope_reason",), ("readings", "means"), ("readings", "why"), ("leaves_out", "why"),
              ("notes", "text"), ("notes", "reason"))  # fmt: skip


def _editorial_texts(value: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each free text of the editors in a record (not a quote, not a statement), with its path."""
    for field, *key in _EDITORIAL:
        found = value.get(field)
        if isinstance(found, str) and not key:
            yield (field,), found
        for i, entry in enumerate(found if isinstance(found, list) and key else ()):
            text = entry.get(key[0]) if isinstance(entry, dict) else None
            if isinstance(text, str):
                yield (field, i, key[0]), text


def _strong_editorial(
    rule: dict[str, Any], pattern: re.Pattern[str], active: _Active, severity: Severity, within: set[str] | None
) -> Iterator[Problem]:
    """Strong words in the editors' own texts (readings, reasons, notes, link reasons), whatever the status."""
    records = [r for r in (*active["claim"], *active["caveat"]) if within is None or r.id in within]
    texts = [(r, path, text) for r in records for path, text in _editorial_texts(r.value)]
    texts += [(c, ("link_sources", i, "reason"), s["reason"]) for c in active.concepts
              if within is None or c.id in within for i, s in enumerate(c.value.get("link_sources") or ())
              if isinstance(s, dict) and isinstance(s.get("reason"), str)]  # fmt: skip
    for record, path, text in texts:
        match = pattern.search(text)
        if match is not None:
            said = "is too strong for" if within is None else "would soften what the article warns of in"
            msg = (f"rule {short(rule['id'])}: {short(match.group())} {said} the editors' own words, which no "
                   "article passage supports")  # fmt: skip
            yield record.problem("KD606", path, msg, severity=severity)


def _ranges(scope: dict[str, Any], active: _Active) -> list[tuple[str, int, int]]:
    ranges = [active.sections[s] for s in scope.get("sections", ()) if s in active.sections]
    spans = [r for r in scope.get("spans", ()) if {"source", "start", "end"} <= r.keys()]
    return ranges + [(r["source"], r["start"], r["end"]) for r in spans]


def _placeless(spans: Any, *, stating: bool = False) -> bool:
    """Whether a span lost its place: an offset of the wrong type was taken out (KD104 says so)."""
    return any(isinstance(s, dict) and not (stating and (s.get("role") == "context" or "revision" in s))
               and not (isinstance(s.get("start"), int) and isinstance(s.get("end"), int))
               for s in (spans if isinstance(spans, list) else ()))  # fmt: skip


def _caveat_scope(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    # A claim or caveat whose span lost its place may lie anywhere: not called outside a scope on that ground.
    actives = {str(c.id) for c in active["claim"] if not _placeless(c.value.get("evidence"), stating=True)}
    for caveat in active["caveat"]:
        scope, listed = caveat.value.get("scope") or {}, caveat.value.get("applies_to") or []
        judged = not _placeless(scope.get("spans")) and all(s in active.sections for s in scope.get("sections", ()))
        ranges = _ranges(scope, active)
        inside = {c for c in scope.get("claims", ()) if c in actives}
        # A claim with a span that states it or its item inside a range (a context span only explains it), unless
        # it only restates the caveat: then it is the caveat, not a claim it qualifies (KD321).
        within = [c for source, start, end in ranges for c in active.index.claims_stated_within(source, start, end)]
        inside |= {str(c.id) for c in within if not restates(c.value, caveat.value)}
        for claim_id in sorted(inside - set(listed)):
            msg = f"rule {rule['id']!r}: {claim_id} lies in the caveat's scope but is not in its applies_to"
            yield caveat.problem("KD608", ("applies_to",), msg, severity=severity)
        for i, claim_id in enumerate(listed):
            if judged and claim_id in actives and claim_id not in inside:
                msg = (f"rule {rule['id']!r}: {claim_id} is outside the caveat's scope; name it in scope.claims "
                       "or remove it from applies_to")  # fmt: skip
                yield caveat.problem("KD608", ("applies_to", i), msg, severity=severity)


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


def _words_in(pattern: re.Pattern[str], texts: Iterable[str]) -> set[str]:
    """The words of ``pattern`` (one alternation, matched whole, ignoring case) found in any of the texts."""
    return {m.group(1).casefold() for text in texts for m in pattern.finditer(text)}


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so that 'can sometimes' is found as such and not as 'can'.
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)", re.IGNORECASE)


class _Cues:
    """The words of a list found whole in a text, ignoring case, casefolded, as their `_alternation` finds them.

    As `_words_in` does: the longest word wins where several start, and no two found overlap.

    On ASCII text (and ASCII words) a substring search on the lower-cased text finds the few places the
    alternation would match, and the scan is repeated over those alone; the expression, tried at every
    position of every statement, cost most of the decision table's time.
    """

    def __init__(self, words: Iterable[str]) -> None:
        unique = set(words)
        self.pattern = _alternation(unique)
        self.lower = sorted({w.lower() for w in unique})
        self.ascii = all(w and w.isascii() for w in unique)

    def __call__(self, text: str) -> set[str]:
        if not (self.ascii and text.isascii()):
            return _words_in(self.pattern, [text])
        low = text.lower()
        # Where the alternation would match: each place a word stands whole, the longest first.
        places = sorted((at, -len(w)) for w in self.lower if w in low for at in _whole_at(low, w))
        found, end = set(), 0
        for at, minus in places:
            if at >= end:  # the scan goes on after a match: one starting inside it is not found
                end = at - minus
                found.add(low[at:end])
        return found


class _WholeWords:
    """Which of a few words stand whole in a text, ignoring case, as the look-ahead alternation finds them.

    On ASCII text a substring test on the lower-cased text rules most words out at C speed; only the words
    it finds are looked for whole, and at each place the first listed word wins, as in the alternation.
    (The regular expression, tried at every position, cost most of the time the data's own rules took.)
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = [(w, w.lower(), w.casefold()) for w in dict.fromkeys(words)]
        self.pattern = re.compile(r"(?=((?<!\w)(?:" + "|".join(re.escape(w) for w, _, _ in self.words) + r")(?!\w)))",
                                  re.IGNORECASE)  # fmt: skip
        self.seen: dict[str, frozenset[str]] = {}

    def __call__(self, texts: Iterable[str]) -> AbstractSet[str]:
        found: AbstractSet[str] = frozenset()
        for text in texts:
            found = found | self.one(text) if found else self.one(text)
        return found

    def one(self, text: str) -> frozenset[str]:
        """The words standing whole in one text."""
        known = self.seen.get(text)
        if known is None:
            # A statement is often its quote, and hedges recur: each text is looked through once per run.
            known = self.seen[text] = self._in(text)
        return known

    def _in(self, text: str) -> frozenset[str]:
        if not text.isascii():  # case-insensitive matching outside ASCII (a long s for an s): the expression decides
            return frozenset(_words_in(self.pattern, [text]))
        # As the alternation does: at each place a word starts, the first listed word standing whole there.
        low, first = text.lower(), dict[int, int]()
        for i, (_, lower, _) in enumerate(self.words):
            if lower in low:
                for at in _whole_at(low, lower):
                    first.setdefault(at, i)
        return frozenset(self.words[i][2] for i in first.values())


def _whole_at(text: str, word: str) -> Iterator[int]:
    """Where ``word`` stands whole in ``text`` (both lower case, ASCII): not inside a longer word."""
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        if not (at and _wordy(text[at - 1])) and not (end < len(text) and _wordy(text[end])):
            yield at
        at = text.find(word, at + 1)


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


def _qualifier_words(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    words_in = _WholeWords(rule["words"])
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


@dataclass(frozen=True, slots=True)
class _Row:
    """A decision-table row: the status it gives, its cue (casefolded) and the kinds of statement it decides."""

    status: str
    path: tuple[str | int, ...]
    record: RawRecord
    cue: str | None
    predicates: frozenset[str]
    categories: frozenset[str]
    experimental: bool | None

    def decides(self, claim: dict[str, Any], experimental: bool) -> bool:
        return (
            (not self.predicates or claim.get("predicate") in self.predicates)
            and (not self.categories or claim.get("category") in self.categories)
            and (self.experimental is None or self.experimental == experimental)
        )

    def pairs(self) -> Iterator[tuple[str | None, str, str, bool]]:
        for predicate in sorted(self.predicates) or ["*"]:
            for category in sorted(self.categories) or ["*"]:
                for experimental in [self.experimental] if self.experimental is not None else [True, False]:
                    yield self.cue, predicate, category, experimental


def _table(active: _Active) -> list[_Row]:
    return [
        _Row(str(s.id), ("decision", i), s, r["cue"].casefold() if "cue" in r else None,
             frozenset(r.get("predicates", ())), frozenset(r.get("categories", ())), r.get("experimental"))
        for s in active.statuses for i, r in enumerate(s.value.get("decision") or ()) if isinstance(r, dict)
    ]  # fmt: skip


def _ambiguous_rows(rows: list[_Row], severity: Severity) -> Iterator[Problem]:
    seen: dict[tuple[str | None, str, str, bool], _Row] = {}
    for row in rows:
        for key in row.pairs():
            first = seen.setdefault(key, row)
            if first.status != row.status:
                cue, predicate, category, experimental = key
                where = "inside" if experimental else "outside"
                msg = (f"cue {cue!r} with predicate {predicate!r}, category {category!r}, {where} an experimental "
                       f"passage gives both {first.status!r} and {row.status!r}")  # fmt: skip
                yield row.record.problem("KD613", row.path, msg, severity=severity)
                break


def _decision_table(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    rows = _table(active)
    if not rows:
        return
    yield from _ambiguous_rows(rows, severity)
    governing = set(rule.get("caveats", ()))
    inside = {cid for v in active["caveat"] if v.id in governing for cid in v.value.get("applies_to") or ()}
    cues_in = _Cues(r.cue for r in rows if r.cue)
    # What the table gives depends only on the cues, the predicate, the category and the passage: worked out
    # once for each such combination, which many claims share.
    given: dict[tuple[frozenset[str], Any, Any, bool], list[str]] = {}
    for claim in active["claim"]:
        v, experimental = claim.value, claim.id in inside
        if not isinstance(v.get("statement"), str) or v.get("evidence_status") is None or v.get("predicate") is None:
            continue  # its schema check reports it
        # The longest cue wins: 'can sometimes' is read as such, not also as 'can'.
        cues = cues_in(v["statement"])
        key = (frozenset(cues), v.get("predicate"), v.get("category"), experimental)
        statuses = given.get(key)
        if statuses is None:
            statuses = given[key] = _statuses(rows, cues, v, experimental)
        if len(statuses) == 1 and v["evidence_status"] == statuses[0]:
            continue
        kind = f"{v['predicate']!r} {'inside' if experimental else 'outside'} an experimental passage"
        words = ", ".join(map(repr, sorted(cues))) or "no cue"
        if not statuses:
            msg = f"rule {rule['id']!r}: no row of the decision table decides {words} with {kind}"
            yield claim.problem("KD614", ("evidence_status",), msg, severity=severity)
        elif len(statuses) > 1:
            msg = (f"rule {rule['id']!r}: the decision table gives {words} with {kind} "
                   f"{' and '.join(statuses)}: one pair, one status")  # fmt: skip
            yield claim.problem("KD613", ("evidence_status",), msg, severity=severity)
        elif v["evidence_status"] != statuses[0]:
            msg = (f"rule {rule['id']!r}: the decision table gives {words} with {kind} {statuses[0]!r}, "
                   f"not {v['evidence_status']!r}")  # fmt: skip
            yield claim.problem("KD610", ("evidence_status",), msg, severity=severity)


def _statuses(rows: list[_Row], cues: set[str], claim: dict[str, Any], experimental: bool) -> list[str]:
    """The statuses the table gives a claim with these cues: the rows of its cues, else those without a cue."""
    chosen = [r for r in rows if r.cue in cues and r.decides(claim, experimental)]
    chosen = chosen or [r for r in rows if r.cue is None and r.decides(claim, experimental)]
    return sorted({r.status for r in chosen})


def _status_in_scope(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    wanted = set(rule["caveats"])
    linked = {cid for v in active["caveat"] if v.id in wanted for cid in v.value.get("applies_to") or ()}
    for claim in active["claim"]:
        v = claim.value
        if (
            claim.id in linked
            and v.get("predicate") in rule["predicates"]
            and v.get("evidence_status") in rule["statuses"]
        ):
            msg = (f"rule {rule['id']!r}: a {v['predicate']} claim governed by {', '.join(sorted(wanted))} may not be "
                   f"{v['evidence_status']!r}")  # fmt: skip
            yield claim.problem("KD611", ("evidence_status",), msg, severity=severity)


_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


_NOT_WORD = bytes(c if chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256))
_ENDING = re.compile(r"(?:['\u2019]s|ing|ed|es|s)$")


@functools.lru_cache(maxsize=1 << 16)  # every statement and quote is cut into words: the same few thousand
def _stem(word: str) -> str:
    """A word without its English ending ("lasts", "lasting", "ketamine's": "last", "last", "ketamine").

    Crude on purpose: it only lets a statement inflect the article's own words; it never joins two words a
    reader would take for different facts, since what is left must still be a word the quotes hold.
    """
    stem = _ENDING.sub("", word)
    return stem if len(stem) >= 3 else word


def _word_set(texts: Iterable[str]) -> set[str]:
    """The stems of the words of some texts, casefolded."""
    return {stem for text in texts for stem in _stems(text)}


@functools.lru_cache(maxsize=1 << 16)  # a statement is often its quote, and quotes recur: each is cut once
def _stems(text: str) -> frozenset[str]:
    return frozenset(_words(text)[1])


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text's words, casefolded, each once, and their stems: every word check of a text reads these."""
    if not text.isascii():  # casefolding the whole text at once would differ: 'İ' folds to two characters
        found = [w.casefold() for w in _WORD.findall(text)]
    elif "'" in text:  # "can't" is one word
        found = _WORD.findall(text.lower())
    else:  # ASCII words are runs of letters, digits and '_': the rest made spaces, in C
        found = text.lower().encode().translate(_NOT_WORD).decode().split()
    words = tuple(dict.fromkeys(found))
    return words, tuple(map(_stem, words))


# A reading of these words names what they refer to; any other reading is a choice between meanings, whose
# words are the editors' and hold nothing for a statement.
_REFERRING = frozenset({"it", "its", "they", "them", "their", "this", "these", "that", "those"})


def _reading_words(reading: dict[str, Any], evidence: list[dict[str, Any]], active: _Active) -> set[str]:
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
    return held | (_word_set([means]) & active.antecedent_words(str(reading.get("source")), reading.get("start")))


def _words_from_evidence(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
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
        added = sorted(w for w, stem in zip(*_words(statement), strict=True) if stem in new) if new else []
        if added:
            msg = (f"rule {short(rule['id'])}: the statement says {short(', '.join(added))}, which neither its "
                   "evidence nor its readings hold: a statement says only what its quotes say")  # fmt: skip
            yield record.problem("KD640", ("statement",), msg, severity=severity)
        stretches = active.stretches(record)
        yield from _polarity_problems(rule, record, statement, quoted, stretches.governed, severity)
        left_out = value.get("leaves_out")
        kept = said | read | _word_set(str(e.get("text", "")) for e in left_out or ()) if read or left_out else said
        missing = _dropped_words([*evidence, *stretches.gaps] if stretches.gaps else evidence, kept)
        if missing:
            dropped.append((record, missing))
    yield from _dropped_problems(rule, dropped, active, severity)


# Negations are polarity words: a statement and its evidence must agree on each, and on what it negates.
_CANNOT = re.compile(r"(?<!\w)(can)(?:not|['\u2019]t)(?!\w)|n['\u2019]t(?!\w)", re.IGNORECASE)
# Words between a negation and what it negates ("not be used", "no more than").
_LINKING = frozenset({"a", "an", "the", "be", "been", "being", "any", "to", "so"})


def _negated(texts: Iterable[str]) -> set[tuple[str, str]]:
    """Each negation in the texts with the word it stands before ("not fully": ('not', 'fully'))."""
    return {pair for text in texts for pair in _negations_in(text)}


@functools.lru_cache(maxsize=1 << 16)  # statements and quotes recur (a sentence split over records): read once
def _negations_in(text: str) -> frozenset[tuple[str, str]]:
    low = text.lower()
    # Most texts: no word of theirs is a negation, and nothing _CANNOT would turn into one ("can't": "can not").
    if "n't" not in low and "n\u2019t" not in low and "cannot" not in low and NEGATIONS.isdisjoint(_words(text)[0]):
        return frozenset()
    found = set()
    words = [w.casefold() for w in _WORD.findall(_CANNOT.sub(lambda m: f"{m.group(1) or ''} not", text))]
    for i, word in enumerate(words):
        if word in NEGATIONS:
            after = next((w for w in words[i + 1 :] if w not in _LINKING), "")
            found.add((word, _stem(after) if after else ""))
    return frozenset(found)


def _polarity_problems(
    rule: dict[str, Any],
    record: RawRecord,
    statement: str,
    quoted: list[str],
    governed: tuple[str, ...],
    severity: Severity,
) -> Iterator[Problem]:
    """KD626: the statement and what governs its stated words agree on every negation.

    A negation governing the stated words (in a stating quote, before a stating span in its clause, or
    between two stating spans of a sentence) is never excused by ``leaves_out``: whatever the reason, a
    statement without it says the opposite of the article.
    """
    said, evidence = _negations_in(statement), _negations_in(quoted[0]) if len(quoted) == 1 else _negated(quoted)
    if not said and not evidence and not governed:
        return  # no negation anywhere: nothing to agree on (a stating quote is one of the quotes)
    stating = _negated([*_stating_quotes(record.value.get("evidence") or []), *governed])
    for word, after in sorted(said - evidence):
        msg = (f"rule {short(rule['id'])}: the statement puts {word!r} before {short(after)}, and no quote does: a "
               "moved or added negation turns the article's words around")  # fmt: skip
        yield record.problem("KD626", ("statement",), msg, severity=severity)
    for word, after in sorted(stating - said):
        msg = (f"rule {short(rule['id'])}: the article puts {word!r} before {short(after)}, governing the stated "
               "words, and the statement does not: keep the negation before the words it negates (leaves_out never "
               "excuses a negation)")  # fmt: skip
        yield record.problem("KD626", ("evidence",), msg, severity=severity)


# Words whose loss changes no fact: articles, linking words and pronouns a statement may rephrase.
_FUNCTION = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "by", "with", "as", "that",
    "which", "who", "it", "its", "this", "these", "those", "is", "are", "was", "were", "be", "been", "has", "have",
})  # fmt: skip

_COMPOUND = re.compile(r"\w+(?:['\u2019-]\w+)*")
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


@functools.lru_cache(maxsize=1 << 16)
def _content_stems(quote: str) -> frozenset[str]:
    return frozenset(map(_stem, frozenset(_words(quote)[0]) - _FUNCTION))


@functools.lru_cache(maxsize=1 << 16)  # a quote is cut into words once per run, however many records share it
def _content_words(quote: str) -> tuple[tuple[int, str, str], ...]:
    """The quote's words that are not function words: (offset, stem, the compound holding it)."""
    found = []
    for compound in _COMPOUND.finditer(quote):  # "treatment-resistant" is named whole
        for m in _WORD.finditer(compound.group()):
            word = m.group().casefold()
            if word not in _FUNCTION:
                found.append((compound.start() + m.start(), _stem(word), compound.group()))
    return tuple(found)


def _dropped_problems(
    rule: dict[str, Any], dropped: list[tuple[RawRecord, list[_Dropped]]], active: _Active, severity: Severity
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


def _stated_elsewhere(wanted: set[_Wanted], active: _Active) -> set[_Wanted]:
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


_CHECKS = {
    "caveat-coverage": _caveat_coverage,
    "caveat-targets": _caveat_targets,
    "strong-wording": _strong_wording,
    "caveat-scope": _caveat_scope,
    "qualifier-words": _qualifier_words,
    "decision-table": _decision_table,
    "status-in-scope": _status_in_scope,
    "words-from-evidence": _words_from_evidence,
}


def declared_rule_problems(index: RecordIndex, texts: Mapping[str, SourceText] | None = None) -> Iterator[Problem]:
    """The problems the data's own ``rule`` records find among the records.

    The records are as the schema check left them: a value of a wrong type taken out, so a field is either of
    its schema's type or absent, and a check skips what it cannot judge. Only the ``rule`` records that passed
    their schema are applied.
    """
    rules = index.valid("rule")
    if not rules:
        return
    active = _Active(index, texts or {})
    for rule in rules:
        yield from _CHECKS[rule.value["kind"]](rule.value, active, Severity(rule.value["severity"]))


def conflict_problems(index: RecordIndex) -> Iterator[Problem]:
    """Each ``conflicts_with`` link that the other claim does not return."""
    claims = {r.id: r for r in index.kind("claim") if r.id}
    for claim in claims.values():
        others = claim.value.get("conflicts_with")
        for i, other in enumerate(others if isinstance(others, list) else ()):
            back = claims[other].value.get("conflicts_with") if other in claims else None
            if other in claims and claim.id not in (back if isinstance(back, list) else ()):
                msg = f"conflicts with {other}, but {other} does not list {claim.id} in its conflicts_with"
                yield claim.problem("KD607", ("conflicts_with", i), msg)
