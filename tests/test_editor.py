"""Editor tooling: locate, new, fmt, show, list, pre-commit hooks, and shell conventions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ketdata

from .helpers import DATA, LATEST, ROOT, findings

TEXT = (DATA / "sources" / "ketamine-overview.txt").read_text(encoding="utf-8")


def cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "ketdata", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)  # fmt: skip


# --- locate -----------------------------------------------------------------------------------------


def test_locate_prints_a_block_ready_to_paste() -> None:
    result = cli("locate", "can also be taken orally")
    assert result.returncode == 0
    (block,) = yaml.safe_load(result.stdout)["evidence"]
    start = TEXT.index("can also be taken orally")
    assert block == {"source": "ketamine-overview", "section": "ketamine-in-therapy", "role": "statement",
                     "quote": "can also be taken orally", "start": start, "end": start + 24}  # fmt: skip


def test_locate_counts_code_points_not_bytes() -> None:
    quote = "In recent years"
    (block,) = yaml.safe_load(cli("locate", quote).stdout)["evidence"]
    assert block["start"] == TEXT.index(quote) != TEXT.encode("utf-8").index(quote.encode("utf-8"))


def test_locate_fails_clearly_on_an_ambiguous_quote() -> None:
    result = cli("locate", "Ketamine therapy")
    assert result.returncode == 1 and result.stdout == ""
    assert "occurs" in result.stderr and "quote more of it" in result.stderr


@pytest.mark.parametrize(
    ("quote", "how"),
    [("KETAMINE IS A MEDICATION", "letter case"), ("Ketamine  is a\nmedication", "white space"),
     ("ketamine is a medicine", "'medicine' where the source has 'medication'")],
)  # fmt: skip
def test_locate_reports_the_nearest_match_and_how_it_differs(quote: str, how: str) -> None:
    result = cli("locate", quote)
    assert result.returncode == 1
    assert how in result.stderr
    assert yaml.safe_load(result.stdout)["evidence"][0]["quote"] == "Ketamine is a medication"


def test_locate_unknown_source_is_a_usage_error() -> None:
    result = cli("locate", "ketamine", "--source", "no-such-source")
    assert result.returncode == 2 and "no source with id" in result.stderr


# --- new --------------------------------------------------------------------------------------------

# Not the sentence on the sessions: records quoting its "usually" must read it as claims 024 to 027 do (KD322),
# and `new claim` gives no reading. The sentence on doses and supervision needs none.
SUPERVISION = ("In therapy, ketamine is typically administered in low doses and under the supervision of a trained "
               "medical professional")  # fmt: skip
# A literal object is the whole phrase after the predicate (KD634), up to the sentence's end.
DOSES = "low doses and under the supervision of a trained medical professional"
CLAIM_ARGS = ("new", "claim", "--statement", f"{SUPERVISION}.", "--subject", "ketamine-therapy", "--predicate",
              "typically_administered_at_dose", "--value", DOSES, "--category",
              "therapy-practice", "--evidence", "not-applicable", "--hedge", "typically",
              "--quote", SUPERVISION)  # fmt: skip
DUPLICATE = ("new", "claim", "--statement", "Ketamine can cause dizziness.", "--subject", "ketamine",
             "--predicate", "can_have_side_effect", "--object", "dizziness", "--category", "adverse-effects",
             "--evidence", "established", "--hedge", "can", "--quote",
             "ketamine can have side effects, including hallucinations, confusion, and dizziness")  # fmt: skip


def _files(project: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}


def test_new_refuses_a_duplicate_of_an_existing_record(project: Path) -> None:
    before = _files(project)
    result = cli(*DUPLICATE, cwd=project)
    assert result.returncode == 1 and "repeats claim-047 (same subject, predicate and object)" in result.stderr
    existing = next(v for v in ketdata.load(project / "data").caveats if len(v.evidence) == 1)
    caveat = cli("new", "caveat", "--statement", "Ketamine must be used with care.", "--kind", existing.kind,
                 "--applies-to", "claim-045", "--quote", existing.evidence[0].quote, cwd=project)  # fmt: skip
    assert caveat.returncode == 1 and f"repeats {existing.id} (same kind and the same evidence)" in caveat.stderr
    concept = cli("new", "concept", "--id", "k-dizzy", "--label", "Dizziness", "--kind", "condition", cwd=project)
    assert concept.returncode == 1 and "repeats dizziness (same label)" in concept.stderr
    assert _files(project) == before


def test_new_keeps_nothing_unless_the_whole_dataset_still_validates(project: Path) -> None:
    before = _files(project)
    result = cli(*CLAIM_ARGS, cwd=project)
    assert result.returncode == 1 and "KD608" in result.stderr
    assert "add --caveat caveat-002 --caveat caveat-003 --caveat caveat-005" in result.stderr
    assert _files(project) == before
    assert findings(project / "data") == []


def test_new_claim_gets_the_next_id_and_joins_a_caveat(project: Path) -> None:
    caveats = ("caveat-002", "caveat-003", "caveat-005", "caveat-006")
    released = {v.id: v.version for v in ketdata.load_json(project / f"releases/{LATEST}.json").caveats}
    result = cli(*CLAIM_ARGS, *(a for c in caveats for a in ("--caveat", c)), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    record_id, path = result.stdout.strip().split("\t")
    assert record_id == "claim-049" and path == "data/claims/therapy-practice.yaml"
    ds = ketdata.load(project / "data")
    claim = ds.claim("claim-049")
    assert (claim.version, claim.status, claim.hedge) == (1, "active", "typically")
    assert [(s.role, TEXT[s.start : s.end]) for s in claim.evidence] == [("statement", claim.evidence[0].quote)]
    for caveat in map(ds.caveat, caveats):
        # Each was released at its version: the change makes a new one.
        assert caveat.applies_to[-1] == "claim-049" and caveat.version == released[caveat.id] + 1
    assert findings(project / "data") == []
    assert cli("fmt", "--check", cwd=project).returncode == 0


def test_new_caveat_and_concept(project: Path) -> None:
    # Not the sentence on the session: records quoting its "typically" must read it as claims 026 and 027 do (KD322).
    session = ("In therapy, ketamine is typically administered in low doses and under the supervision of a trained "
               "medical professional")  # fmt: skip
    caveat = cli("new", "caveat", "--statement", f"{session}.", "--kind", "supervision-requirement", "--applies-to",
                 "claim-045", "claim-046", "--hedge", "typically", "--quote", session, cwd=project)  # fmt: skip
    assert caveat.returncode == 0, caveat.stderr
    assert caveat.stdout.startswith("caveat-008\t")
    concept = cli("new", "concept", "--id", "nausea", "--label", "Nausea", "--kind", "condition", cwd=project)
    assert concept.returncode == 0, concept.stderr
    ds = ketdata.load(project / "data")
    assert ds.caveat("caveat-008").applies_to == ("claim-045", "claim-046")
    assert ds.concept("nausea").label == "Nausea"


def test_new_record_that_would_not_validate_is_not_written(project: Path) -> None:
    before = (project / "data/claims/adverse-effects.yaml").read_bytes()
    args = [a if a != "dizziness" else "vertigo" for a in DUPLICATE]
    result = cli(*args, cwd=project)
    assert result.returncode == 1
    assert "KD202" in result.stderr and "not written" in result.stderr
    assert (project / "data/claims/adverse-effects.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("quote", "message"),
    [("Ketamine therapy", "pick one with --nth"), ("Ketamine is a drug", "not in ketamine-overview exactly")],
)
def test_new_with_a_bad_quote_is_a_usage_error(project: Path, quote: str, message: str) -> None:
    args = [*CLAIM_ARGS[:-1], quote]
    result = cli(*args, cwd=project)
    assert result.returncode == 2 and message in result.stderr


def test_new_with_missing_arguments_is_a_usage_error(project: Path) -> None:
    result = cli("new", "claim", "--statement", "x", cwd=project)
    assert result.returncode == 2 and "required" in result.stderr


# --- fmt --------------------------------------------------------------------------------------------


def test_shipped_data_is_canonical() -> None:
    result = cli("fmt", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_fmt_rewrites_to_canonical_form_idempotently(data: Path) -> None:
    names = data / "claims" / "names.yaml"
    records = list(yaml.safe_load_all(names.read_text(encoding="utf-8")))
    messy = "".join("---\n" + yaml.safe_dump(dict(reversed(list(r.items()))), default_flow_style=True)
                    for r in records)  # fmt: skip
    names.write_text(messy, encoding="utf-8")
    check = cli("fmt", data, "--check")
    assert check.returncode == 1 and f"would reformat {names}" in check.stdout
    assert names.read_text(encoding="utf-8") == messy
    assert cli("fmt", data).returncode == 0
    assert names.read_bytes() == (DATA / "claims" / "names.yaml").read_bytes()
    assert cli("fmt", data, "--check").returncode == 0
    assert ketdata.load(data) == ketdata.load(DATA)


def test_fmt_leaves_files_with_comments_alone(data: Path) -> None:
    names = data / "claims" / "names.yaml"
    text = "# street names\n" + names.read_text(encoding="utf-8").replace("version: 2", "version:   2", 1)
    names.write_text(text, encoding="utf-8")
    result = cli("fmt", data)
    # Left alone, the file is still not canonical: `fmt && git commit` must not go on.
    assert "has comments" in result.stderr and result.returncode == 1
    assert names.read_text(encoding="utf-8") == text
    # --check cannot vouch for it: a comment is no way past the format check.
    checked = cli("fmt", data, "--check")
    assert "has comments" in checked.stderr and checked.returncode == 1


def test_fmt_reports_a_file_it_cannot_read(data: Path) -> None:
    (data / "claims" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = cli("fmt", data, "--check")
    assert result.returncode == 1 and "cannot be read" in result.stderr


# --- show and list ----------------------------------------------------------------------------------


def test_show_claim_with_caveats_and_quote_in_context() -> None:
    result = cli("show", "claim-029")
    assert result.returncode == 0
    out = result.stdout
    assert "In ketamine therapy, the drug can also be taken orally." in out
    assert "caveat-006 (supervision-requirement)" in out
    assert "«orally»" in out and "«How is Ketamine Used in Therapy?»" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(("record_id", "expected"), [("caveat-001", "applies to"), ("dizziness", "claim-047")])
def test_show_caveats_and_concepts(record_id: str, expected: str) -> None:
    result = cli("show", record_id)
    assert result.returncode == 0 and expected in result.stdout


def test_show_unknown_id_suggests_and_exits_two() -> None:
    result = cli("show", "claim-1")
    assert result.returncode == 2 and "did you mean" in result.stderr and result.stdout == ""


def test_list_filters_and_formats() -> None:
    table = cli("list", "--category", "adverse-effects")
    assert table.returncode == 0 and "(3 claims)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    rows = json.loads(cli("list", "--evidence", "experimental", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [c.id for c in ketdata.load().claims_with_status("experimental")]
    csv_out = cli("list", "--concept", "dizziness", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "id,category,evidence_status,hedge,statement" and csv_out[1].startswith("claim-047,")
    assert "(46 claims)" in cli("list", "--status", "active").stdout


def test_list_with_an_unknown_filter_is_a_usage_error() -> None:
    result = cli("list", "--category", "adverse-effect")
    assert result.returncode == 2 and "did you mean 'adverse-effects'" in result.stderr


# --- conventions and hooks --------------------------------------------------------------------------

COMMANDS = ["validate", "coverage", "export", "diff", "release", "codes", "locate", "new", "fmt", "show", "list"]


@pytest.mark.parametrize("command", [*COMMANDS, "new claim", "new caveat", "new concept"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.returncode == 0 and "example" in result.stdout


def test_no_colour_codes_in_output() -> None:
    outputs = [cli("show", "claim-001").stdout, cli("list").stdout, cli("validate").stderr]
    assert all("\x1b[" not in out for out in outputs)


def test_pre_commit_hooks_run_real_commands(project: Path) -> None:
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert {h["id"] for h in published} >= {"ketdata-validate"}
    assert [h["entry"] for h in local] == ["ketdata validate", "ketdata fmt --check", "ketdata export --check"]
    shutil.copytree(ROOT / "exports", project / "exports")
    for hook in [*published, *local]:
        command, *args = hook["entry"].split()
        assert command == "ketdata"
        result = cli(*args, cwd=project)
        assert result.returncode == 0, (hook["id"], result.stdout, result.stderr)
