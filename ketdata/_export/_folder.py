"""``ketdata export``'s policy: a data folder's exports are written, or checked, only from data that validates."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ketdata._export._write import export, stale_files
from ketdata._io.transaction import locked
from ketdata._model.dataset import Dataset
from ketdata._model.errors import ExportTargetError
from ketdata._model.problems import RefusedError
from ketdata._read.paths import data_dir as shipped_data_dir
from ketdata._read.paths import project_root
from ketdata._validation.pipeline import run


@dataclass(frozen=True, slots=True)
class Exported:
    """What an export of a data folder wrote (paths relative to ``out``) and removed as no longer produced."""

    data: Path
    out: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]


def _valid(data: Path) -> Dataset:
    report = run(data)
    if not report.ok:
        raise RefusedError(report.problems, "not exporting: the data has errors")
    return report.dataset()


def _ships(data: Path) -> bool:
    """Whether ``data`` is the copy inside the installed package, which no ketdata command changes."""
    return data.resolve() == shipped_data_dir().resolve()


def export_folder(data: Path, out: Path) -> Exported:
    """Write the exports of a data folder into ``out``, if the folder validates.

    The data's project is locked too (where this user can write it), so its exports are never made from
    half a change of another command. Exports in the data's project change under its lock; exports
    elsewhere under a lock of the user's own, never a ``.ketdata/`` left in the folder they lie in.

    Raises:
        RefusedError: The data has errors; nothing is written.
        ExportTargetError: ``out`` holds what no export wrote, is a link or a file, or lies inside the data
            folder.
    """
    if os.path.abspath(out) == os.path.abspath(data) or _below(out, data):
        raise ExportTargetError(f"{out} lies inside the data folder {data}: exports are written beside the data "
                                "(the project's exports/), never among the records; choose another --out")  # fmt: skip
    home = project_root(data)
    # The data's project holds the lock and journal when the exports lie in it; any other folder keeps none.
    project = home if _below(out, home) else None
    read_only = [] if _ships(data) else [home]
    with locked(*[project] if project else [], read_only=read_only):
        result = export(_valid(data), out, project=project)
    return Exported(data, out, result.written, result.removed)


def _below(path: Path, folder: Path) -> bool:
    inside = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    return inside != "." and not inside.startswith("..")


def stale_exports(data: Path, out: Path) -> tuple[str, ...]:
    """The files under ``out`` that differ from what a data folder produces (nothing is written).

    Raises:
        RefusedError: The data has errors.
    """
    return tuple(stale_files(_valid(data), out))
