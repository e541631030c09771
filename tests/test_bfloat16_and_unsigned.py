"""bfloat16 (NumPy's through ml_dtypes) and the unsigned uint16/uint32/uint64 against PyTorch: attributes,
promotion, creation, printing, arithmetic and gradients in bfloat16, the few ops PyTorch gives the unsigned
types and its refusals, and checkpoints in both formats."""
import numpy as np
import pytest

import ember
from ember.serialization.safetensors import load, save

torch = pytest.importorskip("torch")

NEW = ["bfloat16", "uint16", "uint32", "uint64"]
OTHERS = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
          "complex128"] + NEW


def same_dtype(e, t):
    return str(e) == str(t).replace("torch", "ember")


@pytest.mark.parametrize("name", NEW)
def test_dtype_attributes_match_pytorch(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert same_dtype(e, t)
    assert (e.is_floating_point, e.is_complex, e.is_signed, e.itemsize) == \
           (t.is_floating_point, t.is_complex, t.is_signed, t.itemsize)
    info_e, info_t = (ember.finfo, torch.finfo) if e.is_floating_point else (ember.iinfo, torch.iinfo)
    for field in ("bits", "max", "min") + (("eps", "tiny", "resolution") if e.is_floating_point else ()):
        assert float(getattr(info_e(e), field)) == float(getattr(info_t(t), field)), field


@pytest.mark.parametrize("a", NEW)
@pytest.mark.parametrize("b", OTHERS)
def test_promotion_matches_pytorch(a, b):
    try:
        expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
            ember.promote_types(getattr(ember, a), getattr(ember, b))
        return
    if expected is torch.complex32:
        pytest.skip("ember has no complex32")
    assert same_dtype(ember.promote_types(getattr(ember, a), getattr(ember, b)), expected)


BF16_CASES = {
    "repr": lambda lib: lib.tensor([1.5, 2.25, 3.1, -0.0078125], dtype=lib.bfloat16),
    "from float32": lambda lib: lib.tensor([1.0001, 3.14159, 1e30]).to(lib.bfloat16),
    "to float32": lambda lib: lib.tensor([1.0001, 3.14159], dtype=lib.bfloat16).float(),
    "method": lambda lib: lib.ones(2, 3).bfloat16(),
    "add": lambda lib: lib.tensor([1.5, 2.25], dtype=lib.bfloat16) + lib.tensor([0.1, 8.0], dtype=lib.bfloat16),
    "with float16": lambda lib: lib.tensor([1.5, 2.25], dtype=lib.bfloat16) + lib.ones(2, dtype=lib.float16),
    "with float32": lambda lib: lib.tensor([1.5, 2.25], dtype=lib.bfloat16) * lib.full((2,), 0.3),
    "with a number": lambda lib: lib.tensor([1.5, 2.25], dtype=lib.bfloat16) * 2.5 + 1,
    "with int64": lambda lib: lib.tensor([1.5, 2.25], dtype=lib.bfloat16) + lib.arange(2),
    "sum": lambda lib: lib.arange(10).to(lib.bfloat16).sum(),
    "mean": lambda lib: lib.arange(10).to(lib.bfloat16).mean(),
    "exp": lambda lib: lib.exp(lib.tensor([0.5, 1.0, 2.0], dtype=lib.bfloat16)),
    "sigmoid": lambda lib: lib.sigmoid(lib.tensor([1.5, 2.25, 3.1], dtype=lib.bfloat16)),
    "matmul": lambda lib: lib.arange(6.0).reshape(2, 3).to(lib.bfloat16) @ lib.full((3, 2), 0.7, dtype=lib.bfloat16),
    "dot": lambda lib: lib.tensor([1.5, 2.25, 3.1], dtype=lib.bfloat16) @ lib.tensor([1.5, 2.25, 3.1],
                                                                                      dtype=lib.bfloat16),
    "relu": lambda lib: lib.relu(lib.tensor([-1.5, 2.25], dtype=lib.bfloat16)),
    "zeros": lambda lib: lib.zeros(2, 2, dtype=lib.bfloat16),
    "item": lambda lib: lib.tensor([1.1], dtype=lib.bfloat16).item(),
    "max": lambda lib: lib.tensor([1.1, -3.0], dtype=lib.bfloat16).max(),
}


@pytest.mark.parametrize("case", BF16_CASES)
def test_bfloat16_matches_pytorch(case):
    e, t = BF16_CASES[case](ember), BF16_CASES[case](torch)
    if isinstance(t, float):
        assert e == t
        return
    assert same_dtype(e.dtype, t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=4e-3)
    if case in ("repr", "from float32", "zeros", "add", "matmul"):
        assert repr(e) == repr(t).replace("torch", "ember")


def test_a_bfloat16_linear_layer_trains_as_in_pytorch():
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3)).to(lib.bfloat16)
        w = lib.tensor(np.linspace(0.2, -0.3, 6).reshape(2, 3)).to(lib.bfloat16).requires_grad_()
        loss = lib.nn.functional.linear(x, w).tanh().pow(2).sum()
        loss.backward()
        grads.append((loss.float().item(), w.grad.float().numpy(), str(w.grad.dtype)))
    assert np.isclose(grads[0][0], grads[1][0], rtol=1e-2)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=2e-2, atol=1e-2)
    assert grads[0][2] == grads[1][2].replace("torch", "ember")


