"""The validation cache: each file's records and their own problems, keyed by path, bytes, schemas and code.

Editors re-validate after changing one file; every unchanged file's parse, schema check and the checks
that read one record alone are taken from here, while the rules across records always run on the whole
dataset. An entry is found only under the hash of the file's path, its exact bytes, the schema files and
ketdata's own code, so an edit, a rename, a schema change or a new ketdata can never bring back an old
answer. The folder is safe to delete.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

from ketdata._problems import Problem, Severity

# marshal is the fastest reader of plain values in the standard library (about 3x json here); its format
# may change between Python versions, so the version is part of every key.
FORMAT = 2
_CHECK = 4  # bytes of CRC-32 before each entry, so that a damaged entry is refused, never half-read


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

    def __init__(self, folder: Path, schema_dir: Path, code_dir: Path = Path(__file__).parent) -> None:
        from ketdata import __version__

        self.folder = folder
        self.used: set[str] = set()
        digest = hashlib.sha256(f"{FORMAT}|{__version__}|{sys.version}|{marshal.version}".encode())
        for path in [*sorted(schema_dir.glob("*.schema.json")), *sorted(code_dir.rglob("*.py"))]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.fingerprint = digest.hexdigest()

    def key(self, path: str, data: bytes) -> str:
        """The entry's name for this file path and content under these schemas."""
        return hashlib.sha256(f"{self.fingerprint}|{path}|".encode() + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.marshal"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when there is none (or it is damaged)."""
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        payload = data[_CHECK:]
        if len(data) < _CHECK or int.from_bytes(data[:_CHECK], "big") != zlib.crc32(payload):
            return None
        try:
            entry = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None
        if not isinstance(entry, dict):
            return None
        self.used.add(key)
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store an entry atomically.

        An entry marshal cannot hold (a date in the YAML), or a cache that cannot be written, is not kept.
        """
        try:
            payload = marshal.dumps(entry)
        except ValueError:
            return
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(zlib.crc32(payload).to_bytes(_CHECK, "big") + payload)
            os.replace(tmp, target)
        except OSError:
            return
        self.used.add(key)

    def prune(self) -> None:
        """Remove every entry (and half-written file) this run did not use."""
        for path in self.folder.glob("*/*"):
            if path.stem not in self.used or path.suffix != ".marshal":
                path.unlink(missing_ok=True)
