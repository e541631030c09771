"""ember.multiprocessing.spawn, its errors, and Hogwild training of one shared model by several processes."""
import pickle
import time

import pytest
from data.data_mp_helpers import (  # noqa: F401
    deadline,
    exit_with,
    fail_if_odd,
    fill_row,
    hogwild_train,
    kill_self,
    loss_of,
    no_leaks,
    regression_data,
)

import ember
import ember.multiprocessing as emp


def test_spawn_runs_fn_with_the_index_and_shares_tensors():
    shared = ember.zeros(3, 2).share_memory_()
    with deadline(30):
        assert emp.spawn(fill_row, args=(shared, 5.0), nprocs=3, start_method="fork") is None
    assert shared.tolist() == [[5.0, 5.0]] * 3


def test_child_exception_is_raised_in_the_parent():
    with deadline(30), pytest.raises(emp.ProcessRaisedException) as e:
        emp.spawn(fail_if_odd, nprocs=2, start_method="fork")
    msg = str(e.value)
    assert "-- Process 1 terminated with the following error:" in msg
    assert "ValueError: process 1 refuses" in msg and "Traceback (most recent call last)" in msg
    assert e.value.error_index == 1 and e.value.pid > 0


def test_child_exit_code_and_signal():
    with deadline(30), pytest.raises(emp.ProcessExitedException) as e:
        emp.spawn(exit_with, args=(7,), nprocs=2, start_method="fork")  # process 0 is terminated when 1 fails
    assert str(e.value) == "process 1 terminated with exit code 7"
    assert (e.value.error_index, e.value.exit_code, e.value.signal_name) == (1, 7, None)
    with deadline(30), pytest.raises(emp.ProcessExitedException) as e:
        emp.spawn(kill_self, nprocs=1, start_method="fork")
    assert str(e.value) == "process 0 terminated with signal SIGKILL" and e.value.signal_name == "SIGKILL"
    assert e.value.exit_code == -9


def test_join_false_returns_a_context():
    shared = ember.zeros(2, 1).share_memory_()
    context = emp.start_processes(fill_row, args=(shared, 1.0), nprocs=2, join=False, start_method="fork")
    assert isinstance(context, emp.ProcessContext) and len(context.pids()) == 2
    with deadline(30):
        while not context.join(timeout=5):
            pass
    assert context.join() and shared.tolist() == [[1.0], [1.0]]


def test_exceptions_pickle():
    for e in (emp.ProcessRaisedException("m", 1, 2), emp.ProcessExitedException("m", 1, 2, -9, "SIGKILL")):
        r = pickle.loads(pickle.dumps(e))
        assert type(r) is type(e) and str(r) == "m" and r.error_index == 1 and r.pid == 2
    assert r.exit_code == -9 and r.signal_name == "SIGKILL"
    assert issubclass(emp.ProcessRaisedException, emp.ProcessException)


def test_hogwild_with_processes_as_in_pytorchs_example():
    ember.manual_seed(0)
    model = ember.nn.Linear(3, 1)
    model.share_memory()
    x, y = regression_data()
    before = loss_of(model, x, y)
    weights = model.weight.detach().clone()
    fork = emp.get_context("fork")
    processes = [fork.Process(target=hogwild_train, args=(rank, model, x, y, 20), daemon=True) for rank in range(2)]
    with deadline(60):
        for p in processes:
            p.start()
        for p in processes:
            p.join()
    assert all(p.exitcode == 0 for p in processes)
    assert not ember.equal(model.weight, weights) and loss_of(model, x, y) < before / 4


def test_hogwild_through_spawn_with_the_spawn_start_method():
    ember.manual_seed(0)
    model = ember.nn.Linear(3, 1)
    model.share_memory()
    x, y = regression_data()
    before = loss_of(model, x, y)
    start = time.monotonic()
    with deadline(120):
        emp.spawn(hogwild_train, args=(model, x, y, 20), nprocs=2)
    assert loss_of(model, x, y) < before / 4, f"took {time.monotonic() - start:.1f} s"
