"""The forward pre-hooks that recompute a module's tensor (weight_norm, spectral_norm, pruning) and their removal."""
from ..modules.module import Module


def remove_pre_hook(module: Module, kind: type, name: str, attribute: str = "name") -> bool:
    """Undo (hook.remove(module)) and unregister the forward pre-hook of class `kind` that recomputes module.<name>
    (the hook's `attribute` names the tensor); False if there is none."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and getattr(hook, attribute) == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return True
    return False
