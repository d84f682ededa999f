"""Independent pure computations shared with a forked child process: two cores for one validation.

A large folder's checks take a few seconds, in independent parts (the files; the families of checks across
records). On a machine with a second core a forked child works on them over the records already in memory (the
fork shares them, copied only where touched) and sends back its answers, pickled: small, since they are
lists of problems or a file's plain values.

The child starts on the first computation at once. Every other one is taken by whichever process is free
first, from a pipe holding one byte per computation (a read of one byte takes it, atomically): the two
processes finish together however long each computation takes on this machine, and a new check needs no
hand-made split. The answers come back in the order of the computations, whoever worked each out.

Nothing is forked where that would not be safe or worth it: no ``os.fork`` (Windows), another thread running
(the review server: a child of a threaded process may inherit a lock held by another thread), a small
folder, or no idle core (on a machine whose cores are all busy the child would only wait, and slow the
caller down with it). Then `Shared.results` works every answer out in the calling process, as it also does
for the computations a failed child took (a bug in one is then raised where it can be seen, with its
traceback).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, BinaryIO, Generic, TypeVar

T = TypeVar("T")

# One byte names a computation in the pipe.
_MOST = 256


class Shared(Generic[T]):
    """Computations started in a child process where that is safe and worth it; used as a context manager.

    Leaving the block reaps the child, so an error in the caller's own work never leaves one behind.
    """

    def __init__(self, compute: Sequence[Callable[[], T]], *, worth_it: bool) -> None:
        """Start the first of ``compute`` in a child where that is safe and ``worth_it``.

        Args:
            compute: Functions of the process's memory alone (they write and print nothing); their results
                must pickle. The longest first: the child starts on it while the caller does its own work.
            worth_it: Whether the work is large enough to pay for a fork (a few milliseconds).
        """
        self._compute = compute
        self._pid = 0
        self._queue = self._answer = -1
        safe = hasattr(os, "fork") and threading.active_count() == 1
        if compute and worth_it and len(compute) <= _MOST and safe and idle_core():
            self._start()

    def _start(self) -> None:
        queue, offer = os.pipe()
        os.write(offer, bytes(range(1, len(self._compute))))  # the first is the child's
        os.close(offer)  # an empty queue then reads as its end, in both processes
        answer, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (queue, answer, write):
                os.close(fd)
            return
        if pid == 0:  # pragma: no cover - the child; its answers are what the tests compare
            _child(self._compute, queue, answer, write)
        os.close(write)
        self._pid, self._queue, self._answer = pid, queue, answer

    def results(self) -> list[T]:
        """Every computation's answer, in order: the child's, or worked out here if there is no child or it failed.

        The caller first takes, and works out, whatever the child has not taken yet.
        """
        if not self._pid:
            return [compute() for compute in self._compute]
        done = {i: self._compute[i]() for i in _taken(self._queue)}
        os.close(self._queue)
        with os.fdopen(self._answer, "rb") as pipe:
            theirs: dict[int, T] = _answers(pipe)
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        done.update(theirs if status == 0 else {})
        return [done[i] if i in done else compute() for i, compute in enumerate(self._compute)]

    def __enter__(self) -> Shared[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pid:  # the caller failed before asking for the answers: they are not wanted
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._queue)
            os.close(self._answer)
            self._pid = 0


def _answers(pipe: BinaryIO) -> dict[int, Any]:
    """The child's answers, read as it writes them (a large folder's files are tens of megabytes): {} if cut short.

    Bytes from our own fork; an answer cut short is a child that failed, whose exit status says so too.
    """
    try:
        found = pickle.load(pipe)
    except (EOFError, pickle.UnpicklingError):
        return {}
    return found if isinstance(found, dict) else {}


def _taken(queue: int) -> Iterator[int]:
    """The computations taken from the queue, one at a time, until it is empty (as each is worked out)."""
    while token := os.read(queue, 1):
        yield token[0]


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


def _child(  # pragma: no cover - runs in the child
    compute: Sequence[Callable[[], object]], queue: int, answer: int, write: int
) -> None:
    code = 1
    try:
        os.close(answer)
        done = {0: compute[0]()}
        done.update((i, compute[i]()) for i in _taken(queue))
        with os.fdopen(write, "wb") as out:
            pickle.dump(done, out, protocol=pickle.HIGHEST_PROTOCOL)  # written frame by frame, read as it comes
        code = 0
    finally:
        # Never return into the caller's code, nor run its exit handlers or flush its buffered output twice.
        os._exit(code)
