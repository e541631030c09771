"""The arrays of PyTorch's 'meta' device: a shape and a dtype, and no data.

NOTE [ Meta tensors ]
A meta tensor is an ember Tensor whose `_data` is a `MetaArray`: an ndarray subclass over ONE element of its
dtype, viewed with all strides 0 at any shape, so it costs a few bytes whatever its shape (a 50000 x 50000 meta
Linear holds 8 bytes of weight). Its class is its device, as numpy.ndarray is the CPU's and cupy.ndarray CUDA's:
Tensor.device, array_module and the data read-outs look at the class. Why a subclass, not a duck type (as vmap's
BatchedArray) nor checks in the ops: ember's ops are NumPy code over `tensor._data`, so with a subclass every
ndarray attribute and method works as it is, views (reshape, transpose, slicing, expand) are views of the one
element, nothing is left unimplemented, and no op of the CPU or GPU path changes.

No op computes on meta data. NumPy hands every ufunc call on a MetaArray to `__array_ufunc__` and every NumPy
function to `__array_function__`, which give a new MetaArray of the result's shape and dtype: the shape from
broadcasting (or the gufunc signature of matmul, or the reduced axes), the dtype from the same ufunc applied to
0-d arrays of the operands' dtypes, so type promotion is NumPy's own. The NumPy functions that ember's ops use
and that would copy or compute in C (concatenate, where, einsum, dot, take, pad, sort, copies, ...) have rules
here (FUNCTIONS); any other runs NumPy's own implementation on the MetaArrays, whose inner calls come back to
these rules, and its results become fresh MetaArrays. Arrays are made through the array module, as for CuPy:
`array_module` gives `numpy_namespace`, NumPy with empty/zeros/ones/full/eye/asarray making MetaArrays and
`lib.stride_tricks.as_strided` ignoring the strides (all strides are 0, so no view reaches beyond the element).
Random samplers draw nothing (ops/random.py `_draw`, dropout, the factories): the generator's state stays, as
in PyTorch. So a meta forward and backward of a big model allocates nothing in proportion to its tensors;
autograd records and runs as usual, its formulas being NumPy code too (gradients are meta tensors).

What needs the values raises as PyTorch does: `.item()`, `float()`, `int()`, `bool()` of a tensor (RuntimeError
"Tensor.item() cannot be called on meta tensors"), `.tolist()`, `.cpu()`, `.to('cpu')` and copies into another
device (NotImplementedError "Cannot copy out of meta tensor; no data!": backend.to_numpy and on_device; Module.to
adds PyTorch's hint to use to_empty), `.numpy()` (TypeError), and ops whose result's shape depends on the values
(nonzero, boolean masks, unique, bincount: NotImplementedError). A NumPy array of one or more dims meeting a
MetaArray in an op is PyTorch's RuntimeError "Tensor on device cpu is not on the expected device meta!" (a 0-d
one is a CPU scalar, which PyTorch takes). Writes (`a[k] = v`, `out=`, np.copyto, ufunc.at) do nothing.

The control flow inside ember's kernels is another matter: `if xp.isnan(out).any():` (a NaN path) or `if (index
< 0).any(): raise` (a check of values) must not stop a meta forward, and PyTorch's meta kernels check no values.
So bool(), int() and float() of a meta ARRAY are NumPy's, of its element: zero, except that the result of all()
holds True; data are assumed benign (no NaN to handle, no index out of range). Only item() and tolist() of the
array raise, and the Tensor read-outs go through them (Tensor.__bool__ asks). A kernel that would size a result
from values must ask item() (one_hot with num_classes=-1) or have a rule here that raises.

Zero cost elsewhere: NumPy consults the overrides only for arrays that define them; array_module asks whether an
array is a MetaArray only once one has been made (`_NOT_NUMPY` in backend/__init__.py); the other meta checks
sit where data is read out (to_numpy, item, repr), where devices are parsed or compared (to, copy_, operands'
mismatch branch, indexing by a tensor), in host-drawing samplers before the draw, or in branches that the CPU
path takes only to raise (check_no_overlap: strides 0 are how a meta array has no memory).

Approximations: a meta tensor reports contiguous strides and storage offset 0 whatever view it is (PyTorch tracks
them through a transpose or a slice), views never fail for a layout (view of a transpose), and NumPy functions
without a rule that compute in C (np.linalg's, say) compute on the broadcast element: shapes stay right, the
memory of the result is allocated for the moment, and a factorization of a constant matrix may fail
(LinAlgError). Saving a meta tensor raises (no data to write); loading with map_location='meta' works.
"""
import functools
import math
import re
import types

