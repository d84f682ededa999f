"""A would-be state of some files, seen by every read of ``ketdata._io.files`` while it is in effect.

A command that changes the data validates the folder as it *would* be, without writing a byte: the
changed files' new bytes are laid over the disk for the duration of a ``with overlaid(...)`` block, in
this thread (or task) only. Reads of other files, and every read outside the block, see the disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_FILES: ContextVar[dict[str, bytes] | None] = ContextVar("ketdata_overlay", default=None)


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(path)


@contextmanager
def overlaid(files: Mapping[Path, bytes]) -> Iterator[None]:
    """Inside the block, reading any of ``files`` gives the bytes given here, and walks list new ones."""
    token = _FILES.set({_key(p): data for p, data in files.items()})
    try:
        yield
    finally:
        _FILES.reset(token)


def lookup(path: str | os.PathLike[str]) -> bytes | None:
    """The bytes the overlay gives a path, or None where it gives none (read the disk)."""
    files = _FILES.get()
    return None if files is None else files.get(_key(path))


def added_under(root: Path) -> list[Path]:
    """Files of the overlay below ``root`` that are not on disk (yet), as paths under ``root`` as given."""
    files = _FILES.get()
    if not files:
        return []
    base = _key(root)
    found = []
    for name in sorted(files):
        if name.startswith(base + os.sep) and not os.path.lexists(name):
            found.append(root / os.path.relpath(name, base))
    return found
