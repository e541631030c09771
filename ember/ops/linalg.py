"""Products and matrix functions: mm, bmm, matmul, dot, mv, addmm and friends, einsum, tensordot, outer, kron, cross,
trace, multi_dot, matrix_power, and their backward formulas. Decompositions and solvers live in decomposition.py and
are registered from here."""
import math
import operator
import string
import warnings

import numpy as np

from .._creation import _int
from .._dtype import scalar_type_name
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import array_module, is_half, is_half_dtype, widened
from . import decomposition as dec
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    Tensor,
    broadcast_error,
    check_tensor,
    keep_if,
    not_tensor_error,
    record,
    result_dtype,
    tensor_type_error,
    type_name,
    wrap,
    write_out,
    written,
)
from .inplace import generic_inplace
from .keywords import numpy_keywords
from .shape import unsafe_view

__all__ = ["spmm"]  # further public ember.xxx functions (the first ones are listed in ember/__init__.py)
METHODS = {}  # further Tensor methods, merged into ops.METHODS

GRADIENTS = {
    "MmBackward0": lambda g, a, b, b_transposed: (None if b is None else g.mm(b.t()),
                                                  None if a is None else _right_grad(a, g, b_transposed)),
    "BmmBackward0": lambda g, a, b: (None if b is None else g.bmm(b.transpose(1, 2)),
                                     None if a is None else a.transpose(1, 2).bmm(g)),
    "DotBackward0": lambda g, a, b: (None if b is None else g * b, None if a is None else g * a),
    "MvBackward0": lambda g, m, v: (None if v is None else g.unsqueeze(1) * v,
                                    None if m is None else m.t().mv(g)),
    "AddmmBackward0": lambda g, m1, m2, beta, alpha, m2_transposed: (
        g if beta == 1 else g * beta,
        None if m2 is None else _scaled(g.mm(m2.t()), alpha),
        None if m1 is None else _scaled(_right_grad(m1, g, m2_transposed), alpha)),
    "SqueezeBackward4": lambda g, dim: (g.unsqueeze(dim),),
    "VdotBackward0": lambda g, a, b: (None if b is None else g * b, None if a is None else g * a),
    "AddmvBackward0": lambda g, m, v, beta, alpha: (
        g if beta == 1 else g * beta,
        None if v is None else _scaled(g.unsqueeze(1) * v, alpha),
        None if m is None else _scaled(m.t().mv(g), alpha)),
    "AddbmmBackward0": lambda g, b1, b2, beta, alpha: (
        g if beta == 1 else g * beta,
        None if b2 is None else _scaled(g @ b2.mT, alpha),
        None if b1 is None else _scaled(b1.mT @ g, alpha)),
    "BaddbmmBackward0": lambda g, b1, b2, beta, alpha: (
        g if beta == 1 else g * beta,
        None if b2 is None else _scaled(g.bmm(b2.transpose(1, 2)), alpha),
        None if b1 is None else _scaled(b1.transpose(1, 2).bmm(g), alpha)),
    "AddrBackward0": lambda g, v1, v2, beta, alpha: (
        g if beta == 1 else g * beta,
        None if v2 is None else _scaled((g * v2).sum(1), alpha),
        None if v1 is None else _scaled((g * v1.unsqueeze(1)).sum(0), alpha)),
    "TraceBackward0": lambda g, shape: (g * wrap(array_module(g._data).eye(*shape, dtype=g._data.dtype)),),
    "LinalgCrossBackward0": lambda g, a, b, dim: (None if b is None else cross(b, g, dim=dim),
                                                  None if a is None else cross(g, a, dim=dim)),
    "EinsumBackward0": lambda g, subs, out, operands, needed: _einsum_backward(g, subs, out, operands, needed),
}
NODES = node_classes(GRADIENTS)


def _scaled(t, alpha):
    return t if alpha == 1 else t * alpha


def _right_grad(a, g, transposed):
    """The gradient a^T @ g of the right operand of a @ b, laid out as b was: when b is a transposed matrix (a
    Linear's weight.t()), as (g^T @ a)^T, so that the weight's gradient comes out contiguous, no copy needed."""
    return g.t().mm(a).t() if transposed else a.t().mm(g)


def _is_transposed(a) -> bool:
    """Whether a matrix is laid out column by column (the transpose of a contiguous one)."""
    return a.ndim == 2 and a.flags.f_contiguous and not a.flags.c_contiguous