import numpy
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

__all__ = ["MetaArray", "empty", "numpy_namespace", "NO_DATA", "NO_ITEM", "is_meta", "fallback_namespace"]

NO_DATA = "Cannot copy out of meta tensor; no data!"
NO_ITEM = "Tensor.item() cannot be called on meta tensors"
_CREATED = [False]  # whether a MetaArray was ever made: array_module looks for them only from then on


_TYPE = type  # MetaArray.view's argument `type` hides the builtin


def _data_dependent(name: str) -> NotImplementedError:
    return NotImplementedError(f"{name} of a meta tensor: the shape of the result depends on the values, which a "
                               "meta tensor does not have")


class MetaArray(numpy.ndarray):
    """The array of a meta tensor: a shape and a dtype over one broadcast element (NOTE [ Meta tensors ])."""
    __slots__ = ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _function(func, args, kwargs)

    # ---- the values, which there are none of --------------------------------------------------------------------
    def item(self, *args):
        """Refused: a meta array has no values."""
        raise RuntimeError(NO_ITEM)

    def tolist(self):
        """Refused: a meta array has no values."""
        raise NotImplementedError(NO_DATA)

    def tobytes(self, order="C"):
        """Refused: a meta array has no values."""
        raise NotImplementedError(NO_DATA)

    tostring = tobytes

    def tofile(self, *args, **kwargs):
        """Refused: a meta array has no values."""
        raise NotImplementedError(NO_DATA)

    def __dlpack__(self, *args, **kwargs):
        raise NotImplementedError(NO_DATA)

    # bool(), int(), float() and operator.index are NumPy's, of the one element: the values ember's kernels assume
    # (NOTE [ Meta tensors ]); the Tensor read-outs refuse a meta tensor through item() or Tensor.__bool__

    def __repr__(self):
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    __str__ = __repr__

    def __reduce__(self):
        return (empty, (self.shape, self.dtype))

    def __reduce_ex__(self, protocol):
        return self.__reduce__()

    # ---- indexing: views stay views of the element; other keys give a new array of the indexed shape ----------------
    def __getitem__(self, key):
        if _is_basic(key):
            r = numpy.ndarray.__getitem__(self, key)
            return r if r.__class__ is MetaArray else empty((), self.dtype)  # an element: no number to give
        return empty(_indexed_shape(self.shape, key), self.dtype)

    def __iter__(self):
        if not self.ndim:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __setitem__(self, key, value):
        pass  # no data to write

    # ---- writes in place: nothing to write ------------------------------------------------------------------------
    def fill(self, value):
        """Nothing to fill: a meta array has no values."""

    def sort(self, axis=-1, kind=None, order=None, *, stable=None):
        """Nothing to sort: a meta array has no values."""

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        """Nothing to partition: a meta array has no values."""

    def put(self, indices, values, mode="raise"):
        """Nothing to write: a meta array has no values."""

    # ---- copies, casts and methods that would compute in C ---------------------------------------------------------
    def copy(self, order="C"):
        """A new meta array of the same shape and dtype."""
        return empty(self.shape, self.dtype)

    def __copy__(self):
        return empty(self.shape, self.dtype)

    def __deepcopy__(self, memo):
        return empty(self.shape, self.dtype)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """A meta array of `dtype` (self when it has that dtype already and `copy` is False)."""
        dtype = numpy.dtype(dtype)
        if not copy and dtype == self.dtype:
            return self
        return empty(self.shape, dtype)

    def flatten(self, order="C"):
        """A new 1-D meta array of the same size."""
        return empty((self.size,), self.dtype)

    def ravel(self, order="C"):
        """A 1-D view."""
        return self.reshape(-1)

    def view(self, dtype=None, type=None):
        """A view, possibly as another dtype (whose item size changes the last dim, as NumPy's)."""
        if type is None and isinstance(dtype, _TYPE) and issubclass(dtype, numpy.ndarray):
            dtype, type = None, dtype
        if dtype is None or numpy.dtype(dtype).itemsize == self.itemsize:
            r = numpy.ndarray.view(self) if dtype is None else numpy.ndarray.view(self, dtype)
            return r if type is None or type is MetaArray else r.view(type)
        dtype = numpy.dtype(dtype)
        if not self.ndim:
            raise ValueError("Changing the dtype of a 0d array is only supported if the itemsize is unchanged")
        last = self.shape[-1] * self.itemsize
        if last % dtype.itemsize:
            raise ValueError("When changing to a smaller dtype, its size must be a divisor of the size of original "
                             "dtype")
        return empty(self.shape[:-1] + (last // dtype.itemsize,), dtype)

    def argsort(self, axis=-1, kind=None, order=None, *, stable=None):
        """Indices of the shape `sort` keeps."""
        return empty((self.size,) if axis is None else _checked_shape(self.shape, axis), numpy.intp)

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        """Indices of the shape `partition` keeps."""
        return self.argsort(axis)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        """Indices of the reduced shape."""
        return _arg_reduction(self, axis, out, keepdims)

    argmin = argmax

    def nonzero(self):
        """Refused: the number of nonzero elements depends on the values."""
        raise _data_dependent("nonzero")

    def dot(self, b, out=None):
        """numpy.dot."""
        return numpy.dot(self, b, out=out)

    def round(self, decimals=0, out=None):
        """A meta array of the same shape and dtype."""
        return empty(self.shape, self.dtype) if out is None else out

    def take(self, indices, axis=None, out=None, mode="raise"):
        """numpy.take."""
        return _take(self, indices, axis, out, mode)

    def repeat(self, repeats, axis=None):
        """numpy.repeat."""
        return _repeat(self, repeats, axis)

    def searchsorted(self, v, side="left", sorter=None):
        """Indices of v's shape."""
        return empty(_shape(v), numpy.intp)


def is_meta(array) -> bool:
    """Whether `array` is a meta array."""
    return array.__class__ is MetaArray


def empty(shape, dtype=float, truth: bool = False) -> MetaArray:
    """A meta array of `shape` and `dtype`: one element of its own (zero, or one when `truth`), viewed with
    strides 0."""
    if not _CREATED[0]:
        _first_meta_array()
    dtype = numpy.dtype(dtype)
    shape = (int(shape),) if isinstance(shape, (int, numpy.integer)) else tuple(map(int, shape))
    if any(n < 0 for n in shape):
        raise ValueError("negative dimensions are not allowed")
    element = numpy.ones((), dtype) if truth else numpy.zeros((), dtype)
    return numpy.ndarray.__new__(MetaArray, shape, dtype, element, 0, (0,) * len(shape))


def _first_meta_array() -> None:
    from . import _meta_arrays_exist  # cycle: the backend package imports this module
    _meta_arrays_exist()
    _CREATED[0] = True


def _meta(r):
    """`r` (an ndarray, a NumPy scalar, or tuples and lists of them) with each array as a meta array: zero-strided
    meta arrays stay (views of one element), others are replaced by fresh ones, releasing what was computed."""
    if isinstance(r, numpy.ndarray):
        if r.__class__ is MetaArray and not any(r.strides):
            return r
        return empty(r.shape, r.dtype)
    if isinstance(r, numpy.generic):
        return empty((), r.dtype)
    if isinstance(r, (tuple, list)):
        items = [_meta(x) for x in r]
        if hasattr(r, "_fields"):  # a named tuple (np.linalg's results)
            return type(r)(*items)
        return type(r)(items)
    return r


def _plain_to_meta(r):
    """`r` with each NumPy array (exactly numpy.ndarray) in it, or in its tuples and lists, as a meta array."""
    if r.__class__ is numpy.ndarray:
        return empty(r.shape, r.dtype)
    if isinstance(r, (tuple, list)):
        items = [_plain_to_meta(x) for x in r]
        return type(r)(*items) if hasattr(r, "_fields") else type(r)(items)
    return r


# ---- devices ------------------------------------------------------------------------------------------------------
_LENIENT = [0]  # > 0 while NumPy's own code runs on meta arrays: its inner host arrays are not the caller's


def _check_devices(values) -> None:
    """PyTorch's RuntimeError when a NumPy array of one or more dims (a CPU tensor's) meets a meta array; a 0-d one
    is a CPU scalar, which PyTorch takes."""
    if _LENIENT[0]:
        return
    for v in values:
        if v.__class__ is numpy.ndarray:
            if v.ndim:
                raise _mixed(values)
        elif v.__class__ is list or v.__class__ is tuple:
            for x in v:
                if x.__class__ is numpy.ndarray and x.ndim:
                    raise _mixed(values)


def _mixed(values) -> RuntimeError:
    for v in values:
        for x in (v if v.__class__ is list or v.__class__ is tuple else (v,)):
            if x.__class__ is MetaArray:
                expected, other = "meta", "cpu"
                break
            if x.__class__ is numpy.ndarray and x.ndim:
                expected, other = "cpu", "meta"
                break
        else:
            continue
        break
    return RuntimeError(f"Tensor on device {other} is not on the expected device {expected}!")


# ---- shapes ------------------------------------------------------------------------------------------------------
def _shape(x) -> tuple:
    return x.shape if isinstance(x, numpy.ndarray) else numpy.shape(x)


def _checked_shape(shape, axis) -> tuple:
    normalize_axis_index(axis, len(shape))
    return shape


_BASIC = (int, slice, type(None), type(Ellipsis), numpy.integer)


def _is_basic(key) -> bool:
    if key.__class__ is tuple:
        return all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in key)
    return isinstance(key, _BASIC) and not isinstance(key, bool)


_NO_BYTES = numpy.zeros((), "V0")  # an element of no bytes: indexing it allocates nothing


def _indexed_shape(shape, key) -> tuple:
    """The shape of array[key] for an array of `shape` (a key with index arrays or masks)."""
    keys = key if key.__class__ is tuple else (key,)
    plain = []
    for k in keys:
        if k.__class__ is MetaArray:
            if k.dtype.kind == "b" and k.ndim:
                raise _data_dependent("Indexing with a boolean mask")
            k = numpy.broadcast_to(numpy.zeros((), k.dtype), k.shape)
        plain.append(k)
    return numpy.broadcast_to(_NO_BYTES, shape)[tuple(plain) if key.__class__ is tuple else plain[0]].shape


def _proxy(x):
    """A 0-d array of x's dtype for an array; a number stays a number (NumPy promotes it as a weak scalar)."""
    if isinstance(x, numpy.ndarray):
        return numpy.ones((), x.dtype)
    if isinstance(x, (list, tuple)):
        return numpy.ones((), numpy.asarray(x).dtype)
    return x


# ---- ufuncs ------------------------------------------------------------------------------------------------------
def _ufunc(ufunc, method, inputs, kwargs):
    out = kwargs.pop("out", None)
    outs = tuple(o for o in (out if isinstance(out, tuple) else (out,)) if o is not None)
    _check_devices(inputs + outs)
    if method == "at":
        return None  # ufunc.at writes in place: nothing to write
    rule = _UFUNC_METHODS.get(method)
    if rule is None:  # reduceat: NumPy's own, on the broadcast element
        return _computed(getattr(ufunc, method), inputs, dict(kwargs, out=out) if outs else kwargs)
    results = rule(ufunc, inputs, kwargs)
    if outs:
        for o, (shape, _) in zip(outs, results):
            if numpy.broadcast_shapes(shape, o.shape) != o.shape:
                raise ValueError(f"non-broadcastable output operand with shape {o.shape} doesn't match the broadcast "
                                 f"shape {shape}")
        return outs[0] if len(outs) == 1 else outs
    truth = ufunc is numpy.logical_and and method == "reduce"  # all(): True (NOTE [ Meta tensors ])
    arrays = tuple(empty(shape, dtype, truth) for shape, dtype in results)
    return arrays[0] if len(arrays) == 1 else arrays


def _call(ufunc, inputs, kwargs):
    kwargs.pop("where", None)  # a mask picks values, not shapes
    if ufunc.signature is not None:
        return _gufunc(ufunc, inputs, kwargs)
    shape = numpy.broadcast_shapes(*map(_shape, inputs))
    with numpy.errstate(all="ignore"):
        r = ufunc(*map(_proxy, inputs), **kwargs)
    return [(shape, x.dtype) for x in (r if ufunc.nout > 1 else (r,))]


@functools.cache
def _signature(signature: str):
    """A gufunc signature '(n?,k),(k,m?)->(n?,m?)' as the core dims of its inputs and outputs."""
    ins, outs = signature.replace(" ", "").split("->")
    return tuple(tuple(tuple(d for d in group.split(",") if d) for group in re.findall(r"\(([^)]*)\)", part))
                 for part in (ins, outs))


def _gufunc(ufunc, inputs, kwargs):
    """Output shapes and dtypes of a generalized ufunc (matmul, np.linalg's kernels) from its signature."""
    if {"axes", "axis", "keepdims"} & kwargs.keys():
        return [(r.shape, r.dtype) for r in _as_tuple(_computed(ufunc, inputs, kwargs))]
    ins, outs = _signature(ufunc.signature)
    sizes, missing, loops, proxies = {}, set(), [], []
    for i, (core, x) in enumerate(zip(ins, inputs)):
        shape = _shape(x)
        if len(shape) < len(core):
            optional = [d for d in core if d.endswith("?")]
            if len(shape) < len(core) - len(optional):
                raise ValueError(f"{ufunc.__name__}: Input operand {i} does not have enough dimensions (has "
                                 f"{len(shape)}, gufunc core with signature {ufunc.signature} requires {len(core)})")
            missing.update(d[:-1] for d in optional)
            core = tuple(d for d in core if not d.endswith("?"))
        lead = len(shape) - len(core)
        loops.append(shape[:lead])
        for j, (d, size) in enumerate(zip(core, shape[lead:])):
            name = d.rstrip("?")
            known = int(name) if name.isdigit() else sizes.setdefault(name, size)
            if known != size:
                raise ValueError(f"{ufunc.__name__}: Input operand {i} has a mismatch in its core dimension {j}, "
                                 f"with gufunc signature {ufunc.signature} (size {size} is different from {known})")
        proxies.append(numpy.ones(tuple(int(d) if d.isdigit() else 1 for d in core), x.dtype)
                       if isinstance(x, numpy.ndarray) else x)
    loop = numpy.broadcast_shapes(*loops)
    try:
        with numpy.errstate(all="ignore"):
            dtypes = [r.dtype for r in _as_tuple(ufunc(*proxies, **kwargs))]
    except Exception:  # noqa: BLE001 (a kernel refusing the proxy's values, as a singular matrix: NumPy's promotion)
        dtypes = [numpy.result_type(*(x.dtype for x in inputs if isinstance(x, numpy.ndarray)))] * ufunc.nout
    return [(loop + tuple(sizes.get(d.rstrip("?"), 1) if not d.isdigit() else int(d)
                          for d in core if d.rstrip("?") not in missing), dt) for core, dt in zip(outs, dtypes)]


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


def _reduce(ufunc, inputs, kwargs):
    (a,) = inputs
    axis = kwargs.get("axis", 0)
    keepdims = kwargs.get("keepdims", False)
    initial = kwargs.get("initial", numpy._NoValue)
    shape = _shape(a)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    if (ufunc.identity is None and initial is numpy._NoValue and kwargs.get("where", True) is True
            and any(shape[d] == 0 for d in axes)):
        raise ValueError(f"zero-size array to reduction operation {ufunc.__name__} which has no identity")
    if keepdims:
        result = tuple(1 if d in axes else n for d, n in enumerate(shape))
    else:
        result = tuple(n for d, n in enumerate(shape) if d not in axes)
    options = {k: v for k, v in kwargs.items() if k == "dtype" or (k == "initial" and v is not numpy._NoValue)}
    with numpy.errstate(all="ignore"):
        r = ufunc.reduce(numpy.ones((1,) * len(shape), a.dtype), axis=axis, **options)
    return [(result, r.dtype)]


def _accumulate(ufunc, inputs, kwargs):
    (a,) = inputs
    shape = _shape(a)
    axis = kwargs.get("axis", 0)
    normalize_axis_index(0 if axis is None else axis, len(shape))
    with numpy.errstate(all="ignore"):
        r = ufunc.accumulate(numpy.ones((1,) * len(shape), a.dtype), axis=axis, dtype=kwargs.get("dtype"))
    return [(shape, r.dtype)]


def _outer(ufunc, inputs, kwargs):
    a, b = inputs
    kwargs.pop("where", None)
    with numpy.errstate(all="ignore"):
        r = ufunc.outer(_proxy(a), _proxy(b), **kwargs)
    return [(_shape(a) + _shape(b), x.dtype) for x in _as_tuple(r)]


_UFUNC_METHODS = {"__call__": _call, "reduce": _reduce, "accumulate": _accumulate, "outer": _outer}


# ---- NumPy functions ---------------------------------------------------------------------------------------------
def _function(func, args, kwargs):
    rule = FUNCTIONS.get(func)
    if rule is not None:
        _check_devices(args + tuple(kwargs.values()))
        return rule(*args, **kwargs)
    name = DATA_DEPENDENT.get(func)
    if name is not None:
        raise _data_dependent(name)
    if func in READS_VALUES:
        raise RuntimeError(NO_ITEM)
    _check_devices(args + tuple(kwargs.values()))
    return _computed(func._implementation, args, kwargs)


def _computed(fn, args, kwargs):
    """fn(*args, **kwargs) run by NumPy's own code over the broadcast elements, its results as meta arrays."""
    _LENIENT[0] += 1
    try:
        with numpy.errstate(all="ignore"):
            return _meta(fn(*args, **kwargs))
    finally:
        _LENIENT[0] -= 1


def _result_dtype(arrays):
    return numpy.result_type(*(x.dtype if isinstance(x, numpy.ndarray) else x for x in arrays))


def _written(out, shape, dtype):
    """`out` (checked to take `shape`) when given, else a new meta array."""
    if out is None:
        return empty(shape, dtype)
    if numpy.broadcast_shapes(shape, out.shape) != out.shape:
        raise ValueError(f"output array has the wrong shape {out.shape}: the result has shape {shape}")
    return out


def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    shapes = [_shape(a) for a in arrays]
    if axis is None:
        shape = (sum(math.prod(s) for s in shapes),)
    else:
        first = shapes[0]
        if not first:
            raise ValueError("zero-dimensional arrays cannot be concatenated")
        axis = normalize_axis_index(axis, len(first))
        for i, s in enumerate(shapes[1:], 1):
            if len(s) != len(first):
                raise ValueError(f"all the input arrays must have same number of dimensions, but the array at index 0 "
                                 f"has {len(first)} dimension(s) and the array at index {i} has {len(s)} dimension(s)")
            for d in range(len(first)):
                if d != axis and s[d] != first[d]:
                    raise ValueError(f"all the input array dimensions except for the concatenation axis must match "
                                     f"exactly, but along dimension {d}, the array at index 0 has size {first[d]} and "
                                     f"the array at index {i} has size {s[d]}")
        shape = first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]
    return _written(out, shape, numpy.dtype(dtype) if dtype is not None else _result_dtype(arrays))


