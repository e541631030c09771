"""ember.signal.windows: the window functions of torch.signal.windows, M points each: `sym=True` (the default)
gives the symmetric window, `sym=False` the periodic one a DFT wants (unlike the torch-level hann_window and
friends, which are periodic by default)."""

import numpy as np

from .. import _dtype
from .._creation import _finish


def _make(name: str, M: int, sym: bool, dtype, device, requires_grad, values):
    if type(M) is not int or M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if d.np.kind not in "fV":
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {d}")
    if M <= 1:
        array = np.ones(M)
    else:
        array = values(M if sym else M + 1)[:M]
    return _finish(array.astype(d.np), None, device, requires_grad)


def general_cosine(M: int, *, a, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """sum_k (-1)^k a_k cos(2 pi k n / (M - 1))."""

    def values(n):
        phase = 2 * np.pi * np.arange(n) / (n - 1)
        return sum((-1) ** k * c * np.cos(k * phase) for k, c in enumerate(a))

    return _make("general_cosine", M, sym, dtype, device, requires_grad, values)


def general_hamming(
    M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False
):
    """alpha - (1 - alpha) cos(2 pi n / (M - 1))."""
    return general_cosine(M, a=[alpha, 1 - alpha], sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The Hann window."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The Hamming window."""
    return general_hamming(M, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The Blackman window."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The minimum 4-term Blackman-Harris window of Nuttall."""
    return general_cosine(
        M,
        a=[0.3635819, 0.4891775, 0.1365995, 0.0106411],
        sym=sym,
        dtype=dtype,
        device=device,
        requires_grad=requires_grad,
    )


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The Bartlett (triangular) window."""
    return _make("bartlett", M, sym, dtype, device, requires_grad, lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))


def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """sin(pi (n + 1/2) / M)."""
    return _make("cosine", M, sym, dtype, device, requires_grad, lambda n: np.sin(np.pi * (np.arange(n) + 0.5) / n))


def gaussian(
    M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False
):
    """exp(-((n - (M - 1) / 2) / std)^2 / 2)."""
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return _make(
        "gaussian",
        M,
        sym,
        dtype,
        device,
        requires_grad,
        lambda n: np.exp(-0.5 * ((np.arange(n) - (n - 1) / 2) / std) ** 2),
    )


def exponential(
    M: int,
    *,
    center: float | None = None,
    tau: float = 1.0,
    sym: bool = True,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: bool = False,
):
    """exp(-|n - center| / tau), centred by default."""
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    return _make(
        "exponential",
        M,
        sym,
        dtype,
        device,
        requires_grad,
        lambda n: np.exp(-np.abs(np.arange(n) - ((n - 1) / 2 if center is None else center)) / tau),
    )


def kaiser(
    M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False
):
    """I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    return _make(
        "kaiser",
        M,
        sym,
        dtype,
        device,
        requires_grad,
        lambda n: np.i0(beta * np.sqrt(np.clip(1 - (2 * np.arange(n) / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta),
    )
