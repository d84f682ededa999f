"""What ``validate --shipped`` adds to the data's own problems: the snapshot ``load()`` serves is the data's.

``load()`` without a folder reads the compiled JSON snapshot, not the YAML files ``validate --shipped``
checks; a snapshot edited after export, or older than the data beside it, would be served as the dataset
while its data folder validates. So the check covers the bytes ``load()`` actually reads.
"""

from __future__ import annotations

from ketdata._export._json import to_json
from ketdata._model.problems import DataError, Problem, Severity, problem
from ketdata._read.paths import read_snapshot, snapshot_file
from ketdata._validation.pipeline import Report


def snapshot_problems(report: Report) -> list[Problem]:
    """Problems of the snapshot ``load()`` serves: not the one its manifest lists (KD030), or not the data (KD031).

    Args:
        report: The validation of the shipped data folder.
    """
    where = snapshot_file()
    try:
        served = read_snapshot()
    except DataError as exc:
        return list(exc.problems)
    except OSError as exc:
        return [problem("KD030", where, 1, 1, None, f"there is none to serve ({exc.strerror or exc})")]
    if any(p.severity is Severity.ERROR for p in report.problems):
        return []  # the data's own errors come first; what it makes cannot be worked out
    if to_json(report.dataset()).encode("utf-8") != served:
        return [problem("KD031", where, 1, 1, None, "it holds other records than the shipped data folder")]
    return []
