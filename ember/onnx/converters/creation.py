"""Tensors made from traced sizes (`zeros(2, x.size(0), 20)`, `zeros_like(x)`) as ONNX nodes; made from plain
numbers they are constants and need no converter."""
from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from .._registry import converts
from ._helpers import dtype_of, sizes


def _filled(g, out, shape_name: str, value) -> str:
    fill = np.asarray([value], dtype=dtype_of(out))
    return g.op("ConstantOfShape", shape_name, value=numpy_helper.from_array(fill))


def _size_args(args, kwargs):
    return sizes(args) if args else tuple(kwargs["size"])


@converts("zeros", "ones", "empty")
def filled(g, out, *size, **kwargs):
    value = 1 if g.op_name.endswith("ones") else 0
    return _filled(g, out, g.ints(_size_args(size, kwargs)), value)


@converts("full")
def full(g, out, size, fill_value, **kwargs):
    return _filled(g, out, g.ints(size), fill_value)


@converts("zeros_like", "ones_like", "empty_like", "full_like")
def filled_like(g, out, input, fill_value=None, **kwargs):
    name = g.op_name.rsplit(".", 1)[-1]
    value = fill_value if name == "full_like" else 1 if name == "ones_like" else 0
    return _filled(g, out, g.op("Shape", g.value(input)), value)


@converts("new_zeros", "new_ones", "new_empty")
def new_filled(g, out, input, *size, **kwargs):
    return _filled(g, out, g.ints(_size_args(size, kwargs)), 1 if g.op_name.endswith("ones") else 0)


@converts("new_full")
def new_full(g, out, input, size, fill_value, **kwargs):
    return _filled(g, out, g.ints(size), fill_value)


@converts("arange")
def arange(g, out, start, end=None, step=1, **kwargs):
    if end is None:
        start, end = 0, start
    dt = dtype_of(out)
    return g.op("Range", g.value(start, dt), g.value(end, dt), g.value(step, dt))
