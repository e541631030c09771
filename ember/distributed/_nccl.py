"""The 'nccl' backend's checks: a CUDA GPU and CuPy's NCCL bindings.

Until ember has run on a GPU, a 'nccl' group moves CUDA tensors through host memory over MPI (correct, not
fast); docs/distributed.md says so."""
from .. import backend


def is_available() -> bool:
    """True if CuPy, a CUDA device and CuPy's NCCL bindings are present."""
    if backend.cupy is None:
        return False
    try:
        from cupy.cuda import nccl  # optional: cupy
        return nccl.available and backend.cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no NCCL in this CuPy, or no usable CUDA driver
        return False


def check_available() -> None:
    """Raise RuntimeError naming what is missing when the 'nccl' backend cannot run here."""
    if not is_available():
        raise RuntimeError("backend 'nccl' needs a CUDA GPU and CuPy with NCCL (pip install 'ember[gpu]'); "
                           "none found here: use backend='mpi' (or 'gloo') for CPU tensors")
