"""ember.multiprocessing: share_memory_, is_shared, and tensors through queues and pipes in shared memory."""
import multiprocessing
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest
from data.data_mp_helpers import deadline, no_leaks  # noqa: F401  (autouse)

import ember
import ember.multiprocessing as emp
from ember.nn.parameter import Buffer, Parameter

fork = emp.get_context("fork")


def test_reexports_multiprocessing():
    for name in multiprocessing.__all__:
        assert getattr(emp, name) is getattr(multiprocessing, name), name
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException",
                 "get_sharing_strategy", "set_sharing_strategy", "get_all_sharing_strategies"):
        assert name in emp.__all__ and hasattr(emp, name)


def test_sharing_strategies():
    assert emp.get_sharing_strategy() == "file_descriptor"
    assert emp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    emp.set_sharing_strategy("file_system")
    assert emp.get_sharing_strategy() == "file_system"
    emp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="file_descriptor"):
        emp.set_sharing_strategy("shm")


def test_share_memory_moves_in_place():
    t = ember.arange(6.0).view(2, 3)
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and t.stride() == (3, 1)
    data = t._data
    t.share_memory_()
    assert t._data is data  # already shared: a no-op


def test_share_memory_of_a_view_moves_its_base():
    base = ember.arange(8.0)
    view = base[2:6]
    view.share_memory_()
    assert view.is_shared() and base.is_shared()
    view.fill_(-1)
    assert base.tolist() == [0, 1, -1, -1, -1, -1, 6, 7]


def test_module_share_memory_shares_every_parameter():
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4))
    before = [p.detach().clone() for p in model.parameters()]
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters()) and all(b.is_shared() for b in model.buffers())
    assert all(ember.equal(a, p) for a, p in zip(before, model.parameters()))
    assert all(isinstance(p, Parameter) for p in model.parameters())


def _modify_and_report(q, done, back):
    t = q.get()
    back.put((t.is_shared(), t.tolist()))
    t.add_(1)
    done.set()
    t2 = q.get()
    back.put(t2.tolist())


@pytest.mark.parametrize("make", ["Queue", "SimpleQueue"])
def test_queue_shares_memory_both_ways(make):
    q, back, done = getattr(fork, make)(), fork.Queue(), fork.Event()
    t = ember.zeros(3)
    p = fork.Process(target=_modify_and_report, args=(q, done, back), daemon=True)
    with deadline(20):
        p.start()
        q.put(t)
        assert back.get() == (True, [0.0, 0.0, 0.0])
        assert t.is_shared()  # putting it on the queue moved it to shared memory, as in PyTorch
        done.wait()
        assert t.tolist() == [1.0, 1.0, 1.0]  # the child's write shows here
        t.mul_(10)
        q.put(t)
        assert back.get() == [10.0, 10.0, 10.0]  # and ours there
        p.join()
    assert p.exitcode == 0


def _echo(conn):
    t = conn.recv()
    t[0] = 42
    conn.send(t)
    conn.close()


def test_pipe_round_trip_returns_the_same_memory():
    here, there = fork.Pipe()
    p = fork.Process(target=_echo, args=(there,), daemon=True)
    t = ember.arange(4, dtype=ember.int64)
    with deadline(20):
        p.start()
        here.send(t)
        back = here.recv()
        p.join()
    assert back.tolist() == [42, 1, 2, 3] and t.tolist() == [42, 1, 2, 3]
    back[1] = 7
    assert int(t[1]) == 7  # received twice into this process: one mapping


def test_pickling_keeps_type_dtype_layout_and_flags():
    p = Parameter(ember.randn(3, 4))
    b = Buffer(ember.ones(2), persistent=False)
    col = ember.arange(12, dtype=ember.int32).view(3, 4)[:, 1]
    leaf = ember.ones(2, requires_grad=True)
    for t in (p, b, col, leaf):
        r = ForkingPickler.loads(ForkingPickler.dumps(t))
        assert type(r) is type(t) and r.dtype == t.dtype and r.shape == t.shape and ember.equal(r, t)
        assert r.requires_grad == t.requires_grad and r.stride() == t.stride() and r.is_shared()
    assert ForkingPickler.loads(ForkingPickler.dumps(b)).persistent is False


def test_non_leaf_requiring_grad_is_refused():
    y = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(y)
    ForkingPickler.dumps(y.detach())


def test_empty_and_zero_dim_tensors():
    for t in (ember.zeros(0), ember.tensor(3.5), ember.zeros(2, 0, 3)):
        r = ForkingPickler.loads(ForkingPickler.dumps(t))
        assert r.shape == t.shape and r.tolist() == t.tolist()


def _resend(q_in, q_out):
    q_out.put(q_in.get())


def test_tensor_passed_on_by_a_third_process():
    a_to_b, b_to_us = fork.Queue(), fork.Queue()
    p = fork.Process(target=_resend, args=(a_to_b, b_to_us), daemon=True)
    t = ember.from_numpy(np.arange(5, dtype=np.float64))
    with deadline(20):
        p.start()
        a_to_b.put(t)
        r = b_to_us.get()
        p.join()
    r[0] = 9
    assert float(t[0]) == 9


def _send_and_exit(q):
    q.put(ember.ones(3))


def test_a_sender_that_exits_too_early_gets_a_clear_error():
    q = fork.SimpleQueue()
    p = fork.Process(target=_send_and_exit, args=(q,), daemon=True)
    with deadline(20):
        p.start()
        p.join()
        with pytest.raises(RuntimeError, match="sender must stay alive"):
            q.get()
