"""The backward engine, autograd.grad, hooks and graph structure, compared with PyTorch."""
import warnings

import numpy as np
import pytest
from parity import check, randn, torch

import ember


def pair(x, requires_grad=True):
    """The same values as an ember and a torch tensor."""
    x = np.asarray(x, dtype=np.float64)
    return ember.tensor(x, requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad)


def both(fn, *arrays):
    """Run fn(lib, *tensors) on both libraries, returning ((ember tensors, result), (torch tensors, result))."""
    out = []
    for lib in (ember, torch):
        ts = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
        out.append((ts, fn(lib, *ts)))
    return out


def close(e, t, tol=1e-10):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


# ---- backward basics -------------------------------------------------------------------------------
def test_scalar_backward():
    (ex,), e = both(lambda lib, x: (x * x).sum(), randn(3))[0]
    (tx,), t = both(lambda lib, x: (x * x).sum(), randn(3))[1]
    e.backward()
    t.backward()
    close(ex.grad, tx.grad)


def test_seed_snippet_mean():
    x = ember.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert y.grad_fn.name() == "AddBackward0" and z.grad_fn.name() == "MulBackward0"
    assert out.grad_fn.name() == "MeanBackward0"


def test_seed_snippet_vector_jacobian_product():
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(randn(3), requires_grad=True)
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        v = lib.tensor([0.1, 1.0, 0.0001])
        y.backward(v)
        grads.append(x.grad)
    close(*grads)


def test_seed_snippet_vector_from_list():
    assert ember.tensor([0.1, 1.0], dtype=ember.float64).tolist() == [0.1, 1.0]


def test_non_scalar_backward_needs_gradient():
    check(lambda lib, x: (x * 2).backward(), randn(3))
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (ember.ones(3, requires_grad=True) * 2).backward()


def test_vector_jacobian_product():
    for lib_pair in [pair(randn(2, 3))]:
        e, t = lib_pair
        v = randn(2, 3, seed=5)
        (e.exp() * e).backward(ember.tensor(v))
        (t.exp() * t).backward(torch.tensor(v))
        close(e.grad, t.grad)


def test_gradient_shape_mismatch():
    check(lambda lib, x: (x * 2).backward(lib.ones(4, dtype=lib.float64)), randn(3))
    check(lambda lib, x: (x * 2).sum().backward(lib.ones(3, dtype=lib.float64)), randn(3))
    check(lambda lib, x: x.detach().sum().backward(), randn(3))


def test_accumulation_over_two_backwards():
    e, t = pair(randn(3))
    for _ in range(2):
        (e * e).sum().backward()
        (t * t).sum().backward()
    close(e.grad, t.grad)
    e.grad.zero_()
    t.grad.zero_()
    (e * 3).sum().backward()
    (t * 3).sum().backward()
    close(e.grad, t.grad)


