"""Run every benchmark: `python -m bench` (or `make bench`)."""
import os
import pathlib
import sys
import tempfile

import numpy  # noqa: F401  (BLAS threads are fixed at import; both libraries get the same count)
import torch

import ember
from .runner import compare, print_table
from . import checkpoints, data, layers, ops, training
from .workloads import WORKLOADS


def main() -> None:
    threads = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    print(f"threads: {threads} (ember's BLAS and torch), python {sys.version.split()[0]}")
    print_table([compare(name, make(ember), make(torch), number) for name, make, number in WORKLOADS])
    if "--training" in sys.argv or "--epoch" in sys.argv:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=3 if "epoch" in name else 5)
                     for name, make, number in training.workloads()])
    if "--data" in sys.argv:
        print()
        print_table(data.rows(ember, torch))
    if "--layers" in sys.argv:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in layers.workloads()])
    if "--checkpoints" in sys.argv:
        print()
        with tempfile.TemporaryDirectory() as folder:
            print_table([compare(name, make(ember), make(torch), number, repeats=5)
                         for name, make, number in checkpoints.workloads(pathlib.Path(folder))])
    if "--ops" in sys.argv:
        print()
        print_table([compare(name, make(ember), make(torch), number, repeats=5)
                     for name, make, number in ops.workloads()])


if __name__ == "__main__":
    main()
