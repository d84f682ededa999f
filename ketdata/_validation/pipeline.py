"""Validation: every record against its schema, then the rules across records; all problems, sorted."""

from __future__ import annotations

import contextlib
import datetime
import functools
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketdata._io.forked import Shared
from ketdata._io.gc import paused
from ketdata._io.overlay import overlaid
from ketdata._io.transaction import journal_problems
from ketdata._io.yaml import Document, NodeCache
from ketdata._model.convert import build_dataset
from ketdata._model.dataset import Dataset
from ketdata._model.frozen import replace
from ketdata._model.problems import DataError, LazyDataset, Problem, Severity, problem, short
from ketdata._read.paths import data_dir as shipped_data_dir
from ketdata._read.paths import project_root, schema_dir
from ketdata._validation.attribution import attribution_problems
from ketdata._validation.cache import ResultCache, folder_for, problem_from_list, problem_to_list, refused_root
from ketdata._validation.caveat_kinds import caveat_kind_problems
from ketdata._validation.coverage import SentenceCoverage
from ketdata._validation.fidelity import SourceText, fidelity_problems
from ketdata._validation.folder import DataFile, RawRecord, discover, kind_at, read_bytes, read_file
from ketdata._validation.governance import (
    conflict_problems,
    declared_rule_problems,
    overdue_problems,
    review_problems,
    unreviewed_problems,
)
from ketdata._validation.governs import governs_problems
from ketdata._validation.history import (
    VersionRules,
    future_release,
    missing_release,
    release_problems,
    releases_dir,
)
from ketdata._validation.index import RecordIndex
from ketdata._validation.lists import list_problems
from ketdata._validation.maintainers import maintainer_problems
from ketdata._validation.prose_amounts import prose_amount_problems
from ketdata._validation.quantity import quantity_problems
from ketdata._validation.refs import load_schemas
from ketdata._validation.review_log import review_log_problems
from ketdata._validation.reviewers import reviewer_problems
from ketdata._validation.revisions import update_problems
from ketdata._validation.rules import Rules, record_problems
from ketdata._validation.schema import Validators, build_validators, schema_check
from ketdata._validation.wording import wording_problems
from ketdata._validation.words import forget as forget_words

# From how many records the checks across records are shared with a forked child (a fork costs milliseconds).
FORK_AT = 4000
# From how many bytes of YAML the files are read and checked in two processes.
FORK_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one validation run: the problems, the typed dataset, and each source's coverage.

    Attributes:
        problems: Every problem found, sorted by place.
        rules: The rules across records, which can also tell each source's coverage.
    """

    problems: tuple[Problem, ...]
    rules: Rules
    lazy: LazyDataset = field(default_factory=LazyDataset, repr=False, compare=False)

    @property
    def built(self) -> Dataset | None:
        """The dataset built from the same parse (on first request), or None.

        None when some record failed its schema or a file could not be read (other rules may have failed even
        when it is built: ask ``ok``), or when building failed (``unbuilt`` says why).
        """
        return self.lazy.get()

    @property
    def unbuilt(self) -> tuple[Problem, ...]:
        """The KD101 problem of a dataset that could not be built though its records passed their schemas."""
        self.lazy.get()
        return self.lazy.problems

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def structural(self) -> list[Problem]:
        """The errors that keep records from being built (unreadable files, schema breaks): KD0xx and KD1xx."""
        return [p for p in self.problems if p.severity is Severity.ERROR and p.code[:3] in ("KD0", "KD1")]

    def dataset(self) -> Dataset:
        """The typed dataset; raises `DataError` with the structural problems when it could not be built."""
        built = self.built
        if built is None:
            raise DataError(list(self.unbuilt) or self.structural or list(self.problems))
        return built

    @property
    def coverage(self) -> dict[str, list[SentenceCoverage]]:
        """Each source's sentences and the records quoting them, worked out only when asked for."""
        return self.rules.coverage()


