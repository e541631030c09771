"""Checkpoint benchmarks of the checkpoints issue: save and load of a 100 MB state_dict (50 float32 tensors of
512 x 1024, as a model's layers), ember.save/load against torch.save/load, load with mmap=True, and the
safetensors format against the safetensors package."""
import pathlib

import numpy as np

LAYERS = 50
SHAPE = (512, 1024)


def state_dict(lib) -> dict:
    rng = np.random.default_rng(0)
    return {f"layer{i}.weight": lib.from_numpy(rng.standard_normal(SHAPE, dtype=np.float32)) for i in range(LAYERS)}


def workloads(folder: pathlib.Path):
    """(name, make(lib) -> callable, calls per timing) for each checkpoint workload, writing files into `folder`."""
    def save(lib):
        sd, path = state_dict(lib), folder / f"{lib.__name__}-save.pt"
        return lambda: lib.save(sd, path)

    def saved(lib) -> pathlib.Path:
        path = folder / f"{lib.__name__}-load.pt"
        lib.save(state_dict(lib), path)
        return path

    def load(lib):
        path = saved(lib)
        return lambda: lib.load(path)

    def load_mmap(lib):
        path = saved(lib)
        return lambda: lib.load(path, mmap=True)

    rows = [("save 100 MB state_dict", save, 1), ("load 100 MB state_dict", load, 1),
            ("load 100 MB mmap=True", load_mmap, 10)]
    try:
        import safetensors.torch as package
    except ImportError:
        return rows

    def safetensors_module(lib):
        return package if lib.__name__ == "torch" else lib.safetensors

    def st_save(lib):
        sd, path = state_dict(lib), folder / f"{lib.__name__}-save.safetensors"
        return lambda: safetensors_module(lib).save_file(sd, path)

    def st_load(lib):
        path = folder / f"{lib.__name__}-load.safetensors"
        safetensors_module(lib).save_file(state_dict(lib), path)
        return lambda: safetensors_module(lib).load_file(path)

    return rows + [("safetensors save_file 100 MB", st_save, 1), ("safetensors load_file 100 MB", st_load, 1)]
