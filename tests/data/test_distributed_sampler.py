"""DistributedSampler against torch.utils.data.DistributedSampler: lengths, padding, drop_last, which indices each
rank gets, the errors; and the properties of its shuffled order, which comes from ember's generator, not PyTorch's."""
import sys
import types

import numpy as np
import pytest
from data_mp_helpers import same

import ember
import ember.distributed
import ember.utils.data as D
from ember.utils.data.distributed import DistributedSampler

LENGTHS = [0, 1, 2, 7, 10, 11]
REPLICAS = [1, 2, 3, 4, 7]


@pytest.fixture
def torch():
    """PyTorch, the oracle (the test skips where it is not installed)."""
    from parity import torch
    return torch


@pytest.fixture
def torch_with_embers_permutation(torch, monkeypatch):
    """PyTorch whose randperm(n, generator=g) returns ember's permutation for g's seed: PyTorch's sampler then
    shuffles as ember's does, so everything but the permutation itself can be compared."""
    def randperm(n, generator):
        order = ember.randperm(n, generator=ember.Generator().manual_seed(generator.initial_seed()))
        return torch.from_numpy(order.numpy().copy())
    monkeypatch.setattr(torch, "randperm", randperm)
    return torch


def both(torch, n, **kwargs):
    """The same sampler over range(n) in ember and in torch."""
    return DistributedSampler(range(n), **kwargs), torch.utils.data.DistributedSampler(range(n), **kwargs)


def assert_same_sampler(e, t):
    """Same indices (Python ints), length and sizes."""
    got, want = list(e), list(t)
    assert got == want and all(type(i) is int for i in got)
    assert len(e) == len(t) and (e.num_samples, e.total_size) == (t.num_samples, t.total_size)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("num_replicas", REPLICAS)
