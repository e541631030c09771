"""The identity nodes that give full backward hooks the gradients of a module's inputs and outputs."""
import warnings

from ..._tensor import Tensor
from ...autograd.function import Function


class BackwardHookFunction(Function):
    """Identity on tensors whose backward hands the passing gradients to a module's backward hooks."""

    @staticmethod
    def forward(ctx, hooks, role, *tensors):
        ctx.hooks, ctx.role = hooks, role
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        grads = ctx.hooks.grad_output(grads) if ctx.role == "output" else ctx.hooks.grad_input(grads)
        return (None, None) + tuple(grads)


class BackwardHooks:
    """NOTE [ Full backward hooks ]: one module call's full backward hooks.

    The module's tensor inputs and outputs each pass through a BackwardHookFunction. Backward reaches
    the output node first: it runs the pre-hooks on grad_output and keeps it. It then reaches the input
    node, whose incoming gradients are grad_input: the hooks see (grad_input, grad_output) and may
    replace grad_input. When no input requires grad, the hooks run at the output node with None inputs.
    """

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.inputs_need_grad = False
        self.n_inputs = 0
        self.saved_grad_output = None

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        self.inputs_need_grad = any(args[i].requires_grad for i in positions)
        if not self.inputs_need_grad or not self.hooks:
            return args
        wrapped = BackwardHookFunction.apply(self, "input", *(args[i] for i in positions))
        args = list(args)
        for i, w in zip(positions, wrapped):
            args[i] = w
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        outs = (output,) if single else output
        if not isinstance(outs, tuple) or not any(isinstance(o, Tensor) and o.requires_grad for o in outs):
            return output
        positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        wrapped = BackwardHookFunction.apply(self, "output", *(outs[i] for i in positions))
        outs = list(outs)
        for i, w in zip(positions, wrapped):
            outs[i] = w
        return outs[0] if single else tuple(outs)

    def grad_output(self, grads):
        for hook in list(self.pre_hooks.values()):
            result = hook(self.module, grads)
            if result is not None:
                grads = tuple(result)
        self.saved_grad_output = grads
        if self.hooks and not self.inputs_need_grad:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                          "outputs since no inputs require gradients.", UserWarning, stacklevel=2)
            for hook in list(self.hooks.values()):
                hook(self.module, (None,) * max(self.n_inputs, 1), grads)
        return grads

    def grad_input(self, grads):
        for hook in list(self.hooks.values()):
            result = hook(self.module, grads, self.saved_grad_output)
            if result is not None:
                grads = tuple(result)
        return grads
