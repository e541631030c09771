"""Run a script written for PyTorch on ember, unchanged: `import torch` and `import torchvision`, with every
submodule, give ember's modules. `sys.argv`, `__name__ == "__main__"` and worker processes behave as under
`python script.py`."""
import argparse
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import traceback
import types

from .._tensor import Tensor

# PyTorch's top-level packages -> the ember packages that stand in for them; longest ember name first, so
# that ember.vision.x reads back as torchvision.x rather than torch.vision.x
ALIASES = {"torchvision": "ember.vision", "torch": "ember"}
SCRIPT_ENV = "EMBER_RUN_SCRIPT"  # the script's path, for spawned children (NOTE [ Spawned children of ember run ])
SPAWNED_MAIN = "ember.cli.spawned_main"


def ember_name(name: str) -> str | None:
    """The ember module that stands in for PyTorch's module `name` (`torch.nn` -> `ember.nn`), or None."""
    for torch_root, ember_root in ALIASES.items():
        if name == torch_root or name.startswith(torch_root + "."):
            return ember_root + name[len(torch_root):]
    return None


def torch_name(name: str) -> str | None:
    """The PyTorch name of ember's module `name` (`ember.vision.datasets` -> `torchvision.datasets`), or None."""
    for torch_root, ember_root in ALIASES.items():
        if name == ember_root or name.startswith(ember_root + "."):
            return torch_root + name[len(ember_root):]
    return None


class _Loaded(importlib.abc.Loader):
    """Hands out a module that is already imported, under a second name."""

    def __init__(self, module: types.ModuleType):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """An import hook answering `torch...` and `torchvision...` with ember's modules (the same objects, so
    `torch.nn is ember.nn`); a PyTorch module ember lacks raises ModuleNotFoundError naming it."""

    def find_spec(self, fullname, path=None, target=None):
        target_name = ember_name(fullname)
        if target_name is None:
            return None
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as e:
            if e.name is None or not (target_name == e.name or target_name.startswith(e.name + ".")):
                raise  # a module ember itself needs is missing: its own message says which
            raise ModuleNotFoundError(f"{torch_name(e.name)} is not implemented in ember", name=fullname) from None
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _Loaded(module), is_package=is_package)


def install_aliases() -> None:
    """Make `import torch` and `import torchvision` give ember's modules in this process."""
    imported = sorted(name for name, module in sys.modules.items()
                      if name in ALIASES and module.__name__ != ember_name(name))
    if imported:
        raise RuntimeError(f"ember run needs a fresh interpreter, but {', '.join(imported)} is already imported here; "
                           f"start the script with `ember run script.py` or `python -m ember run script.py`.")
    if not any(isinstance(finder, TorchAliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, TorchAliasFinder())


def _missing_api(error: BaseException) -> str | None:
    """The PyTorch API (`torch.fft.rfft`) that an AttributeError or ImportError from ember's modules names."""
    if isinstance(error, ModuleNotFoundError):
        return None  # raised by TorchAliasFinder, which names it already
    if isinstance(error, ImportError):
        match = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", str(error))
        owner = match and torch_name(match.group(2))
        return owner and f"{owner}.{match.group(1)}"
    if isinstance(error, AttributeError) and error.name:
        if isinstance(error.obj, types.ModuleType):
            owner = torch_name(error.obj.__name__)
        else:
            owner = "torch.Tensor" if isinstance(error.obj, Tensor) else None
        return owner and f"{owner}.{error.name}"
    return None


def name_missing_api(error: BaseException) -> None:
    """Rewrite the message of an error from a name ember lacks to say which PyTorch API it is."""
    api = _missing_api(error)
    if api is not None:
        message = f"{api} is not implemented in ember ({error})"
        error.args = (message,) + error.args[1:]
        if isinstance(error, ImportError):
            error.msg = message  # ImportError prints msg, not args


# NOTE [ Spawned children of ember run ]
# multiprocessing's spawn and forkserver start methods begin each child in a fresh interpreter, which
# imports the parent's __main__ again before it unpickles anything; by its path, that import would run the
# script without the import hook, so `import torch` would fail or give a different library. The script's
# __main__ therefore carries a __spec__ naming ember.cli.spawned_main: multiprocessing then starts each child
# by running that module as __mp_main__, and it installs the hook and runs the script found in
# $EMBER_RUN_SCRIPT (with __name__ == "__mp_main__", so the `if __name__ == "__main__"` block stays off).
# Objects pickled as __main__.X in the parent resolve to the script's X in the child. Forked children
# inherit the hook and need none of this.


def run_script(path: str, argv: list[str]) -> dict:
    """Execute the script at `path` as `python path *argv` would, with PyTorch's names aliased; its globals."""
    install_aliases()
    full_path = os.path.abspath(path)
    with open(full_path, "rb") as f:
        code = compile(f.read(), full_path, "exec")
    os.environ[SCRIPT_ENV] = full_path
    main = types.ModuleType("__main__")
    main.__file__ = full_path
    main.__spec__ = importlib.machinery.ModuleSpec(SPAWNED_MAIN, None)
    sys.modules["__main__"] = main
    sys.argv = [path, *argv]
    sys.path.insert(0, os.path.dirname(full_path))
    exec(code, main.__dict__)  # noqa: S102  (running the script is the point)
    return main.__dict__


def _print_script_traceback(error: BaseException, path: str) -> None:
    """Print the traceback as Python would for the script: from the script's own frames on."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `ember run`."""
    parser.add_argument("script", help="the Python script to run, written for PyTorch")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed on to the script as sys.argv[1:]")


def main(args: argparse.Namespace) -> int:
    """Run the script; exit status 1 with Python's traceback when it raises."""
    if not os.path.isfile(args.script):
        print(f"ember run: can't open file {args.script!r}: no such file", file=sys.stderr)
        return 2
    try:
        run_script(args.script, args.args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as error:  # noqa: BLE001  (reported as Python reports an uncaught exception)
        name_missing_api(error)
        _print_script_traceback(error, os.path.abspath(args.script))
        return 1
    return 0
