"""ember.accelerator and ember.backends against PyTorch's CPU build (the oracle has no GPU, so the parity
tests hold where ember has none either), and the device-selection lines of PyTorch's tutorials."""
import numpy as np
import pytest
from parity import check, torch

import ember

no_gpu = pytest.mark.skipif(ember.cuda.is_available(), reason="the oracle is PyTorch's CPU build")

ACCELERATOR = {
    "is_available": lambda lib: lib.accelerator.is_available(),
    "current_accelerator": lambda lib: lib.accelerator.current_accelerator(),
    "current_accelerator checked": lambda lib: lib.accelerator.current_accelerator(check_available=True),
    "device_count": lambda lib: lib.accelerator.device_count(),
    "current_device_index": lambda lib: lib.accelerator.current_device_index(),
    "current_device_idx": lambda lib: lib.accelerator.current_device_idx(),
    "set_device_index": lambda lib: lib.accelerator.set_device_index(0),
    "synchronize": lambda lib: lib.accelerator.synchronize(),
}


@no_gpu
@pytest.mark.parametrize("fn", ACCELERATOR.values(), ids=ACCELERATOR.keys())
def test_accelerator_without_a_gpu_is_torchs_cpu_build(fn):
    check(fn)


@no_gpu
def test_device_index_context_with_none_changes_nothing():
    for lib in (ember, torch):
        with lib.accelerator.device_index(None):
            assert not lib.accelerator.is_available()


FLAGS = {
    "cudnn.enabled": lambda lib: lib.backends.cudnn.enabled,
    "cudnn.benchmark": lambda lib: lib.backends.cudnn.benchmark,
    "cudnn.deterministic": lambda lib: lib.backends.cudnn.deterministic,
    "cudnn.allow_tf32": lambda lib: lib.backends.cudnn.allow_tf32,
    "cuda.matmul.allow_tf32": lambda lib: lib.backends.cuda.matmul.allow_tf32,
    "cuda.matmul.allow_fp16_reduced_precision_reduction":
        lambda lib: lib.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    "mkldnn.enabled": lambda lib: lib.backends.mkldnn.enabled,
    "opt_einsum.enabled": lambda lib: lib.backends.opt_einsum.enabled,
    "opt_einsum.strategy": lambda lib: lib.backends.opt_einsum.strategy,
}
CHECKS = {
    "cudnn.is_available": lambda lib: lib.backends.cudnn.is_available(),
    "cudnn.version": lambda lib: lib.backends.cudnn.version(),
    "cuda.is_built": lambda lib: lib.backends.cuda.is_built(),
    "mps.is_available": lambda lib: lib.backends.mps.is_available(),
    "mps.is_built": lambda lib: lib.backends.mps.is_built(),
    "opt_einsum.is_available": lambda lib: lib.backends.opt_einsum.is_available(),  # without the opt-einsum package
    "opt_einsum.get_opt_einsum": lambda lib: lib.backends.opt_einsum.get_opt_einsum(),
}


@pytest.mark.parametrize("fn", FLAGS.values(), ids=FLAGS.keys())
def test_backend_flags_have_torchs_defaults(fn):
    check(fn)


@no_gpu
@pytest.mark.parametrize("fn", CHECKS.values(), ids=CHECKS.keys())
def test_backend_checks_without_a_gpu(fn):
    check(fn)


def test_flags_that_scripts_set_are_stored():
    import ember.backends.cudnn as cudnn
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        ember.backends.cuda.matmul.allow_tf32 = True
        assert ember.backends.cudnn.benchmark and ember.backends.cudnn.deterministic
        assert ember.backends.cuda.matmul.allow_tf32
    finally:
        cudnn.benchmark, cudnn.deterministic = False, False
        ember.backends.cuda.matmul.allow_tf32 = False


def test_what_ember_does_not_use_says_so():
    """Differs from PyTorch's CPU build, which has oneDNN and OpenMP: ember's CPU kernels are NumPy's."""
    assert ember.backends.mkldnn.is_available() is False and ember.backends.openmp.is_available() is False


def test_tutorial_device_selection_runs_and_trains_a_step():
    """The lines PyTorch's current beginner tutorials open with, then one step on the chosen device."""
    torch_ = ember
    device = torch_.accelerator.current_accelerator().type if torch_.accelerator.is_available() else "cpu"
    if torch_.backends.mps.is_available():
        device = "mps"
    model = torch_.nn.Linear(4, 2).to(device)
    opt = torch_.optim.SGD(model.parameters(), lr=0.01)
    x = torch_.tensor(np.ones((3, 4), np.float32), device=device)
    loss = model(x).pow(2).sum()
    loss.backward()
    opt.step()
    assert device == ("cuda" if ember.cuda.is_available() else "cpu")
    assert model(x).pow(2).sum().item() < loss.item()


def test_cpu_capability_and_small_backend_modules_as_torch():
    """backends.cpu reports what PyTorch reports on this machine; mha's, nnpack's and mkl's switches are stored and
    restored as PyTorch's (the availability checks say what ember has: no MKL or NNPACK calls)."""
    assert ember.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability()
    for lib in (torch, ember):
        assert lib.backends.mha.get_fastpath_enabled() is True
        lib.backends.mha.set_fastpath_enabled(False)
        assert lib.backends.mha.get_fastpath_enabled() is False
        lib.backends.mha.set_fastpath_enabled(True)
        with lib.backends.nnpack.flags(enabled=False), lib.backends.mkl.verbose(lib.backends.mkl.VERBOSE_ON):
            pass
    assert ember.backends.nnpack.set_flags(True) == (False,) and ember.backends.nnpack.set_flags(False) == (True,)
    assert ember.backends.mkl.is_available() is False and ember.backends.nnpack.is_available() is False


def _attention_and_compiler_flags(lib):
    import importlib
    dynamo = importlib.import_module(lib.__name__ + "._dynamo")
    attention = importlib.import_module(lib.__name__ + ".nn.attention")
    dynamo.config.suppress_errors = True
    dynamo.reset()
    cuda = lib.backends.cuda
    seen = [cuda.flash_sdp_enabled(), cuda.mem_efficient_sdp_enabled(), cuda.math_sdp_enabled()]
    with attention.sdpa_kernel([attention.SDPBackend.MATH, attention.SDPBackend.EFFICIENT_ATTENTION]):
        seen += [cuda.flash_sdp_enabled(), cuda.mem_efficient_sdp_enabled(), cuda.math_sdp_enabled()]
    cuda.enable_flash_sdp(False)
    seen += [cuda.flash_sdp_enabled(), int(attention.SDPBackend.CUDNN_ATTENTION)]
    cuda.enable_flash_sdp(True)
    with lib.backends.cudnn.flags(enabled=False, deterministic=True):
        seen += [lib.backends.cudnn.enabled, lib.backends.cudnn.deterministic]
    seen += [lib.backends.cudnn.enabled, lib.backends.cudnn.deterministic, dynamo.is_compiling(),
             dynamo.disable(lambda x: x + 1)(1)]
    return seen


def test_attention_kernel_flags_cudnn_flags_and_dynamo_names_as_torch():
    """The names scripts set around attention and torch.compile: stored and restored as PyTorch's."""
    assert _attention_and_compiler_flags(ember) == _attention_and_compiler_flags(torch)
