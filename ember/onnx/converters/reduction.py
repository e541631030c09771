"""Reductions as ONNX nodes."""
from __future__ import annotations

import numpy as np

from .._graph import onnx_dtype
from .._registry import converts
from ._helpers import dims_of, dtype_of, reduce


def _reducer(op_type: str):
    def convert(g, out, input, dim=None, keepdim=False, *args, dtype=None, **kwargs):
        return reduce(g, op_type, g.value(input, dtype_of(out)), dims_of(dim, input.ndim), keepdim)
    return convert


for _names, _op_type in ((("sum", "nansum"), "ReduceSum"), (("mean",), "ReduceMean"), (("prod",), "ReduceProd"),
                         (("amax",), "ReduceMax"), (("amin",), "ReduceMin"), (("logsumexp",), "ReduceLogSumExp")):
    converts(*_names)(_reducer(_op_type))


def _extreme(op_type: str, arg_type: str):
    def convert(g, out, input, dim=None, keepdim=False, **kwargs):
        if not isinstance(dim, int):
            if isinstance(dim, type(input)):  # max(input, other): elementwise
                return g.op(op_type[6:], g.value(input, dtype_of(out)), g.value(dim, dtype_of(out)))
            return reduce(g, op_type, g.value(input), None, False)
        x = g.value(input)
        d = dim % max(input.ndim, 1)
        values = reduce(g, op_type, x, [d], keepdim)
        return values, g.op(arg_type, x, axis=d, keepdims=int(bool(keepdim)))
    return convert


converts("max")(_extreme("ReduceMax", "ArgMax"))
converts("min")(_extreme("ReduceMin", "ArgMin"))


def _arg(arg_type: str):
    def convert(g, out, input, dim=None, keepdim=False):
        x = g.value(input)
        if dim is None:
            flat = g.op("Reshape", x, g.ints([-1]))
            found = g.op(arg_type, flat, axis=0, keepdims=0)
            return g.op("Reshape", found, g.ints([1] * input.ndim)) if keepdim else found
        return g.op(arg_type, x, axis=dim % max(input.ndim, 1), keepdims=int(bool(keepdim)))
    return convert


converts("argmax")(_arg("ArgMax"))
converts("argmin")(_arg("ArgMin"))


def _moment(g, out, input, dim, correction, keepdim):
    dt = dtype_of(out)
    x = g.value(input, dt)
    axes = dims_of(dim, input.ndim)
    count = int(np.prod([input.shape[a] for a in (axes if axes is not None else range(input.ndim))]))
    centered = g.op("Sub", x, reduce(g, "ReduceMean", x, axes, True))
    total = reduce(g, "ReduceSum", g.op("Mul", centered, centered), axes, keepdim)
    return g.op("Div", total, g.value(float(max(count - correction, 0)), dt))


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased is True else 0.0


@converts("var")
def var(g, out, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kwargs):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return _moment(g, out, input, dim, _correction(unbiased, correction), keepdim)


@converts("std")
def std(g, out, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kwargs):
    return g.op("Sqrt", var(g, out, input, dim, unbiased, keepdim, correction=correction))


@converts("norm")
def norm(g, out, input, p="fro", dim=None, keepdim=False, dtype=None, **kwargs):
    x, axes = g.value(input, dtype_of(out)), dims_of(dim, input.ndim)
    if p in ("fro", 2, 2.0, None):
        return reduce(g, "ReduceL2", x, axes, keepdim)
    if p in (1, 1.0):
        return reduce(g, "ReduceL1", x, axes, keepdim)
    if p == float("inf"):
        return reduce(g, "ReduceMax", g.op("Abs", x), axes, keepdim)
    raise g.unsupported(f"norm with p={p!r}; exported are 'fro', 1, 2 and inf")


def _boolean(op_type: str):
    def convert(g, out, input, dim=None, keepdim=False, **kwargs):
        as_int = g.op("Cast", g.op("Cast", g.value(input), to=onnx_dtype(np.bool_)), to=onnx_dtype(np.int32))
        found = reduce(g, op_type, as_int, dims_of(dim, input.ndim), keepdim)
        return g.op("Cast", found, to=onnx_dtype(np.bool_))
    return convert


converts("all")(_boolean("ReduceMin"))
converts("any")(_boolean("ReduceMax"))
