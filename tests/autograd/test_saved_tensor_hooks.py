"""torch.autograd.graph's API on ember, compared with PyTorch: saved tensor hooks (the "Hooks for saved tensors"
tutorial's examples), save_on_cpu, disable_saved_tensors_hooks, grad_fn._saved_<name>, multi-grad hooks, gradient
edges and increment_version."""
import gc
import os

import numpy as np
import pytest
from parity import torch

import ember
from ember.autograd.graph import SAVED_NAMES

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def both(scenario, *args):
    """scenario(lib, *args) on ember and on torch; the two results, compared with `same`."""
    e, t = scenario(ember, *args), scenario(torch, *args)
    same(e, t)
    return e, t


def same(e, t, where="result"):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: ember gave {e!r}"
        assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{where}: {e.dtype} != {t.dtype}"
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{where}: {e!r} != {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(t, float):
        assert e == pytest.approx(t, rel=1e-6), f"{where}: {e!r} != {t!r}"
    else:
        assert e == t, f"{where}: {e!r} != {t!r}"


def arange(lib, *shape, requires_grad=True):
    n = int(np.prod(shape))
    return (lib.arange(n, dtype=lib.float64) / n + 0.5).reshape(shape).requires_grad_(requires_grad)


# ---- saved_tensors_hooks ------------------------------------------------------------------------------------------

def test_the_tutorial_example_packs_each_saved_tensor_once_and_unpacks_it_once_per_use():
    def scenario(lib):
        log = []
        a = lib.ones(5, requires_grad=True)
        b = lib.ones(5, requires_grad=True) * 2
        with lib.autograd.graph.saved_tensors_hooks(lambda x: log.append("pack") or x,
                                                    lambda x: log.append("unpack") or x):
            y = a * b
        packed = list(log)
        y.sum().backward()
        return packed, log[len(packed):], a.grad, b.grad is None
    both(scenario)


@LIBS
def test_the_pack_hook_gets_the_saved_tensor_itself_under_no_grad(lib):
    seen = []

    def pack(t):
        seen.append((t, lib.is_grad_enabled()))
        return t

    x = arange(lib, 3)
    with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        x.pow(2)
        e = x.exp()
    assert seen[0][0] is x and seen[1][0] is e and seen[1][0].grad_fn is e.grad_fn
    assert not seen[0][1] and not seen[1][1]


def test_the_unpack_hook_runs_in_the_grad_mode_of_the_backward():
    def scenario(lib):
        modes = []
        x = arange(lib, 3)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: modes.append(lib.is_grad_enabled()) or t):
            y = x.pow(2).sum()
            z = x.pow(3).sum()
        y.backward()
        lib.autograd.grad(z, x, create_graph=True)
        return modes
    both(scenario)


def test_retained_graph_unpacks_again_and_a_custom_function_packs_what_it_saves():
    def scenario(lib):
        counts = [0, 0]

        def pack(t):
            counts[0] += 1
            return t

        def unpack(t):
            counts[1] += 1
            return t

        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b, None)
                return a * b

            @staticmethod
            def backward(ctx, g):
                a, b, _ = ctx.saved_tensors
                return g * b, g * a

        x = arange(lib, 3)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = x.exp().sum()
            m = Mul.apply(x, lib.ones(3))
        after_forward = list(counts)
        saved = m.grad_fn.saved_tensors
        after_read = list(counts)
        y.backward(retain_graph=True)
        y.backward()
        m.sum().backward()
        return after_forward, after_read, saved[2], list(counts), x.grad
    both(scenario)


def test_hooks_nest_the_innermost_pair_applies_and_each_tensor_unpacks_with_its_own_pair():
    def scenario(lib):
        log = []
        x = arange(lib, 3)
        graph = lib.autograd.graph
        with graph.saved_tensors_hooks(lambda t: log.append("p1") or ("outer", t),
                                       lambda p: log.append("u1") or p[1]):
            a = x.pow(2)
            with graph.saved_tensors_hooks(lambda t: log.append("p2") or ("inner", t),
                                           lambda p: log.append("u2") or p[1]):
                b = a.exp()
            c = b * 3
        c.sum().backward()
        return log, x.grad
    both(scenario)


