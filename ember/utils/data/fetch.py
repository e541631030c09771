"""Fetchers: one batch (or sample) from a dataset for one index (or list of indices), collated."""
import numpy as np

from ..._tensor import wrap
from ...backend import array_module
from . import shared
from .collate import default_collate
from .dataset import Subset, TensorDataset


class MapFetcher:
    """Fetch `dataset[i]` for each index of a batch (through `__getitems__` when the dataset has it)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        """The collated samples at `index` (a list of indices when auto-collating)."""
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.collate_fn is default_collate:
            batch = gather_batch(self.dataset, index)
            if batch is not None:
                return batch
        if self.getitems is not None:
            return self.collate_fn(self.getitems(index))
        dataset = self.dataset
        return self.collate_fn([dataset[i] for i in index])


class IterableFetcher:
    """Take the next `len(index)` samples (or the next sample) from the dataset's iterator."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        """The next collated batch; StopIteration when the stream is exhausted."""
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def gather_batch(dataset, indices: list) -> list | None:
    """default_collate of a TensorDataset's samples (also through Subsets) at `indices`, with one gather per
    tensor, straight into the batch's shared memory in a worker; None for other datasets, or when a tensor
    requires grad (the per-sample path records the graph PyTorch records)."""
    while type(dataset) is Subset:
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or any(t._rg for t in dataset.tensors):
        return None
    idx = dataset.checked_indices(indices)
    return [wrap(_take(t._data, idx)) for t in dataset.tensors]


def _take(a, idx):
    xp = array_module(a)
    if xp is not np:
        return a[xp.asarray(idx)]
    out = shared.empty((len(idx),) + a.shape[1:], a.dtype)
    return np.take(a, idx, axis=0, out=out, mode="wrap")  # indices are checked; "raise" would copy twice