def _where(condition, *values):
    if not values:
        raise _data_dependent("where(condition)")
    x, y = values
    return empty(numpy.broadcast_shapes(_shape(condition), _shape(x), _shape(y)),
                 numpy.where(True, _proxy(x), _proxy(y)).dtype)


def _dot(a, b, out=None):
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        shape = sa or sb
    else:
        k = sb[0] if len(sb) == 1 else sb[-2]
        if sa[-1] != k:
            raise ValueError(f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != {k} (dim "
                             f"{max(len(sb) - 2, 0)})")
        shape = sa[:-1] + sb[:-2] + sb[-1:] if len(sb) > 1 else sa[:-1]
    return _written(out, shape, numpy.dot(_proxy(a), _proxy(b)).dtype)


def _vdot(a, b):
    return empty((), numpy.vdot(_proxy(a), _proxy(b)).dtype)


def _inner(a, b):
    sa, sb = _shape(a), _shape(b)
    if sa and sb and sa[-1] != sb[-1]:
        raise ValueError("shapes not aligned: the last dimensions differ")
    return empty(sa[:-1] + sb[:-1] if sa and sb else sa or sb, numpy.inner(_proxy(a), _proxy(b)).dtype)


def _einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    if not isinstance(operands[0], str):  # the interleaved form: NumPy's own
        return _computed(numpy.einsum._implementation, operands,
                         {"out": out, "dtype": dtype, "order": order, "casting": casting, "optimize": optimize})
    subscripts, arrays = operands[0].replace(" ", ""), operands[1:]
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(arrays):
        raise ValueError("more operands provided to einstein sum function than specified in the subscripts string")
    sizes, ellipses = {}, []
    for term, x in zip(terms, arrays):
        shape = _shape(x)
        if "..." in term:
            before, after = term.split("...")
            n = len(shape) - len(before) - len(after)
            ellipses.append(shape[len(before):len(before) + n])
            letters, dims = before + after, shape[:len(before)] + shape[len(before) + n:]
        else:
            letters, dims = term, shape
        if len(letters) != len(dims):
            raise ValueError(f"operand has more dimensions than subscripts given in einstein sum: {term} for {shape}")
        for c, n in zip(letters, dims):
            known = sizes.get(c, 1)
            if known != n and known != 1 and n != 1:
                raise ValueError(f"operands could not be broadcast together with remapped shapes: size {known} and "
                                 f"{n} for subscript '{c}'")
            sizes[c] = max(known, n) if known != n else n
    if not arrow:
        letters = inputs.replace(",", "").replace(".", "")
        output = ("..." if ellipses else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    shape = []
    for part in re.split(r"(\.\.\.)", output):
        shape.extend(numpy.broadcast_shapes(*ellipses) if part == "..." else (sizes[c] for c in part))
    return _written(out, tuple(shape), numpy.dtype(dtype) if dtype is not None else _result_dtype(arrays))


def _like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    shape = _shape(a) if shape is None else ((shape,) if isinstance(shape, (int, numpy.integer)) else tuple(shape))
    return empty(shape, a.dtype if dtype is None else dtype)


def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(a, dtype, order, subok, shape)


def _copy(a, order="K", subok=False):
    return empty(_shape(a), a.dtype)


def _broadcast_to(array, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, numpy.integer)) else tuple(shape)
    if numpy.broadcast_shapes(_shape(array), shape) != shape:
        raise ValueError(f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                         f"{_shape(array)} and requested shape {shape}")
    return empty(shape, array.dtype)


def _sorted(a, axis=-1, kind=None, order=None, *, stable=None):
    return empty((a.size,) if axis is None else _checked_shape(_shape(a), axis), a.dtype)


def _argsorted(a, axis=-1, kind=None, order=None, *, stable=None):
    return empty((a.size,) if axis is None else _checked_shape(_shape(a), axis), numpy.intp)


def _partitioned(a, kth, axis=-1, kind="introselect", order=None):
    return _sorted(a, axis)


def _argpartitioned(a, kth, axis=-1, kind="introselect", order=None):
    return _argsorted(a, axis)


def _lexsort(keys, axis=-1):
    shape = _shape(keys)
    return empty(_checked_shape(shape[1:], axis), numpy.intp)


def _arg_reduction(a, axis=None, out=None, keepdims=False):
    shape = _shape(a)
    if axis is None:
        result = (1,) * len(shape) if keepdims else ()
    else:
        axis = normalize_axis_index(axis, len(shape))
        if shape[axis] == 0:
            raise ValueError("attempt to get argmax of an empty sequence")
        result = shape[:axis] + ((1,) if keepdims else ()) + shape[axis + 1:]
    return _written(out, result, numpy.intp)


def _take(a, indices, axis=None, out=None, mode="raise"):
    index_shape = _shape(indices)
    if axis is None:
        return _written(out, index_shape, a.dtype)
    shape = _shape(a)
    axis = normalize_axis_index(axis, len(shape))
    return _written(out, shape[:axis] + index_shape + shape[axis + 1:], a.dtype)


def _repeat(a, repeats, axis=None):
    if repeats.__class__ is MetaArray:
        raise _data_dependent("repeat_interleave with a tensor of repeats")
    shape = _shape(a)
    n = math.prod(shape) if axis is None else shape[normalize_axis_index(axis, len(shape))]
    total = int(numpy.broadcast_to(numpy.asarray(repeats), (n,)).sum())
    if axis is None:
        return empty((total,), a.dtype)
    return empty(shape[:axis] + (total,) + shape[axis + 1:], a.dtype)


def _pad(array, pad_width, mode="constant", **kwargs):
    shape = _shape(array)
    widths = numpy.broadcast_to(numpy.asarray(pad_width, dtype=numpy.intp), (len(shape), 2))
    if (widths < 0).any():
        raise ValueError("index can't contain negative values")
    return empty(tuple(n + int(b) + int(e) for n, (b, e) in zip(shape, widths)), array.dtype)


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    shape = list(_shape(x))
    window = tuple(window_shape) if isinstance(window_shape, (tuple, list)) else (window_shape,)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape), allow_duplicate=True)
    for ax, w in zip(axes, window):
        if shape[ax] < w:
            raise ValueError("window shape cannot be larger than input array shape")
        shape[ax] -= w - 1
    return empty(tuple(shape) + window, x.dtype)


