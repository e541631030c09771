"""torch.cpu.amp: the CPU form of autocast, deprecated in PyTorch in favour of ember.amp."""
import warnings

from .autocast_mode import autocast as _autocast


class autocast(_autocast):  # noqa: N801 (PyTorch's name)
    """autocast('cpu', ...), with PyTorch's deprecation warning."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        warnings.warn("`ember.cpu.amp.autocast(args...)` is deprecated. Please use `ember.amp.autocast('cpu', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", dtype, enabled, cache_enabled)