def test_random_bfloat16_tensors():
    ember.manual_seed(0)
    x = ember.randn(10_000, dtype=ember.bfloat16)
    assert x.dtype is ember.bfloat16 and abs(x.float().std().item() - 1) < 0.05
    assert ember.rand(3, dtype=ember.bfloat16).dtype is ember.bfloat16


def test_bfloat16_numpy_raises_as_in_pytorch():
    with pytest.raises(TypeError, match="BFloat16"):
        ember.ones(2, dtype=ember.bfloat16).numpy()
    with pytest.raises(TypeError):
        torch.ones(2, dtype=torch.bfloat16).numpy()


UINT_CASES = {
    "repr": lambda lib, d: lib.tensor([1, 2, 70], dtype=d),
    "mul": lambda lib, d: lib.tensor([1, 2, 70], dtype=d) * lib.tensor([3, 4, 5], dtype=d),
    "sum": lambda lib, d: lib.tensor([1, 2, 70], dtype=d).sum(),
    "eq": lambda lib, d: lib.tensor([1, 2, 70], dtype=d) == 2,
    "float": lambda lib, d: lib.tensor([1, 2, 70], dtype=d).float(),
    "from int64": lambda lib, d: lib.arange(4).to(d),
    "cat": lambda lib, d: lib.cat([lib.tensor([1, 2], dtype=d), lib.tensor([3], dtype=d)]),
    "sort": lambda lib, d: lib.tensor([5, 2, 70], dtype=d).sort().values,
    "div": lambda lib, d: lib.tensor([1, 2, 70], dtype=d) / lib.tensor([2, 2, 7], dtype=d),
    "bitwise and": lambda lib, d: lib.tensor([5, 6], dtype=d) & lib.tensor([3, 3], dtype=d),
    "index": lambda lib, d: lib.tensor([1, 2, 70], dtype=d)[1:],
    "zeros": lambda lib, d: lib.zeros(2, dtype=d),
    "item": lambda lib, d: lib.tensor([7], dtype=d).item(),
    "from numpy": lambda lib, d: lib.from_numpy(np.array([1, 2], dtype=str(d).split(".")[1])),
    "promotion with int64": lambda lib, d: lib.tensor([1], dtype=d) * lib.tensor([1], dtype=lib.int64),
}


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
@pytest.mark.parametrize("case", UINT_CASES)
def test_unsigned_types_match_pytorch(name, case):
    fn = UINT_CASES[case]
    try:
        t = fn(torch, getattr(torch, name))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            fn(ember, getattr(ember, name))
        return
    e = fn(ember, getattr(ember, name))
    if not isinstance(t, torch.Tensor):
        assert e == t and type(e) is type(t)
        return
    assert same_dtype(e.dtype, t.dtype) and repr(e) == repr(t).replace("torch", "ember")


@pytest.mark.parametrize("name", NEW)
def test_checkpoints_round_trip_with_pytorch(name, tmp_path):
    values = [1, 2, 250] if name.startswith("uint") else [1.5, -2.25, 3.0]
    e = ember.tensor(values, dtype=getattr(ember, name))
    ember.save({"x": e, "p": ember.nn.Parameter(ember.ones(2, dtype=ember.bfloat16))}, tmp_path / "e.pt")
    theirs = torch.load(tmp_path / "e.pt")
    assert theirs["x"].dtype is getattr(torch, name) and theirs["x"].tolist() == values
    assert theirs["p"].dtype is torch.bfloat16 and isinstance(theirs["p"], torch.nn.Parameter)
    torch.save({"x": torch.tensor(values, dtype=getattr(torch, name))}, tmp_path / "t.pt")
    ours = ember.load(tmp_path / "t.pt")["x"]
    assert ours.dtype is getattr(ember, name) and ours.tolist() == values
    back = load(save({"x": e}))["x"]
    assert back.dtype is e.dtype and back.tolist() == values
    safetensors = pytest.importorskip("safetensors.torch")
    assert safetensors.load(save({"x": e}))["x"].tolist() == values
    assert load(safetensors.save({"x": torch.tensor(values, dtype=getattr(torch, name))}))["x"].tolist() == values
