"""Automatic differentiation: backward, grad, grad modes, custom Functions and gradcheck."""
import numpy as np

from .._tensor import Tensor, wrap
from ..backend import array_module
from . import (  # noqa: F401  (ember.autograd.graph / .function, as in PyTorch)
    anomaly_mode,  # noqa: F401
    forward_ad,  # noqa: F401
    function,
    functional,  # noqa: F401
    graph,
    profiler,  # noqa: F401
)
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .graph import AccumulateGrad, GradientEdge

__all__ = ["backward", "grad", "Function", "Variable", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "gradcheck", "gradgradcheck", "detect_anomaly", "set_detect_anomaly"]


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, (Tensor, GradientEdge)):
        return [x]
    return list(x)


def _at_edges(tensors, grads=None):
    """`tensors` with each GradientEdge replaced by a tensor standing at it, for the engine: the leaf itself at an
    AccumulateGrad, else a tensor with the edge's grad_fn and output_nr (as an output, one with the shape of its given
    gradient: ember does not record the shapes of a node's outputs)."""
    out = []
    for i, e in enumerate(tensors):
        if isinstance(e, GradientEdge):
            if e.node.__class__ is AccumulateGrad:
                e = e.node.variable
            else:
                g = None if grads is None or i >= len(grads) else grads[i]
                if grads is not None and not isinstance(g, Tensor):
                    raise RuntimeError(f"grad_outputs[{i}] must be a Tensor: ember takes a GradientEdge as an output "
                                       "only with its gradient given (it does not record the shapes of a node's "
                                       "outputs)")
                t = wrap(np.empty(0, np.float32) if g is None else g._data)
                t._grad_fn, t._rg = e.node, True
                if e.output_nr:
                    t._output_nr = e.output_nr
                e = t
        out.append(e)
    return out


def _root_grads(outputs, grad_outputs, create_graph):
    """The gradients to start from: given ones (shape-checked) or 1 for scalar outputs."""
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fV":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            g = wrap(array_module(out._data).empty(out._data.shape, out._data.dtype))
            g._data.fill(1)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor or None, but got {type(g).__name__}")
        elif g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                               f"has a shape of {out.shape}.")
        elif g._data.__class__ is not out._data.__class__:
            raise RuntimeError(f"invalid gradient at index {i} - expected device {out.device} but got {g.device}")
        grads.append(g)
    return grads


# How many function transforms (vmap) are running now: backward() inside one raises, as in PyTorch.
TRANSFORM_DEPTH = [0]


def _check_outside_transforms() -> None:
    if TRANSFORM_DEPTH[0]:
        raise RuntimeError("backward() called inside a function transform (vmap). This is not supported: use "
                           "ember.func.grad or ember.func.vjp instead, or call backward() outside of the transform.")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate into `.grad` of the leaves (or of `inputs`) the gradients of `tensors`."""
    _check_outside_transforms()
    tensors = _as_list(tensors)
    grad_tensors = _as_list(grad_tensors if grad_tensors is not None else grad_variables)
    inputs = _as_list(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    tensors = _at_edges(tensors, grad_tensors or [])
    if inputs is not None:
        inputs = _at_edges(inputs)
    for t in tensors:
        if not t._rg or t._fw_hidden:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, _root_grads(tensors, grad_tensors, create_graph), retain_graph, create_graph,
                 inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned (not accumulated into .grad)."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grad_outputs = _as_list(grad_outputs)
    edges = [isinstance(t, GradientEdge) for t in inputs]
    outputs, inputs = _at_edges(outputs, grad_outputs or []), _at_edges(inputs)
    for t in outputs:
        if not t._rg or t._fw_hidden:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    result = run_backward(outputs, _root_grads(outputs, grad_outputs, create_graph), retain_graph,
                          create_graph, inputs=inputs, accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        if any(g is None and edge for g, edge in zip(result, edges)):
            raise RuntimeError("materialize_grads cannot be used when the given input is a GradientEdge")
        result = [g if g is not None else wrap(array_module(t._data).zeros_like(t._data))
                  for g, t in zip(result, inputs)]
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """grad with is_grads_batched: the first dim of every grad_output runs over a batch of vector-Jacobian
    products, one backward pass each (PyTorch vmaps them), and each input's gradients are stacked along it."""
    from ..ops.shape import stack  # lazy: the ops build on autograd
    if any(g is None for g in grad_outputs) or not grad_outputs:
        raise RuntimeError("grad_outputs must be given for every output when is_grads_batched is True")
    batch = grad_outputs[0].shape[0]
    rows = [grad(outputs, inputs, [g[k] for g in grad_outputs], retain_graph=retain_graph or k < batch - 1,
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for k in range(batch)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy wrapper: `Variable(t, requires_grad=True)` is a tensor sharing t's memory."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if data is None:
            return wrap(np.empty((0,), np.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = wrap(data._data)
        if requires_grad:
            t.requires_grad = True
        return t


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Compute the gradient of this tensor with respect to graph leaves (see ember.autograd.backward)."""
    _check_outside_transforms()
    if not self._rg or self._fw_hidden:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if inputs is not None:
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)
        return
    grads = _root_grads((self,), None if gradient is None else (gradient,), create_graph)
    run_backward((self,), grads, create_graph if retain_graph is None else retain_graph, create_graph)


Tensor.backward = _tensor_backward
