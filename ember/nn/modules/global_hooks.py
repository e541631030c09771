"""Hooks on every module: PyTorch's torch.nn.modules.module.register_module_*_hook functions.

A global hook runs for every module's call (or registration), before the module's own hooks of its kind.
Module.__call__ checks GLOBAL_HOOKS_SET before it looks at them, so a program without global hooks pays one
list lookup per module call.
"""
from collections import OrderedDict

from ..._hooks import RemovableHandle

GLOBAL_HOOKS_SET = [False]  # whether any call hook below is registered (kept by _register and the handles)
forward_pre_hooks: OrderedDict = OrderedDict()
forward_pre_hooks_with_kwargs: set = set()
forward_hooks: OrderedDict = OrderedDict()
forward_hooks_with_kwargs: set = set()
forward_hooks_always_called: set = set()
backward_pre_hooks: OrderedDict = OrderedDict()
backward_hooks: OrderedDict = OrderedDict()
backward_hooks_full = [None]  # True for full backward hooks, False for the deprecated ones, None before either
parameter_registration_hooks: OrderedDict = OrderedDict()
buffer_registration_hooks: OrderedDict = OrderedDict()
module_registration_hooks: OrderedDict = OrderedDict()
_CALL_HOOKS = (forward_pre_hooks, forward_hooks, backward_pre_hooks, backward_hooks)


class _GlobalHandle(RemovableHandle):
    """A handle that also updates GLOBAL_HOOKS_SET when it removes its hook."""

    def remove(self) -> None:
        super().remove()
        GLOBAL_HOOKS_SET[0] = any(_CALL_HOOKS)


def _register(hooks: OrderedDict, hook, extra=()) -> RemovableHandle:
    handle = _GlobalHandle(hooks, extra=extra)
    hooks[handle.id] = hook
    GLOBAL_HOOKS_SET[0] = any(_CALL_HOOKS)
    return handle


def register_module_forward_pre_hook(hook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call `hook(module, args)` (or `(module, args, kwargs)`) before every module's forward."""
    handle = _register(forward_pre_hooks, hook, extra=forward_pre_hooks_with_kwargs)
    if with_kwargs:
        forward_pre_hooks_with_kwargs.add(handle.id)
    return handle


def register_module_forward_hook(hook, *, with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
    """Call `hook(module, args, output)` (or `(module, args, kwargs, output)`) after every module's forward."""
    handle = _register(forward_hooks, hook, extra=(forward_hooks_with_kwargs, forward_hooks_always_called))
    if with_kwargs:
        forward_hooks_with_kwargs.add(handle.id)
    if always_call:
        forward_hooks_always_called.add(handle.id)
    return handle


def register_module_full_backward_pre_hook(hook) -> RemovableHandle:
    """Call `hook(module, grad_output)` before every module's gradients are computed."""
    return _register(backward_pre_hooks, hook)


def register_module_full_backward_hook(hook) -> RemovableHandle:
    """Call `hook(module, grad_input, grad_output)` when the gradients of every module's inputs are computed."""
    _set_backward_kind(True)
    return _register(backward_hooks, hook)


def register_module_backward_hook(hook) -> RemovableHandle:
    """Deprecated: call `hook(module, grad_input, grad_output)` on the last autograd node of every module's
    output (use register_module_full_backward_hook)."""
    _set_backward_kind(False)
    return _register(backward_hooks, hook)


def _set_backward_kind(full: bool) -> None:
    if backward_hooks_full[0] is (not full):
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a global Module hook. "
                           "Please use only one of them.")
    backward_hooks_full[0] = full


def register_module_parameter_registration_hook(hook) -> RemovableHandle:
    """Call `hook(module, name, param)` whenever a module registers a parameter; it may return a replacement."""
    return _register(parameter_registration_hooks, hook)


def register_module_buffer_registration_hook(hook) -> RemovableHandle:
    """Call `hook(module, name, buffer)` whenever a module registers a buffer; it may return a replacement."""
    return _register(buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook) -> RemovableHandle:
    """Call `hook(module, name, submodule)` whenever a module registers a submodule; it may return a replacement."""
    return _register(module_registration_hooks, hook)


def registered(hooks: OrderedDict, module, name: str, value):
    """`value` after the registration `hooks`, each of which may replace it."""
    for hook in list(hooks.values()):
        result = hook(module, name, value)
        if result is not None:
            value = result
    return value
