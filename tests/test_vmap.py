"""ember._vmap.vmap (batching rules) against torch.func.vmap: values, shapes, errors, per-sample gradients, and
whether each call ran batched or fell back to the loop."""
import numpy as np
import pytest

import ember
from ember import _vmap
from ember._vmap import FALLBACKS, vmap

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def labels(*shape, high=4):
    return RNG.integers(0, high, shape)


def converted(lib, value):
    """A tensor of `lib` for a NumPy array; tuples, lists and dicts converted leaf by leaf."""
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, (tuple, list)):
        return type(value)(converted(lib, v) for v in value)
    if isinstance(value, dict):
        return {k: converted(lib, v) for k, v in value.items()}
    return value


def flat_numpy(value) -> list:
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in flat_numpy(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in flat_numpy(v)]
    return [value.detach().numpy()]


def run_both(make, inputs, call_kwargs=None, **vmap_kwargs):
    """vmap(make(lib), **vmap_kwargs)(*inputs) in ember and torch: (ember's result, torch's result), with
    FALLBACKS cleared before ember's call."""
    FALLBACKS.clear()
    mine = VMAP[ember](make(ember), **vmap_kwargs)(*converted(ember, inputs), **(call_kwargs or {}))
    theirs = VMAP[torch](make(torch), **vmap_kwargs)(*converted(torch, inputs), **(call_kwargs or {}))
    return mine, theirs


def assert_same(mine, theirs):
    a, b = flat_numpy(mine), flat_numpy(theirs)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


F = {ember: ember.nn.functional, torch: torch.nn.functional}
VMAP = {ember: vmap, torch: torch.func.vmap}

