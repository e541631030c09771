"""PyTorch's multi-tensor ops, `_foreach_add_`, `_foreach_lerp_`, `_foreach_norm`, ... (as optimizers, EMA helpers
and soft target-network updates call them): each applies one ordinary op to every tensor of a list, the in-place
forms through the tensors' in-place methods, so version counters, views and autograd are those of the single ops.
Out-of-place forms return a tuple; in-place forms return the list (or tuple) they were given.

Differs from PyTorch: nothing is fused (a loop over the list, not one kernel), and out-of-place results record the
single ops' nodes (AddBackward0, ...) instead of PyTorch's ForeachAddBackward0List and the like.
"""
from collections.abc import Sequence

import numpy as np

from .._dtype import scalar_type_name
from ..autograd.graph import node_classes
from ..backend import array_module
from . import elementwise as ew
from .base import GRAD_ENABLED, PYTHON_NUMBERS, Tensor, record, result_dtype, scalar_value, type_name, wrap
from .inplace import generic_inplace

Number = int | float | complex | bool
TensorList = Sequence[Tensor]

NODES = node_classes({"ForeachBackward0": lambda g: ()})
_UNSET = object()  # alpha not given: the overloads without alpha refuse it, even alpha=1


def _number_beside(t: Tensor, value) -> Tensor:
    """The Number `value` as a 0-d tensor on t's device, of the dtype t and the number give together."""
    value = scalar_value(value)
    return wrap(array_module(t._data).asarray(value, dtype=result_dtype(t._data, value)))


def _extremum(op):
    """maximum or minimum of a tensor and a tensor or a Number (the single ops take no Number)."""
    return lambda t, other: op(t, other if isinstance(other, Tensor) else _number_beside(t, other))


OPS = {"_foreach_maximum": _extremum(ew.maximum), "_foreach_maximum_": _extremum(generic_inplace(ew.maximum)),
       "_foreach_minimum": _extremum(ew.minimum), "_foreach_minimum_": _extremum(generic_inplace(ew.minimum))}


def _method(fn_name: str, name: str, inplace: bool):
    """The per-tensor op of _foreach_<name>(_): Tensor.<name> (or <name>_ with `inplace`), unless OPS has one."""
    if fn_name in OPS:
        return OPS[fn_name]
    method = name + "_" if inplace else name
    return lambda t, *args, **kwargs: getattr(t, method)(*args, **kwargs)