def test_second_backward_through_freed_graph_raises():
    def f(lib, x):
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()
    check(f, randn(3))
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        x = ember.ones(3, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()


@pytest.mark.parametrize("fn", [lambda x: (x * 2).sum(), lambda x: (2 * x).sum(), lambda x: (x / 2).sum(),
                                lambda x: (x + 2 + x).sum(), lambda x: (x - 2).sum(), lambda x: x.expand(2, 3).mean(),
                                lambda x: (x * 2).sum() * x.sum()])
def test_second_backward_frees_what_torch_frees(fn):
    """A number operand of mul/div is saved as PyTorch saves it (a tensor), so a second backward raises;
    graphs that saved only shapes and numbers PyTorch keeps (add, sub, expand) allow it."""
    def twice(lib, x):
        y = fn(x)
        y.backward()
        y.backward()
        return x.grad
    check(twice, randn(3))


def test_a_formula_giving_no_gradient_does_not_stop_other_paths():
    """Regression: an input gradient of None used to leave the next node waiting forever, dropping the
    gradients of every other path through it."""
    def f(lib, x):
        class NoGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 3

            @staticmethod
            def backward(ctx, g):
                return None
        y = x * 2
        return NoGrad.apply(y) + y
    check(f, randn(3))


def test_retain_graph_allows_second_backward():
    e, t = pair(randn(3))
    ye, yt = (e.exp() * e).sum(), (t.exp() * t).sum()
    ye.backward(retain_graph=True)
    yt.backward(retain_graph=True)
    ye.backward()
    yt.backward()
    close(e.grad, t.grad)


def test_graph_without_saved_tensors_allows_second_backward():
    def f(lib, x):
        y = (x + 2 + x).sum()
        y.backward()
        y.backward()
        return x.grad
    check(f, randn(3))


def test_backward_on_tensor_without_grad():
    check(lambda lib, x: x.sum().backward(), randn(3), grad=False)
    check(lambda lib, x: (x * 2).sum().backward(), np.arange(3))


# ---- higher order ----------------------------------------------------------------------------------
HIGHER = {
    "cube": lambda lib, x: x ** 3, "sin": lambda lib, x: x.sin(), "tanh": lambda lib, x: x.tanh(),
    "exp": lambda lib, x: x.exp(), "sigmoid": lambda lib, x: x.sigmoid(), "log": lambda lib, x: (x * x + 1).log(),
    "mm": lambda lib, x: x.reshape(2, 3).mm(x.reshape(3, 2)).tanh(), "div": lambda lib, x: 1 / (x * x + 1),
    "sqrt": lambda lib, x: (x * x + 1).sqrt(), "mean_var": lambda lib, x: x.var() * x.mean(),
    "norm": lambda lib, x: x.norm() * x, "cos": lambda lib, x: x.cos() * x, "prod": lambda lib, x: x.prod() * x,
    "matmul": lambda lib, x: (x.reshape(1, 2, 3) @ x.reshape(3, 2)).exp(),
    "max": lambda lib, x: x.max() * x, "clamp": lambda lib, x: x.clamp(-0.5, 0.5) * x,
}


@pytest.mark.parametrize("name", sorted(HIGHER))
def test_higher_order_derivatives(name):
    f = HIGHER[name]
    results = []
    for lib in (ember, torch):
        x = lib.tensor(randn(6), requires_grad=True)
        y = f(lib, x).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        g3 = lib.autograd.grad(g2.sum(), x, allow_unused=True)[0] if g2.requires_grad else None
        results.append((g1, g2, g3))
    for e, t in zip(*results):
        if t is None or e is None:  # a constant derivative may or may not keep a graph
            assert not (e if t is None else t).detach().numpy().any() if (e, t) != (None, None) else True
        else:
            close(e, t, 1e-8)


def test_create_graph_backward_gives_grad_with_graph():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        assert x.grad.requires_grad and x.grad.grad_fn is not None
        g = x.grad
        x.grad = None
        g.sum().backward()
        assert x.grad.tolist() == [6.0, 12.0]


# ---- autograd.grad ----------------------------------------------------------------------------------
def test_grad_basic_and_grad_outputs():
    def f(lib, x, y):
        z = x * y + x.exp()
        return lib.autograd.grad(z, (x, y), grad_outputs=lib.ones(3, dtype=lib.float64))
    check(f, randn(3), randn(3, seed=1), grad=True)


def test_grad_does_not_touch_dot_grad():
    x = ember.ones(3, requires_grad=True)
    (g,) = ember.autograd.grad((x * x).sum(), x)
    assert x.grad is None and g.tolist() == [2.0, 2.0, 2.0]


def test_grad_unused_inputs():
    def f(lib, x, y):
        return lib.autograd.grad((x * 2).sum(), [x, y])
    check(f, randn(3), randn(3, seed=1))

    def g(lib, x, y):
        return lib.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)[1] is None
    check(g, randn(3), randn(3, seed=1))

    def h(lib, x, y):
        return lib.autograd.grad((x * 2).sum(), [x, y], allow_unused=True, materialize_grads=True)[1]
    check(h, randn(3), randn(3, seed=1))


def test_grad_non_leaf_inputs():
    def f(lib, x):
        h = x.exp()
        y = (h * h).sum()
        return lib.autograd.grad(y, [h, x])
    check(f, randn(3))


def test_grad_input_not_requiring_grad():
    check(lambda lib, x: lib.autograd.grad((x * 2).sum(), lib.ones(2)), randn(3))
    check(lambda lib, x: lib.autograd.grad(x.detach().sum(), x), randn(3))


def test_grad_of_multiple_outputs():
    def f(lib, x):
        return lib.autograd.grad([(x * 2).sum(), (x * x).sum()], x)
    check(f, randn(3))


# ---- backward(inputs=...) -----------------------------------------------------------------------------
def test_backward_inputs_accumulates_only_there():
    def f(lib, x, y):
        h = x * y
        z = (h * h).sum()
        z.backward(inputs=[x])
        return x.grad, y.grad is None
    check(f, randn(3), randn(3, seed=1))

    def g(lib, x, y):
        h = x * y
        h.retain_grad()
        (h * h).sum().backward(inputs=[h])
        return h.grad, x.grad is None
    check(g, randn(3), randn(3, seed=1))
    check(lambda lib, x: (x * 2).sum().backward(inputs=[]), randn(3))


