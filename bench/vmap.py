"""Per-sample gradients of an MLP: ember's vmap (batching rules) and a loop of ember's per-sample `grad`
against torch.func.vmap; and the Jacobian of an MLP by jacrev; each written once for `lib` (ember or torch)."""
import numpy as np

# torch.func's first few dozen calls of a new function are 10-30x slower than the rest (measured here: 95 ms a
# call for the first ten, 3 ms after thirty): untimed calls first, so that both libraries are timed warm.
WARM_UP_CALLS = 40
SHAPES = {"MLP 784-128-10 batch 64": (784, 128, 10, 64), "MLP 32-64-4 batch 256": (32, 64, 4, 256)}


def per_sample_grads(sizes, looped: bool):
    """A factory `make(lib) -> step`: the gradients of each sample's cross-entropy (soft targets) with respect to
    the MLP's parameters, by vmap(grad) or (`looped`, ember only) by grad once per sample."""
    n_in, hidden, n_out, batch = sizes
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in), dtype=np.float32)
    y = np.eye(n_out, dtype=np.float32)[rng.integers(0, n_out, batch)]

    def make(lib):
        model = lib.nn.Sequential(lib.nn.Linear(n_in, hidden), lib.nn.ReLU(), lib.nn.Linear(hidden, n_out))
        params = {k: v.detach() for k, v in model.named_parameters()}
        inputs, targets = lib.tensor(x), lib.tensor(y)

        def loss(p, xi, yi):
            out = lib.func.functional_call(model, p, (xi.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, yi.unsqueeze(0))
        grad = lib.func.grad(loss)
        if looped:
            return lambda: [grad(params, inputs[i], targets[i]) for i in range(batch)]
        def step():
            return lib.func.vmap(grad, in_dims=(None, 0, 0))(params, inputs, targets)
        for _ in range(WARM_UP_CALLS):
            step()
        return step
    return make


def jacobian(activation: str):
    """A factory `make(lib) -> step`: jacrev of a 64-128-32 MLP at one input (parameters not requiring grad)."""
    def make(lib):
        lib.manual_seed(0)
        act = getattr(lib.nn, activation)()
        model = lib.nn.Sequential(lib.nn.Linear(64, 128), act, lib.nn.Linear(128, 32)).requires_grad_(False)
        x = lib.randn(64)
        jac = lib.func.jacrev(model)
        for _ in range(WARM_UP_CALLS):
            jac(x)
        return lambda: jac(x)
    return make


def workloads():
    """(name, make, calls per timing): per shape, ember's vmap and ember's loop, each against torch.func.vmap."""
    rows = []
    for name, sizes in SHAPES.items():
        rows.append((f"per-sample grads {name}: vmap", per_sample_grads(sizes, looped=False), 10))
        loop = per_sample_grads(sizes, looped=True)
        batched = per_sample_grads(sizes, looped=False)
        rows.append((f"per-sample grads {name}: ember loop", lambda lib, loop=loop, batched=batched:
                     loop(lib) if lib.__name__ == "ember" else batched(lib), 2))
    for activation in ("ReLU", "Tanh"):
        rows.append((f"jacrev MLP 64-128({activation})-32", jacobian(activation), 10))
    return rows
