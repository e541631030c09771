"""Where `ember demo` gets its digits: MNIST from a folder or a download, else scikit-learn's 8x8 digits."""
import os
import socket
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import ember
from ember.utils.data import Dataset, Subset, TensorDataset
from ember.vision import datasets, transforms

SKLEARN_DIGITS = "sklearn-digits"
IMAGE_SIZE = 32  # seed 001's LeNet reads 32x32 images
MEAN, STD = 0.5, 0.5  # seed 003's Normalize
DIGITS_TEST_SIZE = 297  # scikit-learn's last 297 digits, by other writers than the first 1500
MNIST_EPOCHS, DIGITS_EPOCHS = 2, 20  # enough for about 98% and 93% test accuracy
PROBE_TIMEOUT_S = 3.0


@dataclass
class DemoData:
    """The training and test sets, where they came from, and the epochs that train LeNet well on them."""

    train: Dataset
    test: Dataset
    source: str
    epochs: int


class FlatMNIST(datasets.MNIST):
    """MNIST read from a folder that holds the four IDX files itself, not in MNIST/raw/."""

    @property
    def raw_folder(self) -> str:
        """The folder given as root."""
        return self.root


def default_cache() -> Path:
    """The folder MNIST is downloaded into: $XDG_CACHE_HOME/ember/datasets, by default ~/.cache/ember/datasets."""
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "ember" / "datasets"


def load_data(data: str | None, cache: Path, limit: int | None) -> DemoData:
    """The demo's data: `data` (an MNIST folder or "sklearn-digits"), else MNIST downloaded into `cache`,
    else scikit-learn's digits; only the first `limit` training images when `limit` is given."""
    if data == SKLEARN_DIGITS:
        found = sklearn_digits()
    elif data is not None:
        found = mnist(Path(data))
    else:
        found = downloaded_mnist(cache) or sklearn_digits()
    if limit is not None and limit < len(found.train):
        found.train = Subset(found.train, range(limit))
        found.source += f", training on the first {limit}"
    return found


def mnist(folder: Path, download: bool = False) -> DemoData:
    """MNIST from `folder`: torchvision's layout (folder/MNIST/raw/) or the IDX files directly in `folder`."""
    flat = not (folder / "MNIST" / "raw").is_dir() and any(folder.glob("train-images-idx3-ubyte*"))
    kind = FlatMNIST if flat else datasets.MNIST
    transform = transforms.Compose([transforms.Pad((IMAGE_SIZE - 28) // 2), transforms.ToTensor(),
                                    transforms.Normalize((MEAN,), (STD,))])
    train = kind(str(folder), train=True, transform=transform, download=download)
    test = kind(str(folder), train=False, transform=transform)
    return DemoData(train, test, f"MNIST from {folder} ({len(train)} training, {len(test)} test images)",
                     MNIST_EPOCHS)


def downloaded_mnist(cache: Path) -> DemoData | None:
    """MNIST from `cache`, downloaded there first when the network answers; None when neither works."""
    online = reachable(datasets.MNIST.mirrors[0])
    try:
        return mnist(cache, download=online)
    except RuntimeError as e:
        reason = str(e).splitlines()[0] if online else "offline"
        print(f"MNIST is not in {cache} and cannot be downloaded ({reason}); using scikit-learn's digits")
        return None


def reachable(url: str) -> bool:
    """Whether the host of `url` accepts a connection within PROBE_TIMEOUT_S seconds."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def sklearn_digits() -> DemoData:
    """scikit-learn's 1,797 handwritten 8x8 digits, upscaled to 32x32; the last 297 are the test set."""
    from sklearn.datasets import load_digits  # optional: scikit-learn

    digits = load_digits()
    images = ember.tensor(digits.images[:, None].astype(np.float32) / 16)  # grey levels 0..16
    images = transforms.Normalize((MEAN,), (STD,))(transforms.Resize((IMAGE_SIZE, IMAGE_SIZE))(images))
    labels = ember.tensor(digits.target.astype(np.int64))
    split = len(labels) - DIGITS_TEST_SIZE
    train = TensorDataset(images[:split], labels[:split])
    test = TensorDataset(images[split:], labels[split:])
    return DemoData(train, test, f"scikit-learn's 8x8 digits upscaled to {IMAGE_SIZE}x{IMAGE_SIZE} "
                                 f"({len(train)} training, {len(test)} test images)", DIGITS_EPOCHS)
