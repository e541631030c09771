"""The Tensor: an ndarray plus autograd state.

Op methods (`add`, `view`, `sum`, ...) are attached by `ember.ops`, which sits above this
layer; this file holds what a tensor is, not what can be computed from it.
"""
import operator
import warnings
import weakref

import numpy as np

from . import _dtype, _unsupported
from ._device import CPU, META, device
from ._hooks import add_hook
from ._layout import dim_order, laid_out, strided
from ._printing import format_meta, format_tensor
from ._size import Size
from .backend import array_module, to_numpy
from .backend.meta import MetaArray

_new = object.__new__


GRAD_DTYPES_SET = [False]  # True once a tensor's grad_dtype was set: only then does the engine look for one
_WARNED_SCALAR = [False]  # the requires_grad scalar conversion warning, given once per process as PyTorch does


class Tensor:
    """A multi-dimensional array with autograd support, as `torch.Tensor`."""
    __module__ = "ember"  # <class 'ember.Tensor'>, as PyTorch's <class 'torch.Tensor'>
    # A result sets only the slots; what few tensors change (a leaf's grad, a view's base, hooks)
    # is a class-level default until set, then lives in the instance's __dict__.
    __slots__ = ("_data", "_rg", "_grad_fn", "_vc", "__weakref__", "__dict__")
    _grad = None
    _base = None
    _output_nr = 0
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    _acc = None
    _fw_hidden = False  # forward AD's marks: see NOTE [ Hidden graph ] in autograd/forward_ad.py
    __array_priority__ = 1000  # array + tensor is the tensor's op: NOTE [ NumPy operands ] in ops/operators.py
    _fw_sources = ()

    def __new__(cls, *args, **kwargs):
        return _new(cls)

    def __init__(self, *args, device=None, dtype=None):
        # Legacy constructor: Tensor(2, 3) is uninitialised float, Tensor([1, 2]) copies data.
        from ._creation import legacy_constructor  # cycle: ember._creation imports this one
        _init(self, legacy_constructor(args, device, dtype)._data)

    def __getattr__(self, name: str):
        # reached only when normal lookup fails: PyTorch's names that ember lacks on purpose say why
        raise _unsupported.missing("Tensor", name, _unsupported.TENSOR,
                                   f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---- identity -------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as an ember.Size, or the length of dimension `dim`."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.FROM_NP[self._data.dtype]

    @property
    def device(self) -> device:
        if self._data.__class__ is np.ndarray:
            return CPU
        if self._data.__class__ is MetaArray:
            return META
        return device("cuda", self._data.device.id)

    @property
    def is_cuda(self) -> bool:
        return self._data.__class__ is not np.ndarray and self._data.__class__ is not MetaArray

    @property
    def is_cpu(self) -> bool:
        return self._data.__class__ is np.ndarray

    @property
    def is_meta(self) -> bool:
        """Whether the tensor is on the meta device: a shape and a dtype without data (NOTE [ Meta tensors ] in
        backend/meta.py)."""
        return self._data.__class__ is MetaArray

    # ember has no XPU, MPS, sparse, quantized or nested tensors; scripts ask anyway
    is_xpu = is_mps = is_sparse = is_quantized = is_nested = property(lambda self: False)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def ndimension(self) -> int:
        """Alias of dim()."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        """Strides in elements, as PyTorch counts them (a meta tensor's as if contiguous: NOTE [ Meta tensors ])."""
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if self._data.size <= 1 or 0 in self._data.shape or self._data.__class__ is MetaArray:
            strides = _contiguous_strides(self._data.shape)
        return strides if dim is None else strides[wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        """Offset in elements from the start of the base tensor's memory."""
        base = self._base
        if base is None:
            return 0
        return (_address(self._data) - _address(base._data)) // self._data.itemsize

    def data_ptr(self) -> int:
        """The address of the first element."""
        return _address(self._data)

    def is_contiguous(self, memory_format=None) -> bool:
        """True when the elements lie without gaps in row-major order, or in the order `memory_format` names (a meta
        tensor: always, NOTE [ Meta tensors ])."""
        a = self._data
        if a.__class__ is MetaArray:
            return True
        try:
            order = dim_order(memory_format, a.ndim)
        except RuntimeError:  # a channels-last format of another rank
            return False
        return laid_out(a, order)

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind in "fV"

    def is_complex(self) -> bool:
        """True for complex64/complex128 tensors."""
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        """True for signed dtypes (floating point and signed integers)."""
        return self._data.dtype.kind in "fiV"

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor (RuntimeError for any other number of elements)."""
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self._data.reshape(()).item())

    def is_same_size(self, other: "Tensor") -> bool:
        """True when `other` has this tensor's shape."""
        try:
            return self._data.shape == other._data.shape
        except AttributeError:
            from .ops.base import not_tensor_error  # layer: ops is above the core
            raise not_tensor_error("is_same_size", ("input", self), ("other", other)) from None

    def get_device(self) -> int:
        """The CUDA device index, or -1 for a CPU or meta tensor."""
        if self._data.__class__ is np.ndarray or self._data.__class__ is MetaArray:
            return -1
        return self._data.device.id

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is (0 for leaves)."""
        return self._output_nr

    @property
    def layout(self):
        """The layout: always ember.strided."""
        return strided

    def dim_order(self) -> tuple:
        """The dimensions from the one with the largest stride to the one with the smallest."""
        strides = self.stride()
        return tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))

    def const_data_ptr(self) -> int:
        """The address of the first element (as data_ptr)."""
        return _address(self._data)

    def is_inference(self) -> bool:
        """Whether this is an inference tensor: never in ember (inference_mode works as no_grad)."""
        return False

    def to_dense(self, dtype=None, *, masked_grad=None) -> "Tensor":
        """This tensor (ember's tensors are all dense), or a copy of another dtype."""
        return self if dtype is None else self.to(dtype)

    def is_set_to(self, tensor: "Tensor") -> bool:
        """True when both tensors view the same memory with the same shape and strides."""
        a, b = self._data, tensor._data
        return _address(a) == _address(b) and a.shape == b.shape and a.strides == b.strides

    def as_subclass(self, cls) -> "Tensor":
        """This tensor's data as an instance of the Tensor subclass `cls`, sharing memory."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass expects a subclass of ember.Tensor, got {cls!r}")
        t = wrap_as(cls, self._data, self.requires_grad)
        t._vc = self._vc
        return t

    def apply_(self, callable) -> "Tensor":
        """Replace each element by callable(element) (a Python function; CPU tensors only, slow, as in PyTorch)."""
        self._python_map(callable, ())
        return self

    def map_(self, tensor: "Tensor", callable) -> "Tensor":
        """Replace each element by callable(element, the element of `tensor` broadcast to this shape)."""
        self._python_map(callable, (tensor,))
        return self

    def map2_(self, x: "Tensor", y: "Tensor", callable) -> "Tensor":
        """Replace each element by callable(element, element of x, element of y)."""
        self._python_map(callable, (x, y))
        return self

    def resize_(self, *sizes, memory_format=None) -> "Tensor":
        """Give this tensor `sizes`, in place: its first elements stay (in row-major order), new ones are
        uninitialised."""
        from ._creation import _size  # cycle: ember._creation imports this one
        if self._rg:
            raise RuntimeError("cannot resize variables that require grad")
        shape = _size(sizes)
        count = int(np.prod(shape, dtype=np.int64))
        flat = self._data.reshape(-1)
        if count <= flat.size:
            self._data = flat[:count].reshape(shape)
        else:
            grown = array_module(self._data).empty(count, self._data.dtype)
            grown[:flat.size] = flat
            self._data = grown.reshape(shape)
        self._vc[0] += 1
        return self

    def as_strided_(self, size, stride, storage_offset: int | None = None) -> "Tensor":
        """Make this tensor view its memory with the given sizes and strides, in place."""
        from .ops.strided import as_strided  # layer: ops is above the core
        try:
            requires_grad = self._rg
        except AttributeError:
            from .ops.base import tensor_type_error
            raise tensor_type_error("as_strided_", "input", self) from None
        if requires_grad:
            raise RuntimeError("as_strided_ of a tensor that requires grad is not supported; use as_strided")
        self._data = as_strided(self, size, stride, storage_offset)._data
        return self

    def resize_as_(self, tensor: "Tensor", memory_format=None) -> "Tensor":
        """resize_ to the shape of `tensor`."""
        if not isinstance(self, Tensor) or not isinstance(tensor, Tensor):  # ember.resize_as_ is this method
            from .ops.base import not_tensor_error  # layer: ops is above the core
            raise not_tensor_error("resize_as_", ("input", self), ("the_template", tensor))
        return self.resize_(*tensor.shape)

    def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                          pin_memory=False) -> "Tensor":
        """An uninitialised tensor with these sizes and strides, of this tensor's dtype and device unless given."""
        from ._creation import empty_strided  # cycle: ember._creation imports this one
        return empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self.device,
                             requires_grad=requires_grad)

    def module_load(self, other: "Tensor", assign: bool = False) -> "Tensor":
        """What load_state_dict puts in place of this tensor when loading `other`: `other` itself."""
        return other

    def resize(self, *sizes) -> "Tensor":
        """A copy of this tensor resized as resize_ does (deprecated in PyTorch, with its warning)."""
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return wrap(self._data.copy()).resize_(*sizes)

    def resize_as(self, tensor: "Tensor") -> "Tensor":
        """A copy of this tensor resized to the shape of `tensor` (deprecated in PyTorch, with its warning)."""
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        return wrap(self._data.copy()).resize_(*tensor.shape)

    def set_(self, source: "Tensor | None" = None) -> "Tensor":
        """Make this tensor view the memory of `source` (an empty tensor when None), in place."""
        if self._rg and self._grad_fn is None:
            raise RuntimeError("set_ is not allowed on a Tensor created from .data or .detach() or a leaf that "
                               "requires grad")
        self._data = np.empty(0, self._data.dtype) if source is None else source._data
        if source is not None:
            self._vc = source._vc
        return self

    @property
    def volatile(self) -> bool:
        """Always False (PyTorch removed volatile tensors, and says so)."""
        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
        return False

    @property
    def name(self):
        """The tensor's name in a traced graph: None."""
        return None

    def record_stream(self, stream) -> None:
        """Mark the memory as in use by a CUDA stream: ember's GPU memory is freed by CuPy, so nothing to do."""

    def is_distributed(self) -> bool:
        """Whether the tensor is split across processes: never in ember."""
        return False

    def _python_map(self, fn, others) -> None:
        if self._data.__class__ is not np.ndarray:
            raise TypeError("apply_, map_ and map2_ are only implemented on CPU tensors")
        if self._rg:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        args = [np.broadcast_to(o._data, self._data.shape) for o in others]
        values = [fn(*(v.item() for v in items)) for items in zip(self._data.reshape(-1), *(a.reshape(-1)
                                                                                            for a in args))]
        self._data[...] = np.array(values, dtype=self._data.dtype).reshape(self._data.shape)
        self._vc[0] += 1

    def new(self, *args) -> "Tensor":
        """PyTorch's legacy constructor with this tensor's dtype and device: new(2, 3) is uninitialised, new([1, 2])
        copies data, new() is empty."""
        from ._creation import legacy_constructor  # cycle: ember._creation imports this one
        t = legacy_constructor(args, None, self.dtype)
        return t if self._data.__class__ is np.ndarray else t.to(self.device)

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None or self._fw_hidden

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    # ---- autograd state -------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg and not self._fw_hidden

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if self._fw_hidden:
            if value:
                from .autograd.forward_ad import require_grad  # layer: autograd is above the core
                require_grad(self)
            return
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return
        if value and self._data.dtype.kind not in "fcV":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients, "
                               f"but got a tensor of dtype {self.dtype}")
        self._rg = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        return None if self._fw_hidden else self._grad_fn

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: expected "
                                   f"{list(self._data.shape)}, got {list(value._data.shape)}")
            expected = self.__dict__.get("_grad_dtype", self.dtype)
            if expected is not None and value.dtype != expected:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with "
                                   f"grad_dtype '{expected}'. The gradient must match the tensor's grad_dtype "
                                   "(defaults to the tensor's dtype).")
        self._grad = value

    @property
    def grad_dtype(self):
        """The dtype the autograd engine casts this leaf's gradients to; None accepts any. By default the tensor's
        own dtype."""
        if self._grad_fn is not None:
            raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
        return self.__dict__.get("_grad_dtype", self.dtype)

    @grad_dtype.setter
    def grad_dtype(self, value):
        if self._grad_fn is not None:
            raise RuntimeError("grad_dtype can only be set on leaf tensors.")
        if value is not None and not isinstance(value, _dtype.dtype):
            raise RuntimeError(f"grad_dtype must be a ember.dtype or None, but got {type(value).__name__}")
        self.__dict__["_grad_dtype"] = value
        GRAD_DTYPES_SET[0] = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep `.grad` of this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        node = self._grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` after backward has added into this leaf's `.grad` (optimizers step from it)."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        self._post_accumulate_hooks, handle = add_hook(self._post_accumulate_hooks, hook)
        return handle

    def register_hook(self, hook):
        """Call `hook(grad)` when the gradient of this tensor is computed; it may return a new grad."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_pre_hook(self._output_nr, hook)
        self._hooks, handle = add_hook(self._hooks, hook)
        return handle

    @property
    def data(self) -> "Tensor":
        return wrap(self._data)

    @data.setter
    def data(self, value: "Tensor"):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, but got {type(value).__name__}")
        self._data = value._data

    def detach(self) -> "Tensor":
        """A tensor sharing memory (and version counter) with this one, outside the graph."""
        t = wrap(self._data)
        t._vc = self._vc
        t._base = self if self._base is None else self._base
        return t

    def detach_(self) -> "Tensor":
        """Detach this tensor from the graph in place."""
        self._grad_fn = None
        self._rg = False
        return self

    @property
    def _is_view(self) -> bool:
        return self._base is not None

    # ---- conversion -----------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array sharing memory with this CPU tensor."""
        if self._rg and not force and not self._fw_hidden:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self._data.dtype.kind == "V":
            raise TypeError("Got unsupported ScalarType BFloat16: NumPy has no bfloat16; convert with .float() first")
        if self._data.__class__ is not np.ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                                "to copy the tensor to host memory first.")
            return to_numpy(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        """NumPy's array protocol: np.asarray(t) shares the tensor's memory, np.array(t) copies it (copy=True)."""
        a = self.numpy()
        if copy is False and dtype is not None and np.dtype(dtype) != a.dtype:
            raise ValueError(f"Unable to avoid copy while creating an array as requested: the tensor is {a.dtype}, "
                             f"the array asked for {np.dtype(dtype)}")
        return a.astype(a.dtype if dtype is None else dtype, copy=bool(copy))

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """A NumPy ufunc's result on this tensor as a tensor (np.exp(t)), as PyTorch's: bool results become uint8
        and 0-dim results stay tensors; a dtype ember has no tensor for stays an array."""
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return wrap(array) if array.dtype in _dtype.FROM_NP else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item() if self._data.ndim else self._data.item()

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return to_numpy(self._data).tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        if self._data.__class__ is MetaArray:  # its array's truth is for ember's kernels (NOTE [ Meta tensors ])
            self._data.item()  # raises
        return bool(self._data)

    def __float__(self):
        if self._rg and not _WARNED_SCALAR[0]:
            from .autograd.grad_mode import GRAD_ENABLED  # layer: grad modes sit above the Tensor
            if GRAD_ENABLED[0]:  # once per process, under grad mode, as PyTorch warns
                _WARNED_SCALAR[0] = True
                warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                              "behavior.\nConsider using tensor.detach() first.", UserWarning, stacklevel=2)
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars, but got a tensor "
                             f"with {self._data.size} elements")
        return self._data.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __complex__(self):
        return complex(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        if self._data.__class__ is MetaArray:
            return format_meta(self._data.shape, dtype_name=self._data.dtype.name,
                               default_dtype_name=_dtype.get_default_dtype().name, requires_grad=self.requires_grad,
                               grad_fn_name=None if self.grad_fn is None else self.grad_fn.name())
        return format_tensor(
            to_numpy(self._data), dtype_name=self._data.dtype.name,
            default_dtype_name=_dtype.get_default_dtype().name,
            device=None if self.is_cpu else str(self.device),
            requires_grad=self.requires_grad, grad_fn_name=None if self.grad_fn is None else self.grad_fn.name())

    def __format__(self, spec):
        if self._data.ndim == 0 and self._data.__class__ is not MetaArray:  # a meta tensor formats as its repr
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (to_numpy(self._data), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment. If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage.")
        t = type(self).__new__(type(self))
        _init(t, self._data.copy(), self._rg)
        t.__dict__.update((k, v) for k, v in self.__dict__.items() if k not in _AUTOGRAD_STATE)
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    @property
    def T(self) -> "Tensor":
        from .ops.shape import permute  # layer: ops is above the core
        return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)


_AUTOGRAD_STATE = frozenset(("_grad", "_base", "_output_nr", "_hooks", "_retains_grad", "_acc", "_fw_hidden",
                             "_fw_sources", "_fw_cache", "_fw_tangent", "_fw_generation"))


def _init(t, data, requires_grad=False):
    t._data = data
    t._rg = requires_grad
    t._grad_fn = None
    t._vc = [0]


def wrap(data) -> Tensor:
    """Fast internal constructor: a leaf Tensor around an ndarray, no validation, no copy."""
    if data.__class__ is not np.ndarray and isinstance(data, np.generic):
        data = np.asarray(data)
    t = _new(Tensor)
    t._data = data
    t._rg = False
    t._grad_fn = None
    t._vc = [0]
    return t


def wrap_as(cls, data, requires_grad=False) -> Tensor:
    """A leaf of class `cls` (Tensor or a subclass such as Parameter) around an ndarray."""
    t = _new(cls)
    _init(t, data, requires_grad)
    return t


def _rebuild(array, requires_grad):
    t = wrap(np.array(array))
    t._rg = requires_grad
    return t


def _address(a) -> int:
    if a.__class__ is np.ndarray:
        return a.__array_interface__["data"][0]
    if a.__class__ is MetaArray:
        return 0  # as PyTorch's data_ptr of a meta tensor: there is no memory
    return a.data.ptr


def _contiguous_strides(shape):
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def is_one_dim(dim) -> bool:
    """Whether `dim` names one dim rather than a list of them: an int, or what PyTorch also takes as one (a NumPy
    integer, a 0-dim tensor, which must then be an integer one)."""
    return isinstance(dim, (int, np.integer)) or (isinstance(dim, Tensor) and dim._data.ndim == 0)


def dims_of(dims) -> tuple:
    """The dims that `dims` names: one (see is_one_dim) or a sequence of them; TypeError for a tensor of one or
    more dims, as PyTorch's int-list arguments give."""
    if is_one_dim(dims):
        return (dims,)
    if isinstance(dims, Tensor):
        raise TypeError("argument 'dims' must be tuple of ints, not Tensor")
    return tuple(dims)


def wrap_dim(dim: int, ndim: int) -> int:
    """Normalise a possibly negative dimension index (an int, a NumPy integer or a 0-dim integer tensor, as
    PyTorch's int arguments take); IndexError naming the valid range."""
    if type(dim) is not int:
        if isinstance(dim, Tensor) and dim._data.ndim:
            raise TypeError("argument 'dim' must be int, not Tensor")
        dim = operator.index(dim)  # TypeError for a float or a float tensor, as PyTorch's
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim + ndim if dim < 0 else dim
