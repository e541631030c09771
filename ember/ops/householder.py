"""QR in Householder form and products with its Q: geqrf, linalg.householder_product (orgqr) and ormqr.

geqrf runs LAPACK's geqrf (NumPy's raw QR) over the whole batch; like PyTorch, it has no derivative.
householder_product and ormqr apply the reflectors H_i = I - tau_i v_i v_i^T (v_i: 1 at row i, the column below
the diagonal after it) one after another with ember ops, so their gradients, of every order, come by
composition. The loop runs over the k reflectors, not over elements.
"""
from .. import return_types as RT
from .._dtype import scalar_type_name
from .._tensor import Tensor
from ..autograd.graph import no_derivative, node_classes
from ..backend import array_module
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, _MultiNode, check_tensor, record_outputs, wrap, write_out, write_outs
from .decomposition import check_precision
from .shape import cat

NODES = node_classes({})
NODES["GeqrfBackward0"] = type("GeqrfBackward0", (_MultiNode,), {"__slots__": (),
                                                                  "formula": staticmethod(no_derivative(
                                                                      "the derivative for 'geqrf' is not implemented.",
                                                                      NotImplementedError))})


def _check_float_matrix(name: str, kernel: str, t: Tensor) -> None:
    if t.ndim < 2:
        raise RuntimeError(f"torch.{name}: input must have at least 2 dimensions.")
    if t._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{scalar_type_name(t._data.dtype)}'")
    check_precision(t._data, f"{kernel}_cpu")


def geqrf(input: Tensor, *, out=None):
    """(a, tau): R on and above a's diagonal, the Householder vectors below it, and their scales (LAPACK's
    geqrf)."""
    if "geqrf" in AUTOCAST_OPS[0]:
        return autocast_call("geqrf", geqrf, input, out=out)
    check_tensor("geqrf", "input", input, 1)
    _check_float_matrix("geqrf", "geqrf", input)
    xp = array_module(input._data)
    h, tau = xp.linalg.qr(input._data, mode="raw")
    dtype = input._data.dtype
    a = wrap(xp.ascontiguousarray(xp.swapaxes(h, -1, -2), dtype=dtype))
    tau = wrap(xp.ascontiguousarray(tau, dtype=dtype))
    if GRAD_ENABLED[0] and input._rg:
        node = NODES["GeqrfBackward0"]()
        record_outputs((a, tau), node, (input,))
    result = RT.geqrf((a, tau))
    return result if out is None else write_outs(out, result, "geqrf")


def _check_reflectors(name: str, input: Tensor, tau: Tensor) -> None:
    _check_float_matrix(name, "orgqr", input)
    m, n = input.shape[-2:]
    if n > m:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != input.ndim - 1 or tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}: tau dtype {scalar_type_name(tau._data.dtype)} does not match input dtype "
                           f"{scalar_type_name(input._data.dtype)}")


def _reflector(input: Tensor, i: int) -> Tensor:
    """v_i, shaped (..., m, 1): zeros above row i, 1 at row i, input's column i below."""
    below = input[..., i + 1:, i]
    head = below.new_zeros((*below.shape[:-1], i + 1))
    head[..., i] = 1
    return cat((head, below), -1).unsqueeze(-1)


def _apply_reflectors(input: Tensor, tau: Tensor, other: Tensor, transpose: bool) -> Tensor:
    """Q other (or Q^T other), Q = H_0 H_1 ... H_{k-1}, each H_i applied as other - tau_i v_i (v_i^T other)."""
    k = tau.shape[-1]
    order = range(k) if transpose else range(k - 1, -1, -1)
    for i in order:
        v = _reflector(input, i)
        other = other - tau[..., i, None, None] * (v @ (v.mT @ other))
    return other


def householder_product(input: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of Q = H_0 ... H_{k-1} from the reflectors in input's columns and their scales tau."""
    if "linalg_householder_product" in AUTOCAST_OPS[0]:
        return autocast_call("linalg_householder_product", householder_product, input, tau, out=out)
    check_tensor("linalg_householder_product", "input", input, 1)
    check_tensor("linalg_householder_product", "tau", tau, 2)
    _check_reflectors("householder_product", input, tau)
    check_precision(input._data, "orgqr_cpu")
    m, n = input.shape[-2:]
    xp = array_module(input._data)
    eye = wrap(xp.broadcast_to(xp.eye(m, n, dtype=input._data.dtype), tuple(input.shape)).copy())
    q = _apply_reflectors(input, tau, eye, transpose=False)
    return q if out is None else write_out(out, q, "linalg_householder_product")


def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *,
          out=None) -> Tensor:
    """Q input3, Q^T input3, input3 Q or input3 Q^T, with Q (m x m) given in Householder form by geqrf's
    (input, input2)."""
    if "ormqr" in AUTOCAST_OPS[0]:
        return autocast_call("ormqr", ormqr, input, input2, input3, left, transpose, out=out)
    check_tensor("ormqr", "input", input, 1)
    check_tensor("ormqr", "input2", input2, 2)
    check_tensor("ormqr", "input3", input3, 3)
    _check_float_matrix("ormqr", "ormqr", input)
    if input3.ndim < 2:
        raise RuntimeError("torch.ormqr: other must have at least 2 dimensions.")
    m = input.shape[-2]
    side = input3.shape[-2] if left else input3.shape[-1]
    if side != m:
        raise RuntimeError(f"torch.ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    if input2.shape[-1] > min(input.shape[-2:]):
        raise RuntimeError("torch.ormqr: tau.shape[-1] must be less than or equal to input.shape[-1]")
    if left:
        r = _apply_reflectors(input, input2, input3, transpose)
    else:  # X Q = (Q^T X^T)^T and X Q^T = (Q X^T)^T
        r = _apply_reflectors(input, input2, input3.mT, not transpose).mT
    return r if out is None else write_out(out, r, "ormqr")


METHODS = {"geqrf": geqrf, "orgqr": householder_product, "ormqr": ormqr}
