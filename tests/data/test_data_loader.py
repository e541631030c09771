"""DataLoader: every argument, in the main process and with worker processes."""
import dataclasses
import multiprocessing
import os
import random
import time

import numpy as np
import pytest
from data_mp_helpers import Range, Squares, Threads, deadline, no_leaks  # noqa: F401  (no_leaks is autouse)

import ember
import ember.utils.data as D


def tensor_dataset(n=10):
    """Rows of random float32 features and their index as the label."""
    return D.TensorDataset(ember.from_numpy(np.random.rand(n, 3).astype(np.float32)), ember.arange(n))


class Plain(D.Dataset):
    """A dataset without __getitems__ over the rows of a TensorDataset."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        return self.base[i]


@pytest.mark.parametrize("workers", [0, 2])
def test_plain_dataset_and_subset_give_the_same_batches(workers):
    e = tensor_dataset(12)
    fast = list(D.DataLoader(D.Subset(e, list(range(11, -1, -1))), batch_size=5, num_workers=workers))
    slow = list(D.DataLoader(Plain(D.Subset(e, list(range(11, -1, -1)))), batch_size=5, num_workers=workers))
    for (a, b), (c, d) in zip(fast, slow):
        assert ember.equal(a, c) and ember.equal(b, d)


def test_shuffle_uses_the_generator_and_matches_across_workers():
    e = tensor_dataset(20)
    orders = []
    for workers in (0, 2, 0):
        loader = D.DataLoader(e, batch_size=6, shuffle=True, num_workers=workers,
                              generator=ember.Generator().manual_seed(7))
        orders.append(ember.cat([y for _, y in loader]).tolist())
    assert orders[0] == orders[1] == orders[2] and sorted(orders[0]) == list(range(20))
    assert orders[0] != list(range(20))
    ember.manual_seed(3)
    a = ember.cat([y for _, y in D.DataLoader(e, batch_size=6, shuffle=True)]).tolist()
    ember.manual_seed(3)
    assert ember.cat([y for _, y in D.DataLoader(e, batch_size=6, shuffle=True)]).tolist() == a


def test_collate_fn_runs_in_the_workers():
    def tag(batch):
        return [os.getpid()] + [int(s[1]) for s in batch]
    e = tensor_dataset(8)
    out = list(D.DataLoader(e, batch_size=4, num_workers=2, collate_fn=tag))
    assert [b[1:] for b in out] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert os.getpid() not in {b[0] for b in out} and len({b[0] for b in out}) == 2


def test_custom_collate_results_travel_through_shared_memory():
    def to_numpy_and_more(batch):
        xs = np.stack([s[0].numpy() for s in batch])
        return {"x": xs, "t": ember.from_numpy(xs[:, ::-1].copy()).t(), "names": [str(int(s[1])) for s in batch]}
    e = tensor_dataset(6)
    for b, ref in zip(D.DataLoader(e, batch_size=3, num_workers=2, collate_fn=to_numpy_and_more),
                      D.DataLoader(e, batch_size=3, collate_fn=to_numpy_and_more)):
        np.testing.assert_array_equal(b["x"], ref["x"])
        assert ember.equal(b["t"], ref["t"]) and b["t"].stride() == ref["t"].stride() and b["t"].is_shared()
        assert b["names"] == ref["names"]


def test_batches_are_shared_writable_and_independent():
    e = tensor_dataset(64)
    with deadline(20):
        batches = list(D.DataLoader(e, batch_size=4, num_workers=2))  # keeps every batch: no block reuse
    assert all(x.is_shared() for x, _ in batches)
    xs = ember.cat([x for x, _ in batches])
    assert ember.equal(xs, e.tensors[0])
    batches[0][0].zero_()
    assert float(batches[1][0].abs().sum()) > 0 and float(e.tensors[0].abs().sum()) > 0


def test_block_reuse_keeps_batches_intact():
    class Growing(D.Dataset):  # batches of growing size: new blocks, reuse and discarded blocks
        def __len__(self):
            return 240

        def __getitem__(self, i):
            return ember.full((1 + i * 40,), float(i))

    def as_list(batch):
        return batch
    kept = []
    with deadline(30):
        for i, batch in enumerate(D.DataLoader(Growing(), batch_size=6, num_workers=2, collate_fn=as_list)):
            for j, t in enumerate(batch):
                k = 6 * i + j
                assert t.shape == (1 + k * 40,) and float(t.min()) == float(t.max()) == k
            if i % 7 == 0:
                kept.append((i, batch))
    for i, batch in kept:
        assert [float(t[0]) for t in batch] == [6 * i + j for j in range(6)]


def test_len():
    e = tensor_dataset(10)
    assert [len(D.DataLoader(e, batch_size=3)), len(D.DataLoader(e, batch_size=3, drop_last=True))] == [4, 3]
    assert len(D.DataLoader(e, batch_size=None)) == 10
    assert len(D.DataLoader(Range(0, 10), batch_size=4)) == 3
    assert len(D.DataLoader(Range(0, 10), batch_size=4, drop_last=True)) == 2
    assert len(iter(D.DataLoader(e, batch_size=4))) == 3


def test_multiprocessing_context_forms():
    e = tensor_dataset(4)
    assert D.DataLoader(e, num_workers=1).multiprocessing_context is None
    ctx = multiprocessing.get_context("fork")
    assert D.DataLoader(e, num_workers=1, multiprocessing_context=ctx).multiprocessing_context is ctx
    loader = D.DataLoader(e, batch_size=2, num_workers=1, multiprocessing_context="fork")
    assert loader.multiprocessing_context.get_start_method() == "fork"
    assert len(list(loader)) == 2


def test_frozen_attributes():
    loader = D.DataLoader(tensor_dataset(4))
    for attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
            setattr(loader, attr, None)
    loader.num_workers = 1  # not frozen, as in PyTorch


def test_pin_memory_is_accepted():
    e = tensor_dataset(4)
    with pytest.warns(UserWarning, match="pin_memory"):
        out = list(D.DataLoader(e, batch_size=2, pin_memory=True, pin_memory_device="cuda"))
    assert len(out) == 2


def test_too_many_workers_warns():
    with pytest.warns(UserWarning, match="worker processes"):
        D.DataLoader(tensor_dataset(4), num_workers=(os.cpu_count() or 1) + 1)


# ---- workers: prefetching, order, iterable datasets, seeding -----------------------------------------------
class Counted(D.Dataset):
    """Counts fetches in a shared counter; item i of worker 0's first batch is slow when asked."""

    def __init__(self, n, slow_first=False):
        self.n, self.count, self.slow_first = n, multiprocessing.get_context("fork").Value("i", 0), slow_first

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        with self.count.get_lock():
            self.count.value += 1
        if self.slow_first and i == 0:
            time.sleep(1.0)
        return i