def test_saving_to_disk_gives_the_same_gradients_and_deletes_the_files(tmp_path):
    """The tutorial's hooks that move saved tensors to disk, on a small network."""
    def scenario(lib):
        files = []

        class SelfDeletingTempFile:
            def __init__(self):
                self.name = str(tmp_path / f"{lib.__name__}-{len(files)}.pt")
                files.append(self.name)

            def __del__(self):
                os.remove(self.name)

        def pack_hook(tensor):
            temp_file = SelfDeletingTempFile()
            lib.save(tensor, temp_file.name)
            return temp_file

        def unpack_hook(temp_file):
            return lib.load(temp_file.name)

        lib.manual_seed(0)
        w1, w2 = arange(lib, 4, 6), arange(lib, 6, 2)
        x = arange(lib, 3, 4, requires_grad=False)
        with lib.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
            y = ((x.mm(w1).relu().mm(w2) * 0.05).tanh() ** 2).sum()
        written = len(files)
        y.backward()
        del y
        gc.collect()
        return written, [os.path.exists(f) for f in files], w1.grad, w2.grad
    e, _ = both(scenario)
    assert e[0] > 0


def test_higher_order_gradients_flow_through_unpacked_tensors():
    def scenario(lib):
        x = arange(lib, 3)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
            y = (x * x * x).sum() + x.exp().sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        return g.requires_grad, g, x.grad
    both(scenario)


def test_hooks_skip_the_version_check_of_what_they_packed():
    def scenario(lib):
        x = arange(lib, 3)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            h = x * 1
            y = h.pow(2)
        with lib.no_grad():
            h.add_(1)
        y.sum().backward()  # computed from the modified h, as PyTorch does
        return x.grad
    both(scenario)


@LIBS
def test_a_pack_hook_that_modifies_its_input_in_place_raises(lib):
    x = arange(lib, 3)
    with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.add_(1), lambda t: t):
            (x * 1).pow(2)


@LIBS
def test_an_unpack_hook_must_return_a_tensor(lib):
    x = arange(lib, 3)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
        y = x.pow(2)
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
        y.sum().backward()


@LIBS
def test_an_unpacked_tensor_of_the_wrong_shape_fails_in_the_formula(lib):
    x = arange(lib, 5)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: lib.ones(3)):
        y = x.pow(2)
    with pytest.raises(RuntimeError):
        y.sum().backward()


@LIBS
def test_an_error_in_a_pack_hook_leaves_no_hooks_behind(lib):
    x = arange(lib, 3)
    with pytest.raises(ZeroDivisionError):
        with lib.autograd.graph.saved_tensors_hooks(lambda t: 1 / 0, lambda t: t):
            x.pow(2)
    assert x.pow(2).grad_fn._saved_self is x


def test_save_on_cpu_gives_the_same_gradients():
    def scenario(lib, pin_memory):
        x, w = arange(lib, 3, 4), arange(lib, 4, 2)
        with lib.autograd.graph.save_on_cpu(pin_memory=pin_memory):
            y = (x.mm(w).sigmoid() * x.sum()).sum()
        y.backward()
        return x.grad, w.grad
    for pin_memory in (False, True):
        e, _ = both(scenario, pin_memory)
        x, w = arange(ember, 3, 4), arange(ember, 4, 2)
        (x.mm(w).sigmoid() * x.sum()).sum().backward()  # without hooks
        assert e[0].equal(x.grad) and e[1].equal(w.grad)


@LIBS
def test_disable_saved_tensors_hooks_raises_its_message_on_entering_hooks(lib):
    graph = lib.autograd.graph
    with graph.disable_saved_tensors_hooks("outer"):
        with graph.disable_saved_tensors_hooks("inner"):
            with pytest.raises(RuntimeError, match="^inner$"):
                with graph.save_on_cpu():
                    pass
        with pytest.raises(RuntimeError, match="^outer$"):
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        with pytest.raises(RuntimeError, match="^hooks are active$"):
            with graph.disable_saved_tensors_hooks("hooks are active"):
                pass
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        pass


def test_allow_mutation_on_saved_tensors_backward_uses_the_values_saved():
    def scenario(lib):
        with lib.autograd.graph.allow_mutation_on_saved_tensors():
            a = lib.ones(2, 3, requires_grad=True)
            b = a.clone()
            out = (b ** 2).sum()
            b.sin_()
            out.sum().backward()
            with pytest.raises(RuntimeError, match="cannot be nested"):
                with lib.autograd.graph.allow_mutation_on_saved_tensors():
                    pass
        return a.grad, b
    both(scenario)


# ---- grad_fn._saved_<name> ----------------------------------------------------------------------------------------

