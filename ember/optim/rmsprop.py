"""RMSprop, with optional centering and momentum."""
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

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as `torch.optim.RMSprop`."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative(epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, alpha, eps, weight_decay = to_float(group["lr"]), group["alpha"], group["eps"], group["weight_decay"]
        momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["square_avg"] = zeros_state(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_state(p)
                if centered:
                    state["grad_avg"] = zeros_state(p)
            state["step"]._data += 1
            grad = descent_grad(a, grad, maximize, weight_decay)
            square_avg = state_array(state["square_avg"])
            square_avg *= alpha
            square_avg += (1 - alpha) * grad * grad
            if centered:
                grad_avg = state_array(state["grad_avg"])
                grad_avg += (grad - grad_avg) * (1 - alpha)
                avg = square_avg - grad_avg * grad_avg
                xp.sqrt(avg, out=avg)
            else:
                avg = xp.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = state_array(state["momentum_buffer"])
                buf *= momentum
                buf += grad / avg
                a -= lr * buf
            else:
                xp.divide(grad, avg, out=avg)
                avg *= lr
                a -= avg
            p._vc[0] += 1
