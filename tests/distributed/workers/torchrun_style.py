"""A script written for torchrun: `import torch`, env:// rendezvous, LOCAL_RANK, exit status from argv."""
import os
import sys

import torch
import torch.distributed as dist

dist.init_process_group(backend="gloo", init_method="env://")
rank, world = dist.get_rank(), dist.get_world_size()
assert int(os.environ["RANK"]) == rank and int(os.environ["WORLD_SIZE"]) == world
assert int(os.environ["LOCAL_RANK"]) == rank and os.environ["MASTER_ADDR"] and dist.is_torchelastic_launched()
total = torch.tensor([float(rank + 1)])
dist.all_reduce(total)
threads = os.environ.get("OMP_NUM_THREADS")
print(f"rank {rank} of {world}: sum {total.item():g}, lib {torch.__name__}, threads {threads}")
dist.destroy_process_group()
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and rank == world - 1 else 0)
