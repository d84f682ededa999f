"""ketdata: a versioned, schema-validated dataset of what one short article says about ketamine.

Read it with ``ketdata.load()``; check an edited data folder with ``ketdata.validate(path)``.
Importing the package and loading the shipped data use the standard library only.
"""

from __future__ import annotations

from ketdata._load import load, load_json
from ketdata._model import (
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
    Scope,
    Section,
    Source,
    SourceRange,
    UnknownRecordError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike

    from ketdata._diff import Diff, FieldChange, RecordChange, diff
    from ketdata._problems import DataError, Problem, Severity

__version__ = "0.1.0"

# The validation types load on first use, so that readers of the data never pay for them.
_LAZY = {
    "DataError": "ketdata._problems",
    "Problem": "ketdata._problems",
    "Severity": "ketdata._problems",
    "Diff": "ketdata._diff",
    "RecordChange": "ketdata._diff",
    "FieldChange": "ketdata._diff",
    "diff": "ketdata._diff",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ketdata' has no attribute {name!r}")


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
    "RecordChange",
    "Scope",
    "Section",
    "Severity",
    "Source",
    "SourceRange",
    "UnknownRecordError",
    "diff",
    "load",
    "load_json",
    "validate",
]


def validate(path: str | PathLike[str] | None = None) -> list[Problem]:
    """Validate a YAML data folder: schemas, references, quotes against the source, and coverage.

    Args:
        path: The data folder; None for the data shipped with the package.

    Returns:
        Every problem found, sorted by file and line; the data is valid when none is an error.
    """
    from pathlib import Path

    from ketdata._validate import validate as _validate

    return _validate(None if path is None else Path(path))
