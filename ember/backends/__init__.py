"""ember.backends: PyTorch's backend flags and availability checks.

ember runs on NumPy and CuPy and uses none of cuDNN's, oneDNN's, MPS's or OpenMP's switches: the flags
that scripts set (`cudnn.benchmark = True`, `cuda.matmul.allow_tf32 = True`) are accepted and stored,
and the availability checks say what ember has.
"""
from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, nnpack, openmp, opt_einsum  # noqa: F401
