"""Shape ops: views (view, reshape, transpose, permute, squeeze, unsqueeze, expand, flatten) and
joins (cat, stack), with their backward formulas. Views share memory and version counter with
their base, as in PyTorch."""
import numpy as np

from .._dtype import promote_types
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from .base import Tensor, wrap, record, GRAD_ENABLED, view_of, write_out

__all__ = []  # further public ember.xxx functions (the first ones are listed in ember/__init__.py)
METHODS = {}  # further Tensor methods, merged into ops.METHODS

GRADIENTS = {
    "ViewBackward0": lambda g, shape: (g.reshape(shape),),
    "UnsafeViewBackward0": lambda g, shape: (g.reshape(shape),),
    "ReshapeAliasBackward0": lambda g, shape: (g.reshape(shape),),
    "TBackward0": lambda g: (g.t(),),
    "TransposeBackward0": lambda g, d0, d1: (g.transpose(d0, d1),),
    "PermuteBackward0": lambda g, dims: (g.permute(tuple(np.argsort(dims))),),
    "SqueezeBackward0": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward1": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward2": lambda g, shape: (g.reshape(shape),),
    "UnsqueezeBackward0": lambda g, dim: (g.squeeze(dim),),
    "ExpandBackward0": lambda g, shape: (g.sum_to_size(shape),),
    "CatBackward0": lambda g, dim, sizes: tuple(g.narrow(dim, start, n) for start, n in sizes),
    "StackBackward0": lambda g, dim, n: tuple(g.select(dim, i) for i in range(n)),
}
NODES = node_classes(GRADIENTS)
globals().update(NODES)


def _shape_arg(shape):
    """Accept view(2, 3), view((2, 3)), view([2, 3]) and view(ember.Size)."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape must be a sequence of ints, but got {shape!r}") from None


def _infer(shape, numel):
    """Resolve one -1 in `shape` and check that it holds `numel` elements."""
    if -1 in shape:
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    else:
        n = 1
        for s in shape:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            n *= s
        if n != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _contiguous_reshape(a, args):
    """a.reshape(shape) for a contiguous array and a well-formed shape (NumPy's fast path, always a
    view); None where the slower, validating path must decide."""
    if not a.flags.c_contiguous:
        return None
    shape = args[0] if len(args) == 1 and args[0].__class__ is not int else args
    try:
        if min(shape, default=0) < -1:  # NumPy reads any negative size as "infer"; PyTorch only -1
            return None
        r = a.reshape(shape)
    except (ValueError, TypeError):
        return None
    return r if a.size or -1 not in shape else None  # NumPy infers -1 for empty arrays; PyTorch refuses


def view(input, *shape):
    """A view with a new shape; RuntimeError if the memory layout does not allow it (use reshape)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__index__"):
        from .memory import view_as_dtype
        return view_as_dtype(input, shape[0])
    a = input._data
    try:
        r = _contiguous_reshape(a, shape)
        if r is None:
            r = np.reshape(a, _infer(_shape_arg(shape), a.size), copy=False)
    except ValueError:
        _infer(_shape_arg(shape), a.size)  # PyTorch's error for a shape that does not hold a.size elements
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    r = view_of(input, r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, ViewBackward0(), (input,), (a.shape,))
    return r


def reshape(input, *shape):
    """The same data with a new shape: a view when the layout allows it, else a copy."""
    a = input._data
    fast = _contiguous_reshape(a, shape)
    if fast is not None:
        r, node = view_of(input, fast), ViewBackward0
    else:
        shape = _infer(_shape_arg(shape), a.size)
        try:
            r, node = view_of(input, np.reshape(a, shape, copy=False)), ReshapeAliasBackward0
        except ValueError:  # not expressible as a view: copy, then view the copy (as PyTorch records it)
            from .memory import clone
            input = clone(input)
            a = input._data
            r, node = wrap(a.reshape(shape)), UnsafeViewBackward0
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (a.shape,))
    return r


def unsafe_view(input, shape):
    """view() recorded as UnsafeViewBackward0: how PyTorch records the reshape after a folded matmul."""
    a = input._data
    r = view_of(input, a.reshape(shape))
    if GRAD_ENABLED[0] and input._rg:
        record(r, UnsafeViewBackward0(), (input,), (a.shape,))
    return r


def view_as(input, other):
    """view(other.shape)."""
    return view(input, other._data.shape)


