"""Train seed 001's LeNet on MNIST, report its test accuracy and write pictures of what it learned.

The data come from --data (a folder holding the MNIST IDX files, or "sklearn-digits"), else from a download
of MNIST into ~/.cache/ember/datasets, else from the 1,797 small digits that scikit-learn ships, so the demo
runs offline too. The output folder receives curves.png, predictions.png, filters.png, feature_maps.png and
the trained weights lenet.pt. Needs matplotlib, tqdm and scikit-learn: pip install -e '.[demo]'."""
import argparse
import importlib.util
import sys
import time
from pathlib import Path

import ember
from ember import optim
from ember.utils.data import DataLoader

from .demo_data import (
    DIGITS_EPOCHS,
    MNIST_EPOCHS,
    SKLEARN_DIGITS,
    DemoData,
    default_cache,
    load_data,
)
from .demo_figures import save_figures
from .demo_model import LeNet
from .demo_train import evaluate, train_epoch

EXTRAS = {"matplotlib": "matplotlib", "tqdm": "tqdm", "sklearn": "scikit-learn"}
TEST_BATCH_SIZE = 1000


def positive_int(text: str) -> int:
    """`text` as an integer of at least 1, for argparse."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options."""
    default_device = "cuda" if ember.accelerator.is_available() else "cpu"
    parser.add_argument("--data", metavar="DIR",
                        help="folder with the MNIST IDX files (DIR/MNIST/raw/ or the files in DIR itself), or "
                             f"'{SKLEARN_DIGITS}' for scikit-learn's digits; default: download MNIST, or fall "
                             "back to scikit-learn's digits when offline")
    parser.add_argument("--epochs", type=positive_int, metavar="N",
                        help=f"passes over the training set (default: {MNIST_EPOCHS} on MNIST, {DIGITS_EPOCHS} on "
                             "scikit-learn's digits)")
    parser.add_argument("--batch-size", type=positive_int, default=64, metavar="N",
                        help="training batch size (default: 64)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate, momentum 0.9 (default: 0.01)")
    parser.add_argument("--device", default=default_device, help=f"cpu or cuda (default here: {default_device})")
    parser.add_argument("--output", type=Path, default=Path("ember-demo"), metavar="DIR",
                        help="folder for the pictures and the checkpoint (default: ./ember-demo)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed of the initial weights and the shuffling (default: 0)")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="train on the first N training images only (a quick run)")
    parser.add_argument("--workers", type=int, default=0, metavar="N", help="DataLoader worker processes (default: 0)")


def missing_extras() -> list[str]:
    """The packages of the demo extra that are not installed."""
    return [package for module, package in EXTRAS.items() if importlib.util.find_spec(module) is None]


def chosen_device(name: str) -> ember.device:
    """The device called `name`; RuntimeError when it is unknown or absent here."""
    device = ember.device(name)
    if device.type == "cuda" and not ember.accelerator.is_available():
        raise RuntimeError("--device cuda needs an NVIDIA GPU and CuPy (pip install cupy-cuda12x)")
    return device


def fit(model: LeNet, data: DemoData, args: argparse.Namespace, device: ember.device) -> tuple[list, list]:
    """Train `model` for the chosen epochs, printing the test accuracy after each; (losses, accuracies)."""
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    train_loader = DataLoader(data.train, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)
    test_loader = DataLoader(data.test, batch_size=TEST_BATCH_SIZE, num_workers=args.workers)
    epochs = args.epochs or data.epochs
    losses, accuracies = [], []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        losses.append(train_epoch(model, train_loader, optimizer, device, f"epoch {epoch}/{epochs}"))
        correct, total = evaluate(model, test_loader, device)
        accuracies.append(100 * correct / total)
        print(f"epoch {epoch}/{epochs}: training loss {losses[-1]:.4f}, test accuracy "
              f"{accuracies[-1]:.2f}% ({correct}/{total}), {time.perf_counter() - start:.1f} s")
    return losses, accuracies


def main(args: argparse.Namespace) -> int:
    """Run the demo; the exit status."""
    missing = missing_extras()
    if missing:
        print(f"ember demo needs {', '.join(missing)}: pip install -e '.[demo]'", file=sys.stderr)
        return 1
    try:
        device = chosen_device(args.device)
        data = load_data(args.data, default_cache(), args.limit)
    except RuntimeError as e:
        print(f"ember demo: {e}", file=sys.stderr)
        return 1
    print(f"data: {data.source}")
    ember.manual_seed(args.seed)
    model = LeNet().to(device)
    losses, accuracies = fit(model, data, args, device)
    args.output.mkdir(parents=True, exist_ok=True)
    written = save_figures(model, data.test, losses, accuracies, device, args.output)
    checkpoint = args.output / "lenet.pt"
    ember.save(model.state_dict(), checkpoint)
    print("wrote " + ", ".join(str(path) for path in [*written, checkpoint]))
    return 0
