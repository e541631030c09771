"""torch._dynamo.eval_frame's OptimizedModule: what ember.compile returns for a Module."""
from ..nn.modules.module import Module

__all__ = ["OptimizedModule"]


class OptimizedModule(Module):
    """A compiled Module as PyTorch's: it holds the module as `_orig_mod` (so state dict keys start with
    `_orig_mod.`), calls it, and reads the attributes it lacks from it. Differs from PyTorch: nothing is compiled,
    the module runs eagerly."""

    def __init__(self, mod: Module, dynamo_ctx=None) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        """The wrapped module's call."""
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)
