"""One pure computation run in a forked child process while the caller works on: two cores for one validation.

A large folder's checks across records take a second or more, in two independent families (the data's own
rules; everything else). On a machine with a second core the child runs one family over the records already
in memory (the fork shares them, copied only where touched) and sends back its answer, pickled: small, since
it is a list of problems. The caller must call the returned ``join`` (in a ``finally``), which gives the
answer.

Nothing is forked where that would not be safe or worth it: no ``os.fork`` (Windows), another thread running
(the review server: a child of a threaded process may inherit a lock held by another thread), a small
folder, or no idle core (on a machine whose cores are all busy the child would only wait, and slow the
caller down with it). Then ``join`` works the answer out in the calling process, as it also does when the child failed
(a bug in the computation is then raised where it can be seen, with its traceback).
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def forked(compute: Callable[[], T], *, worth_it: bool) -> Callable[[], T]:
    """Start ``compute`` in a child process where that is safe and ``worth_it``; return its ``join``.

    Args:
        compute: A function of the process's memory alone (it writes nothing, prints nothing); its result
            must pickle.
        worth_it: Whether the work is large enough to pay for a fork (a few milliseconds).

    Returns:
        A function that waits for the child and returns the result (or computes it here).
    """
    if not worth_it or not hasattr(os, "fork") or threading.active_count() > 1 or not idle_core():
        return compute
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return compute
    if pid == 0:  # pragma: no cover - the child; its answer is what the tests compare
        _child(compute, read, write)
    os.close(write)

    def join() -> T:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and data:
            answer: T = pickle.loads(data)  # bytes from our own fork of this process
            return answer
        return compute()

    return join


def idle_core() -> bool:
    """Whether a core is likely free for a child: two or more, and fewer processes waiting than cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        waiting = os.getloadavg()[0]
    except OSError:  # no load figure on this system: assume the cores are shared evenly
        waiting = cores / 2
    return cores >= 2 and waiting <= cores - 1


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