# ---- retain_grad, hooks ----------------------------------------------------------------------------------
def test_retain_grad():
    def f(lib, x):
        h = x * 2
        h.retain_grad()
        (h * h).sum().backward()
        return h.grad, h.retains_grad
    check(f, randn(3))


def test_non_leaf_grad_warns():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        h = x * 2
        with pytest.warns(UserWarning, match="is not a leaf Tensor"):
            assert h.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert x.grad is None


def test_tensor_hooks():
    def f(lib, x):
        h = x * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.clone()))
        h.register_hook(lambda g: g * 10)
        handle = x.register_hook(lambda g: g + 1)
        (h * h).sum().backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        (h * h).sum().backward()
        return first, x.grad, seen[0]
    check(f, randn(3))


def test_hook_on_tensor_without_grad_raises():
    check(lambda lib, x: x.register_hook(lambda g: g), randn(3), grad=False)


def test_node_hooks():
    def f(lib, x):
        y = x.exp()
        log = []
        y.grad_fn.register_prehook(lambda grads: log.append(("pre", grads[0].clone())))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 3,))
        y.sum().backward()
        return x.grad, log[0][1]
    check(f, randn(3))


# ---- graph structure ------------------------------------------------------------------------------------
def structure(fn, depth=4):
    """Node names along next_functions, with (None, 0) edges and output numbers, to `depth`."""
    if fn is None or depth == 0:
        return None
    return (fn.name().replace("torch::autograd::", "").replace("ember::autograd::", ""),
            tuple((structure(f, depth - 1), nr) if f is not None else (None, nr) for f, nr in fn.next_functions))


GRAPHS = {
    "add": lambda lib, x, y: x + y, "add_scalar": lambda lib, x, y: x + 2, "radd": lambda lib, x, y: 2 + x,
    "sub": lambda lib, x, y: x - y.detach(), "rsub": lambda lib, x, y: 1 - x, "mul": lambda lib, x, y: x * y * 3,
    "div": lambda lib, x, y: x / y, "rdiv": lambda lib, x, y: 1 / x, "pow": lambda lib, x, y: x ** 2,
    "rpow": lambda lib, x, y: 2 ** x, "neg": lambda lib, x, y: -x, "mean": lambda lib, x, y: (x * y).mean(),
    "sum_dim": lambda lib, x, y: x.sum(0), "mm": lambda lib, x, y: x @ y.t(), "relu": lambda lib, x, y: x.relu(),
    "sigmoid": lambda lib, x, y: x.sigmoid() * y, "max_dim": lambda lib, x, y: x.max(1)[0],
    "view": lambda lib, x, y: x.view(-1).exp(), "t": lambda lib, x, y: x.t().tanh(),
    "addmm": lambda lib, x, y: lib.addmm(x[0], x, y.t()), "where": lambda lib, x, y: lib.where(x > 0, x, y),
    "clamp": lambda lib, x, y: x.clamp(min=0), "masked": lambda lib, x, y: x.masked_fill(x > 0, 0),
    "var": lambda lib, x, y: x.var(), "norm": lambda lib, x, y: x.norm(), "abs": lambda lib, x, y: x.abs(),
    "inplace": lambda lib, x, y: (x * 1).add_(y).mul_(2), "shared": lambda lib, x, y: x * x + x,
    "alpha": lambda lib, x, y: lib.add(x, y, alpha=2),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_graph_structure(name):
    x_rg = [True, False]
    structures = []
    for lib in (ember, torch):
        x = lib.tensor(randn(3, 3), requires_grad=True)
        y = lib.tensor(randn(3, 3, seed=1) + 3, requires_grad=x_rg[0])
        structures.append(structure(GRAPHS[name](lib, x, y).grad_fn))
    assert structures[0] == structures[1]


def test_accumulate_grad_node():
    x = ember.ones(2, requires_grad=True)
    y = x * x
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a is b and a.name() == "ember::autograd::AccumulateGrad"
    assert a.variable is x
    assert a.next_functions == ()
    z = (x + 1) * x
    assert z.grad_fn.next_functions[0][0].next_functions[0][0] is z.grad_fn.next_functions[1][0]
    assert (x * 2).grad_fn.next_functions[1] == (None, 0)
    t = torch.ones(2, requires_grad=True)
    assert (t * 2).grad_fn.next_functions[1] == (None, 0)


def test_accumulate_grad_name_matches_torch():
    x, t = ember.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    e_name = (x * 2).grad_fn.next_functions[0][0].name()
    assert e_name.replace("ember", "torch") == (t * 2).grad_fn.next_functions[0][0].name()


# ---- requires_grad, detach, Variable ----------------------------------------------------------------------
def test_requires_grad_propagation():
    def f(lib, x, c):
        a, b = x * c, c * 2
        return a.requires_grad, b.requires_grad, a.is_leaf, b.is_leaf, (a.sum() > 0).requires_grad, \
            x.argmax().requires_grad, (x == c).requires_grad, x.detach().requires_grad
    x = randn(3)
    check(lambda lib, x: f(lib, x, lib.tensor(randn(3, seed=2))), x)


def test_requires_grad_errors():
    check(lambda lib, x: x.requires_grad_(), np.arange(3))
    check(lambda lib, x: (x * 2).requires_grad_(False), randn(3))
    check(lambda lib, x: (x * 2).requires_grad_(True).is_leaf, randn(3))


def test_detach():
    def f(lib, x):
        d = x.detach()
        d.add_(1)  # shares memory and version counter with x
        return d, d.requires_grad, d.is_leaf, d.grad_fn is None, x._version
    check(f, randn(3))

    def g(lib, x):
        h = x * 2
        h.detach_()
        return h.requires_grad, h.is_leaf
    check(g, randn(3))


def test_variable():
    from ember.autograd import Variable
    v = Variable(ember.ones(2, 2), requires_grad=True)
    assert v.requires_grad and v.is_leaf and isinstance(v, ember.Tensor)
    out = (v * 3).sum()
    out.backward()
    assert v.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert isinstance(ember.ones(1), Variable)
    w = Variable(ember.ones(2))
    assert not w.requires_grad


@pytest.mark.parametrize("loss", [
    lambda lib, x: (lib.nn.functional.relu(x) * -1.5).sum(),
    lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([1, -100, 2])) * -1,
    lambda lib, x: (x.clamp(-0.5, 0.5) * -2).sum(),
    lambda lib, x: -lib.nn.functional.max_pool1d(x[None], 2).sum(),
], ids=["relu", "cross_entropy ignore_index", "clamp", "max_pool1d"])
def test_printed_gradients_show_no_negative_zero(loss):
    """Regression: g * mask gave -0. wherever the mask was 0 and g negative; print(x.grad) showed `-0.`."""
    x = randn(3, 4)
    e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    loss(ember, e).backward()
    loss(torch, t).backward()
    assert str(e.grad) == str(t.grad).replace("torch", "ember")


