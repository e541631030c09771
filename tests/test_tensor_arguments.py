"""Every public function given a Python number or a NumPy array as its first argument, alone or followed by numbers
or a tensor, raises the exception type PyTorch raises (its TypeError "exp(): argument 'input' (position 1) must be
Tensor, not float", mostly), never an error from inside ember, and accepts what PyTorch accepts. Where PyTorch's own
Python code fails on such an argument (an AttributeError, or a ValueError unpacking its shape), ember's TypeError is
the clearer answer and passes too."""
import importlib

import numpy as np
import pytest
from parity import torch

import ember

NAMESPACES = ("", "nn.functional", "linalg", "special", "fft")
# functions that set global state (a wrong value must not get through to the rest of the run), or that read or write
# files or compile
SKIPPED = {"set_default_dtype", "set_default_tensor_type", "set_default_device", "manual_seed", "seed",
           "set_printoptions", "set_num_threads", "set_num_interop_threads", "set_rng_state", "set_warn_always",
           "set_float32_matmul_precision", "set_flush_denormal", "set_deterministic_debug_mode",
           "set_anomaly_enabled", "use_deterministic_algorithms", "set_grad_enabled", "load", "save", "from_file",
           "compile", "export", "set_autocast_enabled", "set_autocast_cpu_enabled", "set_autocast_cpu_dtype",
           "set_autocast_gpu_dtype", "set_autocast_dtype", "set_autocast_cache_enabled", "autocast_increment_nesting",
           "autocast_decrement_nesting"}
# the arguments of each call, made for `lib` (ember or torch)
CALLS = {"float": lambda lib: (2.5,), "ndarray": lambda lib: (np.ones(3, np.float32),),
         "float, 0": lambda lib: (2.5, 0), "float, 0, 1": lambda lib: (2.5, 0, 1),
         "float, tensor": lambda lib: (2.5, lib.ones(3))}
# calls PyTorch accepts through overloads ember leaves out; ember raises TypeError
DIFFERENCES = {("", "add", "float, 0, 1"): "the deprecated add(input, alpha, other)",
               ("", "sub", "float, 0, 1"): "the deprecated sub(input, alpha, other)",
               ("", "subtract", "float, 0, 1"): "the deprecated sub(input, alpha, other)"}


def _module(root, namespace):
    return importlib.import_module(root.__name__ + ("." + namespace if namespace else ""))


def _functions():
    """(namespace, name) of every public function of PyTorch's namespaces that ember has too."""
    cases = []
    for namespace in NAMESPACES:
        theirs, ours = _module(torch, namespace), _module(ember, namespace)
        for name in sorted(dir(theirs)):
            fn = getattr(theirs, name, None)
            if (name.startswith("_") or name in SKIPPED or not callable(fn) or isinstance(fn, type)
                    or not callable(getattr(ours, name, None))):
                continue
            cases.append((namespace, name))
    return cases


def _outcome(fn, arguments):
    try:
        fn(*arguments)
    except Exception as e:  # noqa: BLE001  (the type is what the test compares)
        return type(e).__name__, str(e)
    return "no error", ""


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("namespace,name", _functions(), ids=lambda v: v or "torch")
def test_a_number_or_array_where_a_tensor_belongs(namespace, name, call):
    expected, theirs = _outcome(getattr(_module(torch, namespace), name), CALLS[call](torch))
    got, message = _outcome(getattr(_module(ember, namespace), name), CALLS[call](ember))
    if (namespace, name, call) in DIFFERENCES:
        assert got == "TypeError", message
    elif expected == "AttributeError" or (expected == "ValueError" and "unpack" in theirs):
        assert got == "TypeError", message
    else:
        assert got == expected, message
    assert "has no attribute" not in message, message  # an error from inside ember, not about the argument
