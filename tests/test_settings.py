"""Global settings, compile and typename against PyTorch."""
import numpy as np
import pytest
from parity import check, torch

import ember


@pytest.fixture(autouse=True)
def _restore():
    yield
    for lib in (ember, torch):
        lib.use_deterministic_algorithms(False)
        lib.set_float32_matmul_precision("highest")


SETTINGS = {
    "deterministic default": lambda lib: lib.are_deterministic_algorithms_enabled(),
    "deterministic on": lambda lib: (lib.use_deterministic_algorithms(True), lib.are_deterministic_algorithms_enabled(),
                                     lib.is_deterministic_algorithms_warn_only_enabled()),
    "warn only": lambda lib: (lib.use_deterministic_algorithms(True, warn_only=True),
                              lib.is_deterministic_algorithms_warn_only_enabled()),
    "not a bool": lambda lib: lib.use_deterministic_algorithms("yes"),
    "precision default": lambda lib: lib.get_float32_matmul_precision(),
    "precision high": lambda lib: (lib.set_float32_matmul_precision("high"), lib.get_float32_matmul_precision()),
}


@pytest.mark.parametrize("fn", SETTINGS.values(), ids=SETTINGS.keys())
def test_settings(fn):
    check(fn)


def test_an_unknown_precision_warns_and_changes_nothing():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("bogus")
        assert lib.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("make", [lambda lib: lib.ones(1, dtype=lib.int64), lambda lib: lib.ones(1).double(),
                                  lambda lib: lib.nn.Linear(1, 1), lambda lib: [1], lambda lib: 1.0])
def test_typename(make):
    assert ember.typename(make(ember)) == torch.typename(make(torch)).replace("torch", "ember")


def test_compile_returns_what_runs_eagerly():
    """Differs from PyTorch: no graph capture; the model (wrapped, as PyTorch wraps it), function or decorator
    works unchanged (PyTorch's own compile is not run here: it builds C++ kernels, seconds per call)."""
    x = np.arange(6.0).reshape(2, 3)
    model = ember.nn.Linear(3, 2)
    assert ember.compile(model)._orig_mod is model
    assert tuple(ember.compile(model, mode="max-autotune")(ember.tensor(x, dtype=ember.float32)).shape) == (2, 2)
    assert ember.compile(mode="reduce-overhead")(lambda t: t * 2)(ember.tensor(x)).tolist() == (x * 2).tolist()
    with pytest.raises(RuntimeError):
        ember.compile(3)


THREADS = {
    "zero": lambda lib: lib.set_num_threads(0), "negative": lambda lib: lib.set_num_threads(-1),
    "float": lambda lib: lib.set_num_threads(1.5), "string": lambda lib: lib.set_num_threads("2"),
    "interop zero": lambda lib: lib.set_num_interop_threads(0),
    "interop default": lambda lib: lib.get_num_interop_threads(),
}


@pytest.mark.parametrize("fn", THREADS.values(), ids=THREADS.keys())
def test_thread_settings(fn):
    check(fn)


def test_set_num_threads_sets_blas_threads():
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        from threadpoolctl import threadpool_info
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    finally:
        ember.set_num_threads(before)
    assert ember.get_num_threads() == before


def test_version_module_says_no_cuda_is_compiled_in():
    assert ember.version.__version__ == ember.__version__
    assert ember.version.cuda is None and ember.version.hip is None and ember.version.debug is False
    torch = pytest.importorskip("torch")
    assert torch.version.cuda is None  # the CPU build PyTorch's tests compare against says the same
