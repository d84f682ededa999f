"""The validation cache: each file's records and their own problems, keyed by path, bytes, schemas and code.

Editors re-validate after changing one file; every unchanged file's parse, schema check and the checks
that read one record alone are taken from here, while the rules across records always run on the whole
dataset. An entry is found only under the hash of the file's path, its exact bytes, the schema files and
ketdata's own code, so an edit, a rename, a schema change or a new ketdata can never bring back an old
answer. Each entry also holds its key and the sha256 of the file's bytes, and is sealed with an HMAC
under a random secret the cache keeps for itself (readable by its owner alone), so an entry copied under
another name or from another cache, or altered, is ignored rather than trusted. (Whoever can read that
secret can also edit the data itself; `export` and `release` never use the cache.) The folder is safe to
delete, is never used through a symbolic link, and pruning removes only the cache's own entries.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import re
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

from ketdata._io.files import TMP_TAG, read_regular, walk, write_atomic
from ketdata._model.problems import Problem, Severity

# marshal is the fastest reader of plain values in the standard library (about 3x json here); its format
# may change between Python versions, so the version is part of every key.
FORMAT = 4
_CHECK = 32  # bytes of the payload's HMAC-SHA256 before each entry: a damaged or forged entry is refused
SECRET = "secret"
KEY = re.compile(r"[0-9a-f]{64}(?![\s\S])")
_ENTRY = re.compile(
    rf"[0-9a-f]{{2}}/(?:(?P<key>[0-9a-f]{{64}})\.marshal|(?P<tmp>\.[0-9a-f]{{64}}\.marshal{re.escape(TMP_TAG)}\w+))(?![\s\S])"
)


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

    def _usable(self) -> bool:
        # A cache folder that is a link could send writes and deletions anywhere: then there is no cache.
        return not any(p.is_symlink() for p in (self.folder.parent, self.folder)) and self._secret() is not None

    def _secret(self) -> bytes | None:
        """The cache's own random key, made on first use (mode 0600); None when it cannot be had."""
        if getattr(self, "_key", None) is None:
            path = self.folder / SECRET
            try:
                self._key: bytes | None = read_regular(path)
            except FileNotFoundError:
                try:
                    write_atomic(path, secrets.token_bytes(32))
                    os.chmod(path, 0o600)
                    self._key = read_regular(path)
                except OSError:
                    self._key = None
            except OSError:
                self._key = None
            if self._key is not None and len(self._key) != 32:
                self._key = None
        return self._key

    def _seal(self, payload: bytes) -> bytes:
        return hmac.new(self._secret() or b"", payload, hashlib.sha256).digest()

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
        payload = raw[_CHECK:]
        if not hmac.compare_digest(self._seal(payload), raw[:_CHECK]):
            return None
        try:
            entry = marshal.loads(payload)
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
            write_atomic(self._path(key), self._seal(payload) + payload)
        except OSError:
            return
        self.used.add(key)

    def prune(self) -> None:
        """Remove the cache's own entries (and half-written files) this run did not use; nothing else."""
        if not self._usable() or not self.folder.is_dir():
            return
        for path, mode in walk(self.folder):
            mine = _ENTRY.fullmatch(path.relative_to(self.folder).as_posix())
            if mine and stat.S_ISREG(mode) and (mine.group("tmp") or mine.group("key") not in self.used):
                path.unlink(missing_ok=True)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
