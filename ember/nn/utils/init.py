"""skip_init: build a module without paying for its parameter initialization, as torch.nn.utils.skip_init."""
import inspect

from ..modules.module import Module


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """module_cls(*args, **kwargs) whose parameter and buffer values are not to be relied on (set them yourself).

    Differs from PyTorch: ember has no meta device to build the module on without values, so the module is built
    and initialized as usual (its values are valid, where PyTorch's are whatever the memory held)."""
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")  # as PyTorch's, which moves the module to the CPU unless told otherwise
    return module_cls(*args, **kwargs)
