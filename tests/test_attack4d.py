"""Regressions from the fourth outside attack: rules kept in data files, text outside sections, exports
compared by bytes, reviews that cover a claim's caveats, hierarchy kinds and look-alike letters."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .helpers import drafted, edit, undrafted_lines


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False)  # fmt: skip


def _segment(path: Path, record_id: str) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: {record_id}\n")
    end = text.find("\n---", start)
    return text, text[start : end if end >= 0 else len(text)]


def _narrow_safety_warning(caveats: Path) -> str:
    """caveat-001's scope and applies_to cut back off claims 007-012 (the attacker's A4-14), its version raised.

    Returns the file's text before.
    """
    text, seg = _segment(caveats, "caveat-001")
    new = seg.replace("    start: 255\n    end: 652", "    start: 453\n    end: 652")
    new = re.sub(r"version: (\d+)", lambda m: f"version: {int(m.group(1)) + 1}", new, count=1)
    for i in range(7, 13):
        new = new.replace(f"- claim-{i:03d}\n", "", 1)
    caveats.write_text(text.replace(seg, new), encoding="utf-8")
    return text


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
    _narrow_safety_warning(caveats)
    result = cli("validate", "--strict", cwd=project)
    assert result.returncode == 1, result.stdout
    assert "caveat-001: KD517 caveat-001 was an active caveat" in result.stdout
    assert "claim-007, claim-008, claim-009, claim-010, claim-011, claim-012" in result.stdout


def test_the_shipped_data_changes_no_policy_since_its_release(project: Path) -> None:
    result = cli("validate", "--strict", cwd=project)
    # Only a policy drafted since the release, declared in the changelog's draft (test_shipped_data), may warn
    # (KD517) until the next release ends it; nothing else.
    assert undrafted_lines(result.stdout) == [] and "0 errors" in result.stderr, result.stdout
    assert result.returncode == (1 if drafted() else 0), result.stdout


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


def test_a_confirmed_review_does_not_survive_detaching_the_claims_safety_caveat(data: Path) -> None:
    from ketdata._validation.pipeline import run

    from .workbench import TODAY, running

    with running(data) as wb:
        wb.sign_in("Dr C Example", "consultant psychiatrist")
        assert wb.verdict("claim-007", "reviewed").status == 303
    assert not [p for p in run(data, TODAY).problems if p.record_id == "claim-007" and p.code == "KD641"]
    caveats = data / "caveats.yaml"
    text = _narrow_safety_warning(caveats)
    stale = [p for p in run(data, TODAY).problems if p.code == "KD641"]
    assert [p.record_id for p in stale] == ["claim-007"], stale
    # Linked again, the review holds again: it covers the caveats the reviewer saw, not a version number.
    caveats.write_text(text, encoding="utf-8")
    assert not [p for p in run(data, TODAY).problems if p.code == "KD641"]


def test_a_reworded_linked_caveat_voids_the_claims_review(data: Path) -> None:
    from ketdata._validation.pipeline import run

    from .workbench import TODAY, running

    with running(data) as wb:
        wb.sign_in("Dr C Example", "consultant psychiatrist")
        assert wb.verdict("claim-007", "reviewed").status == 303
    caveats = data / "caveats.yaml"
    text, seg = _segment(caveats, "caveat-001")
    statement = re.search(r"statement: (.*)", seg)
    assert statement is not None
    caveats.write_text(text.replace(seg, seg.replace(statement.group(0), "statement: Recreational use is fine.")))
    assert "claim-007" in {p.record_id for p in run(data, TODAY).problems if p.code == "KD641"}


def test_the_broader_kind_pairs_name_only_concept_kinds_and_the_shipped_links_fit_them() -> None:
    import json

    import yaml

    from ketdata._model.hierarchy import BROADER_KINDS, broader_allowed

    from .helpers import DATA, ROOT

    # The concept kinds are one definition, which a concept's kind and a predicate's kinds refer to.
    kinds = set(json.loads((ROOT / "schema" / "common.schema.json").read_text("utf-8"))["$defs"]["conceptKind"]["enum"])
    assert set(BROADER_KINDS) <= kinds and set().union(*BROADER_KINDS.values()) <= kinds
    concepts = [c for c in yaml.safe_load_all((DATA / "concepts.yaml").read_text("utf-8")) if c]
    kind = {c["id"]: c["kind"] for c in concepts}
    offenders = [
        (c["id"], b) for c in concepts for b in c.get("broader") or () if not broader_allowed(c["kind"], kind[b])
    ]
    assert offenders == []
    assert not broader_allowed("substance", "condition")


def test_a_substance_filed_under_a_condition_is_refused(project: Path) -> None:
    old = "id: ketamine\nlabel: Ketamine\nkind: substance\n"
    edit(project / "data" / "concepts.yaml", old, old + "broader:\n- depression\nlink_sources:\n- concept: depression\n"
         "  relation: broader\n  origin: external\n  reason: Editors' reading.\n")  # fmt: skip
    result = cli("validate", cwd=project)
    assert result.returncode == 1 and "ketamine: KD561 broader.0: 'depression' is a condition" in result.stdout


def test_glosses_with_a_verb_of_a_listed_word_or_compatibility_letters_are_refused(project: Path) -> None:
    concepts = project / "data" / "concepts.yaml"
    old = "  text: A drug used in medicine. 'Medication' says what"
    original = concepts.read_text(encoding="utf-8")
    cases = [("approved to treat depression", "KD606"), ("that \uff43\uff55\uff52\uff45\uff53 pain", "KD562"),
             ("that \U0001d41c\U0001d42e\U0001d42b\U0001d41e\U0001d42c pain", "KD562")]  # fmt: skip
    for words, code in cases:
        concepts.write_text(original.replace(old, f"  text: A drug {words}. 'Medication' says what", 1), "utf-8")
        result = cli("validate", cwd=project)
        assert result.returncode == 1 and f"medication: {code} " in result.stdout, (words, result.stdout)
