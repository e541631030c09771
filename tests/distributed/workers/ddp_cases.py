"""DistributedDataParallel's behaviours on N ranks: the broadcast at construction, buffers at forward, no_sync,
find_unused_parameters, the unfinished-reduction error and several buckets; each against a single-process
reference computed on every rank from all ranks' data. Rank 0 writes every rank's findings as JSON to argv[1]."""
import copy
import json
import sys
from datetime import timedelta

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn
from ember.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo", timeout=timedelta(seconds=60))
rank, size = dist.get_rank(), dist.get_world_size()
found = {}


def operations() -> int:
    """Collectives started so far on the default group."""
    return dist.group.WORLD.operations


def flat(module: nn.Module) -> np.ndarray:
    """Every parameter of `module`, in one vector."""
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def everyone(obj) -> list:
    """Every rank's `obj`, in rank order."""
    objects = [None] * size
    dist.all_gather_object(objects, obj)
    return objects


def spread(arrays: list) -> float:
    """The largest difference between any rank's array and rank 0's."""
    return float(max(np.abs(a - arrays[0]).max() for a in arrays))


def batch(r: int, seed: int, n: int = 4) -> ember.Tensor:
    """Rank r's inputs for one step: the same on every rank that asks, so each can rebuild the whole batch."""
    rng = np.random.default_rng(1000 * seed + r)
    return ember.tensor(rng.standard_normal((n, 6)).astype(np.float32))


def grad_gap(model: nn.Module, reference: nn.Module) -> float:
    """The largest difference between the gradients of two copies of a model; inf where one has None and the
    other has not."""
    gap = 0.0
    for p, q in zip(model.parameters(), reference.parameters()):
        if (p.grad is None) != (q.grad is None):
            return float("inf")
        if p.grad is not None:
            gap = max(gap, float(np.abs(p.grad.numpy() - q.grad.numpy()).max()))
    return gap


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.fc2 = nn.Linear(5, 3)
        self.register_buffer("scale", ember.ones(3))

    def forward(self, x):
        return self.fc2(ember.tanh(self.fc1(x))) * self.scale


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 4)
        self.b = nn.Linear(6, 4)
        self.c = nn.Linear(6, 4)

    def forward(self, x, use_b: bool = False):
        y = self.a(x)
        if use_b:
            y = y + self.b(x)
        return y, self.c(x)


# (a) ranks start different; construction makes them rank 0's in a few flat messages -------------------------
ember.manual_seed(rank)
model = Small()
model.scale.fill_(float(rank + 1))
found["a_spread_before"] = spread(everyone(flat(model)))
start = operations()
ddp = DDP(model)
found["a_construction_messages"] = operations() - start
found["a_spread_after"] = spread(everyone(flat(model)))
found["a_buffer_after_construction"] = model.scale.tolist()
model.scale.fill_(float(rank + 5))  # the ranks' buffers drift apart; the next forward takes rank 0's
ddp(batch(rank, 0)).sum().backward()
found["a_buffer_after_forward"] = model.scale.tolist()
quiet = DDP(copy.deepcopy(model), forward_sync_buffers=False)
quiet.module.scale.fill_(float(rank + 7))
quiet(batch(rank, 0))
found["a_buffer_without_forward_sync"] = quiet.module.scale.tolist()
found["a_state_dict_keys"] = list(ddp.state_dict())

# (c) no_sync: two micro-batches accumulated locally, then one synchronised backward ----------------------------
ember.manual_seed(0)
base = Small()
accumulated, big, reference = DDP(copy.deepcopy(base)), DDP(copy.deepcopy(base)), copy.deepcopy(base)
x1, x2 = batch(rank, 1), batch(rank, 2)
with accumulated.no_sync():
    out = accumulated(x1)
    start = operations()
    out.sum().backward()
    found["c_no_sync_backward_messages"] = operations() - start
    found["c_grad_local_inside_no_sync"] = spread(everyone(accumulated.module.fc1.weight.grad.numpy()))
accumulated(x2).sum().backward()
big(ember.cat([x1, x2])).sum().backward()
everything = ember.cat([ember.cat([batch(r, 1), batch(r, 2)]) for r in range(size)])
(reference(everything).sum() / size).backward()
found["c_no_sync_vs_big_batch"] = grad_gap(accumulated.module, big.module)
found["c_no_sync_vs_single_process"] = grad_gap(accumulated.module, reference)
found["c_spread"] = spread(everyone(np.concatenate([p.grad.numpy().ravel() for p in accumulated.parameters()])))

