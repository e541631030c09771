"""What several converter families share: argument normalization and version-dependent ONNX spellings."""
from __future__ import annotations

import numpy as np

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def tuple_of(value, n: int) -> tuple:
    """An int-or-sequence argument as a tuple of `n` ints."""
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def axis(dim: int, ndim: int) -> int:
    """`dim` as a non-negative axis of a tensor with `ndim` dimensions."""
    return dim + ndim if dim < 0 else dim


def dims_of(dim, ndim: int) -> list[int] | None:
    """A reduction's `dim` argument (None, an int or a sequence) as sorted non-negative axes; None for all."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    dims = dim if isinstance(dim, (tuple, list)) else [dim]
    return sorted(axis(int(d), max(ndim, 1)) for d in dims)


def sizes(args: tuple) -> tuple:
    """A shape given as varargs (`x.view(2, 3)`) or as one sequence (`x.view((2, 3))`)."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def dtype_of(tensor) -> np.dtype:
    """The NumPy dtype of an ember tensor."""
    return tensor._data.dtype


def reduce(g, op_type: str, x: str, axes: list[int] | None, keepdims: bool) -> str:
    """A Reduce* node over `axes` (all when None): axes are an input from opset 18 (13 for ReduceSum)."""
    keep = int(bool(keepdims))
    if axes is None:
        return g.op(op_type, x, keepdims=keep)
    if op_type == "ReduceSum" or g.opset >= 18:
        return g.op(op_type, x, g.ints(axes), keepdims=keep)
    return g.op(op_type, x, axes=list(axes), keepdims=keep)


def unsqueeze(g, x: str, axes) -> str:
    """x with new axes of length 1."""
    return g.op("Unsqueeze", x, g.ints(list(axes)))


def squeeze(g, x: str, axes) -> str:
    """x without the given axes of length 1."""
    return g.op("Squeeze", x, g.ints(list(axes)))
