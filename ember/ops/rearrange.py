"""Ops that rearrange or replicate elements into new memory: flip, roll, rot90, repeat, tile, tril/triu, diag and the
stacking helpers (meshgrid, atleast_nd, hstack, ...), with their backward formulas."""
import operator
import warnings

import numpy as np

from .. import _dtype
from .._layout import contiguous_format
from .._size import Size
from .._tensor import wrap_dim
from ..autograd.graph import node_classes
from ..backend import array_module, c_order, meta
from .base import GRAD_ENABLED, Tensor, broadcast_error, record, tensor_type_error, wrap, write_out
from .indexing import _embed
from .inplace import generic_inplace
from .keywords import numpy_keywords
from .memory import clone
from .scatter import index_select
from .shape import NODES as SHAPE_NODES
from .shape import (
    _diagonal_dims,
    _dim_list,
    _shape_arg,
    cat,
    diagonal,
    diagonal_view,
    expand,
    narrow,
    reshape,
    stack,
    unsqueeze,
    view,
    zeros_with_diagonal,
)

__all__ = ["roll", "flip", "fliplr", "flipud", "rot90", "tile", "repeat_interleave", "diag", "diag_embed", "tril",
           "triu", "meshgrid", "broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d",
           "hstack", "vstack", "row_stack", "dstack", "column_stack", "cartesian_prod", "block_diag", "ravel",
           "narrow_copy"]

GRADIENTS = {
    "RollBackward0": lambda g, shifts, dims: (roll(g, [-s for s in shifts], dims),),
    "FlipBackward0": lambda g, dims: (flip(g, dims),),
    "Rot90Backward0": lambda g, k, dims: (rot90(g, -k, dims),),
    "RepeatBackward0": lambda g, split_shape, repeat_dims: (g.reshape(split_shape).sum(repeat_dims),),
    "DiagEmbedBackward0": lambda g, offset, d1, d2: (diagonal(g, offset, d1, d2),),
    "DiagonalBackward0_copy": lambda g, shape, offset: (
        zeros_with_diagonal(g, shape, offset, 0, 1, SHAPE_NODES.DiagonalBackwardBackward0),),
    "TrilBackward0": lambda g, k: (tril(g, k),),
    "TriuBackward0": lambda g, k: (triu(g, k),),
    "BlockDiagBackward0": lambda g, blocks: tuple(g[r:r + h, c:c + w].reshape(shape)
                                                  for r, c, h, w, shape in blocks),
    "NarrowCopyBackward0": lambda g, shape, key: (_embed(g, shape, key, False, "SliceBackwardBackward0"),),
}
NODES = node_classes(GRADIENTS)


def _copy_result(input, array, node, saved):
    """Wrap the new `array` computed from `input` (in C order, as PyTorch's) and record `node` when input requires
    grad."""
    r = wrap(c_order(array))
    if GRAD_ENABLED[0] and input._rg:
        record(r, node, (input,), saved)
    return r


