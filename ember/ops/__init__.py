"""Every differentiable operation, and the table that binds them to Tensor methods and operators."""
import numpy as np

from .. import _storage
from .._creation import new_empty, new_full, new_ones, new_tensor, new_zeros
from .._tensor import Tensor
from . import (
    activation,
    aten,
    comparison,
    copies,
    cumulative,
    elementwise,
    householder,
    indexing,
    inplace,
    legacy_linalg,
    linalg,
    memory,
    order_statistics,
    pointwise,
    random,
    rearrange,
    reduction,
    scatter,
    shape,
    sorting,
    special_math,
    statistics,
    strided,
)
from . import complex_numbers as complex_ops
from .comparison import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .inplace import fill_, generic_inplace, zero_  # noqa: F401
from .linalg import addmm, bmm, dot, matmul, mm, mv  # noqa: F401
from .memory import clone, contiguous, copy_, to, type_as  # noqa: F401
from .reduction import all, amax, amin, any, argmax, argmin, max, mean, min, norm, prod, std, sum, sum_to_size, var  # noqa: F401
from .shape import (  # noqa: F401
    cat,
    expand,
    expand_as,
    flatten,
    narrow,
    permute,
    reshape,
    reshape_as,
    select,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
    view,
    view_as,
)
from .special_math import *  # noqa: F401,F403
from .stft import istft as _istft
from .stft import stft as _stft

_ew, _cmp, _sh, _mem, _ip = elementwise, comparison, shape, memory, inplace


def _operator(fn):
    """A binary operator that returns NotImplemented for operands that are not tensors or numbers."""
    def op(self, other):
        if isinstance(other, (Tensor, int, float, complex, np.generic)):
            return fn(self, other)
        return NotImplemented
    op.__name__ = fn.__name__
    return op


def _where_method(self, condition, other):
    """self where condition else other."""
    return _ew.where(condition, self, other)


def _rfloordiv(self, other):
    return _ew.floor_divide(other, self)


def _rmod(self, other):
    return _ew.remainder(other, self)


def _invert(self):
    """~self: bitwise not of an integer or bool tensor (TypeError for floating point, as in PyTorch)."""
    if self._data.dtype.kind in "fV":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _cmp.bitwise_not(self)


def _warned_storage(array):
    """tensor.storage(): the typed storage, with PyTorch's deprecation warning."""
    import warnings
    warnings.warn(_storage._TYPED_WARNING, UserWarning, stacklevel=3)
    return _storage.typed_storage_of(array)


def _matrix_adjoint(self):
    """tensor.H: the conjugate transpose of a matrix."""
    if self.dim() != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor. For "
                           f"batches of matrices, consider using tensor.mH")
    return complex_ops.adjoint(self)  # the transpose, then the conjugate, as PyTorch's grad_fn shows