def _settle(counter, expected, seconds=10.0):
    """Wait until `counter` reaches `expected`, then a little longer to see that it stays there."""
    end = time.monotonic() + seconds
    while counter.value < expected and time.monotonic() < end:
        time.sleep(0.02)
    time.sleep(0.3)
    return counter.value


@pytest.mark.parametrize("prefetch", [1, 3])
def test_prefetch_factor_bounds_batches_in_flight(prefetch):
    ds = Counted(40)
    with deadline(30):
        it = iter(D.DataLoader(ds, batch_size=2, num_workers=2, prefetch_factor=prefetch))
        assert _settle(ds.count, 2 * 2 * prefetch) == 2 * 2 * prefetch
        next(it)
        assert _settle(ds.count, 2 * (2 * prefetch + 1)) == 2 * (2 * prefetch + 1)
        del it


def test_in_order_waits_for_slow_worker_and_in_order_false_does_not():
    with deadline(20):
        ordered = [b.tolist() for b in D.DataLoader(Counted(12, slow_first=True), batch_size=2, num_workers=2)]
        assert ordered == [[i, i + 1] for i in range(0, 12, 2)]
        loose = [b.tolist() for b in D.DataLoader(Counted(12, slow_first=True), batch_size=2, num_workers=2,
                                                  in_order=False)]
    assert loose[0] != [0, 1] and sorted(loose) == ordered


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_iterable_dataset_sharded_with_get_worker_info(workers):
    with deadline(20):
        got = ember.cat(list(D.DataLoader(Range(3, 20), batch_size=4, num_workers=workers))).tolist()
    assert sorted(got) == list(range(3, 20))


def test_iterable_dataset_without_batching_and_drop_last():
    with deadline(20):
        assert [int(x) for x in D.DataLoader(Range(0, 5), batch_size=None, num_workers=2)] == [0, 3, 1, 4, 2]
        batches = list(D.DataLoader(Range(0, 10), batch_size=4, drop_last=True, num_workers=2))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [5, 6, 7, 8]]


