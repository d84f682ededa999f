"""Content governance: review trails, and the rules the data declares for itself (see ``data/rules.yaml``)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from ketdata._folder import RawRecord
from ketdata._problems import Problem, Severity, problem, short

REVIEWED = ("claim", "caveat")


def unreviewed_problems(record: RawRecord) -> list[Problem]:
    """An info if the (schema-valid) record is one that needs review and has not had it.

    It reads the record alone, so it runs file by file with the schema check and is cached with it.
    """
    review = record.value.get("review")
    if record.kind not in REVIEWED or not isinstance(review, dict) or review.get("status") == "reviewed":
        return []
    # Located at the record's start: an info for every record must not cost a second parse.
    return [record.problem("KD601", (), f"{record.kind} not yet reviewed against its source")]


def overdue_problems(records: list[RawRecord], today: datetime.date) -> Iterator[Problem]:
    """A warning for each record whose review was due before today (never cached: today moves)."""
    cutoff = today.isoformat()
    for record in records:
        review = record.value.get("review")
        due = review.get("review_due") if isinstance(review, dict) else None
        if isinstance(due, str) and due < cutoff and record.kind in REVIEWED:
            yield record.problem("KD602", ("review", "review_due"), f"review was due on {due}")


class _Active:
    """The active records of each kind, and the categories' parents: sorted out once for all the rules."""

    def __init__(self, records: list[RawRecord]) -> None:
        self.of: dict[str, list[RawRecord]] = {}
        for r in records:
            if r.id and r.value.get("status") == "active":
                self.of.setdefault(r.kind, []).append(r)
        self.parents: dict[str, Any] = {r.id: r.value.get("parent") for r in records if r.kind == "category" and r.id}

    def __getitem__(self, kind: str) -> list[RawRecord]:
        return self.of.get(kind, [])


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


def _strong_wording(rule: dict[str, Any], active: _Active, severity: Severity) -> Iterator[Problem]:
    words = sorted(rule.get("words", ()), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    statuses = set(rule.get("statuses", ()))
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


_CHECKS = {"caveat-coverage": _caveat_coverage, "caveat-targets": _caveat_targets, "strong-wording": _strong_wording}


def declared_rule_problems(records: list[RawRecord]) -> Iterator[Problem]:
    """The problems the data's own ``rule`` records find among the (schema-valid) records."""
    rules = [r for r in records if r.kind == "rule"]
    if not rules:
        return
    active = _Active(records)
    for rule in rules:
        yield from _CHECKS[rule.value["kind"]](rule.value, active, Severity(rule.value["severity"]))


def conflict_problems(records: list[RawRecord]) -> Iterator[Problem]:
    """Each ``conflicts_with`` link that the other claim does not return."""
    claims = {r.id: r for r in records if r.kind == "claim" and r.id}
    for claim in claims.values():
        others = claim.value.get("conflicts_with")
        for i, other in enumerate(others if isinstance(others, list) else ()):
            back = claims[other].value.get("conflicts_with") if other in claims else None
            if other in claims and claim.id not in (back if isinstance(back, list) else ()):
                msg = f"conflicts with {other}, but {other} does not list {claim.id} in its conflicts_with"
                yield claim.problem("KD607", ("conflicts_with", i), msg)
