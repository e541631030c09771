"""SpectralOpFuzzer, as torch.utils.benchmark.op_fuzzers.spectral: 1- to 3-d tensors `x` for FFTs, with sizes from
16 to 16K that are mostly regular numbers (products of 2, 3 and 5), and strides."""
import math

from ...._dtype import float64
from ..utils.fuzzer import FuzzedParameter, FuzzedTensor, Fuzzer, ParameterAlias
from ._sizes import STEPS

__all__ = ["SpectralOpFuzzer"]

MIN_DIM_SIZE = 16
MAX_DIM_SIZE = 16 * 1024


def power_range(upper_bound, base):
    """The powers of `base` up to `upper_bound`."""
    return (base ** i for i in range(int(math.log(upper_bound, base)) + 1))


# the regular numbers (2^i 3^j 5^k) above MIN_DIM_SIZE and up to MAX_DIM_SIZE, fastest for FFTs
REGULAR_SIZES = sorted(i * j * k for i in power_range(MAX_DIM_SIZE, 2) for j in power_range(MAX_DIM_SIZE // i, 3)
                       for k in power_range(MAX_DIM_SIZE // (i * j), 5) if i * j * k > MIN_DIM_SIZE)


class SpectralOpFuzzer(Fuzzer):
    """An operand `x` for benchmarking an FFT, with PyTorch's parameters (`ndim`, `k0`..`k2`, `step_0`..); a size is
    regular with probability `probability_regular`. Difference from PyTorch: it runs (PyTorch 2.13's raises
    AssertionError when built)."""

    def __init__(self, *, seed: int, dtype=float64, cuda: bool = False, probability_regular: float = 1.0) -> None:
        super().__init__(
            parameters=[
                FuzzedParameter("ndim", distribution={1: 0.3, 2: 0.4, 3: 0.3}, strict=True),
                [FuzzedParameter(name=f"k_any_{i}", minval=MIN_DIM_SIZE, maxval=MAX_DIM_SIZE,
                                 distribution="loguniform") for i in range(3)],
                [FuzzedParameter(name=f"k_regular_{i}",
                                 distribution={size: 1. / len(REGULAR_SIZES) for size in REGULAR_SIZES})
                 for i in range(3)],
                [FuzzedParameter(name=f"k{i}", distribution={ParameterAlias(f"k_regular_{i}"): probability_regular,
                                                             ParameterAlias(f"k_any_{i}"): 1 - probability_regular},
                                 strict=True) for i in range(3)],
                [FuzzedParameter(name=f"step_{i}", distribution=STEPS)
                 for i in range(3)],
            ],
            tensors=[
                FuzzedTensor(name="x", size=("k0", "k1", "k2"), steps=("step_0", "step_1", "step_2"),
                             probability_contiguous=0.75, min_elements=4 * 1024, max_elements=32 * 1024 ** 2,
                             max_allocation_bytes=2 * 1024 ** 3, dim_parameter="ndim", dtype=dtype, cuda=cuda),
            ],
            seed=seed,
        )
