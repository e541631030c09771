"""User-defined differentiable operations: `class MyOp(Function)` with forward/backward (and jvp for forward mode)."""
from .._tensor import Tensor, wrap
from ..backend import array_module
from . import forward_ad, grad_mode
from .graph import Node
from .record import FORWARD_AD, accumulator, record, set_marks

# How many ember.func transforms are running the user's function now, and how many of them run it as PyTorch runs
# it under vmap (jacfwd, hessian); ember.vmap counts in ember.autograd.TRANSFORM_DEPTH. ember.func sets them.
FUNC_TRANSFORMS = [0, 0]
# ember.autograd.TRANSFORM_DEPTH (how many ember.vmap calls are running), bound when the first Function of a user's is
# defined (the package defines it after importing this module).
_VMAP_DEPTH = [None]

_EXTENDING_FUNC = "For more details, please see https://pytorch.org/docs/main/notes/extending.func.html"

# NOTE [ Custom Functions in forward mode ]
# As in PyTorch, a Function applied to inputs that carry tangents (at any open dual level) gives its outputs the
# tangents its `jvp(ctx, *input_tangents)` staticmethod returns, computed at once (one call per level with
# tangents), with `ctx.saved_tensors` reading what forward or setup_context gave `ctx.save_for_forward`; a Function
# without jvp raises PyTorch's NotImplementedError there. jvp gets zeros for a tensor input without a tangent and
# None for any other argument; what it returns carries no tangents itself (PyTorch runs it with forward AD off),
# while it requires grad where it depends on tensors that do. Each differentiable output gets a hidden source
# holding its tangents (NOTE [ Hidden graph ] in forward_ad.py), reached by one more edge of the Function's node:
# while a tangent's backward passes run (forward_ad.TANGENT_PASS), the node passes each output's gradient to that
# source and calls no backward, so the tangents of later results come from jvp alone; in an ordinary backward the
# node calls backward, and the source edges get nothing. ember's own Functions (defined in the ember package) get
# their tangents through their backward instead, as ops do.
#
# Inside ember.func's transforms and ember.vmap, a user's Function must define setup_context, and under vmap,
# jacfwd and hessian also set generate_vmap_rule = True or define a vmap staticmethod, or it raises PyTorch's
# RuntimeError. ember runs the Function's forward on batched tensors in both cases: a vmap staticmethod is not
# called.


