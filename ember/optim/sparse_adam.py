"""SparseAdam: Adam that updates only the rows a step's gradient touches (lazy Adam), for embedding tables.

ember's gradients are dense, also from `embedding(..., sparse=True)`, so the rows a gradient touches are the rows
along dim 0 where it is not all zero. Differs from PyTorch: a looked-up row whose gradient is exactly zero is left
alone where PyTorch decays its moments, and dense gradients of any parameter are accepted (PyTorch refuses them).
"""
import math
from typing import Iterable

from .._tensor import Tensor
from ..backend import array_module
from .adam import check_beta_range
from .optimizer import Optimizer, state_array, state_from, to_float

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """SparseAdam, as `torch.optim.SparseAdam`: per parameter, the moments and values of touched rows change."""
    _scalar_state_keys = ()

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_beta_range(betas)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})

    def _update(self, group):
        lr, (beta1, beta2), eps = to_float(group["lr"]), group["betas"], group["eps"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state.update(step=0, exp_avg=state_from(p, xp.zeros_like(a)),
                             exp_avg_sq=state_from(p, xp.zeros_like(a)))
            state["step"] += 1
            step = state["step"]
            rows = xp.flatnonzero(grad.reshape(len(grad), -1).any(axis=1))
            g = grad[rows]
            if group["maximize"]:
                g = -g
            exp_avg, exp_avg_sq = state_array(state["exp_avg"]), state_array(state["exp_avg_sq"])
            m, v = exp_avg[rows], exp_avg_sq[rows]
            m += (g - m) * (1 - beta1)
            v += (g * g - v) * (1 - beta2)
            exp_avg[rows], exp_avg_sq[rows] = m, v
            step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
            a[rows] -= (step_size * (m / (xp.sqrt(v) + eps))).astype(a.dtype, copy=False)
            p._vc[0] += 1
