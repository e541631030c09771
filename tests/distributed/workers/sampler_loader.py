"""Each rank loads its share of a dataset through DistributedSampler and DataLoader(num_workers=2) for three
epochs; rank 0 prints, per epoch, whether the ranks' indices together cover the dataset exactly once."""
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class Indices(Dataset):
    def __len__(self):
        return 48

    def __getitem__(self, i):
        return torch.tensor([i])


dist.init_process_group("gloo")
sampler = DistributedSampler(Indices(), shuffle=True, seed=7)
loader = DataLoader(Indices(), batch_size=5, sampler=sampler, num_workers=2)
orders = []
for epoch in range(3):
    sampler.set_epoch(epoch)
    mine = [int(i) for batch in loader for i in batch.flatten()]
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    if dist.get_rank() == 0:
        seen = sorted(i for part in everyone for i in part)
        orders.append(everyone[0])
        print(f"epoch {epoch}: covered once {seen == list(range(48))}, shares {[len(p) for p in everyone]}")
if dist.get_rank() == 0:
    print(f"orders differ by epoch {len({tuple(o) for o in orders}) == 3}")
dist.destroy_process_group()
