"""ember._dynamo: the names scripts reach for around torch.compile (config, reset, disable, is_compiling, ...).
ember compiles nothing (ember.compile returns its input), so the settings are stored and the calls do nothing."""
import types

from . import eval_frame  # noqa: F401

__all__ = ["config", "reset", "disable", "is_compiling", "allow_in_graph", "mark_dynamic", "mark_static",
           "graph_break", "list_backends", "explain"]

config = types.SimpleNamespace(suppress_errors=False, cache_size_limit=8, accumulated_cache_size_limit=256,
                               verbose=False, capture_scalar_outputs=False, capture_dynamic_output_shape_ops=False,
                               optimize_ddp=True, automatic_dynamic_shapes=True, assume_static_by_default=True)


def reset() -> None:
    """Forget compiled code: there is none."""


def disable(fn=None, recursive: bool = True, *, reason=None):
    """Run `fn` without compiling it (as everything runs); usable as @disable and @disable()."""
    return (lambda f: f) if fn is None else fn


def is_compiling() -> bool:
    """False: ember never traces a function."""
    return False


def allow_in_graph(fn):
    """Return `fn`: there is no graph to allow it in."""
    return fn


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None) -> None:
    """Mark a dim as dynamic for the compiler: nothing to mark."""


def mark_static(t, index=None) -> None:
    """Mark a dim as static for the compiler: nothing to mark."""


def graph_break() -> None:
    """Break the traced graph here: there is none."""


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The compiler backends: none."""
    return []


def explain(fn, *args, **kwargs):
    """PyTorch's report of the graphs a function compiles to: ember compiles none (NotImplementedError)."""
    raise NotImplementedError("ember._dynamo.explain: ember compiles no graphs (ember.compile returns its input)")
