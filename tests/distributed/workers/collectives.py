"""Every collective of ember.distributed on this rank's data, checked against NumPy; prints 'ok' per check."""
import sys
from datetime import timedelta

import numpy as np

import ember
import ember.distributed as dist

dist.init_process_group("mpi", timeout=timedelta(seconds=30))
rank, size = dist.get_rank(), dist.get_world_size()


def data(r: int, shape=(3, 4), dtype=np.float32) -> np.ndarray:
    return (np.arange(np.prod(shape)).reshape(shape) * (r + 1) + r).astype(dtype)


def check(name: str, got, expected) -> None:
    got = got.numpy() if isinstance(got, ember.Tensor) else np.asarray(got)
    if got.shape != np.shape(expected) or not np.allclose(got, expected, rtol=1e-5):
        print(f"FAIL {name} on rank {rank}: {got} != {expected}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


everyone = [data(r) for r in range(size)]
for op, expected in [(dist.ReduceOp.SUM, np.sum(everyone, 0)), (dist.ReduceOp.AVG, np.mean(everyone, 0)),
                     (dist.ReduceOp.PRODUCT, np.prod(everyone, 0)), (dist.ReduceOp.MAX, np.max(everyone, 0)),
                     (dist.ReduceOp.MIN, np.min(everyone, 0))]:
    t = ember.tensor(data(rank))
    dist.all_reduce(t, op=op)
    check(f"all_reduce {op.name}", t, expected)

ints = [data(r, dtype=np.int64) for r in range(size)]
for op, expected in [(dist.ReduceOp.BAND, np.bitwise_and.reduce(ints)), (dist.ReduceOp.BOR, np.bitwise_or.reduce(ints)),
                     (dist.ReduceOp.BXOR, np.bitwise_xor.reduce(ints))]:
    t = ember.tensor(data(rank, dtype=np.int64))
    dist.all_reduce(t, op=op)
    check(f"all_reduce {op.name} int64", t, expected)

half = ember.tensor(data(rank)).to(ember.bfloat16)
dist.all_reduce(half)
check("all_reduce bfloat16", half.float(), np.sum(everyone, 0))  # small integers: exact in bfloat16
flags = ember.tensor([rank == 0, False, True])
dist.all_reduce(flags)
check("all_reduce bool", flags, [True, False, True])

work = dist.all_reduce(ember.tensor(data(rank)), async_op=True)
work.wait()
check("all_reduce async", work.result()[0], np.sum(everyone, 0))

for src in range(size):
    t = ember.tensor(data(rank))
    dist.broadcast(t, src=src)
    check(f"broadcast from {src}", t, data(src))

t = ember.tensor(data(rank))
dist.reduce(t, dst=size - 1)
check("reduce", t, np.sum(everyone, 0) if rank == size - 1 else data(rank))

outs = [ember.zeros(3, 4) for _ in range(size)]
dist.all_gather(outs, ember.tensor(data(rank)))
check("all_gather", ember.stack(outs), np.stack(everyone))

out = ember.zeros(3 * size, 4)
dist.all_gather_into_tensor(out, ember.tensor(data(rank)))
check("all_gather_into_tensor", out, np.concatenate(everyone))

chunks = [ember.tensor(data(rank) + j) for j in range(size)]
out = ember.zeros(3, 4)
dist.reduce_scatter(out, chunks)
check("reduce_scatter", out, np.sum([data(r) + rank for r in range(size)], 0))

out = ember.zeros(3, 4)
dist.reduce_scatter_tensor(out, ember.tensor(np.concatenate([data(rank) + j for j in range(size)])))
check("reduce_scatter_tensor", out, np.sum([data(r) + rank for r in range(size)], 0))

gathered = [ember.zeros(3, 4) for _ in range(size)] if rank == 0 else None
dist.gather(ember.tensor(data(rank)), gathered, dst=0)
if rank == 0:
    check("gather", ember.stack(gathered), np.stack(everyone))

t = ember.zeros(3, 4)
dist.scatter(t, [ember.tensor(data(j) * 10) for j in range(size)] if rank == 0 else None, src=0)
check("scatter", t, data(rank) * 10)

outs = [ember.zeros(2) for _ in range(size)]
dist.all_to_all(outs, [ember.tensor([rank * 10.0 + j, -1.0]) for j in range(size)])
check("all_to_all", ember.stack(outs), [[r * 10.0 + rank, -1.0] for r in range(size)])

splits = [r + 1 for r in range(size)]  # rank r sends j+1 rows to rank j: the receiver gets rank+1 rows from each
sent = ember.tensor(np.repeat(np.arange(size, dtype=np.float32), splits) + 100 * rank)
received = ember.zeros((rank + 1) * size)
dist.all_to_all_single(received, sent, output_split_sizes=[rank + 1] * size, input_split_sizes=splits)
check("all_to_all_single", received, np.concatenate([np.full(rank + 1, rank + 100.0 * r) for r in range(size)]))

right, left = (rank + 1) % size, (rank - 1) % size
if size > 1:
    out = ember.zeros(3)
    sending = dist.isend(ember.full((3,), float(rank)), dst=right)
    source = dist.recv(out)
    sending.wait()
    check("isend/recv from any source", out, np.full(3, float(left)))
    check("recv's source", source, left)
    ops = [dist.P2POp(dist.isend, ember.full((2,), rank + 0.5), right),
           dist.P2POp(dist.irecv, out := ember.zeros(2), left)]
    for w in dist.batch_isend_irecv(ops):
        w.wait()
    check("batch_isend_irecv", out, np.full(2, left + 0.5))

objects = [None] * size
dist.all_gather_object(objects, {"rank": rank, "name": f"r{rank}"})
check("all_gather_object", [o["rank"] for o in objects], list(range(size)))
items = [{"lr": 0.1}, "text"] if rank == 0 else [None, None]
dist.broadcast_object_list(items, src=0)
check("broadcast_object_list", [items[0]["lr"]], [0.1])
assert items[1] == "text"
received = [None]
dist.scatter_object_list(received, [f"for {r}" for r in range(size)] if rank == 0 else None, src=0)
check("scatter_object_list", [received[0] == f"for {rank}"], [True])

evens = dist.new_group([r for r in range(size) if r % 2 == 0])
if rank % 2 == 0:
    t = ember.tensor([float(rank)])
    dist.all_reduce(t, group=evens)
    check("all_reduce in a subgroup", t, [float(sum(range(0, size, 2)))])
    check("subgroup rank", dist.get_rank(evens), rank // 2)
    t = ember.tensor([float(rank)])
    dist.broadcast(t, src=size - 1 - (size - 1) % 2, group=evens)
    check("broadcast in a subgroup from a world rank", t, [float(size - 1 - (size - 1) % 2)])
else:
    check("non-member rank", dist.get_rank(evens), -1)
    assert dist.all_reduce(ember.ones(1), group=evens) is None

dist.barrier()
dist.destroy_process_group()
print("done", flush=True)
