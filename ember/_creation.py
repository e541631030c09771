"""Creating tensors: from data (tensor, as_tensor, from_numpy) and by shape (zeros, rand, arange, ...)."""
import array
import builtins
import collections
import math
import operator
import warnings

import numpy as np

from . import _dtype
from ._device import CPU, DEFAULT, to_device
from ._random import rng
from ._tensor import Tensor, wrap
from .backend import array_module, meta, module_for, to_numpy

# further public ember.xxx functions (the first ones are listed in ember/__init__.py)
__all__ = ["logspace", "tril_indices", "triu_indices", "empty_strided", "scalar_tensor"]


def _size(size, name="size"):
    """Accept zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(ember.Size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = []
    for s in size:
        if isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in "iu":
            s = int(s._data)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{name} must be tuple of ints, but found element of type {type(s).__name__} at pos "
                            f"{len(shape)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        shape.append(int(s))
    return tuple(shape)


def refuse_keywords(name: str, keywords, allowed) -> None:
    """Python's TypeError for the first of a call's `keywords` (caught by **keywords) that is not in `allowed`."""
    for key in keywords:
        if key not in allowed:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")


def varargs_keyword(name: str, given: tuple, keywords: dict, keyword: str) -> tuple:
    """The sizes (or dims) of a function that takes them as arguments or as the keyword `keyword`, as PyTorch's do
    (zeros(size=(2, 3)), x.view(size=(3, 2)), x.permute(dims=(1, 0))): `given`, or (keywords[keyword],); Python's
    TypeError for another keyword, or for both forms at once."""
    refuse_keywords(name, keywords, (keyword,))
    if given:
        raise TypeError(f"{name}() got multiple values for argument '{keyword}'")
    return (keywords[keyword],)


def _type_error(name, arg, value, expected, position=1) -> TypeError:
    """PyTorch's TypeError for an argument of the wrong type: "eye(): argument 'n' (position 1) must be int, not
    float" (without the position where it is None)."""
    from .ops.base import type_name  # layer: ops is above the core
    where = "" if position is None else f" (position {position})"
    return TypeError(f"{name}(): argument '{arg}'{where} must be {expected}, not {type_name(value)}")


def _int(value, name, arg, position=1, any_shape=False) -> int:
    """`value` (an int, a NumPy integer or a 0-dim integer tensor, or with `any_shape` a one-element one, as some of
    PyTorch's int arguments take) as an int; PyTorch's TypeError for anything else, bool included, and its
    ValueError for an int beyond int64."""
    if not isinstance(value, bool) and (any_shape or not (isinstance(value, Tensor) and value._data.ndim)):
        try:
            value = operator.index(value)
        except TypeError:
            pass
        else:
            if not -2**63 <= value < 2**63:
                raise ValueError("Overflow when unpacking long long")
            return value
    raise _type_error(name, arg, value, "int", position)


def _number(value, name, arg, position):
    """`value` (a Python or NumPy number, or a 0-dim tensor that does not require grad) as a number; PyTorch's
    TypeError for anything else."""
    if isinstance(value, Tensor) and value._data.ndim == 0 and not value._rg:
        return value.item()
    if not isinstance(value, (builtins.int, builtins.float, builtins.complex, np.number, np.bool_)):
        raise _type_error(name, arg, value, "Number", position)
    return value


def _input_shape(input, name):
    """The shape of `input`, the tensor a *_like function copies; PyTorch's TypeError when it is not a Tensor."""
    try:
        return input._data.shape
    except AttributeError:
        raise _type_error(name, "input", input, "Tensor") from None


def _finish(array, dtype_np, device, requires_grad, out=None):
    """Move to the device, cast, and set requires_grad (checking it is allowed); or fill `out`."""
    if out is not None:
        return _into(out, array if dtype_np is None else array.astype(dtype_np))
    if device is None:
        device = DEFAULT[0]
    if device is not CPU:
        d = to_device(device)
        if d.type == "cuda":
            xp = module_for("cuda")
            with xp.cuda.Device(d.index or 0):
                array = xp.asarray(array)
        elif d.type == "meta":
            array = meta.empty(array.shape, array.dtype)
    if dtype_np is not None and array.dtype != dtype_np:
        array = array.astype(dtype_np)
    t = wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _on_meta(device) -> bool:
    """Whether a factory given `device` (None: the default device) makes a meta tensor, which it then makes without
    computing or drawing its values (NOTE [ Meta tensors ] in backend/meta.py)."""
    return (DEFAULT[0] if device is None else to_device(device)).type == "meta"


