"""Attack6 A6-1, A6-2 and A6-9: a claim's subject and object are named where its statement names them.

The attacker's loops, run over every active claim: each concept whose label's (or synonym's) words all occur in
the statement is swapped in as the subject, and as the object; a few literal objects are cut to a part of their
phrase. A swap that the statement does not say must not validate clean.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from ketdata._model.problems import Severity
from ketdata._validation.pipeline import run

from .helpers import DATA

_STOP = {"a", "the", "of", "and", "or", "in", "to", "by", "for", "from", "with", "their", "its"}
# The one swap still passing, and why it is no loss: the statement says "depression, particularly in cases where
# other treatments have been ineffective", which is what the (deprecated claim-020's) narrower concept names.
KNOWN = {("object", "claim-019", "depression-other-treatments-ineffective")}
LITERALS = [
    ("claim-026", "seated or lying down", "seated"),
    ("claim-026", "seated or lying down", "lying down"),
    ("claim-024", "a series of sessions", "sessions"),
    ("claim-032", "minutes of administration", "minutes"),
    ("claim-012", "Vitamin K", "Vitamin"),
    ("claim-010", "Special K", "Special"),
    ("claim-033", "about an hour", "an hour"),
    ("claim-022", "low doses", "doses"),
]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _swaps() -> list[tuple[str, str, str, str, str]]:
    """(kind, file, claim id, old, new) for every swap the attacker's scripts try."""
    concepts = [c for c in yaml.safe_load_all((DATA / "concepts.yaml").read_text(encoding="utf-8")) if c]
    found = []
    for path in sorted((DATA / "claims").glob("*.yaml")):
        for claim in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not claim or claim.get("status") != "active":
                continue
            said, obj = _words(claim["statement"]), claim.get("object") or {}
            for concept in concepts:
                names = [concept["label"], *(g["text"] for g in concept.get("synonyms") or ())]
                if not any((_words(n) - _STOP) and _words(n) - _STOP <= said for n in names):
                    continue
                if concept["id"] not in (claim["subject"], obj.get("concept")):
                    found.append(("subject", path.name, claim["id"], claim["subject"], concept["id"]))
                if "concept" in obj and concept["id"] != obj["concept"]:
                    found.append(("object", path.name, claim["id"], obj["concept"], concept["id"]))
            found += [("value", path.name, c, old, new) for c, old, new in LITERALS if c == claim["id"]]
    return found


SWAPS = _swaps()


def _swapped(root: Path, kind: str, file: str, claim: str, old: str, new: str) -> Path:
    shutil.copytree(DATA, root / "data")
    path = root / "data" / "claims" / file
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {claim}\n")
    end = text.find("\n---", start) if text.find("\n---", start) >= 0 else len(text)
    record = text[start:end]
    key = {"subject": "\nsubject: {}\n", "object": "  concept: {}\n", "value": "  value: {}\n"}[kind]
    changed = record.replace(key.format(old), key.format(new), 1)
    assert changed != record, (claim, old)
    changed = re.sub(r"version: (\d+)", lambda m: f"version: {int(m.group(1)) + 1}", changed, count=1)
    path.write_text(text[:start] + changed + text[end:], encoding="utf-8")
    return root / "data"


def test_the_loops_try_what_the_attacker_tried() -> None:
    assert sum(s[0] == "subject" for s in SWAPS) >= 63  # 63 on the data attack6 read
    assert sum(s[0] == "value" for s in SWAPS) == len(LITERALS)


def test_no_swap_of_subject_object_or_literal_validates_clean(tmp_path: Path) -> None:
    offenders = []
    for n, (kind, file, claim, old, new) in enumerate(SWAPS):
        report = run(_swapped(tmp_path / str(n), kind, file, claim, old, new))
        if not any(p.severity in (Severity.ERROR, Severity.WARNING) for p in report.problems):
            offenders.append((kind, claim, new))
    assert sorted(set(offenders) - KNOWN) == []


@pytest.mark.parametrize(
    ("kind", "claim", "old", "new", "code"),
    [
        ("object", "claim-018", "bladder-damage", "mental-health-harm", "KD634"),
        ("object", "claim-006", "reduced-pain-sensation", "dissociative-state", "KD634"),
        ("object", "claim-023", "trained-medical-professional", "ketamine", "KD634"),
        ("object", "claim-014", "physical-and-mental-health-harm", "mental-health-harm", "KD634"),
        ("subject", "claim-013", "recreational-use", "ketamine", "KD670"),
        ("subject", "claim-002", "ketamine", "pain", "KD670"),
        ("subject", "claim-040", "ketamine-therapy", "ketamine", "KD670"),
        ("subject", "claim-039", "exact-mechanism-of-action", "therapeutic-insight", "KD670"),
        ("subject", "claim-008", "ketamine", "recreational-drug-use", "KD670"),
        ("value", "claim-012", "Vitamin K", "Vitamin", "KD634"),
        ("value", "claim-024", "a series of sessions", "sessions", "KD634"),
    ],
)
def test_the_findings_worst_swaps_are_errors(
    kind: str, claim: str, old: str, new: str, code: str, tmp_path: Path
) -> None:
    (file,) = {s[1] for s in SWAPS if s[2] == claim}
    report = run(_swapped(tmp_path, kind, file, claim, old, new))
    assert any(p.code == code and p.record_id == claim and p.severity is Severity.ERROR for p in report.problems)
