"""ember.autograd.gradcheck and gradgradcheck."""
import numpy as np
import pytest
from parity import randn, torch

import ember
from ember.autograd import GradcheckError, gradcheck, gradgradcheck


def t(*shape, seed=0, positive=False):
    x = randn(*shape, seed=seed)
    return ember.tensor(np.abs(x) + 0.5 if positive else x, requires_grad=True)


CASES = {
    "add": (lambda a, b: a + b, [(3, 4), (4,)]), "mul": (lambda a, b: a * b, [(3, 4), (3, 1)]),
    "div": (lambda a, b: a / b, [(3,), "p3"]), "pow": (lambda a, b: a ** b, ["p3", (3,)]),
    "exp": (lambda a: a.exp(), [(3, 2)]), "log": (lambda a: a.log(), ["p4"]), "sqrt": (lambda a: a.sqrt(), ["p4"]),
    "sin": (lambda a: a.sin(), [(4,)]), "tanh": (lambda a: a.tanh(), [(4,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(4,)]), "sum": (lambda a: a.sum(1, keepdim=True), [(3, 4)]),
    "mean": (lambda a: a.mean(0), [(3, 4)]), "prod": (lambda a: a.prod(1), [(2, 3)]),
    "var": (lambda a: a.var(1), [(2, 4)]), "std": (lambda a: a.std(), [(5,)]), "norm": (lambda a: a.norm(3), [(4,)]),
    "amax": (lambda a: a.amax(1), [(3, 4)]), "mm": (lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
    "bmm": (lambda a, b: a.bmm(b), [(2, 2, 3), (2, 3, 2)]), "matmul": (lambda a, b: a @ b, [(2, 1, 3), (3,)]),
    "addmm": (lambda c, a, b: ember.addmm(c, a, b, beta=0.5, alpha=2), [(4,), (2, 3), (3, 4)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), [(5,)]), "where": (lambda a, b: ember.where(a > 0, a, b), [(4,), (4,)]),
    "maximum": (lambda a, b: ember.maximum(a, b), [(4,), (4,)]), "abs": (lambda a: a.abs(), [(4,)]),
    "multi_out": (lambda a: (a.exp(), a * 2), [(3,)]),
}


def make(spec, i):
    if isinstance(spec, str):
        return t(int(spec[1:]), seed=i, positive=True)
    return t(*spec, seed=i)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_passes(name):
    f, specs = CASES[name]
    assert gradcheck(f, [make(s, i) for i, s in enumerate(specs)])


@pytest.mark.parametrize("name", ["mul", "exp", "tanh", "mm", "sigmoid", "pow", "prod", "var"])
def test_gradgradcheck_passes(name):
    f, specs = CASES[name]
    assert gradgradcheck(f, [make(s, i) for i, s in enumerate(specs)])


class WrongExp(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        r = x.exp()
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        return g * r * 1.1


def test_gradcheck_fails_for_wrong_backward():
    x = t(3)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongExp.apply, (x,))
    assert gradcheck(WrongExp.apply, (x,), raise_exception=False) is False
    assert isinstance(GradcheckError("x"), RuntimeError)


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError):
        gradcheck(lambda a: a * 2, (ember.ones(2, dtype=ember.float64),))


@pytest.mark.parametrize("case", ["detached", "constant", "detached second output"])
def test_gradcheck_of_outputs_outside_the_graph_as_torch(case):
    """Where no output requires grad, none may depend on the inputs (a backward that is not differentiable, the
    double-backward tutorial's SinhBad): PyTorch's GradcheckError, or False; beside one that does, it passes."""
    fns = {"detached": lambda lib: lambda x: x.detach() * 2,
           "constant": lambda lib: lambda x: lib.ones(2, dtype=x.dtype),
           "detached second output": lambda lib: lambda x: (x * 2, x.detach() * 2)}
    outcomes = []
    for lib in (ember, torch):
        x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
        try:
            outcomes.append(lib.autograd.gradcheck(fns[case](lib), x))
        except RuntimeError as e:
            outcomes.append(str(e))
        outcomes.append(lib.autograd.gradcheck(fns[case](lib), x, raise_exception=False))
    assert outcomes[:2] == outcomes[2:]
