"""ember.cuda on a machine without a GPU answers as a PyTorch built without CUDA: the same values for the queries
scripts make unconditionally, the same exception types for the calls that need a device."""
import warnings

import pytest
from parity import torch

import ember

pytestmark = pytest.mark.skipif(ember.cuda.is_available(), reason="checks the behaviour without a GPU")

QUERIES = {"is_available": (), "is_initialized": (), "device_count": (), "empty_cache": (), "memory_allocated": (),
           "max_memory_allocated": (), "memory_reserved": (), "max_memory_reserved": (), "memory_stats": (),
           "is_bf16_supported": (), "is_tf32_supported": (), "get_arch_list": (), "get_rng_state_all": (),
           "manual_seed": (1,), "manual_seed_all": (1,), "seed": (), "seed_all": ()}
NEEDS_A_DEVICE = {"current_device": (), "synchronize": (), "get_device_name": (), "get_device_properties": (0,),
                  "get_device_capability": (), "init": (), "mem_get_info": (), "initial_seed": (),
                  "get_rng_state": (), "ipc_collect": (), "current_stream": (), "default_stream": (),
                  "set_per_process_memory_fraction": (0.5,)}


@pytest.mark.parametrize("name", QUERIES)
def test_queries_answer_as_without_cuda(name):
    values = [getattr(lib.cuda, name)(*QUERIES[name]) for lib in (torch, ember)]
    assert values[1] == values[0] and type(values[1]) is type(values[0])


@pytest.mark.parametrize("name", NEEDS_A_DEVICE)
def test_device_calls_raise_as_without_cuda(name):
    for lib in (torch, ember):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            getattr(lib.cuda, name)(*NEEDS_A_DEVICE[name])


@pytest.mark.parametrize("call", ["cuda()", "to('cuda')", "device='cuda'", "module.cuda()"])
def test_moving_to_cuda_raises_as_without_cuda(call):
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {"cuda()": lambda: lib.ones(2).cuda(), "to('cuda')": lambda: lib.ones(2).to("cuda"),
                    "device='cuda'": lambda: lib.ones(2, device="cuda"),
                    "module.cuda()": lambda: lib.nn.Linear(2, 2).cuda()}[call]()
    for lib in (torch, ember):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            run(lib)


def test_contexts_streams_and_events_as_without_cuda():
    for lib in (torch, ember):
        with lib.cuda.device(-1), lib.cuda.stream(None):
            pass
        with pytest.raises(RuntimeError, match="compiled without CUDA support"):
            with lib.cuda.device(0):
                pass
        with pytest.raises(RuntimeError, match="torch.cuda.Stream requires CUDA support"):
            lib.cuda.Stream()
        with pytest.raises(RuntimeError):
            lib.cuda.Event(enable_timing=True)