def _check_list(name: str, value, position: int) -> None:
    """PyTorch's TypeError unless `value` is a list or tuple of tensors."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}(): argument {position} must be a list or tuple of Tensors, not {type_name(value)}")
    for i, t in enumerate(value):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument {position}, but got {type_name(t)}")


def _check_lists(name: str, self, *others) -> None:
    """self and each of `others` are lists of tensors of the same length, pairwise on the same device, and not
    empty."""
    _check_list(name, self, 0)
    for position, other in enumerate(others, 1):
        _check_list(name, other, position)
        if len(other) != len(self):
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got {len(self)} and {len(other)}")
        for t, o in zip(self, other):
            if o.device != t.device:
                raise RuntimeError(f"Tensor on device {o.device} is not on the expected device {t.device}!")
    if not self:
        raise RuntimeError("Tensor list must have at least one tensor.")


def _is_number(value) -> bool:
    return value.__class__ in PYTHON_NUMBERS or isinstance(value, (np.number, np.bool_))


def _scalar(name: str, value, keep_tensor: bool):
    """A Number argument: a number, or a 0-d tensor (kept as a tensor where PyTorch has a Tensor overload, else one
    that does not require grad)."""
    if isinstance(value, Tensor):
        if value._data.ndim == 0 and (keep_tensor or not value.requires_grad):
            return value if keep_tensor else value.item()
        if keep_tensor:
            raise RuntimeError(f"scalar tensor expected to be 0 dim but it has {value._data.ndim} dimensions and "
                               f"{value._data.size} elements.")
    elif _is_number(value):
        return value
    raise TypeError(f"{name}(): expected a Number, a list of Numbers or a list of Tensors, but got {type_name(value)}")


def _scalar_list(name: str, self, values) -> list:
    """A list of Numbers, one for each tensor of self."""
    for v in values:
        if not _is_number(v):
            raise TypeError(f"{name}(): expected a list of Numbers or a list of Tensors, but got an element of type "
                            f"{type_name(v)}")
    if len(values) != len(self):
        raise RuntimeError("Tensor list must have same number of elements as scalar list.")
    return list(values)


def _operands(name: str, self, other, keep_tensor: bool) -> tuple[list, bool]:
    """The right operand for each tensor of self (`other` a Number, a 0-d tensor, a list of Numbers or a list of
    tensors), and whether they came from a list of tensors."""
    if isinstance(other, (list, tuple)) and other and all(isinstance(o, Tensor) for o in other):
        _check_lists(name, self, other)
        return list(other), True
    _check_lists(name, self)
    if isinstance(other, (list, tuple)):
        return _scalar_list(name, self, other), False
    other = _scalar(name, other, keep_tensor)
    return [other] * len(self), isinstance(other, Tensor)


def _run(op, self, *columns, **kwargs) -> tuple:
    """op(t, *args, **kwargs) for each tensor t of self and its arguments taken from `columns`."""
    return tuple(op(t, *args, **kwargs) for t, *args in zip(self, *columns))


def _finish(self, results: tuple, inplace: bool):
    """What a foreach op returns: self (the list it was given) for an in-place form, else the tuple of results."""
    return self if inplace else _joined(self, results)


def _joined(inputs, results: tuple) -> tuple:
    """`results`, every one of them requiring grad where one does, as PyTorch's single node for the whole list makes
    them: a result that depends on no input requiring grad gets a node without inputs (its backward reaches none), and
    an integer result is PyTorch's error."""
    if GRAD_ENABLED[0] and any(r._rg for r in results):
        for r in results:
            if not (r.is_floating_point() or r.is_complex()):
                raise RuntimeError(f"Autograd not support dtype: {scalar_type_name(r.dtype)}")
            if not r._rg and all(r is not t for t in inputs):
                record(r, NODES.ForeachBackward0(), ())
    return results


def _both(name: str, make) -> tuple:
    """(_foreach_<name>, _foreach_<name>_), each built by `make(its name, its per-tensor op, inplace)`."""
    forms = []
    for inplace in (False, True):
        fn_name = f"_foreach_{name}" + ("_" if inplace else "")
        fn = make(fn_name, _method(fn_name, name, inplace), inplace)
        fn.__name__ = fn.__qualname__ = fn_name
        fn.__doc__ = f"{'In-place ' if inplace else ''}{name} of each tensor of the list (torch.{fn_name})."
        forms.append(fn)
    return tuple(forms)


def _unary(fn_name: str, op, inplace: bool):
    def foreach(self: TensorList) -> TensorList:
        _check_lists(fn_name, self)
        return _finish(self, _run(op, self), inplace)
    return foreach


def _binary(keep_tensor: bool, takes_alpha: bool):
    """The maker of a binary op's forms: its right operand a Number, a list of Numbers, a list of tensors or (with
    `keep_tensor`) a 0-d tensor; alpha (with `takes_alpha`) only with a list of tensors or a 0-d tensor."""
    def make(fn_name: str, op, inplace: bool):
        def foreach(self: TensorList, other, *, alpha: Number = _UNSET) -> TensorList:
            operands, tensors = _operands(fn_name, self, other, keep_tensor)
            if alpha is _UNSET:
                return _finish(self, _run(op, self, operands), inplace)
            if not (takes_alpha and tensors):
                raise TypeError(f"{fn_name}() takes alpha only with a list of tensors as its second argument")
            if not _is_number(alpha):
                raise TypeError(f"{fn_name}(): argument 'alpha' must be Number, not {type_name(alpha)}")
            return _finish(self, _run(op, self, operands, alpha=alpha), inplace)
        return foreach
    return make


