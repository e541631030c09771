"""Datasets, random_split and samplers, against torch.utils.data."""
import collections
import warnings

import numpy as np
import pytest
import torch.utils.data as TD
from data_mp_helpers import no_leaks, same  # noqa: F401  (no_leaks is autouse)
from parity import torch

import ember
import ember.utils.data as D


def both(x: np.ndarray):
    return ember.from_numpy(x.copy()), torch.from_numpy(x.copy())


def raises_like(fn_ember, fn_torch):
    """Both raise, the same exception type."""
    with pytest.raises(Exception) as te:
        fn_torch()
    with pytest.raises(type(te.value)):
        fn_ember()


# ---- Dataset, IterableDataset -------------------------------------------------------------------
def test_dataset_base():
    with pytest.raises(NotImplementedError):
        D.Dataset()[0]
    a, b = D.TensorDataset(ember.arange(3)), D.TensorDataset(ember.arange(3, 5))
    c = a + b
    assert isinstance(c, D.ConcatDataset) and len(c) == 5 and int(c[4][0]) == 4


def test_iterable_dataset_add_chains():
    class R(D.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n
    with pytest.raises(NotImplementedError):
        iter(D.IterableDataset())
    chained = R(2) + R(3)
    assert isinstance(chained, D.ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(AssertionError):
        list(D.ChainDataset([R(1), D.TensorDataset(ember.arange(2))]))
    with pytest.raises(AssertionError):
        len(D.ChainDataset([D.TensorDataset(ember.arange(2))]))


# ---- TensorDataset --------------------------------------------------------------------------------
def test_tensor_dataset_matches_torch():
    x, y = np.random.rand(7, 2, 3).astype(np.float32), np.arange(7)
    (ex, tx), (ey, ty) = both(x), both(y)
    e, t = D.TensorDataset(ex, ey), TD.TensorDataset(tx, ty)
    assert len(e) == len(t) == 7
    for i in (0, 3, -1):
        same(e[i], t[i])
    same(e.__getitems__([4, 0, -2]), [t[i] for i in [4, 0, -2]])
    raises_like(lambda: D.TensorDataset(ex, ember.arange(3)), lambda: TD.TensorDataset(tx, torch.arange(3)))
    with pytest.raises(IndexError, match="out of bounds"):
        e.__getitems__([0, 7])


def test_tensor_dataset_requires_grad_keeps_the_graph():
    w = ember.randn(4, 2, requires_grad=True)
    rows = D.TensorDataset(w).__getitems__([1, 2])
    assert rows[0][0].grad_fn is not None


# ---- StackDataset ---------------------------------------------------------------------------------
def test_stack_dataset_tuple_and_dict():
    x, y = np.random.rand(5, 2).astype(np.float32), np.arange(5)
    (ex, tx), (ey, ty) = both(x), both(y)
    e, t = D.StackDataset(D.TensorDataset(ex), ey), TD.StackDataset(TD.TensorDataset(tx), ty)
    same(e[2], t[2])
    same(e.__getitems__([1, 3]), t.__getitems__([1, 3]))
    e, t = D.StackDataset(a=ex, b=D.TensorDataset(ey)), TD.StackDataset(a=tx, b=TD.TensorDataset(ty))
    same(e[4], t[4])
    same(e.__getitems__([0, 2]), t.__getitems__([0, 2]))
    assert len(e) == 5
    raises_like(lambda: D.StackDataset(ex, b=ey), lambda: TD.StackDataset(tx, b=ty))
    raises_like(lambda: D.StackDataset(), lambda: TD.StackDataset())
    raises_like(lambda: D.StackDataset(ex, ey[:3]), lambda: TD.StackDataset(tx, ty[:3]))


def test_stack_dataset_checks_nested_getitems():
    class Short(D.Dataset):
        def __len__(self):
            return 3

        def __getitems__(self, indices):
            return indices[:-1]
    with pytest.raises(ValueError, match="Expected 2, got 1"):
        D.StackDataset(Short()).__getitems__([0, 1])


# ---- ConcatDataset, Subset ------------------------------------------------------------------------
def test_concat_dataset_matches_torch():
    parts = [np.arange(n) for n in (3, 0, 4)]
    e = D.ConcatDataset([D.TensorDataset(ember.from_numpy(p)) for p in parts])
    t = TD.ConcatDataset([TD.TensorDataset(torch.from_numpy(p)) for p in parts])
    assert e.cumulative_sizes == t.cumulative_sizes and len(e) == len(t)
    for i in (0, 2, 3, 6, -1, -7):
        same(e[i], t[i])
    raises_like(lambda: e[-8], lambda: t[-8])
    raises_like(lambda: D.ConcatDataset([]), lambda: TD.ConcatDataset([]))
    with pytest.warns(DeprecationWarning):
        assert e.cummulative_sizes == e.cumulative_sizes
    with pytest.raises(AssertionError):
        D.ConcatDataset([D.TensorDataset(ember.arange(2)), D.IterableDataset()])


def test_subset():
    base = D.TensorDataset(ember.arange(10) * 10)
    s = D.Subset(base, [7, 2, 5])
    assert len(s) == 3 and int(s[0][0]) == 70
    assert [int(r[0]) for r in s.__getitems__([2, 1])] == [50, 20]

    class ListIndexed(D.Dataset):
        def __getitem__(self, idx):
            return ("list", idx) if isinstance(idx, list) else idx
    assert D.Subset(ListIndexed(), [4, 6])[[1, 0]] == ("list", [6, 4])


# ---- random_split ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [0.33, 0.33, 0.34], [1.0]])
def test_random_split_lengths_match_torch(lengths):
    e = D.random_split(range(10), lengths, generator=ember.Generator().manual_seed(1))
    t = TD.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in e] == [len(s) for s in t]
    assert sorted(i for s in e for i in s) == list(range(10))


def test_random_split_generator_and_errors():
    a = D.random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    b = D.random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    assert list(a[0]) == list(b[0])
    ember.manual_seed(0)
    c = D.random_split(range(20), [5, 15])
    ember.manual_seed(0)
    assert list(D.random_split(range(20), [5, 15])[0]) == list(c[0])
    raises_like(lambda: D.random_split(range(10), [3, 3]), lambda: TD.random_split(range(10), [3, 3]))
    raises_like(lambda: D.random_split(range(10), [1.5, -0.5]), lambda: TD.random_split(range(10), [1.5, -0.5]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        D.random_split(range(2), [1.0, 0.0])


# ---- samplers -------------------------------------------------------------------------------------
def test_sequential_sampler():
    s = D.SequentialSampler(range(4))
    assert list(s) == list(TD.SequentialSampler(range(4))) and len(s) == 4


def test_sampler_base():
    with pytest.raises(NotImplementedError):
        iter(D.Sampler())


def test_random_sampler_permutation_and_generator():
    s = D.RandomSampler(range(50), generator=ember.Generator().manual_seed(5))
    order = list(s)
    assert sorted(order) == list(range(50)) and order != list(range(50)) and len(s) == 50
    assert list(D.RandomSampler(range(50), generator=ember.Generator().manual_seed(5))) == order
    ember.manual_seed(2)
    first = list(D.RandomSampler(range(50)))
    ember.manual_seed(2)
    assert list(D.RandomSampler(range(50))) == first


def test_random_sampler_num_samples_and_replacement():
    s = D.RandomSampler(range(4), num_samples=10)
    drawn = list(s)
    assert len(drawn) == len(s) == 10 and sorted(drawn[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    r = list(D.RandomSampler(range(3), replacement=True, num_samples=200))
    assert len(r) == 200 and set(r) == {0, 1, 2}


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0), dict(num_samples=2.5)])
def test_random_sampler_errors_match_torch(kwargs):
    raises_like(lambda: D.RandomSampler(range(3), **kwargs), lambda: TD.RandomSampler(range(3), **kwargs))


def test_subset_random_sampler():
    s = D.SubsetRandomSampler([10, 20, 30, 40], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30, 40] and len(s) == 4


def test_weighted_random_sampler():
    s = D.WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=ember.Generator().manual_seed(0))
    counts = collections.Counter(s)
    assert len(s) == 400 and counts[0] == 0 and 2 < counts[2] / counts[1] < 4.5
    distinct = list(D.WeightedRandomSampler([1.0, 1.0, 1.0, 1.0], 4, replacement=False))
    assert sorted(distinct) == [0, 1, 2, 3]


@pytest.mark.parametrize("args", [([1.0], 0), ([1.0], 2, 1), ([[1.0]], 1), ([1.0], True)])
def test_weighted_random_sampler_errors_match_torch(args):
    raises_like(lambda: D.WeightedRandomSampler(*args), lambda: TD.WeightedRandomSampler(*args))


@pytest.mark.parametrize("n,size,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)])
def test_batch_sampler_matches_torch(n, size, drop):
    e, t = D.BatchSampler(range(n), size, drop), TD.BatchSampler(range(n), size, drop)
    assert list(e) == list(t) and len(e) == len(t)


@pytest.mark.parametrize("args", [(0, False), (True, False), (2.0, False), (2, 1)])
def test_batch_sampler_errors_match_torch(args):
    raises_like(lambda: D.BatchSampler(range(3), *args), lambda: TD.BatchSampler(range(3), *args))


def test_public_names_match_torch():
    wanted = {"BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
              "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
              "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert", "get_worker_info",
              "random_split"}
    assert wanted <= set(D.__all__) and wanted <= set(TD.__all__)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert D.get_worker_info() is None
