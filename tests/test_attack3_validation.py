"""The third fresh attack's findings on validation, each attacked again from outside (issue #20).

A statement says only what its quotes say: a reading lends it no fact of its own (A3-10), a negation
stays before the words it negates and a modifier of the quote is not silently dropped (A3-4).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketdata._editor.fmt import fmt
from ketdata._io.escape import UnsafeCellError, csv_cell
from ketdata._io.yaml import dump

from .helpers import DATA, ROOT, content_sha256, edit, findings, line_of

THERAPY = "claims/therapy-practice.yaml"
ARTICLE = (DATA / "sources/ketamine-overview.txt").read_text(encoding="utf-8")
ARTICLE_WORDS = {w.casefold() for w in re.findall(r"\w+", ARTICLE)}


def codes_for(folder: Path, record: str) -> set[str]:
    return {p.code for p in findings(folder) if p.record_id == record}


# --- A3-10: a reading's own words are no evidence -----------------------------------------------------------


def test_a_fact_written_into_a_reading_does_not_back_a_statement(data: Path) -> None:
    path = data / THERAPY
    edit(path, "statement: In ketamine therapy, the drug can also be taken orally.",
         "statement: In ketamine therapy, the drug, which cures every patient, can also be taken orally.")  # fmt: skip
    text = path.read_text(encoding="utf-8").replace(
        "'the drug (ketamine in therapy): the subject",
        "'the drug (ketamine in therapy), which cures every patient: the subject",
    )
    path.write_text(text, encoding="utf-8")
    found = [p for p in findings(data) if p.code in ("KD640", "KD606")]
    assert any(p.code == "KD640" and p.record_id == "claim-029" and "cures" in p.message for p in found), found
    # The strong word in the editors' own text is caught whatever the claim's evidence status.
    assert {p.record_id for p in found if p.code == "KD606"} == {"claim-029", "claim-030", "claim-031"}, found


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=9).filter(lambda w: w not in ARTICLE_WORDS))
def test_any_word_the_article_lacks_gets_no_way_in_through_a_reading(
    word: str, tmp_path_factory: pytest.TempPathFactory
) -> None:

    data = tmp_path_factory.mktemp("reading") / "data"
    shutil.copytree(DATA, data)
    path = data / THERAPY
    edit(path, "means: ketamine therapy (the subject", f"means: ketamine therapy {word} (the subject")
    edit(
        path,
        "statement: Ketamine therapy is typically used in cases",
        f"statement: Ketamine therapy {word} is typically used in cases",
    )
    assert "KD640" in codes_for(data, "claim-043")


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        (
            "leaves_out why",
            "why: '''usually'' governs the intravenous route",
            "why: '''usually'' always governs the intravenous route",
        ),
        (
            "reading means",
            "means: 'the drug (ketamine in therapy): the subject",
            "means: 'the drug (ketamine in therapy), proven: the subject",
        ),
    ],
)
def test_strong_words_are_refused_in_every_editors_text(field: str, old: str, new: str, data: Path) -> None:
    edit(data / THERAPY, old, new)
    assert "KD606" in codes_for(data, "claim-029"), field


# --- A3-4: negations and dropped modifiers ------------------------------------------------------------------


def test_a_negation_moved_to_another_clause_is_caught(data: Path) -> None:
    path = data / "claims/effects.yaml"
    edit(path, "can sometimes\n  lead to insights", "can sometimes\n  not lead to insights")
    edit(path, "of action is still not fully understood.", "of action is still fully understood.")
    found = [p for p in findings(data) if p.code == "KD626" and p.record_id == "claim-037"]
    # Both ways: the statement's "not lead" has no quote, and the quote's "not fully" no statement.
    assert sorted(p.message.split(": ")[1].split(",")[0] for p in found) == [
        "the article puts 'not' before 'fully'",
        "the statement puts 'not' before 'lead'",
    ], found


@pytest.mark.parametrize(
    ("file", "record", "old", "new"),
    [
        ("claims/uncertainty.yaml", "claim-039", "is still\n  not fully understood.", "is still\n  fully understood."),
        (
            "claims/therapy-practice.yaml",
            "claim-029",
            "the drug can also be taken orally",
            "the drug cannot also be taken orally",
        ),
        (
            "claims/therapy-practice.yaml",
            "claim-029",
            "the drug can also be taken orally",
            "the drug can't also be taken orally",
        ),
        (
            "claims/therapy-practice.yaml",
            "claim-029",
            "the drug can also be taken orally",
            "the drug can also never be taken orally",
        ),
    ],
)
def test_a_negation_dropped_or_added_is_caught(file: str, record: str, old: str, new: str, data: Path) -> None:
    edit(data / file, f"statement: {old}" if old.startswith("Ketamine") else old, new)
    # A negation of the quote the statement drops is KD633's (the words-from-evidence rule does not repeat it as
    # KD626); an added or moved one is KD626's.
    found = codes_for(data, record)
    assert ("KD633" if "not" in old and "not" not in new else "KD626") in found
    assert not {"KD626", "KD633"} <= found  # one defect, one problem


@pytest.mark.parametrize(
    ("file", "record", "old", "new", "word"),
    [
        (
            "claims/medical-use.yaml",
            "claim-021",
            "for people with treatment-resistant\n  depression.",
            "for people with depression.",
            "treatment-resistant",
        ),
        ("claims/safety-guidance.yaml", "claim-048", "ketamine should only be used", "ketamine should be used", "only"),
    ],
)
def test_a_modifier_the_statement_drops_is_caught(
    file: str, record: str, old: str, new: str, word: str, data: Path
) -> None:
    edit(data / file, old, new)
    found = [p for p in findings(data) if p.code == "KD627" and p.record_id == record]
    assert found and repr(word) in found[0].message, found


def test_a_modifier_left_out_with_a_reason_is_no_problem(data: Path) -> None:
    path = data / "claims/medical-use.yaml"
    edit(path, "for people with treatment-resistant\n  depression.", "for people with depression.")
    edit(path, "  end: 1945\nreview:", "  end: 1945\nleaves_out:\n- text: treatment-resistant\n  why: a test\nreview:")
    assert "KD627" not in codes_for(data, "claim-021")


def test_a_split_sentence_leaves_each_part_to_its_sibling() -> None:
    # claims 014 and 015 split "physical and mental health": each leaves the other's word to the other.
    assert not [p for p in findings(DATA) if p.code in ("KD626", "KD627")]


# --- A3-3: a middle release cannot go missing; SHA256SUMS is read strictly ----------------------------------


def test_a_middle_release_deleted_with_its_ledger_line_is_reported(project: Path) -> None:
    ledger = project / "releases/SHA256SUMS"
    ledger.write_text("".join(line for line in ledger.read_text().splitlines(True) if "3.0.1" not in line))
    (project / "releases/3.0.1.json").unlink()
    found = [p for p in findings(project / "data") if p.code == "KD521"]
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    assert [(Path(p.file).name, changelog[p.line - 1][:10]) for p in found] == [("CHANGELOG.md", "## [3.0.1]")]


def test_every_line_of_the_ledger_is_read_strictly_and_located(project: Path) -> None:
    ledger = project / "releases/SHA256SUMS"
    listed = ledger.read_text().splitlines()
    ledger.write_text(
        "\n".join([*listed, "garbage line here", "ffff  ../data/dataset.yaml", f"{'e' * 64}  9.9.9.json", listed[0]])
        + "\n"
    )
    n = len(listed)
    found = sorted((p.code, p.line) for p in findings(project / "data") if Path(p.file).name == "SHA256SUMS")
    assert found == [("KD507", n + 3), ("KD520", n + 1), ("KD520", n + 2), ("KD520", n + 4)], found


# --- A3-11: a review block's fields fit its status ----------------------------------------------------------

REVIEWED_001 = (
    "review:\n  status: {status}\n  reviewed_by: A Person\n  reviewer_role: tester\n  reviewed_on: '2026-11-26'\n"
)


@pytest.mark.parametrize(
    ("status", "extra", "fields"),
    [
        ("reviewed", "", ["  status"]),  # no review_due: it would never fall due
        ("flagged", "  review_due: '2027-11-26'\n  flags:\n  - wrong-category\n", ["review_due"]),
        ("unreviewed", "", ["reviewed_by", "reviewer_role", "reviewed_on"]),
    ],
)
def test_a_review_block_carries_only_the_fields_of_its_status(
    status: str, extra: str, fields: list[str], data: Path
) -> None:
    path = data / "claims/identity.yaml"
    digest = content_sha256(path, "claim-001")
    block = (
        REVIEWED_001.format(status=status) + extra + (f"  content_sha256: {digest}\n" if status != "unreviewed" else "")
    )
    edit(path, "review:\n  status: unreviewed\n", block)
    found = [p for p in findings(data) if p.code == "KD628"]
    assert [(p.record_id, p.line) for p in found] == [("claim-001", line_of(path, f"{f}:")) for f in fields], found


# --- A3-2: a file in data/sources/ no source names ----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["notes.txt", "x.md", "other.yaml.bak", "d/y.txt", "ketamine-overview.0123456789ab.txt"]
)
def test_a_file_no_source_names_is_reported(name: str, data: Path) -> None:
    path = data / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("x\n", encoding="utf-8")
    assert [(p.code, p.file) for p in findings(data)] == [("KD020", str(path))]


def test_the_texts_sources_name_are_not_reported(data: Path) -> None:
    assert findings(data) == []


# --- A3-12: nothing skipped silently --------------------------------------------------------------------------


def test_a_folder_named_like_a_file_of_records_is_reported(data: Path) -> None:
    (data / "claims/evil.yaml").mkdir()
    assert ("KD017", str(data / "claims/evil.yaml")) in {(p.code, p.file) for p in findings(data)}


def test_deleting_the_rules_is_an_error(data: Path) -> None:
    (data / "rules.yaml").unlink()
    assert [(p.code, p.file) for p in findings(data)] == [("KD040", str(data / "rules.yaml"))]


@pytest.mark.parametrize("inside", [".", "exp", "claims/exp"])
def test_export_never_writes_into_the_data_folder(inside: str, data: Path) -> None:
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    result = subprocess.run(
        [sys.executable, "-m", "ketdata", "export", str(data), "--out", str(data / inside)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "inside the data folder" in result.stderr, result.stderr
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before


# --- A3-14: fmt writes text that YAML 1.1 and YAML 1.2 readers both read as text ----------------------------

WHY_013 = (
    "  why: A second predicate of the same subject, with its own qualifiers (claims 014 and 016 to 018); they\n"
    "    do not govern 'can be dangerous'."
)


NUMBER_LIKE = ["1e3", "0o17", "1.0e3", "1E3", "-1e-3", "+.5", "0x1F", "1_000", ".5", "0o7", "12:30", "yes", "null"]


def test_fmt_quotes_what_any_yaml_reader_takes_for_a_number(data: Path) -> None:
    from ruamel.yaml import YAML

    path = data / "claims/harms.yaml"
    edit(path, WHY_013, '  why: "1e3"')  # not canonical: fmt rewrites it
    assert fmt(data).changed
    written = path.read_text(encoding="utf-8")
    assert "  why: '1e3'\n" in written
    # Read by a YAML 1.2 reader that is not PyYAML, as a pipeline (or Node's yaml before Ajv) reads the file.
    read = [d for d in YAML(typ="safe", pure=True).load_all(written) if d and d.get("id") == "claim-013"]
    assert read[0]["leaves_out"][0]["why"] == "1e3"


@pytest.mark.parametrize("text", NUMBER_LIKE)
def test_the_one_yaml_writer_quotes_every_number_like_text(text: str) -> None:
    from ruamel.yaml import YAML

    written = dump({"why": text}, 100)
    assert YAML(typ="safe", pure=True).load(written) == {"why": text}, written
    assert yaml.safe_load(written) == {"why": text}, written


# --- A3-15: the formula guard reads the NFKC form of the first character -------------------------------------

FORMULA_LOOK_ALIKES = [
    chr(c) for c in range(0x110000)
    if not 0xD800 <= c <= 0xDFFF and unicodedata.normalize("NFKC", chr(c))[:1] in "=+-@" and chr(c) not in "=+-@"
]  # fmt: skip


def test_the_look_alikes_include_the_small_forms() -> None:
    assert {"\ufe62", "\ufe63", "\ufe66", "\ufe6b", "\uff1d"} <= set(FORMULA_LOOK_ALIKES)


@pytest.mark.parametrize("char", FORMULA_LOOK_ALIKES, ids=lambda c: f"U+{ord(c):04X}")
def test_every_formula_look_alike_is_refused_by_the_csv_sink_and_the_schema(char: str) -> None:
    with pytest.raises(UnsafeCellError):
        csv_cell(f"{char}1+1")
    schema = json.loads((ROOT / "schema/common.schema.json").read_text(encoding="utf-8"))["$defs"]["text"]
    assert not re.search(schema["pattern"], f"{char}1+1"), "the schema's text pattern lets it in"


def test_a_small_form_formula_fails_validation(data: Path) -> None:
    edit(data / "claims/harms.yaml", WHY_013, '  why: "\ufe661+1"')
    assert "KD106" in codes_for(data, "claim-013")


# --- A3-20: a concept label lends a statement only the words its id holds -----------------------------------


def test_a_word_only_the_subjects_label_has_does_not_back_a_statement(data: Path) -> None:
    edit(data / "concepts.yaml", "label: Ketamine therapy\n", "label: Harmless ketamine therapy\n")
    edit(
        data / "claims/uncertainty.yaml",
        "statement: Ketamine therapy is still considered an experimental treatment.",
        "statement: Harmless ketamine therapy is still considered an experimental treatment.",
    )
    found = [p for p in findings(data) if p.code == "KD640" and p.record_id == "claim-040"]
    assert found and "harmless" in found[0].message, found


# --- A3-22: claim notes and reasons are the editors' words: no strong words ---------------------------------


def test_a_strong_note_is_refused(data: Path) -> None:
    edit(
        data / THERAPY,
        "- text: The article does not say what the nasal spray contains",
        "- text: The nasal spray is esketamine, which is proven safe and cures depression. The article does not "
        "say what the nasal spray contains",
    )
    found = [p for p in findings(data) if p.code == "KD606" and p.record_id == "claim-031"]
    assert found and "notes" in Path(found[0].file).read_text(encoding="utf-8").splitlines()[found[0].line - 2], found


def test_a_strong_reason_for_leaving_words_out_is_refused(data: Path) -> None:
    path = data / "claims/harms.yaml"
    edit(
        path, WHY_013, "  why: Recreational ketamine is proven safe and cures depression, so this clause is irrelevant."
    )
    found = [p for p in findings(data) if p.code == "KD606" and p.record_id == "claim-013"]
    assert [p.line for p in found] == [line_of(path, "why: Recreational ketamine is proven safe")], found


# --- A3-24: the triple's object is not wider than what the statement names ---------------------------------


def test_an_object_wider_than_the_statement_is_caught(data: Path) -> None:
    path = data / "claims/medical-use.yaml"
    edit(
        path,
        "  concept: treatment-resistant-depression\ncategory: medical-use",
        "  concept: depression\ncategory: medical-use",
    )
    found = [p for p in findings(data) if p.code == "KD629"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [(p.record_id, lines[p.line - 1]) for p in found] == [("claim-021", "  concept: depression")], found


# --- A3-25 (part): load_json reads only a regular file -------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_load_json_refuses_what_is_not_a_regular_file_at_once(kind: str, tmp_path: Path) -> None:
    import ketdata

    path = tmp_path / "fifo.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    code = (
        "import ketdata, sys\ntry:\n    ketdata.load(sys.argv[1])\n"
        "except ketdata.DataError as e:\n    print(e.problems[0].code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "KD015", result.stdout + result.stderr
    with pytest.raises(ketdata.DataError):
        ketdata.load_json(path)


# --- A3-19: a closed pipe is not "problems in the data" -----------------------------------------------------


def test_a_closed_output_pipe_does_not_say_the_data_has_problems() -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as `| head -c 0` would be
    try:
        command = [sys.executable, "-m", "ketdata", "validate", "--verbose", str(DATA)]
        result = subprocess.run(command, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write)
    assert result.returncode == 141 and "Traceback" not in result.stderr, result.stderr


# --- A3-23: a committed link out of the folder is a located problem, not a traceback ------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../etc/passwd"])
def test_diff_against_a_revision_with_a_link_out_says_where(target: str, tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=T", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "data/claims/evil.yaml").symlink_to(target)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "a link"], check=True)
    (tmp_path / "data/claims/evil.yaml").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "ketdata", "diff", "HEAD", "data"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "HEAD:data/claims/evil.yaml:1:1: -: KD017" in result.stderr, result.stderr
