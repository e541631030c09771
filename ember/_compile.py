"""ember.compile: PyTorch's compiler entry point. ember has no compiler yet: a function comes back unchanged, a Module
wrapped as PyTorch wraps it (OptimizedModule), and scripts that compile their model run as they would eagerly."""


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """A Module wrapped in an OptimizedModule (state dict keys prefixed `_orig_mod.`, as PyTorch's), a function
    itself; without `model`, a decorator doing the same, as `@torch.compile(mode=...)` expects. Differs from
    PyTorch: no graph capture, no speed-up."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable)
    if not callable(model):
        raise RuntimeError(f"compile(): expected a Module or a callable, but got {type(model).__name__}")
    from ._dynamo.eval_frame import OptimizedModule  # lazy: the nn layer sits above this module
    from .nn.modules.module import Module
    if isinstance(model, Module) and not disable:
        return OptimizedModule(model)
    return model
