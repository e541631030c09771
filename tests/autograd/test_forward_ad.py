"""ember.autograd.forward_ad against torch.autograd.forward_ad: primals and tangents of ~30 ops, several dual
inputs, no_grad, in-place ops, what the user's reverse-mode graph shows, errors, and the forward-mode strategy of
autograd.functional.jacobian / hessian."""
import numpy as np
import pytest
from parity import assert_same_tensor, randn, torch

import ember


def _lib_fw(lib):
    return lib.autograd.forward_ad


def _duals(lib, arrays, tangents):
    fw = _lib_fw(lib)
    return [fw.make_dual(lib.tensor(a), lib.tensor(t)) if t is not None else lib.tensor(a)
            for a, t in zip(arrays, tangents)]


def check_forward(fn, *arrays, tangents=None, no_grad=False, **kw):
    """Run fn(lib, *duals) under a dual level on ember and torch; compare each output's primal and tangent."""
    tangents = tangents if tangents is not None else [randn(*np.shape(a), seed=i + 7) for i, a in enumerate(arrays)]
    results = []
    for lib in (ember, torch):
        fw = _lib_fw(lib)
        with fw.dual_level():
            duals = _duals(lib, arrays, tangents)
            if no_grad:
                with lib.no_grad():
                    out = fn(lib, *duals)
            else:
                out = fn(lib, *duals)
            outs = out if isinstance(out, tuple) else (out,)
            results.append([fw.unpack_dual(o) for o in outs])
    for i, (e, t) in enumerate(zip(*results)):
        assert_same_tensor(e.primal, t.primal, f"primal {i}", check_grad_fn=False, **kw)
        assert (e.tangent is None) == (t.tangent is None), f"tangent {i}: {e.tangent} vs torch {t.tangent}"
        if t.tangent is not None:
            assert_same_tensor(e.tangent, t.tangent, f"tangent {i}", check_grad_fn=False, **kw)


X, Y, V = randn(3, 4), randn(3, 4, seed=1), randn(4, seed=2)
POS = np.abs(randn(3, 4, seed=3)) + 0.5
OPS = {
    "exp": (lambda lib, x: x.exp(), X),
    "sin": (lambda lib, x: lib.sin(x), X),
    "tanh": (lambda lib, x: x.tanh(), X),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), X),
    "log": (lambda lib, x: x.log(), POS),
    "sqrt": (lambda lib, x: x.sqrt(), POS),
    "pow": (lambda lib, x: x ** 3, X),
    "abs": (lambda lib, x: x.abs(), X),
    "add_broadcast": (lambda lib, x, v: x + v, X, V),
    "mul_broadcast": (lambda lib, x, v: x * v, X, V),
    "div": (lambda lib, x, p: x / p, X, POS),
    "sub_scalar": (lambda lib, x: 2.5 - x, X),
    "pow_tensor": (lambda lib, p, x: p ** x, POS, X),
    "maximum": (lambda lib, x, y: lib.maximum(x, y), X, Y),
    "sum_dim_keepdim": (lambda lib, x: x.sum(dim=1, keepdim=True), X),
    "mean": (lambda lib, x: x.mean(0), X),
    "prod": (lambda lib, x: x.prod(1), X),
    "max_dim": (lambda lib, x: x.max(dim=1).values, X),
    "var": (lambda lib, x: x.var(1), X),
    "logsumexp": (lambda lib, x: lib.logsumexp(x, 1), X),
    "norm": (lambda lib, x: x.norm(), X),
    "matmul": (lambda lib, x, w: x @ w, X, randn(4, 2, seed=4)),
    "reshape_transpose": (lambda lib, x: x.reshape(2, 6).t() * 2, X),
    "indexing": (lambda lib, x: x[1:, ::2] + x[[0, 2], 1:3], X),
    "cat_stack": (lambda lib, x, y: (lib.cat([x, y], 1), lib.stack([x, y])), X, Y),
    "softmax": (lambda lib, x: lib.softmax(x, dim=1), X),
    "log_softmax": (lambda lib, x: lib.nn.functional.log_softmax(x, dim=0), X),
    "linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), X, randn(5, 4, seed=5), randn(5, seed=6)),
    "conv2d": (lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1), randn(2, 3, 5, 5),
               randn(4, 3, 3, 3, seed=1), randn(4, seed=2)),
    "relu_gelu": (lambda lib, x: (lib.nn.functional.relu(x), lib.nn.functional.gelu(x)), X),
    "mse_loss": (lambda lib, x, y: lib.nn.functional.mse_loss(x, y), X, Y),
    "cross_entropy": (lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([0, 3, 1])), X),
    "max_pool_layer_norm": (lambda lib, x: lib.nn.functional.layer_norm(lib.nn.functional.max_pool2d(x, 2), (2, 2)),
                            randn(2, 3, 4, 4)),
}


