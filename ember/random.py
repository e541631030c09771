"""ember.random: the random number state functions as a module (torch.random), and fork_rng."""
import contextlib

from . import cuda
from ._random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda"):
    """Run the block with the random number state saved beforehand and restored afterwards (the CPU's, and the
    GPU's when there is one), so that what the block draws does not change what the rest of the program draws."""
    if not enabled:
        yield
        return
    cpu_state = get_rng_state()
    gpu_state = cuda.get_rng_state() if cuda.is_available() and hasattr(cuda, "get_rng_state") else None
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        if gpu_state is not None:
            cuda.set_rng_state(gpu_state)
