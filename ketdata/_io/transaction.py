"""One transaction for every command that changes a project: lock, work out the new state, then write it all.

A project is the folder holding ``data/`` (and ``releases/``, ``exports/``, ``CHANGELOG.md``). Every command
that writes there (``new``, ``fmt``, ``release``, ``export``, a review save) works inside `locked`: an OS
advisory lock (``flock``) on ``.ketdata/lock`` (for an export folder in no project, on a lock in the user's
state folder: `detached_state_dir`), held for the whole read-validate-write cycle, so two writers never
interleave and none loses the other's update. The command reads, builds the would-be state in memory,
validates it there (``ketdata._io.overlay``), and hands only the accepted bytes to `commit`, which changes
several files (and whole folders, such as ``exports/``) as one:

1. a journal names every target, the sha256 of its content now and of its new content (state *prepared*);
   the new content is written beside each target under a temporary name of this transaction's own;
2. the journal is rewritten as *committed*: this is the moment the change happens;
3. each temporary file is renamed over its target (a folder is swapped in one step); the journal goes.

Every write is bound to the bytes the command read: while the lock is held, the first read of each file is
noted (``ketdata._io.files``), and a target whose bytes on disk are no longer those (a text editor, which
takes no lock, saved meanwhile) is refused before anything is written. Targets are where the writes land:
a link to the data folder is resolved, and a target must lie below the project folder.

A kill before step 2 leaves the old state, and the next lock removes the temporary files the journal
names; a kill after it leaves a journal that the next lock finishes. A full disk or a file-size limit can
strike only in step 1, and then the temporary files are removed at once.

A journal is acted on only when it names the very ``.ketdata/`` folder it lies in (its device and inode,
which a checkout, a copy or an archive of the project cannot carry) and every target, and every staged
file, holds exactly the bytes the journal records before or after the change. So a journal that travels
with a checkout, or one whose files were changed since, is refused with a message and nothing is touched;
and one that passes can only finish (or undo) the change it records. It needs no seal: whoever could plant
a journal in this user's own ``.ketdata/`` could as well write the files it names.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ketdata._io.files import (
    TMP_TAG,
    UNREAD,
    NotRegularFileError,
    fsync_dir,
    note,
    noted,
    noting,
    read_regular,
    real,
    walk,
    write_atomic,
    write_new,
)
from ketdata._model.errors import UsageError
from ketdata._model.problems import Problem, problem, short

STATE_DIR = ".ketdata"
LOCK, JOURNAL = "lock", "journal.json"
OLD = "-old"  # suffix of a folder's old content while two renames swap it
WAIT_SECONDS = 120.0
_FORMAT = "ketdata-transaction"

Build = Callable[[Path], None]


class TransactionError(UsageError):
    """The folder cannot be changed safely: another command holds it too long, or a journal is not ketdata's."""


# --- the lock -------------------------------------------------------------------------------------------

_guard = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}
_held = threading.local()  # this thread's depth of `locked` per project


def _depth() -> dict[str, int]:
    if not hasattr(_held, "depth"):
        _held.depth = {}
    depth: dict[str, int] = _held.depth
    return depth


def _key(root: Path) -> str:
    # A link to a project is that project: one lock, never two descriptors on one lock file (a self-deadlock).
    return os.path.realpath(root)


def state_dir(root: Path, *, create: bool = False) -> Path:
    """The project's ``.ketdata/`` folder (made, mode 0700, when ``create``), checked to be ketdata's own.

    Raises:
        TransactionError: It is a link, not a folder, or another user's.
        FileNotFoundError: It does not exist and ``create`` is false.
    """
    if create:
        root.mkdir(parents=True, exist_ok=True)
    return _own(root / STATE_DIR, create=create)


