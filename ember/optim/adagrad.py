"""Adagrad: per-element learning rates from the sum of squared gradients."""
from typing import Iterable

from .._tensor import wrap
from ..backend import array_module
from .optimizer import (
    Optimizer,
    check_fused,
    check_lr,
    check_nonnegative,
    descent_grad,
    scalar_state,
    state_array,
    to_float,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as `torch.optim.Adagrad`; the state is created for every parameter at construction."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        check_nonnegative(lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, epsilon=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group["fused"])

    def _init_state(self, p, fused):
        state = self.state[p]
        state["step"] = scalar_state(0.0, fused)
        state["sum"] = wrap(array_module(p._data).full_like(p._data, self.defaults["initial_accumulator_value"]))

    def _update(self, group):
        lr, lr_decay, eps = to_float(group["lr"]), group["lr_decay"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p, a, grad in self._with_grad(group):
            if len(self.state[p]) == 0:
                self._init_state(p, group["fused"])
            state = self.state[p]
            step_t = state["step"]._data
            step_t += 1
            step = step_t.item()
            grad = descent_grad(a, grad, maximize, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state_array(state["sum"])
            state_sum += grad * grad
            std = array_module(a).sqrt(state_sum)
            std += eps
            array_module(a).divide(grad, std, out=std)
            std *= clr
            a -= std
            p._vc[0] += 1
