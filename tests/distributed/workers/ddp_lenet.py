"""Seed 001's LeNet trained with DistributedDataParallel on per-rank shards of MNIST batches, with default buckets
and with small buckets whose gradients are bucket views; rank 0 also trains a copy of the initial model in one
process on the whole batches. Rank 0 writes JSON to argv[3]: how far the ranks' parameters are apart, how far
they are from the single-process run, and the losses. Usage: ddp_lenet.py MNIST_DIR STEPS OUT.json"""
import copy
import gzip
import json
import pathlib
import sys
from datetime import timedelta

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn
import ember.nn.functional as F
from ember.nn.parallel import DistributedDataParallel as DDP

BATCH = 8  # per rank


class LeNet(nn.Module):
    """Seed 001's LeNet, with padding 2 so that 28x28 digits fit."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def read_idx(path: pathlib.Path, count: int) -> np.ndarray:
    """The first `count` items of a gzipped IDX file."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4)]
    items = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return items[:count]


def flat(module: nn.Module) -> np.ndarray:
    """Every parameter of `module`, in one vector."""
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def main(mnist: pathlib.Path, steps: int, out: str) -> None:
    """Train, compare, and write the findings (rank 0)."""
    dist.init_process_group("gloo", timeout=timedelta(seconds=120))
    rank, size = dist.get_rank(), dist.get_world_size()
    count = steps * size * BATCH
    images = ember.tensor((read_idx(mnist / "t10k-images-idx3-ubyte.gz", count) / 255.0).astype(np.float32)
                          .reshape(-1, 1, 28, 28))
    labels = ember.tensor(read_idx(mnist / "t10k-labels-idx1-ubyte.gz", count).astype(np.int64))

    ember.manual_seed(rank)  # every rank starts from its own weights: DDP makes them rank 0's
    models = {"default": DDP(LeNet()), "small_buckets_as_views": DDP(LeNet(), bucket_cap_mb=0.01,
                                                                      gradient_as_bucket_view=True)}
    reference = copy.deepcopy(models["default"].module) if rank == 0 else None
    models["small_buckets_as_views"].module.load_state_dict(models["default"].module.state_dict())
    optimizers = {name: ember.optim.SGD(m.parameters(), lr=0.05, momentum=0.9) for name, m in models.items()}
    if reference is not None:
        reference_optimizer = ember.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
    losses = {name: [] for name in models}
    reference_losses = []
    for step in range(steps):
        whole = slice(step * size * BATCH, (step + 1) * size * BATCH)
        shard = slice(step * size * BATCH + rank * BATCH, step * size * BATCH + (rank + 1) * BATCH)
        for name, m in models.items():
            optimizers[name].zero_grad()
            loss = F.cross_entropy(m(images[shard]), labels[shard])
            loss.backward()
            optimizers[name].step()
            losses[name].append(loss.item())
        if reference is not None:
            reference_optimizer.zero_grad()
            loss = F.cross_entropy(reference(images[whole]), labels[whole])
            loss.backward()
            reference_optimizer.step()
            reference_losses.append(loss.item())

    found = {name: flat(m.module) for name, m in models.items()}
    everyone = [None] * size
    dist.all_gather_object(everyone, found)
    if rank == 0:
        result = {
            "buckets": {name: len(m.reducer.buckets) for name, m in models.items()},
            "spread": {name: float(max(np.abs(f[name] - everyone[0][name]).max() for f in everyone))
                       for name in models},
            "vs_single_process": {name: float(np.abs(found[name] - flat(reference)).max()) for name in models},
            "losses": losses, "reference_losses": reference_losses,
        }
        with open(out, "w") as f:
            json.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
