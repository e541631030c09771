"""Every public function given a Python number or a NumPy array as its first argument raises the exception type
PyTorch raises (its TypeError "exp(): argument 'input' (position 1) must be Tensor, not float", mostly), never an
error from inside ember, and accepts what PyTorch accepts. Where PyTorch's own Python code fails on such an argument
(an AttributeError, or a ValueError unpacking its shape), ember's TypeError is the clearer answer and passes too."""
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
ARGUMENTS = {"float": 2.5, "ndarray": np.ones(3, np.float32)}


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


def _outcome(fn, argument):
    try:
        fn(argument)
    except Exception as e:  # noqa: BLE001  (the type is what the test compares)
        return type(e).__name__, str(e)
    return "no error", ""


@pytest.mark.parametrize("argument", list(ARGUMENTS), ids=list(ARGUMENTS))
@pytest.mark.parametrize("namespace,name", _functions(), ids=lambda v: v or "torch")
def test_a_number_or_array_where_a_tensor_belongs(namespace, name, argument):
    value = ARGUMENTS[argument]
    expected, theirs = _outcome(getattr(_module(torch, namespace), name), value)
    got, message = _outcome(getattr(_module(ember, namespace), name), value)
    if expected == "AttributeError" or (expected == "ValueError" and "unpack" in theirs):
        assert got == "TypeError", message
    else:
        assert got == expected, message
    assert "has no attribute" not in message, message  # an error from inside ember, not about the argument
