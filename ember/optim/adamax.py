"""Adamax: Adam with the infinity norm in place of the second moment."""
from typing import Iterable

from ..backend import array_module
from .adam import check_betas
from .optimizer import Optimizer, check_lr, descent_grad, scalar_state, state_array, to_float, zeros_state

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, as `torch.optim.Adamax`."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_betas(betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay, maximize = to_float(group["lr"]), group["eps"], group["weight_decay"], group["maximize"]
        beta1, beta2 = group["betas"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["exp_avg"] = zeros_state(p)
                state["exp_inf"] = zeros_state(p)
            step_t = state["step"]._data
            step_t += 1
            grad = descent_grad(a, grad, maximize, weight_decay)
            exp_avg, exp_inf = state_array(state["exp_avg"]), state_array(state["exp_inf"])
            exp_avg += (grad - exp_avg) * (1 - beta1)
            exp_inf *= beta2
            norm = xp.abs(grad)
            norm += eps
            xp.maximum(exp_inf, norm, out=exp_inf)
            xp.divide(exp_avg, exp_inf, out=norm)
            norm *= lr / (1 - beta1 ** step_t.item())
            a -= norm
            p._vc[0] += 1
