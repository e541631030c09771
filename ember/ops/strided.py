"""as_strided, the split variants PyTorch keeps for compatibility, and unravel_index.

`as_strided` reads the memory under a tensor with any sizes and strides, counted from the start of the
storage (the base tensor's first element), as PyTorch does. Its gradient adds each result element's
gradient into the storage element it reads, then takes the input's elements from that storage.
"""
from .._creation import tensor
from .._tensor import wrap
from ..autograd.graph import node_classes
from ..backend import array_module
from . import elementwise as ew
from . import shape
from .base import Tensor, check_tensor, needs_grad, record, view_of
from .keywords import numpy_keywords

GRADIENTS = {
    "AsStridedBackward0": lambda g, storage_size, result_index, input_index: (
        _through_storage(g, storage_size, result_index, input_index),),
}
NODES = node_classes(GRADIENTS)


def _through_storage(g, storage_size, result_index, input_index):
    xp = array_module(g._data)
    storage = xp.zeros(storage_size, g._data.dtype)
    xp.add.at(storage, result_index, g._data)
    return wrap(storage[input_index])


def _element_indices(xp, offset: int, size, stride):
    """The storage index of each element of a layout (size, stride, offset in elements)."""
    idx = xp.asarray(offset)
    for k, (n, st) in enumerate(zip(size, stride)):
        idx = idx + xp.arange(n).reshape([-1 if j == k else 1 for j in range(len(size))]) * st
    return xp.broadcast_to(idx, tuple(size))


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of the memory under `input` with the given sizes and strides (in elements), starting
    `storage_offset` elements into the storage (by default where `input` starts)."""
    check_tensor("as_strided", "input", input, 1)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} strides for {len(size)} sizes")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    root = input if input._base is None else input._base
    base = root._data
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    itemsize = base.itemsize
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset - 1
    if not base.flags.c_contiguous:
        raise RuntimeError("as_strided needs the memory under the tensor to be contiguous; call .contiguous() on "
                           "its base first")
    storage_size = base.size
    if offset < 0 or last >= storage_size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {itemsize} requiring a storage size of {(last + 1) * itemsize} are out of "
                           f"bounds for storage of size {storage_size * itemsize}")
    xp = array_module(base)
    array = xp.lib.stride_tricks.as_strided(base.reshape(-1)[offset:], size, tuple(s * itemsize for s in stride))
    r = view_of(input, array)
    if needs_grad(input):
        input_index = _element_indices(xp, input.storage_offset(), input.shape, input.stride())
        record(r, NODES["AsStridedBackward0"](), (input,),
               (storage_size, _element_indices(xp, offset, size, stride), input_index))
    return r


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0, **aliases) -> tuple:
    """Views of `input` cut along `dim` into pieces of the given sizes, which must add up to its size there."""
    if aliases:
        dim = numpy_keywords("split_with_sizes", aliases, dim)[0]
    check_tensor("split_with_sizes", "input", input, 1)
    if isinstance(split_sizes, int):
        raise TypeError("split_with_sizes(): argument 'split_sizes' must be tuple of ints, not int")
    return shape.split(input, list(split_sizes), dim)


def unsafe_split(input: Tensor, split_size: int, dim: int = 0, **aliases) -> tuple:
    """split, under PyTorch's name for the form whose pieces may be changed in place without error checks."""
    if aliases:
        dim = numpy_keywords("unsafe_split", aliases, dim)[0]
    check_tensor("unsafe_split", "input", input, 1)
    return shape.split(input, split_size, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0, **aliases) -> tuple:
    """chunk, under PyTorch's name for the form whose pieces may be changed in place without error checks."""
    if aliases:
        dim = numpy_keywords("unsafe_chunk", aliases, dim)[0]
    check_tensor("unsafe_chunk", "input", input, 1)
    return shape.chunk(input, chunks, dim)


def unravel_index(indices, shape) -> tuple:
    """The coordinates in a tensor of `shape` of each flat index (indices wrap around, as in PyTorch)."""
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    sizes = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in sizes):
        raise ValueError(f"'shape' cannot have negative values, but got {sizes}")
    coordinates, rest = [], indices.long()
    for n in reversed(sizes):
        coordinates.append(ew.remainder(rest, n) if n else rest * 0)
        rest = ew.floor_divide(rest, n) if n else rest
    return tuple(reversed(coordinates))


METHODS = {"as_strided": as_strided, "split_with_sizes": split_with_sizes, "unsafe_split": unsafe_split,
           "unsafe_chunk": unsafe_chunk}