def _cases(lib):
    x = arange(lib, 3, 4)
    o = arange(lib, 3, 4) * 0.5
    w = arange(lib, 4, 2)
    F = lib.nn.functional
    return {
        "mul": x * o, "mul_number": x * 2, "mul_float": x * 2.5, "div": x / o, "div_number": x / 4,
        "mul_one_grad": x * o.detach(), "outer": x[0].outer(o[0]),
        "pow": x.pow(2), "pow_tensor": x.pow(o), "rpow": 2 ** x, "square": x.square(),
        **{name: getattr(x, name)() for name in (
            "exp", "exp2", "expm1", "sigmoid", "tanh", "sqrt", "rsqrt", "reciprocal", "relu", "tan", "log", "log2",
            "log10", "log1p", "sin", "cos", "asin", "acos", "atan", "sinh", "cosh", "asinh", "erf", "erfc", "abs")},
        "atanh": (x * 0.5).atanh(),
        "silu": F.silu(x), "mish": F.mish(x), "hardswish": F.hardswish(x), "hardsigmoid": F.hardsigmoid(x),
        "softmax": x.softmax(1), "log_softmax": x.log_softmax(0), "gelu": F.gelu(x, approximate="tanh"),
        "leaky_relu": F.leaky_relu(x, 0.2), "hardtanh": F.hardtanh(x, -0.5, 0.9), "relu6": F.relu6(x),
        "softplus": F.softplus(x, beta=2.0, threshold=10.0), "elu": F.elu(x, 0.5), "selu": F.selu(x),
        "clamp": x.clamp(0.6, 1.0), "clamp_min": x.clamp(min=0.7), "clamp_tensors": x.clamp(o * 0, o + 1),
        "mm": x.mm(w), "matmul": x @ w, "addmm": lib.addmm(w[0], x, w, beta=0.5, alpha=2.0),
        "linear": F.linear(x, w.t(), w[0]), "bmm": x.unsqueeze(0).bmm(w.unsqueeze(0)), "mv": x.mv(o[0]),
        "dot": x[0].dot(o[0]), "add": x + o, "add_alpha": lib.add(x, o, alpha=3), "sub": x - o,
        "sum": x.sum(), "sum_dim": x.sum(1, keepdim=True), "mean": x.mean(), "mean_dim": x.mean((0, 1)),
        "view": x.view(12), "expand": w[0].expand(3, 2), "reshape": x.reshape(2, 6), "permute": x.permute(1, 0),
        "transpose": x.transpose(0, 1), "unsqueeze": x.unsqueeze(1),
        "maximum": lib.maximum(x, o), "minimum": lib.minimum(x, o), "max": x.max(), "min": x.min(),
        "amax": x.amax(1), "logsumexp": x.logsumexp(0), "prod": x.prod(), "where": lib.where(x > 0.7, x, o),
        "addcmul": lib.addcmul(x, x, o, value=2), "addcdiv": lib.addcdiv(x, x, o, value=0.5),
        "mse_loss": F.mse_loss(x, o),
    }


def test_every_named_node_is_covered_by_the_cases():
    covered = {t.grad_fn.name() for t in _cases(ember).values()}
    assert set(SAVED_NAMES) <= covered, sorted(set(SAVED_NAMES) - covered)


@pytest.mark.parametrize("case", sorted(_cases(ember)))
def test_saved_values_by_name_match_pytorch(case):
    e, t = _cases(ember)[case].grad_fn, _cases(torch)[case].grad_fn
    assert e.name() == t.name()
    names = [n for n in SAVED_NAMES[e.name()] if n]
    assert {f"_saved_{n}" for n in names} <= set(dir(t)), "a name PyTorch's node does not have"
    for name in names:
        a, b = getattr(e, f"_saved_{name}"), getattr(t, f"_saved_{name}")
        if isinstance(b, torch.Tensor) or b is None:
            same(a, b, f"{case}: _saved_{name}")
        elif isinstance(b, str):
            assert a == b, f"{case}: _saved_{name}"
        else:  # numbers, and tuples of them (sizes, dims); ember may hold 6.0 where PyTorch holds 6
            assert np.allclose(a, b) and np.shape(a) == np.shape(b), f"{case}: _saved_{name} {a!r} != {b!r}"


@LIBS
def test_saved_self_is_the_input_and_saved_result_an_equal_tensor(lib):
    x = arange(lib, 5)
    y = x.pow(2)
    assert y.grad_fn._saved_self is x and y.grad_fn._saved_exponent == 2
    y = x.exp()
    result = y.grad_fn._saved_result
    assert result is not y and result.equal(y) and result.grad_fn is y.grad_fn
    with pytest.raises(AttributeError, match="_saved_foo"):
        y.grad_fn._saved_foo


@LIBS
def test_saved_values_are_freed_by_backward_and_checked_for_in_place_changes(lib):
    x = arange(lib, 5)
    y = x.pow(2)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn._saved_self
    h = x * 1
    y = h.sin()
    with lib.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.grad_fn._saved_self


