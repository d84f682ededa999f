"""Content governance: review trails, and the rules the data declares for itself (see ``data/rules.yaml``).

The declared rules that compare a statement's words with its evidence (kinds ``words-from-evidence`` and
``qualifier-words``) are dispatched from here and checked in `ketdata._validation.wording`, with the other
word checks.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ketdata._model.problems import Problem, Severity, problem, short
from ketdata._model.review import Links, content_digest, due_after, review_links
from ketdata._validation.fidelity import SourceText, restates
from ketdata._validation.folder import RawRecord
from ketdata._validation.glosses import name_bound_glosses, unnamed_article_glosses
from ketdata._validation.index import RecordIndex
from ketdata._validation.wording import EvidenceWords, qualifier_words, words_from_evidence
from ketdata._validation.words import alternation, whole_at, words_in

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
            links = review_links((r.kind, r.value) for r in records)
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
    """The active records of each kind (from the run's index), and the sections."""

    def __init__(self, index: RecordIndex, texts: Mapping[str, SourceText]) -> None:
        self.index = index
        self.texts = texts
        self.statuses = index.kind("evidence_status")
        self.concepts = index.kind("concept")  # concepts have no status
        self.sections: dict[str, tuple[str, int, int]] = {
            s["id"]: (str(r.id), s["start"], s["end"])
            for r in index.kind("source")
            for s in r.value.get("sections") or ()
            if {"id", "start", "end"} <= s.keys()
        }

    def __getitem__(self, kind: str) -> tuple[RawRecord, ...]:
        return self.index.active(kind)

    @functools.cached_property
    def words(self) -> EvidenceWords:
        """What the word rules read around the records, worked out once for all of them (see `wording`)."""
        return EvidenceWords(self.index, self.texts)


def _caveat_coverage(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    categories = active.index.categories_under(rule.get("categories", ()))
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
    if within is not None:  # a rule about one subject (side effects, harms, safety): its concepts keep to their names
        yield from name_bound_glosses(active.concepts, within, str(rule["id"]), severity)
        yield from unnamed_article_glosses(active.concepts, within, active.texts, str(rule["id"]), severity)
    yield from _strong_editorial(rule, pattern, active, severity, within)
    yield from _strong_definitions(rule, pattern, active, severity)
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
    categories = active.index.categories_under(rule.get("categories", ()))
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


def _strong_definitions(
    rule: dict[str, Any], pattern: re.Pattern[str], active: _Active, severity: Severity
) -> Iterator[Problem]:
    """Strong words in an evidence status's, a predicate's or a category's definition (A6-12).

    Each export carries the definition beside every claim that uses the record ("established: confirmed by
    trials; safe to act on"), yet no article passage backs it: a gloss of the editors like a concept's. A rule
    about one subject reads the categories under its own and the statuses and predicates its claims use.
    """
    for kind, record in _defined(rule, active):
        text = record.value.get("definition")
        match = pattern.search(text) if isinstance(text, str) else None
        if match is not None:
            msg = (f"rule {short(rule['id'])}: {short(match.group())} is too strong for the definition of "
                   f"{kind.replace('_', ' ')} {short(record.id)}, which every export shows beside its claims and no "
                   "article passage supports")  # fmt: skip
            yield record.problem("KD606", ("definition",), msg, severity=severity)


def _defined(rule: dict[str, Any], active: _Active) -> Iterator[tuple[str, RawRecord]]:
    """The records with a definition a strong-wording rule reads: all of them, or those of its subject."""
    kinds = ("evidence_status", "predicate", "category")
    if "categories" not in rule and "caveat_kinds" not in rule:
        yield from ((kind, r) for kind in kinds for r in active.index.valid(kind))
        return
    categories = active.index.categories_under(rule.get("categories", ()))
    claims = [c.value for c in active["claim"] if c.value.get("category") in categories]
    used = {"category": categories, "predicate": {str(c.get("predicate")) for c in claims},
            "evidence_status": {str(c.get("evidence_status")) for c in claims}}  # fmt: skip
    yield from ((kind, r) for kind in kinds for r in active.index.valid(kind) if str(r.id) in used[kind])


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


class _Cues:
    """The words of a list found whole in a text, ignoring case, casefolded, as their `alternation` finds them.

    As `words_in` does: the longest word wins where several start, and no two found overlap.

    On ASCII text (and ASCII words) a substring search on the lower-cased text finds the few places the
    alternation would match, and the scan is repeated over those alone; the expression, tried at every
    position of every statement, cost most of the decision table's time.
    """

    def __init__(self, words: Iterable[str]) -> None:
        unique = set(words)
        self.pattern = alternation(unique)
        self.lower = sorted({w.lower() for w in unique})
        self.ascii = all(w and w.isascii() for w in unique)

    def __call__(self, text: str) -> set[str]:
        if not (self.ascii and text.isascii()):
            return words_in(self.pattern, [text])
        low = text.lower()
        # Where the alternation would match: each place a word stands whole, the longest first.
        places = sorted((at, -len(w)) for w in self.lower if w in low for at in whole_at(low, w))
        found, end = set(), 0
        for at, minus in places:
            if at >= end:  # the scan goes on after a match: one starting inside it is not found
                end = at - minus
                found.add(low[at:end])
        return found


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


_CHECKS: dict[str, Callable[[dict[str, Any], _Active, Severity], Iterator[Problem]]] = {
    "caveat-coverage": _caveat_coverage,
    "caveat-targets": _caveat_targets,
    "strong-wording": _strong_wording,
    "caveat-scope": _caveat_scope,
    "qualifier-words": lambda rule, active, severity: qualifier_words(rule, active.words, severity),
    "decision-table": _decision_table,
    "status-in-scope": _status_in_scope,
    "words-from-evidence": lambda rule, active, severity: words_from_evidence(rule, active.words, severity),
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
