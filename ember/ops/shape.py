"""Shape ops: views (view, reshape, transpose, permute, squeeze, unsqueeze, expand, flatten, split,
chunk, unbind, movedim, unflatten, diagonal) and joins (cat, stack), with their backward formulas.
Views share memory and version counter with their base, as in PyTorch."""
import operator

import numpy as np

from .._creation import _int, _type_error, varargs_keyword, zeros
from .._dtype import promote_types, scalar_type_name
from .._layout import contiguous_format
from .._tensor import dims_of, is_one_dim, wrap_dim
from ..autograd.grad_mode import no_grad
from ..autograd.graph import FunctionNode, node_classes
from ..backend import array_module, c_order, reshape_view
from .autocast import AUTOCAST_OPS, autocast_call
from .base import (
    GRAD_ENABLED,
    Tensor,
    check_inplace,
    record,
    record_outputs,
    tensor_type_error,
    view_of,
    wrap,
    write_out,
)
from .indexing import NODES as INDEXING_NODES
from .keywords import REQUIRED, numpy_keywords, required_dim
from .memory import clone, view_as_dtype
from .views import share_inplace

__all__ = []  # further public ember.xxx functions (the first ones are listed in ember/__init__.py)
METHODS = {}  # further Tensor methods, merged into ops.METHODS

GRADIENTS = {
    "ViewBackward0": lambda g, shape: (g.reshape(shape),),
    "UnsafeViewBackward0": lambda g, shape: (g.reshape(shape),),
    "ReshapeAliasBackward0": lambda g, shape: (g.reshape(shape),),
    "TBackward0": lambda g: (g.t(),),
    "TransposeBackward0": lambda g, d0, d1: (g.transpose(d0, d1),),
    "PermuteBackward0": lambda g, dims: (g.permute(tuple(sorted(range(len(dims)), key=dims.__getitem__))),),
    "SqueezeBackward0": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward1": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward2": lambda g, shape: (g.reshape(shape),),
    "UnsqueezeBackward0": lambda g, dim: (g.squeeze(dim),),
    "ExpandBackward0": lambda g, shape: (g.sum_to_size(shape),),
    "CatBackward0": lambda g, dim, sizes: tuple(g.narrow(dim, start, n) for start, n in sizes),
    "StackBackward0": lambda g, dim, n: tuple(g.select(dim, i) for i in range(n)),
    "DiagonalBackward0": lambda g, shape, offset, d1, d2: (
        zeros_with_diagonal(g, shape, offset, d1, d2, NODES.DiagonalBackwardBackward0),),
    "DiagonalBackwardBackward0": lambda g, offset, d1, d2: (diagonal(g, offset, d1, d2),),
    # the in-place forms (unsqueeze_, squeeze_, t_, transpose_) change the tensor's shape, not its values
    "UnsqueezeBackward1": lambda g, dim: (g.squeeze(dim),),
    "SqueezeBackward3": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward4": lambda g, shape: (g.reshape(shape),),
    "SqueezeBackward5": lambda g, shape: (g.reshape(shape),),
    "TBackward1": lambda g: (g.t(),),
    "TransposeBackward1": lambda g, d0, d1: (g.transpose(d0, d1),),
    "UnfoldBackward0": lambda g, shape, dim, size, step: (_unfold_backward(g, shape, dim, size, step),),
}
# ops that return several views take one gradient per view: formula(grads, *saved)
VIEWS_GRADIENTS = {
    "SplitBackward0": lambda grads, shapes, dim: _join_grads(grads, shapes, cat, dim),
    "SplitWithSizesBackward0": lambda grads, shapes, dim: _join_grads(grads, shapes, cat, dim),
    "UnbindBackward0": lambda grads, shapes, dim: _join_grads(grads, shapes, stack, dim),
}


class _ViewsNode(FunctionNode):
    """The node of an op that returns several views (split, unbind): one output, and one gradient, per view."""
    __slots__ = ()

    def apply(self, grads):
        return self.formula(tuple(grads), *self.saved_values())


NODES = node_classes(GRADIENTS)
NODES.update({name: type(name, (_ViewsNode,), {"__slots__": (), "formula": staticmethod(f)})
              for name, f in VIEWS_GRADIENTS.items()})