def run(
    path: str | os.PathLike[str] | None = None, today: datetime.date | None = None, *, cache: bool = False
) -> Report:
    """Validate a data folder (None: the shipped data) and report problems and coverage.

    Args:
        path: The data folder; None for the shipped data.
        today: The date overdue reviews are judged against (default: today, UTC).
        cache: Reuse, and keep, each unchanged file's parse and schema check in the user's cache folder
            (see `ketdata._validation.cache`); the rules across records run on everything regardless.
    """
    folder = Path(path) if path is not None else shipped_data_dir()
    refused = refused_root(folder) if cache else None
    results = ResultCache(folder_for(folder), schema_dir()) if cache and refused is None else None
    try:
        with paused():
            report = _run(folder, today, results)
    finally:
        forget_words()
    if refused is None:
        return report
    note = problem("KD034", str(folder), 1, 1, None, f"validated without the cache: {refused}")
    return Report(tuple(sorted((*report.problems, note), key=Problem.sort_key)), report.rules, report.lazy)


def run_state(path: Path, files: Mapping[Path, bytes], today: datetime.date | None = None) -> Report:
    """Validate a data folder as it would be with ``files`` holding the bytes given; nothing is written.

    This is how a command that changes the data checks its change before writing a byte.
    """
    with overlaid(files):
        return run(path, today)


def _checked_file(
    data_file: DataFile, data: bytes, nodes: NodeCache, validators: Validators
) -> tuple[list[RawRecord], list[Problem], list[bool]]:
    records, problems = read_file(data_file, data, nodes)
    valid = []
    for record in records:
        found, record.value, record.taken = schema_check(validators[record.kind], record)
        problems += found
        problems += record_problems(record)
        # A value that could not be read at all is reported once (KD016; KD007 for a tag), and keeps the record
        # out of the checks that trust its schema.
        ok = not found and not any(p.code in ("KD007", "KD016") for p in record.doc.problems)
        if ok:
            problems += unreviewed_problems(record)
            problems += update_problems(record)
        valid.append(ok)
    return records, problems, valid


def _cached_file(
    data_file: DataFile, data: bytes, nodes: NodeCache, validators: Validators, results: ResultCache
) -> _Checked:
    key = results.key(str(data_file.path), data)
    entry = results.get(key, data)
    if entry is not None:
        with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError):  # one of another shape is not used
            return _checked(data_file, entry["checked"], nodes)
    checked = _checked_file(data_file, data, nodes, validators)
    results.put(key, data, {"checked": _plain(*checked)})
    return checked


_Checked = tuple[list[RawRecord], list[Problem], list[bool]]


def _checked_files(
    loaded: list[tuple[DataFile, bytes | None, list[Problem]]],
    nodes: NodeCache,
    validators: Validators,
    results: ResultCache | None,
) -> list[_Checked | None]:
    """Each file's records, problems and schema verdicts (None for a file that could not be read), in order.

    Reading and checking each file alone is about half of a validation: on a large folder a second core
    checks the last files meanwhile (not with the cache, whose entries only this process writes): 48 % of the
    bytes. Measured at 20,000 and 100,000 claims, both processes then finish together: the child sends its answer
    back, and this process reads it and attaches its records to its own nodes, which costs a little more.
    """

    def check(part: list[tuple[DataFile, bytes | None, list[Problem]]]) -> list[_Checked | None]:
        if results is not None:
            return [None if data is None else _cached_file(f, data, nodes, validators, results) for f, data, _ in part]
        return [None if data is None else _checked_file(f, data, nodes, validators) for f, data, _ in part]

    upto = list(itertools.accumulate(len(data or b"") for _, data, _ in loaded))
    total = upto[-1] if upto else 0
    half = next((i + 1 for i, size in enumerate(upto) if size * 25 >= total * 13), len(upto))
    rest_part = loaded[half:]
    with Shared([lambda: _portable(check(rest_part))], worth_it=results is None and total >= FORK_BYTES) as rest:
        checked = check(loaded[:half])
        return checked + _attached(rest_part, rest.results()[0], nodes)


# A file's check as plain values, as the cache keeps it and as the forked child sends it back (pickled by C code
# alone: a tenth of the cost of pickling the objects, which is as long as checking the file). What the checks across
# records read of a record is kept: its value, the values of a wrong type its schema check took out, its place.
_Plain = tuple[list[tuple[Any, ...]], list[list[Any]], list[bool]]


def _plain(records: list[RawRecord], problems: list[Problem], valid: list[bool]) -> _Plain:
    rows = [(r.value, r.taken, r.doc.line, r.doc.column, r.doc.index) for r in records]
    return rows, [problem_to_list(p) for p in problems], valid


