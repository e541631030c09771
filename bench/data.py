"""Data loading benchmarks of the data issue: a 60000-image MNIST-shaped epoch through DataLoader(batch_size=64,
shuffle=True) with num_workers 0 and 2, ember against PyTorch's DataLoader. Reported as images per second."""
import time

import numpy as np

N = 60000


def epoch_rate(lib, num_workers, data, labels) -> float:
    """Images per second of one shuffled epoch over a TensorDataset (best of two)."""
    import importlib
    D = importlib.import_module(lib.__name__ + ".utils.data")
    loader = D.DataLoader(D.TensorDataset(lib.from_numpy(data), lib.from_numpy(labels)), batch_size=64,
                          shuffle=True, num_workers=num_workers)
    best = 0.0
    for _ in range(2):
        start, seen = time.perf_counter(), 0
        for x, _ in loader:
            seen += x.shape[0]
        best = max(best, seen / (time.perf_counter() - start))
    return best


def rows(ember, torch):
    """One row per num_workers setting, in the shape runner.print_table expects (times per image)."""
    rng = np.random.default_rng(0)
    data = rng.random((N, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, N)
    out = []
    for workers in (0, 2):
        e, t = epoch_rate(ember, workers, data, labels), epoch_rate(torch, workers, data, labels)
        out.append({"name": f"DataLoader epoch, 60000 images, num_workers={workers} (per image)",
                    "ember_us": 1e6 / e, "torch_us": 1e6 / t, "ratio": e / t})
    return out
