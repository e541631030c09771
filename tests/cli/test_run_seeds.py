"""The snippets of ../shared/seeds/, typos fixed, as one PyTorch script per seed (scripts/seed_00N.py), run
unchanged by `ember run`: each exits with status 0 and prints the values its seed shows where they do not depend
on random numbers. Where PyTorch is installed each script also runs under plain `python`, and ember prints what
PyTorch prints, up to the values drawn at random; the torchvision parts (seeds 002 and 003) run on ember only,
torchvision not being installed beside PyTorch. Seed 003 reads the real MNIST (skips where ../shared/data is
absent)."""
import importlib.util
import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

SCRIPTS = pathlib.Path(__file__).parent / "scripts"
ADDRESS = re.compile(r" object at 0x[0-9a-f]+>")
FLOAT = re.compile(r"-?\d+\.\d*(?:e[+-]\d+)?")
NO_TORCHVISION = "torchvision is not installed"


def run(command: list[str], cwd: pathlib.Path) -> list[str]:
    """The lines `command` prints in `cwd`, once it has exited with status 0 (one BLAS thread: few cores)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> pathlib.Path:
    """The folder the scripts run in."""
    return tmp_path_factory.mktemp("seeds")


@pytest.fixture(scope="module")
def ember_output(workdir):
    """`ember_output(script, *args)`: the lines `ember run script args` prints; each script runs once."""
    outputs = {}

    def output(script: str, *args: str) -> list[str]:
        if script not in outputs:
            outputs[script] = run([sys.executable, "-m", "ember", "run", str(SCRIPTS / script), *args], workdir)
        return outputs[script]
    return output


def torch_output(script: str, cwd: pathlib.Path) -> list[str]:
    """The lines `python script` prints with PyTorch (skips where PyTorch is not installed)."""
    pytest.importorskip("torch")
    return run([sys.executable, str(SCRIPTS / script)], cwd)


def before_torchvision(torch_lines: list[str]) -> list[str]:
    """PyTorch's output up to where the script stopped for want of torchvision (skips where it is installed:
    the torchvision part draws other random data under PyTorch)."""
    if importlib.util.find_spec("torchvision") is not None:
        pytest.skip("torchvision is installed beside PyTorch")
    assert torch_lines[-2].startswith(NO_TORCHVISION) and torch_lines[-1] == "OK", torch_lines[-2:]
    return torch_lines[:-2]


def normalise(line: str) -> str:
    """A printed line with ember's name as PyTorch's and object addresses left out."""
    return ADDRESS.sub(" object>", re.sub(r"\bember\.", "torch.", line))


def without_floats(line: str) -> str:
    """The line with its floating-point numbers and spaces left out: the layout around random values."""
    return re.sub(r"\s+", "", FLOAT.sub("F", line))


def assert_same_output(ember_lines: list[str], torch_lines: list[str]) -> None:
    """Assert ember printed PyTorch's lines, normalised; a line may differ in its floating-point numbers only
    (the values drawn at random: the two libraries draw different numbers from the same seed)."""
    assert len(ember_lines) == len(torch_lines), (ember_lines, torch_lines)
    for number, (e, t) in enumerate(zip(ember_lines, torch_lines), 1):
        e, t = normalise(e), normalise(t)
        if e != t:
            assert without_floats(e) == without_floats(t), f"line {number}: ember {e!r}, PyTorch {t!r}"


def assert_has_block(lines: list[str], block: str) -> None:
    """Assert the lines hold the consecutive lines of `block`."""
    text = "\n".join(lines)
    assert block.strip("\n") in text, f"{block!r} not in\n{text}"


def assert_has_match(lines: list[str], pattern: str) -> None:
    """Assert one of the lines matches the regular expression `pattern` in full."""
    assert any(re.fullmatch(pattern, line) for line in lines), f"{pattern!r} matches none of\n" + "\n".join(lines)


def floats(line: str) -> list[float]:
    """The floating-point numbers printed on the line."""
    return [float(x) for x in FLOAT.findall(line)]


# ---- 000: F.conv2d and nn.Conv2d, and their gradients ---------------------------------------------------
ONES = """
tensor([[[[1., 1., 1.],
          [1., 1., 1.],
          [1., 1., 1.]]]]"""


def test_seed_000_convolution_gradients(ember_output):
    lines = ember_output("seed_000.py")
    assert lines[0] == "ember.Size([1, 1, 3, 3])"
    assert_has_block(lines, ONES + ", requires_grad=True)\ntensor([[[[9.]]]], grad_fn=<ConvolutionBackward0>)")
    assert re.fullmatch(r"<ConvolutionBackward0 object at 0x[0-9a-f]+>", lines[5])
    assert_has_block(lines, ONES + ")\n" + ONES.strip() + ", requires_grad=True)\nParameter containing:")
    assert_has_match(lines, r"tensor\(\[\[\[\[-?\d\.\d{4}\]\]\]\], grad_fn=<ConvolutionBackward0>\)")
    assert "None" in lines
    assert lines[-3:] == ["grad equals weight: True", "out equals weight sum plus bias: True", "OK"]


def test_seed_000_prints_as_pytorch(ember_output, workdir):
    assert_same_output(ember_output("seed_000.py"), torch_output("seed_000.py", workdir))


# ---- 001: a LeNet, its parameters, the MSE loss and its graph ---------------------------------------------
LENET_5X5 = """
Net(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
10
ember.Size([6, 1, 5, 5])
tensor([["""


def test_seed_001_net_loss_and_graph(ember_output):
    lines = ember_output("seed_001.py")
    assert_has_block(lines, LENET_5X5)
    assert_has_match(lines, r"tensor\(\d+\.\d{4}, grad_fn=<MseLossBackward0>\)")  # float32 for an int64 target
    graph = [re.sub(r" object at 0x[0-9a-f]+>", ">", line) for line in lines[-5:-2]]
    assert graph == ["<MseLossBackward0>", "<AddmmBackward0>", "<AccumulateGrad>"]
    assert lines[-2:] == ["ember.Size([1, 10]) ember.Size([]) ember.float32", "OK"]


def test_seed_001_prints_as_pytorch(ember_output, workdir):
    assert_same_output(ember_output("seed_001.py"), torch_output("seed_001.py", workdir))


# ---- 002: tensors, autograd, a Net and its training step, CIFAR10's loaders --------------------------------
NUMPY_BRIDGE = """
tensor([1., 1., 1., 1., 1.])
[1. 1. 1. 1. 1.]
tensor([2., 2., 2., 2., 2.])
[2. 2. 2. 2. 2.]
[2. 2. 2. 2. 2.]
tensor([2., 2., 2., 2., 2.], dtype=ember.float64)
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)"""
AUTOGRAD = """
tensor([[27., 27.],
        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)
False
True"""
GRADIENT = """
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])"""
NO_GRAD = """
True
True
False
True
False
tensor(True)
Net(
  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(3, 3), stride=(1, 1))
  (fc1): Linear(in_features=576, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
10
ember.Size([6, 1, 3, 3])"""
BACKWARD = """
conv1.bias.grad before backward
None
conv1.bias.grad after backward
tensor(["""
LOADERS = """
SGD 10
10 2
ember.Size([4, 3, 32, 32]) ember.Size([4]) ember.float32 ember.int64
True
40"""
CLASSES = "plane|car|bird|cat|deer|dog|frog|horse|ship|truck"


def test_seed_002_tensors_autograd_net_and_loaders(ember_output):
    lines = ember_output("seed_002.py")
    assert lines[0] == "ember.Size([5, 3])"
    assert "ember.Size([4, 4]) ember.Size([16]) ember.Size([2, 8])" in lines
    for block in (NUMPY_BRIDGE, AUTOGRAD, GRADIENT, NO_GRAD, BACKWARD, LOADERS):
        assert_has_block(lines, block)
    assert_has_match(lines, r"<AddBackward0 object at 0x[0-9a-f]+>")
    assert_has_match(lines, r"<SumBackward0 object at 0x[0-9a-f]+>")
    assert_has_match(lines, rf"( *({CLASSES})){{4}}")
    assert lines[-1] == "OK"


def test_seed_002_vector_jacobian_product(ember_output):
    lines = ember_output("seed_002.py")
    y = next(i for i, line in enumerate(lines) if line.endswith("grad_fn=<MulBackward0>)"))
    grad = floats(lines[y + 1])  # v * 2**k for v = [0.1, 1.0, 0.0001], with k the doublings that y took
    k = math.log2(grad[1])
    assert k == int(k) and grad == pytest.approx([0.1 * 2 ** k, 2 ** k, 1e-4 * 2 ** k], rel=1e-3)


def test_seed_002_prints_as_pytorch(ember_output, workdir):
    torch_lines = before_torchvision(torch_output("seed_002.py", workdir))
    assert_same_output(ember_output("seed_002.py")[:len(torch_lines)], torch_lines)


# ---- 003: convolutions, MNIST's loaders, and a look at the data, weights, feature maps ----------------------
LAYERS = [
    "Conv2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))",
    "ember.Size([20, 33, 26, 100])",
    "ember.Size([1, 8, 5, 5])",
    "60000 10000",
    "ember.Size([8, 1, 28, 28]) ember.Size([8])",
    "ember.Size([28, 28])",
    "(28, 28)",
    "()",
    "LABEL",
    "Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))",
    "Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))",
    "ember.Size([20, 1, 5, 5])",
    "(20, 1, 5, 5)",
    "ember.Size([8, 1, 28, 28])",
    "(1, 20, 24, 24)",
    "(28, 28)",
    "ember.Size([1, 20, 12, 12])",
    "(1, 20, 12, 12)",
    "ember.Size([28, 28])",
    "ember.Size([1, 784])",
    "ember.Size([1, 10])",
    "ember.Size([1, 10]) False",
    "1.0",
    "ember.Size([4, 3, 28, 28])",
    "ember.Size([4, 20, 24, 24])",
    "True",
    "Adam",
    "SGD",
    "OK",
]
PLOTS = ["image.png", "weight.png", "conv.png", "pool.png", "linear.png"]


def run_seed_003(ember_output, mnist_root, workdir) -> list[str]:
    """seed_003.py's lines, reading MNIST from mnist_root and saving its figures in workdir/plots."""
    (workdir / "plots").mkdir(exist_ok=True)
    return ember_output("seed_003.py", str(mnist_root), str(workdir / "plots"))


def test_seed_003_layers_on_mnist(ember_output, mnist_root, workdir):
    lines = run_seed_003(ember_output, mnist_root, workdir)
    tail = lines[-len(LAYERS):]
    assert re.fullmatch(r"array\(\d\)", tail[LAYERS.index("LABEL")])
    assert [line for line in tail if not line.startswith("array(")] == [x for x in LAYERS if x != "LABEL"]
    assert lines[0].startswith("tensor([[[[") and lines[-len(LAYERS) - 1].endswith("grad_fn=<ConvolutionBackward0>)")
    if importlib.util.find_spec("matplotlib") is not None:
        assert sorted(p.name for p in (workdir / "plots").iterdir()) == sorted(PLOTS)


def test_seed_003_prints_as_pytorch(ember_output, mnist_root, workdir):
    torch_lines = before_torchvision(torch_output("seed_003.py", workdir))
    assert_same_output(run_seed_003(ember_output, mnist_root, workdir)[:len(torch_lines)], torch_lines)


# ---- 004: tensor arithmetic and a two-layer network trained by hand ---------------------------------------
ARITHMETIC = """
tensor([[[10., 12.],
         [ 6.,  8.]],

        [[10., 12.],
         [14., 16.]]])
tensor([[[-8., -8.],
         [ 0.,  0.]],

        [[ 0.,  0.],
         [ 0.,  0.]]])
tensor([[[ 9., 20.],
         [ 9., 16.]],

        [[25., 36.],
         [49., 64.]]])
tensor([[[0.1111, 0.2000],
         [1.0000, 1.0000]],

        [[1.0000, 1.0000],
         [1.0000, 1.0000]]])
tensor([[[ 15.,  18.],
         [ 39.,  46.]],

        [[ 67.,  78.],
         [ 91., 106.]]])"""


def test_seed_004_arithmetic_and_training_by_hand(ember_output):
    lines = ember_output("seed_004.py")
    assert "\n".join(lines).startswith(ARITHMETIC.strip("\n"))
    iterations = [line for line in lines if line.startswith("Iteration:")]
    assert [line.split()[1] for line in iterations] == ["100", "200", "300", "400", "500"]
    losses = [floats(line)[0] for line in iterations]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1e-2
    assert lines[-2:] == ["True 0.0 SumBackward0", "OK"]


def test_seed_004_prints_as_pytorch(ember_output, workdir):
    assert_same_output(ember_output("seed_004.py"), torch_output("seed_004.py", workdir))
