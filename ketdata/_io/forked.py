"""One pure computation run in a forked child process while the caller works on: two cores for one validation.

A large folder's checks across records take a second or more, in independent families (the data's own
rules; everything else). On a machine with a second core the child runs one family over the records already
in memory (the fork shares them, copied only where touched) and sends back its answer, pickled: small, since
it is a list of problems.

Nothing is forked where that would not be safe or worth it: no ``os.fork`` (Windows), another thread running
(the review server: a child of a threaded process may inherit a lock held by another thread), a small
folder, or no idle core (on a machine whose cores are all busy the child would only wait, and slow the
caller down with it). Then `Forked.result` works the answer out in the calling process, as it also does
when the child failed (a bug in the computation is then raised where it can be seen, with its traceback).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class Forked(Generic[T]):
    """A computation started in a child process where that is safe and worth it; used as a context manager.

    Leaving the block reaps the child, so an error in the caller's own work never leaves one behind.
    """

    def __init__(self, compute: Callable[[], T], *, worth_it: bool) -> None:
        """Start ``compute`` in a child where that is safe and ``worth_it``.

        Args:
            compute: A function of the process's memory alone (it writes and prints nothing); its result must
                pickle.
            worth_it: Whether the work is large enough to pay for a fork (a few milliseconds).
        """
        self._compute = compute
        self._pid = 0
        self._read = -1
        if worth_it and hasattr(os, "fork") and threading.active_count() == 1 and idle_core():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # pragma: no cover - the child; its answer is what the tests compare
            _child(self._compute, read, write)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> T:
        """The computation's answer: the child's, or worked out here if there is no child or it failed."""
        if not self._pid:
            return self._compute()
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status == 0 and data:
            answer: T = pickle.loads(data)  # bytes from our own fork of this process
            return answer
        return self._compute()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pid:  # the caller failed before asking for the answer: it is not wanted
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._read)
            self._pid = 0


def idle_core() -> bool:
    """Whether a core is free for a child now: two or more, and fewer processes running than cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        # Linux: the processes running this instant, this one included. The load averages lag by a minute, and
        # a validation's own child would count in them for the next one.
        with open("/proc/loadavg", encoding="ascii") as figures:
            return int(figures.read().split()[3].partition("/")[0]) < cores
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.getloadavg()[0] < cores - 0.5
    except OSError:  # no load figure on this system: a second core is likely free
        return True


def _child(compute: Callable[[], object], read: int, write: int) -> None:  # pragma: no cover - runs in the child
    code = 1
    try:
        os.close(read)
        data = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(data)
        code = 0
    finally:
        # Never return into the caller's code, nor run its exit handlers or flush its buffered output twice.
        os._exit(code)
