"""`ember info` prints the facts a bug report needs; `ember` alone and `ember --help` list the commands."""
import subprocess
import sys

import numpy as np
import scipy

import ember
from ember.cli import main


def report(capsys) -> dict[str, list[str]]:
    """`ember info`'s lines, grouped by their key."""
    assert main(["info"]) == 0
    rows: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        key, value = line.split("  ", 1)
        rows.setdefault(key.strip(), []).append(value.strip())
    return rows


def test_info_names_versions_blas_threads_devices_and_extras(capsys):
    rows = report(capsys)
    assert rows["ember"] == [ember.__version__]
    assert rows["NumPy"] == [np.__version__] and rows["SciPy"] == [scipy.__version__]
    assert rows["Python"][0].startswith(sys.version.split()[0]) and sys.executable in rows["Python"][0]
    assert all("threads" in line for line in rows["BLAS"]) and rows["BLAS"] != ["none found"]
    assert rows["threads"][0].startswith(f"{ember.get_num_threads()} ")
    cuda = rows["CUDA"]
    assert cuda[0].startswith("cuda:0 ") if ember.cuda.is_available() else cuda[0].startswith("not available")
    assert rows["pillow [vision]"] != ["not installed"]  # the test extra brings it
    assert "cupy-cuda12x [gpu]" in rows and "onnxruntime [onnx]" in rows and "mpi4py [distributed]" in rows


def test_info_follows_the_thread_setting(capsys):
    threads = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert report(capsys)["threads"][0].startswith("1 ")
    finally:
        ember.set_num_threads(threads)


def test_ember_alone_and_help_list_the_commands():
    bare = subprocess.run([sys.executable, "-m", "ember"], check=False, capture_output=True, text=True)
    assert bare.returncode == 2
    helped = subprocess.run([sys.executable, "-m", "ember", "--help"], check=False, capture_output=True, text=True)
    assert helped.returncode == 0 and helped.stdout == bare.stdout
    for command in ("run", "demo", "info"):
        assert f"    {command} " in helped.stdout
    info = subprocess.run([sys.executable, "-m", "ember", "info"], check=False, capture_output=True, text=True)
    assert info.returncode == 0 and info.stdout.startswith("ember ")


def test_the_cpu_is_named(capsys):
    from ember.cli.info import cpu_name
    name = cpu_name()
    assert name and report(capsys)["CPU"] == [name]