METHODS = {
    # arithmetic
    "add": _ew.add, "sub": _ew.sub, "subtract": _ew.sub, "mul": _ew.mul, "multiply": _ew.mul,
    "div": _ew.div, "divide": _ew.div, "true_divide": _ew.div, "floor_divide": _ew.floor_divide,
    "remainder": _ew.remainder, "fmod": _ew.fmod, "pow": _ew.pow, "neg": _ew.neg, "negative": _ew.neg,
    "abs": _ew.abs, "absolute": _ew.abs, "sign": _ew.sign, "reciprocal": _ew.reciprocal, "rsub": _ew.rsub,
    "exp": _ew.exp, "log": _ew.log, "sqrt": _ew.sqrt, "sin": _ew.sin, "cos": _ew.cos, "tanh": _ew.tanh,
    "sigmoid": _ew.sigmoid, "relu": _ew.relu, "clamp": _ew.clamp, "clip": _ew.clamp,
    "clamp_min": _ew.clamp_min, "clamp_max": _ew.clamp_max, "clamp_min_": _ip.clamp_min_, "clamp_max_": _ip.clamp_max_,
    "maximum": _ew.maximum, "masked_fill": _ew.masked_fill, "masked_fill_": _ip.masked_fill_, "minimum": _ew.minimum,
    "where": _where_method,
    # comparison and logic
    "eq": _cmp.eq, "ne": _cmp.ne, "lt": _cmp.lt, "le": _cmp.le, "gt": _cmp.gt, "ge": _cmp.ge,
    "greater": _cmp.gt, "greater_equal": _cmp.ge, "less": _cmp.lt, "less_equal": _cmp.le, "not_equal": _cmp.ne,
    "logical_and": _cmp.logical_and, "logical_or": _cmp.logical_or, "logical_xor": _cmp.logical_xor,
    "logical_not": _cmp.logical_not, "bitwise_and": _cmp.bitwise_and, "bitwise_or": _cmp.bitwise_or,
    "bitwise_xor": _cmp.bitwise_xor, "bitwise_not": _cmp.bitwise_not, "isnan": _cmp.isnan, "isinf": _cmp.isinf,
    "isfinite": _cmp.isfinite, "equal": _cmp.equal, "allclose": _cmp.allclose, "isclose": _cmp.isclose,
    # linear algebra
    "mm": linalg.mm, "bmm": linalg.bmm, "matmul": linalg.matmul, "dot": linalg.dot, "mv": linalg.mv,
    "addmm": linalg.addmm,
    # shape
    "view": _sh.view, "reshape": _sh.reshape, "view_as": _sh.view_as, "reshape_as": _sh.reshape_as,
    "flatten": _sh.flatten, "t": _sh.t, "transpose": _sh.transpose, "swapaxes": _sh.transpose,
    "swapdims": _sh.transpose, "permute": _sh.permute, "squeeze": _sh.squeeze, "unsqueeze": _sh.unsqueeze,
    "expand": _sh.expand, "expand_as": _sh.expand_as, "narrow": _sh.narrow, "select": _sh.select,
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
    # memory and conversion
    "clone": _mem.clone, "contiguous": _mem.contiguous, "to": _mem.to, "cpu": _mem.cpu, "cuda": _mem.cuda,
    "float": _mem.float_, "double": _mem.double, "half": _mem.half, "bfloat16": _mem.bfloat16, "cfloat": _mem.cfloat,
    "cdouble": _mem.cdouble, "long": _mem.long, "int": _mem.int_,
    "short": _mem.short, "char": _mem.char, "byte": _mem.byte, "bool": _mem.bool_, "type": _mem.type,
    "type_as": _mem.type_as, "copy_": _mem.copy_, "pin_memory": _mem.pin_memory, "is_pinned": _mem.is_pinned,
    # creation from a tensor
    "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty,
    "new_full": new_full,
    # in place
    "zero_": _ip.zero_, "fill_": _ip.fill_, "add_": _ip.add_, "sub_": _ip.sub_, "subtract_": _ip.sub_,
    "mul_": _ip.mul_, "multiply_": _ip.mul_, "div_": _ip.div_, "divide_": _ip.div_,
    "true_divide_": _ip.div_, "floor_divide_": _ip.floor_divide_, "remainder_": _ip.remainder_,
    "pow_": _ip.pow_, "neg_": _ip.neg_, "negative_": _ip.neg_, "abs_": _ip.abs_, "sign_": _ip.sign_,
    "exp_": _ip.exp_, "log_": _ip.log_, "sqrt_": _ip.sqrt_, "sin_": _ip.sin_, "cos_": _ip.cos_,
    "tanh_": _ip.tanh_, "sigmoid_": _ip.sigmoid_, "reciprocal_": _ip.reciprocal_, "relu_": _ip.relu_,
    "clamp_": _ip.clamp_, "clip_": _ip.clamp_,
    # operators
    "__add__": _ew.add, "__radd__": _ew.add, "__iadd__": _ip.add_,
    "__sub__": _ew.sub, "__rsub__": _ew.rsub, "__isub__": _ip.sub_,
    "__mul__": _ew.mul, "__rmul__": _ew.mul, "__imul__": _ip.mul_,
    "__truediv__": _ew.div, "__rtruediv__": _ew.rdiv, "__itruediv__": _ip.div_,
    "__floordiv__": _ew.floor_divide, "__rfloordiv__": _rfloordiv, "__ifloordiv__": _ip.floor_divide_,
    "__mod__": _ew.remainder, "__rmod__": _rmod, "__imod__": _ip.remainder_,
    "__pow__": _ew.pow, "__rpow__": _ew._rpow, "__ipow__": _ip.pow_,
    "__matmul__": linalg.matmul, "__rmatmul__": lambda self, other: linalg.matmul(other, self),
    "__neg__": _ew.neg, "__pos__": lambda self: self, "__abs__": _ew.abs,
    "__eq__": _operator(_cmp.eq), "__ne__": _operator(_cmp.ne), "__lt__": _operator(_cmp.lt),
    "__le__": _operator(_cmp.le), "__gt__": _operator(_cmp.gt), "__ge__": _operator(_cmp.ge),
    "__and__": _cmp.bitwise_and, "__or__": _cmp.bitwise_or, "__xor__": _cmp.bitwise_xor,
    "__rand__": _cmp.bitwise_and, "__ror__": _cmp.bitwise_or, "__rxor__": _cmp.bitwise_xor,
    "__invert__": _invert,
}

# pointwise math (issue 3)
for _n in ("square", "exp2", "expm1", "log1p", "log2", "log10", "rsqrt", "sgn", "floor", "ceil", "round",
           "trunc", "frac", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh", "atanh",
           "logit", "hypot", "lerp", "addcmul", "addcdiv", "nan_to_num", "fmod"):
    METHODS[_n] = getattr(_ew, _n)
    METHODS[_n + "_"] = getattr(_ip, _n + "_")
for _n in ("erf", "erfc", "erfinv", "lgamma", "digamma"):
    METHODS[_n] = getattr(special_math, _n)
    METHODS[_n + "_"] = getattr(_ip, _n + "_")
