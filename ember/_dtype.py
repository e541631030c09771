"""Data types and PyTorch's type promotion rules.

NOTE [ Lazy bfloat16 ]
NumPy's bfloat16 comes from ml_dtypes, whose import costs up to a second (ml_dtypes 0.7 registers dozens of
dtypes with NumPy): most of `import ember`. So ember.bfloat16 is created without its NumPy dtype, and ml_dtypes is
imported on first use: reading bfloat16.np (which every op that makes a bfloat16 array does), or meeting a NumPy
bfloat16 array (from_numpy_dtype). Both then register bfloat16 in FROM_NP; until then no bfloat16 array can have
come from ember, and arrays a program made with ml_dtypes itself enter through from_numpy_dtype.
"""
import builtins

import numpy as np

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3  # promotion categories, lowest first


class dtype:
    """A tensor element type (`ember.float32`, ...), wrapping a NumPy dtype."""
    __module__ = "ember"  # printed as PyTorch prints torch.dtype: <class 'ember.dtype'>
    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_complex", "is_signed")

    def __init__(self, name: str, np_dtype, category: int, itemsize: int = 0):
        self.name = name
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        if np_dtype is None:  # bfloat16, whose NumPy dtype is loaded on first use: NOTE [ Lazy bfloat16 ]
            self.itemsize, self.is_signed = itemsize, True
            return
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_signed = self.np.kind != "u" and self.np.kind != "b"

    def __getattr__(self, name):  # only while bfloat16's np is unset: NOTE [ Lazy bfloat16 ]
        if name == "np" and self.name == "bfloat16":
            _load_bfloat16()
            return self.np
        raise AttributeError(f"'ember.dtype' object has no attribute '{name}'")

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> "dtype":
        """The real dtype of a complex dtype's parts (complex64 -> float32); other dtypes are their own."""
        return FROM_NP[self.np.type(0).real.dtype] if self.is_complex else self

    def to_complex(self) -> "dtype":
        """The complex dtype whose parts are this floating dtype (float32 -> complex64)."""
        if self.is_complex:
            return self
        if self is float16:
            raise TypeError("ember has no complex32 (complex with float16 parts), as NumPy has none")
        if not self.is_floating_point:
            raise RuntimeError(f"to_complex is only defined for floating point dtypes, but got {self}")
        return FROM_NP[np.result_type(self.np, np.complex64)]


float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)
float64 = double = dtype("float64", np.float64, _FLOAT)
uint8 = dtype("uint8", np.uint8, _INT)
int8 = dtype("int8", np.int8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)
int64 = long = dtype("int64", np.int64, _INT)
bool = dtype("bool", np.bool_, _BOOL)
complex64 = cfloat = dtype("complex64", np.complex64, _COMPLEX)
complex128 = cdouble = dtype("complex128", np.complex128, _COMPLEX)
bfloat16 = dtype("bfloat16", None, _FLOAT, 2)  # NumPy kind 'V' (ember's ops read 'V' as floating), loaded on use
uint16 = dtype("uint16", np.uint16, _INT)
uint32 = dtype("uint32", np.uint32, _INT)
uint64 = dtype("uint64", np.uint64, _INT)

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool, complex64, complex128, bfloat16, uint16,
       uint32, uint64)
_SHELL_UINTS = (uint16, uint32, uint64)  # PyTorch's "shell" dtypes: few ops, promoted only with floating dtypes
_NAMES = {d.name: d for d in ALL}
FROM_NP = {d.np: d for d in ALL if d is not bfloat16}  # bfloat16's entry comes with ml_dtypes: _load_bfloat16


def _load_bfloat16() -> None:
    """Import ml_dtypes and give ember.bfloat16 its NumPy dtype (NOTE [ Lazy bfloat16 ])."""
    import ml_dtypes  # lazy: NOTE [ Lazy bfloat16 ]
    bfloat16.np = np.dtype(ml_dtypes.bfloat16)
    FROM_NP[bfloat16.np] = bfloat16


_default = [float32]


def _by_name(name):
    return _NAMES[name]


_SCALAR_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte", "int8": "Char",
                      "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
                      "complex64": "ComplexFloat", "complex128": "ComplexDouble", "bfloat16": "BFloat16",
                      "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def scalar_type_name(np_dtype) -> str:
    """PyTorch's name of a dtype (ember's or NumPy's) in messages and legacy type names ('Float', 'Long')."""
    return _SCALAR_TYPE_NAMES[np_dtype.name if isinstance(np_dtype, dtype) else np.dtype(np_dtype).name]