def _type_word(a):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
            "bfloat16": "c10::BFloat16"}.get(a.dtype.name, a.dtype.name)


def _matmul(a, b):
    """a @ b in a's dtype: NumPy multiplies bfloat16 (ml_dtypes) matrices in float32, and the product is rounded
    once, as PyTorch's is."""
    r = a @ b
    return r if r.dtype == a.dtype else r.astype(a.dtype)


def spmm(input, mat2):
    """mm, which PyTorch's spmm is for dense matrices (ember's tensors are all dense)."""
    return mm(input, mat2)


def _check_same_dtype(x, y, first="m1", second="m2"):
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected {first} and {second} to have the same dtype, but got: {_type_word(x)} != "
                           f"{_type_word(y)}")


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors."""
    if "mm" in AUTOCAST_OPS[0]:
        return autocast_call("mm", mm, input, mat2, out=out)
    try:
        a, b = input._data, mat2._data
    except AttributeError:
        raise not_tensor_error("mm", ("input", input), ("mat2", mat2)) from None
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"{'self' if a.ndim != 2 else 'mat2'} must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    r = wrap(_matmul(a, b))
    if GRAD_ENABLED[0] and (input._rg or mat2._rg):
        record(r, NODES.MmBackward0(), (input, mat2),
               (keep_if(input, mat2._rg), keep_if(mat2, input._rg), _is_transposed(b)))
    return r if out is None else write_out(out, r, "mm")


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with equal batch sizes."""
    if "bmm" in AUTOCAST_OPS[0]:
        return autocast_call("bmm", bmm, input, mat2, out=out)
    try:
        a, b = input._data, mat2._data
    except AttributeError:
        raise not_tensor_error("bmm", ("input", input), ("mat2", mat2)) from None
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"batch{1 if a.ndim != 3 else 2} must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_same_dtype(a, b, "batch1", "batch2")
    r = wrap(_matmul(a, b))
    if GRAD_ENABLED[0] and (input._rg or mat2._rg):
        record(r, NODES.BmmBackward0(), (input, mat2), (keep_if(input, mat2._rg), keep_if(mat2, input._rg)))
    return r if out is None else write_out(out, r, "bmm")


def _scale_add(prod, c, beta, alpha):
    """beta * c + alpha * prod, computed in `prod` (a fresh array); c broadcasts to prod's shape, and beta == 0
    ignores c, nan and inf included, as in PyTorch."""
    xp = array_module(prod)
    if alpha != 1:
        xp.multiply(prod, alpha, out=prod, casting="unsafe")
    if beta != 0:
        try:
            xp.add(prod, c if beta == 1 else beta * c, out=prod, casting="unsafe")
        except ValueError:
            raise _expand_error(prod.shape, c.shape) from None
    return prod


def _product_plus(product, a, b, c, beta, alpha):
    """beta * c + alpha * product(a, b); float16 and bfloat16 are computed in float32 and rounded once, as PyTorch does
    (rounding the product first differs from PyTorch by one float16 step in about a quarter of a Linear's
    outputs)."""
    if is_half(a):
        return _scale_add(product(widened(a), widened(b)), widened(c), beta, alpha).astype(a.dtype)
    return _scale_add(product(a, b), c, beta, alpha)


