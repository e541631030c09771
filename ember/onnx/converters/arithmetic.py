"""Elementwise math, comparisons and logic as ONNX nodes."""
from __future__ import annotations

import math

import numpy as np

import ember

from ... import result_type
from .._graph import onnx_dtype
from .._registry import converts, identity, named
from ._helpers import dtype_of

_BINARY = {"Add": ("add", "__add__", "__radd__", "add_", "__iadd__"),
           "Mul": ("mul", "multiply", "__mul__", "__rmul__", "mul_", "multiply_", "__imul__"),
           "Max": ("maximum", "fmax"), "Min": ("minimum", "fmin")}


def _operands(g, out, a, b, dtype=None):
    dtype = dtype_of(out) if dtype is None else dtype
    return g.value(a, dtype), g.value(b, dtype)


def _binary(op_type: str):
    def convert(g, out, input, other, *, alpha=1, out_=None, **kwargs):
        x, y = _operands(g, out, input, other)
        if alpha != 1:
            y = g.op("Mul", y, g.value(alpha, dtype_of(out)))
        return g.op(op_type, x, y)
    convert.__name__ = op_type.lower()
    return convert


for _op_type, _names in _BINARY.items():
    converts(*_names)(_binary(_op_type))


@converts("sub", "subtract", "__sub__", "sub_", "subtract_", "__isub__")
def sub(g, out, input, other, *, alpha=1, **kwargs):
    x, y = _operands(g, out, input, other)
    if alpha != 1:
        y = g.op("Mul", y, g.value(alpha, dtype_of(out)))
    return g.op("Sub", x, y)


@converts("rsub", "__rsub__")
def rsub(g, out, input, other, *, alpha=1, **kwargs):
    return sub(g, out, other, input, alpha=alpha)


@converts("div", "divide", "true_divide", "__truediv__", "div_", "divide_", "true_divide_", "__itruediv__")
def div(g, out, input, other, *, rounding_mode=None, **kwargs):
    if rounding_mode is None:
        return g.op("Div", *_operands(g, out, input, other))
    exact = np.float64 if dtype_of(out).kind in "iub" else dtype_of(out)
    quotient = g.op("Div", *_operands(g, out, input, other, exact))
    rounded = g.op("Floor", quotient) if rounding_mode == "floor" else g.op(
        "Mul", g.op("Sign", quotient), g.op("Floor", g.op("Abs", quotient)))
    return g.op("Cast", rounded, to=onnx_dtype(dtype_of(out))) if exact is not dtype_of(out) else rounded


@converts("__rtruediv__")
def rdiv(g, out, input, other):
    return g.op("Div", *_operands(g, out, other, input))


@converts("floor_divide", "__floordiv__", "floor_divide_", "__ifloordiv__")
def floor_divide(g, out, input, other, **kwargs):
    return div(g, out, input, other, rounding_mode="floor")


@converts("remainder", "__mod__", "remainder_", "__imod__")
def remainder(g, out, input, other, **kwargs):
    x, y = _operands(g, out, input, other)
    if dtype_of(out).kind in "iu":
        return g.op("Mod", x, y, fmod=0)
    return g.op("Sub", x, g.op("Mul", g.op("Floor", g.op("Div", x, y)), y))


@converts("fmod")
def fmod(g, out, input, other, **kwargs):
    return g.op("Mod", *_operands(g, out, input, other), fmod=1)


@converts("pow", "__pow__", "pow_", "__ipow__", "float_power")
def pow(g, out, input, exponent, **kwargs):
    return g.op("Pow", *_operands(g, out, input, exponent))


@converts("__rpow__")
def rpow(g, out, input, other):
    return g.op("Pow", *_operands(g, out, other, input))


@converts("matmul", "__matmul__", "mm", "bmm", "mv", "dot")
def matmul(g, out, input, other, **kwargs):
    return g.op("MatMul", *_operands(g, out, input, other))


@converts("addmm")
def addmm(g, out, input, mat1, mat2, *, beta=1, alpha=1, **kwargs):
    dt = dtype_of(out)
    return g.op("Gemm", g.value(mat1, dt), g.value(mat2, dt), g.value(input, dt), alpha=float(alpha),
                beta=float(beta))


@converts("baddbmm")
def baddbmm(g, out, input, batch1, batch2, *, beta=1, alpha=1, **kwargs):
    """beta * input + alpha * (batch1 @ batch2)."""
    dt = dtype_of(out)
    product = g.op("MatMul", g.value(batch1, dt), g.value(batch2, dt))
    if alpha != 1:
        product = g.op("Mul", product, g.value(float(alpha), dt))
    if beta == 0:
        return product
    added = g.value(input, dt) if beta == 1 else g.op("Mul", g.value(input, dt), g.value(float(beta), dt))
    return g.op("Add", added, product)


# ---- unary math ------------------------------------------------------------------------------
_UNARY = {"Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Sin": "sin", "Cos": "cos", "Tan": "tan", "Asin": "asin",
          "Acos": "acos", "Atan": "atan", "Sinh": "sinh", "Cosh": "cosh", "Asinh": "asinh", "Acosh": "acosh",
          "Atanh": "atanh", "Abs": "abs absolute __abs__", "Neg": "neg negative __neg__", "Sign": "sign",
          "Floor": "floor", "Ceil": "ceil", "Reciprocal": "reciprocal", "Erf": "erf",
          "Sigmoid": "sigmoid", "Tanh": "tanh"}


def _unary(op_type: str):
    def convert(g, out, input, *args, **kwargs):
        return g.op(op_type, g.value(input, dtype_of(out)))
    convert.__name__ = op_type.lower()
    return convert


