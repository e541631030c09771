"""DistributedSampler, as `torch.utils.data.distributed`: each of several processes loads its share of a dataset."""
import numpy as np

from ..._random import Generator, rng
from .sampler import Sampler


def _distributed():
    """`ember.distributed` when a backend can run here; PyTorch's RuntimeError when none can."""
    from ... import distributed  # layer: distributed is an edge layer above utils.data
    if not distributed.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return distributed


class DistributedSampler(Sampler):
    """The indices of `dataset` that replica `rank` of `num_replicas` loads: the same (shuffled) order on every
    replica, padded by repeating its start (or cut, with `drop_last`) to a multiple of `num_replicas`, and dealt
    out round-robin: replica `rank` takes positions rank, rank + num_replicas, ...

    `num_replicas` and `rank` default to `ember.distributed.get_world_size()` and `get_rank()`; call `set_epoch`
    before each epoch so that the replicas agree on a new order.

    Differs from PyTorch: the shuffled order is `ember.randperm(len(dataset),
    generator=ember.Generator().manual_seed(seed + epoch))`, a permutation drawn from ember's generator (NumPy's
    PCG64), not from PyTorch's Mersenne Twister, so it is not PyTorch's permutation for the same seed and epoch.
    Everything else (lengths, padding, which positions go to which rank, the unshuffled indices) is PyTorch's.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if num_replicas is None:
            num_replicas = _distributed().get_world_size()
        if rank is None:
            rank = _distributed().get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank, self.epoch = dataset, num_replicas, rank, 0
        self.drop_last, self.shuffle, self.seed = drop_last, shuffle, seed
        n = len(dataset)
        self.num_samples = n // num_replicas if drop_last else -(-n // num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        order = rng(Generator().manual_seed(self.seed + self.epoch)).permutation(n) if self.shuffle else np.arange(n)
        # np.resize repeats `order` from its start up to total_size, or cuts it there: PyTorch's padding and drop_last
        return iter(np.resize(order, self.total_size)[self.rank::self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which (with `seed`) decides the shuffled order of the next `__iter__`."""
        self.epoch = epoch
