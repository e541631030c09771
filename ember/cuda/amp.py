"""torch.cuda.amp: the CUDA forms of autocast and GradScaler, deprecated in PyTorch in favour of ember.amp."""
import warnings

from ..amp import autocast_mode
from ..amp.autocast_mode import autocast as _autocast  # noqa: F401
from ..amp.grad_scaler import GradScaler as _GradScaler


class autocast(_autocast):  # noqa: N801 (PyTorch's name)
    """autocast('cuda', ...), with PyTorch's deprecation warning."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        warnings.warn("`ember.cuda.amp.autocast(args...)` is deprecated. Please use `ember.amp.autocast('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype, enabled, cache_enabled)


class GradScaler(_GradScaler):
    """GradScaler('cuda', ...), with PyTorch's deprecation warning."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        warnings.warn("`ember.cuda.amp.GradScaler(args...)` is deprecated. Please use `ember.amp.GradScaler('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """ember.amp.custom_fwd(device_type='cuda'), with PyTorch's deprecation warning."""
    warnings.warn("`ember.cuda.amp.custom_fwd(args...)` is deprecated. Please use `ember.amp.custom_fwd(args..., "
                  "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return autocast_mode.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """ember.amp.custom_bwd(device_type='cuda'), with PyTorch's deprecation warning."""
    warnings.warn("`ember.cuda.amp.custom_bwd(args...)` is deprecated. Please use `ember.amp.custom_bwd(args..., "
                  "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return autocast_mode.custom_bwd(bwd, device_type="cuda")
