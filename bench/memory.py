"""Memory benchmark of activation checkpointing: one training step (forward, backward) of a deep MLP, 32 layers
of Linear(1024, 1024) + ReLU on a batch of 256, plain and through ember.utils.checkpoint.checkpoint_sequential in
both modes. tracemalloc sees NumPy's arrays; each row gives, in MiB above the model's parameters and their
gradients (kept from a first step, 128 MiB each), what is alive after the forward (the activations kept for
backward) and the peak over the whole step. The input requires grad, as the reentrant mode needs to give
gradients. ember only: these are memory figures, not a ratio against PyTorch."""
import tracemalloc

import numpy as np

import ember
from ember.utils.checkpoint import checkpoint_sequential

LAYERS, WIDTH, BATCH = 32, 1024, 256
MIB = 2 ** 20


def model() -> ember.nn.Sequential:
    """The deep MLP, with fixed weights."""
    ember.manual_seed(0)
    return ember.nn.Sequential(*[layer for _ in range(LAYERS) for layer in (ember.nn.Linear(WIDTH, WIDTH),
                                                                          ember.nn.ReLU())])


def step_memory(net, x, segments: int | None, use_reentrant: bool = False) -> tuple[float, float]:
    """(MiB alive after the forward, peak MiB over forward and backward), both above what was alive before."""
    net.zero_grad(set_to_none=False)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = net(x) if segments is None else checkpoint_sequential(net, segments, x, use_reentrant=use_reentrant)
        after_forward = tracemalloc.get_traced_memory()[0]
        out.sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (after_forward - before) / MIB, (peak - before) / MIB


def rows() -> list[dict]:
    """One row per configuration: its name and its two figures in MiB."""
    net = model()
    x = ember.from_numpy(np.random.default_rng(0).standard_normal((BATCH, WIDTH), dtype=np.float32))
    x.requires_grad_(True)
    net(x).sum().backward()  # the gradients exist before the measured steps
    cases = [("plain", None, False)] + [(f"checkpoint_sequential, {s} segments, use_reentrant={r}", s, r)
                                        for s in (4, 8) for r in (True, False)]
    out = []
    for name, segments, reentrant in cases:
        alive, peak = step_memory(net, x, segments, reentrant)
        out.append({"name": f"MLP {LAYERS}x Linear({WIDTH}, {WIDTH})+ReLU, batch {BATCH}: {name}",
                    "after_forward_mib": alive, "peak_mib": peak})
    return out


def print_rows(rows: list[dict]) -> None:
    """Print rows() as a table."""
    width = max(len(r["name"]) for r in rows)
    print(f"{'workload':<{width}}  {'after forward MiB':>17}  {'peak MiB':>9}")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['after_forward_mib']:>17.1f}  {r['peak_mib']:>9.1f}")


if __name__ == "__main__":
    print_rows(rows())
