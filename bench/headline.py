"""The headline table of the speed issue: six workloads with both libraries' times, the ratio and its target;
the seed 002 snippet's time per recorded op; LeNet's step at 1 and 2 threads (`python -m bench --headline`)."""
import importlib

import numpy as np
from lenet import lenet
from mnist_data import MNIST, read_idx
from threadpoolctl import threadpool_limits

from .runner import compare, time_per_call
from .training import _training, mlp, step_workload
from .workloads import seed_autograd, two_layer

SNIPPET_OPS = 4  # x + 2, y * y, * 3, mean: recorded forward, and one backward node each


def mnist_loader_epoch():
    """A factory for one LeNet epoch over MNIST's training set through a Dataset and DataLoader(num_workers=2),
    batch 64, shuffled; the Dataset is the same class for both libraries, reading the IDX arrays."""
    images = read_idx(MNIST / "train-images-idx3-ubyte.gz")
    labels = read_idx(MNIST / "train-labels-idx1-ubyte.gz").astype(np.int64)

    def make(lib):
        data = importlib.import_module(lib.__name__ + ".utils.data")

        class Digits(data.Dataset):
            def __len__(self):
                return len(images)

            def __getitem__(self, i):
                return lib.tensor(images[i][None].astype(np.float32) / 255), int(labels[i])

        loader = data.DataLoader(Digits(), batch_size=64, shuffle=True, num_workers=2)
        model, opt, criterion = _training(lib, lenet, "sgd")

        def epoch():
            for x, y in loader:
                opt.zero_grad()
                criterion(model(x), y).backward()
                opt.step()
        return epoch
    return make


def workloads(epoch: bool) -> list:
    """(name, make, calls per timing, repeats, target ratio) of the headline workloads."""
    rows = [("seed 002 autograd snippet", seed_autograd, 2000, 7, 2.5),
            ("seed 004 two-layer step, batch 64, 1000-100-10", two_layer, 300, 7, 1.4),
            ("MLP 784-256-256-10 Adam step, batch 128", step_workload(mlp, "adam", 128), 20, 5, 1.2),
            ("LeNet SGD-momentum step, batch 64", step_workload(lenet, "sgd", 64), 10, 5, 1.0),
            ("LeNet SGD-momentum step, batch 256", step_workload(lenet, "sgd", 256), 3, 5, 1.0)]
    if epoch and MNIST.is_dir():
        rows.append(("LeNet epoch over MNIST, Dataset + DataLoader(num_workers=2)", mnist_loader_epoch(), 1, 3, 1.0))
    return rows


def print_headline(ember, torch, epoch: bool) -> None:
    """Run and print the headline table, the snippet's per-op budget and the LeNet thread sweep."""
    rows = []
    for name, make, number, repeats, target in workloads(epoch):
        row = compare(name, make(ember), make(torch), number, repeats=repeats)
        rows.append((row, target))
    width = max(len(r["name"]) for r, _ in rows)
    print(f"{'workload':<{width}}  {'ember us':>10}  {'torch us':>10}  {'torch/ember':>11}  {'target':>6}  met")
    for r, target in rows:
        met = "yes" if r["ratio"] >= target else "no"
        print(f"{r['name']:<{width}}  {r['ember_us']:>10.1f}  {r['torch_us']:>10.1f}  {r['ratio']:>11.2f}  "
              f"{target:>6.2f}  {met}")
    print()
    _print_snippet_budget(ember, torch)
    print()
    _print_thread_sweep(ember, torch)


def _print_snippet_budget(ember, torch) -> None:
    """Seed 002's snippet split into forward and backward, per recorded op."""
    print(f"seed 002 snippet, per recorded op ({SNIPPET_OPS} ops)  {'ember us':>9}  {'torch us':>9}")
    for part in ("forward", "backward"):
        times = [_snippet_part(lib, part) / SNIPPET_OPS * 1e6 for lib in (ember, torch)]
        print(f"{part:<36}  {times[0]:>9.2f}  {times[1]:>9.2f}")


def _snippet_part(lib, part: str, number: int = 2000) -> float:
    """Seconds per call of the snippet's forward (x + 2, y * y * 3, mean), or of its backward alone (over graphs
    built beforehand); the best of 5 blocks."""
    def forward():
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        return (y * y * 3).mean()
    if part == "forward":
        return min(time_per_call(forward, number) for _ in range(5))
    best = float("inf")
    for _ in range(5):
        outs = [forward() for _ in range(number)]
        best = min(best, time_per_call(lambda: outs.pop().backward(), number))
    return best


def _print_thread_sweep(ember, torch) -> None:
    """LeNet's step at batch 64 and 256 with 1 and 2 threads for both libraries."""
    print(f"{'LeNet step, threads':<28}  {'ember us':>10}  {'torch us':>10}  {'torch/ember':>11}")
    previous = torch.get_num_threads()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        with threadpool_limits(threads):
            for batch, number in ((64, 10), (256, 3)):
                make = step_workload(lenet, "sgd", batch)
                r = compare(f"batch {batch}, {threads} thread(s)", make(ember), make(torch), number, repeats=5)
                print(f"{r['name']:<28}  {r['ember_us']:>10.1f}  {r['torch_us']:>10.1f}  {r['ratio']:>11.2f}")
    torch.set_num_threads(previous)
