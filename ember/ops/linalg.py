"""Matrix products: mm, bmm, matmul, dot, mv, addmm, and their backward formulas."""
import numpy as np

from ..autograd.graph import node_classes
from .base import wrap, record, GRAD_ENABLED, write_out, keep_if
from .shape import unsafe_view

__all__ = []  # further public ember.xxx functions (the first ones are listed in ember/__init__.py)
METHODS = {}  # further Tensor methods, merged into ops.METHODS

GRADIENTS = {
    "MmBackward0": lambda g, a, b: (None if b is None else g.mm(b.t()), None if a is None else a.t().mm(g)),
    "BmmBackward0": lambda g, a, b: (None if b is None else g.bmm(b.transpose(1, 2)),
                                     None if a is None else a.transpose(1, 2).bmm(g)),
    "DotBackward0": lambda g, a, b: (None if b is None else g * b, None if a is None else g * a),
    "MvBackward0": lambda g, m, v: (None if v is None else g.unsqueeze(1) * v,
                                    None if m is None else m.t().mv(g)),
    "AddmmBackward0": lambda g, m1, m2, beta, alpha: (
        g if beta == 1 else g * beta,
        None if m2 is None else _scaled(g.mm(m2.t()), alpha),
        None if m1 is None else _scaled(m1.t().mm(g), alpha)),
    "SqueezeBackward4": lambda g, dim: (g.unsqueeze(dim),),
}
NODES = node_classes(GRADIENTS)
globals().update(NODES)


def _scaled(t, alpha):
    return t if alpha == 1 else t * alpha


def _type_word(a):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}[a.dtype.name]


def _check_same_dtype(x, y, first="m1", second="m2"):
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected {first} and {second} to have the same dtype, but got: {_type_word(x)} != "
                           f"{_type_word(y)}")


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"{'self' if a.ndim != 2 else 'mat2'} must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    r = wrap(a @ b)
    if GRAD_ENABLED[0] and (input._rg or mat2._rg):
        record(r, MmBackward0(), (input, mat2), (keep_if(input, mat2._rg), keep_if(mat2, input._rg)))
    return r if out is None else write_out(out, r, "mm")


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with equal batch sizes."""
    a, b = input._data, mat2._data
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"batch{1 if a.ndim != 3 else 2} must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_same_dtype(a, b, "batch1", "batch2")
    r = wrap(np.matmul(a, b))
    if GRAD_ENABLED[0] and (input._rg or mat2._rg):
        record(r, BmmBackward0(), (input, mat2), (keep_if(input, mat2._rg), keep_if(mat2, input._rg)))
    return r if out is None else write_out(out, r, "bmm")


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of equal length."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
                           f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
                           "respectively")
    _check_same_dtype(a, b, "self", "other")
    r = wrap(np.asarray(a @ b))
    if GRAD_ENABLED[0] and (input._rg or tensor._rg):
        record(r, DotBackward0(), (input, tensor), (keep_if(input, tensor._rg), keep_if(tensor, input._rg)))
    return r if out is None else write_out(out, r, "dot")


def mv(input, vec, *, out=None):
    """Product of a 2-D matrix and a 1-D vector."""
    a, b = input._data, vec._data
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({b.shape[0]})")
    _check_same_dtype(a, b, "self", "vec")
    r = wrap(a @ b)
    if GRAD_ENABLED[0] and (input._rg or vec._rg):
        record(r, MvBackward0(), (input, vec), (keep_if(input, vec._rg), keep_if(vec, input._rg)))
    return r if out is None else write_out(out, r, "mv")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), `input` broadcast to the product's shape."""
    a, b = mat1._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"{'mat1' if a.ndim != 2 else 'mat2'} must be a matrix, got {a.ndim if a.ndim != 2 else b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b)
    c = input._data
    if c.dtype != a.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_type_word(c)} and {_type_word(b)}")
    prod = a @ b
    try:
        if alpha != 1:
            prod *= alpha
        if beta != 0:  # beta == 0 ignores input, nan and inf included, as in PyTorch
            prod += c if beta == 1 else beta * c
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({prod.shape[-1]}) must match the existing size "
                           f"({c.shape[-1]}) at non-singleton dimension {c.ndim - 1}.  Target sizes: "
                           f"{list(prod.shape)}.  Tensor sizes: {list(c.shape)}") from None
    r = wrap(prod)
    if GRAD_ENABLED[0] and (input._rg or mat1._rg or mat2._rg):
        record(r, AddmmBackward0(), (input, mat1, mat2),
               (keep_if(mat1, mat2._rg), keep_if(mat2, mat1._rg), beta, alpha))
    return r if out is None else write_out(out, r, "addmm")


def matmul(input, other, *, out=None):
    """Matrix product with PyTorch semantics: dot, mv, mm, or batched with broadcast batch dims.

    The graph follows PyTorch's matmul: 1-D @ 2-D squeezes in place, N-D @ 1-D/2-D folds the batch
    into rows of one mm or mv when that needs no copy, and the rest broadcasts into one bmm.
    """
    da, db = input._data.ndim, other._data.ndim
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
        record(r, SqueezeBackward4(), (t,), (0,))
    return r


def _squeezable(t, other):
    """PyTorch drops a batch of one from a 3-D operand that requires grad when the other's batch is larger."""
    return t._rg and t._data.shape[0] == 1 and other._data.shape[0] != 1


def _should_fold(a, b, has_out):
    """PyTorch's choice to fold an N-D @ 1-D/2-D product into one mm/mv instead of a bmm."""
    larger = a._data.ndim >= b._data.ndim
    t1 = a._data if larger else np.swapaxes(b._data, -1, -2)
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
        from .base import broadcast_error
        raise broadcast_error(a.shape[:-2], b.shape[:-2]) from None
    size = int(np.prod(batch))
    a3 = input.expand(batch + (n, m1)).reshape(size, n, m1)
    if b.ndim == 1:
        r = a3.bmm(other.expand(batch + (m2,)).reshape(size, m2).unsqueeze(2)).squeeze(-1)
    else:
        r = a3.bmm(other.expand(batch + (m2, p)).reshape(size, m2, p))
    return unsafe_view(r, batch + ((n,) if a.ndim > 1 else ()) + ((p,) if b.ndim > 1 else ()))