@pytest.mark.parametrize("name", list(OPS))
def test_ops(name):
    fn, *arrays = OPS[name]
    check_forward(fn, *arrays)


def test_tangents_of_several_duals_add_up_and_plain_inputs_have_none():
    check_forward(lambda lib, x, y: (x * y).sin(), X, Y)
    check_forward(lambda lib, x, y: x * y + y, X, Y, tangents=[None, randn(3, 4, seed=9)])
    check_forward(lambda lib, x, y: y * 2, X, Y, tangents=[randn(3, 4, seed=9), None])  # no tangent: None


def test_no_grad_keeps_forward_ad():
    check_forward(lambda lib, x, w: (x @ w).tanh().sum(0), X, randn(4, 2), no_grad=True)
    for lib in (ember, torch):
        fw = _lib_fw(lib)
        w = lib.tensor(randn(3, 4), requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(lib.tensor(X), lib.tensor(Y))
            with lib.no_grad():
                y = w * d
                assert not lib.is_grad_enabled()
                plain = w * 2
            assert not y.requires_grad and y.grad_fn is None and y.is_leaf
            assert not plain.requires_grad and plain.grad_fn is None
            np.testing.assert_allclose(fw.unpack_dual(y).tangent.numpy(), randn(3, 4) * Y)
            assert fw.unpack_dual(plain).tangent is None
            with lib.no_grad():
                w.add_(1)  # a leaf that requires grad, changed in place under no_grad: still a leaf
            assert w.is_leaf and w.requires_grad
        assert lib.is_grad_enabled()


def test_users_graph_is_unaffected():
    for lib in (ember, torch):
        fw = _lib_fw(lib)
        x = lib.tensor(X)
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor(Y))
            assert not d.requires_grad and d.grad_fn is None and d.is_leaf
            y = (d.exp() * 2).sum()
            assert not y.requires_grad and y.grad_fn is None
            assert "grad_fn" not in repr(y) and y.numpy().shape == ()
            with pytest.raises(RuntimeError, match="does not require grad"):
                y.backward()
            assert d.data_ptr() == x.data_ptr()
            xr = lib.tensor(X, requires_grad=True)
            dr = fw.make_dual(xr, lib.tensor(Y))
            assert dr.requires_grad and dr.grad_fn is not None
            z = (dr * d).sum()
            assert z.requires_grad and z.grad_fn.name() == "SumBackward0"
            z.backward()
            np.testing.assert_allclose(xr.grad.numpy(), X)


def test_reverse_mode_over_forward_mode():
    grads = []
    for lib in (ember, torch):
        fw = _lib_fw(lib)
        xr = lib.tensor(X, requires_grad=True)
        with fw.dual_level():
            tangent = fw.unpack_dual((fw.make_dual(xr, lib.tensor(Y)) ** 3).sum()).tangent
            assert tangent.requires_grad
            tangent.backward()
        grads.append(xr.grad)
    assert_same_tensor(*grads, check_grad_fn=False)


def test_inplace_ops_on_duals():
    check_forward(lambda lib, x, y: x.mul_(3).add_(y), X, Y)
    check_forward(lambda lib, x: x.exp().sin_(), X)
    check_forward(lambda lib, x: x.zero_(), X)
    fw = ember.autograd.forward_ad
    with fw.dual_level():
        base = ember.tensor(X)
        base[1].add_(fw.make_dual(ember.tensor(V), ember.tensor(V)))  # through a view: a clear error, for now
        assert not base.requires_grad
        with pytest.raises(RuntimeError, match="nor give a forward AD tangent through it"):
            fw.unpack_dual(base)


def test_nn_modules():
    results = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        fw = _lib_fw(lib)
        net = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(12, 2))
        net.double()
        for p, a in zip(net.parameters(), (randn(3, 2, 3, 3), randn(3), randn(2, 12), randn(2))):
            with lib.no_grad():
                p.copy_(lib.tensor(a))
        with fw.dual_level():
            out = net(fw.make_dual(lib.tensor(randn(2, 2, 4, 4)), lib.tensor(randn(2, 2, 4, 4, seed=5))))
            loss = lib.nn.functional.cross_entropy(out, lib.tensor([1, 0]))
            assert loss.requires_grad
            results.append(fw.unpack_dual(loss))
    assert_same_tensor(results[0].primal, results[1].primal, "primal", check_grad_fn=False)
    assert_same_tensor(results[0].tangent, results[1].tangent, "tangent", check_grad_fn=False)


