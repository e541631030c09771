"""Run every benchmark: `python -m bench` (or `make bench`)."""
import argparse
import os
import pathlib
import sys
import tempfile

import numpy  # noqa: F401  (BLAS threads are fixed at import; both libraries get the same count)
import torch

import ember

from . import checkpoints, data, distributed, headline, layers, memory, ops, spectral, startup, training
from . import vmap as vmap_bench
from .runner import compare, print_table
from .workloads import WORKLOADS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options; with none, only the autograd workloads of the core issue run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=(
        "ember against PyTorch in one process, alternating, same thread count; each row gives both medians "
        "and torch/ember (above 1: ember is faster)."))
    parser.add_argument("--ops", action="store_true", help="per-op overhead on 4x4 and 256x256 tensors")
    parser.add_argument("--layers", action="store_true", help="nn layers forward and backward (conv, LSTM, ...)")
    parser.add_argument("--training", action="store_true", help="training steps: LeNet and an MLP")
    parser.add_argument("--epoch", action="store_true",
                        help="the training steps and one LeNet epoch over MNIST (needs ../shared/data/mnist)")
    parser.add_argument("--data", action="store_true", help="DataLoader throughput with worker processes")
    parser.add_argument("--checkpoints", action="store_true", help="save/load of a 100 MB state_dict, mmap, "
                        "safetensors")
    parser.add_argument("--memory", action="store_true", help="ember's peak memory with and without activation "
                        "checkpointing (a 32-layer MLP)")
    parser.add_argument("--vmap", action="store_true", help="per-sample gradients by vmap(grad(...)) of two MLPs")
    parser.add_argument("--spectral", action="store_true", help="fft, stft/istft and complex arithmetic, with "
                        "gradients")
    parser.add_argument("--startup", action="store_true",
                        help="whole processes: importing each library, examples/quickstart.py under ember run")
    parser.add_argument("--headline", action="store_true",
                        help="the speed issue's six workloads with targets (the MNIST epoch with --epoch), the "
                        "seed 002 snippet per recorded op, LeNet's step at 1 and 2 threads")
    parser.add_argument("--distributed", action="store_true",
                        help="2 processes: all-reduce against mpi4py and Gloo, LeNet's DDP step (needs mpi4py)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)),
                        help="threads for both libraries (default: $BENCH_THREADS or the CPU count)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks that `argv` asks for and print their tables."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    print(f"threads: {args.threads} (ember's BLAS and torch), python {sys.version.split()[0]}")
    print_table([compare(name, make(ember), make(torch), number) for name, make, number in WORKLOADS])
    if args.training or args.epoch:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=3 if "epoch" in name else 5)
                     for name, make, number in training.workloads(epoch=args.epoch)])
    if args.data:
        print()
        print_table(data.rows(ember, torch))
    if args.layers:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in layers.workloads()])
    if args.checkpoints:
        print()
        with tempfile.TemporaryDirectory() as folder:
            print_table([compare(name, make(ember), make(torch), number, repeats=5)
                         for name, make, number in checkpoints.workloads(pathlib.Path(folder))])
    if args.memory:
        print()
        memory.print_rows(memory.rows())
    if args.vmap:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in vmap_bench.workloads()])
    if args.spectral:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in spectral.workloads()])
    if args.startup:
        print()
        print_table(startup.rows(args.threads))
    if args.headline:
        print()
        headline.print_headline(ember, torch, epoch=args.epoch)
    if args.distributed:
        print()
        print(distributed.rows(args.threads), end="")
    if args.ops:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in ops.workloads()])


if __name__ == "__main__":
    main()
