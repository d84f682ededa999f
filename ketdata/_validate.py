"""Validation: every record against its schema, then the rules across records; all problems, sorted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from ketdata._coverage import SentenceCoverage
from ketdata._folder import read_records
from ketdata._gc import paused
from ketdata._governance import conflict_problems, declared_rule_problems, review_problems
from ketdata._paths import data_dir as shipped_data_dir
from ketdata._paths import schema_dir
from ketdata._problems import Problem
from ketdata._rules import Rules
from ketdata._schema import build_validators, load_schemas, schema_problems
from ketdata._versions import VersionRules, latest_snapshot, releases_dir


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one validation run: the problems, and the coverage of each source."""

    problems: tuple[Problem, ...]
    coverage: dict[str, list[SentenceCoverage]]


def run(path: str | Path | None = None, today: datetime.date | None = None) -> Report:
    """Validate a data folder (None: the shipped data) and report problems and coverage."""
    with paused():
        return _run(path, today)


def _run(path: str | Path | None, today: datetime.date | None) -> Report:
    folder = Path(path) if path is not None else shipped_data_dir()
    records, problems = read_records(folder)
    validators = build_validators(load_schemas(schema_dir()))
    schema_valid: set[int] = set()
    for record in records:
        found = schema_problems(validators[record.kind], record)
        problems += found
        if not found:
            schema_valid.add(id(record))
    rules = Rules(records)
    problems += rules.run()
    # Governance reads field values freely, so it looks only at records that passed their schema.
    valid = [r for r in records if id(r) in schema_valid]
    problems += review_problems(valid, today or datetime.datetime.now(datetime.UTC).date())
    problems += declared_rule_problems(valid)
    problems += conflict_problems(valid)
    snapshot = latest_snapshot(releases_dir(folder))
    if snapshot is not None:
        problems += VersionRules(snapshot).check(records, schema_valid)
    return Report(tuple(sorted(problems, key=Problem.sort_key)), rules.coverage)


def validate(path: str | Path | None = None) -> list[Problem]:
    """Validate a YAML data folder and return every problem found, sorted by file and line.

    Args:
        path: The data folder; None for the data shipped with the package.

    Returns:
        All problems (errors, warnings and infos); the data is valid when none is an error.
    """
    return list(run(path).problems)
