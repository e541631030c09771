"""The ONNX graph an export builds: nodes, initializers, inputs and outputs, and the ONNX name of every value.

Converters (ember/onnx/converters/) see one `Graph`: `g.value(x)` is the ONNX name of a tensor, number or
traced size, `g.op("Relu", x)` adds a node and returns its output name, `g.ints([...])` builds an int64 shape
tensor. Which values are traced (computed from the model's inputs) and which are constants is the tracer's
business (ember/onnx/_trace.py): a tensor the graph has not seen becomes an initializer.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .._tensor import Tensor
from ..backend import to_numpy
from .errors import UnsupportedOperatorError


def onnx_dtype(np_dtype) -> int:
    """The ONNX element type (TensorProto.FLOAT, ...) of a NumPy dtype."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))


class Graph:
    """An ONNX graph under construction, for one opset."""

    def __init__(self, opset: int):
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self.scope = ""  # the module path of the call being converted, for node names and errors
        self.op_name = ""  # the ember function being converted, for errors
        self.loose: dict[int, Tensor] = {}  # NOTE [ Loose tensors ] in ember/onnx/_trace.py
        self.constants: set[int] = set()  # ids of known tensors that are constants (parameters, when folding)
        self._values: dict[int, tuple[Tensor, str]] = {}  # id(tensor) -> (tensor kept alive, ONNX name)
        self._used: dict[str, int] = {}
        self._constants: dict[tuple, str] = {}

    # ---- names -------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A name no other value or node has, built from `hint`."""
        n = self._used.get(hint, 0)
        self._used[hint] = n + 1
        return hint if n == 0 else f"{hint}_{n}"

    def bind(self, tensor: Tensor, name: str) -> None:
        """Record that `tensor` is the value called `name` (rebinding it after an in-place op)."""
        self._values[id(tensor)] = (tensor, name)

    def name_of(self, tensor: Tensor) -> str | None:
        """The ONNX name of a tensor the graph knows, else None."""
        entry = self._values.get(id(tensor))
        return None if entry is None or entry[0] is not tensor else entry[1]

    def is_constant(self, tensor: Tensor) -> bool:
        """Whether a tensor is a constant of the model (a folded parameter, or computed without the inputs)."""
        return id(tensor) in self.constants or self.name_of(tensor) is None

    # ---- values ------------------------------------------------------------------------------
    def value(self, x, dtype=None) -> str:
        """The ONNX name of `x` (a tensor, a Python number, a traced size or None), cast to NumPy `dtype` if given.

        A tensor the graph has not seen is a constant of the model and becomes an initializer; a number becomes
        a scalar of `dtype` (a float32 scalar when no dtype is given for a float, int64 for an int)."""
        if x is None:
            return ""
        if isinstance(x, Tensor):
            name = self.name_of(x)
            if name is None:
                if self.loose.get(id(x)) is x:
                    raise self.unsupported("one of its inputs was computed without going through ember's "
                                           "functions (NOTE [ Loose tensors ]); its value would be frozen")
                name = self.constant(to_numpy(x._data))
                self.bind(x, name)
            if dtype is not None and np.dtype(dtype) != x._data.dtype:
                return self.op("Cast", name, to=onnx_dtype(dtype))
            return name
        onnx_name = getattr(x, "onnx_name", None)  # a traced size (ember/onnx/_trace.py)
        if onnx_name is not None:
            scalar = self.op("Squeeze", onnx_name, self.ints([0]))
            return scalar if dtype is None or np.dtype(dtype) == np.int64 else self.op("Cast", scalar,
                                                                                       to=onnx_dtype(dtype))
        if dtype is None:
            dtype = np.float32 if isinstance(x, float) else np.bool_ if isinstance(x, bool) else np.int64
        return self.constant(np.asarray(x, dtype=dtype))

    def constant(self, array: np.ndarray, hint: str = "const") -> str:
        """An initializer holding `array` (small arrays are shared between uses)."""
        array = np.asarray(array, order="C")
        key = None
        if array.size <= 16:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self._constants:
                return self._constants[key]
        name = self.fresh(f"onnx::{hint}")
        self.initializers.append(numpy_helper.from_array(array, name))
        if key is not None:
            self._constants[key] = name
        return name

    def initializer(self, tensor: Tensor, name: str) -> None:
        """`tensor` (a parameter or buffer) as the initializer `name`."""
        self.initializers.append(numpy_helper.from_array(np.asarray(to_numpy(tensor._data), order="C"), name))
        self._used[name] = 1
        self.bind(tensor, name)

    def ints(self, values) -> str:
        """A 1-D int64 tensor of `values`: Python ints and traced sizes (a Concat when any size is traced)."""
        values = list(values)
        if not any(hasattr(v, "onnx_name") for v in values):
            return self.constant(np.asarray(values, dtype=np.int64).reshape(len(values)))
        parts = [v.onnx_name if hasattr(v, "onnx_name") else self.constant(np.asarray([int(v)], dtype=np.int64))
                 for v in values]
        return parts[0] if len(parts) == 1 else self.op("Concat", *parts, axis=0)

    # ---- nodes -------------------------------------------------------------------------------
    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attributes):
        """Add a node; its output name, or a tuple of `outputs` names."""
        prefix = f"/{self.scope.replace('.', '/')}/{op_type}" if self.scope else f"/{op_type}"
        node_name = self.fresh(prefix)
        names = [self.fresh(f"{node_name}_output_{i}") for i in range(outputs)]
        attributes = {k: v for k, v in attributes.items() if v is not None}
        inputs = list(inputs)
        while inputs and inputs[-1] == "":  # an omitted optional input at the end is left out, not named ""
            inputs.pop()
        self.nodes.append(helper.make_node(op_type, inputs, names, name=node_name, **attributes))
        return names[0] if outputs == 1 else tuple(names)

    def unsupported(self, why: str) -> UnsupportedOperatorError:
        """The error for a call this converter cannot express, naming the op, the module and the opset."""
        where = f" in module {self.scope!r}" if self.scope else ""
        return UnsupportedOperatorError(f"exporting {self.op_name}{where} to ONNX opset {self.opset}: {why}")

    # ---- graph inputs and outputs ------------------------------------------------------------
    def add_input(self, tensor: Tensor, name: str, dims) -> None:
        """A graph input `name` for `tensor`, with `dims` (ints, or strings for dynamic axes)."""
        self.inputs.append(helper.make_tensor_value_info(name, onnx_dtype(tensor._data.dtype), dims))
        self._used[name] = 1
        self.bind(tensor, name)

    def add_output(self, name: str, value: str, tensor: Tensor, dims) -> None:
        """The graph output `name`: an Identity of `value`."""
        self.nodes.append(helper.make_node("Identity", [value], [name], name=self.fresh(f"/Identity_{name}")))
        self.outputs.append(helper.make_tensor_value_info(name, onnx_dtype(tensor._data.dtype), dims))

    def shapes(self) -> dict:
        """The shape ONNX shape inference gives each value written so far."""
        inferred = onnx.shape_inference.infer_shapes(self.skeleton()).graph
        return {info.name: info.type.tensor_type.shape for info in list(inferred.value_info) + list(inferred.input)}

    def skeleton(self) -> onnx.ModelProto:
        """The model with its large initializers as typed inputs: what the checker and shape inference read
        (shapes, not values) without serializing every weight."""
        small = [t for t in self.initializers if np.prod(t.dims) <= 64]
        named = {i.name for i in self.inputs}
        large = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in self.initializers
                 if np.prod(t.dims) > 64 and t.name not in named]
        return self._model(self.inputs + large, small, "")

    def model(self, producer_version: str) -> onnx.ModelProto:
        """The finished model."""
        return self._model(self.inputs, self.initializers, producer_version)

    def _model(self, inputs, initializers, producer_version: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, "main_graph", inputs, self.outputs, initializers)
        opset = helper.make_opsetid("", self.opset)
        model = helper.make_model(graph, opset_imports=[opset], producer_name="ember",
                                  producer_version=producer_version)
        model.ir_version = helper.find_min_ir_version_for([opset])
        return model

