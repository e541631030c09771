"""Shared by the data and multiprocessing tests: the leak check every test runs under, a deadline that turns
a hang into a failure, and module-level datasets and functions that 'spawn' children can import by name."""
import contextlib
import os
import signal
import time

import numpy as np
import pytest

import ember
import ember.multiprocessing as emp
import ember.utils.data as D

_HELPERS = ("resource_tracker", "forkserver")  # multiprocessing's own long-lived helper processes


def child_pids() -> set:
    """Pids of this process's children, from /proc (multiprocessing's helper processes excepted)."""
    me, out = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != me or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if not any(h in cmdline for h in _HELPERS):
            out.add(int(entry))
    return out


def shm_segments() -> set:
    """Shared-memory segments in /dev/shm (multiprocessing's semaphores, 'sem.*', excepted)."""
    return {n for n in os.listdir("/dev/shm") if not n.startswith("sem.")} if os.path.isdir("/dev/shm") else set()


def assert_no_children(wait: float = 0.0) -> None:
    """No child process remains (allowing `wait` seconds for exiting ones)."""
    end = time.monotonic() + wait
    while True:
        emp.active_children()  # reaps finished ones
        left = child_pids()
        if not left or time.monotonic() >= end:
            break
        time.sleep(0.02)
    assert not left, f"child processes left behind: {sorted(left)}"


@pytest.fixture(autouse=True)
def no_leaks():
    """After each test: no child process, no new /dev/shm segment."""
    before = shm_segments()
    yield
    assert_no_children()
    assert shm_segments() - before == set()


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail with TimeoutError instead of hanging when the block takes longer than `seconds`."""
    def expire(signum, frame):
        raise TimeoutError(f"hung: still running after {seconds} s")
    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Squares(D.Dataset):
    """Item i is the float32 tensor [i, i*i]."""

    def __init__(self, n: int = 20):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.tensor([float(i), float(i * i)])


class Range(D.IterableDataset):
    """start..end-1, sharded between DataLoader workers as the PyTorch documentation shows."""

    def __init__(self, start: int, end: int):
        self.start, self.end = start, end

    def __iter__(self):
        info = D.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))

    def __len__(self):
        return self.end - self.start


def same(e, t):
    """Recursively compare an ember result with torch's: tensors by value/dtype/shape, containers by type."""
    from parity import assert_same_tensor, torch
    if isinstance(t, torch.Tensor):
        assert_same_tensor(e, t, check_grad_fn=False)
    elif isinstance(t, (list, tuple)):
        assert type(e).__name__ == type(t).__name__ and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            same(a, b)
    elif isinstance(t, dict):
        assert type(e).__name__ == type(t).__name__ and list(e) == list(t)
        for k in t:
            same(e[k], t[k])
    else:
        assert e == t


def first_of_each(batch):
    """A module-level collate_fn."""
    return [sample[0] for sample in batch]


def fill_row(i, shared, value):
    """spawn target: write `value` into row i of a shared tensor."""
    shared[i] = value


def fail_if_odd(i):
    """spawn target: raise in odd processes."""
    if i % 2:
        raise ValueError(f"process {i} refuses")


def exit_with(i, code):
    """spawn target: exit abruptly."""
    if i == 1:
        os._exit(code)
    time.sleep(30)  # terminated by the parent once process 1 fails


def kill_self(i):
    """spawn target: die by SIGKILL."""
    os.kill(os.getpid(), signal.SIGKILL)


def hogwild_train(rank, model, x, y, steps):
    """Manual SGD on a shared model, as in PyTorch's Hogwild example."""
    ember.manual_seed(rank)
    for _ in range(steps):
        for p in model.parameters():
            p.grad = None
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            for p in model.parameters():
                p.data.sub_(0.1 * p.grad)


def loss_of(model, x, y) -> float:
    """Mean squared error of a linear model."""
    with ember.no_grad():
        return float(((model(x) - y) ** 2).mean())


def regression_data(n: int = 64):
    """A small linear regression problem."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    return ember.from_numpy(x), ember.from_numpy(y.astype(np.float32))


class Threads(D.Dataset):
    """Each item: the BLAS thread count where it was fetched."""
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return ember.get_num_threads()
