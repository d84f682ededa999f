"""A large folder's checks across records are shared with a forked child: the answer is the same as without."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import ketdata
from ketdata._io import forked as forked_module
from ketdata._io.forked import Forked
from ketdata._validation import pipeline

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
    with Forked(lambda: (os.getpid(), found), worth_it=True) as child:
        pid, answer = child.result()
    assert pid != os.getpid()
    assert answer == found


@pytest.mark.usefixtures("idle")
def test_a_failure_in_the_child_is_raised_here_with_its_traceback() -> None:
    def broken() -> int:
        raise LookupError("a bug in a rule")

    with Forked(broken, worth_it=True) as child, pytest.raises(LookupError, match="a bug in a rule"):
        child.result()


@pytest.mark.usefixtures("idle")
def test_nothing_is_forked_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert Forked(os.getpid, worth_it=True).result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_nothing_is_forked_for_small_work_or_without_an_idle_core(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Forked(os.getpid, worth_it=False).result() == os.getpid()
    monkeypatch.setattr(forked_module, "idle_core", lambda: False)
    assert Forked(os.getpid, worth_it=True).result() == os.getpid()


@pytest.mark.usefixtures("idle")
def test_an_error_before_the_answer_is_asked_for_leaves_no_child_behind() -> None:
    with pytest.raises(KeyError), Forked(lambda: time.sleep(60), worth_it=True) as child:
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
    real_loads = forked_module.pickle.loads

    def counted_loads(data: bytes) -> object:
        answers.append(real_loads(data))
        return answers[-1]

    monkeypatch.setattr(forked_module.pickle, "loads", counted_loads)
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
