"""ember.utils.hooks: torch.utils.hooks, the handle every register_*_hook returns."""
from .._hooks import RemovableHandle

__all__ = ["RemovableHandle"]
