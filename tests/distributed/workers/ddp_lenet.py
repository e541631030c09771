"""Seed 001's LeNet trained with DistributedDataParallel on per-rank shards of MNIST batches, with default buckets
and with small buckets whose gradients are bucket views; rank 0 also trains a copy of the initial model in one
process on the whole batches. Rank 0 writes JSON to argv[3]: how far the ranks' parameters are apart, how far
they are from the single-process run, and the losses. Usage: ddp_lenet.py MNIST_DIR STEPS OUT.json"""
import copy
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

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # tests/, for the MNIST tests' helpers
from e2e.lenet import lenet  # noqa: E402  (seed 001's LeNet, as the MNIST tests train it)
from e2e.mnist_data import read_idx  # noqa: E402

BATCH = 8  # per rank


def flat(module: nn.Module) -> np.ndarray:
    """Every parameter of `module`, in one vector."""
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def main(mnist: pathlib.Path, steps: int, out: str) -> None:
    """Train, compare, and write the findings (rank 0)."""
    dist.init_process_group("gloo", timeout=timedelta(seconds=120))
    rank, size = dist.get_rank(), dist.get_world_size()
    count = steps * size * BATCH
    images = ember.tensor((read_idx(mnist / "t10k-images-idx3-ubyte.gz")[:count] / 255.0).astype(np.float32)
                          .reshape(-1, 1, 28, 28))
    labels = ember.tensor(read_idx(mnist / "t10k-labels-idx1-ubyte.gz")[:count].astype(np.int64))

    ember.manual_seed(rank)  # every rank starts from its own weights: DDP makes them rank 0's
    models = {"default": DDP(lenet(ember)), "small_buckets_as_views": DDP(lenet(ember), bucket_cap_mb=0.01,
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
