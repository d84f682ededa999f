"""Regressions from the fourth outside attack: rules kept in data files, text outside sections, exports
compared by bytes, reviews that cover a claim's caveats, hierarchy kinds and look-alike letters."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .helpers import edit


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False)  # fmt: skip


def _segment(path: Path, record_id: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {record_id}\n")
    end = text.find("\n---", start)
    return text, text[start : end if end >= 0 else len(text)]


def test_a_decision_table_regrading_associations_as_established_fails_strict(project: Path) -> None:
    statuses = project / "data" / "evidence-statuses.yaml"
    edit(
        statuses,
        "  - used_illicitly_because_it_induces\n",
        "  - used_illicitly_because_it_induces\n  - associated_with\n",
    )
    text = statuses.read_text(encoding="utf-8")
    statuses.write_text(text.replace("  predicates:\n  - associated_with\n", "  predicates:\n  - causes\n"), "utf-8")
    harms = project / "data" / "claims" / "harms.yaml"
    text = harms.read_text(encoding="utf-8").replace(
        "evidence_status: reported-association", "evidence_status: established"
    )
    text = re.sub(r"(id: claim-01[4-8]\nversion: )(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), text)
    harms.write_text(text, encoding="utf-8")
    result = cli("validate", "--strict", cwd=project)
    assert result.returncode == 1, result.stdout
    assert re.search(r"evidence-statuses\.yaml:\d+:1: established: KD517 .*associated_with", result.stdout)
    assert result.stdout.count("KD202 decision.") == 2 and "'causes'" in result.stdout


def test_a_safety_warning_narrowed_off_its_claims_fails_strict(project: Path) -> None:
    caveats = project / "data" / "caveats.yaml"
    text, seg = _segment(caveats, "caveat-001")
    new = seg.replace("    start: 255\n    end: 652", "    start: 453\n    end: 652")
    new = re.sub(r"version: (\d+)", lambda m: f"version: {int(m.group(1)) + 1}", new, count=1)
    for i in range(7, 13):
        new = new.replace(f"- claim-{i:03d}\n", "", 1)
    caveats.write_text(text.replace(seg, new), encoding="utf-8")
    result = cli("validate", "--strict", cwd=project)
    assert result.returncode == 1, result.stdout
    assert "caveat-001: KD517 caveat-001 was an active caveat" in result.stdout
    assert "claim-007, claim-008, claim-009, claim-010, claim-011, claim-012" in result.stdout


def test_the_shipped_data_changes_no_policy_since_its_release(project: Path) -> None:
    result = cli("validate", "--strict", cwd=project)
    assert result.returncode == 0 and "KD517" not in result.stdout, result.stdout


def test_new_text_above_the_first_heading_is_uncovered_everywhere(project: Path, tmp_path: Path) -> None:
    text = (project / "data" / "sources" / "ketamine-overview.txt").read_text(encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("Warning: ketamine can be fatal, even in a single dose.\n\n" + text, encoding="utf-8")
    dry = cli("source", "update", "ketamine-overview", new, cwd=project)
    assert "uncovered [0, 54) (no section): 'Warning: ketamine can be fatal" in dry.stdout, dry.stdout + dry.stderr
    assert "1 sentences uncovered" in dry.stdout
    assert cli("source", "update", "ketamine-overview", new, "--write", cwd=project).returncode == 0
    result = cli("validate", cwd=project)
    assert result.returncode == 1
    assert "KD560 text [0, 56) lies in no section" in result.stdout
    assert "KD402 sentence [0, 54) lies in no section" in result.stdout
    shown = cli("coverage", cwd=project)
    assert shown.returncode == 1 and "17/18 sentences covered" in shown.stdout