def get_default_dtype() -> dtype:
    """The default floating point dtype (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype: float32, float64, float16 or bfloat16, as in PyTorch."""
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for types ember lacks."""
    try:
        key = np.dtype(np_dtype)
        if key.name == "bfloat16" and key not in FROM_NP:  # ml_dtypes' bfloat16, before ember used its own
            _load_bfloat16()
        return FROM_NP[key]
    except (KeyError, TypeError):
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "complex128, complex64, float64, float32, float16, bfloat16, int64, int32, int16, int8, "
                        "uint64, uint32, uint16, uint8, and bool.") from None


def to_dtype(d) -> dtype:
    """Accept an ember dtype, a NumPy dtype or a Python type (float, int, bool) and return an ember dtype."""
    if d.__class__ is dtype:
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if d is builtins.complex:
        return complex128
    if isinstance(d, str):  # NumPy takes dtype names; PyTorch's dtype arguments do not
        raise TypeError(f"argument 'dtype' must be ember.dtype, not str (got {d!r}; use ember.{d} if it names one)")
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"expected an ember dtype such as ember.float32, but got {d!r}") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both `a` and `b` convert to (PyTorch's rule: a float beats any integer, and a complex
    dtype holds the other's floating precision: complex64 with float64 is complex128). Python's float, int, bool
    and complex stand for their dtypes, as in PyTorch."""
    try:
        a_category, b_category = a.category, b.category
    except AttributeError:
        return promote_types(_dtype_argument(a, "type1", 1), _dtype_argument(b, "type2", 2))
    if a is b:
        return a
    if (a in _SHELL_UINTS and b_category != _FLOAT) or (b in _SHELL_UINTS and a_category != _FLOAT):
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{scalar_type_name(a)} and {scalar_type_name(b)}")
    if a_category != b_category and (a_category < _FLOAT or b_category < _FLOAT):
        return a if a_category > b_category else b
    return FROM_NP[np.promote_types(a.np, b.np)]


def _dtype_argument(value, arg: str, position: int) -> dtype:
    """`value`, an argument of promote_types, as a dtype (Python's float, int, bool and complex are dtypes there);
    PyTorch's TypeError for anything else."""
    if value.__class__ is dtype or (isinstance(value, type) and value in (builtins.float, builtins.int, builtins.bool,
                                                                          builtins.complex)):
        return to_dtype(value)
    from ._creation import _type_error  # layer: _creation builds on the dtypes
    raise _type_error("promote_types", arg, value, "ember.dtype", position)


def scalar_category(value) -> int:
    """Promotion category of a Python number."""
    if isinstance(value, builtins.bool):
        return _BOOL
    if isinstance(value, builtins.int):
        return _INT
    if isinstance(value, builtins.complex):
        return _COMPLEX
    return _FLOAT


def default_for_category(category: int) -> dtype:
    """The dtype a Python number of `category` takes: bool, int64, the default float or its complex dtype."""
    if category == _COMPLEX:
        return complex128 if _default[0] is float64 else complex64
    return (bool, int64, _default[0])[category]


def _combine(higher, lower):
    """PyTorch's combination of a result with one of a lower priority (dimensioned tensors, then zero-dim
    tensors, then Python numbers): the lower one counts only where its category is higher, and a complex one
    takes the floating precision of a floating `higher` (float64 with a complex64 scalar is complex128)."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if higher.category >= lower.category:
        return higher
    if lower.category == _COMPLEX and higher.category == _FLOAT and higher is not float16:
        return higher.to_complex()
    return lower


def result_type(tensors_dims, scalars) -> dtype:
    """PyTorch's result dtype for tensor dtypes with their ndim, plus Python scalars.

    Dimensioned tensors decide first; a zero-dim tensor only matters if its category is
    higher; a Python scalar only matters if its category is higher still.
    """
    dim_t = zero_t = scalar_t = None
    for d, ndim in tensors_dims:
        if ndim:
            dim_t = d if dim_t is None else promote_types(dim_t, d)
        else:
            zero_t = d if zero_t is None else promote_types(zero_t, d)
    for s in scalars:
        d = default_for_category(scalar_category(s))
        scalar_t = d if scalar_t is None or d.category > scalar_t.category else scalar_t
    return _combine(dim_t, _combine(zero_t, scalar_t))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules let an op write a result of `from_` into a tensor of `to`: not floating point
    into integer, and nothing but bool into bool."""
    if not isinstance(from_, dtype) or not isinstance(to, dtype):
        raise TypeError(f"can_cast(): arguments must be dtypes, not {type(from_).__name__} and {type(to).__name__}")
    if to is bool:
        return from_ is bool
    return not (from_.np.kind in "fcV" and to.np.kind in "iu" or from_.is_complex and not to.is_complex)
