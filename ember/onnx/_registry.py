"""The table from ember functions to their ONNX converters.

A converter is declared with `@converts(fn, ..., opsets=range(a, b))` next to the others of its family
(ember/onnx/converters/). It is called as `converter(g, out, *args, **kwargs)`: the graph, what the ember call
returned, and the call's own arguments, and returns the ONNX name (or a tuple of names, one per tensor the call
returned) of the result.
"""
from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

import ember
from ember.nn import functional

OPSETS = range(13, 21)  # the opsets ember writes: 13 (the first with axes as inputs) to 20 (PyTorch's default)
OLDER_OPSETS = range(7, 13)  # accepted as PyTorch accepts them, and written at opset 13 with a warning


@dataclass(frozen=True)
class Converter:
    """How to write calls of one ember function as ONNX nodes, and for which opsets."""
    convert: Callable
    opsets: range
    name: str


CONVERTERS: dict[int, Converter] = {}  # id(ember function) -> its converter
FUNCTIONS: dict[int, Callable] = {}  # id(ember function) -> the function, kept alive


def converts(*functions, opsets: range = OPSETS):
    """Register the decorated converter for each of `functions`: ember functions, or names (see `named`)."""
    def register(convert: Callable) -> Callable:
        for fn in _resolve(functions):
            CONVERTERS[id(fn)] = Converter(convert, opsets, getattr(fn, "__name__", repr(fn)))
            FUNCTIONS[id(fn)] = fn
        return convert
    return register


def named(name: str) -> list:
    """The functions `ember.NAME`, `ember.nn.functional.NAME` and `Tensor.NAME` that exist (only Tensor's for an
    operator `__NAME__`; a property's getter)."""
    found = [] if name.startswith("__") else [getattr(ember, name, None), getattr(functional, name, None)]
    found = [f for f in found if isinstance(f, types.FunctionType)]
    method = vars(ember.Tensor).get(name)
    if method is not None:
        found.append(method.fget if isinstance(method, property) else method)
    return found


def _resolve(functions) -> list:
    resolved = []
    for fn in functions:
        found = named(fn) if isinstance(fn, str) else [fn]
        if not found:
            raise AttributeError(f"converts: ember has no function or Tensor method named {fn!r}")
        resolved.extend(found)
    return resolved


def identity(g, out, input, *args, **kwargs) -> str:
    """A call whose result is its input's value (contiguous, detach, dropout in eval, ...)."""
    return g.value(input)