def _packed(fn_name: str, self, value) -> list:
    """addcmul's and addcdiv's value for each tensor: a Number, a list of Numbers, or a 1-D tensor of them."""
    if not isinstance(value, Tensor):
        return _operands(fn_name, self, value, False)[0]
    if value._data.ndim != 1:
        raise RuntimeError(f"Expected packed scalar Tensor to be of dimension 1. Got {value._data.ndim} instead.")
    if len(value) != len(self):
        raise RuntimeError(f"Expected length of scalars to match input of length {len(self)} but got {len(value)} "
                           f"instead.")
    return value.tolist()


def _addc(fn_name: str, op, inplace: bool):
    def foreach(self: TensorList, tensor1: TensorList, tensor2: TensorList, value=1) -> TensorList:
        _check_lists(fn_name, self, tensor1, tensor2)
        values = _packed(fn_name, self, value)
        return _finish(self, _run(lambda t, a, b, v: op(t, a, b, value=v), self, tensor1, tensor2, values), inplace)
    return foreach


def _lerp(fn_name: str, op, inplace: bool):
    def foreach(self: TensorList, tensors1: TensorList, weight) -> TensorList:
        _check_lists(fn_name, self, tensors1)
        weights = _operands(fn_name, self, weight, False)[0]
        return _finish(self, _run(op, self, tensors1, weights), inplace)
    return foreach


def _with_scalar_base(pow_forms):
    """_foreach_pow, which also takes a Number base and a list of exponents."""
    def _foreach_pow(self, exponent) -> tuple:
        if isinstance(self, (list, tuple)) or not isinstance(exponent, (list, tuple)):
            return pow_forms(self, exponent)
        _check_lists("_foreach_pow", exponent)
        base = _scalar("_foreach_pow", self, False)
        return _joined(exponent, tuple(ew.pow(base, e) for e in exponent))
    _foreach_pow.__doc__ = "pow of each tensor of the list, or of a Number to each power in a list of exponents."
    return _foreach_pow


def _foreach_norm(self: TensorList, ord: Number = 2, dtype=None) -> tuple:
    """The vector ord-norm of each tensor of the list, computed in `dtype` if given (torch._foreach_norm)."""
    from ..linalg import vector_norm  # lazy: ember.linalg sits above ops
    _check_lists("_foreach_norm", self)
    if not _is_number(ord):
        raise TypeError(f"_foreach_norm(): argument 'ord' (position 2) must be Number, not {type_name(ord)}")
    return _joined(self, tuple(vector_norm(t, ord, dtype=dtype) for t in self))


def _foreach_powsum(self: TensorList, ord: Number = 2, dtype=None) -> tuple:
    """The sum of |x|^ord over each tensor of the list, computed in `dtype` if given (torch._foreach_powsum).

    Differs from PyTorch: differentiable (PyTorch has no derivative for it)."""
    _check_lists("_foreach_powsum", self)
    for t in self:
        if not (t.is_floating_point() or t.is_complex()):
            raise NotImplementedError(f'"powsum_cpu" not implemented for \'{scalar_type_name(t.dtype)}\'')
    return _joined(self, tuple((t if dtype is None else t.to(dtype)).abs().pow(ord).sum() for t in self))


def _foreach_max(self: TensorList) -> tuple:
    """The largest element of each tensor of the list (torch._foreach_max)."""
    _check_lists("_foreach_max", self)
    if any(t.numel() == 0 for t in self):
        raise RuntimeError("_foreach_max cannot compute the maximum of an empty tensor; max over zero elements is "
                           "undefined.")
    return _joined(self, tuple(t.max() for t in self))


def _foreach_mm(self: TensorList, mat2: TensorList) -> tuple:
    """The matrix product of each pair of matrices of the two lists (torch._foreach_mm)."""
    _check_lists("_foreach_mm", self, mat2)
    return _joined(self, _run(Tensor.mm, self, mat2))


def _foreach_clone(self: TensorList, *, memory_format=None) -> tuple:
    """A copy of each tensor of the list (torch._foreach_clone)."""
    _check_lists("_foreach_clone", self)
    return _joined(self, tuple(t.clone(memory_format=memory_format) for t in self))


def _foreach_zero_(self: TensorList) -> TensorList:
    """Fill each tensor of the list with zeros, in place (torch._foreach_zero_)."""
    _check_lists("_foreach_zero_", self)
    _run(Tensor.zero_, self)
    return self


