"""Adafactor: Adam-like steps whose second moment of a matrix is kept as a row and a column factor."""
from typing import Iterable

import numpy as np

from ..backend import array_module
from .optimizer import Optimizer, scalar_state, state_array, state_from, to_float

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor, as `torch.optim.Adafactor`: for a parameter of 2 or more dims, the second moment is the product of
    running means over its last dim (rows) and over the one before (columns); a vector keeps a full one. Steps are
    relative to the parameter's RMS and clipped to RMS `d`."""

    def __init__(self, params: Iterable, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for valid, message in ((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                               (0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}"),
                               (eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}"),
                               (0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}"),
                               (1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}"),
                               (0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")):
            if not valid:
                raise ValueError(message)
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, (eps1, eps2), d = to_float(group["lr"]), group["eps"], group["d"]
        for p, a, grad in self._with_grad(group):
            if p.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                if grad.ndim > 1:
                    state["row_var"] = state_from(p, xp.zeros(grad.shape[:-1] + (1,), grad.dtype))
                    state["col_var"] = state_from(p, xp.zeros(grad.shape[:-2] + (1, grad.shape[-1]), grad.dtype))
                else:
                    state["variance"] = state_from(p, xp.zeros_like(grad))
            if eps1 is None:  # as PyTorch's: the first parameter's dtype sets it for the whole group
                eps1 = float(np.finfo(a.dtype).eps)
            state["step"]._data += 1
            step = float(state["step"]._data)
            if group["maximize"]:
                grad = -grad
            weight = step ** group["beta2_decay"]
            alpha = max(eps2, float(xp.linalg.norm(a)) / a.size ** 0.5) * min(lr, 1 / step ** 0.5)
            if group["weight_decay"] != 0:
                a *= 1 - lr * group["weight_decay"]
            if grad.ndim > 1:
                row_var, col_var = state_array(state["row_var"]), state_array(state["col_var"])
                _lerp(row_var, (grad * grad).mean(-1, keepdims=True), weight)
                _lerp(col_var, (grad * grad).mean(-2, keepdims=True), weight)
                estimate = row_var @ col_var
                estimate /= xp.maximum(row_var.mean(-2, keepdims=True), eps1)
            else:
                variance = state_array(state["variance"])
                _lerp(variance, grad * grad, weight)
                estimate = variance.copy()
            xp.maximum(estimate, eps1 * eps1, out=estimate)
            update = grad / xp.sqrt(estimate)
            denom = max(1.0, float(xp.linalg.norm(update)) / (update.size ** 0.5 * d))
            a -= update * (alpha / denom)
            p._vc[0] += 1


def _lerp(start, end, weight: float) -> None:
    """start += weight * (end - start) in place, in the two forms PyTorch's lerp uses (either side of 1/2)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