METHODS.update({"fmax": _ew.fmax, "fmin": _ew.fmin, "softmax": _ew.softmax, "log_softmax": _ew.log_softmax,
                "fix": _ew.trunc, "fix_": _ip.trunc_, "arcsin": _ew.asin, "arcsin_": _ip.asin_,
                "arccos": _ew.acos, "arccos_": _ip.acos_, "arctan": _ew.atan, "arctan_": _ip.atan_,
                "arctan2": _ew.atan2, "arctan2_": _ip.atan2_, "arcsinh": _ew.asinh, "arcsinh_": _ip.asinh_,
                "arccosh": _ew.acosh, "arccosh_": _ip.acosh_, "arctanh": _ew.atanh, "arctanh_": _ip.atanh_})

# more pointwise ops (issue 15)
METHODS.update({
    "deg2rad": pointwise.deg2rad, "rad2deg": pointwise.rad2deg, "logaddexp": pointwise.logaddexp,
    "logaddexp2": pointwise.logaddexp2, "copysign": pointwise.copysign, "heaviside": pointwise.heaviside,
    "xlogy": pointwise.xlogy, "sinc": pointwise.sinc, "gcd": pointwise.gcd, "lcm": pointwise.lcm,
    "float_power": pointwise.float_power, "ldexp": pointwise.ldexp, "nextafter": pointwise.nextafter,
    "signbit": pointwise.signbit, "isposinf": pointwise.isposinf, "isneginf": pointwise.isneginf,
    "positive": pointwise.positive, "absolute_": _ip.abs_,
})

# the complex family
METHODS.update({
    "isreal": complex_ops.isreal, "angle": complex_ops.angle, "real": property(complex_ops.real),
    "imag": property(complex_ops.imag), "conj": complex_ops.conj, "conj_physical": complex_ops.conj_physical,
    "conj_physical_": generic_inplace(complex_ops.conj_physical), "resolve_conj": complex_ops.resolve_conj,
    "resolve_neg": complex_ops.resolve_conj, "is_conj": complex_ops.is_conj, "is_neg": complex_ops.is_conj,
    "adjoint": complex_ops.adjoint, "mH": property(complex_ops.adjoint), "H": property(_matrix_adjoint),
    "stft": _stft, "istft": _istft,
})

METHODS.update({"frexp": pointwise.frexp, "bitwise_left_shift": pointwise.bitwise_left_shift,
                "bitwise_right_shift": pointwise.bitwise_right_shift, "bitwise_left_shift_": _ip.bitwise_left_shift_,
                "bitwise_right_shift_": _ip.bitwise_right_shift_, "float_power_": _ip.float_power_,
                "fill_diagonal_": _ip.fill_diagonal_, "dist": statistics.dist, "renorm": statistics.renorm,
                "renorm_": generic_inplace(statistics.renorm), "histc": statistics.histc,
                "bincount": statistics.bincount, "hardshrink": activation.hardshrink,
                "prelu": activation.prelu, "__lshift__": pointwise.bitwise_left_shift,
                "__rshift__": pointwise.bitwise_right_shift, "__ilshift__": _ip.bitwise_left_shift_,
                "__irshift__": _ip.bitwise_right_shift_})
METHODS.update({"untyped_storage": lambda self: _storage.untyped_storage_of(self._data),
                "storage": lambda self: _warned_storage(self._data),
                "storage_type": lambda self: _storage.storage_type_of(self._data)})
METHODS.update({"geqrf": householder.geqrf, "orgqr": householder.householder_product, "ormqr": householder.ormqr})
METHODS.update({"cholesky_solve": aten.cholesky_solve, "cholesky_inverse": aten.cholesky_inverse,
                "triangular_solve": aten.triangular_solve})
METHODS.update({"histogram": statistics.histogram,
                "__dlpack__": lambda self, *args, **kwargs: self._data.__dlpack__(*args, **kwargs),
                "__dlpack_device__": lambda self: self._data.__dlpack_device__()})
METHODS.update({"unsafe_split_with_sizes": strided.split_with_sizes, "nonzero_static": scatter.nonzero_static})
METHODS.update({"select_scatter": copies.select_scatter, "slice_scatter": copies.slice_scatter,
                "diagonal_scatter": copies.diagonal_scatter, "as_strided_scatter": copies.as_strided_scatter})
METHODS.update({"as_strided": strided.as_strided, "split_with_sizes": strided.split_with_sizes,
                "unsafe_split": strided.unsafe_split, "unsafe_chunk": strided.unsafe_chunk})
METHODS.update({"diff": statistics.diff, "cov": statistics.cov, "corrcoef": statistics.corrcoef,
                "diagflat": statistics.diagflat})
for _n in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "deg2rad", "rad2deg", "copysign", "heaviside",
           "xlogy", "sinc", "gcd", "lcm", "ldexp", "nextafter"):
    METHODS[_n + "_"] = getattr(_ip, _n + "_")
METHODS.update({"greater_": _ip.gt_, "greater_equal_": _ip.ge_, "less_": _ip.lt_, "less_equal_": _ip.le_,
                "not_equal_": _ip.ne_})

# families that keep their own method tables
for _family in (reduction, cumulative, order_statistics, shape, linalg, legacy_linalg, sorting, scatter, rearrange,
                random):
    METHODS.update(_family.METHODS)

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
