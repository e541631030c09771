"""DataLoader against torch.utils.data.DataLoader: batches, lengths and argument errors."""
import numpy as np
import pytest
import torch.utils.data as TD
from data_mp_helpers import Range, deadline, no_leaks, same  # noqa: F401  (no_leaks is autouse)
from parity import torch

import ember
import ember.utils.data as D


def tensor_datasets(n=10):
    """The same TensorDataset in ember and in torch."""
    x, y = np.random.rand(n, 3).astype(np.float32), np.arange(n)
    return (D.TensorDataset(ember.from_numpy(x.copy()), ember.from_numpy(y.copy())),
            TD.TensorDataset(torch.from_numpy(x.copy()), torch.from_numpy(y.copy())))


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=4), dict(batch_size=4, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=3, sampler=[9, 0, 5, 2, 7]),
                                    dict(batch_sampler=[[1, 2], [0], [9, 8, 7]])])
def test_batches_match_torch(workers, kwargs):
    e, t = tensor_datasets()
    with deadline(20):
        got = list(D.DataLoader(e, num_workers=workers, **kwargs))
    want = list(TD.DataLoader(t, **kwargs))
    same(got, want)
    assert len(D.DataLoader(e, **kwargs)) == len(TD.DataLoader(t, **kwargs))


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(shuffle=True, sampler=[0]), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
    dict(multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3)])
def test_argument_errors_match_torch(kwargs):
    e, t = tensor_datasets(4)
    with pytest.raises(Exception) as te:
        TD.DataLoader(t, **kwargs)
    with pytest.raises(type(te.value)) as ee:
        D.DataLoader(e, **kwargs)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    class TIt(TD.IterableDataset):
        def __iter__(self):
            return iter([])
    with pytest.raises(Exception) as te:
        TD.DataLoader(TIt(), **kwargs)
    with pytest.raises(type(te.value)):
        D.DataLoader(Range(0, 1), **kwargs)
