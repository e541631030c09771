"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from typing import Iterable

from ..backend import array_module
from .optimizer import (
    Optimizer,
    check_lr,
    check_nonnegative,
    descent_grad,
    scalar_state,
    state_array,
    to_float,
    zeros_state,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as `torch.optim.Adadelta`."""

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(epsilon=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, rho, eps = to_float(group["lr"]), group["rho"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["square_avg"] = zeros_state(p)
                state["acc_delta"] = zeros_state(p)
            state["step"]._data += 1
            grad = descent_grad(a, grad, maximize, weight_decay)
            square_avg, acc_delta = state_array(state["square_avg"]), state_array(state["acc_delta"])
            square_avg *= rho
            square_avg += (1 - rho) * grad * grad
            std = square_avg + eps
            xp.sqrt(std, out=std)
            delta = acc_delta + eps
            xp.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            acc_delta *= rho
            acc_delta += (1 - rho) * delta * delta
            delta *= lr
            a -= delta
            p._vc[0] += 1
