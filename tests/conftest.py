"""Shared test setup: every test starts from the same seed and default dtype; `mnist_root` is the real
MNIST in torchvision's layout (tests using it skip where the files are absent: e2e/mnist_data.py says where).

The property tests draw the same examples on every run (`make test` and CI see what the developer saw);
EMBER_HYPOTHESIS=explore draws fresh ones, to look for new failures."""
import os
import pathlib

import pytest
from e2e.mnist_data import MNIST
from hypothesis import settings

import ember

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("EMBER_HYPOTHESIS") == "explore" else "repeatable")


@pytest.fixture(autouse=True)
def _fresh_state():
    ember.manual_seed(0)
    ember.set_default_dtype(ember.float32)
    yield
    ember.set_default_dtype(ember.float32)


MNIST_FILES = MNIST
MNIST_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte"]


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory) -> pathlib.Path:
    """A root folder holding MNIST/raw/*.gz, links to the shared MNIST files, as datasets.MNIST reads it."""
    if not all((MNIST_FILES / (name + ".gz")).is_file() for name in MNIST_NAMES):
        pytest.skip(f"the MNIST files are not in {MNIST_FILES}: set EMBER_MNIST to a folder holding the four .gz files")
    root = tmp_path_factory.mktemp("mnist")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_NAMES:
        (raw / (name + ".gz")).symlink_to(MNIST_FILES / (name + ".gz"))
    return root
