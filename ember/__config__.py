"""torch.__config__: what this build of ember runs on (show) and its thread pools (parallel_info), as text."""
import os

__all__ = ["show", "parallel_info"]


def show() -> str:
    """The libraries and devices ember runs on (the report of `ember info`), as PyTorch's build configuration."""
    from .cli.info import report  # lazy: the report imports SciPy and threadpoolctl
    return "ember built with:\n" + "\n".join(f"  - {line}" for line in report().splitlines()) + "\n"


def parallel_info() -> str:
    """The thread counts ember uses (its own and its BLAS's), as PyTorch's ATen/Parallel report."""
    from . import get_num_interop_threads, get_num_threads
    from .cli.info import blas_lines
    lines = ["ember/Parallel:", f"\tember.get_num_threads() : {get_num_threads()}",
             f"\tember.get_num_interop_threads() : {get_num_interop_threads()}"]
    lines += [f"BLAS: {line}" for line in blas_lines()]
    lines += [f"os.cpu_count() : {os.cpu_count()}"]
    return "\n".join(lines) + "\n"
