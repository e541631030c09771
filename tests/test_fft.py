"""ember.fft against torch.fft: values, dtypes, shapes, graph node names and gradients of every transform, over
sizes that cut and pad, dims, normalizations, real and complex input; bad input; a filter script."""
import numpy as np
import pytest
from parity import check, raises_like_torch, randn, second_order

import ember

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
    "bfloat16": lambda lib: lib.fft.rfft(lib.ones(4, dtype=lib.bfloat16)),
    "s and dim lengths": lambda lib: lib.fft.fftn(lib.ones(2, 4), s=(3,), dim=(0, 1)),
    "repeated dims": lambda lib: lib.fft.fftn(lib.ones(2, 4), dim=(1, 1)),
    "s longer than ndim": lambda lib: lib.fft.fftn(lib.ones(4), s=(2, 2)),
    "not a tensor": lambda lib: lib.fft.fft([1.0, 2.0]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_pytorchs_exception(case):
    raises_like_torch(BAD[case])


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


# ---- stft and istft ---------------------------------------------------------------------------------------------
SIGNAL = randn(2, 64, seed=7)
STFT_CASES = {
    "hann": dict(n_fft=16, hop_length=4, window="hann"),
    "defaults": dict(n_fft=16),
    "short window": dict(n_fft=16, hop_length=5, win_length=10, window="hann"),
    "short rectangle": dict(n_fft=12, win_length=8),
    "no centre": dict(n_fft=16, hop_length=8, window="hann", center=False),
    "constant pad": dict(n_fft=16, hop_length=4, window="hamming", pad_mode="constant"),
    "normalized": dict(n_fft=16, hop_length=4, window="hann", normalized=True),
    "two-sided": dict(n_fft=16, hop_length=4, window="hann", onesided=False),
}


def _stft_kwargs(lib, case, dtype=None):
    kw = dict(STFT_CASES[case])
    if "window" in kw:
        length = kw.get("win_length", kw["n_fft"])
        kw["window"] = getattr(lib, kw["window"] + "_window")(length, dtype=dtype or lib.float64)
    return kw


@pytest.mark.parametrize("case", STFT_CASES)
def test_stft_matches_pytorch(case):
    check(lambda lib, x: lib.stft(x, **_stft_kwargs(lib, case), return_complex=True), SIGNAL)
    check(lambda lib, x: lib.stft(x[0], **_stft_kwargs(lib, case), return_complex=True), SIGNAL)
    check(lambda lib, x: x.stft(**_stft_kwargs(lib, case), return_complex=True).abs(), SIGNAL)


@pytest.mark.parametrize("case", [c for c in STFT_CASES if c not in ("no centre", "constant pad")])
def test_istft_matches_pytorch_and_inverts_stft(case):
    kw = {k: v for k, v in STFT_CASES[case].items() if k != "pad_mode"}
    spectrum = torch.stft(torch.tensor(SIGNAL), **_stft_kwargs(torch, case), return_complex=True).numpy()

    def inverse(lib, s, **extra):
        args = {k: v for k, v in _stft_kwargs(lib, case).items() if k in kw}
        return lib.istft(s, **args, **extra)
    check(inverse, spectrum)
    check(lambda lib, s: inverse(lib, s, length=64), spectrum)
    check(lambda lib, s: inverse(lib, s, length=70), spectrum)
    check(lambda lib, s: inverse(lib, s[0]), spectrum)
    back = inverse(ember, ember.tensor(spectrum), length=64)
    np.testing.assert_allclose(back.numpy(), SIGNAL, atol=1e-10)


def test_stft_round_trip_gradients_match_pytorch():
    def round_trip(lib, x):
        w = lib.hann_window(16, dtype=lib.float64)
        s = lib.stft(x, 16, hop_length=4, window=w, return_complex=True)
        return lib.istft(s * s.abs(), 16, hop_length=4, window=w, length=64)
    check(round_trip, SIGNAL)


def test_stft_of_a_complex_signal_and_the_old_real_format_match_pytorch():
    z = randn(40, dtype=np.complex128, seed=8)
    check(lambda lib, z: lib.stft(z, 8, hop_length=2, window=lib.hann_window(8, dtype=lib.float64)), z)
    check(lambda lib, z: lib.istft(lib.stft(z, 8, hop_length=2, return_complex=True), 8, hop_length=2,
                                   onesided=False, return_complex=True), z)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        check(lambda lib, x: lib.stft(x, 16, hop_length=4, return_complex=False), SIGNAL)


STFT_BAD = {
    "no return_complex": lambda lib: lib.stft(lib.ones(64), 16),
    "3-D input": lambda lib: lib.stft(lib.ones(1, 2, 64), 16, return_complex=True),
    "n_fft past the signal": lambda lib: lib.stft(lib.ones(8), 16, center=False, return_complex=True),
    "window of the wrong size": lambda lib: lib.stft(lib.ones(64), 16, window=lib.ones(8), return_complex=True),
    "win_length past n_fft": lambda lib: lib.stft(lib.ones(64), 16, win_length=20, return_complex=True),
    "hop of 0": lambda lib: lib.stft(lib.ones(64), 16, hop_length=0, return_complex=True),
    "istft of a real tensor": lambda lib: lib.istft(lib.ones(9, 5), 16),
    "istft with wrong frequencies": lambda lib: lib.istft(lib.ones(7, 5, dtype=lib.complex64), 16),
    "istft with a vanishing envelope": lambda lib: lib.istft(lib.ones(9, 5, dtype=lib.complex64), 16,
                                                             hop_length=16, window=lib.hann_window(16)),
}


@pytest.mark.parametrize("case", STFT_BAD)
def test_bad_stft_input_raises_pytorchs_exception(case):
    raises_like_torch(STFT_BAD[case])
