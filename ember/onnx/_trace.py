"""Recording one forward run of a model as ONNX nodes.

NOTE [ Tracing by patching ]
ember runs eagerly and has no dispatcher to hook, so for the length of an export the tracer replaces every
public ember function (the `ember`, `nn.functional`, `linalg`, `special` and `fft` namespaces, Tensor's methods,
operators and properties) and every function with a converter by a recording wrapper: in the namespaces
themselves, in each ember module that imported the function by name (a function reads its module's globals
at call time, so layers calling `C.conv2d` or a bare `sigmoid` reach the wrapper), in the classes those
modules define (a pooling layer keeps its function as a class attribute) and on the Tensor class.
`Tracer.patched()` undoes every replacement on exit, also when the forward raises. While a patch is in place
ember is not safe to use from another thread, as PyTorch's exporter.

A wrapped call at the top level (not inside another recorded call) with a traced input
- with a converter: runs the function, then the converter writes its ONNX nodes; calls made inside it are
  not recorded (they are part of the converted op);
- without one: runs the function, whose own calls into ember record themselves (a composite such as
  `multi_head_attention_forward` is exported through the ops it is built from); if a tensor it returns is
  still unknown, the function computed it without going through ember's API and the export stops with
  UnsupportedOperatorError naming the function, the module that called it and the opset.
A call with no traced input is computed, not recorded: its result is a constant of the model and becomes an
initializer where a recorded op uses it (constant folding). Parameters and buffers count as constants unless
`do_constant_folding=False` or `export_params=False`.

NOTE [ Loose tensors ]
A layer or composite may compute a tensor from a traced one's array without calling an ember function
(`wrap(x._data * 2)`); no wrapper sees it, and if an op later used it the graph would hold its value of this
run as a constant. So the internal constructor `wrap` is patched too: a tensor it makes at the top level
(outside every wrapped call) is loose, and a recorded op that reads a loose tensor stops the export with
UnsupportedOperatorError instead of writing a silently wrong graph.
"""
from __future__ import annotations

import contextlib
import operator
import sys
import types
import warnings

from .. import _tensor
from .._tensor import Tensor
from .._tree import tensors_in
from ._graph import Graph
from ._registry import CONVERTERS, FUNCTIONS

_NAMESPACES = ("ember", "ember.nn.functional", "ember.linalg", "ember.special", "ember.fft")
_TO_PYTHON = frozenset(("item", "tolist", "numpy", "__array__", "__bool__", "__int__", "__float__", "__index__"))
_NOT_OPS = frozenset(("__new__", "__init__", "__getattr__", "__repr__", "__format__", "__reduce_ex__", "__deepcopy__",
                      "__hash__", "__dlpack__", "__dlpack_device__"))


class TracedSize(int):
    """The length of a dynamic axis of a traced tensor: an int that also names the ONNX value computing it
    (an int64 tensor of one element), kept through + - * // with ints so that `x.view(x.size(0), -1)` and
    `x.reshape(b * t, -1)` stay dynamic in the exported graph."""

    def __new__(cls, value: int, onnx_name: str, graph: Graph):
        size = int.__new__(cls, value)
        size.onnx_name, size.graph = onnx_name, graph
        return size

    def _combine(self, other, op_type: str, python_op, reverse: bool = False):
        if not isinstance(other, int) or isinstance(other, bool):
            return NotImplemented
        a, b = (other, self) if reverse else (self, other)
        g = self.graph
        return TracedSize(python_op(int(a), int(b)), g.op(op_type, g.ints([a]), g.ints([b])), g)

    def __add__(self, other): return self._combine(other, "Add", operator.add)  # noqa: E704
    def __radd__(self, other): return self._combine(other, "Add", operator.add, True)  # noqa: E704
    def __sub__(self, other): return self._combine(other, "Sub", operator.sub)  # noqa: E704
    def __rsub__(self, other): return self._combine(other, "Sub", operator.sub, True)  # noqa: E704
    def __mul__(self, other): return self._combine(other, "Mul", operator.mul)  # noqa: E704
    def __rmul__(self, other): return self._combine(other, "Mul", operator.mul, True)  # noqa: E704
    def __floordiv__(self, other): return self._combine(other, "Div", operator.floordiv)  # noqa: E704
    def __rfloordiv__(self, other): return self._combine(other, "Div", operator.floordiv, True)  # noqa: E704


