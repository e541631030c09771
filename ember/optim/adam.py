"""Adam and AdamW (Adam with decoupled weight decay), with the AMSGrad variant."""
from typing import Iterable

from .._tensor import Tensor
from ..backend.adam_kernel import adam_update
from .optimizer import (
    Optimizer,
    check_fused,
    check_lr,
    check_nonnegative,
    descent_grad,
    scalar_state,
    state_array,
    to_float,
    zeros_state,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, as `torch.optim.Adam`; `decoupled_weight_decay=True` makes it AdamW."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        check_lr(lr)
        check_betas(betas, eps, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def _update(self, group):
        lr, eps, weight_decay = to_float(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (to_float(b) for b in group["betas"])
        amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
        for p, a, grad in self._with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = scalar_state(0.0, group["fused"])
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_state(p)
            step_t, m, v = state["step"]._data, state_array(state["exp_avg"]), state_array(state["exp_avg_sq"])
            step_t += 1
            step = step_t.item()
            if decoupled and weight_decay != 0:
                a *= 1 - lr * weight_decay
            grad = descent_grad(a, grad, maximize, 0 if decoupled else weight_decay)
            v_max = state_array(state["max_exp_avg_sq"]) if amsgrad else None
            adam_update(a, grad, m, v, v_max, beta1, beta2, lr, eps, step)
            p._vc[0] += 1


class AdamW(Adam):
    """AdamW: Adam with weight decay applied to the parameters, as `torch.optim.AdamW`."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


def check_beta_range(betas) -> None:
    """PyTorch's ValueError unless both betas lie in [0, 1)."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_betas(betas, eps, weight_decay) -> None:
    """PyTorch's checks of eps, betas and weight_decay shared by the Adam family."""
    check_nonnegative(epsilon=eps)
    check_beta_range(betas)
    check_nonnegative(weight_decay=weight_decay)
