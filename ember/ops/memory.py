"""Copies and conversions: clone, contiguous, to (dtype and device), copy_, and their gradients."""
import builtins

import numpy as np

from .. import _dtype
from .._creation import new_empty, new_full, new_ones, new_tensor, new_zeros
from .._device import to_device
from .._layout import contiguous_format, dim_order, laid_out, preserve_format
from ..autograd.graph import node_classes
from ..backend import cupy, meta, module_for, on_device
from .base import GRAD_ENABLED, Tensor, broadcast_error, check_inplace, record, tensor_type_error, view_of, wrap
from .elementwise import zeros_grad
from .views import check_view_inplace, share_inplace

GRADIENTS = {
    "CloneBackward0": lambda g: (g,),
    "ToCopyBackward0": lambda g, src: (_cast_grad(g, src[1]).to(device=src[0]),),
    "AliasBackward0": lambda g: (g,),
    "CopyBackwards": lambda g, src: (zeros_grad(g), _cast_grad(g.sum_to_size(src[0]), src[2]).to(device=src[1])),
}
NODES = node_classes(GRADIENTS, holomorphic=False, printed={"CopyBackwards": "ember::autograd::CopyBackwards"})


def _cast_grad(g, dtype):
    """`g` in the dtype of the input it is the gradient of: the real part for a real input of a complex result."""
    if dtype.is_complex or not g.is_complex():
        return g.to(dtype)
    return g.real.to(dtype)




def clone(input, *, memory_format=None):
    """A copy with its own memory: by default (preserve_format) with the input's order of dims in memory (a
    transposed tensor's copy is transposed), contiguous for an expanded input."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("clone", "input", input) from None
    order = None if memory_format is None else dim_order(memory_format, a.ndim)
    if order is not None:  # channels last: a row-major copy of the permuted array, permuted back
        r = wrap(a.transpose(order).copy().transpose([order.index(d) for d in range(a.ndim)]))
    else:
        preserve = memory_format is None or memory_format is preserve_format
        r = wrap(a.copy(order="K" if preserve and not _expanded(a) else "C"))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.CloneBackward0(), (input,))
    return r


def _expanded(a) -> bool:
    """Whether `a` repeats elements in memory (a stride of 0 over a dim of several elements)."""
    return any(stride == 0 and size > 1 for stride, size in zip(a.strides, a.shape))


def contiguous(input, memory_format=None):
    """self if already contiguous in `memory_format` (by default row-major), else a copy that is."""
    a = input._data
    order = None if memory_format is None else dim_order(memory_format, a.ndim)
    if laid_out(a, order):
        return input
    return clone(input, memory_format=contiguous_format if order is None else memory_format)


def alias(input):
    """A new Tensor viewing the same memory (what PyTorch gives for x[...] and x[:])."""
    r = view_of(input, input._data.view())
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.AliasBackward0(), (input,))
    return r


def parse_to(args, kwargs):
    """to(dtype), to(device, dtype), to(tensor), with keywords; returns (device or None, dtype or None, copy,
    memory_format or None)."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    memory_format = kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, bool):
            continue  # the legacy non_blocking positional flag
        elif a is not None:
            if isinstance(a, (builtins.type, np.dtype)):
                dtype = _dtype.to_dtype(a)
            else:
                device = a
    return ((None if device is None else to_device(device)), (None if dtype is None else _dtype.to_dtype(dtype)),
            copy, memory_format)


def to(input, *args, **kwargs):
    """This tensor converted to a dtype and/or moved to a device, and laid out in a memory_format; self when
    nothing changes."""
    device, dtype, copy, memory_format = parse_to(args, kwargs)
    r = _convert(input, device, dtype, copy)
    return r if memory_format in (None, preserve_format) else contiguous(r, memory_format)


def _convert(input, device, dtype, copy=False):
    a = input._data
    np_dtype = a.dtype if dtype is None else dtype.np
    off_cpu = a.__class__ is not np.ndarray
    moving = device is not None and (device.type != "cpu") != off_cpu
    if off_cpu and device is not None and not moving:  # between CUDA and meta
        moving = device.type != ("meta" if a.__class__ is meta.MetaArray else "cuda")
    if not moving and np_dtype == a.dtype and not copy:
        return input
    if moving:
        a = on_device(a, device.type, device.index)
    r = wrap(a.astype(np_dtype, copy=copy or not moving) if a.dtype != np_dtype or copy else a)
    if GRAD_ENABLED[0] and input._rg:
        if np_dtype.kind not in "fcV":
            return r
        record(r, NODES.ToCopyBackward0(), (input,), ((input.device, input.dtype),))
    return r


def _caster(dtype, name):
    def method(input, memory_format=None):
        return _convert(input, None, dtype)
    method.__name__ = name
    method.__doc__ = f"self.to({dtype!r})."
    return method


