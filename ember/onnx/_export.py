"""One export: graph inputs, the traced forward run, graph outputs, and the checked model."""
from __future__ import annotations

import warnings

import onnx

from .. import _tensor
from ..autograd.grad_mode import no_grad
from . import converters, producer_version  # noqa: F401  (importing converters registers them)
from ._graph import Graph
from ._registry import OLDER_OPSETS, OPSETS
from ._trace import Tracer, tensors_in
from .errors import OnnxExporterError


def export_model(model, args: tuple, kwargs: dict, opset: int, input_names: list[str], output_names,
                 dynamic_axes: dict, export_params: bool, keep_initializers_as_inputs: bool,
                 fold: bool) -> onnx.ModelProto:
    """The ONNX model of one forward run of `model` on `args` and `kwargs`."""
    if not OLDER_OPSETS.start <= opset < OPSETS.stop:
        raise ValueError(f"ember exports ONNX opsets {OLDER_OPSETS.start} to {OPSETS.stop - 1}, but opset_version="
                         f"{opset} was given")
    if opset < OPSETS.start:
        opset = _older_opset(opset)
    axes = {name: _axis_names(name, spec) for name, spec in dynamic_axes.items()}
    g = Graph(opset)
    inputs = tensors_in(args) + tensors_in(kwargs)
    if len(input_names) < len(inputs):
        raise ValueError(f"{len(inputs)} input tensors but {len(input_names)} input names")
    for tensor, name in zip(inputs, input_names):
        g.add_input(tensor, name, _dims(tensor, axes.get(name, {})))
    state = _state(model)
    for name, tensor in state.items():
        if export_params and not keep_initializers_as_inputs:
            g.initializer(tensor, name)
            if fold:
                g.constants.add(id(tensor))
        else:
            g.add_input(tensor, name, list(tensor.shape))
            if export_params:
                g.initializer(tensor, name)
    tracer = Tracer(g, dynamic=bool(axes))
    hooks = _scope_hooks(model, g)
    try:
        with no_grad(), tracer.patched():
            result = model(*args, **kwargs)
    finally:
        for handle in hooks:
            handle.remove()
    outputs = tensors_in(result)
    if not outputs:
        raise OnnxExporterError(f"the model returned no tensors ({type(result).__name__}); nothing to export")
    names = list(output_names or [])
    names += [f"output_{i}" if len(outputs) > 1 else "output" for i in range(len(names), len(outputs))]
    for tensor, name in zip(outputs, names):
        dims = _dims(tensor, axes.get(name, {}), tracer.dynamic_axes_of(tensor))
        g.add_output(name, g.value(tensor), tensor, dims)
    _drop_unused(g, keep=set(input_names))
    try:
        onnx.checker.check_model(g.skeleton(), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        raise OnnxExporterError(f"the exported graph does not pass the ONNX checker: {error}") from error
    return g.model(producer_version)


def _older_opset(opset: int) -> int:
    """The opset ember writes when an opset below its converters' is asked for: the lowest it has, with a
    warning (PyTorch's exporter also writes a higher opset when it cannot reach the one asked for)."""
    warnings.warn(f"ONNX export: ember writes opsets {OPSETS.start} to {OPSETS.stop - 1}; the model is written at "
                  f"opset {OPSETS.start} instead of the opset {opset} asked for (ONNX Runtime and other runtimes "
                  f"read both)", UserWarning, stacklevel=4)
    return OPSETS.start


def _axis_names(name: str, spec) -> dict[int, str]:
    """dynamic_axes' entry for one input or output as {axis: dimension name}."""
    if isinstance(spec, dict):
        return {int(axis): str(dim) for axis, dim in spec.items()}
    return {int(axis): f"{name}_dynamic_axes_{k + 1}" for k, axis in enumerate(spec)}


def _dims(tensor, named: dict[int, str], dynamic=()) -> list:
    """The declared shape of a graph input or output: a name for each dynamic axis, None where unknown."""
    rank = tensor.ndim
    named = {axis % rank if rank else axis: dim for axis, dim in named.items()}
    return [named.get(i, None if i in dynamic else n) for i, n in enumerate(tensor._data.shape)]


def _state(model) -> dict:
    """The parameters and buffers of `model` by their state_dict names (each tensor once)."""
    state, seen = {}, set()
    for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        if isinstance(tensor, _tensor.Tensor) and id(tensor) not in seen:
            seen.add(id(tensor))
            state[name] = tensor
    return state


def _scope_hooks(model, g: Graph) -> list:
    """Hooks that keep `g.scope` at the path of the module whose forward runs."""
    handles, stack = [], []

    def enter(name):
        def hook(module, args):
            stack.append(g.scope)
            g.scope = name
        return hook

    def leave(module, args, output):
        g.scope = stack.pop() if stack else ""

    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_pre_hook(enter(name)))
            handles.append(module.register_forward_hook(leave))
    return handles


def _drop_unused(g: Graph, keep: set[str]) -> None:
    """Remove the nodes no output depends on (sizes read but not used, masks a layer ignored), then the
    initializers and parameter inputs no node reads; the model's own inputs in `keep` stay."""
    needed, kept = {o.name for o in g.outputs}, []
    for node in reversed(g.nodes):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    g.nodes = kept[::-1]
    used = {name for node in g.nodes for name in node.input}
    g.initializers = [t for t in g.initializers if t.name in used]
    g.inputs = [i for i in g.inputs if i.name in keep or i.name in used]
