"""ember.backends.cuda: CUDA's matmul flags (stored for the GPU backend) and `is_built`."""
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
