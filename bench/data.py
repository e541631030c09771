"""Data loading benchmarks of the data issue, epochs through DataLoader(batch_size=64, shuffle=True) with
num_workers 0 and 2, ember against PyTorch's DataLoader: a 60000-image MNIST-shaped TensorDataset, and the real
MNIST training set through vision.datasets.MNIST + ToTensor + Normalize (PyTorch's side: a plain Dataset
doing torchvision's work, where torchvision is absent). Reported per image."""
import pathlib
import shutil
import tempfile
import time

import numpy as np
from mnist_data import MNIST  # tests/e2e, on sys.path: bench/__init__.py

N = 60000


def epoch_rate(lib, num_workers, dataset) -> float:
    """Images per second of one shuffled epoch over `dataset` (best of two)."""
    import importlib
    D = importlib.import_module(lib.__name__ + ".utils.data")
    loader = D.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=num_workers)
    best = 0.0
    for _ in range(2):
        start, seen = time.perf_counter(), 0
        for x, _ in loader:
            seen += x.shape[0]
        best = max(best, seen / (time.perf_counter() - start))
    return best


class TorchMNIST:
    """torchvision's MNIST item for PyTorch without torchvision: a PIL image through ToTensor and Normalize."""

    def __init__(self, torch, images, labels):
        self.torch, self.images, self.labels = torch, images, labels
        self.mean, self.std = torch.tensor([0.1307]).view(1, 1, 1), torch.tensor([0.3081]).view(1, 1, 1)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        from PIL import Image
        img = Image.fromarray(self.images[index], mode="L")
        x = self.torch.from_numpy(np.array(img, np.uint8, copy=True)).view(1, 28, 28).float().div(255)
        return x.sub_(self.mean).div_(self.std), int(self.labels[index])


def mnist_datasets(ember, torch, root):
    """(ember's datasets.MNIST, the PyTorch equivalent) over the training set, linked into `root`."""
    raw = pathlib.Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in MNIST.glob("*.gz"):
        (raw / f.name).symlink_to(f)
    from ember.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    mine = datasets.MNIST(root, train=True, transform=tf)
    return mine, TorchMNIST(torch, mine.data.numpy(), mine.targets.numpy())


def rows(ember, torch):
    """One row per dataset and num_workers setting, in the shape runner.print_table expects (times per image)."""
    rng = np.random.default_rng(0)
    data = rng.random((N, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, N)
    cases = [("TensorDataset", ember.utils.data.TensorDataset(ember.from_numpy(data), ember.from_numpy(labels)),
              torch.utils.data.TensorDataset(torch.from_numpy(data), torch.from_numpy(labels)))]
    root = tempfile.mkdtemp()
    try:
        if MNIST.is_dir():
            cases.append(("MNIST+ToTensor+Normalize", *mnist_datasets(ember, torch, root)))
        out = []
        for name, mine, theirs in cases:
            for workers in (0, 2):
                e, t = epoch_rate(ember, workers, mine), epoch_rate(torch, workers, theirs)
                out.append({"name": f"DataLoader epoch, {name}, num_workers={workers} (per image)",
                            "ember_us": 1e6 / e, "torch_us": 1e6 / t, "ratio": e / t})
        return out
    finally:
        shutil.rmtree(root)
