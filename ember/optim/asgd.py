"""ASGD: averaged stochastic gradient descent."""
from typing import Iterable

from .optimizer import (
    Optimizer,
    check_lr,
    check_nonnegative,
    descent_grad,
    scalar_dtype,
    scalar_state,
    state_array,
    to_float,
    zeros_state,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD, as `torch.optim.ASGD`; the average is kept in `state['ax']`."""
    _scalar_state_keys = ("step", "eta", "mu")

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative(weight_decay=weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, group):
        lr, lambd, alpha, t0 = to_float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p, a, grad in self._with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0)
                state["eta"] = scalar_state(lr)
                state["mu"] = scalar_state(1.0)
                state["ax"] = zeros_state(p)
            step_t, eta, mu, ax = state["step"]._data, state["eta"]._data, state["mu"]._data, state_array(state["ax"])
            step_t += 1
            grad = descent_grad(a, grad, maximize, weight_decay)
            eta_value = eta.item()
            a *= 1 - lambd * eta_value
            a -= eta_value * grad
            p._vc[0] += 1
            if mu.item() != 1:
                ax += (a - ax) * mu.item()
            else:
                ax[...] = a
            # torch makes the new values default-dtype tensors first: round them the same way
            step = step_t.item()
            eta[...] = scalar_dtype()(lr / ((1 + lambd * lr * step) ** alpha))
            mu[...] = scalar_dtype()(1 / max(1, step - t0))
