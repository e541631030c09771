"""A job in which one rank goes wrong, as argv[1] says: 'raise', 'kill', 'mismatch' (different shapes), 'order'
(a different collective) or 'recv' (a receive while rank 0 runs a collective); rank 0 reports what it saw."""
import os
import signal
import sys
import time
from datetime import timedelta

import ember
import ember.distributed as dist

how = sys.argv[1]
dist.init_process_group("gloo", timeout=timedelta(seconds=float(sys.argv[2])))
rank = dist.get_rank()
dist.barrier()
if rank == 1 and how == "raise":
    raise ValueError("rank 1 broke on purpose")
if rank == 1 and how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
start = time.monotonic()
try:
    if how == "order" and rank == 1:
        dist.broadcast(ember.ones(3), src=0)
    elif how == "recv" and rank == 1:
        dist.recv(ember.ones(3), src=0)
    else:
        dist.all_reduce(ember.ones(3 + (rank if how == "mismatch" else 0)))
except RuntimeError as error:
    print(f"rank {rank} raised {type(error).__name__} after {time.monotonic() - start:.1f} s: {error}", flush=True)
    raise
print(f"rank {rank} finished", flush=True)