def roll(input, shifts, dims=None) -> Tensor:
    """Shift elements along `dims` cyclically (over the flattened tensor when dims is None)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("roll", "input", input) from None
    shifts = [int(shifts)] if isinstance(shifts, (int, np.integer)) else [int(s) for s in shifts]
    if isinstance(dims, Tensor):  # a one-element tensor is one dim, as in PyTorch's int[1]
        dims = operator.index(dims)
    if dims is None or (not isinstance(dims, int) and len(dims) == 0):
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return _copy_result(input, array_module(a).roll(a, shifts[0]), NODES.RollBackward0(), (shifts, None))
    if not a.ndim:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dims = _dim_list(dims, a.ndim)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = array_module(a).roll(a, shifts, axis=dims)
    return _copy_result(input, out, NODES.RollBackward0(), (shifts, dims))


def flip(input, dims) -> Tensor:
    """Reverse the order of elements along `dims`, a sequence of dims (a copy)."""
    if isinstance(dims, (int, Tensor)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    return _flip(input, dims)


def _flip_method(self, *dim_args, **dims) -> Tensor:
    """Tensor.flip: the dims as a sequence, or as arguments."""
    if len(dim_args) == 1 and isinstance(dim_args[0], Tensor) and not dims:  # a one-element tensor: one dim
        return _flip(self, (operator.index(dim_args[0]),))
    if dim_args and not dims and not (len(dim_args) == 1 and isinstance(dim_args[0], (list, tuple))):
        return _flip(self, dim_args)
    return flip(self, *dim_args, **dims)


def _flip(input, dims) -> Tensor:
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("flip", "input", input) from None
    dims = _dim_list(dims, a.ndim)
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    out = array_module(a).flip(a, axis=tuple(dims) if a.ndim else ()).copy()
    return _copy_result(input, out, NODES.FlipBackward0(), (dims,))


def fliplr(input) -> Tensor:
    """flip(input, [1]) for a tensor of at least 2 dims."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("fliplr", "input", input) from None
    if ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input) -> Tensor:
    """flip(input, [0]) for a tensor of at least 1 dim."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("flipud", "input", input) from None
    if ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane `dims`, from the first dim towards the second (a copy)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("rot90", "input", input) from None
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if a.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {a.ndim}")
    d0, d1 = _dim_list(dims, a.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    out = array_module(a).rot90(a, k, axes=(d0, d1)).copy()
    return _copy_result(input, out, NODES.Rot90Backward0(), (k, [d0, d1]))


def repeat(input, repeats, *more_repeats) -> Tensor:
    """Tile the tensor `repeats[i]` times along each dim (extra leading repeats add dims)."""
    a = input._data
    sizes = _shape_arg((repeats,) + more_repeats)
    if len(sizes) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    out_shape = tuple(r * s for r, s in zip(sizes, shape))
    if min(sizes, default=0) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out_shape)}: {list(out_shape)}")
    # (1, s0, 1, s1, ...) broadcast into (r0, s0, r1, s1, ...): one copy
    split_shape = tuple(n for pair in zip(sizes, shape) for n in pair)
    out = array_module(a).empty_like(a, shape=split_shape)
    out[...] = a.reshape(tuple(n for s in shape for n in (1, s)))
    out = out.reshape(out_shape)
    return _copy_result(input, out, NODES.RepeatBackward0(), (split_shape, tuple(range(0, 2 * len(sizes), 2))))


def tile(input, dims, *more_dims) -> Tensor:
    """repeat(), with dims padded by leading 1s when there are fewer than the tensor's dims; the method also takes
    the dims as arguments."""
    try:
        ndim = input._data.ndim
    except AttributeError:
        raise tensor_type_error("tile", "input", input) from None
    dims = _shape_arg((dims,) + more_dims)
    return repeat(input, (1,) * (ndim - len(dims)) + dims)


def _repeat_indices(repeats, n, output_size=None):
    """The indices 0..n-1, each i repeated repeats[i] times (repeats: an integer tensor of n or 1 elements); for
    meta repeats, which have no values, `output_size` of them (RuntimeError without it, as PyTorch's)."""
    r = repeats._data
    if r.__class__ is meta.MetaArray:
        if output_size is None:
            raise RuntimeError("cannot repeat_interleave a meta tensor without output_size")
        return meta.empty((output_size,), np.int64)
    if r.dtype.kind not in "iu":
        raise NotImplementedError(f"repeat_interleave is not implemented for repeats of dtype {repeats.dtype}")
    if r.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    xp = array_module(r)
    if r.size == 1:
        r = xp.broadcast_to(r.reshape(1), (n,))
    elif r.size != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = {r.size} "
                           f"and input.size(0) = {n}")
    if r.size and r.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return xp.repeat(xp.arange(n), r)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, **aliases) -> Tensor:
    """Repeat each element `repeats` times along `dim` (of the flattened tensor when dim is None);
    repeat_interleave(repeats) alone gives the indices 0, 1, ... each repeated repeats[i] times."""
    if aliases:
        dim = numpy_keywords("repeat_interleave", aliases, dim)[0]
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("repeat_interleave", "input" if repeats is not None else "repeats", input) from None
    if repeats is None:
        if a.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return wrap(_repeat_indices(input, a.shape[0], output_size).astype(a.dtype))
    x = input.flatten() if dim is None else input
    d = wrap_dim(dim if dim is not None else 0, x._data.ndim)
    n = x._data.shape[d]
    if isinstance(repeats, Tensor):
        index = _repeat_indices(repeats, n, output_size)
        if output_size is not None and output_size != index.size:
            raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {index.size} but got {output_size}")
        return index_select(x, d, wrap(index))
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != n * r:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n * r} but got {output_size}")
    shape = x._data.shape
    expanded = expand(unsqueeze(x, d + 1), shape[:d + 1] + (r,) + shape[d + 1:])
    return view(clone(expanded), shape[:d] + (n * r,) + shape[d + 1:])


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonal `offset` in the plane (dim1, dim2) holds input's last dim, zeros elsewhere."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("diag_embed", "input", input) from None
    d1, d2 = _diagonal_dims(a.ndim + 1, dim1, dim2)
    n = a.shape[-1] + abs(offset)
    shape = list(a.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return zeros_with_diagonal(input, tuple(shape), offset, d1, d2, NODES.DiagEmbedBackward0)


def diag(input, diagonal: int = 0, *, out=None) -> Tensor:
    """A 2-D tensor with the 1-D input on its diagonal `diagonal`, or the diagonal `diagonal` of a 2-D input."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("diag", "input", input) from None
    if a.ndim == 1:
        r = diag_embed(input, diagonal, 0, 1)
    elif a.ndim == 2:
        r = _copy_result(input, diagonal_view(a, diagonal, 0, 1).copy(), NODES.DiagonalBackward0_copy(),
                         (a.shape, diagonal))
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")
    return r if out is None else write_out(out, r, "diag")


def _triangle(input, k, name, node):
    """The array module's `name` (tril or triu) of input's last two dims, keeping diagonal `k`."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error(name, "input", input) from None
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return _copy_result(input, getattr(array_module(a), name)(a, k), node, (k,))


def tril(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims (on and below diagonal `diagonal`), zeros elsewhere."""
    r = _triangle(input, diagonal, "tril", NODES.TrilBackward0())
    return r if out is None else write_out(out, r, "tril")


def triu(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims (on and above diagonal `diagonal`), zeros elsewhere."""
    r = _triangle(input, diagonal, "triu", NODES.TriuBackward0())
    return r if out is None else write_out(out, r, "triu")


tril_ = generic_inplace(tril)
triu_ = generic_inplace(triu)


def _tensor_list(tensors, name):
    """The tensors of a function taking *tensors or one list of them."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected Tensors, but argument {i} is {type(t).__name__}")
    return tensors


def meshgrid(*tensors, indexing: str = None) -> tuple:
    """Grids of coordinates: output i holds tensors[i] along dim i ('ij'), or with dims 0 and 1 swapped ('xy').
    Without `indexing`, warns and uses 'ij', as PyTorch does."""
    tensors = _tensor_list(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("ember.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'ember.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"ember.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                               f"shape {list(t._data.shape)}")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, ax in zip(tensors, axes):
        shape[ax] = t._data.size
    grids = []
    for t, ax in zip(tensors, axes):
        lined = [1] * len(tensors)
        lined[ax] = -1
        grids.append(expand(view(t, lined), shape))
    return tuple(grids)


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of `shapes` (ints or sequences of ints) broadcast to."""
    for s in shapes:
        if not isinstance(s, (int, np.integer, tuple, list)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    shapes = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in shapes]
    for s in shapes:
        for n in s:
            if not isinstance(n, (int, np.integer)):
                raise TypeError(f"broadcast_shapes(): shapes must be ints or sequences of ints, but got {s}")
            if n < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape (a tensor already of that shape is returned as is)."""
    tensors = _tensor_list(tensors, "broadcast_tensors")
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            raise broadcast_error(shape, t._data.shape) from None
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _atleast(t, n):
    """`t` with dims added (as views) until it has at least n: 1-D (k,) becomes (1, k) and (1, k, 1)."""
    ndim = t._data.ndim
    if ndim >= n:
        return t
    if ndim == 0:
        return reshape(t, (1,) * n)
    if ndim == 1:
        t = unsqueeze(t, 0)
    return t if n == 2 else unsqueeze(t, -1)


def _each_atleast(tensors, n, name):
    tensors_given = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    tensors = _tensor_list(tensors, name)
    out = tuple(_atleast(t, n) for t in tensors)
    return out[0] if tensors_given else out


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a tensor for one tensor, else a tuple)."""
    return _each_atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (a tensor for one tensor, else a tuple)."""
    return _each_atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims (a tensor for one tensor, else a tuple)."""
    return _each_atleast(tensors, 3, "atleast_3d")


def _stack_list(tensors, name):
    """The tensors of hstack and friends: a non-empty sequence of Tensors."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not Tensor")
    tensors = _tensor_list((tuple(tensors),), name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors), after atleast_1d."""
    parts = [_atleast(t, 1) for t in _stack_list(tensors, "hstack")]
    return cat(parts, 0 if parts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 0, after atleast_2d."""
    return cat([_atleast(t, 2) for t in _stack_list(tensors, "vstack")], 0, out=out)


def row_stack(tensors, *, out=None) -> Tensor:
    """vstack."""
    return cat([_atleast(t, 2) for t in _stack_list(tensors, "row_stack")], 0, out=out)


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 2, after atleast_3d."""
    return cat([_atleast(t, 3) for t in _stack_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1, 0-D and 1-D tensors becoming columns."""
    parts = [t if t._data.ndim > 1 else reshape(t, (t._data.size, 1)) for t in _stack_list(tensors, "column_stack")]
    return cat(parts, 1, out=out)


def cartesian_prod(*tensors) -> Tensor:
    """All combinations of the elements of the 1-D tensors, one per row (a 1-D tensor for one tensor)."""
    for t in tensors:
        if isinstance(t, Tensor) and t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    grids = meshgrid(*tensors, indexing="ij")
    if len(grids) == 1:
        return tensors[0]
    return stack([g.flatten() for g in grids], 1)


def block_diag(*tensors) -> Tensor:
    """The tensors (0-D, 1-D as a row, or 2-D) as blocks along the diagonal of a 2-D tensor, zeros elsewhere."""
    tensors = _tensor_list(tensors, "block_diag")
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"ember.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not tensors:
        return wrap(np.zeros((1, 0), _dtype.get_default_dtype().np))  # host: no tensor, so PyTorch's CPU result
    arrays = [t._data.reshape((1,) * (2 - t._data.ndim) + t._data.shape) for t in tensors]
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dtype.promote_types(dt, t.dtype)
    out = array_module(arrays[0]).zeros((sum(a.shape[0] for a in arrays), sum(a.shape[1] for a in arrays)), dt.np)
    blocks, r, c = [], 0, 0
    for a, t in zip(arrays, tensors):
        h, w = a.shape
        out[r:r + h, c:c + w] = a
        blocks.append((r, c, h, w, t._data.shape))
        r, c = r + h, c + w
    result = wrap(out)
    if GRAD_ENABLED[0] and any(t._rg for t in tensors):
        record(result, NODES.BlockDiagBackward0(), tensors, (blocks,))
    return result


def ravel(input) -> Tensor:
    """The elements as a 1-D tensor: a view when the tensor is contiguous, else a copy."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("ravel", "input", input) from None
    return view(input if a.flags.c_contiguous else clone(input, memory_format=contiguous_format), -1)


def narrow_copy(input, dim: int, start: int, length: int, *, out=None) -> Tensor:
    """narrow() into new memory."""
    ndim = input._data.ndim
    if not -ndim <= dim < max(ndim, 1):
        raise RuntimeError(f"narrow_copy(): dim {dim} is out of range for a tensor of {ndim} dims")
    part = narrow(input, dim, start, length)
    d = wrap_dim(dim, ndim)
    first = int(start) + input._data.shape[d] if start < 0 else int(start)
    key = (slice(None),) * d + (slice(first, first + part._data.shape[d]),)
    r = _copy_result(input, part._data.copy(), NODES.NarrowCopyBackward0(), (input._data.shape, key))
    return r if out is None else write_out(out, r, "narrow_copy")


METHODS = {"roll": roll, "flip": _flip_method, "fliplr": fliplr, "flipud": flipud, "rot90": rot90, "repeat": repeat,
           "tile": tile, "repeat_interleave": repeat_interleave, "diag": diag, "diag_embed": diag_embed, "tril": tril,
           "triu": triu, "tril_": tril_, "triu_": triu_, "ravel": ravel, "narrow_copy": narrow_copy}
