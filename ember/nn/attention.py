"""ember.nn.attention: the choice of scaled_dot_product_attention's kernel (SDPBackend, sdpa_kernel), as
torch.nn.attention. ember computes attention one way; the choice is stored in ember.backends.cuda's flags."""
import contextlib
import enum

from ..backends import cuda as _cuda_flags

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The kernels of scaled_dot_product_attention, as PyTorch numbers them (printed by name, as PyTorch's)."""
    __str__ = enum.Enum.__str__
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_FLAGS = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
          SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Allow only `backends` (an SDPBackend or a list of them) inside the block; the flags are restored after it."""
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    if not all(isinstance(b, SDPBackend) for b in chosen):
        raise AssertionError("Backend must be an instance of SDPBackend")
    previous = dict(_cuda_flags._SDP)
    for backend, flag in _FLAGS.items():
        _cuda_flags._SDP[flag] = backend in chosen
    try:
        yield {}
    finally:
        _cuda_flags._SDP.update(previous)