def detached_state_dir(root: Path, *, create: bool = False) -> Path:
    """The state folder of a folder that is no project (an export folder's parent), in the user's state folder.

    ``$KETDATA_STATE_DIR``, else ``$XDG_STATE_HOME/ketdata``, else ``~/.local/state/ketdata``; one folder per
    real path, so ketdata never leaves a ``.ketdata/`` in a folder that is not its project. The state folder is
    an absolute path and no link, as the cache's is: a relative one would be made wherever a command runs (in
    a project, which a commit then carries), and give one export folder a lock per working folder.

    A relative ``$KETDATA_STATE_DIR`` would put the lock wherever the command runs (two runs from two folders
    would not share it, and one from the project would leave it there), so it is refused, as is one that is a
    link; a relative ``$XDG_STATE_HOME`` is ignored, as the XDG specification says.

    Raises:
        TransactionError: It is a link, not a folder, or another user's; ``$KETDATA_STATE_DIR`` is relative
            or a link.
    """
    xdg = os.environ.get("XDG_STATE_HOME") or ""
    base = os.environ.get("KETDATA_STATE_DIR") or os.path.join(
        xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".local", "state"), "ketdata"
    )
    if not os.path.isabs(base) or os.path.islink(base):
        why = "is not an absolute path" if not os.path.isabs(base) else "is a link"
        raise TransactionError(f"the state folder {base} {why}; ketdata keeps the lock of an export outside "
                               "any project there: set $KETDATA_STATE_DIR to an absolute path of your own")  # fmt: skip
    name = hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:32]
    if create:
        root.mkdir(parents=True, exist_ok=True)
        os.makedirs(os.path.join(base, "folders"), mode=0o700, exist_ok=True)
    return _own(Path(base) / "folders" / name, create=create)


def _own(folder: Path, *, create: bool) -> Path:
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise TransactionError(
            f"{folder} is not ketdata's own folder (a link, a file, or another user's); ketdata keeps its lock "
            "and journal there and will not use it: remove it"
        )
    return folder


@contextlib.contextmanager
def locked(*roots: Path, read_only: Collection[Path] = (), detached: Collection[Path] = ()) -> Iterator[None]:
    """Hold the lock of each project folder (in a fixed order) for the block; finish an interrupted change first.

    Re-entrant in a thread: a command holding a project's lock may call code that takes it again.

    Args:
        roots: The project folders the command changes.
        read_only: Project folders the command only reads: locked too, so that it never reads half a change,
            except where this user cannot write (an installed copy, a read-only checkout), which no
            ketdata command of this user can be changing.
        detached: Those of ``roots`` that are no project (an export folder's parent): their lock and journal
            live in the user's state folder (`detached_state_dir`), never in them.

    Raises:
        TransactionError: Another process holds a lock longer than `WAIT_SECONDS`, or an interrupted
            change's journal cannot be trusted.
    """
    optional = {_key(r) for r in read_only} - {_key(r) for r in roots}
    outermost = not any(_depth().values())
    apart = {_key(r) for r in detached}
    with contextlib.ExitStack() as stack:
        for key in sorted({_key(r) for r in (*roots, *read_only)}):
            try:
                stack.enter_context(_locked_one(Path(key), detached=key in apart))
            except OSError as exc:
                if key not in optional or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
        if outermost:  # from here on, `commit` writes only over the bytes the command read
            noting(True)
            stack.callback(noting, False)
        yield


