"""Change control: every claim or caveat that changed since the latest release must say so in its version."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ketdata._convert import normalise
from ketdata._diff import field_changes
from ketdata._folder import RawRecord
from ketdata._problems import Problem, problem

VERSIONED = {"claim": "claims", "caveat": "caveats"}
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def releases_dir(data_dir: Path) -> Path:
    """Where the release snapshots of a data folder live: ``releases/`` beside it."""
    return data_dir.parent / "releases"


def semver(version: str) -> tuple[int, int, int]:
    """A ``MAJOR.MINOR.PATCH`` string as a tuple that sorts by precedence."""
    match = _SEMVER.match(version)
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def latest_snapshot(folder: Path) -> Path | None:
    """The snapshot of the highest released version in ``folder``, or None when nothing was released."""
    snapshots = [p for p in folder.glob("*.json") if _SEMVER.match(p.stem)] if folder.is_dir() else []
    return max(snapshots, key=lambda p: semver(p.stem), default=None)


def _line_in(path: Path, record_id: str) -> int:
    needle = re.compile(rf'"id":\s*"{re.escape(record_id)}"')
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle.search(line):
            return number
    return 1


class VersionRules:
    """Compares the working records with the latest release snapshot."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot
        self.release = snapshot.stem
        doc = json.loads(snapshot.read_text(encoding="utf-8"))
        self.released: dict[str, tuple[str, dict[str, Any]]] = {
            r["id"]: (kind, r) for kind, attr in VERSIONED.items() for r in doc.get(attr, ())
        }

    def check(self, records: list[RawRecord], schema_valid: set[int]) -> list[Problem]:
        """Problems of every versioned record (those that passed their schema) and of released ones now gone."""
        problems: list[Problem] = []
        present: set[str] = set()
        for record in records:
            if record.kind not in VERSIONED or record.id is None:
                continue
            present.add(record.id)
            if id(record) in schema_valid:
                problems += self._record(record)
        for rid, (kind, _) in sorted(self.released.items()):
            if rid not in present:
                msg = (f"{kind} {rid} is in release {self.release} but is gone; keep it and set its status to "
                       "withdrawn or deprecated, with a reason")  # fmt: skip
                problems.append(problem("KD504", str(self.snapshot), _line_in(self.snapshot, rid), 1, rid, msg))
        return problems

    def _record(self, record: RawRecord) -> list[Problem]:
        rid = str(record.id)
        line, col = record.mark("version")
        version = record.value["version"]
        if rid not in self.released:
            if version != 1:
                return [
                    problem("KD506", record.file, line, col, rid, f"a new record starts at version 1, not {version}")
                ]
            return []
        kind, old = self.released[rid]
        if kind != record.kind:
            msg = f"{rid} was a {kind} in release {self.release}; ids are never reused"
            return [problem("KD505", record.file, *record.mark("id"), rid, msg)]
        if old.get("status") == "withdrawn" and record.value.get("status") != "withdrawn":
            msg = f"{rid} was withdrawn in release {self.release}; ids are never reused, give a new record a new id"
            return [problem("KD505", record.file, *record.mark("status"), rid, msg)]
        new = normalise(record.kind, record.value)
        # The review trail is not content: reviewing a record does not change its version.
        changed = [f.field for f in field_changes(old, new, ignore=frozenset({"version", "review"}))]
        before = old["version"]
        review = new.get("review") or {}
        if changed and review.get("status") == "reviewed" and review == old.get("review"):
            msg = (
                f"changed since release {self.release} ({', '.join(changed)}) but its review of "
                f"{review.get('reviewed_on')} predates the change; review it again or mark it unreviewed"
            )
            return [problem("KD603", record.file, *record.mark("review"), rid, msg)]
        if changed and version == before:
            msg = (f"changed since release {self.release} ({', '.join(changed)}) but still at version {version}; "
                   f"set version: {before + 1}")  # fmt: skip
            return [problem("KD501", record.file, line, col, rid, msg)]
        if changed and version != before + 1:
            msg = f"version {version}, but release {self.release} has {before}: a change raises it by exactly one"
            return [problem("KD502", record.file, line, col, rid, msg, f"set version: {before + 1}")]
        if not changed and version != before:
            msg = f"version {version}, but nothing changed since release {self.release} (version {before})"
            return [problem("KD503", record.file, line, col, rid, msg, f"set version: {before}")]
        return []
