"""User-defined differentiable operations: `class MyOp(Function)` with forward/backward."""
from .._tensor import Tensor, wrap
from ..backend import array_module
from . import grad_mode
from .graph import Node
from .record import FORWARD_AD, record, set_marks


class FunctionCtx:
    """The `ctx` helpers of a custom Function (the backward node is the ctx, as in PyTorch)."""

    def save_for_backward(self, *tensors):
        """Save tensors for backward; modifying them in place later makes backward raise."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        return self.saved_values()

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool):
        """Whether None output grads reach backward as zeros (default True)."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The backward node of a custom Function; also the `ctx` its forward and backward receive."""
    _forward_cls = None

    def __init__(self):
        self._to_save = ()
        self._dirty = ()
        self._non_diff = ()
        self.materialize_grads = True
        self.needs_input_grad = ()
        self.n_outputs = 1
        self._output_meta = ()

    def apply(self, grads):
        if self.materialize_grads:
            grads = [g if g is not None else _zeros(meta) for g, meta in zip(grads, self._output_meta)]
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = self._n_args
        if len(result) < expected or any(extra is not None for extra in result[expected:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {expected}, got {len(result)})")
        return tuple(result[i] for i in self._tensor_positions)


def _zeros(meta):
    """Zeros in place of a None output gradient: meta is the output's (shape, dtype, array module)."""
    shape, dtype, xp = meta
    return wrap(xp.zeros(shape, dtype))


class FunctionMeta(type):
    """Gives each Function subclass its own backward node class, named `<Name>Backward`."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom differentiable operations.

    Define `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as static methods and call
    `MyOp.apply(*args)`. The setup-context style (`setup_context`) is supported too.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and, if any input requires grad, record the backward node."""
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with grad_mode.no_grad():
            if "setup_context" in cls.__dict__:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(outputs, tuple)
        outs = tuple(_own_output(o, args, ctx) for o in (outputs if is_tuple else (outputs,)))
        if not (grad_mode.GRAD_ENABLED[0] and any(ctx.needs_input_grad)):
            return outs if is_tuple else outs[0]
        tensor_outs = [o for o in outs if isinstance(o, Tensor)]
        ctx.n_outputs = len(outs)
        ctx._output_meta = tuple((o._data.shape, o._data.dtype, array_module(o._data)) if isinstance(o, Tensor)
                                 else ((), None, array_module(None)) for o in outs)
        ctx._n_args = len(args)
        ctx._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = [args[i] for i in ctx._tensor_positions]
        first = next((o for o in tensor_outs if _differentiable(o, ctx)), None)
        if first is None:
            return outputs
        saved = tuple(ctx._to_save)
        record(first, ctx, inputs, saved)
        if first._grad_fn is not ctx:  # left unrecorded by forward AD's marks (see record)
            return outs if is_tuple else outs[0]
        ctx._to_save = ()
        for nr, o in enumerate(outs):
            if isinstance(o, Tensor) and _differentiable(o, ctx):
                o._grad_fn = ctx
                o._rg = True
                o._output_nr = nr
                if FORWARD_AD[0]:
                    set_marks(o, first._fw_hidden, first._fw_sources)
        return outs if is_tuple else outs[0]


def _differentiable(t, ctx):
    return t._data.dtype.kind in "fV" and not any(t is n for n in ctx._non_diff)


def _own_output(o, args, ctx):
    """An output that is also an input gets its own Tensor, unless forward marked it dirty (then its
    version counts the in-place change, with or without a graph)."""
    if isinstance(o, Tensor) and any(o is a for a in args):
        if any(o is d for d in ctx._dirty):
            if o._grad_fn is None and o._rg and grad_mode.GRAD_MODE[0]:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            o._vc[0] += 1
            return o
        alias = wrap(o._data)
        alias._vc = o._vc
        return alias
    return o


def once_differentiable(backward):
    """Decorator for a Function's backward that is not itself differentiable: runs it under no_grad."""
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return backward(ctx, *grads)
    return wrapper