def _expand_error(target, shape):
    """PyTorch's error for expanding `shape` to `target`, naming the first dimension (from the right) that differs."""
    for i in range(1, len(shape) + 1):
        if i > len(target) or shape[-i] not in (1, target[-i]):
            want = target[-i] if i <= len(target) else 1
            return RuntimeError(f"The expanded size of the tensor ({want}) must match the existing size "
                                f"({shape[-i]}) at non-singleton dimension {len(shape) - i}.  Target sizes: "
                                f"{list(target)}.  Tensor sizes: {list(shape)}")
    return RuntimeError(f"cannot expand a tensor of shape {list(shape)} to {list(target)}")


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of equal length."""
    if "dot" in AUTOCAST_OPS[0]:
        return autocast_call("dot", dot, input, tensor, out=out)
    return _dot(input, tensor, NODES.DotBackward0, out, "dot", "tensor")


def vdot(input, other, *, out=None):
    """Inner product of two 1-D tensors, the first conjugated (equal to dot for real tensors)."""
    if "vdot" in AUTOCAST_OPS[0]:
        return autocast_call("vdot", vdot, input, other, out=out)
    try:
        a, b = input._data, other._data
    except AttributeError:
        raise not_tensor_error("vdot", ("input", input), ("other", other)) from None
    if a.ndim == 1 and b.ndim == 1 and a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}")
    return _dot(input.conj(), other, NODES.VdotBackward0, out, "vdot", "other")


def _dot(input, tensor, node_cls, out, name, tensor_arg):
    try:
        a, b = input._data, tensor._data
    except AttributeError:
        raise not_tensor_error(name, ("input", input), (tensor_arg, tensor)) from None
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
                           f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
                           "respectively")
    _check_same_dtype(a, b, "self", "other")
    r = wrap(_matmul(a, b))
    if GRAD_ENABLED[0] and (input._rg or tensor._rg):
        record(r, node_cls(), (input, tensor), (keep_if(input, tensor._rg), keep_if(tensor, input._rg)))
    return r if out is None else write_out(out, r, name)


def mv(input, vec, *, out=None):
    """Product of a 2-D matrix and a 1-D vector."""
    if "mv" in AUTOCAST_OPS[0]:
        return autocast_call("mv", mv, input, vec, out=out)
    try:
        a, b = input._data, vec._data
    except AttributeError:
        raise not_tensor_error("mv", ("input", input), ("vec", vec)) from None
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({b.shape[0]})")
    _check_same_dtype(a, b, "self", "vec")
    r = wrap(_matmul(a, b))
    if GRAD_ENABLED[0] and (input._rg or vec._rg):
        record(r, NODES.MvBackward0(), (input, vec), (keep_if(input, vec._rg), keep_if(vec, input._rg)))
    return r if out is None else write_out(out, r, "mv")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), `input` broadcast to the product's shape."""
    if "addmm" in AUTOCAST_OPS[0]:
        return autocast_call("addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    try:
        a, b, c = mat1._data, mat2._data, input._data
    except AttributeError:
        raise not_tensor_error("addmm", ("input", input), ("mat1", mat1), ("mat2", mat2)) from None
    if a.ndim != 2 or b.ndim != 2:
        name, nd = ("mat1", a.ndim) if a.ndim != 2 else ("mat2", b.ndim)
        raise RuntimeError(f"{name} must be a matrix, got {nd}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    if c.dtype != a.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_type_word(c)} and {_type_word(b)}")
    r = wrap(_product_plus(operator.matmul, a, b, c, beta, alpha))
    if GRAD_ENABLED[0] and (input._rg or mat1._rg or mat2._rg):
        record(r, NODES.AddmmBackward0(), (input, mat1, mat2),
               (keep_if(mat1, mat2._rg), keep_if(mat2, mat1._rg), beta, alpha, _is_transposed(b)))
    return r if out is None else write_out(out, r, "addmm")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, as one BLAS call (addmm) for 2-D input."""
    if "linear" in AUTOCAST_OPS[0]:
        return autocast_call("linear", linear, input, weight, bias)
    if not isinstance(input, Tensor):
        raise tensor_type_error("linear", "input", input)
    try:
        wt = weight.t()
    except AttributeError:
        raise tensor_type_error("linear", "weight", weight, 2) from None
    if bias is None:
        return matmul(input, wt)
    if not isinstance(bias, Tensor):
        raise tensor_type_error("linear", "bias", bias, 3)
    if input.dim() == 2:
        return addmm(bias, input, wt)
    shape = tuple(input.shape)
    out = addmm(bias, input.reshape(-1, shape[-1]), wt)
    return out.view(shape[:-1] + (weight.shape[0],))


def matmul(input, other, *, out=None):
    """Matrix product with PyTorch semantics: dot, mv, mm, or batched with broadcast batch dims.

    The graph follows PyTorch's matmul: 1-D @ 2-D squeezes in place, N-D @ 1-D/2-D folds the batch
    into rows of one mm or mv when that needs no copy, and the rest broadcasts into one bmm.
    """
    if "matmul" in AUTOCAST_OPS[0]:
        return autocast_call("matmul", matmul, input, other, out=out)
    try:
        da, db = input._data.ndim, other._data.ndim
    except AttributeError:
        raise not_tensor_error("matmul", ("input", input), ("other", other)) from None
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        r = dot(input, other)
    elif da == 2 and db == 1:
        r = mv(input, other)
    elif da == 1 and db == 2:
        r = _squeeze_first(mm(input.unsqueeze(0), other))
    elif da == 2 and db == 2:
        r = mm(input, other)
    elif da == 3 and db == 3 and _squeezable(input, other):
        r = matmul(input.squeeze(0), other)
    elif da == 3 and db == 3 and _squeezable(other, input):
        r = matmul(input, other.squeeze(0))
    elif _should_fold(input, other, out is not None):
        r = _fold_matmul(input, other)
    else:
        r = _batched_matmul(input, other)
    return r if out is None else write_out(out, r, "matmul")


def _squeeze_first(t):
    """t.squeeze_(0) on a fresh product, recorded as PyTorch records it (SqueezeBackward4)."""
    r = wrap(t._data[0])
    if GRAD_ENABLED[0] and t._rg:
        record(r, NODES.SqueezeBackward4(), (t,), (0,))
    return r


def _squeezable(t, other):
    """PyTorch drops a batch of one from a 3-D operand that requires grad when the other's batch is larger."""
    return t._rg and t._data.shape[0] == 1 and other._data.shape[0] != 1


def _should_fold(a, b, has_out):
    """PyTorch's choice to fold an N-D @ 1-D/2-D product into one mm/mv instead of a bmm."""
    larger = a._data.ndim >= b._data.ndim
    t1 = a._data if larger else array_module(b._data).swapaxes(b._data, -1, -2)
    small = b if larger else a
    if not (t1.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._rg and not has_out:
        return True
    if a._data.ndim == 2:
        return False
    if t1.size == 0:
        return True
    shape, strides = t1.shape, t1.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(t1.ndim - 1))


def _fold_matmul(input, other):
    """(..., n, k) @ (k, m) or (k,): fold the batch into rows of one mm or mv (or the transposed case)."""
    transpose = other._data.ndim > input._data.ndim
    t1 = other.mT if transpose else input
    t2 = (input.t() if input._data.ndim == 2 else input) if transpose else other
    shape = t1._data.shape[:-1]
    rows = t1.reshape(-1, t1._data.shape[-1])
    if t2._data.ndim == 1:
        return unsafe_view(rows.mv(t2), shape)
    r = unsafe_view(rows.mm(t2), shape + (t2._data.shape[1],))
    return r.mT.contiguous() if transpose else r


def _batched_matmul(input, other):
    """Broadcast the batch dims of both, then one bmm, as PyTorch does (1-D operands become one row/column)."""
    a, b = input._data, other._data
    n = a.shape[-2] if a.ndim > 1 else 1
    p = b.shape[-1] if b.ndim > 1 else 1
    m1, m2 = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise broadcast_error(a.shape[:-2], b.shape[:-2]) from None
    size = math.prod(batch)
    a3 = input.expand(batch + (n, m1)).reshape(size, n, m1)
    if b.ndim == 1:
        r = a3.bmm(other.expand(batch + (m2,)).reshape(size, m2).unsqueeze(2)).squeeze(-1)
    else:
        r = a3.bmm(other.expand(batch + (m2, p)).reshape(size, m2, p))
    return unsafe_view(r, batch + ((n,) if a.ndim > 1 else ()) + ((p,) if b.ndim > 1 else ()))


# ---- more products: addmv, addbmm, baddbmm, addr, outer, inner, kron, tensordot, multi_dot ---------------------------
def _dtype_word(a):
    return scalar_type_name(a.dtype)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec), `input` broadcast to the product's shape."""
    if "addmv" in AUTOCAST_OPS[0]:
        return autocast_call("addmv", addmv, input, mat, vec, beta=beta, alpha=alpha, out=out)
    try:
        a, b, c = mat._data, vec._data, input._data
    except AttributeError:
        raise not_tensor_error("addmv", ("input", input), ("mat", mat), ("vec", vec)) from None
    if a.ndim != 2 or b.ndim != 1 or c.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c.ndim}, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0] or (c.ndim == 1 and c.shape[0] not in (1, a.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({c.shape[0] if c.ndim else 1}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({b.shape[0]})")
    if not c.dtype == a.dtype == b.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_dtype_word(c)}, "
                           f"{_dtype_word(a)}, and {_dtype_word(b)}")
    r = wrap(_product_plus(operator.matmul, a, b, c, beta, alpha))
    if GRAD_ENABLED[0] and (input._rg or mat._rg or vec._rg):
        record(r, NODES.AddmvBackward0(), (input, mat, vec),
               (keep_if(mat, vec._rg), keep_if(vec, mat._rg), beta, alpha))
    return r if out is None else write_out(out, r, "addmv")


def _check_batches(b1, b2):
    if b1.ndim != 3 or b2.ndim != 3:
        raise RuntimeError(f"batch{1 if b1.ndim != 3 else 2} must be a 3D tensor")
    if b1.shape[0] != b2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b1.shape[0]} and "
                           f"{b2.shape[0]}")
    if b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1.shape[0]}, "
                           f"{b1.shape[2]}] but got: [{b2.shape[0]}, {b2.shape[1]}].")


