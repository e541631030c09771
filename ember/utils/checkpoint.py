"""ember.utils.checkpoint: activation checkpointing, as torch.utils.checkpoint.

A checkpointed function keeps its inputs, not its intermediate results, and runs again during backward to
rebuild them, with the random number state of its forward restored so that dropout draws the same masks.

- `use_reentrant=True` (the default, with a warning, as in PyTorch): a custom Function runs the forward under
  no_grad; its backward recomputes the function on detached inputs and runs a nested backward through it, which
  accumulates into `.grad` of the parameters the function uses. Like PyTorch's, it refuses autograd.grad and
  backward(inputs=...), takes no keyword arguments, and gives no gradients when no input requires grad.
- `use_reentrant=False`: the forward builds the real graph (its grad_fn names are the ops'), then drops the
  tensors its nodes saved; the first node of the function that backward reaches recomputes the function and
  gives every node its saved tensors back. Works with autograd.grad, keyword arguments and higher-order
  gradients. Unlike PyTorch's, a tensor that requires grad and is not a leaf (the result of an earlier op) must
  reach the function through its arguments, not a closure: backward raises CheckpointError otherwise.
"""
import warnings
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from .._random import get_rng_state, set_rng_state
from .._tensor import Tensor
from .._tree import flatten
from ..autograd import backward
from ..autograd.engine import is_checkpoint_valid
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..autograd.graph import AccumulateGrad, checkpoint_saved_tensors
from ..nn.modules.container import Sequential
from ..random import fork_rng

__all__ = [
    "CheckpointError",
    "CheckpointFunction",
    "check_backward_validity",
    "checkpoint",
    "checkpoint_sequential",
    "detach_variable",
    "noop_context_fn",
]

_DETERMINISM_CHECKS = ("default", "none")


class CheckpointError(RuntimeError):
    """The recomputation of a checkpointed function did not match its forward."""