def _checked(data_file: DataFile, plain: _Plain, nodes: NodeCache) -> _Checked:
    """A file's check back from its plain values, its records reading their places from this process's nodes."""
    rows, problems, valid = plain
    name = str(data_file.path)
    records = [RawRecord(data_file.kind, name, value, Document(value, line, column, name, index, nodes), dict(taken))
               for value, taken, line, column, index in rows]  # fmt: skip
    return records, list(map(problem_from_list, problems)), list(valid)


def _portable(checked: list[_Checked | None]) -> list[_Plain | None]:
    """Each file's check as plain values, for the process that asked for it."""
    return [None if found is None else _plain(*found) for found in checked]


def _attached(
    part: list[tuple[DataFile, bytes | None, list[Problem]]], plain: list[_Plain | None], nodes: NodeCache
) -> list[_Checked | None]:
    return [None if found is None else _checked(f, found, nodes) for (f, _, _), found in zip(part, plain, strict=True)]


def _run(folder: Path, today: datetime.date | None, results: ResultCache | None) -> Report:
    files, problems = discover(folder)
    validators = build_validators(load_schemas(schema_dir()))
    nodes = NodeCache()
    records: list[RawRecord] = []
    schema_valid: set[int] = set()
    # Kinds with a file that could not be read, and that file: their records are not "gone", nor missing.
    unread: dict[str, str] = {}
    for refused in problems:
        kind = kind_at(folder, Path(refused.file)) if refused.code in ("KD012", "KD017") else None
        if kind is not None:
            unread.setdefault(kind, refused.file)
    loaded = [(data_file, *read_bytes(data_file.path)) for data_file in files]
    for (data_file, data, found), checked in zip(
        loaded, _checked_files(loaded, nodes, validators, results), strict=True
    ):
        problems += found
        if data is None or checked is None:
            unread.setdefault(data_file.kind, str(data_file.path))
            continue
        file_records, found, valid = checked
        records += file_records
        problems += found
        if not file_records and any(p.severity is Severity.ERROR for p in found):
            unread.setdefault(data_file.kind, str(data_file.path))
        schema_valid.update(id(r) for r, ok in zip(file_records, valid, strict=True) if ok)
    del loaded  # the files' bytes: the records hold what the rules need, and the rules need the memory
    if results is not None:
        results.prune()
    # One index of the records for every rule family, built once.
    index = RecordIndex.of(records, schema_valid)
    found_release, snapshot = release_problems(releases_dir(folder))
    try:
        versions: VersionRules | DataError | None = VersionRules(snapshot) if snapshot is not None else None
    except DataError as exc:
        versions = exc
    released = versions.kinds if isinstance(versions, VersionRules) else None
    rules = Rules(index, folder, frozenset(unread), released)
    rules.read_sources()
    texts = (
        {} if unread else {sid: SourceText.of(src.text, rules.section_rows(src)) for sid, src in rules.texts.items()}
    )
    # The checks across records take longer than reading the files: on a large folder a forked child starts on the
    # longest family while this process runs `Rules.run`, then each takes the next family. They need every record:
    # not run when a file could not be read (KD018 says so).
    families = [] if unread else _families(index, texts)
    with Shared(families, worth_it=len(records) >= FORK_AT) as shared:
        problems += rules.run()
        problems = [_with_id_choices(p, rules.id_choices) for p in problems]
        # Governance reads every record as the schema check left it (a field of its type, or absent), so a
        # missing field does not hide a record's other checks; only the data's own rules must have passed their
        # schema.
        day = today or datetime.datetime.now(datetime.UTC).date()
        problems += overdue_problems(index.records, day)
        problems += review_problems(index.records, day)
        if index.kind("dataset") and not index.kind("rule") and "rule" not in unread:
            problems.append(_no_rules(folder))
        problems += [p for found in shared.results() for p in found]
    problems += _not_judged(unread) if unread else []
    problems += journal_problems(project_root(folder))
    problems += review_log_problems(index, folder)
    problems += found_release
    problems += missing_release(index, releases_dir(folder))
    # Against the clock, not the day reviews are judged on (a test may set that): `release --date` reads it too.
    problems += future_release(next(iter(index.valid("dataset")), None), datetime.datetime.now(datetime.UTC).date())
    if versions is not None:
        # Every problem at once: a record in error is judged for its version too, but the advice says that the
        # change may itself be the error (a quote typo is fixed, not versioned).
        failing = {p.record_id for p in problems if p.severity is Severity.ERROR}
        found = versions.check(index, unread.keys()) if isinstance(versions, VersionRules) else list(versions.problems)
        problems += [_if_meant(p) if p.record_id in failing and p.code in ("KD501", "KD502") else p for p in found]
    buildable = len(schema_valid) == len(records) and not unread and not _structural(problems)
    info = next((r.value for r in records if r.kind == "dataset"), None) if buildable else None
    make = functools.partial(_build, folder, info, records) if info is not None else None
    return Report(tuple(sorted(problems, key=Problem.sort_key)), rules, LazyDataset(make))


