"""Parametrizations: a module's tensor computed on access from original parameters by small modules
(weight_norm, spectral_norm, orthogonal, or your own), as torch.nn.utils.parametrize."""
from contextlib import contextmanager

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

_CACHE = {"enabled": 0, "values": {}}


@contextmanager
def cached():
    """Within this block each parametrized tensor is computed once and reused."""
    _CACHE["enabled"] += 1
    try:
        yield
    finally:
        _CACHE["enabled"] -= 1
        if not _CACHE["enabled"]:
            _CACHE["values"].clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order to `original`, or to `original0`, `original1`, ... where the
    first one's right_inverse splits the tensor into several."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False):
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new = _right_inverse(self, original, registering=True)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != original.dtype:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            with no_grad():
                kept = original.copy_(new) if original.shape == new.shape else new.detach().clone()
            _register_like(self, "original", kept, original)
        else:
            for i, t in enumerate(new):
                _register_like(self, f"original{i}", t.detach().clone(), original)
        if not unsafe:
            with no_grad():
                _check_same(self(), original, "Registering a parametrization may not change the {what} of the tensor, "
                            "unless the `unsafe` flag is enabled.\nunparametrized {what}: {expected}\nparametrized "
                            "{what}: {got}")

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor becomes `value`."""
        with no_grad():
            value = _right_inverse(self, value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self) -> Tensor:
        """The parametrized tensor, computed from the originals."""
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _right_inverse(modules, value, registering: bool = False):
    """`value` through the right_inverse of each parametrization that has one, last first: a tensor or a sequence
    of tensors; PyTorch's ValueError for anything else. While `registering`, a right_inverse that raises
    NotImplementedError counts as the identity."""
    for module in reversed(list(modules)):
        if hasattr(module, "right_inverse"):
            try:
                value = module.right_inverse(value)
            except NotImplementedError:
                if not registering:
                    raise
    if isinstance(value, Tensor):
        return value
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). Got "
                         f"{type(value).__name__}")
    for i, t in enumerate(value):
        if not isinstance(t, Tensor):
            raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). Got "
                             f"element {i} of the sequence with type {type(t).__name__}.")
    return value


def _register_like(owner: Module, name: str, tensor: Tensor, like: Tensor) -> None:
    """Register `tensor` on `owner` as a parameter if `like` is one (requiring grad as it does), else as a buffer."""
    if isinstance(like, Parameter):
        owner.register_parameter(name, tensor if isinstance(tensor, Parameter) else Parameter(tensor,
                                                                                               like.requires_grad))
    else:
        owner.register_buffer(name, tensor.requires_grad_(like.requires_grad))


def _check_same(value, like: Tensor, message: str) -> None:
    """ValueError (`message` formatted with what differs) unless `value` is a tensor of like's dtype and shape."""
    if not isinstance(value, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
    if value.dtype != like.dtype:
        raise ValueError(message.format(what="dtype", expected=like.dtype, got=value.dtype))
    if value.shape != like.shape:
        raise ValueError(message.format(what="shape", expected=like.shape, got=value.shape))


def _parametrized_class(cls):
    """A new subclass of `cls` named Parametrized<cls>, for one module, whose parametrized tensors are properties:
    each module has its own, so that registering or removing a parametrization touches no other module."""
    return type("Parametrized" + cls.__name__, (cls,), {"_original_class": cls})


def _property(name):
    def get(self):
        if _CACHE["enabled"]:
            key = (id(self), name)
            if key not in _CACHE["values"]:
                _CACHE["values"][key] = self.parametrizations[name]()
            return _CACHE["values"][key]
        return self.parametrizations[name]()

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make module.<tensor_name> the result of `parametrization` applied to the original tensor (or, where its
    right_inverse returns several tensors, to original0, original1, ...)."""
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_appended(module, tensor_name, parametrization)
        module.parametrizations[tensor_name].append(parametrization)
        return module
    original = module._parameters.get(tensor_name, module._buffers.get(tensor_name))
    if original is None:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    plist = ParametrizationList([parametrization], original, unsafe)  # raises before the module changes
    module._parameters.pop(tensor_name, None)
    module._buffers.pop(tensor_name, None)
    if not is_parametrized(module):
        module.__class__ = _parametrized_class(module.__class__)
        module.parametrizations = ModuleDict()
    setattr(module.__class__, tensor_name, _property(tensor_name))
    module.parametrizations[tensor_name] = plist
    return module


def _check_appended(module: Module, tensor_name: str, parametrization: Module) -> None:
    """PyTorch's ValueError where a parametrization added to a parametrized tensor, or its right_inverse, changes
    the tensor's shape or dtype."""
    with no_grad():
        current = getattr(module, tensor_name)
        value = parametrization(current)
        _check_same(value, current, "Registering a parametrization may not change the {what} of the tensor, unless "
                    f"the `unsafe` flag is enabled.\nmodule.{tensor_name}.{{what}}: {{expected}}\n"
                    f"parametrization(module.{tensor_name}).{{what}}: {{got}}")
        if hasattr(parametrization, "right_inverse"):
            back = parametrization.right_inverse(value)
            if not isinstance(back, Tensor):
                raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(back).__name__}")
            _check_same(back, current, "The tensor returned by parametrization.right_inverse must have the same "
                        f"{{what}} as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                        f"module.{tensor_name}.{{what}}: {{expected}}\nreturned {{what}}: {{got}}")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """True if module (or its tensor `tensor_name`) has parametrizations."""
    found = module.__dict__.get("_modules", {}).get("parametrizations")
    if found is None:
        return False
    return tensor_name is None or tensor_name in found


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    return getattr(type(module), "_original_class", type(module))


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Turn module.<tensor_name> back into a plain parameter (or buffer): its current value, or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    like = plist.original if plist.is_tensor else plist.original0
    with no_grad():
        if leave_parametrized:
            value = getattr(module, tensor_name)
        elif plist.is_tensor:
            value = plist.original
        else:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        if plist.is_tensor and like.shape == value.shape and like.dtype == value.dtype:
            kept = like.copy_(value)  # the original parameter object stays, with the value
        else:
            kept = value.detach().clone()
    del module.parametrizations[tensor_name]
    delattr(module.__class__, tensor_name)
    if not len(module.parametrizations):
        del module.parametrizations
        module.__class__ = type_before_parametrizations(module)
    _register_like(module, tensor_name, kept, like)
    return module


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Give to_module the parametrizations of from_module (of `tensor_name`, or of every parametrized tensor): the same
    parametrization modules and the same original tensors, shared, not copied. Does nothing where from_module has
    no parametrization."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            to_module.register_parameter(name, Parameter(getattr(from_module, name).detach()))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization, unsafe=source.unsafe)
        target = to_module.parametrizations[name]
        for original in ["original"] if source.is_tensor else [f"original{i}" for i in range(source.ntensors)]:
            _register_like(target, original, getattr(source, original), getattr(source, original))
    return to_module
