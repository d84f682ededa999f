"""A large folder's checks are shared with a forked child: the answer is the same as without."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

import ketdata
from ketdata._io import forked as forked_module
from ketdata._io.forked import Shared
from ketdata._validation import pipeline, words

from .helpers import DATA
from .test_corpus import CASES, build, spec

# The cases the data's own rules find (the family the child runs), and a few others.
RULE_CASES = [c for c in CASES if any(e["code"].startswith("KD6") for e in spec(c).get("expect", ()))]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system: nothing is forked")


@pytest.fixture
def idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on an idle machine with two cores, whatever the test machine is doing."""
    monkeypatch.setattr(forked_module, "idle_core", lambda: True)


@pytest.mark.usefixtures("idle")
def test_the_work_runs_in_another_process_and_its_answer_comes_back() -> None:
    found = list(ketdata.validate(DATA))
    with Shared([lambda: (os.getpid(), found)], worth_it=True) as child:
        [(pid, answer)] = child.results()
    assert pid != os.getpid()
    assert answer == found


@pytest.mark.usefixtures("idle")
def test_each_computation_is_taken_by_whichever_process_is_free_and_answered_in_order() -> None:
    # The child's first computation keeps it busy: this process takes the next ones meanwhile, and the child
    # the last one this process leaves when it is busy in turn.
    def after(seconds: float, i: int) -> Callable[[], tuple[int, int]]:
        return lambda: (time.sleep(seconds), i, os.getpid())[1:]

    compute = [after(0.6, 0), after(0.2, 1), after(0.2, 2), after(0.6, 3), after(0.0, 4)]
    with Shared(compute, worth_it=True) as shared:
        answers = shared.results()
    assert [i for i, _ in answers] == [0, 1, 2, 3, 4]
    pids = [pid for _, pid in answers]
    assert pids[0] != os.getpid()
    assert pids[1:4] == [os.getpid()] * 3
    assert pids[4] == pids[0]


@pytest.mark.usefixtures("idle")
def test_a_failure_in_the_child_is_raised_here_with_its_traceback() -> None:
    def broken() -> int:
        raise LookupError("a bug in a rule")

    with Shared([broken], worth_it=True) as child, pytest.raises(LookupError, match="a bug in a rule"):
        child.results()


@pytest.mark.usefixtures("idle")
def test_what_a_failed_child_took_is_worked_out_here() -> None:
    here = os.getpid()

    def dies_in_the_child() -> int:
        if os.getpid() != here:
            os._exit(3)
        return here

    # The child works out the first, then takes the third while this process works on the second, and dies.
    compute = [lambda: (time.sleep(0.1), os.getpid())[1], lambda: (time.sleep(0.6), os.getpid())[1], dies_in_the_child]
    with Shared(compute, worth_it=True) as shared:
        answers = shared.results()
    assert answers == [here, here, here]  # the child's answers are lost with it: its first too is worked out here


class _DiesWhenSent:
    """An answer whose sending ends the child: what it wrote before is an answer cut short."""

    def __reduce__(self) -> tuple[Callable[[], object], tuple[()]]:
        os._exit(3)


@pytest.mark.usefixtures("idle")
def test_an_answer_cut_short_is_worked_out_here() -> None:
    # Megabytes are read as the child writes them, before it fails: what came is not taken for an answer.
    with Shared([lambda: (os.getpid(), b"x" * 2_000_000, _DiesWhenSent())], worth_it=True) as shared:
        ((pid, sent, last),) = shared.results()
    assert pid == os.getpid()
    assert len(sent) == 2_000_000
    assert isinstance(last, _DiesWhenSent)


@pytest.mark.usefixtures("idle")
def test_nothing_is_forked_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert Shared([os.getpid], worth_it=True).results() == [os.getpid()]
    finally:
        stop.set()
        thread.join()


def test_nothing_is_forked_for_small_work_or_without_an_idle_core(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Shared([os.getpid], worth_it=False).results() == [os.getpid()]
    monkeypatch.setattr(forked_module, "idle_core", lambda: False)
    assert Shared([os.getpid], worth_it=True).results() == [os.getpid()]


@pytest.mark.usefixtures("idle")
def test_an_error_before_the_answer_is_asked_for_leaves_no_child_behind() -> None:
    with pytest.raises(KeyError), Shared([lambda: time.sleep(60)], worth_it=True) as child:
        pid = child._pid
        assert pid
        raise KeyError("the caller's own work failed")
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _problems(folder: Path) -> list[tuple[object, ...]]:
    return [(p.code, p.file, p.line, p.column, p.record_id, p.message) for p in ketdata.validate(folder)]


@pytest.mark.usefixtures("idle")
@pytest.mark.parametrize("case", RULE_CASES)
def test_forked_and_serial_validation_find_the_same_problems(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = build(case, tmp_path)
    monkeypatch.setattr(pipeline, "FORK_AT", 10**9)
    serial = _problems(folder)
    answers = _count_answers(monkeypatch)
    monkeypatch.setattr(pipeline, "FORK_AT", 0)
    assert _problems(folder) == serial
    assert len(answers) == 1, "the child's answer was not used"


def _count_answers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The answers taken from a child from now on (each is unpickled once)."""
    answers: list[object] = []
    real_load = forked_module.pickle.load

    def counted_load(pipe: BinaryIO) -> object:
        answers.append(real_load(pipe))
        return answers[-1]

    monkeypatch.setattr(forked_module.pickle, "load", counted_load)
    return answers


@pytest.mark.usefixtures("idle")
@pytest.mark.parametrize("case", CASES)
def test_a_folder_validated_in_two_processes_gives_the_same_problems(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files checked in the child, and the checks across records it runs (the fidelity family among them)."""
    folder = build(case, tmp_path)
    monkeypatch.setattr(pipeline, "FORK_BYTES", 10**12)
    monkeypatch.setattr(pipeline, "FORK_AT", 10**9)
    serial = _problems(folder)
    answers = _count_answers(monkeypatch)
    monkeypatch.setattr(pipeline, "FORK_BYTES", 0)
    monkeypatch.setattr(pipeline, "FORK_AT", 0)
    assert _problems(folder) == serial
    assert answers, "no file was checked in the child"


@pytest.mark.usefixtures("idle")
def test_the_shipped_data_validates_the_same_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "FORK_AT", 10**9)
    monkeypatch.setattr(pipeline, "FORK_BYTES", 10**12)
    serial, built = _problems(DATA), ketdata.load(DATA)
    monkeypatch.setattr(pipeline, "FORK_AT", 0)
    monkeypatch.setattr(pipeline, "FORK_BYTES", 0)
    answers = _count_answers(monkeypatch)
    assert _problems(DATA) == serial
    assert ketdata.load(DATA) == built  # the records checked in the child build the same dataset
    assert len(answers) == 4


def test_a_run_leaves_no_text_in_the_word_caches(tmp_path: Path) -> None:
    """A run empties the caches of texts: nothing of one validation is kept for the next in a long-lived process
    (the review workbench), where a text read again is a new string compared whole at each look-up."""
    folder = build(CASES[0], tmp_path)
    for _ in range(2):
        ketdata.validate(folder)
        sizes = [f.cache_info().currsize for f in (words.words, words.stems, words.content_stems,
                                                    words.content_words, words.negations_in)]  # fmt: skip
        assert sizes == [0, 0, 0, 0, 0]
    words.stems("a text read outside a validation")
    assert words.stems.cache_info().currsize == 1
    ketdata.validate(folder)
    assert words.stems.cache_info().currsize == 0