def _nothing(*args, **kwargs):
    """A write into a meta array: nothing to write."""


def _disjoint(*args, **kwargs) -> bool:
    """Meta arrays have no memory to share."""
    return False


FUNCTIONS = {
    numpy.concatenate: _concatenate, numpy.where: _where, numpy.dot: _dot, numpy.vdot: _vdot,
    numpy.inner: _inner, numpy.einsum: _einsum, numpy.empty_like: _like, numpy.zeros_like: _like,
    numpy.ones_like: _like, numpy.full_like: _full_like, numpy.copy: _copy, numpy.broadcast_to: _broadcast_to,
    numpy.sort: _sorted, numpy.argsort: _argsorted, numpy.partition: _partitioned,
    numpy.argpartition: _argpartitioned, numpy.lexsort: _lexsort, numpy.argmax: _arg_reduction,
    numpy.argmin: _arg_reduction, numpy.take: _take, numpy.repeat: _repeat, numpy.pad: _pad,
    numpy.lib.stride_tricks.sliding_window_view: _sliding_window_view,
    numpy.copyto: _nothing, numpy.fill_diagonal: _nothing, numpy.place: _nothing, numpy.putmask: _nothing,
    numpy.put: _nothing, numpy.put_along_axis: _nothing,
    numpy.may_share_memory: _disjoint, numpy.shares_memory: _disjoint,
}
DATA_DEPENDENT = {numpy.nonzero: "nonzero", numpy.flatnonzero: "nonzero", numpy.argwhere: "nonzero",
                  numpy.unique: "unique", numpy.unique_all: "unique", numpy.unique_counts: "unique",
                  numpy.unique_inverse: "unique", numpy.unique_values: "unique", numpy.extract: "masked_select",
                  numpy.bincount: "bincount", numpy.compress: "masked_select", numpy.histogram: "histogram"}