def detach_variable(inputs: tuple) -> tuple:
    """The tuple with each tensor detached, keeping its requires_grad; other values as they are."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(  # noqa: TRY004 (PyTorch's exception type)
            f"Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    return tuple(inp.detach().requires_grad_(inp.requires_grad) if isinstance(inp, Tensor) else inp
                 for inp in inputs)


def check_backward_validity(inputs) -> None:
    """Warn when no tensor among `inputs` requires grad: a reentrant checkpoint then gives no gradients."""
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)


def noop_context_fn() -> tuple[AbstractContextManager, AbstractContextManager]:
    """The default context_fn: no context around the forward nor around the recomputation."""
    return nullcontext(), nullcontext()


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward under no_grad keeping the inputs, backward recomputing the function."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        """run_function(*args) under no_grad, saving the tensor arguments and the random state."""
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.fwd_rng_state = get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The arguments' gradients, from a backward through the recomputed function (which also accumulates
        the gradients of the parameters it uses)."""
        if not is_checkpoint_valid():
            raise RuntimeError("When use_reentrant=True, ember.utils.checkpoint is incompatible with .grad() or "
                               "passing an `inputs` parameter to .backward(). To resolve this error, you can either "
                               "set use_reentrant=False, or call .backward() without passing the `inputs` argument.")
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with fork_rng(enabled=ctx.fwd_rng_state is not None):
            if ctx.fwd_rng_state is not None:
                set_rng_state(ctx.fwd_rng_state)
            detached = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached)
        outputs = (outputs,) if isinstance(outputs, Tensor) else outputs
        pairs = [(out, g) for out, g in zip(outputs, grad_outputs) if isinstance(out, Tensor) and out.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        backward([out for out, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached)


def _saved_metadata(node) -> list:
    """(shape, dtype) of each tensor `node` saved (a saved result is kept as its (array, version counter))."""
    return [(tuple(v.shape), v.dtype) if isinstance(v, Tensor) else (tuple(v[0].shape), v[0].dtype)
            for i, v in enumerate(node._saved) if isinstance(v, Tensor) or i == node._result_at]


class _Frame:
    """One call of a non-reentrant checkpoint: what recomputing it needs, and the nodes its forward built (weakly,
    with the metadata of the tensors each saved, or None where it saved none)."""

    def __init__(self, function, args, kwargs, rng_state, recompute_context, determinism_check: str, debug: bool):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.rng_state, self.recompute_context = rng_state, recompute_context
        self.determinism_check, self.debug = determinism_check, debug
        self.input_versions = [(t, t._vc[0]) for t in flatten([args, kwargs])[0] if isinstance(t, Tensor)]
        self.roots = []
        self.inside = weakref.WeakKeyDictionary()
        self.forward_ops = []
        self.recomputed = False

    def drop_saved(self, outputs) -> None:
        """Record the nodes the forward built between `outputs` and the inputs, and free what they saved."""
        leaves, _ = flatten([self.args, self.kwargs])
        stop = {t.grad_fn for t in leaves if isinstance(t, Tensor) and t.grad_fn is not None}
        roots = [t.grad_fn for t in flatten(outputs)[0] if isinstance(t, Tensor)]
        self.roots = [None if node is None else weakref.ref(node) for node in roots]
        stack = [node for node in roots if node is not None]
        while stack:
            node = stack.pop()
            if node in self.inside or node in stop or isinstance(node, AccumulateGrad):
                continue
            self.forward_ops.append(node.name())
            saves_tensors = node._versions is not None and node._saved is not None  # None: a nested checkpoint's
            self.inside[node] = _saved_metadata(node) if saves_tensors else None
            if saves_tensors:
                node._saved = None
                node.register_prehook(self._recompute)
            stack.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
        if not self.debug:
            self.forward_ops = []

    def _recompute(self, grad_outputs) -> None:
        """Run the function again and give each node of the forward the tensors its twin saved."""
        if self.recomputed:
            return
        for t, version in self.input_versions:
            if t._vc[0] != version:
                raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: [{t.type()} {list(t.shape)}], which is an input of a "
                                   f"checkpointed function, is at version {t._vc[0]}; expected version {version} "
                                   f"instead.")
        with fork_rng(enabled=self.rng_state is not None):
            if self.rng_state is not None:
                set_rng_state(self.rng_state)
            with enable_grad(), self.recompute_context:
                outputs = self.function(*self.args, **self.kwargs)
        new_roots = [t.grad_fn for t in flatten(outputs)[0] if isinstance(t, Tensor)]
        if len(new_roots) != len(self.roots):
            self._fail(f"the recomputation returned {len(new_roots)} tensors, the forward {len(self.roots)}")
        stack = [(None if ref is None else ref(), new) for ref, new in zip(self.roots, new_roots)]
        restored = set()
        while stack:
            node, twin = stack.pop()
            if node is twin:
                if node is not None and node in self.inside:
                    self._fail(f"{node.name()} of the forward was not rebuilt: a tensor that requires grad reaches "
                               f"the function other than through its arguments; pass it as an argument")
                continue
            if node is None or twin is None or type(node) is not type(twin) or node not in self.inside \
                    or len(node.next_functions) != len(twin.next_functions):
                self._fail(f"the recomputation ran {_name(twin)} where the forward ran {_name(node)}")
            if node in restored:
                continue
            restored.add(node)
            if self.inside[node] is not None:
                self._restore(node, twin)
            stack.extend((nxt, twin_nxt) for (nxt, _), (twin_nxt, _) in zip(node.next_functions,
                                                                            twin.next_functions))
        self.recomputed = True
        for node in restored:
            if self.inside[node] is not None:
                node._pre_hooks = {k: entry for k, entry in node._pre_hooks.items() if entry[1] != self._recompute}

    def _restore(self, node, twin) -> None:
        if self.determinism_check == "default" and _saved_metadata(twin) != self.inside[node]:
            self._fail(f"the tensors saved by {node.name()} have different metadata than during the forward pass: "
                       f"(shape, dtype) {self.inside[node]} in the forward, {_saved_metadata(twin)} recomputed")
        node._saved, node._versions = twin._saved, twin._versions

    def _fail(self, what: str):
        trace = f"\nOperations of the forward: {self.forward_ops}" if self.debug else ""
        raise CheckpointError(f"ember.utils.checkpoint: {what}. The checkpointed function must run the same "
                              f"operations when it runs again in backward.{trace}")


def _name(node) -> str:
    return "nothing" if node is None else node.name()


def _checkpoint_without_reentrant(function, preserve_rng_state: bool, context_fn, determinism_check: str,
                                  debug: bool, args: tuple, kwargs: dict):
    if determinism_check not in _DETERMINISM_CHECKS:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, but got "
                         f"{determinism_check}")
    if debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    forward_context, recompute_context = context_fn()
    if not is_grad_enabled():
        with forward_context:
            return function(*args, **kwargs)
    rng_state = get_rng_state() if preserve_rng_state else None
    with forward_context, checkpoint_saved_tensors():  # outer saved tensor hooks see none of its tensors, as in PyTorch
        outputs = function(*args, **kwargs)
    _Frame(function, args, kwargs, rng_state, recompute_context, determinism_check, debug).drop_saved(outputs)
    return outputs


def checkpoint(function: Callable, *args, use_reentrant: bool | None = None,
               context_fn: Callable[[], tuple[AbstractContextManager, AbstractContextManager]] = noop_context_fn,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True,
               preserve_rng_state: bool = True, **kwargs):
    """function(*args, **kwargs), keeping only the inputs for backward, which recomputes the rest. ember always
    recomputes the whole function (`early_stop` is accepted), and `debug=True` adds the names of the forward's
    operations to a CheckpointError rather than a trace of every operator."""
    if use_reentrant is None:
        warnings.warn("ember.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    if not use_reentrant:
        return _checkpoint_without_reentrant(function, preserve_rng_state, context_fn, determinism_check, debug,
                                             args, kwargs)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if context_fn is not noop_context_fn or debug is not False:
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    return CheckpointFunction.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments: int, input: Tensor, use_reentrant: bool | None = None, **kwargs):
    """The functions (or a Sequential's layers) applied in order to `input`, split into `segments` runs of which
    all but the last are checkpointed; `preserve_rng_state` is the only keyword argument accepted."""
    if use_reentrant is None:
        warnings.warn("ember.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. use_reentrant=False is recommended, but if you need to preserve the current "
                      "default behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve_rng_state)
    return run(end + 1, len(functions) - 1)(input)