def _check_three_dtypes(c, b1, b2):
    if not c.dtype == b1.dtype == b2.dtype:
        other = b1 if b1.dtype != c.dtype else b2
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_dtype_word(c)} and "
                           f"{_dtype_word(other)}")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (sum over the batch of batch1[i] @ batch2[i]), as one matrix product."""
    if "addbmm" in AUTOCAST_OPS[0]:
        return autocast_call("addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    try:
        b1, b2, c = batch1._data, batch2._data, input._data
    except AttributeError:
        raise not_tensor_error("addbmm", ("input", input), ("batch1", batch1), ("batch2", batch2)) from None
    _check_batches(b1, b2)
    _check_three_dtypes(c, b1, b2)
    n, (batch, m, p) = b1.shape[1], b2.shape
    xp = array_module(b1)
    r = wrap(_product_plus(lambda x, y: xp.swapaxes(x, 0, 1).reshape(n, batch * m) @ y.reshape(batch * m, p),
                           b1, b2, c, beta, alpha))
    if GRAD_ENABLED[0] and (input._rg or batch1._rg or batch2._rg):
        record(r, NODES.AddbmmBackward0(), (input, batch1, batch2),
               (keep_if(batch1, batch2._rg), keep_if(batch2, batch1._rg), beta, alpha))
    return r if out is None else write_out(out, r, "addbmm")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2) for 3-D batches, `input` broadcast to the product's shape."""
    if "baddbmm" in AUTOCAST_OPS[0]:
        return autocast_call("baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    try:
        b1, b2, c = batch1._data, batch2._data, input._data
    except AttributeError:
        raise not_tensor_error("baddbmm", ("input", input), ("batch1", batch1), ("batch2", batch2)) from None
    _check_batches(b1, b2)
    _check_three_dtypes(c, b1, b2)
    r = wrap(_product_plus(operator.matmul, b1, b2, c, beta, alpha))
    if GRAD_ENABLED[0] and (input._rg or batch1._rg or batch2._rg):
        record(r, NODES.BaddbmmBackward0(), (input, batch1, batch2),
               (keep_if(batch1, batch2._rg), keep_if(batch2, batch1._rg), beta, alpha))
    return r if out is None else write_out(out, r, "baddbmm")


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2), with type promotion."""
    if "addr" in AUTOCAST_OPS[0]:
        return autocast_call("addr", addr, input, vec1, vec2, beta=beta, alpha=alpha, out=out)
    try:
        v1, v2, c = vec1._data, vec2._data, input._data
    except AttributeError:
        raise not_tensor_error("addr", ("input", input), ("vec1", vec1), ("vec2", vec2)) from None
    for name, v in (("vec1", v1), ("vec2", v2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    dt = result_dtype(c, array_module(v1).empty(0, result_dtype(v1, v2)))
    if dt.kind in "iub" and (isinstance(alpha, float) or isinstance(beta, float)):
        raise RuntimeError(f"For integral input tensors, argument {'alpha' if isinstance(alpha, float) else 'beta'} "
                           "must not be a floating point number.")
    prod = array_module(v1).multiply.outer(v1.astype(dt, copy=False), v2.astype(dt, copy=False))
    r = wrap(_scale_add(prod, c, beta, alpha))
    if GRAD_ENABLED[0] and (input._rg or vec1._rg or vec2._rg):
        record(r, NODES.AddrBackward0(), (input, vec1, vec2),
               (keep_if(vec1, vec2._rg), keep_if(vec2, vec1._rg), beta, alpha))
    return r if out is None else write_out(out, r, "addr")


def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors: input[i] * vec2[j]."""
    return _outer(input, vec2, out, "outer")


