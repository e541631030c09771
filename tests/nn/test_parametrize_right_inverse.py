"""register_parametrization against torch: right_inverse first (one tensor, or several: original0, original1, ...),
the consistency checks and their errors, buffers, and removal."""
import numpy as np
import pytest
from parity import assert_same, raises_like_torch, torch

import ember


def _parametrizations(lib):
    """Parametrization classes defined on `lib`'s nn.Module."""
    class Split(lib.nn.Module):
        """weight = a + b, stored as two halves."""
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return w / 2, w / 2

    class Double(lib.nn.Module):
        def forward(self, x):
            return x * 2

    class Flatten(lib.nn.Module):
        def forward(self, x):
            return x.flatten()

    class ToDouble(lib.nn.Module):
        def forward(self, x):
            return x.double()

    class Triple(lib.nn.Module):
        """right_inverse scales by 3: not the inverse of forward, but PyTorch does not check it."""
        def forward(self, x):
            return x

        def right_inverse(self, x):
            return x * 3

    class Reshaped(lib.nn.Module):
        def forward(self, x):
            return x.reshape(2, 2)

        def right_inverse(self, x):
            return x.reshape(4)

    class NoInverse(lib.nn.Module):
        def forward(self, x):
            return x * 2

        def right_inverse(self, x):
            raise NotImplementedError("no inverse")

    class Number(lib.nn.Module):
        def forward(self, x):
            return 3
    return {k: v for k, v in locals().items() if isinstance(v, type)}


def _linear(lib):
    m = lib.nn.Linear(2, 2).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, -2.0], [0.5, 3.0]]))
        m.bias.copy_(lib.tensor([0.25, -1.0]))
    return m


def _both(fn):
    """fn(lib, P, classes) for ember and torch."""
    return [fn(lib, lib.nn.utils.parametrize, _parametrizations(lib)) for lib in (ember, torch)]


def test_right_inverse_with_two_tensors_registers_original0_and_original1():
    def run(lib, P, c):
        m = _linear(lib)
        P.register_parametrization(m, "weight", c["Split"]())
        plist = m.parametrizations.weight
        names = [n for n, _ in m.named_parameters()]
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64)
        m(x).sum().backward()
        grads = [plist.original0.grad, plist.original1.grad]
        m.weight = lib.tensor([[4.0, 4.0], [2.0, 0.0]], dtype=lib.float64)
        return (names, list(m.state_dict()), plist.is_tensor, plist.ntensors, type(plist.original0).__name__,
                plist.original0.requires_grad, m.weight.detach(), grads, plist.original1.detach())
    e, t = _both(run)
    assert_same(list(e), list(t), check_grad_fn=False)


def test_appending_and_removing_with_several_originals():
    def run(lib, P, c):
        m = _linear(lib)
        P.register_parametrization(m, "weight", c["Split"]())
        P.register_parametrization(m, "weight", c["Double"]())
        value = m.weight.detach().clone()
        with pytest.raises(ValueError):
            P.remove_parametrizations(m, "weight", leave_parametrized=False)
        P.remove_parametrizations(m, "weight")
        return value, m.weight.detach(), [n for n, _ in m.named_parameters()], type(m).__name__
    e, t = _both(run)
    assert_same(list(e), list(t), check_grad_fn=False)


def test_single_tensor_right_inverse_keeps_the_parameter_object_where_the_shape_stays():
    for lib in (ember, torch):
        P, c = lib.nn.utils.parametrize, _parametrizations(lib)
        m = _linear(lib)
        w = m.weight
        P.register_parametrization(m, "weight", c["Triple"]())
        assert m.parametrizations.weight.original is w
        np.testing.assert_allclose(m.weight.detach().numpy(), [[3.0, -6.0], [1.5, 9.0]])
        P.register_parametrization(m := _linear(lib), "weight", c["Reshaped"]())
        assert tuple(m.parametrizations.weight.original.shape) == (4,) and tuple(m.weight.shape) == (2, 2)


