"""Data types and PyTorch's type promotion rules."""
import numpy as np

_BOOL, _INT, _FLOAT = 0, 1, 2  # promotion categories, lowest first


class dtype:
    """A tensor element type (`ember.float32`, ...), wrapping a NumPy dtype."""
    __module__ = "ember"  # printed as PyTorch prints torch.dtype: <class 'ember.dtype'>
    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np.kind != "u" and self.np.kind != "b"

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return self

    def to_complex(self):
        raise NotImplementedError("ember has no complex dtypes yet")

    @property
    def is_complex(self):
        return False


float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)
float64 = double = dtype("float64", np.float64, _FLOAT)
uint8 = dtype("uint8", np.uint8, _INT)
int8 = dtype("int8", np.int8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)
int64 = long = dtype("int64", np.int64, _INT)
bool = dtype("bool", np.bool_, _BOOL)

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_NAMES = {d.name: d for d in ALL}
FROM_NP = {d.np: d for d in ALL}
_default = [float32]


def _by_name(name):
    return _NAMES[name]


_SCALAR_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte", "int8": "Char",
                      "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}


def scalar_type_name(np_dtype) -> str:
    """PyTorch's name of a dtype (ember's or NumPy's) in messages and legacy type names ('Float', 'Long')."""
    return _SCALAR_TYPE_NAMES[np_dtype.name if isinstance(np_dtype, dtype) else np.dtype(np_dtype).name]


def get_default_dtype() -> dtype:
    """The default floating point dtype (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype; only float32 and float64 are allowed, as in PyTorch."""
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for types ember lacks."""
    try:
        return FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d) -> dtype:
    """Accept an ember dtype, a NumPy dtype or a Python type (float, int, bool) and return an ember dtype."""
    if d.__class__ is dtype:
        return d
    import builtins
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"expected an ember dtype such as ember.float32, but got {d!r}") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both `a` and `b` convert to (PyTorch's rule: a float beats any integer)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return FROM_NP[np.promote_types(a.np, b.np)]


def scalar_category(value) -> int:
    """Promotion category of a Python number."""
    import builtins
    if isinstance(value, builtins.bool):
        return _BOOL
    if isinstance(value, builtins.int):
        return _INT
    return _FLOAT


def default_for_category(category: int) -> dtype:
    """The dtype a Python number of `category` takes: bool, int64 or the default float."""
    return (bool, int64, _default[0])[category]


def result_type(tensors_dims, scalars) -> dtype:
    """PyTorch's result dtype for tensor dtypes with their ndim, plus Python scalars.

    Dimensioned tensors decide first; a zero-dim tensor only matters if its category is
    higher; a Python scalar only matters if its category is higher still.
    """
    dim_t = zero_t = None
    for d, ndim in tensors_dims:
        if ndim:
            dim_t = d if dim_t is None else promote_types(dim_t, d)
        else:
            zero_t = d if zero_t is None else promote_types(zero_t, d)
    result = dim_t
    if zero_t is not None:
        if result is None:
            result = zero_t
        elif zero_t.category > result.category:
            result = promote_types(result, zero_t)
    for s in scalars:
        cat = scalar_category(s)
        if result is None:
            result = default_for_category(cat)
        elif cat > result.category:
            result = default_for_category(cat)
    return result


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules let an op write a result of `from_` into a tensor of `to`: not floating point
    into integer, and nothing but bool into bool."""
    if not isinstance(from_, dtype) or not isinstance(to, dtype):
        raise TypeError(f"can_cast(): arguments must be dtypes, not {type(from_).__name__} and {type(to).__name__}")
    if to is bool:
        return from_ is bool
    return not (from_.np.kind == "f" and to.np.kind in "iu")
