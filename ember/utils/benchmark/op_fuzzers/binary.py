"""BinaryOpFuzzer, as torch.utils.benchmark.op_fuzzers.binary: pairs of 1- to 3-d tensors `x` and `y` with sizes
from 16 to 16M (powers of two favoured), strides, and `y` sometimes broadcasting."""
from ...._dtype import float32
from ..utils.fuzzer import FuzzedParameter, FuzzedTensor, Fuzzer, ParameterAlias
from ._sizes import STEPS, dim_and_sizes

__all__ = ["BinaryOpFuzzer"]


class BinaryOpFuzzer(Fuzzer):
    """Operands `x` and `y` for benchmarking a binary op, with PyTorch's parameters (`dim`, `k0`..`k2`, `y_k0`..,
    steps, `random_value`). Difference from PyTorch: it runs (PyTorch 2.13's raises AssertionError when built)."""

    def __init__(self, seed, dtype=float32, cuda=False) -> None:
        super().__init__(
            parameters=[
                *dim_and_sizes(),
                # `y` broadcasts along a dimension one time in five
                [FuzzedParameter(name=f"y_k{i}", distribution={ParameterAlias(f"k{i}"): 0.8, 1: 0.2}, strict=True)
                 for i in range(3)],
                [FuzzedParameter(name=f"{name}_step_{i}", distribution=STEPS)
                 for i in range(3) for name in ("x", "y")],
                FuzzedParameter(name="random_value", minval=0, maxval=2 ** 32 - 1, distribution="uniform"),
            ],
            tensors=[
                FuzzedTensor(name="x", size=("k0", "k1", "k2"), steps=("x_step_0", "x_step_1", "x_step_2"),
                             probability_contiguous=0.75, min_elements=4 * 1024, max_elements=32 * 1024 ** 2,
                             max_allocation_bytes=2 * 1024 ** 3, dim_parameter="dim", dtype=dtype, cuda=cuda),
                FuzzedTensor(name="y", size=("y_k0", "y_k1", "y_k2"), steps=("x_step_0", "x_step_1", "x_step_2"),
                             probability_contiguous=0.75, max_allocation_bytes=2 * 1024 ** 3, dim_parameter="dim",
                             dtype=dtype, cuda=cuda),
            ],
            seed=seed,
        )
