"""DataLoader failures: each one raises promptly, names what went wrong, and leaves no process or segment behind.

Every risky block runs under `deadline`, so a hang fails the test instead of stalling the run; the autouse
`no_leaks` fixture checks /proc and /dev/shm after each test.
"""
import gc
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from data_mp_helpers import Squares, assert_no_children, deadline, first_of_each, no_leaks  # noqa: F401

import ember
import ember.utils.data as D


class Failing(D.Dataset):
    """Item 5 fails in the way `how` names; the others are fine."""

    def __init__(self, how, n=16):
        self.how, self.n = how, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 5:
            if self.how == "value":
                raise ValueError("item 5 is corrupt")
            if self.how == "key":
                raise KeyError("missing-key")
            if self.how == "local":
                class LocalError(Exception):
                    pass
                raise LocalError("from a local class")
            if self.how == "exit":
                os._exit(3)
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.how == "hang":
                time.sleep(60)
        return ember.tensor([float(i)])


def iterate(loader, seconds=20):
    with deadline(seconds):
        return [b for b in loader]


def raised(loader, seconds=20) -> Exception:
    """What iterating `loader` raises, without its traceback: that holds the iterator, and so its workers,
    for as long as the exception lives (as in PyTorch, where iteration may go on after a worker error)."""
    try:
        iterate(loader, seconds)
    except Exception as e:
        return e.with_traceback(None)
    raise AssertionError("iterating the loader raised nothing")


def test_worker_exception_is_reraised_with_its_traceback():
    e = raised(D.DataLoader(Failing("value"), batch_size=2, num_workers=2))
    msg = str(e)
    assert type(e) is ValueError
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "Original Traceback (most recent call last)" in msg and "item 5 is corrupt" in msg
    assert "test_data_failures.py" in msg and 'raise ValueError("item 5 is corrupt")' in msg
    assert_no_children(wait=3)


def test_iteration_can_go_on_after_a_worker_exception():
    it = iter(D.DataLoader(Failing("value"), batch_size=2, num_workers=2))
    got = []
    with deadline(20):
        while True:
            try:
                got.append(next(it).view(-1).tolist())
            except ValueError:
                got.append("error")
            except StopIteration:
                break
    assert got[2] == "error" and got[3] == [6.0, 7.0] and len(got) == 8


def test_key_error_message_is_readable():
    e = raised(D.DataLoader(Failing("key"), batch_size=2, num_workers=1))
    assert type(e) is KeyError
    assert "Caught KeyError in DataLoader worker process 0" in str(e) and "\\n" not in str(e)


def test_exception_type_that_cannot_be_rebuilt_becomes_runtime_error():
    e = raised(D.DataLoader(Failing("local"), batch_size=2, num_workers=1))
    assert type(e) is RuntimeError and "Caught LocalError in DataLoader worker process 0" in str(e)


def test_worker_init_fn_failure_is_reraised():
    def init(worker_id):
        raise OSError(f"cannot open the data in worker {worker_id}")
    e = raised(D.DataLoader(Squares(4), num_workers=2, worker_init_fn=init))
    assert type(e) is OSError and "cannot open the data in worker 0" in str(e)


def test_iterable_dataset_whose_iter_raises():
    class Broken(D.IterableDataset):
        def __iter__(self):
            raise FileNotFoundError("shard-0.bin")
    e = raised(D.DataLoader(Broken(), batch_size=2, num_workers=2))
    assert type(e) is FileNotFoundError and "shard-0.bin" in str(e)


def test_unpicklable_batch_is_reported():
    def collate(batch):
        return lambda: batch
    e = raised(D.DataLoader(Squares(4), batch_size=2, num_workers=1, collate_fn=collate))
    assert isinstance(e, (pickle.PicklingError, AttributeError)) and "while sending its batch" in str(e)


