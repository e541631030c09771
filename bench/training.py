"""Training-step benchmarks of the optim issue: zero_grad, forward, loss, backward, step, for seed 001's
LeNet (SGD with momentum) and a 784-256-256-10 MLP (Adam), plus one LeNet epoch over MNIST from arrays."""
import numpy as np
from lenet import lenet  # seed 001's LeNet, as the MNIST tests train it (tests/e2e, on sys.path: bench/__init__.py)
from mnist_data import MNIST, read_idx


def mlp(lib):
    """A 784-256-256-10 MLP."""
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def _training(lib, build, kind):
    """(model, optimizer, loss) in `lib`, from the same seed: SGD with momentum for kind "sgd", else Adam."""
    import importlib
    importlib.import_module(lib.__name__ + ".optim")
    lib.manual_seed(0)
    model = build(lib)
    if kind == "sgd":
        return model, lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), lib.nn.CrossEntropyLoss()
    return model, lib.optim.Adam(model.parameters(), lr=1e-3), lib.nn.CrossEntropyLoss()


def step_workload(build, kind, batch, wrap=None):
    """A factory `make(lib) -> step` for one training step on random MNIST-shaped data; `wrap(lib, model)`, if
    given, wraps the model that the step calls (DistributedDataParallel, say)."""
    rng = np.random.default_rng(0)
    x_np = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y_np = rng.integers(0, 10, batch)

    def make(lib):
        model, opt, criterion = _training(lib, build, kind)
        if wrap is not None:
            model = wrap(lib, model)
        x, y = lib.tensor(x_np), lib.tensor(y_np)

        def step():
            opt.zero_grad()
            criterion(model(x), y).backward()
            opt.step()
        return step
    return make


def epoch_workload():
    """A factory for one LeNet epoch over the MNIST training set, batch 64, from NumPy arrays."""
    images = (read_idx(MNIST / "train-images-idx3-ubyte.gz").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    labels = read_idx(MNIST / "train-labels-idx1-ubyte.gz").astype(np.int64)
    order = np.random.default_rng(0).permutation(len(images))

    def make(lib):
        model, opt, criterion = _training(lib, lenet, "sgd")

        def epoch():
            for i in range(0, len(images), 64):
                idx = order[i:i + 64]
                opt.zero_grad()
                criterion(model(lib.tensor(images[idx])), lib.tensor(labels[idx])).backward()
                opt.step()
        return epoch
    return make


def workloads(epoch: bool = False):
    """(name, make, calls per timing) for the training benchmarks; with `epoch`, one LeNet epoch over MNIST too."""
    rows = [("LeNet SGD-momentum step, batch 64", step_workload(lenet, "sgd", 64), 10),
            ("LeNet SGD-momentum step, batch 256", step_workload(lenet, "sgd", 256), 3),
            ("MLP 784-256-256-10 Adam step, batch 128", step_workload(mlp, "adam", 128), 20)]
    if MNIST.is_dir() and epoch:
        rows.append(("LeNet epoch over MNIST from arrays", epoch_workload(), 1))
    return rows
