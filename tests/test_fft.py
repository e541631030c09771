"""ember.fft against torch.fft: values, dtypes, shapes, graph node names and gradients of every transform, over
sizes that cut and pad, dims, normalizations, real and complex input; bad input; a filter script."""
import numpy as np
import pytest

import ember
from parity import check, randn, second_order

torch = pytest.importorskip("torch")

NORMS = [None, "backward", "forward", "ortho"]
REAL = randn(3, 8)
ODD = randn(2, 7, seed=1)
CPLX = randn(3, 5, dtype=np.complex128, seed=2)


@pytest.mark.parametrize("name", ["fft", "ifft"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 5, 11])
@pytest.mark.parametrize("data", ["real", "complex"])
def test_fft_and_ifft_match_pytorch(name, norm, n, data):
    x = REAL if data == "real" else CPLX
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, norm=norm), x)
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, dim=0, norm=norm), x)


@pytest.mark.parametrize("name", ["rfft", "ihfft"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 4, 7, 12])
@pytest.mark.parametrize("x", [REAL, ODD], ids=["even", "odd"])
def test_real_input_transforms_match_pytorch(name, norm, n, x):
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, norm=norm), x)
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, dim=0, norm=norm), x)


@pytest.mark.parametrize("name", ["irfft", "hfft"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 4, 7, 8, 9, 13])
def test_hermitian_input_transforms_match_pytorch(name, norm, n):
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, norm=norm), CPLX)
    check(lambda lib, x: getattr(lib.fft, name)(x, n=n, dim=0, norm=norm), CPLX)


NDIM = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
REAL_ONLY = {"rfft2", "ihfft2", "rfftn", "ihfftn"}


@pytest.mark.parametrize("name", NDIM)
@pytest.mark.parametrize("norm", NORMS)
def test_multidimensional_transforms_match_pytorch(name, norm):
    x = randn(2, 3, 6) if name in REAL_ONLY else randn(2, 3, 4, dtype=np.complex128, seed=3)
    fn = getattr(torch.fft, name)
    check(lambda lib, x: getattr(lib.fft, name)(x, norm=norm), x)
    check(lambda lib, x: getattr(lib.fft, name)(x, s=(4, 5), norm=norm), x)
    check(lambda lib, x: getattr(lib.fft, name)(x, s=(3, -1), dim=(0, 2), norm=norm), x)
    check(lambda lib, x: getattr(lib.fft, name)(x, dim=(2, 0), norm=norm), x)
    if name.endswith("n"):
        check(lambda lib, x: getattr(lib.fft, name)(x, s=(5,), norm=norm), x)
        check(lambda lib, x: getattr(lib.fft, name)(x, dim=1, norm=norm), x)
    assert fn  # the name exists in PyTorch too


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex64, np.complex128, np.bool_])
def test_result_dtypes_follow_pytorch(dtype):
    x = (randn(6) * 3).astype(dtype)
    for name in ("fft", "ifft", "hfft", "irfft", "fftn"):
        check(lambda lib, x: getattr(lib.fft, name)(x), x)
    if np.dtype(dtype).kind != "c":
        for name in ("rfft", "ihfft", "rfftn"):
            check(lambda lib, x: getattr(lib.fft, name)(x), x)


def test_second_order_gradients_match_pytorch():
    check(second_order(lambda lib, x: lib.fft.rfft(x * x).abs()), REAL)
    check(second_order(lambda lib, z: lib.fft.irfft(z * z, n=9)), CPLX)
    check(second_order(lambda lib, z: lib.fft.fft2(z.exp())), CPLX)