def ger(input, vec2, *, out=None):
    """outer(input, vec2), under its older name."""
    return _outer(input, vec2, out, "ger")


def _outer(input, vec2, out, op):
    check_tensor(op, "input", input, 1)
    check_tensor(op, "vec2", vec2, 2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    r = input.unsqueeze(1) * vec2
    return r if out is None else write_out(out, r, op)


def inner(input, other, *, out=None):
    """Sum of products over the last dims (a scalar product when one input is 0-dim)."""
    check_tensor("inner", "input", input, 1)
    check_tensor("inner", "other", other, 2)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        r = input * other
    elif a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    else:
        r = tensordot(input, other, ([-1], [-1]))
    return r if out is None else write_out(out, r, "inner")


def kron(input, other, *, out=None):
    """Kronecker product: blocks input[i, j, ...] * other."""
    check_tensor("kron", "input", input, 1)
    check_tensor("kron", "other", other, 2)
    a, b = input._data, other._data
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    left = input.reshape([d for x in sa for d in (x, 1)])
    right = other.reshape([d for x in sb for d in (1, x)])
    r = unsafe_view(left * right, tuple(x * y for x, y in zip(sa, sb)))
    return r if out is None else write_out(out, r, "kron")


def _tensordot_dims(a, b, dims):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    return [wrap_dim(d, a.ndim) for d in da], [wrap_dim(d, b.ndim) for d in db]


def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b (an int: the last `dims` of a with the first of b; or two lists)."""
    if "tensordot" in AUTOCAST_OPS[0]:
        return autocast_call("tensordot", tensordot, a, b, dims, out)
    try:
        x, y = a._data, b._data
    except AttributeError:
        raise not_tensor_error("tensordot", ("a", a), ("b", b)) from None
    da, db = _tensordot_dims(x, y, dims)
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {x.shape[i]} in dim {i} "
                               f"and second has size {y.shape[j]} in dim {j}")
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    free_a = [i for i in range(x.ndim) if i not in da]
    free_b = [j for j in range(y.ndim) if j not in db]
    k = math.prod(x.shape[i] for i in da)
    left = a.permute(free_a + da).reshape(math.prod(x.shape[i] for i in free_a), k)
    right = b.permute(db + free_b).reshape(k, math.prod(y.shape[j] for j in free_b))
    r = left.mm(right).view(tuple(x.shape[i] for i in free_a) + tuple(y.shape[j] for j in free_b))
    return r if out is None else write_out(out, r, "tensordot")


def _check_chain(tensors, name):
    """PyTorch's TypeErrors for a chain of matrices that is not a list or tuple of Tensors."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type_name(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type_name(t)}")


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order; the first and last may be vectors."""
    if "multi_dot" in AUTOCAST_OPS[0]:
        return autocast_call("multi_dot", multi_dot, tensors, out=out)
    _check_chain(tensors, "linalg_multi_dot")
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        d = t._data.ndim
        if (i in (0, n - 1) and d not in (1, 2)) or (0 < i < n - 1 and d != 2):
            where = "the first tensor" if i == 0 else "the last tensor" if i == n - 1 else f"tensor {i}"
            raise RuntimeError(f"multi_dot(): {where} must be {'1D or 2D' if i in (0, n - 1) else '2D'} but got "
                               f"{d}D")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_type_word(tensors[0]._data)} and tensor {i} {_type_word(t._data)}")
    mats = list(tensors)
    first_vector, last_vector = mats[0]._data.ndim == 1, mats[-1]._data.ndim == 1
    if first_vector:
        mats[0] = mats[0].unsqueeze(0)
    if last_vector:
        mats[-1] = mats[-1].unsqueeze(1)
    for i in range(n - 1):
        p, q = mats[i]._data.shape, mats[i + 1]._data.shape
        if p[1] != q[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    order = _chain_order([m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]])
    r = _chain_product(mats, order, 0, n - 1)
    shape = r._data.shape[1 if first_vector else 0:]
    r = r.view(shape[:-1] if last_vector else shape)
    return r if out is None else write_out(out, r, "linalg.multi_dot")


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (the classic matrix-chain program)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain_product(mats, split, i, k).mm(_chain_product(mats, split, k + 1, j))


def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in PyTorch in favour of linalg.multi_dot)."""
    if "chain_matmul" in AUTOCAST_OPS[0]:
        return autocast_call("chain_matmul", chain_matmul, *matrices, out=out)
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    _check_chain(matrices, "chain_matmul")
    for t in matrices:
        if t._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t._data.ndim}, expected 2 instead.")
    r = matrices[0].clone() if len(matrices) == 1 else multi_dot(matrices)
    return r if out is None else write_out(out, r, "chain_matmul")