def _sizes_in(value) -> bool:
    if isinstance(value, TracedSize):
        return True
    if isinstance(value, (tuple, list)):
        return any(_sizes_in(v) for v in value)
    return False


class Tracer:
    """Records the calls of one forward run into `graph` (NOTE [ Tracing by patching ])."""

    def __init__(self, graph: Graph, dynamic: bool):
        self.graph = graph
        self.dynamic = dynamic  # whether any axis is dynamic: sizes are then read as TracedSize
        self.depth = 0
        self._inferred: tuple[int, dict] = (-1, {})

    def depends(self, args, kwargs) -> bool:
        """Whether a call's arguments hold a traced value (a tensor computed from the inputs, or a traced size)."""
        g = self.graph
        for t in tensors_in(args) + tensors_in(kwargs):
            if not g.is_constant(t):
                return True
        return _sizes_in(args) or _sizes_in(list(kwargs.values()))

    def wrap(self, fn, name: str):
        """The recording wrapper of ember function `fn`, called `name` in errors."""
        converter = CONVERTERS.get(id(fn))
        tracer = self

        def recorded(*args, **kwargs):
            if tracer.depth or not tracer.depends(args, kwargs):
                tracer.depth += 1
                try:
                    return fn(*args, **kwargs)
                finally:
                    tracer.depth -= 1
            if converter is None:
                return tracer.descend(fn, name, args, kwargs)
            tracer.depth += 1
            try:
                out = fn(*args, **kwargs)
            finally:
                tracer.depth -= 1
            tracer.convert(converter, name, out, args, kwargs)
            return out
        recorded.__wrapped__ = fn
        return recorded

    def creation(self, fn):
        """The wrapper of ember's internal tensor constructor: a tensor made outside every recorded or
        computed call (by code that works on arrays directly) is marked loose (NOTE [ Loose tensors ])."""
        tracer = self

        def made(*args, **kwargs):
            tensor = fn(*args, **kwargs)
            if not tracer.depth:
                tracer.graph.loose[id(tensor)] = tensor
            return tensor
        made.__wrapped__ = fn
        return made

    def descend(self, fn, name: str, args, kwargs):
        """Run a function without converter and check that its tensors were recorded by the calls inside it."""
        if name.rsplit(".", 1)[-1] in _TO_PYTHON:
            warnings.warn(f"ONNX export: {name} turns a traced tensor into Python values; the exported graph "
                          f"treats them as constants and will not follow other inputs", UserWarning, stacklevel=3)
        g = self.graph
        before = [(t, t._vc[0], g.name_of(t)) for t in tensors_in(args) + tensors_in(kwargs)
                  if g.name_of(t) is not None]
        out = fn(*args, **kwargs)
        g.op_name = name
        if any(t._vc[0] != version and g.name_of(t) == value for t, version, value in before):
            raise g.unsupported("it changes a traced tensor in place and ember has no ONNX converter for it")
        if any(g.name_of(t) is None for t in tensors_in(out)):
            raise g.unsupported("ember has no ONNX converter for it")
        return out

    def convert(self, converter, name: str, out, args, kwargs) -> None:
        """Write the nodes of one call and bind the tensors it returned to their ONNX names."""
        g = self.graph
        g.op_name = name
        if g.opset not in converter.opsets:
            raise g.unsupported(f"its converter supports opsets {converter.opsets.start} to "
                                f"{converter.opsets.stop - 1}")
        names = converter.convert(g, out, *args, **kwargs)
        names = (names,) if isinstance(names, str) else tuple(names)
        results = tensors_in(out)
        if len(names) != len(results):
            raise g.unsupported(f"the converter wrote {len(names)} outputs for {len(results)} results")
        for tensor, value_name in zip(results, names):
            g.bind(tensor, value_name)

    # ---- sizes -------------------------------------------------------------------------------
    def dynamic_axes_of(self, tensor: Tensor) -> set[int]:
        """The axes of a traced tensor whose length can change between runs of the exported graph
        (found by ONNX shape inference over the graph written so far)."""
        g = self.graph
        name = g.name_of(tensor)
        if not self.dynamic or g.is_constant(tensor):
            return set()
        count, shapes = self._inferred
        if count != len(g.nodes):
            shapes = g.shapes()
            self._inferred = (len(g.nodes), shapes)
        shape = shapes.get(name)
        if shape is None or len(shape.dim) != tensor.ndim:
            return set(range(tensor.ndim))
        return {i for i, d in enumerate(shape.dim) if not d.HasField("dim_value")}

    def traced_shape(self, tensor: Tensor, shape: tuple) -> tuple:
        """`shape` with the lengths of dynamic axes as TracedSize."""
        axes = self.dynamic_axes_of(tensor)
        if not axes:
            return shape
        g = self.graph
        source = g.name_of(tensor)
        whole = g.op("Shape", source)
        return tuple(TracedSize(n, g.op("Gather", whole, g.ints([i])), g) if i in axes else n
                     for i, n in enumerate(shape))

    def _size(self, original):
        tracer = self

        def size(tensor, dim=None):
            result = original(tensor, dim)
            if tracer.depth:
                return result
            if dim is None:
                return type(result)(tracer.traced_shape(tensor, tuple(result)))
            return tracer.traced_shape(tensor, tuple(tensor._data.shape))[dim]
        return size

    def _shape(self, original):
        tracer = self

        def shape(tensor):
            result = original(tensor)
            return result if tracer.depth else type(result)(tracer.traced_shape(tensor, tuple(result)))
        return shape

    # ---- patching ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def patched(self):
        """Replace ember's functions by recording wrappers for the length of the block."""
        undo = []
        try:
            wrappers = self._wrappers()
            for owner in _owners():
                for attr, value in list(vars(owner).items()):
                    wrapper = wrappers.get(id(value.__func__ if isinstance(value, staticmethod) else value))
                    if wrapper is not None and not attr.startswith("__"):
                        undo.append((owner, attr, value))
                        setattr(owner, attr, staticmethod(wrapper) if isinstance(value, staticmethod) else wrapper)
            for attr, value in list(vars(Tensor).items()):
                replacement = self._tensor_attribute(attr, value, wrappers)
                if replacement is not None:
                    undo.append((Tensor, attr, value))
                    setattr(Tensor, attr, replacement)
            yield
        finally:
            for owner, attr, value in reversed(undo):
                setattr(owner, attr, value)

    def _tensor_attribute(self, attr: str, value, wrappers):
        if attr == "size":
            return self._size(value)
        if attr == "shape":
            return property(self._shape(value.fget))
        if isinstance(value, property):
            wrapper = wrappers.get(id(value.fget))
            return None if wrapper is None else property(wrapper, value.fset)
        return wrappers.get(id(value))

    def _wrappers(self) -> dict:
        functions = {}
        for namespace in _NAMESPACES:
            module = sys.modules[namespace]
            for attr in getattr(module, "__all__", None) or dir(module):
                value = getattr(module, attr, None)
                if isinstance(value, types.FunctionType) and not attr.startswith("_"):
                    functions.setdefault(id(value), (value, f"{namespace.replace('ember', 'torch', 1)}.{attr}"))
        for attr, value in vars(Tensor).items():
            fn = value.fget if isinstance(value, property) else value
            if isinstance(fn, types.FunctionType) and attr not in _NOT_OPS and (
                    not attr.startswith("_") or attr.startswith("__")):
                functions.setdefault(id(fn), (fn, f"Tensor.{attr}"))
        for key, fn in FUNCTIONS.items():
            functions.setdefault(key, (fn, getattr(fn, "__qualname__", repr(fn))))
        wrappers = {key: self.wrap(fn, name) for key, (fn, name) in functions.items()
                    if not _is_onnx_module(getattr(fn, "__module__", "") or "")}
        wrappers[id(_tensor.wrap)] = self.creation(_tensor.wrap)
        return wrappers


def _owners() -> list:
    """ember's modules and the classes they define (a layer may keep its function as a class attribute)."""
    owners = []
    for name, module in list(sys.modules.items()):
        if _is_ember_module(name):
            owners.append(module)
            owners += [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == name
                       and v is not Tensor]
    return owners


def _is_ember_module(name: str) -> bool:
    return (name == "ember" or name.startswith("ember.")) and not _is_onnx_module(name)


def _is_onnx_module(name: str) -> bool:
    return name == "ember.onnx" or name.startswith("ember.onnx.")