# name -> (make(lib) -> function to map, inputs, vmap keyword arguments)
BATCHED = {
    "exp": (lambda lib: lib.exp, (randn(4, 3),), {}),
    "sin_cos_tanh": (lambda lib: lambda x: lib.sin(x) * lib.cos(x) + lib.tanh(x), (randn(4, 3),), {}),
    "add_unbatched_broadcast": (lambda lib: lambda x, y: x + y, (randn(4, 3, 5), randn(5)), {"in_dims": (0, None)}),
    "mul_both_batched_broadcast": (lambda lib: lambda x, y: x * y, (randn(4, 3, 5), randn(4, 5)), {}),
    "unbatched_rank_above_batched": (lambda lib: lambda x, y: x - y, (randn(4, 3), randn(2, 1)),
                                     {"in_dims": (0, None)}),
    "scalar_ops": (lambda lib: lambda x: (2 - x) / 3 + x ** 2, (randn(4, 3),), {}),
    "div_in_dims_1_0": (lambda lib: lambda x, y: x / y, (randn(3, 4), randn(4, 3) + 5), {"in_dims": (1, 0)}),
    "sqrt_abs_clamp": (lambda lib: lambda x: lib.sqrt(x.abs()).clamp(0.2, 0.9), (randn(4, 3),), {}),
    "maximum": (lambda lib: lambda x, y: lib.maximum(x, y), (randn(4, 3), randn(3)), {"in_dims": (0, None)}),
    "sigmoid": (lambda lib: lib.sigmoid, (randn(4, 2, 3),), {}),
    "sum_dim_keepdim": (lambda lib: lambda x: x.sum(1, keepdim=True), (randn(4, 3, 5),), {}),
    "sum_all": (lambda lib: lambda x: x.sum(), (randn(4, 3, 5),), {}),
    "mean_dims": (lambda lib: lambda x: x.mean((0, -1)), (randn(4, 3, 5, 2),), {}),
    "max_dim": (lambda lib: lambda x: tuple(x.max(-1)), (randn(4, 3, 5),), {}),
    "amax_all": (lambda lib: lambda x: x.amax(), (randn(4, 3, 5),), {}),
    "argmax": (lambda lib: lambda x: x.argmax(0), (randn(4, 3, 5),), {}),
    "std_var": (lambda lib: lambda x: (x.std(1), x.var()), (randn(4, 3, 5),), {}),
    "cumsum": (lambda lib: lambda x: x.cumsum(-1), (randn(4, 3, 5),), {}),
    "matmul_1d_1d": (lambda lib: lambda x, y: x @ y, (randn(4, 3), randn(4, 3)), {}),
    "matmul_2d_1d": (lambda lib: lambda x, y: x @ y, (randn(4, 2, 3), randn(3)), {"in_dims": (0, None)}),
    "matmul_1d_2d_batched": (lambda lib: lambda x, y: x @ y, (randn(3), randn(4, 3, 2)), {"in_dims": (None, 0)}),
    "matmul_batched_3d": (lambda lib: lambda x, y: lib.matmul(x, y), (randn(4, 5, 2, 3), randn(4, 3, 2)), {}),
    "reshape_view": (lambda lib: lambda x: x.reshape(-1, 5).view(15) * 2, (randn(4, 3, 5),), {}),
    "transpose_permute": (lambda lib: lambda x: x.transpose(0, 1).permute(2, 0, 1) + x.permute(2, 1, 0),
                          (randn(4, 3, 5, 2),), {}),
    "flatten_unsqueeze_squeeze": (lambda lib: lambda x: x.flatten().unsqueeze(0).squeeze(), (randn(4, 1, 3),), {}),
    "expand": (lambda lib: lambda x: x.unsqueeze(0).expand(2, 3), (randn(4, 3),), {}),
    "basic_indexing": (lambda lib: lambda x: (x[0], x[:, 1:3], x[..., None, -1], x[1, ::2]), (randn(4, 3, 5),), {}),
    "index_with_unbatched_tensor": (lambda lib: lambda x, i: x[i], (randn(4, 5, 3), labels(6, high=5)),
                                    {"in_dims": (0, None)}),
    "cat_stack": (lambda lib: lambda x, y: (lib.cat([x, y], 0), lib.stack([x, y], 1)), (randn(4, 3, 2), randn(3, 2)),
                  {"in_dims": (0, None)}),
    "where": (lambda lib: lambda x, y: lib.where(x > 0, x, y), (randn(4, 3), randn(3)), {"in_dims": (0, None)}),
    "softmax_log_softmax": (lambda lib: lambda x: (lib.softmax(x, -1), lib.log_softmax(x, 0)), (randn(4, 3, 5),), {}),
    "linear": (lambda lib: lambda x, w, b: F[lib].linear(x, w, b), (randn(4, 3), randn(2, 3), randn(2)),
               {"in_dims": (0, None, None)}),
    "linear_batched_weight": (lambda lib: lambda x, w: F[lib].linear(x, w), (randn(4, 5, 3), randn(4, 2, 3)), {}),
    "relu": (lambda lib: F[lib].relu, (randn(4, 3),), {}),
    "mse_loss": (lambda lib: F[lib].mse_loss, (randn(4, 3), randn(4, 3)), {}),
    "cross_entropy": (lambda lib: F[lib].cross_entropy, (randn(4, 2, 3), labels(4, 2, high=3)), {}),
    "soft_cross_entropy": (lambda lib: lambda x, p: F[lib].cross_entropy(x, p), (randn(4, 2, 3), np.full((4, 2, 3),
                           1 / 3, np.float32)), {}),
    "nn_linear_module": (lambda lib: lambda x: LINEAR[lib](x).detach(), (randn(4, 3),), {}),
    "grad_through_slicing": (lambda lib: lib.func.grad(lambda x: (x[1:] ** 2).sum()), (randn(4, 3),), {}),
    "pad": (lambda lib: lambda x: F[lib].pad(x, (1, 2)), (randn(4, 3),), {}),
    "repeat": (lambda lib: lambda x: x.repeat(2, 3), (randn(4, 3),), {}),
    "gelu": (lambda lib: F[lib].gelu, (randn(4, 3),), {}),
    "grad_through_chunk": (lambda lib: lib.func.grad(lambda x: (x.chunk(2)[0] * 3).sum()), (randn(4, 6),), {}),
    "in_dims_none_and_nonzero": (lambda lib: lambda x, y: x * y, (randn(3, 4), randn(3)), {"in_dims": (1, None)}),
    "out_dims_nonzero": (lambda lib: lambda x: x * 2, (randn(4, 3, 2),), {"out_dims": 2}),
    "tuple_inputs_outputs": (lambda lib: lambda pair, z: (pair[0] + z, pair[1] * z), ((randn(4, 3), randn(3)),
                             randn(4, 3)), {"in_dims": ((0, None), 0), "out_dims": (1, 0)}),
    "dict_input": (lambda lib: lambda d: d["a"] - d["b"], ({"a": randn(4, 3), "b": randn(4, 3)},), {}),
    "nested_vmap": (lambda lib: lambda x, y: VMAP[lib](lambda a: a @ y + a.sum())(x), (randn(4, 5, 3),
                    randn(4, 3)), {}),
    "nested_vmap_of_grad": (lambda lib: VMAP[lib](lib.func.grad(lambda r: (r.exp() * r).sum())), (randn(4, 3, 2),),
                            {}),
    "einsum": (lambda lib: lambda x, y: lib.einsum("ij,jk->ik", x, y), (randn(4, 2, 3), randn(3, 5)),
               {"in_dims": (0, None)}),
    "inplace_ops": (lambda lib: lambda x: F[lib].relu(x.clone().add_(1).mul_(2), inplace=True), (randn(4, 3),), {}),
    "layer_norm": (lambda lib: lambda x: F[lib].layer_norm(x, (5,)), (randn(4, 3, 5),), {}),
    "tensordot_both_batched": (lambda lib: lambda x, y: lib.tensordot(x, y, dims=([1], [0])),
                               (randn(4, 2, 3), randn(4, 3, 5)), {}),
    "grad_of_softmax_matmul": (lambda lib: lib.func.grad(lambda x: (lib.softmax(x @ x.T, -1) * x.sum()).sum()),
                               (randn(4, 3, 2),), {}),
    "topk_kthvalue": (lambda lib: lambda x: (x.topk(2)[0], x.topk(2, dim=0, largest=False)[1], x.kthvalue(2)[0]),
                      (randn(4, 3, 5),), {}),
    "roll": (lambda lib: lambda x: (x.roll(1, 0), x.roll((1, -2), (0, 1))), (randn(4, 3, 5),), {}),
    "tril_triu": (lambda lib: lambda x: (x.tril(), x.triu(1)), (randn(4, 3, 5),), {}),
    "unbatched_output": (lambda lib: lambda x, y: (x + 1, y * 2), (randn(4, 3), randn(3)), {"in_dims": (0, None)}),
}

