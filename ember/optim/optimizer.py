"""The Optimizer base class: parameter groups, per-parameter state, state dicts and step hooks.

An algorithm subclass validates its hyperparameters, calls `Optimizer.__init__(params, defaults)`
and implements `_update(group)`, which updates every parameter of one group that has a gradient.
Updates work on the arrays (`p._data`, `p._grad._data`) with in-place array operations, so views of
a parameter stay valid and no autograd graph is recorded; each update bumps the parameter's version
counter as PyTorch's in-place ops do.
"""
import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import _dtype
from .._hooks import RemovableHandle
from .._tensor import Tensor, wrap
from ..autograd.grad_mode import enable_grad
from ..backend import array_module, real_parts

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_optimizer_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


class _RequiredParameter:
    """The marker of a hyperparameter that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Register `hook(optimizer, args, kwargs)` to run before the step of every optimizer."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Register `hook(optimizer, args, kwargs)` to run after the step of every optimizer."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _with_step_hooks(step):
    """Wrap an optimizer's `step` so that it runs the step pre- and post-hooks around it."""
    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if _global_optimizer_pre_hooks or self._optimizer_step_pre_hooks:
            for hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
        out = step(*args, **kwargs)
        if self._optimizer_step_post_hooks or _global_optimizer_post_hooks:
            for hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
                hook(self, args, kwargs)
        return out
    wrapper.hooked = True
    return wrapper


def typename(obj) -> str:
    """The type name PyTorch's messages use: 'ember.FloatTensor' for a tensor, 'int', 'module.Class'."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def scalar_dtype():
    """The NumPy dtype of 0-dim state such as `step`: float64 under a float64 default dtype, else float32."""
    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


def scalar_state(value: float, fused: bool | None = None) -> Tensor:
    """A 0-dim CPU tensor holding `value` in the scalar state dtype (as torch's `state['step']`; float32 if fused)."""
    return wrap(np.array(value, dtype=np.float32 if fused else scalar_dtype()))


def zeros_state(p: Tensor) -> Tensor:
    """A zero tensor with the shape, dtype and device of parameter `p`."""
    return wrap(array_module(p._data).zeros_like(p._data))


def update_view(array):
    """An array as the updates read and write it, in place: a complex array's real and imaginary parts as a real view
    (..., 2), which the optimizers update as PyTorch's do, each part as a parameter of its own; a 0-dim array as a
    view of one element (NumPy's operations on 0-dim arrays give scalars, which an update cannot write into)."""
    if array.dtype.kind == "c":
        return real_parts(array)
    return array.reshape(1) if array.ndim == 0 else array


def state_array(t: Tensor):
    """The array of an optimizer state tensor as the update reads and writes it (update_view)."""
    return update_view(t._data)


def state_from(p: Tensor, array) -> Tensor:
    """A state tensor of parameter `p`'s dtype holding `array`, laid out as update_view lays out `p`'s arrays (the
    real parts of a complex `p`, one element for a 0-dim `p`, which the tensor takes back)."""
    if p._data.dtype.kind == "c":
        array = array.view(p._data.dtype)[..., 0]
    return wrap(array.reshape(()) if p._data.ndim == 0 else array)


def descent_grad(a, grad, maximize: bool, weight_decay: float):
    """The gradient to descend along: negated when maximizing, plus weight_decay * a (L2) when nonzero."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * a
    return grad


def to_float(value) -> float:
    """A hyperparameter (float or 1-element tensor) as a Python float."""
    return float(value) if isinstance(value, Tensor) else value


def check_lr(lr) -> None:
    """PyTorch's checks of a learning rate: a 1-element tensor or a non-negative number."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonnegative(**hyperparameters) -> None:
    """PyTorch's ValueError for the first hyperparameter below 0, named as given
    (epsilon=-1: "Invalid epsilon value: -1")."""
    for name, value in hyperparameters.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def check_fused(fused, foreach, differentiable) -> None:
    """PyTorch's errors for incompatible `fused`, `foreach` and `differentiable` flags."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


class Optimizer:
    """Base class of all optimizers, as `torch.optim.Optimizer`."""
    # State entries that torch keeps as 0-dim tensors; numbers loaded from old checkpoints become tensors.
    _scalar_state_keys: tuple = ("step",)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _with_step_hooks(step)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(name, OrderedDict())
        own = dict(self.defaults)  # the groups get the optimizer's own defaults, not the flag PyTorch's base adds
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, value in own.items():
                if value is not required:
                    group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p)
                for key in self._scalar_state_keys if p_state else ():
                    if key in p_state and not isinstance(p_state[key], Tensor):
                        p_state[key] = scalar_state(float(p_state[key]))

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- parameter groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own hyperparameters) to `param_groups`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- stepping -----------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if g._grad_fn is not None:
                    g.detach_()
                else:
                    g._rg = False
                g._data.fill(0)
                g._vc[0] += 1

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient; returns `closure()`'s loss when a closure is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update(group)
        return loss

    def _update(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    @staticmethod
    def _with_grad(group: dict[str, Any]):
        """(parameter, its array, its gradient's array) for each parameter of `group` that has a gradient; a
        parameter's arrays as update_view gives them."""
        for p in group["params"]:
            if p._grad is not None:
                yield p, update_view(p._data), update_view(p._grad._data)

    # ---- hooks --------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Register `hook(optimizer, args, kwargs)` to run before `step`; it may return new (args, kwargs)."""
        return _register(self._optimizer_step_pre_hooks, hook, False)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Register `hook(optimizer, args, kwargs)` to run after `step`."""
        return _register(self._optimizer_step_post_hooks, hook, False)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Register `hook(optimizer)` to run before `state_dict`."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Register `hook(optimizer, state_dict)` to run after `state_dict`; it may return a new state dict."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Register `hook(optimizer, state_dict)` to run before `load_state_dict`; it may return a new one."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Register `hook(optimizer)` to run after `load_state_dict`."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state dicts --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: per-parameter state}, 'param_groups': [hyperparameters with 'params': indices]}."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict[int, int] = {}
        param_groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            index.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in index})
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            param_groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from `state_dict()`: tensors are cast to each parameter's dtype and device."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        special = {i for g in state_dict["param_groups"] if g.get("fused") or g.get("capturable")
                   for i in g["params"]}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast(id_map[k], v, k in special)
            else:
                state[k] = v
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _register(hooks: OrderedDict, hook: Callable, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _cast(param: Tensor, value, fused_or_capturable: bool, key=None):
    """Copy loaded state for `param`: floating tensors take its dtype and device, `step` stays as saved."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.to(dtype=_dtype.float32, device=param.device) if fused_or_capturable else value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, fused_or_capturable, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, fused_or_capturable) for v in value)
    return value


Optimizer.step = _with_step_hooks(Optimizer.step)
