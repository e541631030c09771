"""Gradient checking by finite differences in float64."""
import numpy as np

from .._tensor import Tensor, wrap
from . import forward_ad, grad_mode
from .engine import run_backward


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, check_backward_ad: bool = True, check_forward_ad: bool = False,
              **_ignored) -> bool:
    """Compare autograd's gradients of `func` at `inputs` with central finite differences: those of reverse mode
    (`check_backward_ad`) and of forward mode (`check_forward_ad`)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._rg]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "the them have requires_grad=True.")
    outputs = _as_tuple(func(*inputs))
    if not any(out._rg for out in outputs):  # then none may depend on the inputs (as PyTorch checks)
        for oi, out in enumerate(outputs):
            if out._data.dtype.kind in "fcV" and any(np.any(n != 0) for n in
                                                      _numerical_jacobian(func, inputs, diff, oi, eps)):
                if not raise_exception:
                    return False
                raise GradcheckError("Numerical gradient for function expected to be zero")
    for oi, out in enumerate(outputs):
        if not out._rg:
            continue
        numerical = _numerical_jacobian(func, inputs, diff, oi, eps)
        checks = []
        if check_backward_ad:
            checks.append(("Jacobian", _analytical_jacobian(out, [inputs[i] for i in diff])))
        if check_forward_ad:
            checks.append(("Jacobian computed with forward mode", _forward_jacobian(func, inputs, diff, oi)))
        for what, analytical in checks:
            for k, (a, n) in enumerate(zip(analytical, numerical)):
                if not np.allclose(a, n, rtol=rtol, atol=atol):
                    if not raise_exception:
                        return False
                    raise GradcheckError(f"{what} mismatch for output {oi} with respect to input {diff[k]},\n"
                                         f"numerical:{n}\nanalytical:{a}\n")
    return True


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numerical_jacobian(func, inputs, diff, oi, eps):
    jacobians = []
    with grad_mode.no_grad():
        for i in diff:
            x = inputs[i]._data
            out_size = _as_tuple(func(*inputs))[oi]._data.size
            jac = np.zeros((x.size, out_size))
            for k, idx in enumerate(np.ndindex(x.shape)):  # writes through x, whatever its strides
                orig = x[idx].copy()
                x[idx] = orig + eps
                plus = _as_tuple(func(*inputs))[oi]._data.astype(np.float64).reshape(-1).copy()
                x[idx] = orig - eps
                minus = _as_tuple(func(*inputs))[oi]._data.astype(np.float64).reshape(-1).copy()
                x[idx] = orig
                jac[k] = (plus - minus) / (2 * eps)
            jacobians.append(jac)
    return jacobians


def _analytical_jacobian(out, xs):
    jacs = [np.zeros((x._data.size, out._data.size)) for x in xs]
    for j in range(out._data.size):
        g = np.zeros(out._data.size, out._data.dtype)
        g[j] = 1
        grads = run_backward([out], [wrap(g.reshape(out._data.shape))], retain_graph=True,
                             create_graph=False, inputs=xs, accumulate=False)
        for jac, gx in zip(jacs, grads):
            if gx is not None:
                jac[:, j] = gx._data.reshape(-1)
    return jacs


def _forward_jacobian(func, inputs, diff, oi):
    """The Jacobians of output `oi` by forward mode: one dual input per element, its tangent a column."""
    jacs = []
    for i in diff:
        x = inputs[i]
        jac = None
        for k in range(x._data.size):
            basis = np.zeros(x._data.size, x._data.dtype)
            basis[k] = 1
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(x, wrap(basis.reshape(x._data.shape)))
                out = _as_tuple(func(*(dual if j == i else a for j, a in enumerate(inputs))))[oi]
                tangent = forward_ad.unpack_dual(out).tangent
            if jac is None:
                jac = np.zeros((x._data.size, out._data.size))
            if tangent is not None:
                jac[k] = tangent._data.reshape(-1)
        jacs.append(jac)
    return jacs


def gradgradcheck(func, inputs, grad_outputs=None, **kwargs) -> bool:
    """Check second derivatives: gradcheck of the gradient function built with create_graph."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [wrap(rng.standard_normal(o._data.shape)) for o in _as_tuple(func(*inputs))]

    def first_grads(*args):
        # Recorded even while gradcheck perturbs the inputs under no_grad: these are gradients.
        with grad_mode.enable_grad():
            outputs = _as_tuple(func(*args))
            xs = [a for a in args if isinstance(a, Tensor) and a._rg]
            return tuple(run_backward(list(outputs), list(grad_outputs), retain_graph=True, create_graph=True,
                                      inputs=xs, accumulate=False))

    return gradcheck(first_grads, inputs, **kwargs)
