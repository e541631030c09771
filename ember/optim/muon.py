"""Muon: momentum steps orthogonalized by a Newton-Schulz iteration, for the 2-d weights of hidden layers."""
import math
from typing import Iterable

from ..autograd.grad_mode import no_grad
from ..ops.linalg import addmm
from .optimizer import Optimizer, to_float

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    """Muon, as `torch.optim.Muon`: the (Nesterov) momentum of each 2-d parameter is replaced by an approximately
    orthogonal matrix (a quintic Newton-Schulz iteration in bfloat16), with decoupled weight decay and the step
    scaled for the matrix's shape (`adjust_lr_fn`: 'original' or 'match_rms_adamw')."""

    def __init__(self, params: Iterable, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple = (DEFAULT_A, DEFAULT_B, DEFAULT_C), eps: float = EPS,
                 ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn: str | None = None) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for valid, message in ((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                               (0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}"),
                               (0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}"),
                               (adjust_lr_fn in (None, "original", "match_rms_adamw"),
                                f"Adjust learning rate function {adjust_lr_fn} is not supported")):
            if not valid:
                raise ValueError(message)
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _update(self, group):
        lr, momentum = to_float(group["lr"]), group["momentum"]
        with no_grad():
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError("Muon does not support complex parameters")
                grad, state = p.grad, self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = grad.new_zeros(grad.shape)
                buf = state["momentum_buffer"]
                buf.lerp_(grad, 1 - momentum)
                update = grad.lerp(buf, momentum) if group["nesterov"] else buf
                update = _orthogonalized(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
                p.mul_(1 - lr * group["weight_decay"])
                p.add_(update, alpha=-_adjusted_lr(lr, group["adjust_lr_fn"], p.shape))


def _orthogonalized(grad, coefficients: tuple, steps: int, eps: float):
    """An approximately orthogonal matrix near grad / |grad|: `steps` quintic Newton-Schulz steps in bfloat16."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.dim() != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = grad.shape[0] > grad.shape[1]
    x = grad.bfloat16().T if tall else grad.bfloat16()
    x.div_(x.norm().clamp(min=eps))
    for _ in range(steps):
        gram = x @ x.T
        x = addmm(x, addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.T if tall else x


def _adjusted_lr(lr: float, adjust_lr_fn: str | None, shape) -> float:
    """The step size for a (rows, columns) matrix, so that updates of any shape have a like RMS."""
    rows, columns = shape[:2]
    if adjust_lr_fn in (None, "original"):
        return lr * math.sqrt(max(1, rows / columns))
    return lr * 0.2 * math.sqrt(max(rows, columns))