@pytest.mark.parametrize("n", LENGTHS)
def test_unshuffled_matches_torch(torch, n, num_replicas, drop_last):
    for rank in range(num_replicas):
        e, t = both(torch, n, num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert_same_sampler(e, t)
        e.set_epoch(3), t.set_epoch(3)
        assert_same_sampler(e, t)


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("num_replicas", REPLICAS)
@pytest.mark.parametrize("n", LENGTHS)
def test_shuffled_deals_out_like_torch(torch_with_embers_permutation, n, num_replicas, drop_last, seed):
    for rank in range(num_replicas):
        e, t = both(torch_with_embers_permutation, n, num_replicas=num_replicas, rank=rank, seed=seed,
                    drop_last=drop_last)
        for epoch in range(3):
            e.set_epoch(epoch), t.set_epoch(epoch)
            assert_same_sampler(e, t)


def test_shuffled_order_is_embers_randperm_of_seed_plus_epoch():
    sampler = DistributedSampler(range(10), num_replicas=1, rank=0, seed=4)
    sampler.set_epoch(3)
    assert list(sampler) == ember.randperm(10, generator=ember.Generator().manual_seed(7)).tolist()


def test_attributes_match_torch(torch):
    e, t = both(torch, 11, num_replicas=3, rank=2, shuffle=False, seed=9, drop_last=True)
    for name in ["num_replicas", "rank", "epoch", "seed", "shuffle", "drop_last", "num_samples", "total_size"]:
        assert getattr(e, name) == getattr(t, name), name
    assert isinstance(e, D.Sampler) and list(e.dataset) == list(range(11))


def test_padding_repeats_the_start_several_times(torch):
    e, t = both(torch, 2, num_replicas=7, rank=0, shuffle=False)
    assert [list(DistributedSampler(range(2), num_replicas=7, rank=r, shuffle=False)) for r in range(7)] == [
        [0], [1], [0], [1], [0], [1], [0]]
    assert_same_sampler(e, t)


@pytest.mark.parametrize("rank", [-1, 3, 4])
def test_bad_rank_raises_like_torch(torch, rank):
    with pytest.raises(ValueError) as want:
        torch.utils.data.DistributedSampler(range(5), num_replicas=3, rank=rank)
    with pytest.raises(ValueError) as got:
        DistributedSampler(range(5), num_replicas=3, rank=rank)
    assert str(got.value) == str(want.value) == f"Invalid rank {rank}, rank should be in the interval [0, 2]"


@pytest.mark.parametrize("kwargs", [dict(), dict(num_replicas=2), dict(rank=0)])
def test_without_a_distributed_backend_raises(monkeypatch, kwargs):
    monkeypatch.setattr(ember.distributed, "is_available", lambda: False)  # as where mpi4py is not installed
    with pytest.raises(RuntimeError, match="^Requires distributed package to be available$"):
        DistributedSampler(range(5), **kwargs)


def test_world_size_and_rank_come_from_the_distributed_package(monkeypatch):
    fake = types.ModuleType("ember.distributed")
    fake.is_available, fake.get_world_size, fake.get_rank = (lambda: True), (lambda: 3), (lambda: 2)
    monkeypatch.setitem(sys.modules, "ember.distributed", fake)
    monkeypatch.setattr(ember, "distributed", fake, raising=False)
    sampler = DistributedSampler(range(10), shuffle=False)
    assert (sampler.num_replicas, sampler.rank, list(sampler)) == (3, 2, [2, 5, 8, 1])
    assert DistributedSampler(range(10), rank=0).num_replicas == 3


def test_uninitialized_process_group_raises_like_torch(torch):
    if not ember.distributed.is_available() or ember.distributed.is_initialized():
        pytest.skip("needs an available, uninitialized ember.distributed")
    with pytest.raises(Exception) as want:
        torch.utils.data.DistributedSampler(range(5))
    with pytest.raises(want.type):
        DistributedSampler(range(5))


@pytest.mark.parametrize("num_replicas", [1, 2, 3, 4, 6])
def test_ranks_cover_a_divisible_dataset_exactly_once_per_epoch(num_replicas):
    samplers = [DistributedSampler(range(12), num_replicas=num_replicas, rank=r, seed=1) for r in range(num_replicas)]
    for epoch in range(4):
        for s in samplers:
            s.set_epoch(epoch)
        shares = [list(s) for s in samplers]
        assert all(len(share) == 12 // num_replicas for share in shares)
        assert sorted(i for share in shares for i in share) == list(range(12))


@pytest.mark.parametrize("drop_last", [False, True])
def test_ranks_cover_an_indivisible_dataset(drop_last):
    shares = [list(DistributedSampler(range(11), num_replicas=4, rank=r, drop_last=drop_last)) for r in range(4)]
    union = [i for share in shares for i in share]
    assert all(len(share) == (2 if drop_last else 3) for share in shares)
    if drop_last:
        assert len(set(union)) == 8
    else:
        assert sorted(set(union)) == list(range(11)) and len(union) == 12


def test_order_is_decided_by_seed_and_epoch():
    def order(seed, epoch):
        s = DistributedSampler(range(50), num_replicas=2, rank=1, seed=seed)
        s.set_epoch(epoch)
        return list(s)
    assert order(0, 0) == order(0, 0) and order(3, 2) == order(3, 2)
    assert order(0, 0) != order(0, 1) and order(0, 0) != order(1, 0)
    assert order(2, 3) == order(3, 2)  # only seed + epoch counts, as in PyTorch
    assert order(0, 0) != list(range(1, 50, 2))


def test_iterator_keeps_the_epoch_it_started_with():
    s = DistributedSampler(range(30), num_replicas=1, rank=0)
    it, first = iter(s), list(s)
    s.set_epoch(1)
    assert list(it) == first != list(s)


def test_dataloader_batches_match_torch(torch):
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    e_data, t_data = D.TensorDataset(ember.from_numpy(x.copy())), torch.utils.data.TensorDataset(torch.from_numpy(x))
    for rank in range(3):
        e = D.DataLoader(e_data, batch_size=2, sampler=DistributedSampler(e_data, num_replicas=3, rank=rank,
                                                                          shuffle=False))
        t = torch.utils.data.DataLoader(t_data, batch_size=2, sampler=torch.utils.data.DistributedSampler(
            t_data, num_replicas=3, rank=rank, shuffle=False))
        same(list(e), list(t))
        assert len(e) == len(t) == 2


def test_dataloader_batches_follow_the_shuffled_indices():
    x = ember.arange(10) * 10
    data = D.TensorDataset(x)
    sampler = DistributedSampler(data, num_replicas=2, rank=1, seed=7)
    loader = D.DataLoader(data, batch_size=2, sampler=sampler)
    for epoch in range(2):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        batches = [b[0].tolist() for b in loader]
        assert batches == [[10 * i for i in indices[k:k + 2]] for k in range(0, 5, 2)]
    assert batches != [[10 * i for i in j] for j in ([1, 3], [5, 7], [9])]
