"""UnaryOpFuzzer, as torch.utils.benchmark.op_fuzzers.unary: 1- to 3-d tensors `x` with sizes from 16 to 16M
(powers of two favoured) and strides."""
from ...._dtype import float32
from ..utils.fuzzer import FuzzedParameter, FuzzedTensor, Fuzzer
from ._sizes import STEPS, dim_and_sizes

__all__ = ["UnaryOpFuzzer"]


class UnaryOpFuzzer(Fuzzer):
    """An operand `x` for benchmarking a unary op, with PyTorch's parameters (`dim`, `k0`..`k2`, steps,
    `random_value`). Difference from PyTorch: it runs (PyTorch 2.13's raises AssertionError when built)."""

    def __init__(self, seed, dtype=float32, cuda=False) -> None:
        super().__init__(
            parameters=[
                *dim_and_sizes(),
                [FuzzedParameter(name=f"x_step_{i}", distribution=STEPS) for i in range(3)],
                FuzzedParameter(name="random_value", minval=0, maxval=2 ** 32 - 1, distribution="uniform"),
            ],
            tensors=[
                FuzzedTensor(name="x", size=("k0", "k1", "k2"), steps=("x_step_0", "x_step_1", "x_step_2"),
                             probability_contiguous=0.75, min_elements=4 * 1024, max_elements=32 * 1024 ** 2,
                             max_allocation_bytes=2 * 1024 ** 3, dim_parameter="dim", dtype=dtype, cuda=cuda),
            ],
            seed=seed,
        )