# ---- cross, trace, matrix_power --------------------------------------------------------------------------------------
def cross(input, other, *, dim=-1, out=None, **aliases):
    """Cross product of 3-vectors along `dim`, the other dims broadcast (ember.linalg.cross)."""
    if aliases:
        dim = numpy_keywords("cross", aliases, dim)[0]
    try:
        a, b = input._data, other._data
    except AttributeError:
        raise not_tensor_error("linalg_cross", ("input", input), ("other", other)) from None
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_word(a)} but found {_dtype_word(b)}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    xp = array_module(a)
    r = wrap(xp.ascontiguousarray(xp.cross(a, b, axis=d)))
    if GRAD_ENABLED[0] and (input._rg or other._rg):
        record(r, NODES.LinalgCrossBackward0(), (input, other),
               (keep_if(input, other._rg), keep_if(other, input._rg), d))
    return r if out is None else write_out(out, r, "linalg.cross")




def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    if "trace" in AUTOCAST_OPS[0]:
        return autocast_call("trace", trace, input)
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("trace", "input", input) from None
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if a.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    xp = array_module(a)
    r = wrap(xp.trace(a, dtype=np.int64 if a.dtype.kind in "iu" else a.dtype))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.TraceBackward0(), (input,), (a.shape,))
    return r


