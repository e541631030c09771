"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
from typing import Iterable

from ..backend import array_module
from .adam import check_betas
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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, as `torch.optim.NAdam`; `decoupled_weight_decay=True` gives NAdamW."""
    _scalar_state_keys = ("step", "mu_product")

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_betas(betas, eps, weight_decay)
        check_nonnegative(momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay, maximize = to_float(group["lr"]), group["eps"], group["weight_decay"], group["maximize"]
        beta1, beta2 = group["betas"]
        momentum_decay, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
        for p, a, grad in self._with_grad(group):
            xp = array_module(a)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["mu_product"] = scalar_state(1.0)
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
            step_t, mu_product = state["step"]._data, state["mu_product"]._data
            step_t += 1
            step = step_t.item()
            if decoupled and weight_decay != 0:
                a *= 1 - lr * weight_decay
            grad = descent_grad(a, grad, maximize, 0 if decoupled else weight_decay)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product *= mu  # in the 0-dim state's dtype, as torch
            mu_prod = mu_product.item()
            exp_avg, exp_avg_sq = state_array(state["exp_avg"]), state_array(state["exp_avg_sq"])
            exp_avg += (grad - exp_avg) * (1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            denom = exp_avg_sq / (1 - beta2 ** step)
            xp.sqrt(denom, out=denom)
            denom += eps
            a += (-lr * (1.0 - mu) / (1.0 - mu_prod)) * grad / denom
            a += (-lr * mu_next / (1.0 - mu_prod * mu_next)) * exp_avg / denom
            p._vc[0] += 1
