"""The dimension and size parameters the binary and unary fuzzers share (in PyTorch's order, which fixes what a seed
draws), and the stride steps all three use."""
import numpy as np

from ..utils.fuzzer import FuzzedParameter, ParameterAlias

MIN_DIM_SIZE = 16
MAX_DIM_SIZE = 16 * 1024 ** 2
POW_TWO_SIZES = tuple(2 ** i for i in range(int(np.log2(MIN_DIM_SIZE)), int(np.log2(MAX_DIM_SIZE)) + 1))
STEPS = {1: 0.8, 2: 0.06, 4: 0.06, 8: 0.04, 16: 0.04}  # the distribution of a dim's stride step


def dim_and_sizes() -> list:
    """`dim` (1 to 3) and sizes `k0`..`k2`: each any integer (loguniform) or, one time in five, a power of two."""
    return [
        FuzzedParameter("dim", distribution={1: 0.3, 2: 0.4, 3: 0.3}, strict=True),
        [FuzzedParameter(name=f"k_any_{i}", minval=MIN_DIM_SIZE, maxval=MAX_DIM_SIZE, distribution="loguniform")
         for i in range(3)],
        [FuzzedParameter(name=f"k_pow2_{i}", distribution={size: 1. / len(POW_TWO_SIZES) for size in POW_TWO_SIZES})
         for i in range(3)],
        [FuzzedParameter(name=f"k{i}", distribution={ParameterAlias(f"k_any_{i}"): 0.8,
                                                     ParameterAlias(f"k_pow2_{i}"): 0.2}, strict=True)
         for i in range(3)],
    ]
