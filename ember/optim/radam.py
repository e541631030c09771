"""RAdam: Adam with a rectified adaptive learning rate."""
from typing import Iterable

from ..backend import array_module
from .adam import check_betas
from .optimizer import Optimizer, check_lr, descent_grad, scalar_state, state_array, to_float, zeros_state

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, as `torch.optim.RAdam`; `decoupled_weight_decay=True` gives RAdamW."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_betas(betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay, maximize = to_float(group["lr"]), group["eps"], group["weight_decay"], group["maximize"]
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
        for p, a, grad in self._with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
            step_t = state["step"]._data
            step_t += 1
            step = step_t.item()
            if decoupled and weight_decay != 0:
                a *= 1 - lr * weight_decay
            grad = descent_grad(a, grad, maximize, 0 if decoupled else weight_decay)
            exp_avg, exp_avg_sq = state_array(state["exp_avg"]), state_array(state["exp_avg_sq"])
            exp_avg += (grad - exp_avg) * (1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            update = exp_avg / bias_correction1
            update *= lr
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                denom = array_module(a).sqrt(exp_avg_sq)
                denom += eps
                update *= bias_correction2 ** 0.5 / denom
                update *= rect
            a -= update
            p._vc[0] += 1