class FunctionCtx:
    """The `ctx` helpers of a custom Function (the backward node is the ctx, as in PyTorch)."""

    def save_for_backward(self, *tensors):
        """Save tensors for backward; modifying them in place later makes backward raise."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        """Save tensors for jvp, which reads them as `ctx.saved_tensors`."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise AssertionError("save_for_forward expects all arguments to be tensors; you should save "
                                     "non-tensors as attributes on ctx.")
        self._fw_saved = tensors

    @property
    def saved_tensors(self):
        if self._in_jvp:
            return self._fw_saved
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
    """The backward node of a custom Function; also the `ctx` its forward, backward and jvp receive."""
    _forward_cls = None
    _in_jvp = False
    _fw_saved = ()
    _fw_outputs = ()  # the outputs whose tangents sources hold, one more edge each (NOTE [ Custom Functions in
    # forward mode ])

    def __init__(self):
        self._to_save = ()
        self._dirty = ()
        self._non_diff = ()
        self.materialize_grads = True
        self.needs_input_grad = ()
        self.n_outputs = 1
        self._output_meta = ()

    def apply(self, grads):
        fw_outputs = self._fw_outputs
        if fw_outputs and forward_ad.TANGENT_PASS[0]:
            return (None,) * len(self._tensor_positions) + tuple(grads[k] for k in fw_outputs)
        if self.materialize_grads:
            grads = [g if g is not None else _zeros(meta) for g, meta in zip(grads, self._output_meta)]
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = self._n_args
        if len(result) < expected or any(extra is not None for extra in result[expected:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {expected}, got {len(result)})")
        result = tuple(result[i] for i in self._tensor_positions)
        return result + (None,) * len(fw_outputs) if fw_outputs else result


def _zeros(meta):
    """Zeros in place of a None output gradient: meta is the output's (shape, dtype, array module)."""
    shape, dtype, xp = meta
    return wrap(xp.zeros(shape, dtype))


class FunctionMeta(type):
    """Gives each Function subclass its own backward node class, named `<Name>Backward`, and notes whether it is
    one of ember's own (NOTE [ Custom Functions in forward mode ])."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        cls._users = not (cls.__module__ or "").startswith("ember.")
        cls._setup_style = hasattr(cls, "setup_context")
        if cls._users and _VMAP_DEPTH[0] is None:  # a user's Function: ember.autograd has loaded
            from . import TRANSFORM_DEPTH
            _VMAP_DEPTH[0] = TRANSFORM_DEPTH


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom differentiable operations.

    Define `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as static methods and call
    `MyOp.apply(*args)`. The setup-context style (`setup_context`) is supported too, and forward-mode AD through
    `jvp(ctx, *grad_inputs)` (NOTE [ Custom Functions in forward mode ]).
    """
    generate_vmap_rule = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and, if any input requires grad, record the backward node."""
        if cls._users and (FUNC_TRANSFORMS[0] or _VMAP_DEPTH[0][0]):
            _check_transform_support(cls)
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with grad_mode.no_grad():
            if cls._setup_style:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(outputs, tuple)
        outs = tuple(_own_output(o, args, ctx) for o in (outputs if is_tuple else (outputs,)))
        if FORWARD_AD[0] and forward_ad._LEVELS and cls._users:
            generations = [g for g in forward_ad._LEVELS
                           if any(isinstance(a, Tensor) and forward_ad._live_sources(a, g) for a in args)]
            if generations:
                return _apply_forward_mode(cls, ctx, args, outputs, outs, is_tuple, generations)
        if ctx._fw_saved:
            ctx._fw_saved = ()
        if not (grad_mode.GRAD_ENABLED[0] and any(ctx.needs_input_grad)):
            return outs if is_tuple else outs[0]
        first = _prepare_node(ctx, args, outs)
        if first is None:
            return outputs
        record(first, ctx, [args[i] for i in ctx._tensor_positions], tuple(ctx._to_save))
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


def _prepare_node(ctx, args, outs):
    """Set what ctx needs as a node; the first differentiable output, or None where there is none."""
    ctx.n_outputs = len(outs)
    ctx._output_meta = tuple((o._data.shape, o._data.dtype, array_module(o._data)) if isinstance(o, Tensor)
                             else ((), None, array_module(None)) for o in outs)
    ctx._n_args = len(args)
    ctx._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    return next((o for o in outs if isinstance(o, Tensor) and _differentiable(o, ctx)), None)


def _apply_forward_mode(cls, ctx, args, outputs, outs, is_tuple, generations):
    """Function.apply on inputs with tangents: the outputs get jvp's tangents (NOTE [ Custom Functions in forward
    mode ])."""
    first = _prepare_node(ctx, args, outs)
    if first is None:
        ctx._fw_saved = ()
        return outputs
    FORWARD_AD[0] = False  # recorded whatever forward AD's marks would say; they are set below
    try:
        record(first, ctx, [args[i] for i in ctx._tensor_positions], tuple(ctx._to_save))
    finally:
        FORWARD_AD[0] = True
    ctx._to_save = ()
    visible = grad_mode.GRAD_MODE[0] and any(isinstance(a, Tensor) and a.requires_grad for a in args)
    differentiable = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and _differentiable(o, ctx)]
    for k in differentiable:  # the outputs as jvp sees them (through ctx): in the graph, with no tangent yet
        o = outs[k]
        o._grad_fn, o._rg, o._output_nr = ctx, True, k
        set_marks(o, hidden=not visible, sources=())
    held = {k: {} for k in differentiable}
    for g in generations:
        ctx._in_jvp = True
        try:
            result = cls.jvp(ctx, *(_input_tangent(a, g) for a in args))
        finally:
            ctx._in_jvp = False
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(outs):
            raise RuntimeError(f"Function's jvp returned an invalid number of forward gradients (expected "
                               f"{len(outs)} but got {len(result)})")
        for k in differentiable:
            t = result[k]
            if t is None:
                continue
            if not isinstance(t, Tensor):
                raise TypeError(f"jvp(): expected the forward gradient of output {k} to be a Tensor or None, but "
                                f"got {type(t).__name__}")
            if t._data.shape != outs[k]._data.shape:
                raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the "
                                   f"original Tensor, this is not supported. Tensor is of size "
                                   f"{list(outs[k]._data.shape)} while the given forward gradient is of size "
                                   f"{list(t._data.shape)}.")
            held[k][g] = forward_ad.without_tangents(t)
    ctx._fw_saved = ()
    sources = {}
    for k in differentiable:
        if held[k]:
            source = sources[k] = wrap(outs[k]._data)
            forward_ad._hold_tangent(source, held[k])
            set_marks(outs[k], hidden=not visible, sources=(source,))
            outs[k]._fw_cache = {g: (outs[k]._vc[0], t) for g, t in held[k].items()}
    ctx._fw_outputs = tuple(sources)
    ctx.next_functions += tuple((accumulator(s), 0) for s in sources.values())
    ctx._shapes = list(ctx._shapes) + [(s._data.shape, s._data.dtype) for s in sources.values()]
    if ctx._result_at >= 0 and first._fw_sources:  # NOTE [ Saved results ] in graph.py
        ctx._result_marks = (first._fw_hidden, first._fw_sources)
    return outs if is_tuple else outs[0]


def _input_tangent(a, generation):
    """What jvp gets for argument `a`: its tangent, zeros for a tensor without one, None for anything else."""
    if not isinstance(a, Tensor):
        return None
    t = forward_ad.tangent_of(a, generation)
    if t is None and a._data.dtype.kind in "fcV":
        return wrap(array_module(a._data).zeros(a._data.shape, a._data.dtype))
    return t


def _check_transform_support(cls):
    """PyTorch's errors for a Function that a transform cannot run (NOTE [ Custom Functions in forward mode ])."""
    if not hasattr(cls, "setup_context"):
        raise RuntimeError("In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, "
                           f"...), it must override the setup_context staticmethod. {_EXTENDING_FUNC}")
    if (FUNC_TRANSFORMS[1] or _VMAP_DEPTH[0][0]) and not (cls.generate_vmap_rule or hasattr(cls, "vmap")):
        raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please override "
                           f"and implement the vmap staticmethod or set generate_vmap_rule=True. {_EXTENDING_FUNC}")


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
