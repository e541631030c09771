"""ember.compiler: torch.compiler's functions that scripts call around torch.compile. ember has no compiler yet
(ember.compile returns its argument), so code never runs compiled: these answer and act accordingly."""
from ._compile import compile  # noqa: F401


def is_compiling() -> bool:
    """Whether the code is being traced by the compiler: never in ember."""
    return False


def is_dynamo_compiling() -> bool:
    """Whether the code is being traced by Dynamo: never in ember."""
    return False


def is_exporting() -> bool:
    """Whether the code is being exported: never in ember."""
    return False


def disable(fn=None, recursive: bool = True, *, reason: str | None = None):
    """Keep `fn` out of compilation (as a decorator, with or without arguments): ember runs everything eagerly."""
    if fn is None:
        return lambda f: f
    return fn


def allow_in_graph(fn):
    """Let the compiler put `fn` in its graph as it is: ember returns it unchanged."""
    return fn


def assume_constant_result(fn):
    """Let the compiler treat `fn`'s result as a constant: ember returns it unchanged."""
    return fn


def reset() -> None:
    """Clear the compiler's caches (ember keeps none)."""


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The compiler backends available: none in ember."""
    return []
