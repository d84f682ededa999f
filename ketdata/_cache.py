"""The validation cache: each file's records and schema problems, keyed by its path, bytes and the schemas.

Editors re-validate after changing one file; every unchanged file's parse and schema check is taken
from here, while the rules across records always run on the whole dataset. An entry is found only under
the hash of the file's path, its exact bytes, the schema files and ketdata's version, so an edit, a
rename or a schema change can never bring back an old answer. The folder is safe to delete.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ketdata._problems import Problem, Severity

FORMAT = 1
_DATE = "\u0000date"
_DATETIME = "\u0000datetime"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, datetime.date):
        return {_DATE: value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if _DATE in obj:
            return datetime.date.fromisoformat(obj[_DATE])
        if _DATETIME in obj:
            return datetime.datetime.fromisoformat(obj[_DATETIME])
    return obj


def problem_to_list(p: Problem) -> list[Any]:
    """A problem as a JSON list."""
    return [p.code, p.severity.value, p.file, p.line, p.column, p.record_id, p.message, p.hint]


def problem_from_list(item: list[Any]) -> Problem:
    """A problem back from its JSON list."""
    code, severity, file, line, column, record_id, message, hint = item
    return Problem(code, Severity(severity), file, line, column, record_id, message, hint)


class ResultCache:
    """Cached per-file results under one folder (``.ketdata-cache`` beside the data, ignored by git)."""

    def __init__(self, folder: Path, schema_dir: Path) -> None:
        from ketdata import __version__

        self.folder = folder
        digest = hashlib.sha256(f"{FORMAT}|{__version__}".encode())
        for path in sorted(schema_dir.glob("*.schema.json")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.fingerprint = digest.hexdigest()

    def key(self, path: str, data: bytes) -> str:
        """The entry's name for this file path and content under these schemas."""
        return hashlib.sha256(f"{self.fingerprint}|{path}|".encode() + data).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when there is none (or it cannot be read)."""
        try:
            text = (self.folder / key[:2] / f"{key}.json").read_text(encoding="utf-8")
            entry: dict[str, Any] = json.loads(text, object_hook=_decode)
        except (OSError, ValueError):
            return None
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store an entry atomically; a cache that cannot be written is simply not used."""
        target = self.folder / key[:2] / f"{key}.json"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False, separators=(",", ":"), default=_encode)
            os.replace(tmp, target)
        except (OSError, TypeError, ValueError):
            return