@contextlib.contextmanager
def _locked_one(root: Path, *, detached: bool) -> Iterator[None]:
    key = _key(root)
    with _guard:
        thread_lock = _thread_locks.setdefault(key, threading.RLock())
    depth = _depth()
    with thread_lock:
        if depth.get(key, 0):
            depth[key] += 1
            try:
                yield
            finally:
                depth[key] -= 1
            return
        folder = (detached_state_dir if detached else state_dir)(root, create=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            _flock(fd, root)
            depth[key] = 1
            _states()[key] = folder
            try:
                recover(root, folder)
                yield
            finally:
                depth[key] = 0
        finally:
            os.close(fd)  # closing the only descriptor releases the lock


def _flock(fd: int, root: Path) -> None:
    try:
        import fcntl  # POSIX only; validation and reading never need it
    except ImportError:
        raise TransactionError("the commands that write need POSIX file locks (fcntl); this system has none") from None
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise TransactionError(
                    f"another ketdata command has been changing {root} for over {WAIT_SECONDS:.0f} s; "
                    "try again when it has finished"
                ) from None
            time.sleep(0.02)


def _states() -> dict[str, Path]:
    """The state folder of each project whose lock this thread holds."""
    if not hasattr(_held, "states"):
        _held.states = {}
    states: dict[str, Path] = _held.states
    return states


def holds(root: Path) -> bool:
    """Whether this thread holds the lock of ``root``."""
    return _depth().get(_key(root), 0) > 0


# --- digests: what a target holds -----------------------------------------------------------------------

Kind = Literal["file", "folder"]
_NOT_OURS = "not-a-regular-file"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(path: Path, kind: Kind) -> str | None:
    """The sha256 of a file's bytes, or of a folder's names and files' bytes; None where nothing is there.

    A link, FIFO or device where a file (or folder) should be has a digest no content can have.
    """
    if not os.path.lexists(path):
        return None
    if kind == "file":
        try:
            return _sha256(read_regular(path))
        except NotRegularFileError:
            return _NOT_OURS
    if path.is_symlink() or not path.is_dir():
        return _NOT_OURS
    total = hashlib.sha256()
    for entry, mode in sorted((p.relative_to(path).as_posix(), m) for p, m in walk(path)):
        if stat.S_ISREG(mode):
            total.update(b"f\0" + entry.encode() + b"\0" + hashlib.sha256(read_regular(path / entry)).digest())
        else:
            total.update((b"d\0" if stat.S_ISDIR(mode) else b"x\0") + entry.encode() + b"\0")
    return total.hexdigest()


# --- the journal ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    path: Path
    kind: Kind
    before: str | None
    after: str | None
    content: bytes | Build | None = None

    def temp(self, token: str) -> Path:
        return self.path.parent / f".{self.path.name}{TMP_TAG}{token}"


@dataclass(slots=True)
class _Journal:
    root: Path
    folder: Path  # the state folder the journal lives in
    state: str
    token: str
    entries: list[_Entry]

    def payload(self) -> bytes:
        entries = [{"path": Path(os.path.relpath(e.path, self.root)).as_posix(), "kind": e.kind, "before": e.before,
                    "after": e.after} for e in self.entries]  # fmt: skip
        doc = {"format": _FORMAT, "state": self.state, "token": self.token, "folder": _folder_id(self.folder),
               "entries": entries}  # fmt: skip
        return json.dumps(doc, sort_keys=True).encode("utf-8")


def _folder_id(folder: Path) -> str:
    """The identity of a state folder on this machine: what no copy of the project has."""
    info = os.lstat(folder)
    return f"{info.st_dev}:{info.st_ino}"


def _write_journal(journal: _Journal) -> None:
    write_atomic(journal.folder / JOURNAL, journal.payload())


def _read_journal(root: Path, folder: Path, raw: bytes) -> _Journal:
    """The journal in ``raw``, once proven written in this very folder and shaped as ketdata writes it.

    Raises:
        TransactionError: It is not.
    """
    where = folder / JOURNAL
    try:
        doc = json.loads(raw)
        if doc["format"] != _FORMAT or doc["state"] not in ("prepared", "committed"):
            raise ValueError(f"format {short(doc['format'])}, state {short(doc['state'])}")
        if doc["folder"] != _folder_id(folder):
            raise ValueError("it was written in another folder: a copy or a checkout carried it here")
        entries = [_entry_from(root, e) for e in doc["entries"]]
        return _Journal(root, folder, str(doc["state"]), _token(doc["token"]), entries)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError) as exc:
        why = f"it has no {exc}" if isinstance(exc, KeyError) else str(exc)[:200] or type(exc).__name__
        raise TransactionError(
            f"{where} is not a journal ketdata wrote here ({why}); nothing was changed. Look at it, then remove it"
        ) from None


def _token(value: Any) -> str:
    if not isinstance(value, str) or not value.replace("_", "").isalnum():
        raise ValueError(f"token {value!r}")
    return value


def _entry_from(root: Path, item: Mapping[str, Any]) -> _Entry:
    rel = str(item["path"])
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts or not parts:
        raise ValueError(f"path {rel!r} outside the project")
    # A link on the way (a folder that is a symbolic link) could lead a rename anywhere: never followed.
    for depth in range(1, len(parts)):
        if (root.joinpath(*parts[:depth])).is_symlink():
            raise ValueError(f"path {rel!r} goes through a link")
    kind = item["kind"]
    if kind not in ("file", "folder"):
        raise ValueError(f"kind {kind!r}")
    before, after = item["before"], item["after"]
    if not all(v is None or isinstance(v, str) for v in (before, after)):
        raise ValueError("digests")
    return _Entry(root / rel, kind, before, after)


