"""ember.func against torch.func: grad, grad_and_value (with aux), vjp, jacrev, jacfwd, hessian, vmap (in_dims,
out_dims, nested outputs), functional_call, and their composition (per-sample gradients)."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, torch

import ember


def f(lib, x, y):
    return (lib.sin(x) * y).sum() + (x * x).sum()


def test_grad_and_value():
    check(lambda lib, x, y: lib.func.grad(lambda a, b: f(lib, a, b))(x, y), randn(3), randn(3), check_grad_fn=False)
    # with several argnums, which results require grad outside the transform differs: values only
    check(lambda lib, x, y: lib.func.grad(lambda a, b: f(lib, a, b), argnums=(0, 1))(x, y), randn(3), randn(3),
          grad=False)
    check(lambda lib, x, y: lib.func.grad_and_value(lambda a, b: f(lib, a, b))(x, y), randn(3), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.func.grad(lambda a: ((a * 2).sum(), a.mean()), has_aux=True)(x), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.func.grad(lambda a: a * 2)(x), randn(3))


def test_vjp_and_jacobians():
    check(lambda lib, x, v: lib.func.vjp(lambda a: lib.tanh(a) * 3, x)[1](v), randn(4), randn(4), check_grad_fn=False)
    g = lambda lib: lambda a, b: lib.stack([a[0] * b[1], lib.exp(a[1]) + b[0], (a * b).sum()])  # noqa: E731
    check(lambda lib, x, y: lib.func.jacrev(g(lib))(x, y), randn(2), randn(2), check_grad_fn=False)
    check(lambda lib, x, y: lib.func.jacrev(g(lib), argnums=(0, 1))(x, y), randn(2), randn(2), grad=False)
    check(lambda lib, x, y: lib.func.jacfwd(g(lib))(x, y), randn(2), randn(2), check_grad_fn=False)
    check(lambda lib, x: lib.func.hessian(lambda a: (a ** 3).sum() + a[0] * a[1])(x), randn(3), check_grad_fn=False)


def test_vmap():
    check(lambda lib, x, y: lib.vmap(lambda a, b: a @ b)(x, y), randn(4, 3), randn(4, 3), check_grad_fn=False)
    check(lambda lib, x, y: lib.func.vmap(lambda a, b: a * b, in_dims=(1, None))(x, y), randn(3, 5), randn(3),
          check_grad_fn=False)
    check(lambda lib, x: lib.vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(x), randn(4, 3), check_grad_fn=False)
    check(lambda lib, x, y: lib.vmap(lambda a, b: a + b)(x, y), randn(4, 3), randn(5, 3))


def test_functional_call_and_per_sample_gradients():
    rng = np.random.default_rng(0)
    weights = {"weight": rng.standard_normal((2, 3)), "bias": rng.standard_normal(2)}
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    results = []
    for lib in (ember, torch):
        model = lib.nn.Linear(3, 2).double()
        original = model.weight.detach().clone()
        params = {k: lib.tensor(v) for k, v in weights.items()}

        def loss(p, a, b):
            return ((lib.func.functional_call(model, p, (a,)) - b) ** 2).sum()

        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
        assert bool((model.weight == original).all())  # the module keeps its own parameters
        results.append({k: v.detach().numpy() for k, v in per_sample.items()})
    for k in weights:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-12)
    check(lambda lib: lib.func.functional_call(
        lib.nn.Sequential(lib.nn.Linear(3, 2)), {"0.weight": lib.ones(2, 3), "0.bias": lib.zeros(2),
                                                 "step": lib.ones(1), "0.step": lib.ones(1)}, (lib.ones(3),)))
    module = ember.nn.Sequential(ember.nn.Linear(3, 2))
    ember.func.functional_call(module, {"step": ember.ones(1)}, (ember.ones(3),))
    assert not hasattr(module, "step")
    raises_like_torch(lambda lib: lib.func.functional_call(lib.nn.Sequential(lib.nn.Linear(3, 2)),
                                                           {"1.weight": lib.ones(1)}, (lib.ones(3),)))


def test_jvp():
    check(lambda lib, x, t: lib.func.jvp(lambda a: (a.sin(), [a * 2]), (x,), (t,)), randn(3), randn(3, seed=1),
          grad=False)
    check(lambda lib, x, y, t, u: lib.func.jvp(lambda a, b: (a @ b).tanh(), (x, y), (t, u)), randn(2, 3),
          randn(3, 4), randn(2, 3, seed=1), randn(3, 4, seed=2), grad=False)
    check(lambda lib, x, t: lib.func.jvp(lambda a: (a.exp(), a.sum()), (x,), (t,), has_aux=True), randn(3),
          randn(3, seed=1), grad=False)
    check(lambda lib, x, t: lib.func.jvp(lambda a: a * 0 + 1, (x,), (t,)), randn(3), randn(3, seed=1), grad=False)
    for bad in (lambda lib, x: lib.func.jvp(lib.sin, x, (x,)), lambda lib, x: lib.func.jvp(lib.sin, (x,), (x, x)),
                lambda lib, x: lib.func.jvp(lib.sin, (x,), (x[:2],))):
        check(bad, randn(3))


def test_jacfwd_linearize_and_hessian_on_forward_mode():
    def g(lib):
        return lambda a, b: lib.stack([a[0] * b[1], lib.exp(a[1]) + b[0], (a * b).sum()])
    check(lambda lib, x, y: lib.func.jacfwd(g(lib), argnums=(0, 1))(x, y), randn(2), randn(2), grad=False)
    check(lambda lib, x: lib.func.jacfwd(lambda p: (p["w"] * 3).sin())({"w": x})["w"], randn(2, 2), grad=False)
    check(lambda lib, x: lib.func.jacfwd(lambda a: (a.exp(), a.sum()), has_aux=True)(x), randn(3), grad=False)
    check(lambda lib, x, y: lib.func.hessian(lambda a, b: (a ** 3 * b).sum(), argnums=(0, 1))(x, y), randn(3),
          randn(3), grad=False)
    check(lambda lib, x, y, t, u: lib.func.linearize(lambda a, b: a * b.exp(), x, y)[1](t, u), randn(3), randn(3),
          randn(3, seed=1), randn(3, seed=2), grad=False)
    _, jvp_fn = ember.func.linearize(lambda a: a.sin(), ember.tensor(randn(3)))
    for t in (randn(3, seed=3), randn(3, seed=4)):  # one graph, several products
        np.testing.assert_allclose(jvp_fn(ember.tensor(t)).numpy(), np.cos(randn(3)) * t)


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3)).double()


def test_per_sample_gradients_match_a_loop_and_torch_func():
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(s) for s in ((8, 4), (8,), (3, 8), (3,))]
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    results = []
    for lib in (ember, torch):
        model = _mlp(lib)
        with lib.no_grad():
            for p, w in zip(model.parameters(), weights):
                p.copy_(lib.tensor(w))
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss_fn(p, sample, target, lib=lib, model=model):
            out = lib.func.functional_call(model, p, (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))

        per_sample = lib.func.vmap(lib.func.grad(loss_fn), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
        results.append({k: v.detach().numpy() for k, v in per_sample.items()})
        if lib is ember:
            for i in range(len(x)):
                model.zero_grad()
                loss_fn(dict(model.named_parameters()), lib.tensor(x[i]), lib.tensor(y[i])).backward()
                for k, p in model.named_parameters():
                    np.testing.assert_allclose(results[0][k][i], p.grad.numpy(), rtol=1e-12, atol=1e-14)
    for k in results[0]:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-10, atol=1e-12)


def test_stack_module_state_and_ensembling():
    rng = np.random.default_rng(2)
    data = rng.standard_normal((5, 4))
    weights = [[rng.standard_normal(s) for s in ((8, 4), (8,), (3, 8), (3,))] for _ in range(3)]
    results = []
    for lib in (ember, torch):
        models = [_mlp(lib) for _ in range(3)]
        for m, ws in zip(models, weights):
            with lib.no_grad():
                for p, w in zip(m.parameters(), ws):
                    p.copy_(lib.tensor(w))
        params, buffers = lib.func.stack_module_state(models)
        assert list(params) == ["0.weight", "0.bias", "2.weight", "2.bias"] and buffers == {}
        assert params["0.weight"].shape == (3, 8, 4) and params["0.weight"].is_leaf
        assert params["0.weight"].requires_grad

        def call(p, b, inp, lib=lib, model=models[0]):
            return lib.func.functional_call(model, (p, b), (inp,))

        ensemble = lib.func.vmap(call, in_dims=(0, 0, None))(params, buffers, lib.tensor(data))
        for i, m in enumerate(models):
            np.testing.assert_allclose(ensemble[i].detach().numpy(), m(lib.tensor(data)).detach().numpy())
        results.append(ensemble.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    check(lambda lib: lib.func.stack_module_state([]))
    check(lambda lib: lib.func.stack_module_state([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2).eval()]))


def test_replace_all_batch_norm_modules_as_torch():
    """Every batch norm layer drops its running statistics (None buffers, track_running_stats False), in place."""
    states = []
    for lib in (torch, ember):
        net = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 1), lib.nn.BatchNorm2d(2), lib.nn.Sequential(lib.nn.BatchNorm1d(3)))
        assert lib.func.replace_all_batch_norm_modules_(net) is net
        states.append([(m.track_running_stats, m.running_mean, m.running_var, m.num_batches_tracked)
                       for m in (net[1], net[2][0])] + [list(net.state_dict())])
    assert states[1] == states[0]


def test_transforms_keep_the_graph_to_parameters_the_function_closes_over():
    """A Jacobian penalty: jacrev/grad/hessian of a model's function, whose arguments do not require grad, still
    carry the gradient to the model's parameters, as PyTorch's do (and are detached where nothing requires grad)."""
    def run(lib):
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
            lin.bias.zero_()
        f = lambda x: lib.tanh(lin(x))  # noqa: E731
        x = lib.tensor([[0.1, 0.2, 0.3], [0.0, -0.1, 0.2]])
        flags = [lib.func.vmap(lib.func.jacrev(f))(x).requires_grad, lib.func.jacfwd(f)(x[0]).requires_grad,
                 lib.func.grad(lambda x: f(x).sum())(x[0]).requires_grad,
                 lib.func.hessian(lambda x: f(x).sum())(x[0]).requires_grad,
                 lib.func.jacrev(lambda x: x.tanh())(x[0]).requires_grad]
        (f(x).pow(2).sum() + lib.func.vmap(lib.func.jacrev(f))(x).pow(2).sum()).backward()
        return flags, lin.weight.grad.numpy().copy()
    (e_flags, e_grad), (t_flags, t_grad) = run(ember), run(torch)
    assert e_flags == t_flags == [True, True, True, True, False]
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-5)


# hidden layer -> (its width, whether the Jacobian's backward passes run batched: topk's backward has no rule)
HIDDEN = {"relu": (lambda lib: lib.relu, 5, True), "tanh": (lambda lib: lib.tanh, 5, True),
          "sigmoid": (lambda lib: lib.sigmoid, 5, True), "topk": (lambda lib: lambda h: h.topk(3)[0], 3, False)}


@pytest.mark.parametrize("hidden", list(HIDDEN))
def test_jacrev_without_outside_graph_is_one_batched_pass(hidden):
    """Arguments and parameters that do not require grad: the Jacobian needs no graph, and its rows are one vmapped
    backward pass (a loop where an op has no batching rule); values as PyTorch's, for a tree of outputs."""
    from ember._vmap import FALLBACKS
    layer, width, batched = HIDDEN[hidden]
    w1, w2, x = randn(5, 4), randn(3, width), randn(2, 4)

    def model(lib):
        return lambda x, w: {"out": layer(lib)(x @ lib.tensor(w1).T) @ w.T, "sum": x.sum(-1)}
    before = sum(FALLBACKS.values())
    check(lambda lib, x, w: lib.func.jacrev(model(lib), argnums=(0, 1))(x, w), x, w2, grad=False)
    assert (sum(FALLBACKS.values()) == before) == batched
    check(lambda lib, x, w: lib.func.jacrev(lambda x: (model(lib)(x, w)["out"], x.max()), has_aux=True)(x), x, w2,
          grad=False)


def test_jacrev_of_a_tree_keeps_the_graph_to_closed_over_parameters():
    w, x = randn(3, 4), randn(4)
    results = []
    for lib in (ember, torch):
        weight = lib.tensor(w, requires_grad=True)
        jac = lib.func.jacrev(lambda x: {"a": lib.tanh(weight @ x), "b": (x * 2,)})(lib.tensor(x))
        jac["a"].pow(2).sum().backward()
        results.append((jac["a"].detach().numpy(), jac["b"][0].detach().numpy(), weight.grad.numpy()))
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-12)
