"""torch.nn.utils.stateless: the deprecated home of functional_call (now ember.func.functional_call)."""
import warnings

from ...func import functional_call as _functional_call
from ..modules.module import Module

__all__ = ["functional_call"]


def functional_call(module: Module, parameters_and_buffers: dict, args=None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False):
    """Deprecated alias of ember.func.functional_call: module(*args, **kwargs) with other parameters and buffers."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