def test_grad_with_batched_grad_outputs_matches_torch():
    """is_grads_batched: a batch of vector-Jacobian products, one per row of the grad_outputs (the Jacobian of
    x ** 2 from the identity), with create_graph giving gradients that differentiate again."""
    results = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        (jac,) = lib.autograd.grad(x ** 3, x, grad_outputs=lib.eye(3, dtype=lib.float64), is_grads_batched=True,
                                   create_graph=True)
        jac.sum().backward()
        pair = lib.autograd.grad(x.sum() * y, (x, y), grad_outputs=lib.ones(4, 2, dtype=lib.float64),
                                 is_grads_batched=True)
        results.append([jac.detach().numpy(), x.grad.numpy()] + [g.numpy() for g in pair])
    for e, t in zip(*results[::-1]):
        np.testing.assert_allclose(e, t, rtol=1e-12)


def test_grad_runs_leaf_hooks_and_keeps_the_graph_below_a_non_leaf_input():
    """autograd.grad runs a leaf's tensor hooks (their result is what it returns), and does not run the node of a
    non-leaf input (whose graph a later call still needs); empty inputs and unused inputs raise PyTorch's errors."""
    results = []
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(g.sum().item()))
        x.register_hook(lambda g: g * 10)
        g, = lib.autograd.grad((x * 3).sum(), x)
        a = lib.ones(2, requires_grad=True)
        h = a * 2
        gh, = lib.autograd.grad((h * h).sum(), h)
        ga, = lib.autograd.grad(h.sum(), a)
        errors = []
        for inputs in ([], [a, lib.ones(2, requires_grad=True)]):
            with pytest.raises(RuntimeError) as caught:
                lib.autograd.grad((a * 2).sum(), inputs)
            errors.append(str(caught.value))
        results.append((seen, g.tolist(), gh.tolist(), ga.tolist(), errors))
    assert results[0] == results[1]
