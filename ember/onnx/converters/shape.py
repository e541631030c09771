"""Shape changes, joining and splitting, slicing and gathering as ONNX nodes."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from .._graph import onnx_dtype
from .._registry import converts, identity
from ._helpers import INT64_MAX, INT64_MIN, axis, dtype_of, sizes, squeeze, unsqueeze


def _reshape(g, input, shape) -> str:
    return g.op("Reshape", g.value(input), g.ints(shape))


@converts("view", "reshape")
def view(g, out, input, *shape, **kwargs):
    if not shape and "shape" in kwargs:
        shape = (kwargs["shape"],)
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        return g.op("Cast", g.value(input), to=onnx_dtype(dtype_of(out)))  # view(dtype)
    return _reshape(g, input, sizes(shape))


@converts("view_as", "reshape_as", "expand_as")
def view_as(g, out, input, other):
    target = g.op("Shape", g.value(other)) if not g.is_constant(other) else g.ints(other.shape)
    return g.op("Expand" if g.op_name.endswith("expand_as") else "Reshape", g.value(input), target)


@converts("flatten")
def flatten(g, out, input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return _reshape(g, input, [1])
    start, end = axis(start_dim, input.ndim), axis(end_dim, input.ndim)
    if start == end:
        return g.value(input)
    if end == input.ndim - 1 and start == 1:
        return g.op("Flatten", g.value(input), axis=1)
    return _reshape(g, input, [0] * start + [-1] + list(out.shape[start + 1:]))


@converts("unflatten")
def unflatten(g, out, input, dim, sizes):
    d = axis(dim, input.ndim)
    return _reshape(g, input, [0] * d + list(sizes) + list(out.shape[d + len(sizes):]))


@converts("t")
def t(g, out, input):
    return g.value(input) if input.ndim < 2 else g.op("Transpose", g.value(input), perm=[1, 0])


@converts("transpose", "swapaxes", "swapdims")
def transpose(g, out, input, dim0, dim1):
    perm = list(range(input.ndim))
    a, b = axis(dim0, input.ndim), axis(dim1, input.ndim)
    perm[a], perm[b] = perm[b], perm[a]
    return g.op("Transpose", g.value(input), perm=perm)


@converts(Tensor.T.fget)
def reversed_axes(g, out, input):
    return g.op("Transpose", g.value(input), perm=list(range(input.ndim))[::-1])


@converts(Tensor.mT.fget)
def matrix_transpose(g, out, input):
    return transpose(g, out, input, -2, -1)


@converts("triu", "tril", opsets=range(14, 21))
def triangle(g, out, input, diagonal=0, **kwargs):
    """The upper (triu) or lower (tril) triangle of the last two axes, zeros elsewhere: ONNX's Trilu."""
    upper = int(g.op_name.endswith("triu"))
    return g.op("Trilu", g.value(input), g.value(int(diagonal)), upper=upper)


@converts("permute")
def permute(g, out, input, *dims):
    return g.op("Transpose", g.value(input), perm=[axis(d, input.ndim) for d in sizes(dims)])