LINEAR = {}


def setup_module():
    torch.manual_seed(0)
    LINEAR[torch] = torch.nn.Linear(3, 2)
    LINEAR[ember] = ember.nn.Linear(3, 2)
    with ember.no_grad():
        LINEAR[ember].weight.copy_(ember.tensor(LINEAR[torch].weight.detach().numpy()))
        LINEAR[ember].bias.copy_(ember.tensor(LINEAR[torch].bias.detach().numpy()))


# the functions that fall back to the loop, and why: ember's op is written in a way no rule can batch
FALLING_BACK = {
    "trainable_module": (lambda lib: LINEAR[lib], (randn(4, 3),), {}),  # NOTE [ Graphs out of vmap ]
    "index_with_batched_tensor": (lambda lib: lambda x, i: x[i], (randn(4, 5, 3), labels(4, 6, high=5)), {}),
    # the bounds check of the index values (data-dependent control flow)
    "diag_embed": (lambda lib: lambda x: lib.diag_embed(x), (randn(4, 3),), {}),  # no rule for diagonal views
    "conv2d": (lambda lib: lambda x, w: F[lib].conv2d(x, w), (randn(4, 1, 2, 6, 6), randn(3, 2, 3, 3)),
               {"in_dims": (0, None)}),  # im2col through strided views of the array
}


@pytest.mark.parametrize("name", BATCHED)
def test_batched_matches_torch(name):
    make, inputs, kwargs = BATCHED[name]
    mine, theirs = run_both(make, inputs, **kwargs)
    assert_same(mine, theirs)
    assert not FALLBACKS, f"{name} fell back: {dict(FALLBACKS)}"


@pytest.mark.parametrize("name", FALLING_BACK)
def test_fallback_matches_torch(name):
    make, inputs, kwargs = FALLING_BACK[name]
    mine, theirs = run_both(make, inputs, **kwargs)
    assert_same(mine, theirs)
    assert FALLBACKS


