"""Per-op overhead: 12 common ops (and 3 more activations) on small (4x4) and medium (256x256)
tensors, forward and forward+backward, each op written once for `lib` (ember or torch)."""
import numpy as np

OPS = {
    "add": lambda lib, x, y: x + y,
    "mul": lambda lib, x, y: x * y,
    "matmul": lambda lib, x, y: x @ y,
    "sum": lambda lib, x, y: x.sum(),
    "mean": lambda lib, x, y: x.mean(),
    "relu": lambda lib, x, y: x.relu(),
    "exp": lambda lib, x, y: x.exp(),
    "view": lambda lib, x, y: x.view(-1),
    "index": lambda lib, x, y: x[1:3, 0],
    "cat": lambda lib, x, y: lib.cat([x, y]),
    "softmax": lambda lib, x, y: lib.softmax(x, 1),
    "where": lambda lib, x, y: lib.where(x > 0, x, y),
    # beyond the 12 of issue 3: the other activations whose NumPy kernels are slow
    "sigmoid": lambda lib, x, y: x.sigmoid(),
    "tanh": lambda lib, x, y: x.tanh(),
    "log_softmax": lambda lib, x, y: lib.log_softmax(x, 1),
}
SIZES = {"4x4": 4, "256x256": 256}


def op_workload(name, n, backward):
    """A factory `make(lib) -> step` for op `name` on n x n float32 inputs."""
    fn = OPS[name]
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))

    def make(lib):
        x = lib.tensor(a, requires_grad=backward)
        y = lib.tensor(b, requires_grad=backward)
        if not backward:
            return lambda: fn(lib, x, y)

        def step():
            fn(lib, x, y).sum().backward()
        return step
    return make


def workloads():
    """(name, make, calls per timing) for every op, size and mode."""
    rows = []
    for size, n in SIZES.items():
        for backward in (False, True):
            for name in OPS:
                number = (2000 if n == 4 else 200) // (3 if backward else 1)
                mode = "fwd+bwd" if backward else "fwd"
                rows.append((f"{name} {size} {mode}", op_workload(name, n, backward), number))
    return rows
