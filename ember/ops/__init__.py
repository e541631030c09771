"""Every differentiable operation, one module per family; each family's METHODS table is merged here and bound
to Tensor, with the one table of method aliases."""
from .._tensor import Tensor
from . import (
    activation,
    aten,
    comparison,
    complex_numbers,
    copies,
    cumulative,
    elementwise,
    householder,
    inplace,
    legacy_linalg,
    linalg,
    memory,
    operators,
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
    stft,
    strided,
)
from .comparison import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .inplace import fill_, zero_  # noqa: F401
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

FAMILIES = (elementwise, comparison, special_math, pointwise, inplace, complex_numbers, stft, reduction, cumulative,
            order_statistics, statistics, shape, memory, linalg, legacy_linalg, householder, aten, activation, sorting,
            scatter, rearrange, random, strided, copies, operators)

# PyTorch's second names for Tensor methods: the one table of method aliases
METHOD_ALIASES = {
    "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "negative": "neg",
    "absolute": "abs", "clip": "clamp", "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
    "not_equal": "ne", "swapaxes": "transpose", "swapdims": "transpose", "subtract_": "sub_", "multiply_": "mul_",
    "divide_": "div_", "true_divide_": "div_", "negative_": "neg_", "clip_": "clamp_", "fix": "trunc",
    "fix_": "trunc_", "arcsin": "asin", "arcsin_": "asin_", "arccos": "acos", "arccos_": "acos_", "arctan": "atan",
    "arctan_": "atan_", "arctan2": "atan2", "arctan2_": "atan2_", "arcsinh": "asinh", "arcsinh_": "asinh_",
    "arccosh": "acosh", "arccosh_": "acosh_", "arctanh": "atanh", "arctanh_": "atanh_", "absolute_": "abs_",
    "resolve_neg": "resolve_conj", "is_neg": "is_conj", "unsafe_split_with_sizes": "split_with_sizes",
    "greater_": "gt_", "greater_equal_": "ge_", "less_": "lt_", "less_equal_": "le_", "not_equal_": "ne_",
    "swapaxes_": "transpose_", "swapdims_": "transpose_",
}


def _merged() -> dict:
    """Every family's METHODS in one table (no name bound twice), then the aliases."""
    methods = {}
    for family in FAMILIES:
        for name, fn in family.METHODS.items():
            if name in methods and methods[name] is not fn:
                raise RuntimeError(f"Tensor.{name} is bound by two op families ({family.__name__} and another)")
            methods[name] = fn
    methods.update({alias: methods[name] for alias, name in METHOD_ALIASES.items()})
    return methods


METHODS = _merged()
for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
