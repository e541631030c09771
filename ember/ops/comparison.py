"""Comparisons and logic: eq/ne/lt/le/gt/ge, logical and bitwise ops, the NaN and infinity tests, equal, isclose,
allclose and isin. Their results are bool (or integer) tensors with no gradient."""
import numpy as np

from .._dtype import scalar_type_name
from ..backend import array_module
from .base import Tensor, broadcasting, not_tensor_error, operands, refuse_complex, tensor_type_error, wrap, write_out

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "equal",
           "allclose", "isclose", "isin"]


def _named(op, name: str, doc: str):
    """`op` with its public name and docstring (the factories below make one function per ufunc)."""
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _compare(ufunc, name):
    def op(input, other, *, out=None):
        x, y, dt = operands(input, other)
        if name not in ("eq", "ne"):
            refuse_complex(dt, name + "_cpu")
        r = broadcasting(ufunc, x, y)
        return r if out is None else write_out(out, r, name)
    return _named(op, name, f"Elementwise `{name}` comparison, a bool tensor.")


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def _logical(ufunc, name):
    def op(input, other, *, out=None):
        try:
            x, y = input._data, other._data
        except AttributeError:
            raise not_tensor_error(name, ("input", input), ("other", other)) from None
        r = broadcasting(ufunc, x, y)
        return r if out is None else write_out(out, r, name)
    return _named(op, name, f"Elementwise `{name}`, a bool tensor.")


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input, *, out=None):
    """Elementwise not, a bool tensor."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("logical_not", "input", input) from None
    r = wrap(array_module(a).logical_not(a))
    return r if out is None else write_out(out, r, "logical_not")


def _bitwise(ufunc, name):
    def op(input, other, *, out=None):
        if isinstance(input, Tensor):
            x, y, dt = operands(input, other)
        else:  # PyTorch's bitwise_and(Number self, Tensor other)
            if not isinstance(other, Tensor):
                raise tensor_type_error(name, "other", other, 2)
            y, x, dt = operands(other, input)
        if dt.kind in "fcV":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type_name(dt)}'")
        r = broadcasting(ufunc, x, y)
        return r if out is None else write_out(out, r, name)
    return _named(op, name, f"Elementwise `{name}` of integer or bool tensors.")


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input, *, out=None):
    """Elementwise bitwise not (logical not for bool tensors)."""
    try:
        a = input._data
    except AttributeError:
        raise tensor_type_error("bitwise_not", "input", input) from None
    if a.dtype.kind in "fV":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{scalar_type_name(a.dtype)}'")
    r = wrap(array_module(a).invert(a))
    return r if out is None else write_out(out, r, "bitwise_not")


def _test(ufunc, name, doc):
    def op(input):
        try:
            a = input._data
        except AttributeError:
            raise tensor_type_error(name, "input", input) from None
        return wrap(ufunc(a))
    return _named(op, name, doc)


isnan = _test(np.isnan, "isnan", "True where input is NaN.")
isinf = _test(np.isinf, "isinf", "True where input is +-inf.")
isfinite = _test(np.isfinite, "isfinite", "True where input is finite.")


def equal(input, other) -> bool:
    """True if both tensors have the same shape and elements."""
    try:
        a, b = input._data, other._data
    except AttributeError:
        raise not_tensor_error("equal", ("input", input), ("other", other)) from None
    return a.shape == b.shape and bool(array_module(a).array_equal(a, b))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if |input - other| <= atol + rtol * |other| everywhere."""
    return isclose(input, other, rtol, atol, equal_nan)._data.all().item()  # item(): a meta tensor's raises


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other| (input and other of one dtype, as PyTorch requires)."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{scalar_type_name(input._data.dtype)} did not match {scalar_type_name(other._data.dtype)}")
    x, y, _ = operands(input, other)
    return wrap(array_module(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """True where an element of `elements` equals one of `test_elements` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}), but expected at least one "
                        "Tensor: (Tensor elements, Tensor test_elements), (Number element, Tensor test_elements) "
                        "or (Tensor elements, Number test_element)")
    xp = array_module(elements._data if isinstance(elements, Tensor) else test_elements._data)
    a = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.asarray(xp.isin(a, b, assume_unique=assume_unique, invert=invert)))


METHODS = {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "logical_and": logical_and,
           "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
           "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
           "bitwise_not": bitwise_not, "isnan": isnan, "isinf": isinf, "isfinite": isfinite, "equal": equal,
           "allclose": allclose, "isclose": isclose}
