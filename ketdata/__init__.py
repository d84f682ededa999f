"""ketdata: a versioned, schema-validated dataset of what one short article says about ketamine.

Read it with ``ketdata.load()``; check an edited data folder with ``ketdata.validate(path)``.
Importing the package and loading the shipped data use the standard library only.

The record types live in `ketdata.records`, the comparison of two versions in `ketdata.diff`, the
exporters in `ketdata.export`, and every exception in `ketdata.errors`.
"""

from __future__ import annotations

from ketdata._model.dataset import Dataset
from ketdata._model.errors import KetdataError, UnknownRecordError, UsageError
from ketdata._read.load import load_json, load_shipped, shipped_version
from ketdata._read.version import package_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike
    from typing import Any

    from ketdata._model.problems import DataError, Problem, Severity, ValidationReport

__version__ = package_version(shipped_version())
"""The package version: the version of the dataset it ships (``ketdata.load().info.version``), with a
``.postN`` suffix only for a fix to the code alone."""

__all__ = [
    "DataError",
    "Dataset",
    "KetdataError",
    "Problem",
    "Severity",
    "UnknownRecordError",
    "UsageError",
    "ValidationReport",
    "__version__",
    "load",
    "load_json",
    "validate",
]

# The problem model is imported on first use: it needs `enum`, whose import alone costs more than building
# the dataset, and a downstream reader of the shipped data never meets a problem (docs/performance.md).
_PROBLEM_NAMES = ("DataError", "Problem", "Severity", "ValidationReport")


def __getattr__(name: str) -> Any:
    if name not in _PROBLEM_NAMES:
        raise AttributeError(f"module 'ketdata' has no attribute {name!r}")
    from ketdata._model import problems

    value = getattr(problems, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PROBLEM_NAMES})


def load(path: str | PathLike[str] | None = None) -> Dataset:
    """Load the dataset.

    Args:
        path: None for the data shipped with the package (read once from its compiled JSON snapshot
            and cached); a data folder of YAML files, as editors keep it; or a JSON export file.

    Returns:
        The immutable dataset.

    Raises:
        DataError: The data cannot be read, or a record of a folder breaks its schema (the type checks of
            ``ketdata validate``); its ``problems`` say where. ``validate`` also tells the problems across
            records, which ``load`` does not raise for.
        MissingExtraError: ``path`` is a data folder and the ``validate`` extra, which reads YAML, is not
            installed (the message says how to install it).
    """
    if path is None:
        return load_shipped()
    import os

    if os.path.isdir(path) or not os.path.exists(path):
        from ketdata._model.extras import require

        require("ketdata.load() of a YAML data folder", "validate")
        from ketdata._validation.pipeline import run

        return run(path).dataset()
    return load_json(path)


def validate(path: str | PathLike[str] | None = None) -> ValidationReport:
    """Validate a YAML data folder: schemas, references, quotes against the source, and coverage.

    Args:
        path: The data folder; None for the data shipped with the package.

    Returns:
        Every problem found, errors first; ``report.ok`` is True when there is no error, and then
        ``report.dataset`` is the typed dataset, read in the same pass.

    Raises:
        MissingExtraError: The ``validate`` extra is not installed (the message says how to install it).
    """
    from ketdata._model.extras import require

    require("ketdata.validate()", "validate")
    from ketdata._io.gc import paused
    from ketdata._model.problems import ValidationReport
    from ketdata._validation.pipeline import run

    with paused():  # the report is sorted while the heap is at its largest: no collector pass over it
        report = run(path)
        # The dataset is built from the same parse only if asked for: validation alone does not need it.
        return ValidationReport(report.problems, build=report.lazy if report.ok else None)