def test_a_right_inverse_raising_not_implemented_counts_as_the_identity_when_registering():
    for lib in (ember, torch):
        P, c = lib.nn.utils.parametrize, _parametrizations(lib)
        m = _linear(lib)
        before = m.weight.detach().clone()
        P.register_parametrization(m, "weight", c["NoInverse"]())
        np.testing.assert_array_equal(m.parametrizations.weight.original.detach().numpy(), before.numpy())
        with pytest.raises(NotImplementedError):
            m.weight = before


def test_buffers_stay_buffers():
    def run(lib, P, c):
        m = lib.nn.BatchNorm1d(2)
        P.register_parametrization(m, "running_mean", c["Split"]())
        buffers = [n for n, _ in m.named_buffers()]
        P.remove_parametrizations(m, "running_mean")
        return buffers, [n for n, _ in m.named_buffers()], [n for n, _ in m.named_parameters()]
    e, t = _both(run)
    assert e == t


def test_a_failed_registration_leaves_the_module_as_it_was():
    for lib in (ember, torch):
        P, c = lib.nn.utils.parametrize, _parametrizations(lib)
        m = _linear(lib)
        w = m.weight
        with pytest.raises(ValueError):
            P.register_parametrization(m, "weight", c["Flatten"]())
        assert m.weight is w and type(m).__name__ == "Linear" and not P.is_parametrized(m)
        assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]


def _register(cls_name, *args, unsafe=False, first=None, name="weight", make=None, **kwargs):
    """A call registering _parametrizations(lib)[cls_name](*args) (after `first`, if given) on a Linear."""
    def call(lib):
        P, c = lib.nn.utils.parametrize, _parametrizations(lib)
        m = (make or _linear)(lib)
        if first:
            P.register_parametrization(m, name, c[first]())
        return P.register_parametrization(m, name, c[cls_name](*args, **kwargs), unsafe=unsafe)
    return call


BAD = {
    "changes_shape": _register("Flatten"),
    "changes_dtype": _register("ToDouble", make=lambda lib: lib.nn.Linear(2, 2)),
    "returns_a_number": _register("Number"),
    "appended_returns_a_number": _register("Number", first="Double"),
    "appended_changes_shape": _register("Flatten", first="Double"),
    "appended_changes_dtype": _register("ToDouble", first="Double", make=lambda lib: lib.nn.Linear(2, 2)),
    "appended_takes_two_tensors": _register("Split", first="Split"),
    "no_such_tensor": _register("Double", name="nope"),
    "remove_unparametrized": lambda lib: lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(2, 2),
                                                                                       "weight"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_registrations_raise_like_torch(name):
    raises_like_torch(BAD[name])


@pytest.mark.parametrize("back, message, appended", [
    (lambda w: 3, "Got int", "must return a tensor. Got: int"), (lambda w: (w, 3), "element 1", None),
    (lambda w: w.flatten(), "shape", "same shape"), (lambda w: w.float(), "dtype", "same dtype")])
def test_bad_right_inverse_results(back, message, appended):
    """PyTorch's ValueError, registering first or after another parametrization (where right_inverse must give one
    tensor like the parametrized one)."""
    for lib in (ember, torch):
        class Bad(lib.nn.Module):
            def forward(self, *x):
                return x[0]

            def right_inverse(self, w):
                return back(w)
        with pytest.raises(ValueError, match=message):
            lib.nn.utils.parametrize.register_parametrization(_linear(lib), "weight", Bad())
        if appended:
            m = lib.nn.utils.parametrize.register_parametrization(_linear(lib), "weight",
                                                                  _parametrizations(lib)["Double"]())
            with pytest.raises(ValueError, match=appended):
                lib.nn.utils.parametrize.register_parametrization(m, "weight", Bad())


def test_unsafe_registration_skips_the_checks():
    for lib in (ember, torch):
        m = lib.nn.utils.parametrize.register_parametrization(
            _linear(lib), "weight", _parametrizations(lib)["Flatten"](), unsafe=True)
        assert tuple(m.weight.shape) == (4,)