def journal_problems(root: Path) -> list[Problem]:
    """A problem when a change of this project was interrupted (KD509), or its journal cannot be trusted (KD510).

    Reads only: validation never finishes a change; the next command that writes does.
    """
    where = root / STATE_DIR / JOURNAL
    try:
        raw = read_regular(where)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [problem("KD510", str(where), 1, 1, None, f"cannot be read ({exc.strerror or exc}); remove it")]
    try:
        journal = _read_journal(root, root / STATE_DIR, raw)
        if journal.state == "committed":
            for entry in journal.entries:
                _recovery_step(journal, entry)  # reads only: refuses what cannot be finished
    except TransactionError as exc:
        return [problem("KD510", str(where), 1, 1, None, str(exc).removeprefix(f"{where}").lstrip(": "))]
    msg = ("a ketdata command was interrupted while changing these files; the next command that writes here "
           "(`ketdata fmt`, say) finishes or undoes it")  # fmt: skip
    return [problem("KD509", str(where), 1, 1, None, msg)]


# --- commit and recovery --------------------------------------------------------------------------------


def _inside(root: Path, path: Path) -> Path:
    """Where a write to ``path`` lands (its folder's links resolved), which must be below ``root``."""
    target = real(path)
    if not str(target).startswith(str(root) + os.sep):
        raise UsageError(f"{path} is outside {root}, the folder being changed; nothing was written")
    return target


def _unchanged_since_read(path: Path, seen: str | None, now: str | None) -> None:
    """Refuse to write over a file whose bytes are not those the command read (a text editor saved meanwhile)."""
    if seen != UNREAD and seen != now:
        what = "was created" if seen is None else "was removed" if now is None else "changed"
        raise TransactionError(
            f"{path} {what} on disk after this command read it (another program saved it meanwhile); "
            "nothing was written: run the command again"
        )


def commit(root: Path, files: Mapping[Path, bytes], folders: Mapping[Path, Build] | None = None) -> list[Path]:
    """Change ``files`` to the bytes given and each of ``folders`` to what its builder writes, all or nothing.

    Must be called while `locked` holds ``root``. A file given its present bytes is left alone.

    Args:
        root: The project folder; every target lies below it.
        files: New bytes by path.
        folders: By path, a function that writes the folder's whole new content into the (empty) folder given.

    Returns:
        The targets changed.

    Raises:
        OSError: A new file or folder could not be written (no space, file too large): nothing changed, and
            the error names the target.
        NotRegularFileError: A target file is a link or a special file; nothing changed.
    """
    if not holds(root):
        raise RuntimeError(f"commit to {root} without holding its lock")
    root = Path(os.path.realpath(root))  # targets are where writes land: the journal names them from there
    entries: list[_Entry] = []
    for given, data in files.items():
        path = _inside(root, given)
        seen = noted(path)
        before = digest(path, "file")
        if before == _NOT_OURS:
            read_regular(path)  # raises NotRegularFileError, naming what is there
        _unchanged_since_read(path, seen, before)
        if before != _sha256(data):
            entries.append(_Entry(path, "file", before, _sha256(data), data))
    for given, build in (folders or {}).items():
        path = _inside(root, given)
        entries.append(_Entry(path, "folder", digest(path, "folder"), None, build))
    if not entries:
        return []
    journal = _Journal(root, _states()[_key(root)], "prepared", f"{os.getpid()}_{secrets.token_hex(8)}", entries)
    _write_journal(journal)
    made: list[Path] = []
    try:
        for entry in entries:
            _stage(entry, journal.token, made)
        for entry in entries:  # building a folder takes time: a file may have been saved meanwhile
            if entry.kind == "file":
                _unchanged_since_read(entry.path, entry.before, digest(entry.path, "file"))
    except BaseException:
        _discard(journal, made)
        raise
    journal.state = "committed"
    _write_journal(journal)
    # Sealing the journal waits on the disk, and an editor takes no lock: check once more, then rename every
    # target at once, so that the window an editor's save could fall into is a hash and a rename, not fsyncs.
    try:
        for entry in entries:
            if entry.kind == "file":
                _unchanged_since_read(entry.path, entry.before, digest(entry.path, "file"))
    except TransactionError:
        journal.state = "prepared"  # nothing is applied yet: a kill from here on undoes the change
        _write_journal(journal)
        _discard(journal, made)
        raise
    for entry in entries:
        _apply(entry, journal.token, durable=False)
        if entry.kind == "file":
            assert isinstance(entry.content, bytes)
            note(entry.path, entry.content)
    for parent in dict.fromkeys(entry.path.parent for entry in entries):
        fsync_dir(parent)
    _finish(journal.folder)
    return [e.path for e in entries]