def reshape_as(input, other):
    """reshape(other.shape)."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def t(input):
    """Transpose of a tensor of at most 2 dims."""
    a = input._data
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    r = view_of(input, a.T)
    if GRAD_ENABLED[0] and input._rg:
        record(r, TBackward0(), (input,))
    return r


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    a = input._data
    d0, d1 = wrap_dim(dim0, a.ndim), wrap_dim(dim1, a.ndim)
    r = view_of(input, np.swapaxes(a, d0, d1))
    if GRAD_ENABLED[0] and input._rg:
        record(r, TransposeBackward0(), (input,), (d0, d1))
    return r


def permute(input, *dims):
    """Reorder dims (a view)."""
    a = input._data
    dims = _shape_arg(dims)
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {a.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, a.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    r = view_of(input, a.transpose(dims))
    if GRAD_ENABLED[0] and input._rg:
        record(r, PermuteBackward0(), (input,), (dims,))
    return r


def squeeze(input, dim=None):
    """Remove dims of size 1 (all, or the given one(s))."""
    a = input._data
    if dim is None:
        r, node = a.reshape([s for s in a.shape if s != 1]), SqueezeBackward0
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {wrap_dim(d, a.ndim) for d in dims}
        r = a.reshape([s for i, s in enumerate(a.shape) if not (i in dims and s == 1)])
        node = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    r = view_of(input, np.reshape(a, r.shape, copy=False) if not a.flags.c_contiguous else r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (a.shape,))
    return r


def unsqueeze(input, dim):
    """Insert a dim of size 1 at `dim` (a view)."""
    a = input._data
    d = wrap_dim(dim, a.ndim + 1)
    r = view_of(input, np.expand_dims(a, d))
    if GRAD_ENABLED[0] and input._rg:
        record(r, UnsqueezeBackward0(), (input,), (d,))
    return r


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a dim)."""
    a = input._data
    sizes = _shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"expand(ember.{input.dtype.name.capitalize()}Tensor{{{list(a.shape)}}}, "
                           f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor "
                           f"({a.ndim})")
    lead = len(sizes) - a.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            shape.append(s)
            continue
        have = a.shape[i - lead]
        if s == -1:
            s = have
        elif have != s and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({have}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(a.shape)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == a.shape:
        r = view_of(input, a.view())
    else:
        r = view_of(input, _broadcast_view(a, shape))
    if GRAD_ENABLED[0] and input._rg:
        record(r, ExpandBackward0(), (input,), (a.shape,))
    return r


def _broadcast_view(a, shape):
    """`a` broadcast to `shape` as a view: NumPy's broadcast_to without its Python overhead."""
    if a.__class__ is not np.ndarray or not a.flags.c_contiguous or not a.size:
        return np.broadcast_to(a, shape)
    lead = len(shape) - a.ndim
    strides = (0,) * lead + tuple(0 if n != s else st for n, s, st in zip(a.shape, shape[lead:], a.strides))
    return np.ndarray(shape, a.dtype, a, 0, strides)


def expand_as(input, other):
    """expand(other.shape)."""
    return expand(input, other._data.shape)


def narrow(input, dim, start, length):
    """The slice [start, start + length) along `dim` (a view)."""
    d = wrap_dim(dim, input._data.ndim)
    size, start, length = input._data.shape[d], int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, but got {length}")
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    return input[key]


def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed (a view)."""
    d = wrap_dim(dim, input._data.ndim)
    return input[(slice(None),) * d + (index,)]


def _check_joinable(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    return tensors


def _joined_dtype(tensors):
    out = tensors[0].dtype
    for t in tensors[1:]:
        out = promote_types(out, t.dtype)
    return out.np


def _check_cat_shapes(parts, d):
    """PyTorch's error for tensors that cannot be concatenated along dim `d`."""
    ref = parts[0]._data.shape
    for i, t in enumerate(parts):
        s = t._data.shape
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(s)}")
        for k in range(len(ref)):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} "
                                   f"but got size {s[k]} for tensor number {i} in the list.")


def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along an existing dim (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = _check_joinable(tensors, "cat")
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    parts = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ndim = parts[0]._data.ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ndim)
    arrays = [t._data for t in parts]
    dt = arrays[0].dtype
    if any(a.dtype != dt for a in arrays):
        dt = _joined_dtype(parts)
    try:
        r = wrap(np.concatenate(arrays, axis=d, dtype=dt))
    except ValueError:
        _check_cat_shapes(parts, d)
        raise
    if GRAD_ENABLED[0] and any(t._rg for t in tensors):
        sizes, start = [], 0
        for t in tensors:
            n = t._data.shape[d] if t._data.ndim == ndim else 0
            sizes.append((start, n))
            start += n
        record(r, CatBackward0(), tensors, (d, sizes))
    return r if out is None else write_out(out, r, "cat")


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim."""
    tensors = _check_joinable(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty list of Tensors")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(ref) + 1)
    dt = _joined_dtype(tensors)
    r = wrap(np.stack([t._data for t in tensors], axis=d, dtype=dt))
    if GRAD_ENABLED[0] and any(t._rg for t in tensors):
        record(r, StackBackward0(), tensors, (d, len(tensors)))
    return r if out is None else write_out(out, r, "stack")