def _shape_arg(shape):
    """Accept view(2, 3), view((2, 3)), view([2, 3]) and view(ember.Size)."""
    if len(shape) == 1 and not is_one_dim(shape[0]):
        shape = shape[0]
    try:
        return tuple(operator.index(s) for s in shape)
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


def view(input, *shape, **keywords):
    """A view with a new shape; RuntimeError if the memory layout does not allow it (use reshape)."""
    if keywords:
        shape = varargs_keyword("view", shape, keywords, "size")
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__index__"):
        return view_as_dtype(input, shape[0])
    a = input._data
    try:
        r = _contiguous_reshape(a, shape)
        if r is None:
            r = reshape_view(a, _infer(_shape_arg(shape), a.size))
    except ValueError:
        _infer(_shape_arg(shape), a.size)  # PyTorch's error for a shape that does not hold a.size elements
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    r = view_of(input, r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.ViewBackward0(), (input,), (a.shape,))
    return r


def reshape(input, *shape, **keywords):
    """The same data with a new shape: a view when the layout allows it, else a copy."""
    if keywords:
        shape = varargs_keyword("reshape", shape, keywords, "shape")
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("reshape", "input", input) from None
    fast = _contiguous_reshape(a, shape)
    if fast is not None:
        r, node = view_of(input, fast), NODES.ViewBackward0
    else:
        shape = _infer(_shape_arg(shape), a.size)
        try:
            r, node = view_of(input, reshape_view(a, shape)), NODES.ReshapeAliasBackward0
        except ValueError:  # not expressible as a view: copy, then view the copy (as PyTorch records it)
            input = clone(input, memory_format=contiguous_format)
            a = input._data
            r, node = wrap(a.reshape(shape)), NODES.UnsafeViewBackward0
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (a.shape,))
    return r


def unsafe_view(input, shape):
    """view() recorded as UnsafeViewBackward0: how PyTorch records the reshape after a folded matmul."""
    a = input._data
    r = view_of(input, a.reshape(shape))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.UnsafeViewBackward0(), (input,), (a.shape,))
    return r


def view_as(input, other):
    """view(other.shape)."""
    return view(input, other._data.shape)


def reshape_as(input, other):
    """reshape(other.shape)."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    try:
        shape = input._data.shape
    except AttributeError:
        raise tensor_type_error("flatten", "input", input) from None
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
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("t", "input", input) from None
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    r = view_of(input, a.T)
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.TBackward0(), (input,))
    return r


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("transpose", "input", input) from None
    d0, d1 = wrap_dim(dim0, a.ndim), wrap_dim(dim1, a.ndim)
    r = view_of(input, array_module(a).swapaxes(a, d0, d1) if a.ndim else a[...])
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.TransposeBackward0(), (input,), (d0, d1))
    return r


def permute(input, *dims, **keywords):
    """Reorder dims (a view)."""
    if keywords:
        dims = varargs_keyword("permute", dims, keywords, "dims")
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("permute", "input", input) from None
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
        record(r, NODES.PermuteBackward0(), (input,), (dims,))
    return r


def squeeze(input, dim=None, **aliases):
    """Remove dims of size 1 (all, or the given one(s))."""
    if aliases:
        dim = numpy_keywords("squeeze", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("squeeze", "input", input) from None
    if dim is None:
        r, node = a.reshape([s for s in a.shape if s != 1]), NODES.SqueezeBackward0
    else:
        one = is_one_dim(dim)
        dims = {wrap_dim(d, a.ndim) for d in dims_of(dim)}
        r = a.reshape([s for i, s in enumerate(a.shape) if not (i in dims and s == 1)])
        node = NODES.SqueezeBackward1 if one else NODES.SqueezeBackward2
    r = view_of(input, reshape_view(a, r.shape) if not a.flags.c_contiguous else r)
    if GRAD_ENABLED[0] and input._rg:
        record(r, node(), (input,), (a.shape,))
    return r


def unsqueeze(input, dim=REQUIRED, **aliases):
    """Insert a dim of size 1 at `dim` (a view)."""
    if aliases or dim is REQUIRED:
        dim = required_dim("unsqueeze", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("unsqueeze", "input", input) from None
    d = wrap_dim(dim, a.ndim + 1)
    r = view_of(input, array_module(a).expand_dims(a, d))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.UnsqueezeBackward0(), (input,), (d,))
    return r


def expand(input, *sizes, **keywords):
    """Broadcast to a larger shape without copying (-1 keeps a dim)."""
    if keywords:
        sizes = varargs_keyword("expand", sizes, keywords, "size")
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
        record(r, NODES.ExpandBackward0(), (input,), (a.shape,))
    return r


def _broadcast_view(a, shape):
    """`a` broadcast to `shape` as a writable view (NumPy's broadcast_to gives a read-only one)."""
    if type(a) is not np.ndarray:  # a CuPy array, or a vmap BatchedArray (which has a rule for broadcast_to)
        return array_module(a).broadcast_to(a, shape)
    lead = len(shape) - a.ndim
    strides = (0,) * lead + tuple(0 if n != s else st for n, s, st in zip(a.shape, shape[lead:], a.strides))
    if a.flags.c_contiguous and a.size:
        return np.ndarray(shape, a.dtype, a, 0, strides)  # host: a is a NumPy array (its type checked above)
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=True)  # host: as above


