"""The worker process: queued calls come back in order, and nothing is lost if it dies."""

from __future__ import annotations

import numpy as np

from qualcode.workers import Worker


def test_queued_calls_come_back_in_order_with_large_arguments():
    arrays = [np.full(2_000_000, i, dtype=np.float64) for i in range(4)]  # > a pipe's buffer
    with Worker(np.sum, ["numpy"]) as worker:
        for array in arrays:
            worker.submit(array)
        assert [worker.result() for _ in arrays] == [0, 2_000_000, 4_000_000, 6_000_000]


def test_a_dead_worker_loses_nothing():
    with Worker(sorted) as worker:
        worker.submit([3, 1, 2])
        assert worker.result() == [1, 2, 3]
        worker._process.terminate()
        worker._process.join()
        worker.submit([9, 8])
        worker.submit("ba")
        assert worker.result() == [8, 9]
        assert worker.result() == ["a", "b"]


def test_a_failing_call_is_run_here_and_raises_here():
    import pytest

    with Worker(int) as worker:
        worker.submit("12")
        worker.submit("not a number")
        assert worker.result() == 12
        with pytest.raises(ValueError, match="invalid literal"):
            worker.result()


def test_here_runs_in_this_process():
    with Worker(len, here=True) as worker:
        worker.submit([1, 2])
        assert worker._process is None and worker.result() == 2


def test_a_spawned_worker_works_too(monkeypatch):
    """Where forking is unsafe (another thread, or not Linux) a fresh interpreter is used."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 2)
    with Worker(sorted, ["json"]) as worker:
        worker.submit([2, 1])
        assert worker.result() == [1, 2]
        assert worker._process is not None and worker._remote


def test_calls_run_in_the_child_process():
    import os

    with Worker(os.getpid) as worker:
        worker.submit()
        worker.submit()
        child = worker.result()
        assert child != os.getpid() and worker.result() == child
        assert worker._remote


def test_a_failed_preload_in_the_child_falls_back_to_this_process():
    with Worker(sorted, ["qualcode_no_such_module"]) as worker:
        worker.submit([2, 1])
        assert worker.result() == [1, 2]
        assert not worker._remote  # the child said why it stopped; later calls stay here
        worker.submit([4, 3])
        assert worker.result() == [3, 4]


def test_a_spawned_worker_takes_calls_while_it_imports():
    """Under spawn (a program with a second thread), a call whose arguments need a module the
    preload is importing (scipy.sparse, while scikit-learn is imported) used to end in an
    import deadlock in the worker, and the call quietly ran in this process instead."""
    import threading

    import scipy.sparse as sp

    from qualcode.suggest.fitting import SKLEARN, FitSettings, Task, fit_codes

    rng = np.random.default_rng(1)
    truth = rng.random((80, 2)) < 0.3
    matrices = [sp.random(80, 40, density=0.2, format="csr", random_state=i) for i in range(2)]
    groups = np.arange(80) % 8
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()  # a second thread: the worker is spawned, not forked
    try:
        for _ in range(3):
            with Worker(fit_codes, SKLEARN) as worker:
                worker.submit(FitSettings(), [Task(m, truth[:, j]) for j, m in
                                              enumerate(matrices)], groups)
                assert len(worker.result()) == 2
                assert worker._remote, "the call ran here: the worker failed"
    finally:
        stop.set()
