from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import ketdata
from ketdata import Problem, Severity
from ketdata._editor.release import bumped, plan
from ketdata._read.paths import schema_version
from ketdata._validation.history import semver

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
LATEST = max((p.stem for p in (ROOT / "releases").glob("*.json")), key=semver)
# An additive schema change not released yet makes any next release at least a minor one.
SCHEMA_MOVED = json.loads((ROOT / f"releases/{LATEST}.json").read_text(encoding="utf-8"))["schema_version"] != (
    schema_version()
)
# Record changes drafted for the next release and not cut yet (only the lead releases) may already call for a minor
# one, such as a deprecated record or a new concept: a one-word edit of a record then releases with them.
DRAFTED = plan(DATA).bump
EDIT_BUMP = "minor" if SCHEMA_MOVED or DRAFTED in ("minor", "major") else "patch"
EDITED = bumped(LATEST, EDIT_BUMP)  # the release a one-word edit of a record makes
# A test's own release is dated the day of the latest real one: never before it (dates never go back) and never
# after today (a release may not be dated in the future), whenever the suite runs.
DAY: str = json.loads((ROOT / f"releases/{LATEST}.json").read_text(encoding="utf-8"))["dataset"]["release_date"]


def released_version(record_id: str) -> int:
    """The version the latest release gives a claim or caveat (a drafted change may have raised it since)."""
    snapshot = json.loads((ROOT / f"releases/{LATEST}.json").read_text(encoding="utf-8"))
    return next(r["version"] for kind in ("claims", "caveats") for r in snapshot[kind] if r["id"] == record_id)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` in a file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def bump(path: Path, record_id: str) -> None:
    """Raise a record's version by one, whatever it is, as its change asks."""
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"^id: {re.escape(record_id)}\nversion: (\d+)\n", text, re.MULTILINE)
    assert found, record_id
    edit(path, found.group(0), f"id: {record_id}\nversion: {int(found.group(1)) + 1}\n")


def run_main(*args: str, cwd: Path) -> tuple[int, str]:
    """``ketdata ARGS`` run in this process from ``cwd``: its exit code and what it printed (stdout, then stderr)."""
    from ketdata._cli import main

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(list(args), stdout=out, stderr=err)
    finally:
        os.chdir(here)
    return code, out.getvalue() + err.getvalue()


def project_files(root: Path) -> dict[str, bytes]:
    """Every file's bytes under a project but its ``.ketdata/`` (the lock any command that may write takes)."""
    files = (p for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != ".ketdata")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based number of the ``nth`` line of a file that contains ``needle``."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} found {len(hits)} times in {path}"
    return hits[nth - 1]


def problems_with(code: str, folder: Path) -> list[Problem]:
    return [p for p in ketdata.validate(folder) if p.code == code]


def findings(folder: Path) -> list[Problem]:
    """Validation's errors and warnings, leaving out infos (every record is unreviewed, for one).

    Also left out: the warnings the shipped data itself carries for a policy drafted since the latest release
    (`drafted`), which a test's edit did not cause and the next release ends.
    """
    return [p for p in ketdata.validate(folder) if p.severity is not Severity.INFO and not is_drafted(p)]


@cache
def drafted() -> frozenset[tuple[str, str | None, str]]:
    """The shipped data's KD517 warnings: a policy changed since the latest release, until the next one.

    Each must name a record the changelog's [Unreleased] section names (`test_shipped_data`), so that a slip is
    never taken for a drafted change.
    """
    return frozenset((p.code, p.record_id, p.message) for p in ketdata.validate(DATA) if p.code == "KD517")


def is_drafted(problem: Problem) -> bool:
    """Whether a problem is one of the shipped data's own drafted-policy warnings (`drafted`)."""
    return (problem.code, problem.record_id, problem.message) in drafted()


def accept_drafted(folder: Path) -> list[str]:
    """The ``release`` arguments (``--accept-weaker ID`` each) accepting the shipped data's drafted KD517s in a folder.

    `release` refuses while a KD517 stands until a maintainer names its record; between a data edit and the next
    release the shipped data carries such warnings (`drafted`), which a test releasing a copy of it is not about.
    Only those still standing in ``folder`` (a copy of the data, edited or not) are named, since naming a record no
    KD517 is about is refused; a weakening the test made itself is not named, so it still stops the release.
    """
    ids = dict.fromkeys(str(p.record_id) for p in ketdata.validate(folder) if p.code == "KD517" and is_drafted(p))
    return [arg for rid in sorted(ids) for arg in ("--accept-weaker", rid)]


def is_drafted_json(problem: dict[str, Any]) -> bool:
    """`is_drafted` for a problem as ``validate --format json`` prints it."""
    return (problem["code"], problem["record_id"], problem["message"]) in drafted()


def undrafted_lines(output: str) -> list[str]:
    """The lines of ``validate``'s text output that are not the shipped data's drafted-policy warnings."""
    said = {f": {rid}: {code} {message}" for code, rid, message in drafted()}
    return [line for line in output.splitlines() if not any(line.endswith(s) for s in said)]


Mutation = Callable[[Path], None]


def claim_record(record_id: str, version: int = 1) -> str:
    """A valid claim document (quoting the article's first words) under a new id, as YAML text."""
    return f"""---
id: {record_id}
version: {version}
status: active
statement: Ketamine is a medication.
subject: ketamine
predicate: is_a
object:
  concept: medication
category: identity
evidence_status: established
hedge: null
evidence:
- source: ketamine-overview
  section: what-is-ketamine
  role: statement
  quote: Ketamine is a medication
  start: 20
  end: 44
review:
  status: unreviewed
"""


def link_to_caveats(data: Path, claim_id: str, *, unlink: bool = False) -> None:
    """Add a claim to the applies_to of the caveats whose scope covers the first section (or take it out of
    every caveat), raising each changed caveat's version, as an editor would."""
    import yaml

    path = data / "caveats.yaml"
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    # A caveat already changed since the release (drafted, not released yet) keeps its raised version.
    snapshot = json.loads((ROOT / f"releases/{LATEST}.json").read_text(encoding="utf-8"))
    released = {c["id"]: c["version"] for c in snapshot.get("caveats", ())}
    for doc in docs:
        if doc["status"] != "active":
            continue
        before = list(doc["applies_to"])
        if unlink and claim_id in before:
            doc["applies_to"].remove(claim_id)
        elif not unlink and "what-is-ketamine" in doc["scope"].get("sections", ()):
            doc["applies_to"] = sorted({*before, claim_id})
        if doc["applies_to"] != before and doc["version"] == released.get(doc["id"], doc["version"]):
            doc["version"] += 1
    path.write_text(yaml.safe_dump_all(docs, explicit_start=True, sort_keys=False, width=100), encoding="utf-8")


def content_sha256(path: Path, record_id: str) -> str:
    """The digest a review of ``record_id`` in ``path`` records: its content (a claim's linked caveats included)
    as the files hold it now."""
    from ketdata._editor.verdict import folder_links
    from ketdata._io.yaml import read_documents
    from ketdata._model.review import content_digest

    documents, _ = read_documents(path.read_bytes(), str(path))
    (value,) = [d.value for d in documents if isinstance(d.value, dict) and d.value.get("id") == record_id]
    folder = path.parent.parent if path.parent.name == "claims" else path.parent
    return content_digest(value, folder_links(folder).get(record_id, ()) if path.parent.name == "claims" else ())


def log_reviews(data: Path) -> None:
    """Log every claim's and caveat's reviewed or flagged block as ``ketdata review`` logs the blocks it writes.

    For a test that writes a review block by hand to test something else: the block then reads as recorded
    through the workbench (no KD716). Call it after the block's last edit.
    """
    from ketdata._io.yaml import read_documents
    from ketdata._validation.review_log import appended, log_line

    lines = []
    for path in sorted([data / "caveats.yaml", *(data / "claims").glob("*.yaml")]):
        for document in read_documents(path.read_bytes(), str(path))[0]:
            value = document.value
            review = value.get("review") if isinstance(value, dict) else None
            if isinstance(review, dict) and review.get("status") in ("reviewed", "flagged"):
                lines.append(log_line(str(value["id"]), review))
    log, text = appended(data, lines)
    log.write_bytes(text)


def validate_strict(project: Path, capsys: Any) -> tuple[int, list[dict[str, object]]]:
    """``ketdata validate --strict --format json`` on a copy of the project: its exit code and its problems."""
    from ketdata._cli import main

    capsys.readouterr()
    code = main(["validate", str(project / "data"), "--strict", "--format", "json"])
    said = json.loads(capsys.readouterr().out)
    # The shipped data's own drafted-policy warnings (`drafted`) are not the test's: left out, and the exit code is
    # what the rest alone would give.
    found = [p for p in said if (p["code"], p["record_id"], p["message"]) not in drafted()]
    if code == 1 and len(found) < len(said) and all(p["severity"] == "info" for p in found):
        code = 0
    return code, found


def codes(found: list[dict[str, object]], record: str) -> set[object]:
    """The codes of the problems a record has, in ``validate_strict``'s output."""
    return {p["code"] for p in found if p["record_id"] == record}