READS_VALUES = frozenset((numpy.array_equal, numpy.array_equiv, numpy.allclose))


# ---- the array module of meta arrays ---------------------------------------------------------------------------------
def _zeros(shape, dtype=float, order="C", *, like=None, device=None):
    return empty(shape, dtype)


def _full(shape, fill_value, dtype=None, order="C", *, like=None, device=None):
    if dtype is None:
        dtype = fill_value.dtype if isinstance(fill_value, numpy.ndarray) else numpy.array(fill_value).dtype
    return empty(shape, dtype)


def _eye(N, M=None, k=0, dtype=float, order="C", *, like=None, device=None):
    return empty((N, N if M is None else M), dtype)


def _identity(n, dtype=None, *, like=None):
    return empty((n, n), float if dtype is None else dtype)


def _asarray(a, dtype=None, *args, copy=None, **kwargs):
    if a.__class__ is MetaArray:
        return a if dtype is None or numpy.dtype(dtype) == a.dtype else empty(a.shape, dtype)
    r = numpy.asarray(a, dtype=dtype)
    return empty(r.shape, r.dtype)


def _array(a, dtype=None, *args, **kwargs):
    if a.__class__ is MetaArray:
        return empty(a.shape, a.dtype if dtype is None else dtype)
    return _asarray(a, dtype)