def _families(index: RecordIndex, texts: Mapping[str, SourceText]) -> list[Callable[[], list[Problem]]]:
    """The families of checks across records besides `Rules.run`, the longest first (the forked child's first).

    Longest first, as measured on a fresh process at 20,000 claims (wording 1.3 s of CPU, the declared rules 0.7,
    prose amounts 0.3, fidelity and attribution 0.25 each, the rest a few milliseconds): whichever process is
    free takes the next, so the short ones come last and even out the two processes' ends.

    The fidelity checks read records whole: only those that passed their schema.
    """
    return [
        lambda: wording_problems(index, texts),
        lambda: list(declared_rule_problems(index, texts)),
        lambda: list(prose_amount_problems(index, texts)),
        lambda: list(fidelity_problems(index, texts)),
        lambda: list(attribution_problems(index, texts)),
        lambda: list(quantity_problems(index)),
        lambda: list(reviewer_problems(index)),
        lambda: list(conflict_problems(index)),
        lambda: caveat_kind_problems(index) + governs_problems(index) + list_problems(index, texts),
        lambda: list(maintainer_problems(index)),
    ]


def _structural(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR and p.code[:3] in ("KD0", "KD1") for p in problems)


def _build(folder: Path, info: dict[str, Any], records: list[RawRecord]) -> Dataset | Problem:
    """The dataset from the records already parsed and schema-checked, or the KD101 problem saying it cannot be."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record.kind != "dataset":
            by_kind.setdefault(record.kind, []).append(record.value)
    try:
        with paused():
            return build_dataset(info, by_kind, str(folder / "sources"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The schemas should make this impossible: say so rather than pass silently.
        return problem("KD101", str(folder), 0, 0, None, f"records could not be built ({short(exc)})")


def _if_meant(found: Problem) -> Problem:
    message = found.message.replace("; set version:", "; if the change is meant, set version:")
    return replace(found, message=f"{message} (its other problems may be the change: fix them first)")


def _no_rules(folder: Path) -> Problem:
    """KD040: no rule records at all, so every check the data declares for itself would be off, silently."""
    msg = ("the data declares no rules (data/rules.yaml is gone or empty): every check it declares for itself "
           "(caveats on risky claims, strong words, statements from their evidence) would be off; restore "
           "it")  # fmt: skip
    return problem("KD040", str(folder / "rules.yaml"), 1, 1, None, msg)


def _not_judged(unread: dict[str, str]) -> list[Problem]:
    """Say which checks did not run because a file of records could not be read (its problem says why)."""
    return [
        problem("KD018", file, 1, 1, None, f"the {kind.replace('_', ' ')} records of this file could not be read, so "
                "the checks that need every record (the data's own rules, conflicts, references to them, released "
                "records gone, sentences quoted by no record) were not run for them; fix the file and validate again")
        for kind, file in sorted(unread.items())
    ]  # fmt: skip


def _with_id_choices(found: Problem, choices: dict[tuple[str, int, int], str]) -> Problem:
    advice = choices.get((found.file, found.line, found.column)) if found.code == "KD105" else None
    if advice is None:
        return found
    message = found.message.replace("; quote the value", f"; write {advice}")
    return replace(found, message=message, hint=f"Write {advice}.")


def validate(path: str | Path | None = None) -> list[Problem]:
    """Validate a YAML data folder and return every problem found, sorted by file and line.

    Args:
        path: The data folder; None for the data shipped with the package.

    Returns:
        All problems (errors, warnings and infos); the data is valid when none is an error.
    """
    with paused():  # the report is sorted while the heap is at its largest: no collector pass over it
        return list(run(path).problems)