def expand_as(input, other):
    """expand(other.shape)."""
    return expand(input, other._data.shape)


def narrow(input, dim, start, length):
    """The slice [start, start + length) along `dim` (a view), recorded as one SliceBackward0 even where it
    keeps the whole dim, as in PyTorch."""
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, a.ndim)
    size, start, length = input._data.shape[d], int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, but got {length}")
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    r = view_of(input, a[key])
    if GRAD_ENABLED[0] and input._rg:
        record(r, INDEXING_NODES.SliceBackward0(), (input,), (a.shape, key))
    return r


def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed (a view)."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("select", "input", input) from None
    d = wrap_dim(dim, ndim)
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


def cat(tensors, dim=0, *, out=None, **aliases):
    """Concatenate tensors along an existing dim (1-D empty tensors are skipped, as in PyTorch)."""
    if "cat" in AUTOCAST_OPS[0]:
        return autocast_call("cat", cat, tensors, dim, out=out, **aliases)
    if aliases:
        dim = numpy_keywords("cat", aliases, dim)[0]
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
    if any(t._data.dtype != dt for t in tensors):  # skipped empty tensors take part in the promotion too
        dt = _joined_dtype(tensors)
    try:
        r = wrap(c_order(array_module(arrays[0]).concatenate(arrays, axis=d, dtype=dt)))
    except ValueError:
        _check_cat_shapes(parts, d)
        raise
    if GRAD_ENABLED[0] and any(t._rg for t in tensors):
        sizes, start = [], 0
        for t in tensors:
            n = t._data.shape[d] if t._data.ndim == ndim else 0
            sizes.append((start, n))
            start += n
        record(r, NODES.CatBackward0(), tensors, (d, sizes))
    return r if out is None else write_out(out, r, "cat")


def stack(tensors, dim=0, *, out=None, **aliases):
    """Join same-shaped tensors along a new dim."""
    if "stack" in AUTOCAST_OPS[0]:
        return autocast_call("stack", stack, tensors, dim, out=out, **aliases)
    if aliases:
        dim = numpy_keywords("stack", aliases, dim)[0]
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
    r = wrap(c_order(array_module(tensors[0]._data).stack([t._data for t in tensors], axis=d, dtype=dt)))
    if GRAD_ENABLED[0] and any(t._rg for t in tensors):
        record(r, NODES.StackBackward0(), tensors, (d, len(tensors)))
    return r if out is None else write_out(out, r, "stack")


# ---- more views: split family, unbind, movedim, unflatten, diagonal, broadcast_to ----------------------
def _join_grads(grads, shapes, join, dim):
    """The gradient of a multi-view op: each output's gradient (zeros where none arrived) joined along `dim`."""
    ref = next(g._data for g in grads if g is not None)
    xp = array_module(ref)
    parts = [g if g is not None else wrap(xp.zeros_like(ref, shape=s)) for g, s in zip(grads, shapes)]
    return (join(parts, dim),)