def _as_strided(x, shape=None, strides=None, subok=False, writeable=True):
    """A meta array of `shape` (strides have nothing to lay out)."""
    return empty(x.shape if shape is None else shape, x.dtype)


class _Namespace:
    """A NumPy module for meta arrays: its functions, with `overrides` in place of some, and every NumPy array a
    function makes from host data (xp.arange(n), xp.tril_indices(n)) as a meta array. Ufuncs, types and constants
    are NumPy's own (a ufunc of a meta array reaches MetaArray.__array_ufunc__)."""

    def __init__(self, module, overrides):
        self._module = module
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            value = self._overrides[name]
        else:
            value = getattr(self._module, name)
            if isinstance(value, types.ModuleType):
                value = _Namespace(value, _SUBMODULES.get(value.__name__, {}))
            elif callable(value) and not isinstance(value, (type, numpy.ufunc)):
                value = _making_meta(value)
        setattr(self, name, value)
        return value

    def __repr__(self):
        return f"<meta namespace of {self._module.__name__}>"


def _making_meta(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        return _plain_to_meta(fn(*args, **kwargs))
    return call


_SUBMODULES = {"numpy.lib": {"stride_tricks": _Namespace(numpy.lib.stride_tricks, {"as_strided": _as_strided})}}

numpy_namespace = _Namespace(numpy, {
    "empty": _zeros, "zeros": _zeros, "ones": _zeros, "full": _full, "eye": _eye, "identity": _identity,
    "asarray": _asarray, "asanyarray": _asarray, "ascontiguousarray": _asarray, "asfortranarray": _asarray,
    "array": _array, "may_share_memory": _disjoint, "shares_memory": _disjoint,
})


def fallback_namespace(module):
    """`module` (scipy.fft, say: functions outside NumPy's dispatch) for meta arrays: each function runs on the
    broadcast elements and its results become meta arrays."""
    return _Fallback(module)


class _Fallback:
    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        fn = getattr(self._module, name)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            return _computed(fn, args, kwargs)
        return call
