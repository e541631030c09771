"""`default_collate` (a list of samples to a batch) and `default_convert` (NumPy data to tensors), as PyTorch's."""
import collections.abc
import copy
import re

import numpy as np

from ..._creation import as_tensor, tensor
from ..._tensor import Tensor, wrap
from ...autograd.grad_mode import GRAD_ENABLED
from ...backend import array_module
from ...ops.shape import stack
from . import shared

_STRING_OR_OBJECT = re.compile(r"[SaUO]")
_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stacked(batch, arrays):
    """One array-module call stacking `arrays`; in a worker, straight into the batch's shared memory."""
    first = arrays[0]
    xp = array_module(first)
    out = shared.empty((len(arrays),) + first.shape, first.dtype) if xp is np else None
    try:
        return wrap(xp.stack(arrays, out=out, casting="no"))
    except (ValueError, TypeError):  # shapes or dtypes differ: stack promotes as PyTorch and names the mismatch
        return stack([b if isinstance(b, Tensor) else as_tensor(b) for b in batch])


def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    """Stack tensors along a new first dimension."""
    if GRAD_ENABLED[0] and any(t._rg for t in batch):
        return stack(batch)
    return _stacked(batch, [t._data for t in batch])


def collate_numpy_array_fn(batch, *, collate_fn_map=None) -> Tensor:
    """Stack NumPy arrays into a tensor."""
    if _STRING_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERROR.format(batch[0].dtype))
    return _stacked(batch, batch)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    """NumPy scalars to a 1-D tensor of their dtype."""
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    """Python floats to a float64 tensor."""
    return tensor(batch, dtype=np.float64)


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    """Python ints (or bools) to an int64 (or bool) tensor."""
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate a list of samples, dispatching on the type of the first through `collate_fn_map`, and
    recursing into mappings, namedtuples and sequences."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _same_kind_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_kind_sequence(elem, fields)
    raise TypeError(_ERROR.format(elem_type))


def _same_kind_mapping(elem, fields: dict):
    """`fields` in a mapping of elem's type where it can be built, else a dict."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(fields)
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def _same_kind_sequence(elem, fields: list):
    """`fields` in a sequence of elem's type where it can be built, else a list."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, f in enumerate(fields):
                clone[i] = f
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def default_collate(batch):
    """Samples to a batch: tensors and NumPy arrays stacked, numbers to tensors, strings kept, and
    mappings, namedtuples and sequences collated field by field (tuples become lists, as in PyTorch)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """NumPy arrays and scalars (also inside mappings, namedtuples and sequences) to tensors; the rest unchanged."""
    if isinstance(data, Tensor):
        return data
    kind = type(data)
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_"):
        if kind is np.ndarray and _STRING_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _same_kind_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind_sequence(data, [default_convert(d) for d in data])
    return data
