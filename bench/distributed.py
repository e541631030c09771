"""ember.distributed across 2 processes on this machine: all-reduce of 1, 10 and 100 MB float32 tensors against
MPI's own throughput through mpi4py on NumPy buffers (the floor) and against PyTorch's Gloo, and the step of
LeNet under DistributedDataParallel against the same step in one process, for both libraries.

`python -m bench --distributed` starts the 2 ranks with mpiexec (not `ember launch`, whose import aliasing would
hand this file ember for `import torch`); rank 0 prints the tables."""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

from lenet import lenet  # seed 001's LeNet, as the MNIST tests and bench/training.py train it

from .training import step_workload

SIZES_MB = (1, 10, 100)
REPEATS = 7


def rows(threads: int) -> str:
    """Run the worker on 2 ranks; the tables it prints."""
    from ember.distributed import launcher
    folder = launcher.job_directory("ember-bench-")
    with socket.socket() as s:  # PyTorch's Gloo ranks meet at MASTER_PORT: a free one, not a fixed one in use
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**launcher.job_environment(folder), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
           "OMP_NUM_THREADS": str(threads)}
    command = launcher.mpiexec_command(2, sys.executable, "-m", "bench.distributed", str(threads))
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if done.returncode:
        raise RuntimeError(f"the distributed benchmark failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _median_seconds(fn, barrier, number: int) -> float:
    times = []
    for _ in range(REPEATS):
        barrier()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def _all_reduce_rows(comm, MPI, torch, ember) -> list[tuple]:
    import numpy as np
    out = []
    for mb in SIZES_MB:
        n = mb * 2**20 // 4
        buffer = np.ones(n, np.float32)
        mine = ember.ones(n)
        theirs = torch.ones(n)
        number = max(1, 20 // mb)
        fns = {"mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, buffer),
               "ember": lambda: ember.distributed.all_reduce(mine),
               "torch": lambda: torch.distributed.all_reduce(theirs)}
        for fn in fns.values():
            fn()
        times = {name: [] for name in fns}
        for _ in range(3):  # alternate the three, each a median of REPEATS blocks
            for name, fn in fns.items():
                times[name].append(_median_seconds(fn, comm.Barrier, number))
        out.append((f"all_reduce {mb} MB float32", *(statistics.median(times[k]) for k in fns)))
    return out


def _ddp_rows(comm, torch, ember, batch: int = 64) -> list[tuple]:
    out = []
    for lib in (ember, torch):
        plain = step_workload(lenet, "sgd", batch)(lib)
        wrapped = step_workload(lenet, "sgd", batch, wrap=lambda lib, model: lib.nn.parallel.DistributedDataParallel(
            model))(lib)
        plain(), wrapped()
        times = {"one process": [], "DDP": []}
        for _ in range(3):
            times["one process"].append(_median_seconds(plain, comm.Barrier, 5))
            times["DDP"].append(_median_seconds(wrapped, comm.Barrier, 5))
        out.append((lib.__name__, statistics.median(times["one process"]), statistics.median(times["DDP"])))
    return out


def main(threads: int) -> None:
    """One rank of the benchmark (started by mpiexec)."""
    import torch
    import torch.distributed
    from mpi4py import MPI

    import ember
    import ember.distributed
    torch.set_num_threads(threads)
    comm = MPI.COMM_WORLD
    os.environ.update(RANK=str(comm.Get_rank()), WORLD_SIZE=str(comm.Get_size()))
    ember.distributed.init_process_group("mpi")
    torch.distributed.init_process_group("gloo")
    all_reduce = _all_reduce_rows(comm, MPI, torch, ember)
    ddp = _ddp_rows(comm, torch, ember)
    if comm.Get_rank() == 0:
        print(f"2 ranks on one machine, {threads} thread(s) each; medians; ratio = other's time / ember's time "
              f"(above 1: ember is faster)")
        print(f"{'workload':<24} {'ember ms':>9} {'mpi4py ms':>10} {'mpi4py/ember':>13} {'torch ms':>9} "
              f"{'torch/ember':>12}")
        for name, mpi, mine, theirs in all_reduce:
            print(f"{name:<24} {mine * 1e3:>9.2f} {mpi * 1e3:>10.2f} {mpi / mine:>13.2f} {theirs * 1e3:>9.2f} "
                  f"{theirs / mine:>12.2f}")
        print()
        print(f"{'LeNet step, batch 64/rank':<26} {'one process ms':>15} {'DDP ms':>8} {'DDP overhead':>13}")
        for lib, plain, wrapped in ddp:
            print(f"{lib:<26} {plain * 1e3:>15.2f} {wrapped * 1e3:>8.2f} {wrapped / plain - 1:>12.0%}")
        print(f"{'torch/ember (DDP step)':<26} {ddp[1][2] / ddp[0][2]:>15.2f}")
    torch.distributed.destroy_process_group()
    ember.distributed.destroy_process_group()


if __name__ == "__main__":
    main(int(sys.argv[1]))
