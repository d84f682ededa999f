"""Content governance: review trails, and the rules the data declares for itself (see ``data/rules.yaml``)."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ketdata._model.problems import Problem, Severity, problem, short
from ketdata._model.review import content_digest, due_after
from ketdata._validation.fidelity import restates
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


def review_problems(records: Iterable[RawRecord], today: datetime.date) -> Iterator[Problem]:
    """Reviews that cannot vouch for their record: changed since, dated in the future, or due too late.

    Never cached, since today moves. The records are as the schema check left them (a value of a wrong
    type taken out), so a review block read here has the schema's types or lacks the field.
    """
    for record in records:
        review = record.value.get("review")
        if record.kind not in REVIEWED or not isinstance(review, dict) or review.get("status") == "unreviewed":
            continue
        yield from _stale_review(record, review)
        yield from _review_dates(record, review, today)


def _stale_review(record: RawRecord, review: dict[str, Any]) -> Iterator[Problem]:
    digest = review.get("content_sha256")
    if record.taken or not isinstance(digest, str) or digest == content_digest(record.value):
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

    def __init__(self, index: RecordIndex) -> None:
        self.index = index
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
    """A pattern for a listed word and its inflected forms (a final e dropped before a suffix)."""
    if not word.isalpha():  # a phrase is matched as written
        return re.escape(word)
    stem = word[:-1] if word.endswith("e") else word
    return f"(?:{re.escape(word)}|{re.escape(stem)}(?:{_INFLECTIONS}))"


def _strong_wording(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    words = sorted(rule.get("words", ()), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(_forms(w) for w in words) + r")\b", re.IGNORECASE)
    statuses = set(rule.get("statuses", ()))
    yield from _strong_glosses(rule, pattern, active, severity)
    for claim in active["claim"]:
        statement = claim.value.get("statement")
        if claim.value.get("evidence_status") not in statuses or not isinstance(statement, str):
            continue
        for match in pattern.finditer(statement):
            line, column = claim.mark("statement")
            source_line = claim.doc_line(line)
            found = source_line.find(match.group()) if source_line else -1
            msg = (f"rule {short(rule['id'])}: {short(match.group())} is too strong for a claim whose evidence "
                   f"status is {short(claim.value.get('evidence_status'))}")  # fmt: skip
            yield problem("KD606", claim.file, line, found + 1 if found >= 0 else column, claim.id, msg,
                          severity=severity)  # fmt: skip


def _strong_glosses(
    rule: dict[str, Any], pattern: re.Pattern[str], active: _Active, severity: Severity
) -> Iterator[Problem]:
    """Strong words in a concept's external gloss or synonym, whatever any claim's status.

    Such a gloss is not from the article, so no evidence backs it, yet every export shows it as medical content.
    """
    for concept in active.concepts:
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


def _ranges(scope: dict[str, Any], active: _Active) -> list[tuple[str, int, int]]:
    ranges = [active.sections[s] for s in scope.get("sections", ()) if s in active.sections]
    spans = [r for r in scope.get("spans", ()) if {"source", "start", "end"} <= r.keys()]
    return ranges + [(r["source"], r["start"], r["end"]) for r in spans]


def _caveat_scope(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    actives = {str(c.id) for c in active["claim"]}
    for caveat in active["caveat"]:
        scope, listed = caveat.value.get("scope") or {}, caveat.value.get("applies_to") or []
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
            if claim_id in actives and claim_id not in inside:
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

    def __call__(self, texts: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for text in texts:
            known = self.seen.get(text)
            if known is None:
                # A statement is often its quote, and hedges recur: each text is looked through once per run.
                known = self.seen[text] = self._in(text)
            found |= known
        return found

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
        said = words_in([record.value.get("statement", "")])
        quoted = words_in(_stating_quotes(record.value.get("evidence") or []))
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
    return {_stem(w.casefold()) for text in texts for w in _WORD.findall(text)}


def _words_from_evidence(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    allowed = _word_set(rule.get("words", ()))
    for record in active["claim"] + active["caveat"]:
        statement = record.value.get("statement")
        if not isinstance(statement, str) or any(path[0] in ("evidence", "readings") for path in record.taken):
            continue  # a refused span or reading was reported at its line: what the record quotes is not known
        quoted = [s["quote"] for s in record.value.get("evidence") or () if "quote" in s]
        if statement in quoted:
            continue  # a statement that is one of its quotes holds no word they do not
        readings = [r.get(key, "") for r in record.value.get("readings") or () for key in ("text", "means")]
        # A statement names its subject, which its quotes may call "it" or "its".
        subject = active.labels.get(str(record.value.get("subject")))
        held = _word_set([*quoted, *readings, subject if isinstance(subject, str) else ""]) | allowed
        added = sorted({w.casefold() for w in _WORD.findall(statement) if _stem(w.casefold()) not in held})
        if added:
            msg = (f"rule {short(rule['id'])}: the statement says {short(', '.join(added))}, which neither its "
                   "evidence nor its readings hold: a statement says only what its quotes say")  # fmt: skip
            yield record.problem("KD640", ("statement",), msg, severity=severity)


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


def declared_rule_problems(index: RecordIndex) -> Iterator[Problem]:
    """The problems the data's own ``rule`` records find among the records.

    The records are as the schema check left them: a value of a wrong type taken out, so a field is either of
    its schema's type or absent, and a check skips what it cannot judge. Only the ``rule`` records that passed
    their schema are applied.
    """
    rules = index.valid("rule")
    if not rules:
        return
    active = _Active(index)
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