def test_non_leaf_tensor_requiring_grad_is_refused():
    class Graph(D.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return ember.ones(2, requires_grad=True) * 2
    e = raised(D.DataLoader(Graph(), batch_size=None, num_workers=1))
    assert type(e) is RuntimeError and "Cowardly refusing to serialize non-leaf tensor" in str(e)


@pytest.mark.parametrize("how,expected", [("exit", "exit code 3"), ("kill", "signal SIGKILL")])
def test_dead_worker_raises_with_pid_and_exit_code(how, expected):
    loader = D.DataLoader(Failing(how), batch_size=2, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) exited unexpectedly") as e:
        iterate(loader)
    assert expected in str(e.value) and time.monotonic() - start < 10
    assert_no_children(wait=3)


def test_timeout_raises():
    loader = D.DataLoader(Failing("hang"), batch_size=2, num_workers=2, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        iterate(loader)
    assert time.monotonic() - start < 10
    assert_no_children(wait=3)


@pytest.mark.parametrize("persistent", [False, True])
def test_breaking_out_of_the_loop_stops_the_workers(persistent):
    loader = D.DataLoader(Squares(64), batch_size=2, num_workers=2, persistent_workers=persistent)
    with deadline(20):
        for i, _ in enumerate(loader):
            if i == 3:
                break
    if persistent:
        assert loader._iterator is not None
        del loader
    assert_no_children(wait=3)


def test_deleting_the_iterator_stops_the_workers():
    it = iter(D.DataLoader(Squares(64), batch_size=2, num_workers=2))
    with deadline(20):
        next(it)
    del it
    assert_no_children(wait=3)


def test_garbage_collected_iterator_stops_the_workers():
    holder = {"it": iter(D.DataLoader(Squares(64), batch_size=2, num_workers=2))}
    holder["self"] = holder  # a reference cycle: only the garbage collector frees it
    with deadline(20):
        next(holder["it"])
    del holder
    gc.collect()
    assert_no_children(wait=3)


def test_a_busy_worker_is_stopped_too():
    it = iter(D.DataLoader(Failing("hang"), batch_size=2, num_workers=2))
    with deadline(20):
        next(it)
        next(it)
        start = time.monotonic()
        del it
    assert time.monotonic() - start < 5
    assert_no_children(wait=3)


def test_keyboard_interrupt_leaves_nothing_behind():
    main = threading.get_ident()
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    with pytest.raises(KeyboardInterrupt), deadline(20):
        timer.start()
        for _ in D.DataLoader(Failing("hang"), batch_size=2, num_workers=2):
            pass
    timer.join()
    assert_no_children(wait=3)


def test_workers_exit_when_the_main_process_is_killed():
    code = textwrap.dedent("""
        import os, signal, sys
        import ember, ember.utils.data as D
        class Slow(D.Dataset):
            def __len__(self): return 1000
            def __getitem__(self, i):
                import time; time.sleep(0.01); return i
        it = iter(D.DataLoader(Slow(), batch_size=2, num_workers=2))
        next(it)
        print(*[p.pid for p in it._workers], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    with deadline(60):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=50).stdout
        pids = [int(p) for p in out.split()]
        assert len(pids) == 2
        end = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{p}") and _alive(p) for p in pids) and time.monotonic() < end:
            time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{p}") and _alive(p) for p in pids)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ---- the 'spawn' start method ---------------------------------------------------------------------
def _local_init(worker_id):
    pass


@pytest.mark.parametrize("what", ["collate_fn", "worker_init_fn", "dataset"])
def test_spawn_with_unpicklable_arguments_raises_before_starting(what, monkeypatch):
    def local_fn(x):
        return x

    class LocalDataset(D.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i
    kwargs = {"collate_fn": dict(collate_fn=lambda b: b), "worker_init_fn": dict(worker_init_fn=local_fn),
              "dataset": {}}[what]
    dataset = LocalDataset() if what == "dataset" else Squares(4)
    context = multiprocessing.get_context("spawn")

    def no_start(*args, **kwargs):
        raise AssertionError("a worker process was created")
    monkeypatch.setattr(context, "Process", no_start)
    loader = D.DataLoader(dataset, num_workers=2, multiprocessing_context=context, **kwargs)
    with pytest.raises(Exception) as e, deadline(20):
        iter(loader)
    msg = str(e.value)
    assert f"pickles its {what}" in msg and "module level" in msg and "cannot be pickled" in msg
    assert isinstance(e.value, (pickle.PicklingError, AttributeError, TypeError))


def test_spawn_workers_load_batches():
    loader = D.DataLoader(Squares(10), batch_size=4, num_workers=2, multiprocessing_context="spawn",
                          collate_fn=first_of_each)
    got = iterate(loader, 60)
    assert [[float(t) for t in b] for b in got] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    assert_no_children(wait=3)