def _meta_tensor(shape, np_dtype, requires_grad, out=None) -> Tensor:
    """A new meta tensor of `shape` and NumPy dtype `np_dtype` (or written into `out`)."""
    return _finish(meta.empty(shape, np_dtype), None, None, requires_grad, out)


def _np_dtype(dtype):
    return None if dtype is None else _dtype.to_dtype(dtype).np


def _infer_array(data, keep_float64=False):
    """A NumPy array from Python data, with PyTorch's inferred dtype (Python floats give the default dtype,
    unless `keep_float64`, used when the caller casts to a dtype it was given)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        if data.dtype not in _dtype.FROM_NP:
            _dtype.from_numpy_dtype(data.dtype)
        return _plain(data)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    leaves = set()
    if _leaf_types(data, leaves):
        if _any_requires_grad(data):
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                          "Consider using tensor.detach() first.", UserWarning, stacklevel=3)
        data = _tensor_items(data)
    try:
        a = np.array(data)
    except ValueError as e:
        raise _ragged_error(data) or ValueError(str(e)) from None
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if a.dtype == object:
        error = _ragged_error(data)
        if error is not None:
            raise error
        if _has_big_int(data):
            raise ValueError("Overflow when unpacking long long")
        raise RuntimeError(f"Could not infer dtype of {type(_non_number(data)).__name__}")
    if a.dtype.kind in "US":
        raise ValueError("too many dimensions 'str'")
    if keep_float64:
        return a
    inferred = _dtype_of_leaves(leaves).np
    if inferred == np.int64 and a.dtype.kind in "uf" and _has_big_int(data):  # NumPy took uint64 or float64
        raise ValueError("Overflow when unpacking long long")
    return a if a.dtype == inferred else a.astype(inferred)


_NUMBERS = (builtins.bool, builtins.int, builtins.float, builtins.complex)


def _dtype_of_leaves(leaves: set) -> _dtype.dtype:
    """PyTorch's dtype for data of these leaf types (_leaf_types): the promotion of their dtypes, where a Python float
    is the default dtype, an int int64, a bool bool, a complex the default complex dtype, and NumPy scalars, arrays
    and tensors keep theirs."""
    result = None
    for leaf in leaves:
        if isinstance(leaf, type) and leaf in _NUMBERS:
            d = _dtype.default_for_category(_dtype.scalar_category(leaf()))
        else:
            d = _dtype.FROM_NP.get(np.dtype(leaf))
            if d is None:
                continue
        result = d if result is None else _dtype.promote_types(result, d)
    return _dtype.get_default_dtype() if result is None else result


def _leaf_types(data, leaves: set) -> bool:
    """Add to `leaves` the type of each number of nested lists `data` and the dtype of each array or tensor in it (a
    list of numbers takes one pass of map in C); whether a tensor is among them."""
    if isinstance(data, (list, tuple)):
        if data and not isinstance(data[0], (list, tuple)):
            kinds = set(map(type, data))
            if builtins.all(k in _NUMBERS or issubclass(k, np.generic) for k in kinds):
                leaves.update(kinds)
                return False
        found = False
        for item in data:
            found = _leaf_types(item, leaves) or found
        return found
    if isinstance(data, Tensor):
        leaves.add(data._data.dtype)
        return True
    if isinstance(data, _OTHER_SEQUENCES):  # read as lists, as PyTorch reads any sequence
        return _leaf_types(list(data), leaves)
    leaves.add(data.dtype if isinstance(data, np.ndarray) else type(data))
    return False


_OTHER_SEQUENCES = (range, collections.deque, array.array, memoryview)


def _tensor_items(data):
    """Nested lists `data` with each tensor in them replaced by its one element, as PyTorch reads a tensor inside a
    sequence (ValueError for a tensor of several elements)."""
    if isinstance(data, (list, tuple)):
        return [_tensor_items(item) for item in data]
    if not isinstance(data, Tensor):
        return data
    if data._data.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    value = data._data.reshape(())
    return value[()] if value.__class__ is np.ndarray else to_numpy(value)[()]


def _any_requires_grad(data) -> bool:
    """Whether a tensor among nested lists `data` requires grad."""
    if isinstance(data, (list, tuple)):
        return builtins.any(_any_requires_grad(item) for item in data)
    return isinstance(data, Tensor) and data.requires_grad


def _non_number(data):
    """The first leaf of nested lists that is not a number (None when all are)."""
    if isinstance(data, (list, tuple)):
        return next((x for x in map(_non_number, data) if x is not None), None)
    return None if isinstance(data, (builtins.int, builtins.float, np.number, np.bool_, Tensor)) else data


def _has_big_int(data):
    if isinstance(data, (list, tuple)):
        return builtins.any(_has_big_int(d) for d in data)
    return isinstance(data, int) and not -2**63 <= data < 2**63


def _ragged_error(data, dim=0):
    """PyTorch's error for nested lists that are not rectangular: ValueError for differing lengths,
    TypeError for a list that mixes numbers and sequences; None when `data` is rectangular."""
    if not isinstance(data, (list, tuple)) or not data:
        return None
    lengths = [len(d) if isinstance(d, (list, tuple)) else -1 for d in data]
    if -1 in lengths and builtins.any(n >= 0 for n in lengths):
        return TypeError(f"expected all elements at dim {dim + 1} to be numbers or all to be sequences, "
                         "but got a mix of both")
    for n in lengths:
        if n != lengths[0]:
            return ValueError(f"expected sequence of length {lengths[0]} at dim {dim + 1} (got {n})")
    for d in data:
        error = _ragged_error(d, dim + 1)
        if error is not None:
            return error
    return None


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor with a copy of `data` (nested lists, numbers, NumPy arrays or tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "ember.tensor(sourceTensor).", UserWarning, stacklevel=2)
    np_dtype = _np_dtype(dtype)
    a = _infer_array(data, keep_float64=np_dtype is not None)
    if np_dtype is not None and not isinstance(data, (np.ndarray, Tensor)):
        _check_overflow(a, np_dtype, data)
    a = np.array(a, dtype=np_dtype, copy=True, order="C") if a.__class__ is np.ndarray else a.copy()
    return _finish(a, np_dtype, device, requires_grad)


def _check_overflow(values, np_dtype, data) -> None:
    """PyTorch's RuntimeError for Python numbers in `data` (as the array `values`) that an integer dtype can't hold:
    NaN, inf and numbers out of range, except that an unsigned dtype takes integers down to -max (they wrap)."""
    if np_dtype.kind not in "iu" or values.dtype.kind not in "iufV" or values.size == 0:
        return
    info = np.iinfo(np_dtype)
    low = -info.max if np_dtype.kind == "u" else info.min
    if values.dtype.kind not in "fV":
        bad = (values < low) | (values > info.max)
    else:
        bad = np.isnan(values) | (values < info.min) | (values > info.max)
        if low < info.min and bad.any():  # rare: negative ints mixed with floats; find the ints one by one
            ints = np.vectorize(lambda v: isinstance(v, int), otypes=[bool])(np.array(data, dtype=object))
            bad &= ~(ints & (values >= low) & (values <= info.max))
    if bad.any():
        raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")


def as_tensor(data, *, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory when it is already a tensor or array of the right dtype."""
    np_dtype = _np_dtype(dtype)
    if isinstance(data, Tensor):
        from .ops.memory import to  # layer: ops is above the core
        return to(data, device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (np_dtype is None or np_dtype == data.dtype) and \
            (device is None or to_device(device).type == "cpu"):
        return from_numpy(data)
    return _finish(_infer_array(data, keep_float64=np_dtype is not None), np_dtype, device, False)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """Like as_tensor; `copy=True` forces a copy."""
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and ember does not support non-writable tensors. "
                      "This means writing to this tensor will result in undefined behavior.", UserWarning,
                      stacklevel=2)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    return wrap(_plain(ndarray))