@converts("movedim", "moveaxis")
def movedim(g, out, input, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src, dst = [axis(d, input.ndim) for d in src], [axis(d, input.ndim) for d in dst]
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    return g.op("Transpose", g.value(input), perm=[placed[i] if i in placed else next(rest)
                                                   for i in range(input.ndim)])


@converts("squeeze", "squeeze_")
def squeeze_(g, out, input, dim=None):
    if dim is None:
        axes = [i for i, n in enumerate(input.shape) if n == 1]
    else:
        dims = dim if isinstance(dim, (tuple, list)) else [dim]
        axes = [axis(d, input.ndim) for d in dims if input.ndim and input.shape[axis(d, input.ndim)] == 1]
    return squeeze(g, g.value(input), axes) if axes else g.value(input)


@converts("unsqueeze", "unsqueeze_")
def unsqueeze_(g, out, input, dim):
    return unsqueeze(g, g.value(input), [axis(dim, input.ndim + 1)])


@converts("expand")
def expand(g, out, input, *size, **kwargs):
    shape = list(sizes(size) if size else kwargs["size"])
    lead = len(shape) - input.ndim
    shape = [1 if (i >= lead and int(n) == -1) else n for i, n in enumerate(shape)]
    return g.op("Expand", g.value(input), g.ints(shape))


@converts("repeat")
def repeat(g, out, input, *repeats):
    repeats = list(sizes(repeats))
    x = g.value(input)
    if len(repeats) > input.ndim:
        x = unsqueeze(g, x, range(len(repeats) - input.ndim))
    return g.op("Tile", x, g.ints(repeats))


@converts("cat", "concat", "concatenate")
def cat(g, out, tensors, dim=0, **kwargs):
    parts = [g.value(t, dtype_of(out)) for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    return g.op("Concat", *parts, axis=axis(dim, out.ndim))


@converts("stack")
def stack(g, out, tensors, dim=0, **kwargs):
    d = axis(dim, out.ndim)
    return g.op("Concat", *[unsqueeze(g, g.value(t, dtype_of(out)), [d]) for t in tensors], axis=d)


def _split(g, input, lengths, d):
    if len(lengths) == 1:
        return (g.value(input),)
    parts = g.op("Split", g.value(input), g.ints(lengths), outputs=len(lengths), axis=d)
    return parts


@converts("split", "split_with_sizes", "chunk", "tensor_split")
def split(g, out, input, *args, **kwargs):
    d = axis(kwargs.get("dim", args[1] if len(args) > 1 else 0), input.ndim)
    return _split(g, input, [t.shape[d] for t in out], d)


@converts("unbind")
def unbind(g, out, input, dim=0):
    d = axis(dim, input.ndim)
    return tuple(squeeze(g, part, [d]) for part in _split(g, input, [1] * len(out), d))


@converts("narrow")
def narrow(g, out, input, dim, start, length):
    d = axis(dim, input.ndim)
    start = int(start) if not isinstance(start, Tensor) else int(start.item())
    start = start + input.shape[d] if start < 0 else start
    return g.op("Slice", g.value(input), g.ints([start]), g.ints([start + length]), g.ints([d]))


@converts("select")
def select(g, out, input, dim, index):
    return g.op("Gather", g.value(input), g.value(int(index), np.int64), axis=axis(dim, input.ndim))


@converts("index_select")
def index_select(g, out, input, dim, index):
    return g.op("Gather", g.value(input), g.value(index, np.int64), axis=axis(dim, input.ndim))


@converts("gather")
def gather(g, out, input, dim, index, **kwargs):
    return g.op("GatherElements", g.value(input), g.value(index, np.int64), axis=axis(dim, input.ndim))


@converts("take_along_dim")
def take_along_dim(g, out, input, indices, dim=None):
    if dim is None:
        raise g.unsupported("take_along_dim without dim")
    return gather(g, out, input, dim, indices)


@converts("__getitem__")
def getitem(g, out, input, index):
    """Slices, ints, None and Ellipsis; at most one integer index tensor (Gather)."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(isinstance(i, Tensor) and i._data.dtype == np.bool_ for i in items):
        raise g.unsupported("indexing with a boolean mask gives a data-dependent shape")
    if sum(isinstance(i, (Tensor, list)) for i in items) > 1:
        raise g.unsupported("indexing with more than one index tensor")
    if Ellipsis in items:
        k = items.index(Ellipsis)
        used = sum(i is not None and i is not Ellipsis for i in items)
        items[k:k + 1] = [slice(None)] * (input.ndim - used)
    x = g.value(input)
    starts, ends, axes, steps = [], [], [], []
    dim = 0
    for item in items:
        if isinstance(item, slice) and item != slice(None):
            step = 1 if item.step is None else int(item.step)
            starts.append((0 if step > 0 else INT64_MAX) if item.start is None else item.start)
            ends.append((INT64_MAX if step > 0 else INT64_MIN) if item.stop is None else item.stop)
            axes.append(dim)
            steps.append(step)
        if item is not None:
            dim += 1
    if axes:
        x = g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    dim, removed = 0, 0
    for item in items:
        if item is None:
            continue
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            x = g.op("Gather", x, g.value(int(item), np.int64), axis=dim - removed)
            removed += 1
        elif isinstance(item, (Tensor, list)):
            index_tensor = item if isinstance(item, Tensor) else Tensor(item)
            x = g.op("Gather", x, g.value(index_tensor, np.int64), axis=dim - removed)
            removed -= index_tensor.ndim - 1
        dim += 1
    new_axes, position = [], 0
    for item in items:
        if item is None:
            new_axes.append(position)
            position += 1
        elif isinstance(item, slice):
            position += 1
        elif isinstance(item, (Tensor, list)):
            position += (item.ndim if isinstance(item, Tensor) else np.ndim(item))
    return unsqueeze(g, x, new_axes) if new_axes else x


@converts("to", "type_as", "type", "float", "double", "half", "bfloat16", "long", "int", "short", "char",
          "byte", "bool", "cpu")
def to(g, out, input, *args, **kwargs):
    if dtype_of(out) == dtype_of(input):
        return identity(g, out, input)
    return g.op("Cast", g.value(input), to=onnx_dtype(dtype_of(out)))