# (d) find_unused_parameters: a branch no rank uses, one only rank 1 uses, an output the loss ignores --------------
ember.manual_seed(0)
base = Branchy()
ddp, reference = DDP(copy.deepcopy(base), find_unused_parameters=True), copy.deepcopy(base)
found["d_grad_fn"] = type(ddp(batch(rank, 0))[0].grad_fn).__name__


def step_unused(uses_b, loss_uses_c: bool) -> float:
    """One synchronised backward of `ddp` against the reference's averaged gradients over every rank's data."""
    ddp.zero_grad()
    reference.zero_grad()
    y, z = ddp(batch(rank, 3), use_b=uses_b(rank))
    (y.sum() + z.sum() if loss_uses_c else y.sum()).backward()
    for r in range(size):
        y, z = reference(batch(r, 3), use_b=uses_b(r))
        ((y.sum() + z.sum() if loss_uses_c else y.sum()) / size).backward()
    return grad_gap(ddp.module, reference)


found["d_unused_everywhere"] = step_unused(lambda r: False, loss_uses_c=False)
found["d_unused_everywhere_grads_none"] = [p.grad is None for p in ddp.module.parameters()]
found["d_used_on_rank_1_only"] = step_unused(lambda r: r == 1, loss_uses_c=True)
found["d_used_on_rank_1_only_b_grad_none"] = ddp.module.b.weight.grad is None
found["d_used_on_rank_0_only"] = step_unused(lambda r: r == 0, loss_uses_c=False)
kept = ddp.module.c.weight.grad = ember.ones(4, 6)  # a grad no rank touches this iteration stays as it is
y, _ = ddp(batch(rank, 3))
y.sum().backward()
found["d_unused_grad_kept"] = ddp.module.c.weight.grad is kept and bool((kept == 1).all())
ddp(batch(rank, 3))
found["d_next_forward_fine"] = True
found["d_spread"] = spread(everyone(np.concatenate([p.grad.numpy().ravel() for p in ddp.module.parameters()
                                                    if p.grad is not None])))

# (e) a parameter without a gradient and no find_unused_parameters: the next forward raises ----------------------
ddp = DDP(copy.deepcopy(base))
y, z = ddp(batch(rank, 0))
y.sum().backward()
try:
    ddp(batch(rank, 0))
    found["e_error"] = None
except RuntimeError as error:
    found["e_error"] = str(error)
with ember.no_grad():
    ddp(batch(rank, 0))  # no check without grad, as in PyTorch
found["e_no_grad_forward_fine"] = True

# (f) buckets: tiny buckets, default buckets and gradient_as_bucket_view train alike -----------------------------
ember.manual_seed(0)
base = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                     nn.Linear(32, 3))
variants = {"default": DDP(copy.deepcopy(base)), "small": DDP(copy.deepcopy(base), bucket_cap_mb=0.002),
            "view": DDP(copy.deepcopy(base), bucket_cap_mb=0.002, gradient_as_bucket_view=True)}
reference = copy.deepcopy(base)
optimizers = {name: ember.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for name, m in variants.items()}
reference_optimizer = ember.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
for step in range(4):
    for name, m in variants.items():
        optimizers[name].zero_grad(set_to_none=step % 2 == 0)
        ember.nn.functional.mse_loss(m(batch(rank, 10 + step)), ember.zeros(4, 3)).backward()
        optimizers[name].step()
    reference_optimizer.zero_grad()
    everything = ember.cat([batch(r, 10 + step) for r in range(size)])
    ember.nn.functional.mse_loss(reference(everything), ember.zeros(4 * size, 3)).backward()
    reference_optimizer.step()
found["f_buckets"] = {name: [b.indices for b in m.reducer.buckets] for name, m in variants.items()}
found["f_vs_single_process"] = {name: float(np.abs(flat(m.module) - flat(reference)).max())
                                for name, m in variants.items()}
found["f_spread"] = {name: spread(everyone(flat(m.module))) for name, m in variants.items()}
view = variants["view"]
found["f_grads_are_bucket_views"] = all(
    np.shares_memory(p.grad.numpy(), view.reducer.buckets[view.reducer.bucket_of[i]].buffer.numpy())
    for i, p in enumerate(view.reducer.params))

findings = everyone(found)
if rank == 0:
    with open(sys.argv[1], "w") as f:
        json.dump(findings, f)
dist.destroy_process_group()