def test_kwargs_are_not_batched():
    mine, theirs = run_both(lambda lib: lambda x, *, scale: x * scale, (randn(4, 3),),
                            call_kwargs={"scale": 3.0})
    assert_same(mine, theirs)
    assert not FALLBACKS


def test_chunk_size():
    mine, theirs = run_both(lambda lib: lambda x: (x.sum(-1), x * 2), (randn(5, 3),), chunk_size=2, out_dims=(0, 1))
    assert_same(mine, theirs)
    assert not FALLBACKS


@pytest.mark.parametrize("call, error", [
    (lambda: vmap(ember.sin, in_dims="0")(ember.ones(3)), "expected `in_dims` to be int"),
    (lambda: vmap(ember.add, in_dims=(0,))(ember.ones(3), ember.ones(3)), "in_dims is not compatible"),
    (lambda: vmap(ember.add)(ember.ones(3), ember.ones(4)), "same size in the mapped dimension"),
    (lambda: vmap(ember.sin, in_dims=2)(ember.ones(3, 2)), "expected in_dim to satisfy -2 <= in_dim < 2"),
    (lambda: vmap(ember.sin, in_dims=(None,))(ember.ones(3)), "Expected at least one Tensor to vmap over"),
    (lambda: vmap(ember.sin, in_dims=None)(ember.ones(3)), "expected `in_dims` to be int"),
    (lambda: vmap(lambda x: x, in_dims=0)(3.0), "We cannot vmap over non-Tensor arguments"),
    (lambda: vmap(ember.sin, out_dims=None)(ember.ones(3)), "can not return a BatchedTensor when out_dim is None"),
    (lambda: vmap(lambda x: 1.0)(ember.ones(3)), "must only return Tensors"),
    (lambda: vmap(ember.sin)(), "got no inputs"),
    (lambda: vmap(ember.sin, chunk_size=0), "chunk_size should be None or greater than 0. (got 0)"),
])
def test_errors_match_torch(call, error):
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_randomness():
    with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness error mode"):
        vmap(lambda x: x + ember.rand(3))(ember.ones(4, 3))
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        vmap(ember.sin, randomness="sometimes")
    same = vmap(lambda x: x + ember.rand(3), randomness="same")(ember.zeros(4, 3))
    assert np.allclose(same.numpy(), same.numpy()[:1])
    FALLBACKS.clear()
    different = vmap(lambda x: x + ember.rand(3), randomness="different")(ember.zeros(4, 3))
    assert not np.allclose(different.numpy()[0], different.numpy()[1])
    assert FALLBACKS  # a random op draws one sample's shape: 'different' runs the loop


def test_writing_batched_values_into_a_plain_array_falls_back():
    def f(x):
        out = ember.zeros(3)
        out[:] = x  # the plain array cannot hold a batch: the write must raise, not broadcast
        return out * 1
    FALLBACKS.clear()
    x = randn(4, 3)
    np.testing.assert_array_equal(vmap(f)(ember.tensor(x)).numpy(), x)
    assert FALLBACKS


def test_no_silent_conversion():
    array = _vmap.BatchedArray(np.ones((2, 3)), 1)
    assert array.shape == (3,) and array.ndim == 1 and array.size == 3
    for convert in (np.asarray, bool, lambda a: np.lib.stride_tricks.as_strided(a, (3,), (8,)),
                    lambda a: np.linalg.norm(a), lambda a: np.add.at(a, [0], 1)):
        with pytest.raises(TypeError):
            convert(array)


MLP_DATA = (randn(8, 5), randn(8, 2))


def _mlps():
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    mine = ember.nn.Sequential(ember.nn.Linear(5, 16), ember.nn.Tanh(), ember.nn.Linear(16, 2))
    mine.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


def per_sample_grads(lib, model, x, y):
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xi, yi):
        out = lib.func.functional_call(model, p, (xi.unsqueeze(0),))
        return F[lib].mse_loss(out, yi.unsqueeze(0))
    return VMAP[lib](lib.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)