def test_raw_saved_tensor_register_hooks():
    def scenario(lib):
        log = []
        x = arange(lib, 5)
        y = x.pow(2)
        raw = y.grad_fn._raw_saved_self
        raw.register_hooks(lambda t: log.append("pack") or t, lambda t: log.append("unpack") or t)
        errors = []
        for call in (lambda: raw.register_hooks(lambda t: t, lambda t: t),
                     lambda: (x * x.detach()).grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)):
            with pytest.raises(RuntimeError) as info:
                call()
            errors.append(str(info.value))
        unpacked = y.grad_fn._saved_self
        after_read = list(log)
        e = x.exp()
        e.grad_fn._raw_saved_result.register_hooks(lambda t: t.clone(), lambda t: t)
        (y.sum() + e.sum()).backward()
        with pytest.raises(RuntimeError, match="after it has been freed"):
            raw.register_hooks(lambda t: t, lambda t: t)
        with pytest.raises(TypeError):
            x.pow(2).grad_fn._raw_saved_self.register_hooks(1, 2)
        return errors, unpacked is x, unpacked.requires_grad, after_read, log, x.grad
    both(scenario)


# ---- gradient edges, multi-grad hooks, increment_version --------------------------------------------------------

def test_get_gradient_edge_stands_for_its_tensor_in_grad_and_backward():
    def scenario(lib):
        graph = lib.autograd.graph
        x = arange(lib, 3)
        h = x * 2
        y = (h ** 2).sum()
        edge_h, edge_x = graph.get_gradient_edge(h), graph.get_gradient_edge(x)
        assert edge_h.node is h.grad_fn and edge_h.output_nr == 0 and isinstance(edge_h, tuple)
        assert edge_x.node.variable is x and isinstance(edge_x.node, graph.Node)
        by_edge = lib.autograd.grad(y, [edge_x, edge_h], retain_graph=True)
        by_tensor = lib.autograd.grad(y, [x, h], retain_graph=True)
        y.backward(inputs=[edge_x], retain_graph=True)
        from_output = lib.autograd.grad(edge_h, x, grad_outputs=lib.ones(3), retain_graph=True)
        unused = graph.get_gradient_edge(arange(lib, 2))
        with pytest.raises(RuntimeError, match="materialize_grads cannot be used"):
            lib.autograd.grad(y, [unused], materialize_grads=True, retain_graph=True)
        with pytest.raises(RuntimeError, match="does not require gradients"):
            graph.get_gradient_edge(lib.ones(2))
        return by_edge, by_tensor, x.grad, from_output
    both(scenario)


def test_register_multi_grad_hook_modes():
    """The docstring example of register_multi_grad_hook, and mode="any"."""
    def scenario(lib):
        graph = lib.autograd.graph
        calls = []
        a, b = arange(lib, 2, 3), arange(lib, 2, 3) * 1
        c, d = a * b, a * b
        handle = graph.register_multi_grad_hook((a, b, c, d), lambda grads: calls.append(
            [g is not None for g in grads]))
        c.sum().backward(retain_graph=True)
        c.sum().backward(inputs=(a,), retain_graph=True)
        handle.remove()
        c.sum().backward(retain_graph=True)
        graph.register_multi_grad_hook((a, b, c, d), lambda g: calls.append(tuple(g.shape)), mode="any")
        (c.sum() + d.sum()).backward(retain_graph=True)
        c.sum().backward()
        with pytest.raises(ValueError, match="Expects mode to be one of"):
            graph.register_multi_grad_hook((a,), print, mode="foo")
        with pytest.raises(AssertionError):
            graph.register_multi_grad_hook((lib.ones(2),), print)
        return calls
    both(scenario)


def test_increment_version_makes_backward_raise():
    def scenario(lib):
        x = arange(lib, 3)
        h = x * 1
        y = h.pow(2).sum()
        lib.autograd.graph.increment_version([h])
        lib.autograd.graph.increment_version(h)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
        return h._version
    both(scenario)


def test_hooks_around_a_checkpointed_function_give_the_same_gradients():
    def scenario(lib, use_reentrant):
        from_lib = __import__(f"{lib.__name__}.utils.checkpoint", fromlist=["checkpoint"])
        x, w = arange(lib, 4, 3), arange(lib, 3, 2)
        with lib.autograd.graph.save_on_cpu():
            y = from_lib.checkpoint(lambda a: a.mm(w).tanh(), x, use_reentrant=use_reentrant).exp().sum()
        y.backward()
        return x.grad, w.grad
    for use_reentrant in (False, True):
        both(scenario, use_reentrant)
