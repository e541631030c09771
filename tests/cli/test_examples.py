"""The scripts in examples/ are PyTorch scripts: they run unchanged through `ember run` (and, where PyTorch is
installed and the script needs no torchvision, under PyTorch itself)."""
import pathlib
import re
import subprocess
import sys

import pytest

import ember

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def ember_run(script: str, *args: str, cwd) -> subprocess.CompletedProcess:
    """`python -m ember run examples/<script> *args` in `cwd`."""
    return subprocess.run([sys.executable, "-m", "ember", "run", str(EXAMPLES / script), *args], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def accuracy(output: str) -> float:
    """The accuracy that quickstart.py prints, as a fraction."""
    return float(re.search(r"accuracy ([\d.]+)%", output).group(1)) / 100


def test_quickstart_learns_the_moons(tmp_path):
    result = ember_run("quickstart.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert accuracy(result.stdout) >= 0.97


def test_quickstart_is_a_pytorch_script(tmp_path):
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")], check=False, capture_output=True,
                            text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert accuracy(result.stdout) >= 0.97


def test_mnist_example_trains_tests_and_saves(mnist_root, tmp_path):
    result = ember_run("mnist.py", "--data", str(mnist_root), "--dry-run", "--save-model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"epoch 1 \[0/60000\] loss [\d.]+\ntest: average loss [\d.]+, accuracy \d+/1000 \([\d.]+%\)\n",
                        result.stdout)
    state = ember.load(tmp_path / "mnist_cnn.pt")
    assert list(state) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
                           "fc2.weight", "fc2.bias"]
    assert state["fc1.weight"].shape == (128, 9216)
    torch = pytest.importorskip("torch")
    assert torch.load(tmp_path / "mnist_cnn.pt")["conv1.weight"].shape == (32, 1, 3, 3)



def spectral_figures(output: str) -> tuple[float, float, float, float]:
    """(snr before, snr after, gain inside the band, gain outside) that spectral.py prints."""
    snr = re.search(r"snr before ([\d.-]+) dB, after ([\d.-]+) dB", output)
    gain = re.search(r"inside the band ([\d.]+), outside ([\d.]+)", output)
    return float(snr.group(1)), float(snr.group(2)), float(gain.group(1)), float(gain.group(2))


def test_spectral_learns_a_complex_filter_with_fft(tmp_path):
    result = ember_run("spectral.py", "--save-model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    before, after, inside, outside = spectral_figures(result.stdout)
    assert after > before + 5 and inside > 0.7 and outside < 0.1
    assert "spectrogram (17, 17)" in result.stdout
    assert "saved and loaded: ember.complex64, same output: True" in result.stdout
    torch = pytest.importorskip("torch")
    assert torch.load(tmp_path / "spectral_filter.pt")["response"].dtype is torch.complex64


def test_spectral_is_a_pytorch_script(tmp_path):
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, str(EXAMPLES / "spectral.py"), "--steps", "100"], check=False,
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    before, after, inside, outside = spectral_figures(result.stdout)
    assert after > before + 5 and inside > 0.7 and outside < 0.1
