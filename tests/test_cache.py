"""The validation cache speeds editors up and can never hide a problem."""

from __future__ import annotations

import json
import marshal
import shutil
from pathlib import Path

import pytest

from ketdata._validation.cache import ResultCache, cache_root, folder_for
from ketdata._validation.pipeline import run

from .helpers import DAY, ROOT, edit, line_of
from .test_corpus import CASES, build


def problems(data: Path, *, cache: bool = True) -> list[tuple[str, str, int, str | None]]:
    return [
        (p.code, p.file, p.line, p.record_id)
        for p in run(data, cache=cache).problems
        if p.code not in ("KD601", "KD514")
    ]


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own user cache folder (what ``$KETDATA_CACHE_DIR`` is for), outside its project."""
    folder = tmp_path_factory.mktemp("user-cache") / "ketdata"
    monkeypatch.setenv("KETDATA_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def warm(data: Path) -> Path:
    assert problems(data) == []
    assert any(cache_root().rglob("*.marshal"))
    return data


def test_cached_and_fresh_runs_agree(warm: Path) -> None:
    edit(warm / "claims/identity.yaml", "category: identity", "category: identiy")
    assert problems(warm) == problems(warm, cache=False) != []
    assert problems(warm) == problems(warm, cache=False)


@pytest.mark.parametrize("case", CASES)
def test_every_corpus_case_validates_the_same_from_the_cache(case: str, tmp_path: Path) -> None:
    """What the checks across records read of a cached record (the values its schema check took out, too)."""
    data = build(case, tmp_path)

    def found(**how: bool) -> list[tuple[object, ...]]:
        return [(p.code, p.file, p.line, p.column, p.record_id, p.message) for p in run(data, **how).problems]

    fresh = found()
    assert found(cache=True) == fresh  # the entries written
    assert found(cache=True) == fresh  # the entries read


@pytest.mark.parametrize(
    "checked",
    [None, [["not", "rows"]], ([("a text, not a record", {}, 1, 1, 0)], [], [True]), ([(1, 2)], [], [])],
    ids=["missing", "not-rows", "value-not-a-mapping", "short-row"],
)
def test_an_entry_of_another_shape_is_ignored(warm: Path, checked: object) -> None:
    for entry in cache_root().rglob("*.marshal"):
        value = marshal.loads(entry.read_bytes())
        value.pop("checked")
        entry.write_bytes(marshal.dumps(value if checked is None else {**value, "checked": checked}))
    edit(warm / "claims/identity.yaml", "category: identity", "category: identiy")
    assert [p[0] for p in problems(warm)] == ["KD202"]
    assert problems(warm) == problems(warm, cache=False)


def test_an_edit_is_never_hidden(warm: Path) -> None:
    edit(warm / "claims/names.yaml", "version: 3", "version: 0")
    assert [p[0] for p in problems(warm)] == ["KD101"]
    edit(warm / "claims/names.yaml", "version: 0", "version: 3")
    assert problems(warm) == []


def test_a_rename_is_never_hidden(warm: Path) -> None:
    edit(warm / "claims/names.yaml", "version: 3", "version: 0")
    problems(warm)
    (warm / "claims/names.yaml").rename(warm / "claims/names-2.yaml")  # still a file of the names category
    (found,) = problems(warm)
    assert found[1] == str(warm / "claims/names-2.yaml")
    assert found[2] == line_of(warm / "claims/names-2.yaml", "version: 0")


def test_a_schema_change_is_never_hidden(warm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas = shutil.copytree(ROOT / "schema", warm.parent / "schema")
    claim = json.loads((schemas / "claim.schema.json").read_text(encoding="utf-8"))
    claim["properties"]["statement"]["maxLength"] = 20
    (schemas / "claim.schema.json").write_text(json.dumps(claim), encoding="utf-8")
    monkeypatch.setattr("ketdata._validation.pipeline.schema_dir", lambda: schemas)
    assert "KD101" in {p[0] for p in problems(warm)}


def test_new_ketdata_code_starts_a_new_cache(tmp_path: Path) -> None:
    code = shutil.copytree(ROOT / "ketdata", tmp_path / "ketdata")
    before = ResultCache(tmp_path / "c", ROOT / "schema", code).key("claims/a.yaml", b"id: x")
    (code / "_validation/rules.py").write_text(
        (code / "_validation/rules.py").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    after = ResultCache(tmp_path / "c", ROOT / "schema", code).key("claims/a.yaml", b"id: x")
    assert before != after


def test_a_damaged_cache_is_ignored(warm: Path) -> None:
    for entry in cache_root().rglob("*.marshal"):
        entry.write_text("{not json", encoding="utf-8")
    edit(warm / "claims/identity.yaml", "category: identity", "category: identiy")
    assert [p[0] for p in problems(warm)] == ["KD202"]


def test_a_truncated_entry_is_ignored(warm: Path) -> None:
    for entry in cache_root().rglob("*.marshal"):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])
    edit(warm / "claims/identity.yaml", "category: identity", "category: identiy")
    assert [p[0] for p in problems(warm)] == ["KD202"]


def test_a_file_with_a_yaml_date_is_checked_every_time(warm: Path) -> None:
    edit(warm / "dataset.yaml", f"release_date: '{DAY}'", f"release_date: {DAY}")
    first = problems(warm)
    assert [p[0] for p in first] == ["KD105"]
    assert problems(warm) == first == problems(warm, cache=False)


def entries(data: Path) -> list[str]:
    return sorted(p.name for p in cache_root().rglob("*.marshal"))


def test_entries_a_run_does_not_use_are_removed(warm: Path) -> None:
    before = entries(warm)
    assert len(before) == len(list(warm.rglob("*.yaml")))
    edit(warm / "claims/names.yaml", "version: 3", "version: 4")
    problems(warm)
    after = entries(warm)
    assert len(after) == len(before) and len(set(after) - set(before)) == 1


def test_neighbouring_data_folders_keep_their_own_entries(warm: Path) -> None:
    twin = shutil.copytree(warm, warm.parent / "data-twin")
    assert problems(twin) == []
    problems(warm)
    assert len(entries(warm)) == 2 * len(list(warm.rglob("*.yaml")))


def test_the_cache_is_safe_to_delete(warm: Path) -> None:
    shutil.rmtree(cache_root())
    assert problems(warm) == []


def test_the_command_line_caches_only_when_asked(data: Path) -> None:
    import subprocess
    import sys

    def validate(*flags: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "ketdata", "validate", str(data), *flags], check=True, capture_output=True
        )

    validate()
    assert not cache_root().exists()
    validate("--cache")
    assert any(folder_for(data).rglob("*.marshal"))
    inside = [p for p in data.parent.rglob("*.marshal") if cache_root() not in p.parents]
    assert inside == [], "the cache never lives inside the project"


def test_a_copied_or_altered_entry_is_ignored(tmp_path: Path) -> None:
    from ketdata._read.paths import schema_dir

    cache = ResultCache(tmp_path / "cache", schema_dir())
    good, other = cache.key("a.yaml", b"a"), cache.key("b.yaml", b"b")
    cache.put(good, b"a", {"problems": []})
    assert cache.get(good, b"a") == {"problems": [], "key": good, "sha256": cache.get(good, b"a")["sha256"]}  # type: ignore[index]
    assert cache.get(good, b"changed") is None
    copied = tmp_path / "cache" / other[:2] / f"{other}.marshal"
    copied.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "cache" / good[:2] / f"{good}.marshal", copied)
    assert cache.get(other, b"b") is None
    entry = tmp_path / "cache" / good[:2] / f"{good}.marshal"
    entry.write_bytes(entry.read_bytes()[:-1] + b"\0")
    assert cache.get(good, b"a") is None


def test_pruning_deletes_only_the_caches_own_entries(warm: Path) -> None:
    folder = folder_for(warm)
    foreign = [folder / "notes.txt", folder / "ab" / "mine.marshal", folder / "zz" / ("0" * 64 + ".marshal")]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not the cache's", encoding="utf-8")
    edit(warm / "claims/names.yaml", "status: active", "status: bogus")
    problems(warm)
    assert all(p.read_text(encoding="utf-8") == "not the cache's" for p in foreign)


def test_a_cache_folder_that_is_a_link_is_never_used(data: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    cache_root().mkdir(parents=True)
    folder_for(data).symlink_to(elsewhere)
    assert problems(data) == problems(data, cache=False)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


def test_a_cache_folder_others_can_write_is_never_used(warm: Path) -> None:
    """Entries someone else could have planted are not read: the folder must be the user's alone."""
    folder = folder_for(warm)
    folder.chmod(0o777)
    edit(warm / "claims/identity.yaml", "category: identity", "category: identiy")
    for entry in folder.rglob("*.marshal"):
        entry.write_bytes(b"planted")
    assert problems(warm) == problems(warm, cache=False) != []
    assert all(e.read_bytes() == b"planted" for e in folder.rglob("*.marshal")), "nothing read or pruned there"