def test_unsharded_iterable_dataset_warns_about_length():
    class Unsharded(D.IterableDataset):
        def __iter__(self):
            return iter(range(4))

        def __len__(self):
            return 4
    loader = D.DataLoader(Unsharded(), batch_size=None, num_workers=2)
    assert len(loader) == 4
    with deadline(20), pytest.warns(UserWarning, match="Length of IterableDataset"):
        out = list(loader)
    assert len(out) == 8


class Info(D.Dataset):
    """Item: (worker id, num_workers, seed, ember draw, random draw, NumPy draw, init flag)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = D.get_worker_info()
        return (info.id, info.num_workers, info.seed, float(ember.rand(1)), random.random(), np.random.rand(),
                getattr(info.dataset, "initialised", None))


def _init(worker_id):
    info = D.get_worker_info()
    assert info.id == worker_id
    info.dataset.initialised = worker_id


def _seeds(generator_seed, persistent=False, epochs=1):
    loader = D.DataLoader(Info(), batch_size=None, num_workers=2, worker_init_fn=_init,
                          generator=ember.Generator().manual_seed(generator_seed), persistent_workers=persistent)
    with deadline(20):
        return [list(loader) for _ in range(epochs)]


def test_worker_info_seeding_and_init_fn():
    (first,), (again,), (other,) = _seeds(1), _seeds(1), _seeds(2)
    by_worker = {row[0]: row for row in first}
    assert set(by_worker) == {0, 1} and all(row[1] == 2 for row in first)
    assert by_worker[1][2] == by_worker[0][2] + 1
    assert all(row[6] == row[0] for row in first)
    for k in (3, 4, 5):  # ember, random and NumPy streams differ between workers
        assert by_worker[0][k] != by_worker[1][k]
    assert first == again and first != other


def test_worker_seeds_change_each_epoch_unless_persistent():
    loader = D.DataLoader(Info(), batch_size=None, num_workers=2, generator=ember.Generator().manual_seed(4))
    with deadline(20):
        a, b = list(loader), list(loader)
    assert a[0][2] != b[0][2]
    p1, p2 = _seeds(4, persistent=True, epochs=2)
    assert p1[0][2] == p2[0][2]


def test_worker_info_is_frozen():
    info = D.WorkerInfo(id=0, num_workers=1, seed=3, dataset=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.id = 2


def test_persistent_workers_are_reused_and_restart():
    def pid_collate(batch):
        return os.getpid(), [int(x) for x in batch]
    loader = D.DataLoader(Range(0, 8), batch_size=2, num_workers=2, persistent_workers=True, collate_fn=pid_collate)
    with deadline(30):
        first = list(loader)
        for i, _ in enumerate(loader):  # break mid-epoch: the next epoch still starts from the beginning
            if i == 1:
                break
        second = list(loader)
    assert {p for p, _ in first} == {p for p, _ in second} and len({p for p, _ in first}) == 2
    assert sorted(sum((b for _, b in first), [])) == sorted(sum((b for _, b in second), [])) == list(range(8))
    assert len(multiprocessing.active_children()) == 2
    del loader  # the workers go with the loader


def test_map_dataset_in_the_workers_sees_batches_of_indices():
    with deadline(20):
        got = [b.tolist() for b in D.DataLoader(Squares(10), batch_size=3, num_workers=2)]
    assert got[1] == [[3.0, 9.0], [4.0, 16.0], [5.0, 25.0]] and len(got) == 4


class Hoarder:
    """A collate_fn that keeps every batch it made and reports whether the kept ones are still intact."""

    def __init__(self):
        self.kept = []

    def __call__(self, batch):
        out = D.default_collate(batch)
        self.kept.append((out, out.tolist()))
        return out, all(t.tolist() == values for t, values in self.kept)


def test_batches_a_worker_keeps_are_never_overwritten():
    with deadline(30):
        flags = [ok for _, ok in D.DataLoader(Squares(120), batch_size=4, num_workers=2, collate_fn=Hoarder())]
    assert all(flags) and len(flags) == 30


def test_workers_compute_with_one_thread():
    """As PyTorch's: each worker sets its BLAS threads to 1, so that workers and the training process do not fight
    over the cores; the main process keeps its own."""
    before = ember.get_num_threads()
    batches = [b.tolist() for b in D.DataLoader(Threads(), batch_size=2, num_workers=2)]
    assert batches == [[1, 1], [1, 1]] and ember.get_num_threads() == before