float_ = _caster(_dtype.float32, "float")
double = _caster(_dtype.float64, "double")
half = _caster(_dtype.float16, "half")
bfloat16 = _caster(_dtype.bfloat16, "bfloat16")
cfloat = _caster(_dtype.complex64, "cfloat")
cdouble = _caster(_dtype.complex128, "cdouble")
long = _caster(_dtype.int64, "long")
int_ = _caster(_dtype.int32, "int")
short = _caster(_dtype.int16, "short")
char = _caster(_dtype.int8, "char")
byte = _caster(_dtype.uint8, "byte")
bool_ = _caster(_dtype.bool, "bool")


def cpu(input, memory_format=None):
    """self on the CPU (a copy only if it was on a GPU)."""
    return _convert(input, to_device("cpu"), None)


def cuda(input, device=None, non_blocking=False, memory_format=None):
    """self on a CUDA device (needs CuPy and a GPU)."""
    return _convert(input, to_device("cuda" if device is None else device), None)


def pin_memory(input, device=None):
    """A copy of a CPU tensor in page-locked memory, from which copies to the GPU are faster (needs CuPy
    and a GPU; without one, PyTorch's RuntimeError)."""
    if cupy is None or not cupy.cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if not input.is_cpu:
        raise RuntimeError(f"cannot pin '{input.type()}' only dense CPU tensors can be pinned")
    import cupyx  # optional: cupy
    a = input._data
    pinned = cupyx.empty_pinned(a.shape, a.dtype)
    pinned[...] = a
    r = wrap(pinned)
    r.__dict__["_pinned"] = True
    return r


def is_pinned(input, device=None) -> bool:
    """Whether the tensor is in page-locked memory (made by pin_memory)."""
    return input.__dict__.get("_pinned", False)


def type_as(input, other):
    """self converted to other's dtype."""
    return _convert(input, None, other.dtype)


_LEGACY_NAMES = {d.name: _dtype.scalar_type_name(d) + "Tensor" for d in _dtype.ALL}


def type(input, dtype=None, non_blocking=False):
    """With no argument, the legacy type name ('ember.FloatTensor'); else self converted to `dtype` (a dtype, a legacy
    type or its name)."""
    if dtype is None:
        prefix = "ember.cuda." if input.is_cuda else "ember.meta." if input.is_meta else "ember."
        return prefix + _LEGACY_NAMES[input._data.dtype.name]
    if isinstance(getattr(dtype, "dtype", None), _dtype.dtype):  # a legacy type: ember.LongTensor
        dtype = dtype.dtype
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        matches = [k for k, v in _LEGACY_NAMES.items() if v == name]
        if not matches:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _dtype.to_dtype(np.dtype(matches[0]))
    return _convert(input, None, _dtype.to_dtype(dtype))


def view_as_dtype(input, dtype):
    """Reinterpret the memory as another dtype of the same item size (a view)."""
    d = _dtype.to_dtype(dtype)
    a = input._data
    if d.itemsize != a.itemsize and a.ndim and a.strides[-1] != a.itemsize and a.__class__ is not meta.MetaArray:
        raise RuntimeError("self.stride(-1) must be 1 to view ScalarType with different element size")
    return view_of(input, a.view(d.np))


def copy_(input, src, non_blocking=False):
    """Copy `src` into self (broadcast, cast and moved as needed); gradients flow to `src`."""
    check_inplace(input)
    a = input._data
    recording = GRAD_ENABLED[0] and a.dtype.kind in "fcV" and (input._rg or (isinstance(src, Tensor) and src._rg))
    through_view = recording and check_view_inplace(input)
    s = src._data if isinstance(src, Tensor) else np.asarray(src)  # host: Python data, moved below
    if s.__class__ is not a.__class__:
        if s.__class__ is meta.MetaArray:
            raise NotImplementedError(meta.NO_DATA)
        if a.__class__ is meta.MetaArray:  # into a meta tensor: nothing to copy, the shapes are still checked
            s = meta.empty(s.shape, a.dtype)
        else:
            s = s.get() if a.__class__ is np.ndarray else module_for("cuda").asarray(s)
    if s.ndim > a.ndim:  # NumPy would drop leading size-1 dims of the source; PyTorch refuses them
        raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape {list(s.shape)}")
    try:
        if a.__class__ is np.ndarray:
            np.copyto(a, s, casting="unsafe")  # host: a is a NumPy array here
        else:
            a[...] = s
    except ValueError:
        raise broadcast_error(a.shape, s.shape) from None
    input._vc[0] += 1
    if recording:
        record(input, NODES.CopyBackwards(), (input, src), ((src._data.shape, src.device, src.dtype),))
        share_inplace(input, through_view)
    return input


METHODS = {"clone": clone, "contiguous": contiguous, "to": to, "cpu": cpu, "cuda": cuda, "float": float_,
           "double": double, "half": half, "bfloat16": bfloat16, "cfloat": cfloat, "cdouble": cdouble, "long": long,
           "int": int_, "short": short, "char": char, "byte": byte, "bool": bool_, "type": type, "type_as": type_as,
           "copy_": copy_, "pin_memory": pin_memory, "is_pinned": is_pinned,
           "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty,
           "new_full": new_full}
