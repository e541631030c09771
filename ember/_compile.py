"""ember.compile: PyTorch's compiler entry point. ember has no compiler yet, so it returns the model or
function it is given, unchanged, and scripts that compile their model run as they would eagerly."""


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """`model` itself (differs from PyTorch: no graph capture, no speed-up); without `model`, a decorator
    that returns the function it decorates, as `@torch.compile(mode=...)` expects."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile(): expected a Module or a callable, but got {type(model).__name__}")
    return model
