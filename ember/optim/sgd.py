"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""
from typing import Iterable

from .optimizer import Optimizer, check_fused, check_lr, descent_grad, state_array, state_from, to_float

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as `torch.optim.SGD`."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def _update(self, group):
        lr, momentum, dampening = to_float(group["lr"]), group["momentum"], group["dampening"]
        weight_decay, nesterov, maximize = to_float(group["weight_decay"]), group["nesterov"], group["maximize"]
        for p, a, grad in self._with_grad(group):
            grad = descent_grad(a, grad, maximize, weight_decay)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    state["momentum_buffer"] = state_from(p, grad.copy())
                    buf = grad
                else:
                    buf = state_array(buf)
                    buf *= momentum
                    buf += (1 - dampening) * grad
                grad = grad + momentum * buf if nesterov else buf
            a -= lr * grad
            p._vc[0] += 1
