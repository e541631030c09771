"""The benchmarked workloads, each written once for `lib` (ember or torch)."""
import numpy as np


def seed_autograd(lib):
    """Seed 002's autograd snippet: y = x + 2; z = y * y * 3; out = z.mean(); out.backward()."""
    def step():
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
    return step


def two_layer(lib, batch=64, n_in=1000, hidden=100, n_out=10, lr=1e-6):
    """Seed 004's training loop: x.mm(w1).clamp(min=0).mm(w2), squared error, manual update."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, n_in), dtype=np.float32))
    y = lib.tensor(rng.standard_normal((batch, n_out), dtype=np.float32))
    w1 = lib.tensor(rng.standard_normal((n_in, hidden), dtype=np.float32), requires_grad=True)
    w2 = lib.tensor(rng.standard_normal((hidden, n_out), dtype=np.float32), requires_grad=True)

    def step():
        nonlocal w1, w2  # `w1 -= ...` rebinds the name, as at the seed's top level
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    step()  # create the .grad buffers, as after the first iteration of the seed's loop
    return step


WORKLOADS = [
    ("(a) seed 002 autograd snippet", seed_autograd, 2000),
    ("(b) seed 004 two-layer step, batch 64", two_layer, 300),
]