def _plain(a: np.ndarray) -> np.ndarray:
    """`a` as a base ndarray: a subclass's view (np.matrix, whose operators differ) shares its memory."""
    return a if a.__class__ is np.ndarray else a.view(np.ndarray)


def _filled(fill, size, dtype, device, requires_grad, default=None, out=None):
    """A tensor of `size` filled with `fill` (uninitialised if None), written into `out` if given."""
    shape = _size(size)
    np_dtype = _np_dtype(dtype) or (out.dtype if out is not None else default or _dtype.get_default_dtype()).np
    place = DEFAULT[0] if device is None else to_device(device)
    if place.type == "cpu":
        if fill is not None and fill == 0:
            a = np.zeros(shape, np_dtype)
        else:
            a = np.empty(shape, np_dtype)
            if fill is not None:
                a.fill(fill)
    elif place.type == "meta":
        a = meta.empty(shape, np_dtype)
    else:
        xp = module_for("cuda")
        with xp.cuda.Device(place.index or 0):
            a = xp.empty(shape, np_dtype) if fill is None else xp.full(shape, fill, np_dtype)
    return _finish(a, None, None, requires_grad, out)


def _into(out, array):
    """Make the `out=` tensor hold `array` (resized as needed, as PyTorch's creation functions do)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    out._data = array.astype(out._data.dtype, copy=False)
    out._vc[0] += 1
    return out


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """A tensor of zeros."""
    if keywords:
        size = varargs_keyword("zeros", size, keywords, "size")
    return _filled(0, size, dtype, device, requires_grad, out=out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """A tensor of ones."""
    if keywords:
        size = varargs_keyword("ones", size, keywords, "size")
    return _filled(1, size, dtype, device, requires_grad, out=out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **keywords) -> Tensor:
    """An uninitialised tensor."""
    if keywords:
        size = varargs_keyword("empty", size, keywords, "size")
    return _filled(None, size, dtype, device, requires_grad, out=out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor filled with `fill_value` (its dtype is inferred from the value when not given)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = _dtype.default_for_category(_dtype.scalar_category(fill_value))
    return _filled(fill_value, (size,), dtype, device, requires_grad, default, out)


def _like(name, fill, input, dtype, device, requires_grad):
    return _filled(fill, (_input_shape(input, name),), dtype or input.dtype,
                   device if device is not None else (None if input.is_cpu else input.device), requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Zeros with input's shape (and dtype, device unless given)."""
    return _like("zeros_like", 0, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Ones with input's shape (and dtype, device unless given)."""
    return _like("ones_like", 1, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """An uninitialised tensor with input's shape (and dtype, device unless given)."""
    return _like("empty_like", None, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """`fill_value` everywhere, with input's shape (and dtype, device unless given)."""
    return _like("full_like", fill_value, input, dtype, device, requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from start (default 0) up to but excluding end, `step` apart."""
    if end is None:
        start, end = 0, _number(start, "arange", "end", 1)
    else:
        start, end = _number(start, "arange", "start", 1), _number(end, "arange", "end", 2)
    step = _number(step, "arange", "step", 3)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    all_int = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    np_dtype = _np_dtype(dtype) or (np.dtype(np.int64) if all_int else _dtype.get_default_dtype().np)
    integral = np_dtype.kind in "iub"
    if integral and not all_int:  # as PyTorch: int64 truncates the bounds and step first; other integer dtypes
        if np_dtype == np.int64:  # count the steps from the float bounds, then step from int(start) by int(step)
            start, end, step = builtins.int(start), builtins.int(end), builtins.int(step)
            if step == 0:
                raise ValueError("step must be nonzero")
        n = math.ceil((end - start) / step)
        start, step = builtins.int(start), builtins.int(step)
    else:
        n = math.ceil((end - start) / step)
    if _on_meta(device):
        return _meta_tensor((n,), np_dtype, requires_grad, out)
    a = (start + np.arange(n, dtype=np.int64 if all_int or integral else np.float64) * step).astype(np_dtype)
    return _finish(a, None, device, requires_grad, out)


def range(start, end, step=1, *, out=None, dtype=None, layout=None, device=None,
                     requires_grad=False) -> Tensor:
    """Values from start to end inclusive, `step` apart, in the default float dtype (deprecated in PyTorch, with
    its warning: use arange)."""
    warnings.warn("ember.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use ember.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = (_number(start, "range", "start", 1), _number(end, "range", "end", 2),
                        _number(step, "range", "step", 3))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    n = builtins.int(math.floor((end - start) / step)) + 1
    return _finish((start + np.arange(n, dtype=np.float64) * step).astype(np_dtype), None, device, requires_grad, out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive."""
    start, end, steps = _space_args(start, end, steps, "linspace")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if _on_meta(device):
        return _meta_tensor((steps,), np_dtype, requires_grad, out)
    return _finish(spaced(start, end, steps, np_dtype), None, device, requires_grad, out)


def spaced(start, end, steps: int, np_dtype) -> np.ndarray:
    """linspace's values as PyTorch's kernel computes them: step = (end - start) / (steps - 1) in the dtype (float32
    for half precision, float64 for integers, which truncate), the first half of the values start + i * step and the
    rest end - (steps - 1 - i) * step, each a fused multiply-add (one rounding: emulated in a wider type), so that
    both ends are exact."""
    work = np.dtype(np.float64) if np_dtype.kind in "iub" else _work_dtype(np_dtype)
    start, end = work.type(start), work.type(end)
    if steps == 1:
        return np.array([start]).astype(np_dtype)
    step = (end - start) / work.type(steps - 1)
    wide = np.promote_types(work, np.float64 if work.itemsize < 8 else np.longdouble)
    i = np.arange(steps).astype(wide)
    half = steps // 2
    first = wide.type(start) + wide.type(step) * i[:half]
    rest = wide.type(end) - wide.type(step) * (steps - 1 - i[half:])
    return np.concatenate((first, rest)).astype(np_dtype)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    n, m = _int(n, "eye", "n", any_shape=True), None if m is None else _int(m, "eye", "m", 2, any_shape=True)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n}" if n < 0 else
                           f"m must be greater or equal to 0, got {m}")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if _on_meta(device):
        return _meta_tensor((n, n if m is None else m), np_dtype, requires_grad, out)
    return _finish(np.eye(n, m, dtype=np_dtype), None, device, requires_grad, out)


def _float_dtype(dtype, name, kinds="fV"):
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if np_dtype.kind not in kinds:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.scalar_type_name(np_dtype)}': "
                                  "expected a floating point dtype")
    return np_dtype


