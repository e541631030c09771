"""Names scripts import that sit outside the main API: torch.cuda.amp/memory/nvtx as modules, the cuda RNG state
functions of a CPU build, torch.__config__, Generator.clone_state, torch.utils.model_zoo and
torch.utils.data._utils.collate."""
import subprocess
import sys

import pytest
from parity import torch

import ember


def test_cuda_submodules_import_as_in_scripts(tmp_path):
    script = tmp_path / "amp_script.py"
    script.write_text("from torch.cuda.amp import autocast, GradScaler\nimport torch.cuda.memory\n"
                      "import torch.cuda.nvtx\nprint(autocast.__name__, GradScaler.__name__, "
                      "torch.cuda.memory.memory_allocated())\n")
    done = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["autocast", "GradScaler", "0"]


def test_cuda_rng_state_of_a_cpu_build_as_torch():
    for lib in (ember, torch):
        states = lib.cuda.get_rng_state_all()
        assert states == []
        lib.cuda.set_rng_state_all(states)
        lib.cuda.set_rng_state(lib.ByteTensor(5))  # deferred to a GPU that never comes


@pytest.mark.parametrize("call", [lambda nvtx: nvtx.range_push("a"), lambda nvtx: nvtx.range_pop(),
                                  lambda nvtx: nvtx.mark("a"), lambda nvtx: nvtx.range("a").__enter__()])
def test_nvtx_without_a_gpu_build_raises_as_torch(call):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="NVTX functions not installed"):
            call(lib.cuda.nvtx)


def test_config_reports_text():
    assert "NumPy" in ember.__config__.show()
    info = ember.__config__.parallel_info()
    assert f"ember.get_num_threads() : {ember.get_num_threads()}" in info


def test_generator_clone_state_draws_the_same_as_torch():
    for lib in (ember, torch):
        g = lib.Generator().manual_seed(3)
        lib.rand(2, generator=g)
        h = g.clone_state()
        assert h.initial_seed() == g.initial_seed() == 3
        assert lib.equal(lib.rand(4, generator=g), lib.rand(4, generator=h))


def test_model_zoo_load_url_is_hubs():
    import ember.utils.model_zoo
    assert ember.utils.model_zoo.load_url is ember.hub.load_state_dict_from_url


def test_collate_extension_through_the_private_path_as_torch():
    class Point:
        def __init__(self, v):
            self.v = v

    results = []
    for lib in (ember, torch):
        from importlib import import_module
        collate_module = import_module(f"{lib.__name__}.utils.data._utils.collate")
        fn_map = {**collate_module.default_collate_fn_map,
                  Point: lambda batch, *, collate_fn_map=None, lib=lib: lib.tensor([p.v for p in batch])}
        a, b = collate_module.collate([(Point(1), 1.0), (Point(2), 2.0)], collate_fn_map=fn_map)
        results.append((a.tolist(), b.tolist(), str(b.dtype).split(".")[1]))
        assert collate_module.default_collate([1, 2]).tolist() == [1, 2]
    assert results[0] == results[1]
