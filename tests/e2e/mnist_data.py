"""Where the original MNIST IDX files are (`$EMBER_MNIST`, else ../shared/data/mnist beside the checkout; tests
skip without them), and a small NumPy reader for them."""
import gzip
import os
import pathlib

import numpy as np
import pytest

MNIST = pathlib.Path(os.environ.get("EMBER_MNIST") or pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"
                     / "mnist")


def read_idx(path: pathlib.Path) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not): big-endian dims after a 4-byte magic number."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(tuple(int(d) for d in dims))


def load_mnist():
    """(train images, train labels, test images, test labels); images float32 in [0, 1], N x 1 x 28 x 28."""
    if not MNIST.is_dir():
        pytest.skip(f"MNIST files not found in {MNIST}")

    def images(name):
        return (read_idx(MNIST / name).astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)

    def labels(name):
        return read_idx(MNIST / name).astype(np.int64)
    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))