def test_inverse_transforms_undo_the_forward_ones():
    x = ember.tensor(REAL)
    z = ember.tensor(CPLX)
    np.testing.assert_allclose(ember.fft.irfft(ember.fft.rfft(x), n=8).numpy(), REAL, atol=1e-12)
    np.testing.assert_allclose(ember.fft.ifft(ember.fft.fft(z)).numpy(), CPLX, atol=1e-12)
    hermitian = CPLX.copy()
    hermitian[:, 0] = hermitian[:, 0].real  # the imaginary part at frequency 0 is not part of a Hermitian signal
    np.testing.assert_allclose(ember.fft.ihfft(ember.fft.hfft(z, n=9), n=9).numpy(), hermitian, atol=1e-12)
    np.testing.assert_allclose(ember.fft.irfftn(ember.fft.rfftn(x), s=x.shape).numpy(), REAL, atol=1e-12)


def test_out_argument_matches_pytorch():
    results = []
    for lib in (ember, torch):
        out = lib.empty(5, dtype=lib.complex128)
        r = lib.fft.rfft(lib.tensor(REAL[0]), out=out)
        results.append((r is out, out.numpy().copy()))
    assert results[0][0] and results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1])


BAD = {
    "rfft of complex": lambda lib: lib.fft.rfft(lib.ones(4, dtype=lib.complex64)),
    "ihfft of complex": lambda lib: lib.fft.ihfft(lib.ones(4, dtype=lib.complex64)),
    "bad norm": lambda lib: lib.fft.fft(lib.ones(4), norm="bad"),
    "n of 0": lambda lib: lib.fft.fft(lib.ones(4), n=0),
    "irfft n of 0": lambda lib: lib.fft.irfft(lib.ones(4, dtype=lib.complex64), n=0),
    "irfft of one frequency": lambda lib: lib.fft.irfft(lib.ones(1, dtype=lib.complex64)),
    "dim out of range": lambda lib: lib.fft.fft(lib.ones(4), dim=3),
    "fft2 of a vector": lambda lib: lib.fft.fft2(lib.ones(4)),
    "float16": lambda lib: lib.fft.fft(lib.ones(4, dtype=lib.float16)),
    "s and dim lengths": lambda lib: lib.fft.fftn(lib.ones(2, 4), s=(3,), dim=(0, 1)),
    "repeated dims": lambda lib: lib.fft.fftn(lib.ones(2, 4), dim=(1, 1)),
    "s longer than ndim": lambda lib: lib.fft.fftn(lib.ones(4), s=(2, 2)),
    "not a tensor": lambda lib: lib.fft.fft([1.0, 2.0]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_pytorchs_exception(case):
    with pytest.raises(Exception) as t_info:
        BAD[case](torch)
    with pytest.raises(Exception) as e_info:
        BAD[case](ember)
    for base in (IndexError, TypeError, ValueError, NotImplementedError, RuntimeError):
        if isinstance(t_info.value, base):
            assert isinstance(e_info.value, base), (case, e_info.value, t_info.value)
            break


def test_a_low_pass_filter_script_runs_unchanged():
    """A user's script: smooth a noisy signal by cutting high frequencies, and learn a filter by gradient descent."""
    def script(torch):
        torch.manual_seed(0)
        t = torch.linspace(0, 1, 256)
        clean = torch.sin(2 * torch.pi * 5 * t)
        noisy = clean + 0.5 * torch.sin(2 * torch.pi * 60 * t)
        spectrum = torch.fft.rfft(noisy)
        freqs = torch.fft.rfftfreq(256, d=1 / 256)
        smooth = torch.fft.irfft(spectrum * (freqs < 20), n=256)
        gain = torch.zeros(freqs.shape[0], requires_grad=True)
        opt = torch.optim.Adam([gain], lr=0.1)
        for _ in range(100):
            opt.zero_grad()
            out = torch.fft.irfft(torch.fft.rfft(noisy) * torch.sigmoid(gain), n=256)
            loss = ((out - clean) ** 2).mean()
            loss.backward()
            opt.step()
        return (smooth - clean).abs().max().item(), loss.item()
    e_err, e_loss = script(ember)
    t_err, t_loss = script(torch)
    assert e_err < 0.1 and e_loss < 0.05
    assert np.isclose(e_err, t_err, atol=1e-5) and np.isclose(e_loss, t_loss, rtol=1e-3, atol=1e-6)