def matrix_power(input, n, *, out=None):
    """The n-th power of each square matrix (n < 0 inverts first; n == 0 gives identities), by repeated squaring."""
    check_tensor("matrix_power", "input", input, 1)
    n = _int(n, "matrix_power", "n", 2)
    a = input._data
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {a.shape[-2]} "
                           f"by {a.shape[-1]} matrices")
    if n == 0:
        return written(input.clone().copy_(wrap(array_module(a).eye(a.shape[-1], dtype=a.dtype))), out, "matrix_power")
    if n < 0:
        input, n = dec.inv(input), -n
        if n == 1:
            return written(input, out, "matrix_power")
    if n == 1:
        return written(input.clone(), out, "matrix_power")
    result, z = None, input
    while True:
        if n & 1:
            result = z if result is None else matmul(result, z)
        n >>= 1
        if not n:
            return written(result, out, "matrix_power")
        z = matmul(z, z)


# ---- einsum ----------------------------------------------------------------------------------------------------------
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _sublist_equation(args):
    """einsum(op1, sublist1, op2, sublist2, ..., [out_sublist]) as an equation string and the operands."""
    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)
    n = len(args) // 2
    equation = ",".join(letters(s) for s in args[1:2 * n:2])
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, args[0:2 * n:2]


def _parse_einsum(equation, arrays):
    """Subscripts of each operand and of the output, with ellipses spelled out as letters the equation leaves free,
    checked as PyTorch checks them."""
    for i, c in enumerate(equation):
        if not (c in _LETTERS or c in ",.-> "):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                               "must be in [a-zA-Z]")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(arrays):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(arrays):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in eq]
    n_ell = max([a.ndim - len(t) + 3 for t, a in zip(terms, arrays) if "..." in t] or [0])
    ell = "".join(free[:n_ell])
    subs = []
    for i, (t, a) in enumerate(zip(terms, arrays)):
        if "..." in t:
            k = a.ndim - len(t) + 3
            if k < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(t) - 3}) is more than "
                                   f"the number of dimensions ({a.ndim}) for operand {i}")
            t = t.replace("...", ell[len(ell) - k:])
        elif len(t) != a.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(t)}) does not match the "
                               f"number of dimensions ({a.ndim}) for operand {i} and no ellipsis was given")
        if "." in t:
            raise RuntimeError(f"einsum(): found '.' for operand {i} that is not part of any ellipsis")
        subs.append(t)
    used = "".join(subs)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if c not in used:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    else:
        out = ell + "".join(sorted(c for c in set(used) if c not in ell and used.count(c) == 1))
    _einsum_sizes(subs, arrays)
    return subs, out


