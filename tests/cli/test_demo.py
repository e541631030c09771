"""`ember demo`: its options, short runs on scikit-learn's digits (in process and as `python -m ember demo`) and
on the real MNIST, the pictures and checkpoint it writes, the offline fallback and the missing-extra message."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MNIST_FILES

import ember
from ember.cli import demo, demo_data, main
from ember.cli.demo_model import LeNet

PICTURES = ["curves.png", "predictions.png", "filters.png", "feature_maps.png"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUICK = ["--epochs", "1", "--batch-size", "32", "--limit", "128"]


@pytest.fixture
def extras():
    """Skip where the demo extra (matplotlib, tqdm, scikit-learn) or Pillow is absent."""
    for module in ("matplotlib", "tqdm", "sklearn", "PIL.Image"):
        pytest.importorskip(module)


def accuracies(output: str) -> list[float]:
    """The test accuracies (%) printed after each epoch."""
    return [float(a) for a in re.findall(r"test accuracy (\d+(?:\.\d+)?)%", output)]


def check_output_folder(folder: Path) -> None:
    """The four pictures are PNG files that Pillow reads, and lenet.pt loads into a fresh LeNet."""
    from PIL import Image

    for name in PICTURES:
        path = folder / name
        assert path.read_bytes()[:8] == PNG_MAGIC, name
        with Image.open(path) as image:
            width, height = image.size
        assert width >= 200 and height >= 150, (name, image.size)
    model = LeNet()
    model.load_state_dict(ember.load(folder / "lenet.pt"))
    assert model(ember.zeros(2, 1, 32, 32)).shape == (2, 10)


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--data", "--epochs", "--batch-size", "--lr", "--device", "--output", "--seed", "--limit",
                   "--workers", "sklearn-digits", "pip install -e '.[demo]'"):
        assert option in text, option


def test_demo_on_sklearn_digits_in_process(extras, tmp_path, capsys):
    assert main(["demo", "--data", "sklearn-digits", *QUICK, "--output", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "scikit-learn's 8x8 digits" in out
    [accuracy] = accuracies(out)
    assert 0 <= accuracy <= 100
    check_output_folder(tmp_path / "a")
    assert str(tmp_path / "a" / "lenet.pt") in out

    assert main(["demo", "--data", "sklearn-digits", *QUICK, "--output", str(tmp_path / "b")]) == 0
    assert accuracies(capsys.readouterr().out) == [accuracy]
    first, second = (ember.load(tmp_path / run / "lenet.pt") for run in "ab")
    assert all(ember.equal(first[name], second[name]) for name in first)


def test_python_m_ember_demo(extras, tmp_path):
    result = subprocess.run([sys.executable, "-m", "ember", "demo", "--data", "sklearn-digits", *QUICK,
                             "--device", "cpu", "--output", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert len(accuracies(result.stdout)) == 1
    assert "img/s" in result.stderr  # tqdm's bar
    check_output_folder(tmp_path)


def test_demo_on_real_mnist(extras, tmp_path, capsys):
    if not (MNIST_FILES / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the MNIST files are not in {MNIST_FILES}")
    args = ["demo", "--data", str(MNIST_FILES), "--epochs", "1", "--limit", "2048", "--batch-size", "32", "--lr",
            "0.05", "--output", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"MNIST from {MNIST_FILES}" in out
    [accuracy] = accuracies(out)
    assert accuracy > 50  # 64 steps already teach LeNet most digits
    check_output_folder(tmp_path)


def test_mnist_in_torchvision_layout(extras, mnist_root):
    data = demo_data.load_data(str(mnist_root), demo_data.default_cache(), limit=10)
    assert len(data.train) == 10 and len(data.test) == 10000
    image, label = data.train[0]
    assert image.shape == (1, 32, 32) and label == 5


def test_offline_without_data_falls_back_to_sklearn_digits(extras, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo_data, "reachable", lambda url: False)
    data = demo_data.load_data(None, tmp_path / "cache", limit=None)
    assert data.source.startswith("scikit-learn's 8x8 digits") and "cannot be downloaded" in capsys.readouterr().out
    assert len(data.train) == 1500 and len(data.test) == 297
    image, _ = data.test[0]
    assert image.shape == (1, 32, 32) and -1 <= float(image.min()) and float(image.max()) <= 1


def test_unreachable_host_is_found_fast():
    assert demo_data.reachable("https://ember-demo.invalid/mnist/") is False


def test_a_folder_without_mnist_is_an_error_message(extras, tmp_path, capsys):
    assert main(["demo", "--data", str(tmp_path), "--output", str(tmp_path / "out")]) == 1
    assert "Dataset not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unknown_device_is_an_error_message(extras, tmp_path, capsys):
    assert main(["demo", "--device", "tpu", "--output", str(tmp_path / "out")]) == 1
    assert "tpu" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_missing_extra_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(demo.EXTRAS, "ember_absent_module", "absent-package")
    assert main(["demo", "--data", "sklearn-digits", "--output", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "absent-package" in err and "pip install -e '.[demo]'" in err
    assert not (tmp_path / "lenet.pt").exists()
