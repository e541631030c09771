"""skip_init: build a module without paying for its parameter initialization, as torch.nn.utils.skip_init."""
import inspect

from ..modules.module import Module


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """module_cls(*args, **kwargs) built on the meta device, without initializing its parameters and buffers, then
    given uninitialized memory on `device` (the CPU by default) with to_empty: set their values yourself."""
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = "meta"
    return module_cls(*args, **kwargs).to_empty(device=final_device)
