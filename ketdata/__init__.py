"""ketdata: a versioned, schema-validated dataset of what one short article says about ketamine.

Read it with ``ketdata.load()``; check an edited data folder with ``ketdata.validate(path)``.
Importing the package and loading the shipped data use the standard library only.
"""

from __future__ import annotations

from ketdata._editor.diff import Diff, FieldChange, RecordChange, diff
from ketdata._model.problems import DataError, Problem, Severity, ValidationReport
from ketdata._model.records import (
    Category,
    Caveat,
    Claim,
    ClaimObject,
    Coding,
    Concept,
    Dataset,
    DatasetInfo,
    DecisionRow,
    EvidenceSpan,
    EvidenceStatus,
    Gloss,
    Maintainer,
    Predicate,
    Qualifier,
    Quantity,
    Record,
    Review,
    Rule,
    Scope,
    Section,
    Source,
    SourceRange,
    SourceRevision,
    UnknownRecordError,
)
from ketdata._read.load import load, load_json, shipped_version
from ketdata._read.version import package_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike

__version__ = package_version(shipped_version())
"""The package version: the version of the dataset it ships (``ketdata.load().info.version``), with a
``.postN`` suffix only for a fix to the code alone."""

__all__ = [
    "Category",
    "Caveat",
    "Claim",
    "ClaimObject",
    "Coding",
    "Concept",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "DecisionRow",
    "Diff",
    "EvidenceSpan",
    "EvidenceStatus",
    "FieldChange",
    "Gloss",
    "Maintainer",
    "Predicate",
    "Problem",
    "Qualifier",
    "Quantity",
    "Record",
    "RecordChange",
    "Review",
    "Rule",
    "Scope",
    "Section",
    "Severity",
    "Source",
    "SourceRange",
    "SourceRevision",
    "UnknownRecordError",
    "ValidationReport",
    "__version__",
    "diff",
    "load",
    "load_json",
    "validate",
]


def validate(path: str | PathLike[str] | None = None) -> ValidationReport:
    """Validate a YAML data folder: schemas, references, quotes against the source, and coverage.

    Args:
        path: The data folder; None for the data shipped with the package.

    Returns:
        Every problem found, errors first; ``report.ok`` is True when there is no error.
    """
    from pathlib import Path

    from ketdata._validation.pipeline import validate as _validate

    return ValidationReport(_validate(None if path is None else Path(path)))