def _unary_names(names: str) -> list[str]:
    """Each of `names` and its in-place variant `name_`, where ember has them."""
    return [n for name in names.split() for n in (name, name + "_") if named(n)]


for _op_type, _names in _UNARY.items():
    converts(*_unary_names(_names))(_unary(_op_type))


@converts(*_unary_names("round"))
def round_(g, out, input, *args, decimals=None, **kwargs):
    if decimals:
        scale = g.value(10.0 ** decimals, dtype_of(out))
        return g.op("Div", g.op("Round", g.op("Mul", g.value(input, dtype_of(out)), scale)), scale)
    return g.op("Round", g.value(input, dtype_of(out)))


@converts(*_unary_names("rsqrt"))
def rsqrt(g, out, input, *args, **kwargs):
    return g.op("Reciprocal", g.op("Sqrt", g.value(input, dtype_of(out))))


@converts(*_unary_names("square"))
def square(g, out, input, *args, **kwargs):
    x = g.value(input, dtype_of(out))
    return g.op("Mul", x, x)


@converts(*_unary_names("log1p"))
def log1p(g, out, input, *args, **kwargs):
    x = g.value(input, dtype_of(out))
    return g.op("Log", g.op("Add", x, g.value(1, dtype_of(out))))


@converts(*_unary_names("expm1"))
def expm1(g, out, input, *args, **kwargs):
    return g.op("Sub", g.op("Exp", g.value(input, dtype_of(out))), g.value(1, dtype_of(out)))


@converts(*_unary_names("log2 log10"))
def log_base(g, out, input, *args, **kwargs):
    base = 2 if g.op_name.endswith(("log2", "log2_")) else 10
    return g.op("Div", g.op("Log", g.value(input, dtype_of(out))), g.value(math.log(base), dtype_of(out)))


@converts("__pos__", "positive", "contiguous", "clone", "detach", "detach_", "data", "requires_grad_")
def same_value(g, out, input, *args, **kwargs):
    return identity(g, out, input)


# ---- clamping and selection ----------------------------------------------------------------------
@converts(*_unary_names("clamp clip"))
def clamp(g, out, input, min=None, max=None, **kwargs):
    dt = dtype_of(out)
    x = g.value(input, dt)
    if not isinstance(min, type(input)) and not isinstance(max, type(input)):
        return g.op("Clip", x, g.value(min, dt) if min is not None else "", g.value(max, dt) if max is not None
                    else "")
    if min is not None:
        x = g.op("Max", x, g.value(min, dt))
    if max is not None:
        x = g.op("Min", x, g.value(max, dt))
    return x


@converts(*_unary_names("clamp_min"))
def clamp_min(g, out, input, min, **kwargs):
    return clamp(g, out, input, min=min)


@converts(*_unary_names("clamp_max"))
def clamp_max(g, out, input, max, **kwargs):
    return clamp(g, out, input, max=max)


@converts(ember.where)
def where(g, out, condition, input=None, other=None):
    if input is None:
        raise g.unsupported("where(condition) with one argument has a data-dependent shape")
    dt = dtype_of(out)
    return g.op("Where", g.value(condition, np.bool_), g.value(input, dt), g.value(other, dt))


@converts(vars(ember.Tensor)["where"])
def where_method(g, out, input, condition, other):
    return where(g, out, condition, input, other)


@converts("masked_fill", "masked_fill_")
def masked_fill(g, out, input, mask, value):
    dt = dtype_of(out)
    return g.op("Where", g.value(mask, np.bool_), g.value(value, dt), g.value(input, dt))


# ---- comparisons and logic ----------------------------------------------------------------------
_COMPARE = {"eq": "Equal", "__eq__": "Equal", "lt": "Less", "__lt__": "Less", "less": "Less",
            "le": "LessOrEqual", "__le__": "LessOrEqual", "less_equal": "LessOrEqual", "gt": "Greater",
            "__gt__": "Greater", "greater": "Greater", "ge": "GreaterOrEqual", "__ge__": "GreaterOrEqual",
            "greater_equal": "GreaterOrEqual"}


def _compare(op_type: str):
    def convert(g, out, input, other, **kwargs):
        return g.op(op_type, *_operands(g, out, input, other, result_type(input, other).np))
    return convert


for _name, _op_type in _COMPARE.items():
    converts(_name)(_compare(_op_type))


@converts("ne", "__ne__", "not_equal")
def ne(g, out, input, other, **kwargs):
    return g.op("Not", _compare("Equal")(g, out, input, other))


_LOGICAL = {"And": ("logical_and", "__and__", "__rand__", "bitwise_and"),
            "Or": ("logical_or", "__or__", "__ror__", "bitwise_or"),
            "Xor": ("logical_xor", "__xor__", "__rxor__", "bitwise_xor")}


def _logical(op_type: str):
    def convert(g, out, input, other, **kwargs):
        if dtype_of(out) != np.bool_ and not g.op_name.split(".")[-1].startswith("logical"):
            if g.opset < 18:
                raise g.unsupported("bitwise ops on integers need opset 18")
            return g.op("Bitwise" + op_type, *_operands(g, out, input, other))
        return g.op(op_type, g.value(input, np.bool_), g.value(other, np.bool_))
    return convert


for _op_type, _names in _LOGICAL.items():
    converts(*_names)(_logical(_op_type))


@converts("logical_not", "__invert__", "bitwise_not")
def logical_not(g, out, input, **kwargs):
    if dtype_of(out) != np.bool_ and not g.op_name.endswith("logical_not"):
        return g.op("BitwiseNot", g.value(input))
    return g.op("Not", g.value(input, np.bool_))


@converts("isnan")
def isnan(g, out, input):
    return g.op("IsNaN", g.value(input))


@converts("isinf")
def isinf(g, out, input):
    return g.op("IsInf", g.value(input))
