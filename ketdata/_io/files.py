"""The one way ketdata reads and writes files: never through a link, never half a file.

Reads open the file itself without following a symbolic link and refuse anything but a regular file (a
FIFO would block, a device would never end). Writes go to a temporary file beside the target, are
flushed and fsynced, and replace the target by rename, so a crash, a full disk or a file-size limit
leaves the old file whole; the error names the target. A temporary file carries ``TMP_TAG``, the
process id and a random part in its name, so no two writers ever share (or remove) one; those of a
command that changes the data are named in its transaction's journal, which removes them after a kill
(``ketdata._io.transaction``).

While a would-be state is laid over the disk (``ketdata._io.overlay``), reads and walks see it. While a
command holds its project's lock, each file's first read from disk is noted (`noting`), so that its
transaction writes only over the very bytes the command read (``ketdata._io.transaction``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from ketdata._io import overlay

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ketdata._model.problems import Problem

TMP_TAG = ".ketdata-tmp-"
# A file name that stays in its folder: no separator, no "..", no leading dot or dash.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}(?![\s\S])")


_ledger = threading.local()  # this thread's noted reads: real path -> sha256 of the bytes, None if absent
UNREAD = "unread"


def real(path: Path) -> Path:
    """The path with its folder's links resolved (the file itself is not followed): where a write lands."""
    return Path(os.path.realpath(path.parent)) / path.name


def noting(active: bool) -> None:
    """Start (with an empty ledger) or stop noting this thread's first read of each file from disk."""
    _ledger.reads = {} if active else None


def noted(path: Path) -> str | None:
    """The sha256 of the bytes this thread first read from ``path`` (None: it was absent), or `UNREAD`."""
    reads: dict[Path, str | None] | None = getattr(_ledger, "reads", None)
    return UNREAD if reads is None else reads.get(real(path), UNREAD)


def note(path: Path, data: bytes | None) -> None:
    """Take ``data`` as what this thread read from ``path`` from now on (after writing it itself, say)."""
    reads: dict[Path, str | None] | None = getattr(_ledger, "reads", None)
    if reads is not None:
        reads[real(path)] = None if data is None else hashlib.sha256(data).hexdigest()


def _first(path: Path, data: bytes | None) -> None:
    reads: dict[Path, str | None] | None = getattr(_ledger, "reads", None)
    if reads is not None and real(path) not in reads:
        reads[real(path)] = None if data is None else hashlib.sha256(data).hexdigest()


class NotRegularFileError(OSError):
    """A path that should be a regular file is a symbolic link, a folder, a FIFO or a device."""


def kind_of(mode: int) -> str:
    """What a file is, in words, from its ``st_mode``."""
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "a regular file" if stat.S_ISREG(mode) else "special")


def _not_regular(path: Path, mode: int) -> NotRegularFileError:
    return NotRegularFileError(errno.EINVAL, f"is {kind_of(mode)}, not a regular file", str(path))


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, opened without following a link or blocking on a FIFO.

    Raises:
        NotRegularFileError: The path is a link, FIFO, device or folder.
        OSError: It cannot be read; or (EFBIG) it is larger than ``limit`` bytes, checked before reading.
    """
    laid = overlay.lookup(path)
    if laid is not None:
        if limit is not None and len(laid) > limit:
            raise OSError(errno.EFBIG, f"file is {len(laid)} bytes; the limit is {limit}", str(path))
        return laid
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        _first(path, None)
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_regular(path, os.lstat(path).st_mode) from None
        raise
    # Checked before the descriptor becomes a file object: a folder would fail there, named by its number.
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _not_regular(path, info.st_mode)
    with os.fdopen(fd, "rb") as handle:
        if limit is not None and info.st_size > limit:
            raise OSError(errno.EFBIG, f"file is {info.st_size} bytes; the limit is {limit}", str(path))
        data = handle.read()
    _first(path, data)
    return data


def utf8_text(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """A data file's bytes as text, or None and the problem located at its line and column (KD001, KD002).

    Every file ketdata reads as text from the data folder (records, rules, the reference table, source texts)
    is decoded here, so that a byte a spreadsheet saved in Windows-1252 is one located problem, never a crash.
    """
    from ketdata._model.problems import problem

    if data.startswith(b"\xef\xbb\xbf"):
        return None, [problem("KD002", file, 1, 1, None, "file starts with a UTF-8 byte-order mark")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        msg = f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8 (saved as Windows-1252?)"
        return None, [problem("KD001", file, line, column, None, msg)]


def is_regular(path: Path) -> bool:
    """Whether the path itself (not what a link points at) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def walk(root: Path, *, skip_hidden: bool = False) -> Iterator[tuple[Path, int]]:
    """Every entry under ``root`` with its ``lstat`` mode, not descending into linked folders.

    With ``skip_hidden``, folders named ``.*`` or ``__pycache__`` (``.venv``, ``.git``, caches) are neither
    listed nor entered. Files a would-be state adds (``ketdata._io.overlay``) are listed last.
    """
    for folder, dirs, files in os.walk(root, followlinks=False):
        if skip_hidden:
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        for name in sorted(dirs + files):
            path = Path(folder) / name
            try:
                yield path, os.lstat(path).st_mode
            except OSError:
                continue
        dirs.sort()
    for path in overlay.added_under(root):
        yield path, stat.S_IFREG | 0o644


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(name: str) -> str:
    """A temporary name for a file ``name`` being written: hidden, tagged, and this process's alone."""
    return f".{name}{TMP_TAG}{os.getpid()}_{secrets.token_hex(8)}"


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` all at once: temporary file, flush, fsync, rename.

    Raises:
        NotRegularFileError: The target exists and is not a regular file (a link is never written through).
        OSError: Writing failed (no space, file too large, no permission); the old file is whole, and the
            error's filename is the target's.
    """
    if path.is_symlink() or (path.exists() and not is_regular(path)):
        raise _not_regular(path, os.lstat(path).st_mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temp_name(path.name)
    try:
        write_new(tmp, data)
        os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o644)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def write_new(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Create ``path`` (which must not exist) with ``data``, flushed and fsynced; on failure remove it again.

    Raises:
        OSError: It exists, or writing failed; the error names ``path``.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in (data,) if isinstance(data, bytes) else data:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """`write_atomic` for UTF-8 text."""
    write_atomic(path, text.encode("utf-8"))
