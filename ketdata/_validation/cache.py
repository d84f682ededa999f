"""The validation cache: each file's records and their own problems, in the user's cache folder.

Editors re-validate after changing one file; every unchanged file's parse, schema check and the checks
that read one record alone are taken from here, while the rules across records always run on the whole
dataset. Like black's and ruff's, the cache lives in the user's cache folder (``$KETDATA_CACHE_DIR``, else
``$XDG_CACHE_HOME/ketdata``, else ``~/.cache/ketdata``), never inside a project, so a checkout can never
carry entries with it. It is content-addressed: an entry is found only under the hash of the file's
path, its exact bytes, the schema files and ketdata's own code, so an edit, a rename, a schema change or
a new ketdata can never bring back an old answer; each entry also names its key and the sha256 of the
bytes it describes. It is read tolerantly: a damaged entry is ignored. It holds no secret: the only
people who can write to it are its owner (the folder must be theirs and writable by nobody else, or it
is not used) and root, who can edit the data itself anyway. `export` and `release` never use it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from ketdata._io.files import TMP_TAG, read_regular, walk, write_atomic
from ketdata._model.problems import Problem, Severity

# marshal is the fastest reader of plain values in the standard library (about 3x json here); its format
# may change between Python versions, so the version is part of every key.
FORMAT = 5
KEY = re.compile(r"[0-9a-f]{64}(?![\s\S])")
_ENTRY = re.compile(
    rf"[0-9a-f]{{2}}/(?:(?P<key>[0-9a-f]{{64}})\.marshal|(?P<tmp>\.[0-9a-f]{{64}}\.marshal{re.escape(TMP_TAG)}\w+))(?![\s\S])"
)


def cache_root() -> Path:
    """The user's cache folder for ketdata."""
    explicit = os.environ.get("KETDATA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ketdata"


def refused_root(data_dir: Path) -> str | None:
    """Why the cache folder may not be used for this data folder (relative, or inside its project); None if it may.

    A relative ``$KETDATA_CACHE_DIR`` would put the cache wherever a command runs, and one inside the project
    would leave files a checkout carries (or, in ``data/``, files the data folder then holds); a link is not
    followed.
    """
    from ketdata._read.paths import project_root

    root = cache_root()
    if not root.is_absolute():
        return f"$KETDATA_CACHE_DIR ({root}) is not an absolute path"
    if root.is_symlink():
        # Nothing is made or read through it: it could point into the project, or into another user's folder.
        return f"the cache folder {root} is a link; give the real folder"
    project = Path(os.path.realpath(project_root(data_dir)))
    real = Path(os.path.realpath(root))
    if real == project or project in real.parents:
        return f"the cache folder {root} lies inside the project {project}"
    return None


def folder_for(data_dir: Path) -> Path:
    """The cache of one data folder: one per folder, so pruning one never evicts a neighbour's entries."""
    return cache_root() / hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:32]


def problem_to_list(p: Problem) -> list[Any]:
    """A problem as a plain list."""
    return [p.code, p.severity.value, p.file, p.line, p.column, p.record_id, p.message, p.hint]


def problem_from_list(item: list[Any]) -> Problem:
    """A problem back from its plain list."""
    code, severity, file, line, column, record_id, message, hint = item
    return Problem(code, Severity(severity), file, line, column, record_id, message, hint)


class ResultCache:
    """Cached per-file results of one data folder, under a folder of their own.

    The entries a run does not use (an old version of an edited file, a renamed file, results of other
    schemas or code) are removed by `prune` at its end, so the cache holds one run's worth.
    """

    def __init__(self, folder: Path, schema_dir: Path, code_dir: Path = Path(__file__).parent.parent) -> None:
        self.folder = folder
        self.used: set[str] = set()
        digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{marshal.version}".encode())
        for path in [*sorted(schema_dir.glob("*.schema.json")), *sorted(code_dir.rglob("*.py"))]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.fingerprint = digest.hexdigest()

    def key(self, path: str, data: bytes) -> str:
        """The entry's name for this file path and content under these schemas."""
        return hashlib.sha256(f"{self.fingerprint}|{path}|".encode() + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.marshal"

    def _usable(self) -> bool:
        """Whether the cache folder is the user's own: theirs, not a link, writable by nobody else."""
        if getattr(self, "_owned", None) is None:
            self._owned = _private_folder(self.folder)
        return self._owned

    def get(self, key: str, data: bytes) -> dict[str, Any] | None:
        """The entry stored under ``key`` for these file bytes, or None when there is none.

        An entry that is damaged, was copied from another key, or describes other bytes is ignored.
        """
        if not KEY.fullmatch(key) or not self._usable():
            return None
        try:
            raw = read_regular(self._path(key))
        except OSError:
            return None
        try:
            entry = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("sha256") != _digest(data):
            return None
        self.used.add(key)
        return entry

    def put(self, key: str, data: bytes, entry: dict[str, Any]) -> None:
        """Store an entry for these file bytes under ``key``, atomically.

        An entry marshal cannot hold (a date in the YAML), or a cache that cannot be written, is not kept.
        """
        if not KEY.fullmatch(key) or not self._usable():
            return
        try:
            payload = marshal.dumps({**entry, "key": key, "sha256": _digest(data)})
        except ValueError:
            return
        try:
            write_atomic(self._path(key), payload)
        except OSError:
            return
        self.used.add(key)

    def prune(self) -> None:
        """Remove the cache's own entries (and half-written files) this run did not use; nothing else."""
        if not self._usable() or not self.folder.is_dir():
            return
        for path, mode in walk(self.folder):
            mine = _ENTRY.fullmatch(path.relative_to(self.folder).as_posix())
            if (
                mine
                and stat.S_ISREG(mode)
                and (_dead(mine.group("tmp")) if mine.group("tmp") else mine.group("key") not in self.used)
            ):
                path.unlink(missing_ok=True)


def _dead(tmp: str) -> bool:
    """Whether a half-written entry's writer is gone (its name carries the writer's process id)."""
    pid = tmp.rpartition(TMP_TAG)[2].partition("_")[0]
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _private_folder(folder: Path) -> bool:
    """Make ``folder`` (mode 0700) if needed; True when it and its parent are the user's own real folders."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (folder.parent, folder):
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True