def _work_dtype(np_dtype):
    """The dtype NumPy's generator draws floats of `np_dtype` in: float32 for float16 and bfloat16, which it lacks."""
    return np.dtype(np.float32) if np_dtype.itemsize == 2 else np_dtype


def _draw(draw, size, np_dtype, complex_scale=1.0):
    """`draw(shape, dtype)` for a floating dtype; a complex dtype draws its two parts independently, each
    scaled by `complex_scale`."""
    if np_dtype.kind != "c":
        return draw(size, dtype=_work_dtype(np_dtype))
    parts = draw(size + (2,), dtype=_dtype.FROM_NP[np_dtype].to_real().np)
    if complex_scale != 1.0:
        parts *= complex_scale
    return parts.view(np_dtype)[..., 0]


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         **keywords) -> Tensor:
    """Uniform samples from [0, 1) (for a complex dtype, in each of the real and imaginary parts)."""
    if keywords:
        size = varargs_keyword("rand", size, keywords, "size")
    np_dtype = _float_dtype(dtype, "check_uniform_bounds", "fcV")
    if _on_meta(device):  # as PyTorch's: no draw, the generator's state stays
        return _meta_tensor(_size(size), np_dtype, requires_grad, out)
    a = _draw(rng(generator).random, _size(size), np_dtype)
    return _finish(a, np_dtype, device, requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          **keywords) -> Tensor:
    """Standard normal samples (for a complex dtype, with variance 1/2 in each part, as in PyTorch)."""
    if keywords:
        size = varargs_keyword("randn", size, keywords, "size")
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu", "fcV")
    if _on_meta(device):  # as PyTorch's: no draw, the generator's state stays
        return _meta_tensor(_size(size), np_dtype, requires_grad, out)
    a = _draw(rng(generator).standard_normal, _size(size), np_dtype, 0.5 ** 0.5)
    return _finish(a, np_dtype, device, requires_grad, out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    if size is None:  # randint(high, size)
        low, high, size, high_position = 0, low, high, 1
    elif high is None:  # randint(high, size=size)
        low, high, high_position = 0, low, 1
    else:
        low, high_position = _int(low, "randint", "low", any_shape=True), 2
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: expected randint(low=0, high, size)")
    high = _int(high, "randint", "high", high_position, any_shape=True)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    np_dtype = _np_dtype(dtype) or np.dtype(np.int64)
    if _on_meta(device):
        return _meta_tensor(_size((size,)), np_dtype, requires_grad, out)
    return _finish(rng(generator).integers(low, high, _size((size,))), np_dtype, device, requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1."""
    n = _int(n, "randperm", "n", any_shape=True)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    np_dtype = _np_dtype(dtype) or np.dtype(np.int64)
    if _on_meta(device):
        return _meta_tensor((n,), np_dtype, requires_grad, out)
    return _finish(rng(generator).permutation(n), np_dtype, device, requires_grad, out)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """Uniform [0, 1) samples with input's shape (and dtype, device unless given)."""
    shape = _input_shape(input, "rand_like")
    dtype, device = _new_defaults(input, dtype, device)
    return rand(shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """Standard normal samples with input's shape (and dtype, device unless given)."""
    shape = _input_shape(input, "randn_like")
    dtype, device = _new_defaults(input, dtype, device)
    return randn(shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None) -> Tensor:
    """Random integers in [low, high) with input's shape (and dtype, device unless given)."""
    shape = _input_shape(input, "randint_like")
    if high is None:
        low, high = 0, low
    dtype, device = _new_defaults(input, dtype, device)
    return randint(low, high, shape, generator=generator, dtype=dtype, device=device,
                   requires_grad=requires_grad)


def _space_args(start, end, steps, name):
    """Check and unpack linspace's and logspace's arguments: numbers or 0-dim tensors, and an int count."""
    dims = [t._data.ndim if isinstance(t, Tensor) else 0 for t in (start, end)]
    if dims != [0, 0]:
        raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got start with {dims[0]} "
                           f"dimension(s) and end with {dims[1]} dimension(s).")
    if isinstance(steps, Tensor) and steps._data.ndim == 0:
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{name}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return float(start), float(end), int(steps)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """`steps` values from base ** start to base ** end, evenly spaced on a log scale."""
    start, end, steps = _space_args(start, end, steps, "logspace")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if np_dtype.kind == "b":
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    a = np.power(float(base), np.linspace(start, end, steps)).astype(np_dtype)
    return _finish(a, None, device, requires_grad, out)


def _triangle_indices(select, row, col, offset, dtype, device, name):
    """The (2, N) indices that `select` (np.tril_indices or np.triu_indices) gives for a row x col matrix."""
    for value, which in ((row, "row"), (col, "col"), (offset, "offset")):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name}(): argument '{which}' must be int, not {type(value).__name__}")
    for value, which in ((row, "row"), (col, "col")):
        if value < 0:
            raise RuntimeError(f"{which} must be non-negative, got{value}")
    np_dtype = _np_dtype(dtype) or np.dtype(np.int64)
    if np_dtype not in (np.int32, np.int64):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.scalar_type_name(np_dtype)}'")
    return _finish(np.stack(select(row, offset, col)).astype(np_dtype), None, device, False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """Row and column indices, shape (2, N), of the lower triangle of a row x col matrix: the diagonal `offset`
    and those below it."""
    return _triangle_indices(np.tril_indices, row, col, offset, dtype, device, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """Row and column indices, shape (2, N), of the upper triangle of a row x col matrix: the diagonal `offset`
    and those above it."""
    return _triangle_indices(np.triu_indices, row, col, offset, dtype, device, "triu_indices")


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An uninitialised tensor of `size` laid out in memory with the given `stride` (in elements)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"empty_strided(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    shape, strides = _size((size,)), _size((stride,), "stride")
    if len(shape) != len(strides):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
                           f"({len(strides)})")
    extent = 0 if 0 in shape else 1 + builtins.sum((n - 1) * s for n, s in zip(shape, strides))
    memory = _filled(None, (extent,), dtype, device, False)._data
    a = array_module(memory).lib.stride_tricks.as_strided(memory, shape,
                                                          tuple(s * memory.itemsize for s in strides))
    return _finish(a, None, None, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A 0-dim tensor holding the number `s`, of the default float dtype unless `dtype` is given."""
    if isinstance(s, Tensor) and s._data.ndim == 0:
        s = s.item()
    if not isinstance(s, (builtins.int, builtins.float, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    if isinstance(s, builtins.int) and not -2**63 <= s < 2**63:
        raise OverflowError("int too big to convert")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    value = np.array(s)
    _check_overflow(value, np_dtype, s)
    return _finish(value.astype(np_dtype), None, device, requires_grad)


def legacy_constructor(args, device, dtype) -> Tensor:
    """`ember.Tensor(2, 3)` (uninitialised float) or `ember.Tensor([1, 2])` (float data)."""
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if not args:
        return wrap(np.empty((0,), np_dtype))
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            return data
        return wrap(np.array(_infer_array(data), dtype=np_dtype))
    return wrap(np.empty(_size(args), np_dtype))


# ---- Tensor.new_* -------------------------------------------------------------------------------
def _new_defaults(self, dtype, device):
    return dtype or self.dtype, device if device is not None else (None if self.is_cpu else self.device)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor from `data` with self's dtype and device unless given."""
    dtype, device = _new_defaults(self, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """Zeros of `size` with self's dtype and device unless given."""
    if keywords:
        size = varargs_keyword("new_zeros", size, keywords, "size")
    dtype, device = _new_defaults(self, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """Ones of `size` with self's dtype and device unless given."""
    if keywords:
        size = varargs_keyword("new_ones", size, keywords, "size")
    dtype, device = _new_defaults(self, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """Uninitialised tensor of `size` with self's dtype and device unless given."""
    if keywords:
        size = varargs_keyword("new_empty", size, keywords, "size")
    dtype, device = _new_defaults(self, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`fill_value` everywhere, of `size`, with self's dtype and device unless given."""
    dtype, device = _new_defaults(self, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False) -> Tensor:
    """An uninitialised tensor of `size` whose dims lie in memory in the order `physical_layout` (outermost
    first)."""
    shape = _size((size,))
    order = tuple(physical_layout)
    if sorted(order) != list(builtins.range(len(shape))):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; or "
                           f"physical_layout is not a permutation of the dims: {list(order)} for size {list(shape)}")
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if _on_meta(device):
        return _meta_tensor(shape, np_dtype, requires_grad)
    memory = np.empty(tuple(shape[d] for d in order), np_dtype)
    return _finish(memory.transpose(np.argsort(order)), None, device, requires_grad)


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the memory of a Python buffer (bytes, bytearray, array, mmap, ...), sharing it when the
    buffer is writable; a read-only buffer is copied, with PyTorch's warning."""
    np_dtype = _np_dtype(dtype)
    try:
        a = np.frombuffer(buffer, np_dtype, count, offset)
    except ValueError as e:
        raise ValueError(f"frombuffer: {e}") from None
    if not a.flags.writeable:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. ember "
                      "copies it, so writes to the tensor do not reach the buffer.", UserWarning, stacklevel=2)
        a = a.copy()
    return _finish(a, None, None, requires_grad)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing the memory of any object with the DLPack protocol (a NumPy or CuPy array, a PyTorch
    tensor, ...)."""
    if not hasattr(ext_tensor, "__dlpack_device__"):
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed only "
                           "once, so you might have already constructed a tensor from it once.")
    device_type, _ = ext_tensor.__dlpack_device__()
    if device_type == 1:  # the CPU
        return wrap(np.from_dlpack(ext_tensor))
    return wrap(module_for("cuda").from_dlpack(ext_tensor))


def to_dlpack(tensor: Tensor):
    """A DLPack capsule of the tensor's memory, for another library's from_dlpack."""
    try:
        a = tensor._data
    except AttributeError:
        raise _type_error("_to_dlpack", "data", tensor, "Tensor") from None  # PyTorch's name for to_dlpack
    return a.__dlpack__()


def from_file(filename, shared: bool | None = None, size: int = 0, *, dtype=None, layout=None, device=None,
              pin_memory: bool = False) -> Tensor:
    """A 1-D tensor of `size` elements read from a raw binary file; with `shared`, mapped from the file, so that
    writes to the tensor reach the file."""
    np_dtype = _np_dtype(dtype) or _dtype.get_default_dtype().np
    if shared:
        array = np.memmap(filename, np_dtype, "r+", shape=(size,))
    else:
        array = np.fromfile(filename, np_dtype, count=size)
        if array.size < size:
            raise RuntimeError(f"from_file: the file holds {array.size} elements of {np.dtype(np_dtype).name}, "
                               f"fewer than the {size} asked for")
    return _finish(array, None, device, False)