def _einsum_sizes(subs, arrays):
    """The size of each subscript; sizes of 1 broadcast, other differences are errors."""
    sizes = {}
    for i, (s, a) in enumerate(zip(subs, arrays)):
        for c, n in zip(s, a.shape):
            if s.count(c) > 1 and n != a.shape[s.index(c)]:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                   f"{a.shape[s.index(c)]} != {n}")
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {seen}")
            sizes[c] = max(seen, n)
    return sizes


def einsum(*args):
    """Einstein summation: einsum('ij,jk->ik', a, b), operands as a list, or the sublist format.

    Differs from PyTorch in the graph: the result's grad_fn is one EinsumBackward0 node (PyTorch records the
    permutes, products and views it reduces the equation to); values and gradients agree.
    """
    if "einsum" in AUTOCAST_OPS[0]:
        return autocast_call("einsum", einsum, *args)
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = operands[0]
    else:
        equation, operands = _sublist_equation(args)
    operands = tuple(operands)
    arrays = [t._data for t in operands]
    for t in operands[1:]:
        if t._data.dtype != arrays[0].dtype:
            raise RuntimeError(f"expected scalar type {_dtype_word(arrays[0])} but found {_dtype_word(t._data)}")
    subs, out = _parse_einsum(equation, arrays)
    dt = arrays[0].dtype
    if is_half_dtype(dt):  # NumPy has no bfloat16 einsum: in float32, rounded once
        arrays = [widened(a) for a in arrays]
    r = array_module(arrays[0]).einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2)
    r = wrap(r.copy() if len(arrays) == 1 and r.dtype == dt else r.astype(dt, copy=False))  # 1 operand: maybe a view
    if GRAD_ENABLED[0] and any(t._rg for t in operands):
        needed = tuple(t._rg for t in operands)
        record(r, NODES.EinsumBackward0(), operands, (tuple(subs), out, operands, needed))
    return r


def _einsum_backward(g, subs, out, operands, needed):
    """The gradient of each operand is an einsum of g with the other operands. Subscripts an operand repeats
    (diagonals) or sums alone become identity and ones operands, so one einsum gives the whole gradient."""
    grads = []
    xp = array_module(g._data)
    for k, s in enumerate(subs):
        if not needed[k]:
            grads.append(None)
            continue
        others = [subs[i] for i in range(len(subs)) if i != k]
        terms, tensors = [out] + others, [g] + [operands[i] for i in range(len(subs)) if i != k]
        sizes = _einsum_sizes(terms, [t._data for t in tensors])
        free = iter(c for c in _LETTERS if c not in "".join(subs) + out)
        target = ""
        for c, n in zip(s, operands[k]._data.shape):
            if c in target:  # a repeated subscript: place the gradient on the diagonal
                fresh = next(free)
                terms.append(c + fresh)
                tensors.append(wrap(xp.eye(n, dtype=g._data.dtype)))
                target += fresh
                continue
            if sizes.get(c, 1) != n:  # summed only here (or broadcast from size 1 elsewhere): spread over it
                terms.append(c)
                tensors.append(wrap(xp.ones(n, dtype=g._data.dtype)))
            target += c
        grads.append(einsum(",".join(terms) + "->" + target, *tensors))
    return tuple(grads)


# ---- registration ----------------------------------------------------------------------------------------------------
det, inverse, logdet, pinverse, matrix_exp = dec.det, dec.inv, dec.logdet, dec.pinverse, dec.matrix_exp
addmm_, addmv_, addbmm_ = generic_inplace(addmm), generic_inplace(addmv), generic_inplace(addbmm)
baddbmm_, addr_ = generic_inplace(baddbmm), generic_inplace(addr)

__all__ += ["einsum", "tensordot", "outer", "ger", "kron", "trace", "det", "logdet", "inverse", "matrix_power",
            "addmv", "addbmm", "baddbmm", "addr", "vdot", "inner", "chain_matmul", "matrix_exp", "pinverse"]
METHODS.update({"outer": outer, "ger": ger, "kron": kron, "trace": trace, "det": det, "logdet": logdet,
    "inverse": inverse, "matrix_power": matrix_power, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm,
    "addr": addr, "vdot": vdot, "inner": inner, "matrix_exp": matrix_exp, "pinverse": pinverse, "addmm_": addmm_,
    "addmv_": addmv_, "addbmm_": addbmm_, "baddbmm_": baddbmm_, "addr_": addr_})


METHODS.update({"mm": mm, "bmm": bmm, "matmul": matmul, "dot": dot, "mv": mv, "addmm": addmm})
