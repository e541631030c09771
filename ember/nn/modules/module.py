"""Module: the base class of every layer: registration of parameters, buffers and submodules
through attribute assignment, traversal, state dicts, modes, device/dtype moves and hooks."""
import functools
import itertools
import warnings
from collections import OrderedDict, namedtuple

from ..._creation import empty_like
from ..._hooks import RemovableHandle, add_hook
from ..._layout import format_rank
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...backend.meta import NO_DATA
from ...ops.memory import parse_to
from ..parameter import Buffer, Parameter
from . import global_hooks
from .global_hooks import (  # noqa: F401  (PyTorch's torch.nn.modules.module names)
    GLOBAL_HOOKS_SET,
    register_module_backward_hook,
    register_module_buffer_registration_hook,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
    register_module_module_registration_hook,
    register_module_parameter_registration_hook,
)
from .hooks import BackwardHooks


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """The result of load_state_dict: the keys it did not find and the keys it did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


_EXTRA_STATE = "_extra_state"  # the state_dict key of get_extra_state's value
_STATE_DICT_HOOKS = ("_state_dict_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks",
                     "_load_state_dict_post_hooks")  # PyTorch's attribute names, which its pickled modules carry


class Module:
    """Base class of all neural network modules; subclasses define `forward`."""
    training: bool
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", set())
        setattr_(self, "_forward_pre_hooks_with_kwargs", set())
        setattr_(self, "_forward_hooks_always_called", set())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_is_full_backward_hook", None)
        for registry in _STATE_DICT_HOOKS:
            setattr_(self, registry, OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation of the module; every subclass overrides it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- calling --------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        try:
            if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                    or self._backward_pre_hooks or GLOBAL_HOOKS_SET[0]):
                return self.forward(*args, **kwargs)
            return self._call_with_hooks(args, kwargs)
        except Exception as e:
            if getattr(e, "ember_module", None) is not None:
                _name_the_module(e, self)
            raise

    def _call_with_hooks(self, args, kwargs):
        """forward with the global hooks (global_hooks.py) and then the module's own, of each kind."""
        g = global_hooks
        for hooks, with_kwargs in ((g.forward_pre_hooks, g.forward_pre_hooks_with_kwargs),
                                   (self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)):
            for key, hook in list(hooks.items()):
                if key in with_kwargs:
                    result = hook(self, args, kwargs)
                    if result is not None:
                        args, kwargs = result
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
        full, old_style = self._backward_hooks_by_kind()
        pre_hooks = OrderedDict(itertools.chain(g.backward_pre_hooks.items(), self._backward_pre_hooks.items()))
        backward = None
        if full or pre_hooks:
            backward = BackwardHooks(self, full, pre_hooks)
            args = backward.wrap_inputs(args)
        forward_hooks = ((g.forward_hooks, g.forward_hooks_with_kwargs, g.forward_hooks_always_called),
                         (self._forward_hooks, self._forward_hooks_with_kwargs, self._forward_hooks_always_called))
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            for hooks, _, always in forward_hooks:
                for key, hook in list(hooks.items()):
                    if key in always:
                        hook(self, args, None)
            raise
        for hooks, with_kwargs, _ in forward_hooks:
            for key, hook in list(hooks.items()):
                result = hook(self, args, kwargs, output) if key in with_kwargs else hook(self, args, output)
                if result is not None:
                    output = result
        if old_style:
            self._hook_last_node(args, output, old_style)
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output

    def _backward_hooks_by_kind(self):
        """(full backward hooks, deprecated backward hooks), the global ones first, as OrderedDicts."""
        full, old_style = OrderedDict(), OrderedDict()
        for hooks, is_full in ((global_hooks.backward_hooks, global_hooks.backward_hooks_full[0]),
                               (self._backward_hooks, self._is_full_backward_hook)):
            (full if is_full else old_style).update(hooks)
        return full, old_style

    def _hook_last_node(self, args, output, hooks):
        """The deprecated backward hooks: each runs as a hook of the autograd node of the module's (first) output,
        seeing that node's input and output gradients, as PyTorch's do (with its warning where they miss some)."""
        tensor = output
        while not isinstance(tensor, Tensor):
            tensor = (next(v for v in tensor.values() if isinstance(v, Tensor)) if isinstance(tensor, dict)
                      else tensor[0])
        node = tensor.grad_fn
        if node is None:
            return
        for hook in hooks.values():
            node.register_hook(lambda grad_inputs, grad_outputs, hook=hook: hook(self, grad_inputs, grad_outputs))
        outputs = (output,) if isinstance(output, Tensor) else output
        if isinstance(outputs, tuple) and all(isinstance(t, Tensor) for t in outputs) and all(
                isinstance(t, Tensor) for t in args):
            input_nodes = {t.grad_fn for t in args if t.grad_fn is not None}
            if {t.grad_fn for t in outputs} == {node} and input_nodes == {n for n, _ in node.next_functions}:
                return
        warnings.warn("Using a non-full backward hook when the forward contains multiple autograd Nodes is deprecated "
                      "and will be removed in future versions. This hook will be missing some grad_input. Please use "
                      "register_full_backward_hook to get the documented behavior.", FutureWarning, stacklevel=3)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Call `hook(module, args)` before forward; it may return new args."""
        handle = RemovableHandle(self._forward_pre_hooks, extra=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """Call `hook(module, args, output)` after forward; it may return a new output."""
        handle = RemovableHandle(self._forward_hooks,
                                 extra=(self._forward_hooks_with_kwargs, self._forward_hooks_always_called))
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Call `hook(module, grad_input, grad_output)` when the gradients of the inputs are computed."""
        self._set_backward_hook_kind(True)
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook):
        """Deprecated: call `hook(module, grad_input, grad_output)` as a hook of the autograd node of the module's
        output, whose grad_input are that node's input gradients (use register_full_backward_hook)."""
        self._set_backward_hook_kind(False)
        return _add(self._backward_hooks, hook)

    def _set_backward_hook_kind(self, full: bool) -> None:
        if self._is_full_backward_hook is (not full):
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                               "Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", full)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Call `hook(module, grad_output)` before the module's gradients are computed."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    # ---- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, "_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                                "(ember.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            modules = self.__dict__.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, "_modules")
            modules[name] = global_hooks.registered(global_hooks.module_registration_hooks, self, name, value)
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as child module '{name}' "
                                "(ember.nn.Module or None expected)")
            self._modules[name] = global_hooks.registered(global_hooks.module_registration_hooks, self, name, value)
        elif isinstance(value, Buffer) or (self.__dict__.get("_buffers") is not None and name in self._buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                                "(ember.nn.Buffer, ember.Tensor or None expected)")
            persistent = value.persistent if isinstance(value, Buffer) else name not in self._non_persistent_buffers_set
            if isinstance(value, Buffer):
                self._forget(name, "_buffers")
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Remove `name` from the other registries (and the instance's attributes) before it is registered in
        registry `keep`, where a name it already has keeps its place, as in PyTorch (a replaced layer of a
        Sequential stays where it was)."""
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            found = d.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[registry]:
                del self.__dict__[registry][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None) under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                            "(ember.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             "created explicitly. To express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        self._parameters[name] = global_hooks.registered(global_hooks.parameter_registration_hooks, self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer (state that is not a parameter, such as running statistics) under `name`."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                            "(ember Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = tensor.detach() if not tensor.requires_grad else tensor.view_as(tensor)
        self._buffers[name] = global_hooks.registered(global_hooks.buffer_registration_hooks, self, name, tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        self._check_name(name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = global_hooks.registered(global_hooks.module_registration_hooks, self, name, module)

    register_module = add_module

    # ---- traversal ------------------------------------------------------------------------
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or (remove_duplicate and id(value) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(value))
                yield (module_prefix + "." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(name, parameter) pairs, each parameter once."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        """The parameters of this module and, with recurse, of all submodules."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(name, buffer) pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        """The buffers of this module and, with recurse, of all submodules."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        """(name, module) pairs of the direct children."""
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self):
        """The direct child modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True):
        """(name, module) pairs of this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        """This module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> "Module":
        """The submodule at dotted path `target` ('' is self)."""
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: "Module", strict: bool = False) -> None:
        """Put `module` at dotted path `target`; with `strict`, only in place of a submodule that is there."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent, name = self._owner_and_name(target)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _owner_and_name(self, target):
        module_path, _, name = target.rpartition(".")
        return self.get_submodule(module_path), name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path `target`."""
        module, name = self._owner_and_name(target)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path `target`."""
        module, name = self._owner_and_name(target)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def apply(self, fn) -> "Module":
        """Call `fn` on every submodule (children first), then on self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes ----------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and its descendants."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set requires_grad on every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as PyTorch 2.x)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    # ---- device and dtype -----------------------------------------------------------------
    def _apply(self, fn, recurse: bool = True) -> "Module":
        """Replace the data of every parameter and buffer by `fn(tensor)`, keeping the Parameter objects."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new._data is not p._data:
                    p._data = new._data
                if p._grad is not None:
                    g = fn(p._grad)
                    if g._data is not p._grad._data:
                        p._grad._data = g._data
        for name, b in self._buffers.items():
            if b is not None:
                self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """Move and/or cast the parameters and buffers (only floating point ones change dtype)."""
        device, dtype, _, memory_format = parse_to(args, kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={dtype}")
        rank = format_rank(memory_format)

        def convert(t):
            try:
                return t.to(device, dtype if t.is_floating_point() else None,
                            memory_format=memory_format if t.dim() == rank else None)
            except NotImplementedError as error:
                if str(error) == NO_DATA:  # a meta tensor has no values to move
                    raise NotImplementedError(f"{error} Please use ember.nn.Module.to_empty() instead of "
                                              "ember.nn.Module.to() when moving module from meta to a different "
                                              "device.") from None
                raise
        return self._apply(convert)

    def cpu(self) -> "Module":
        """Move every parameter and buffer to the CPU."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None) -> "Module":
        """Move every parameter and buffer to a CUDA device."""
        return self._apply(lambda t: t.cuda(device))

    def type(self, dst_type) -> "Module":
        """Cast every parameter and buffer to `dst_type`."""
        return self._apply(lambda t: t.type(dst_type))

    def _cast_floats(self, dtype):
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> "Module":
        """Cast floating point parameters and buffers to float32."""
        from ... import float32  # cycle: ember imports this one
        return self._cast_floats(float32)

    def double(self) -> "Module":
        """Cast floating point parameters and buffers to float64."""
        from ... import float64  # cycle: ember imports this one
        return self._cast_floats(float64)

    def half(self) -> "Module":
        """Cast floating point parameters and buffers to float16."""
        from ... import float16  # cycle: ember imports this one
        return self._cast_floats(float16)

    def bfloat16(self) -> "Module":
        """Cast floating point parameters and buffers to bfloat16."""
        from ... import bfloat16  # cycle: ember imports this one
        return self._cast_floats(bfloat16)

    def to_empty(self, *, device, recurse: bool = True) -> "Module":
        """Give every parameter and buffer new uninitialized memory on `device`, of its shape and dtype, without
        copying its values (a module built on the meta device has none); parameters stay the same objects."""
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def compile(self, *args, **kwargs) -> None:
        """Compile the module's forward in place: torch.compile's options are accepted; ember runs forward as it
        is (ember.compile returns its input)."""

    def share_memory(self) -> "Module":
        """Move parameters and buffers to shared memory."""
        return self._apply(lambda t: t.share_memory_())

    # ---- state dict -----------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def get_extra_state(self):
        """The module's own state beyond parameters and buffers, saved in state_dict as '_extra_state'; a module
        that has some overrides this and set_extra_state."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called: a module "
                           "with extra state overrides both get_extra_state and set_extra_state.")

    def set_extra_state(self, state) -> None:
        """Restore the state get_extra_state returned, from load_state_dict."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called: a module "
                           "with extra state overrides both get_extra_state and set_extra_state.")

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False) -> dict:
        """An ordered dict of every parameter and persistent buffer, by dotted name."""
        if args:  # the deprecated positional form state_dict(destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in list(self._state_dict_hooks.values()):
            result = hook(self, destination, prefix, local_metadata)
            if getattr(hook, "_from_public_api", False):
                if result is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif result is not None:
                destination = result
        return destination

    def _register_state_dict_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata)` after state_dict; it may return a new one."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError("Cannot register the same function as the state dict post hook that was previously "
                               "registered via register_state_dict_post_hook")
        return _add(self._state_dict_hooks, hook)

    def register_state_dict_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata)` after state_dict; it changes it in place."""
        hook._from_public_api = True
        return _add(self._state_dict_hooks, hook)

    def register_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, prefix, keep_vars)` before state_dict saves this module."""
        return _add(self._state_dict_pre_hooks, hook)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False) -> RemovableHandle:
        """Call `hook([module,] state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)` before this module loads its part of a state dict; it may change the state dict in place."""
        return _add(self._load_state_dict_pre_hooks, functools.partial(hook, self) if with_module else hook)

    def register_load_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)` before this module loads its part of a state dict."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, incompatible_keys)` after load_state_dict loaded this module and its children; it may
        change the lists of missing and unexpected keys in place."""
        return _add(self._load_state_dict_post_hooks, hook)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs, assign=False):
        for hook in list(self._load_state_dict_pre_hooks.values()):
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        local = itertools.chain(self._parameters.items(),
                                ((k, v) for k, v in self._buffers.items()
                                 if k not in self._non_persistent_buffers_set))
        for name, param in local:
            key = prefix + name
            if param is None:
                continue
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected ember.Tensor or '
                                  f"Tensor-like object from checkpoint but received {type(value)}")
                continue
            if tuple(value.shape) != tuple(param.shape):
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {param.shape}.")
                continue
            if param.is_meta and not value.is_meta and not assign:
                warnings.warn(f"for {key}: copying from a non-meta parameter in the checkpoint to a meta parameter in "
                              "the current model, which is a no-op. (Did you mean to pass `assign=True` to assign "
                              "items in the state dictionary to their corresponding key in the module instead of "
                              "copying them in place?)", UserWarning, stacklevel=3)
            with no_grad():
                if assign:  # the checkpoint's tensor itself, a Parameter where the module's was (as in PyTorch)
                    if isinstance(param, Parameter):
                        if isinstance(value, Parameter):
                            value.requires_grad_(param.requires_grad)
                        else:
                            value = Parameter(value, param.requires_grad)
                    setattr(self, name, value)
                else:
                    param.copy_(value)
        extra_key = prefix + _EXTRA_STATE
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    rest = key[len(prefix):]
                    head = rest.split(".", 1)[0]
                    if head not in self._modules and head not in self._parameters and \
                            (head not in self._buffers or head in self._non_persistent_buffers_set):
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from `state_dict`; returns the missing and unexpected keys."""
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)  # pre-hooks may change it; the caller's stays as it is

        def load(module, prefix):
            local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
            module._load_from_state_dict(state_dict, prefix, local_metadata, True, missing, unexpected, errors, assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")
            keys = _IncompatibleKeys(missing, unexpected)
            for hook in list(module._load_state_dict_post_hooks.values()):
                if hook(module, keys) is not None:
                    raise RuntimeError("Hooks registered with ``register_load_state_dict_post_hook`` are not expected "
                                       "to return new values, if incompatible_keys need to be modified, it should "
                                       "be done inplace.")
        load(self, "")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                self._get_name(), "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module's own settings, shown inside its repr; layers override it."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self):
        attrs = dir(self.__class__) + list(self.__dict__) + list(self._parameters) + list(self._modules) + \
            list(self._buffers)
        return sorted(a for a in set(attrs) if not a[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)
        for registry in _STATE_DICT_HOOKS:  # a module pickled before ember kept these
            self.__dict__.setdefault(registry, OrderedDict())


def _add(hooks: OrderedDict, hook) -> RemovableHandle:
    """Register `hook` in `hooks`; the handle that removes it."""
    return add_hook(hooks, hook)[1]


def input_error(module: Module, error: Exception, explain) -> Exception:
    """Mark `error`, raised by `module` for a bad input, so that every enclosing module call rewrites its
    message as explain(path, module): the path names the layer inside the outermost model called."""
    error.ember_module = module
    error.ember_explain = explain
    error.args = (explain(module._get_name(), module),)
    return error


def _name_the_module(error, caller):
    """NOTE [ Errors that name the module ]: the module that rejected its input marked the error
    (input_error); each enclosing __call__ finds that module's path below itself and rewrites the
    message, so the outermost call leaves the full path (e.g. 'fc1', 'features.0')."""
    origin = error.ember_module
    if origin is caller:
        return
    for path, module in caller.named_modules():
        if module is origin:
            error.args = (error.ember_explain(path, origin),)
            return


def _type_name(value):
    if isinstance(value, Tensor):
        return value.type()
    return type(value).__name__