def test_unpack_dual_and_levels():
    for lib in (ember, torch):
        fw = _lib_fw(lib)
        x, t = lib.tensor(X), lib.tensor(Y)
        assert fw.unpack_dual(x).tangent is None
        with fw.dual_level() as level:
            assert level == 0
            d = fw.make_dual(x, t)
            unpacked = fw.unpack_dual(d)
            assert type(unpacked).__name__ == "UnpackedDualTensor" and unpacked.tangent is t
            assert fw.unpack_dual(unpacked.primal).tangent is None
            assert fw.unpack_dual(x).tangent is None
            y = d * 2
            y2 = (d * 3).detach_()
            assert fw.unpack_dual(y2).tangent is None and fw.unpack_dual(d.detach()).tangent is None
        assert fw.unpack_dual(d).tangent is None and fw.unpack_dual(y).tangent is None
        assert fw.enter_dual_level() == 0
        fw.exit_dual_level()


def _error(fn):
    messages = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as info:
            fn(lib, _lib_fw(lib))
        messages.append((type(info.value), str(info.value)))
    assert messages[0][0] is messages[1][0], messages
    return messages[0][1]


def test_errors():
    assert _error(lambda lib, fw: fw.make_dual(lib.tensor(X), lib.tensor(Y))) == (
        "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first.")
    assert _error(lambda lib, fw: fw.exit_dual_level()) == "Dual level must be a positive number."

    def nested(lib, fw):
        with fw.dual_level(), fw.dual_level():
            pass
    assert _error(nested) == "Nested forward mode AD is not supported at the moment"

    def wrong_shape(lib, fw):
        with fw.dual_level():
            fw.make_dual(lib.tensor(X), lib.tensor(V))
    assert "Tensor is of size [3, 4] while the given forward gradient is of size [4]" in _error(wrong_shape)

    def integer(lib, fw):
        with fw.dual_level():
            fw.make_dual(lib.tensor([1, 2]), lib.tensor([1.0, 2.0]))
    assert _error(integer).startswith("Expected primal to be floating point or complex, but got: ")

    def twice(lib, fw):
        with fw.dual_level():
            fw.make_dual(fw.make_dual(lib.tensor(X), lib.tensor(Y)), lib.tensor(Y))
    assert "already has a forward gradient" in _error(twice)


def test_functional_forward_mode_strategy():
    for fn, inputs in ((lambda p: (p.exp(), p.sum()), (X[0],)), (lambda p, q: p * q.sin(), (X[0], Y[0]))):
        results = []
        for lib in (ember, torch):
            args = tuple(lib.tensor(a) for a in inputs)
            args = args if len(args) > 1 else args[0]
            results.append(lib.autograd.functional.jacobian(fn, args, strategy="forward-mode", vectorize=True))
        for e, t in zip(_leaves(results[0]), _leaves(results[1])):
            assert_same_tensor(e, t, check_grad_fn=False)
    results = [lib.autograd.functional.hessian(lambda a, b: (a ** 3).sum() * b.sum(), (lib.tensor(V), lib.tensor(V)),
                                               outer_jacobian_strategy="forward-mode", vectorize=True)
               for lib in (ember, torch)]
    for e, t in zip(_leaves(results[0]), _leaves(results[1])):
        assert_same_tensor(e, t, check_grad_fn=False)
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        ember.autograd.functional.jacobian(lambda a: a, ember.tensor(V), strategy="forward-mode")


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


MULTI_OUTPUT = {
    "var_mean": lambda lib, x: lib.var_mean(x, 1), "std_mean": lambda lib, x: lib.std_mean(x, 0),
    "aminmax": lambda lib, x: tuple(lib.aminmax(x, dim=1)), "chunk": lambda lib, x: x.chunk(2, 1),
    "unbind": lambda lib, x: x.unbind(0), "split": lambda lib, x: x.split([1, 2], 1),
    "slogdet": lambda lib, x: tuple(lib.linalg.slogdet(x @ x.mT + lib.eye(3, dtype=x.dtype))),
    "qr": lambda lib, x: tuple(lib.linalg.qr(x)),
    "eigh": lambda lib, x: tuple(lib.linalg.eigh(x @ x.mT + lib.eye(3, dtype=x.dtype))),
    "svd values": lambda lib, x: (lib.linalg.svd(x).S,),
    "lu": lambda lib, x: tuple(lib.linalg.lu(x))[1:],
}


@pytest.mark.parametrize("name", MULTI_OUTPUT)
def test_every_output_of_a_multi_output_op_has_its_tangent(name):
    """Outputs after the first got no forward AD marks: their tangents read 0 and their primals showed a grad_fn."""
    x, t = randn(3, 3), randn(3, 3, seed=1)
    results = []
    for lib in (ember, torch):
        fwAD = __import__(f"{lib.__name__}.autograd.forward_ad", fromlist=["_"])
        with fwAD.dual_level():
            outs = MULTI_OUTPUT[name](lib, fwAD.make_dual(lib.tensor(x), lib.tensor(t)))
            results.append([(fwAD.unpack_dual(o).tangent.numpy(force=True), o.requires_grad) for o in outs])
    for (mine, rg_mine), (theirs, rg_theirs) in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)
        assert rg_mine == rg_theirs
