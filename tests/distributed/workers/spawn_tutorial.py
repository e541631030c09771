"""PyTorch's "Getting Started with Distributed Data Parallel" tutorial, CPU edition: ranks started by mp.spawn.
argv[1]: a folder for the checkpoint and each rank's findings; argv[2] 'fail' makes rank 1 raise."""
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP


def setup(rank, world_size):
    os.environ["MASTER_ADDR"] = "localhost"
    os.environ["MASTER_PORT"] = "12355"
    dist.init_process_group("gloo", rank=rank, world_size=world_size)


def cleanup():
    dist.destroy_process_group()


class ToyModel(nn.Module):
    def __init__(self):
        super(ToyModel, self).__init__()
        self.net1 = nn.Linear(10, 10)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(10, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def demo_checkpoint(rank, world_size, folder, fail):
    setup(rank, world_size)
    if fail and rank == 1:
        raise ValueError("rank 1 gives up")
    torch.manual_seed(rank)  # different weights on every rank: DDP makes them rank 0's
    model = ToyModel()
    ddp_model = DDP(model)
    checkpoint = os.path.join(folder, "model.checkpoint")
    if rank == 0:
        torch.save(ddp_model.state_dict(), checkpoint)
    dist.barrier()
    ddp_model.load_state_dict(torch.load(checkpoint, weights_only=True))
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.001)
    optimizer.zero_grad()
    outputs = ddp_model(torch.randn(20, 10))
    loss_fn(outputs, torch.randn(20, 5)).backward()
    optimizer.step()
    with open(os.path.join(folder, f"rank{rank}.json"), "w") as f:
        json.dump({"rank": dist.get_rank(), "world": dist.get_world_size(),
                   "weights": ddp_model.module.net2.weight.detach().flatten().tolist()}, f)
    cleanup()


if __name__ == "__main__":
    mp.spawn(demo_checkpoint, args=(2, sys.argv[1], sys.argv[2:] == ["fail"]), nprocs=2, join=True)