def test_per_sample_gradients_batched():
    mine, theirs = _mlps()
    x, y = MLP_DATA
    FALLBACKS.clear()
    grads = per_sample_grads(ember, mine, ember.tensor(x), ember.tensor(y))
    assert not FALLBACKS, dict(FALLBACKS)
    reference = per_sample_grads(torch, theirs, torch.tensor(x), torch.tensor(y))
    for name, g in grads.items():
        looped = []
        for i in range(len(x)):
            mine.zero_grad()
            F[ember].mse_loss(mine(ember.tensor(x[i:i + 1])), ember.tensor(y[i:i + 1])).backward()
            looped.append(dict(mine.named_parameters())[name].grad.numpy().copy())
        np.testing.assert_allclose(g.numpy(), np.stack(looped), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g.numpy(), reference[name].numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_per_sample_gradients_of_a_classifier_batched(loss):
    """Class-index targets: the bounds check looks at every sample at once, the gradient's scatter is batched."""
    mine, theirs = _mlps()
    x, labels = MLP_DATA[0], np.arange(8) % 2
    grads = []
    for lib, model in ((ember, mine), (torch, theirs)):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def per_sample(p, xi, yi, lib=lib, model=model):
            out = lib.func.functional_call(model, p, (xi.unsqueeze(0),))
            return getattr(F[lib], loss)(out.log_softmax(-1) if loss == "nll_loss" else out, yi.unsqueeze(0))
        FALLBACKS.clear()
        grads.append(VMAP[lib](lib.func.grad(per_sample), in_dims=(None, 0, 0))(params, lib.tensor(x),
                                                                               lib.tensor(labels)))
        if lib is ember:
            assert not FALLBACKS, dict(FALLBACKS)
            with pytest.raises(IndexError, match="Target 2 is out of bounds"):
                vmap(lib.func.grad(per_sample), in_dims=(None, 0, 0))(params, lib.tensor(x),
                                                                      lib.tensor(labels * 2))
    for name, g in grads[0].items():
        np.testing.assert_allclose(g.numpy(), grads[1][name].numpy(), rtol=1e-4, atol=1e-6)


def test_backward_through_vmap_output_runs_the_loop():
    # a graph leaving vmap would run batched backward formulas where nothing can fall back any more
    # (NOTE [ Graphs out of vmap ]): the call runs as the loop, and backward goes through its plain graph
    x = randn(4, 3)
    mine = ember.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    FALLBACKS.clear()
    (vmap(lambda a: (a.exp() * a).sum())(mine) ** 2).sum().backward()
    (torch.func.vmap(lambda a: (a.exp() * a).sum())(theirs) ** 2).sum().backward()
    assert list(FALLBACKS) == ["an input that requires grad (NOTE [ Graphs out of vmap ])"]  # no batched try
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-6)  # float32
    FALLBACKS.clear()
    w_mine, w_theirs = ember.tensor(x[0], requires_grad=True), torch.tensor(x[0], requires_grad=True)
    (vmap(lambda a: (a * w_mine).sum())(ember.tensor(x)) ** 2).sum().backward()  # a captured parameter
    (torch.func.vmap(lambda a: (a * w_theirs).sum())(torch.tensor(x)) ** 2).sum().backward()
    assert list(FALLBACKS) == ["a result that requires grad leaves vmap (NOTE [ Graphs out of vmap ])"]
    np.testing.assert_allclose(w_mine.grad.numpy(), w_theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_matmul_rule_checks_inner_sizes():
    x, y = ember.ones(4, 3, 1), ember.ones(4, 3, 2)  # (3, 1) @ (3, 2): an error, not a broadcast product
    with pytest.raises(RuntimeError):
        vmap(ember.matmul)(x, y)


def test_backward_inside_vmap_raises_as_in_pytorch():
    weight = ember.randn(3, requires_grad=True)

    def accumulate(lib, w):
        def f(a):
            (a * w).sum().backward()
            return a
        return f
    with pytest.raises(RuntimeError, match="backward\\(\\) called inside a function transform"):
        vmap(accumulate(ember, weight))(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="backward\\(\\) called inside a functorch transform"):
        torch.func.vmap(accumulate(torch, torch.randn(3, requires_grad=True)))(torch.randn(2, 3))
    assert weight.grad is None
    (weight * 2).sum().backward()  # and outside vmap, backward works again
    assert weight.grad.tolist() == [2.0, 2.0, 2.0]