def _stage(entry: _Entry, token: str, made: list[Path]) -> None:
    """Write an entry's new content under its temporary name (noting folders made for it in ``made``)."""
    tmp = entry.temp(token)
    missing = [p for p in (tmp.parent, *tmp.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)
    if entry.kind == "file":
        assert isinstance(entry.content, bytes)
        try:
            write_new(tmp, entry.content)
            os.chmod(tmp, stat.S_IMODE(os.stat(entry.path).st_mode) if entry.path.exists() else 0o644)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), str(entry.path)) from None
        return
    assert callable(entry.content)
    os.mkdir(tmp, 0o755)
    entry.content(tmp)
    for folder, mode in [(tmp, stat.S_IFDIR), *walk(tmp)]:
        if stat.S_ISDIR(mode):
            fsync_dir(folder)
    entry.after = digest(tmp, "folder")


def _remove(path: Path) -> None:
    """Remove a temporary file or folder this transaction made (never through a link)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)


def _discard(journal: _Journal, made: list[Path]) -> None:
    for entry in journal.entries:
        _remove(entry.temp(journal.token))
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()
    _finish(journal.folder)


def _apply(entry: _Entry, token: str, *, durable: bool = True) -> None:
    tmp, target = entry.temp(token), entry.path
    if entry.kind == "file" or not os.path.lexists(target):
        os.replace(tmp, target) if entry.kind == "file" else os.rename(tmp, target)
    else:  # a folder: two renames, which the journal's recovery finishes after a crash between them
        old = tmp.with_name(tmp.name + OLD)
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old)
    if durable:
        fsync_dir(target.parent)


def _finish(folder: Path) -> None:
    (folder / JOURNAL).unlink(missing_ok=True)
    fsync_dir(folder)


def recover(root: Path, folder: Path | None = None) -> None:
    """Finish (or undo) a change of ``root`` that a kill interrupted; nothing when there is none.

    Raises:
        TransactionError: The journal is not one ketdata sealed here, or a target holds neither the content
            it had before the change nor the content it was to get: nothing is touched.
    """
    folder = folder or root / STATE_DIR
    for leftover in folder.glob(f".*{TMP_TAG}*"):  # a journal half written: only ours live here
        _remove(leftover)
    try:
        raw = read_regular(folder / JOURNAL)
    except FileNotFoundError:
        return
    journal = _read_journal(root, folder, raw)
    if journal.state == "prepared":
        _discard(journal, [])
        return
    steps = [_recovery_step(journal, entry) for entry in journal.entries]
    for entry, step in zip(journal.entries, steps, strict=True):
        tmp = entry.temp(journal.token)
        if step == "apply":
            _apply(entry, journal.token)
        elif step == "rename":
            os.rename(tmp, entry.path)
            shutil.rmtree(tmp.with_name(tmp.name + OLD))
        else:
            for left in (tmp, tmp.with_name(tmp.name + OLD)):
                if entry.kind == "folder" and left.is_dir() and not left.is_symlink():
                    shutil.rmtree(left)
    _finish(folder)


def _recovery_step(journal: _Journal, entry: _Entry) -> str:
    """What finishing an entry takes, having checked every file involved has the content the journal says."""
    tmp = entry.temp(journal.token)
    now = digest(entry.path, entry.kind)
    if now == entry.after:
        return "done"
    staged = digest(tmp, entry.kind)
    if now == entry.before and staged == entry.after:
        return "apply"
    old = tmp.with_name(tmp.name + OLD)
    if entry.kind == "folder" and now is None and staged == entry.after and digest(old, "folder") == entry.before:
        return "rename"
    raise TransactionError(
        f"{journal.folder / JOURNAL}: an interrupted change cannot be finished, as {entry.path} holds "
        "neither what it held before nor what it was to get; nothing was changed. Check the files, then remove "
        "the journal"
    )
