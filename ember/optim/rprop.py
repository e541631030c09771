"""Rprop: resilient backpropagation, per-element step sizes driven by gradient signs."""
from typing import Iterable

from ..backend import array_module
from .optimizer import Optimizer, check_lr, scalar_state, state_array, state_from, to_float, zeros_state

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop, as `torch.optim.Rprop`."""

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, group):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        maximize = group["maximize"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["prev"] = zeros_state(p)
                state["step_size"] = state_from(p, xp.full(grad.shape, to_float(group["lr"]), grad.dtype))
            state["step"]._data += 1
            grad = -grad if maximize else grad
            prev, step_size = state_array(state["prev"]), state_array(state["step_size"])
            sign = xp.sign(grad * prev)
            sign[sign > 0] = etaplus
            sign[sign < 0] = etaminus
            sign[sign == 0] = 1
            step_size *= sign
            xp.clip(step_size, step_size_min, step_size_max, out=step_size)
            grad = grad.copy()
            grad[sign == etaminus] = 0
            a -= xp.sign(grad) * step_size
            p._vc[0] += 1
            prev[...] = grad
