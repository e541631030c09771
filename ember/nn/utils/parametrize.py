"""Parametrizations: a module's tensor computed on access from an original parameter by small modules
(weight_norm, spectral_norm, or your own), as torch.nn.utils.parametrize."""
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
    """The parametrizations of one tensor, applied in order to `original` (or `original0`, `original1`, ...)."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False):
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            with no_grad():
                if isinstance(original, Parameter) and original.shape == new.shape:
                    original.copy_(new)
                    kept = original
                else:
                    kept = Parameter(new.detach().clone(), original.requires_grad)
            self.register_parameter("original", kept)
        else:
            for i, t in enumerate(new):
                self.register_parameter(f"original{i}", Parameter(t.detach().clone(), original.requires_grad))

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor becomes `value`."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self):
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


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
    """Make module.<tensor_name> the result of `parametrization` applied to the original tensor."""
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name in module._parameters:
        original = module._parameters.pop(tensor_name)
    elif tensor_name in module._buffers:
        original = module._buffers.pop(tensor_name)
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    if not unsafe:
        with no_grad():
            result = parametrization(original)
        if not isinstance(result, Tensor) or result.shape != original.shape or result.dtype != original.dtype:
            module._parameters[tensor_name] = original
            raise ValueError(f"Registering a parametrization may not change the shape or dtype of the tensor. "
                             f"unparametrized {tuple(original.shape)} {original.dtype}, parametrized "
                             f"{tuple(getattr(result, 'shape', ()))} {getattr(result, 'dtype', None)}")
    if not is_parametrized(module):
        module.__class__ = _parametrized_class(module.__class__)
        module.parametrizations = ModuleDict()
    setattr(module.__class__, tensor_name, _property(tensor_name))
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], original, unsafe)
    return module


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
    """Turn module.<tensor_name> back into a plain parameter: its current value, or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    with no_grad():
        if leave_parametrized:
            value = getattr(module, tensor_name)
        elif plist.is_tensor:
            value = plist.original
        else:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
    if plist.is_tensor:
        original = plist.original
        with no_grad():
            if original.shape == value.shape:
                original.copy_(value)
            else:
                original = Parameter(value.detach().clone(), original.requires_grad)
    else:
        original = Parameter(value.detach().clone(), plist.original0.requires_grad)
    del module.parametrizations[tensor_name]
    delattr(module.__class__, tensor_name)
    if not len(module.parametrizations):
        del module.parametrizations
        module.__class__ = type_before_parametrizations(module)
    module.register_parameter(tensor_name, original)
    return module