def _foreach_copy_(self: TensorList, src: TensorList, non_blocking: bool = False) -> TensorList:
    """Copy each tensor of `src` into the tensor of self at its place, in place (torch._foreach_copy_)."""
    _check_lists("_foreach_copy_", self, src)
    _run(Tensor.copy_, self, src, non_blocking=non_blocking)
    return self


# one op applied to each tensor: unary ops
_foreach_abs, _foreach_abs_ = _both("abs", _unary)
_foreach_acos, _foreach_acos_ = _both("acos", _unary)
_foreach_asin, _foreach_asin_ = _both("asin", _unary)
_foreach_atan, _foreach_atan_ = _both("atan", _unary)
_foreach_ceil, _foreach_ceil_ = _both("ceil", _unary)
_foreach_cos, _foreach_cos_ = _both("cos", _unary)
_foreach_cosh, _foreach_cosh_ = _both("cosh", _unary)
_foreach_erf, _foreach_erf_ = _both("erf", _unary)
_foreach_erfc, _foreach_erfc_ = _both("erfc", _unary)
_foreach_exp, _foreach_exp_ = _both("exp", _unary)
_foreach_expm1, _foreach_expm1_ = _both("expm1", _unary)
_foreach_floor, _foreach_floor_ = _both("floor", _unary)
_foreach_frac, _foreach_frac_ = _both("frac", _unary)
_foreach_lgamma, _foreach_lgamma_ = _both("lgamma", _unary)
_foreach_log, _foreach_log_ = _both("log", _unary)
_foreach_log10, _foreach_log10_ = _both("log10", _unary)
_foreach_log1p, _foreach_log1p_ = _both("log1p", _unary)
_foreach_log2, _foreach_log2_ = _both("log2", _unary)
_foreach_neg, _foreach_neg_ = _both("neg", _unary)
_foreach_reciprocal, _foreach_reciprocal_ = _both("reciprocal", _unary)
_foreach_round, _foreach_round_ = _both("round", _unary)
_foreach_rsqrt, _foreach_rsqrt_ = _both("rsqrt", _unary)
_foreach_sigmoid, _foreach_sigmoid_ = _both("sigmoid", _unary)
_foreach_sign, _foreach_sign_ = _both("sign", _unary)
_foreach_sin, _foreach_sin_ = _both("sin", _unary)
_foreach_sinh, _foreach_sinh_ = _both("sinh", _unary)
_foreach_sqrt, _foreach_sqrt_ = _both("sqrt", _unary)
_foreach_tan, _foreach_tan_ = _both("tan", _unary)
_foreach_tanh, _foreach_tanh_ = _both("tanh", _unary)
_foreach_trunc, _foreach_trunc_ = _both("trunc", _unary)
# binary ops: _binary(whether a 0-d tensor operand stays a tensor, as PyTorch's Tensor overload; whether alpha is taken)
_foreach_add, _foreach_add_ = _both("add", _binary(True, True))
_foreach_sub, _foreach_sub_ = _both("sub", _binary(False, True))
_foreach_mul, _foreach_mul_ = _both("mul", _binary(True, False))
_foreach_div, _foreach_div_ = _both("div", _binary(True, False))
_foreach_maximum, _foreach_maximum_ = _both("maximum", _binary(False, False))
_foreach_minimum, _foreach_minimum_ = _both("minimum", _binary(False, False))
_foreach_clamp_min, _foreach_clamp_min_ = _both("clamp_min", _binary(False, False))
_foreach_clamp_max, _foreach_clamp_max_ = _both("clamp_max", _binary(False, False))
_foreach_pow, _foreach_pow_ = _both("pow", _binary(False, False))
_foreach_addcmul, _foreach_addcmul_ = _both("addcmul", _addc)
_foreach_addcdiv, _foreach_addcdiv_ = _both("addcdiv", _addc)
_foreach_lerp, _foreach_lerp_ = _both("lerp", _lerp)
_foreach_pow = _with_scalar_base(_foreach_pow)
