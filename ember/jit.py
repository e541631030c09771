"""torch.jit: the TorchScript entry points that model code calls without compiling anything.

ember runs Python eagerly and has no TorchScript: `script` and `trace` give back what they are given (it computes
the same results), the decorators (`ignore`, `unused`, `export`, ...) return the function, `is_scripting` and
`is_tracing` are False, and `save`/`load` of TorchScript archives raise NotImplementedError.
"""
import typing
from collections.abc import Callable

__all__ = ["Final", "ScriptFunction", "ScriptModule", "annotate", "export", "freeze", "ignore", "interface",
           "is_scripting", "is_tracing", "isinstance", "load", "optimize_for_inference", "save", "script",
           "script_if_tracing", "trace", "trace_module", "unused"]

Final = typing.Final


class ScriptModule:
    """TorchScript's compiled module: ember makes none (isinstance checks are False)."""


class ScriptFunction:
    """TorchScript's compiled function: ember makes none (isinstance checks are False)."""


def is_scripting() -> bool:
    """False: ember never compiles code with TorchScript."""
    return False


def is_tracing() -> bool:
    """False: ember never traces code with TorchScript."""
    return False


def script(obj, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None):
    """`obj` itself. Differs from PyTorch: no TorchScript compilation; the module or function runs as Python."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """`func` itself. Differs from PyTorch: nothing is traced; the module or function runs as Python."""
    return func


def trace_module(mod, inputs=None, *args, **kwargs):
    """`mod` itself. Differs from PyTorch: nothing is traced."""
    return mod


def script_if_tracing(fn: Callable) -> Callable:
    """`fn` itself (it is scripted only under tracing, which ember never does)."""
    return fn


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """`mod` itself (freezing inlines a ScriptModule's parameters; ember has none)."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """`mod` itself (an optimisation of ScriptModules; ember has none)."""
    return mod


def _decorator(name: str, doc: str):
    def decorator(fn=None, **kwargs):
        if fn is None:  # used as @torch.jit.ignore(drop=True)
            return lambda f: f
        return fn
    decorator.__name__ = decorator.__qualname__ = name
    decorator.__doc__ = doc
    return decorator


ignore = _decorator("ignore", "The function itself: it is left to Python, which is how ember runs everything.")
unused = _decorator("unused", "The function itself: it is left out of TorchScript, which ember never compiles.")
export = _decorator("export", "The method itself: it would be compiled as an entry point; ember compiles nothing.")
interface = _decorator("interface", "The class itself: a TorchScript interface type.")
_overload = _decorator("_overload", "The function itself: a TorchScript overload declaration.")
_overload_method = _decorator("_overload_method", "The method itself: a TorchScript overload declaration.")


def annotate(the_type, the_value):
    """`the_value`: the type only guides TorchScript."""
    return the_value


def isinstance(obj, target_type) -> bool:
    """Python's isinstance for plain classes (TorchScript's refines container types too)."""
    import builtins
    return builtins.isinstance(obj, typing.get_origin(target_type) or target_type)


def save(m, f, _extra_files=None) -> None:
    """Refused: ember makes no TorchScript archives; save the state_dict (ember.save) instead."""
    raise NotImplementedError("torch.jit.save writes TorchScript archives, which ember does not make: save the "
                              "model's state_dict with ember.save(model.state_dict(), path) instead")


def load(f, map_location=None, _extra_files=None, _restore_shapes: bool = False):
    """Refused: ember cannot run TorchScript archives; load a state_dict into the model's Python class instead."""
    raise NotImplementedError("torch.jit.load reads TorchScript archives, which ember cannot run: rebuild the model "
                              "in Python and load its state_dict (ember.load) instead")