def _record_views(views, node, input, saved):
    """Record `views` as outputs 0, 1, ... of one node over `input`, as PyTorch's multi-view ops do."""
    if not views:
        return
    node.n_outputs = len(views)
    record_outputs(views, node, (input,), saved)


def _pieces(input, sizes, d, node_class):
    """Views of `input` cut along dim `d` into consecutive pieces of `sizes`, recorded as one node."""
    a = input._data
    lead = (slice(None),) * d
    views, shapes, start = [], [], 0
    for n in sizes:
        views.append(view_of(input, a[lead + (slice(start, start + n),)]))
        shapes.append(a.shape[:d] + (n,) + a.shape[d + 1:])
        start += n
    if GRAD_ENABLED[0] and input._rg:
        _record_views(views, node_class(), input, (shapes, d))
    return tuple(views)


def split(tensor, split_size_or_sections, dim: int = 0, **aliases) -> tuple:
    """Views of `tensor` cut along `dim` into pieces of split_size (the last may be smaller) or of the given sizes."""
    if aliases:
        dim = numpy_keywords("split", aliases, dim)[0]
    try:
        ndim = tensor._data.ndim
    except AttributeError:
        raise tensor_type_error("split", "tensor", tensor) from None
    if not ndim:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
        return _pieces(tensor, sizes, d, NODES.SplitWithSizesBackward0)
    if isinstance(split_size_or_sections, Tensor) or not hasattr(split_size_or_sections, "__index__"):
        raise TypeError(f"split(): argument 'split_size' must be int or a sequence of ints, but got "
                        f"{type(split_size_or_sections).__name__}")
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    count = max(-(-n // size), 1) if size else 1
    return _pieces(tensor, [size] * (count - 1) + [n - size * (count - 1)], d, NODES.SplitBackward0)


def _split_method(self, split_size, dim: int = 0) -> tuple:
    """Tensor.split(split_size, dim): split()."""
    return split(self, split_size, dim)


def chunk(input, chunks: int, dim: int = 0, **aliases) -> tuple:
    """split() into `chunks` pieces of equal size (the last may be smaller; fewer pieces if the size runs out)."""
    if aliases:
        dim = numpy_keywords("chunk", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("chunk", "input", input) from None
    if not a.ndim:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks.__class__ is not int or dim.__class__ is not int:
        chunks, dim = _int(chunks, "chunk", "chunks", None), _int(dim, "chunk", "dim", None)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = a.shape[wrap_dim(dim, a.ndim)]
    if n == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections, dim: int = 0, **aliases) -> tuple:
    """Views of `input` along `dim`: `sections` near-equal pieces (the first ones one larger), or cut at `indices`."""
    if aliases:
        dim = numpy_keywords("tensor_split", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("tensor_split", "input", input) from None
    if not a.ndim:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg._data.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{scalar_type_name(arg._data.dtype)}")
        if arg._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {arg._data.ndim} dims")
        arg = arg.item() if arg._data.ndim == 0 else arg.tolist()
    d = wrap_dim(dim, a.ndim)
    if isinstance(arg, (list, tuple)):
        cuts = [None] + [int(i) for i in arg] + [None]
    else:
        sections = int(arg)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(a.shape[d], sections)
        cuts = [0]
        for i in range(sections):
            cuts.append(cuts[-1] + q + (i < r))
    lead = (slice(None),) * d
    return tuple(input[lead + (slice(lo, hi),)] for lo, hi in zip(cuts[:-1], cuts[1:]))


def _split_along(input, indices_or_sections, dim, name, min_ndim):
    """hsplit/vsplit/dsplit: tensor_split along `dim` of a tensor of at least `min_ndim` dims, where a number of
    sections must divide the size exactly."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if ndim < min_ndim:
        raise RuntimeError(f"ember.{name} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {ndim} dimensions!")
    if not isinstance(indices_or_sections, (list, tuple)):
        n, s = input._data.shape[dim], _int(indices_or_sections, name, "sections", None, any_shape=True)
        if s == 0 or n % s:
            raise RuntimeError(f"ember.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {s}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 for a 1-D tensor)."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("hsplit", "input", input) from None
    return _split_along(input, indices_or_sections, 0 if ndim == 1 else 1, "hsplit", 1)


def vsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 0 of a tensor of at least 2 dims."""
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections) -> tuple:
    """tensor_split along dim 2 of a tensor of at least 3 dims."""
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


def unbind(input, dim: int = 0, **aliases) -> tuple:
    """The slices along `dim`, that dim removed (views)."""
    if aliases:
        dim = numpy_keywords("unbind", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("unbind", "input", input) from None
    if not a.ndim:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, a.ndim)
    lead = (slice(None),) * d
    views = tuple(view_of(input, a[lead + (i,)]) for i in range(a.shape[d]))
    if GRAD_ENABLED[0] and input._rg:
        shape = a.shape[:d] + a.shape[d + 1:]
        _record_views(views, NODES.UnbindBackward0(), input, ([shape] * len(views), d))
    return views


def _dim_list(dims, ndim):
    """Wrapped dims from an int or a sequence of ints."""
    return [wrap_dim(d, ndim) for d in dims_of(dims)]


def movedim(input, source, destination) -> Tensor:
    """Move the dims `source` to the positions `destination`, the others keeping their order (a view)."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("movedim", "input", input) from None
    src, dst = _dim_list(source, ndim), _dim_list(destination, ndim)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, tuple(o if o is not None else next(rest) for o in order))


def moveaxis(input, source, destination) -> Tensor:
    """movedim, under NumPy's name."""
    if not isinstance(input, Tensor):
        raise tensor_type_error("moveaxis", "input", input)
    return movedim(input, source, destination)


def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dim `dim` into several dims of `sizes` (one may be -1), a view."""
    try:
        shape = input._data.shape
    except AttributeError:
        raise tensor_type_error("unflatten", "input", input) from None
    if not shape:
        raise RuntimeError("unflatten: Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, len(shape))
    sizes = _shape_arg((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer(sizes, shape[d])
    except RuntimeError as e:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                           f"({shape[d]}) in the input tensor ({e})") from None
    return view(input, shape[:d] + sizes + shape[d + 1:])


def broadcast_to(input, size) -> Tensor:
    """expand(size): a view broadcast to `size`."""
    if not isinstance(input, Tensor):
        raise tensor_type_error("broadcast_to", "input", input)
    if not isinstance(size, (list, tuple)):
        raise _type_error("broadcast_to", "size", size, "tuple of ints", None)
    return expand(input, tuple(_int(s, "broadcast_to", "size", None) for s in size))


def _diagonal_dims(ndim, dim1, dim2):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal_view(a, offset, d1, d2):
    """The writable view of array `a`'s diagonal `offset` in the plane (d1, d2), put last."""
    d = a.diagonal(offset, d1, d2)
    if d.__class__ is np.ndarray and a.flags.writeable:
        d.flags.writeable = True  # NumPy's diagonal is read-only (CuPy's is not); PyTorch's is writable
    return d


def zeros_with_diagonal(g, shape, offset, d1, d2, node_class):
    """A zero tensor of `shape` with `g` on its diagonal `offset` in the plane (d1, d2), recorded as `node_class`
    (whose backward takes that diagonal again)."""
    a = g._data
    z = array_module(a).zeros_like(a, shape=shape)
    diagonal_view(z, offset, d1, d2)[...] = a
    r = wrap(z)
    if GRAD_ENABLED[0] and g._rg:
        record(r, node_class(), (g,), (offset, d1, d2))
    return r


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal `offset` of the (dim1, dim2) planes, as the last dim (a view)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("diagonal", "input", input) from None
    d1, d2 = _diagonal_dims(a.ndim, dim1, dim2)
    r = view_of(input, diagonal_view(a, offset, d1, d2))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.DiagonalBackward0(), (input,), (a.shape, offset, d1, d2))
    return r


__all__ += ["split", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit", "unbind", "movedim", "moveaxis",
            "unflatten", "broadcast_to", "diagonal"]
METHODS.update({"split": _split_method, "chunk": chunk, "tensor_split": tensor_split, "hsplit": hsplit,
                "vsplit": vsplit, "dsplit": dsplit, "unbind": unbind, "movedim": movedim, "moveaxis": movedim,
                "unflatten": unflatten, "broadcast_to": broadcast_to, "diagonal": diagonal})


# ---- in-place shape changes and unfold -----------------------------------------------------------
def _reshape_in_place(input, view_op, node, saved):
    """`input` takes the shape of `view_op(input)` in place: its memory stays, its version counts the
    change, and its history gains `node`, as PyTorch records an in-place view op."""
    check_inplace(input, may_overlap=True)
    base = input._base
    if GRAD_ENABLED[0] and input._rg and base is not None and base._rg and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    with no_grad():
        view = view_op(input)
    recording = GRAD_ENABLED[0] and input._rg
    if recording:
        record(input, node, (input,), saved)
    input._data = view._data
    input._vc[0] += 1
    if recording:
        share_inplace(input, False)  # its views now see a tensor of another version
    return input


def unsqueeze_(input, dim):
    """unsqueeze in place."""
    return _reshape_in_place(input, lambda x: unsqueeze(x, dim), NODES.UnsqueezeBackward1(),
                             (dim % (input._data.ndim + 1),))


def squeeze_(input, dim=None, **aliases):
    """squeeze in place."""
    if aliases:
        dim = numpy_keywords("squeeze_", aliases, dim)[0]
    node = (NODES.SqueezeBackward3() if dim is None else NODES.SqueezeBackward4() if is_one_dim(dim)
            else NODES.SqueezeBackward5())
    return _reshape_in_place(input, lambda x: squeeze(x, dim), node, (input._data.shape,))


def t_(input):
    """t in place."""
    return _reshape_in_place(input, _t_in_place, NODES.TBackward1(), ())


def _t_in_place(x):
    if x._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D")
    return t(x)


def transpose_(input, dim0, dim1):
    """transpose in place."""
    n = max(input._data.ndim, 1)
    return _reshape_in_place(input, lambda x: transpose(x, dim0, dim1), NODES.TransposeBackward1(),
                             (dim0 % n, dim1 % n))


def unfold(input, dimension: int, size: int, step: int) -> Tensor:
    """The windows of `size` elements, `step` apart, along `dimension`, as a new last dim (a view)."""
    a = input._data
    flat = a.reshape(1) if a.ndim == 0 else a
    d = wrap_dim(dimension, flat.ndim)
    if size > flat.shape[d]:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {flat.shape[d]} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    n = (flat.shape[d] - size) // step + 1
    shape = flat.shape[:d] + (n,) + flat.shape[d + 1:] + (size,)
    strides = flat.strides[:d] + (flat.strides[d] * step,) + flat.strides[d + 1:] + (flat.strides[d],)
    windows = array_module(a).lib.stride_tricks.as_strided(flat, shape, strides)
    r = view_of(input, windows[0] if a.ndim == 0 else windows)
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.UnfoldBackward0(), (input,), (a.shape, d, size, step))
    return r


def _unfold_backward(g, shape, dim, size, step):
    """Each window's gradient added back at the positions it was taken from."""
    from .scatter import index_add  # cycle: ember.ops.scatter imports this one
    if not shape:
        return g.reshape(())
    n = g._data.shape[dim]
    xp = array_module(g._data)
    positions = (xp.arange(n)[:, None] * step + xp.arange(size)).reshape(-1)
    per_position = g.movedim(-1, dim + 1).flatten(dim, dim + 1)
    return index_add(zeros(shape, dtype=g.dtype, device=g.device), dim, wrap(positions), per_position)


METHODS.update({"unsqueeze_": unsqueeze_, "squeeze_": squeeze_, "t_": t_, "transpose_": transpose_,
                "unfold": unfold})


METHODS.update({"view": view, "reshape": reshape, "view_as": view_as, "reshape_as": reshape_as, "flatten": flatten,
                "t": t, "transpose": transpose, "permute": permute, "squeeze": squeeze, "unsqueeze": unsqueeze,
                "expand": expand, "expand_as": expand_as, "narrow": narrow, "select": select})
