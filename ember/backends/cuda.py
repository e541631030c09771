"""ember.backends.cuda: CUDA's matmul flags (stored for the GPU backend), `is_built` and the attention kernels'
flags (stored: ember has one attention computation)."""
import contextlib
import warnings

from .. import backend as _backend


class _MatmulFlags:
    """`ember.backends.cuda.matmul`: PyTorch's defaults; ember's GPU matrix products read allow_tf32."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """True when ember can use CUDA (CuPy is installed)."""
    return _backend.cupy is not None


# the scaled_dot_product_attention kernels PyTorch may choose on a GPU: stored flags (ember computes attention one way)
_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True, "fp16_bf16_reduction_math": False}


def flash_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use the flash kernel (a stored flag)."""
    return _SDP["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Allow or forbid the flash attention kernel (a stored flag)."""
    _SDP["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use the memory-efficient kernel (a stored flag)."""
    return _SDP["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow or forbid the memory-efficient attention kernel (a stored flag)."""
    _SDP["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use the math kernel (a stored flag; ember's is always it)."""
    return _SDP["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Allow or forbid the math attention kernel (a stored flag)."""
    _SDP["math"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use cuDNN's kernel (a stored flag)."""
    return _SDP["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow or forbid cuDNN's attention kernel (a stored flag)."""
    _SDP["cudnn"] = bool(enabled)


def fp16_bf16_reduction_math_sdp_allowed() -> bool:
    """Whether the math kernel may reduce in half precision (a stored flag)."""
    return _SDP["fp16_bf16_reduction_math"]


def allow_fp16_bf16_reduction_math_sdp(enabled: bool) -> None:
    """Allow half-precision reductions in the math attention kernel (a stored flag)."""
    _SDP["fp16_bf16_reduction_math"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(enable_flash: bool = True, enable_math: bool = True, enable_mem_efficient: bool = True,
               enable_cudnn: bool = True):
    """Deprecated (PyTorch's FutureWarning; use ember.nn.attention.sdpa_kernel): the attention kernels allowed inside
    the block."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated "
                  "signature.", FutureWarning, stacklevel=3)
    previous = dict(_SDP)
    _SDP.update(flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient, cudnn=enable_cudnn)
    try:
        yield
    finally:
        _SDP.update(previous)
