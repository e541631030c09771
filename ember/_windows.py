"""Window functions for spectral analysis: hann, hamming, blackman, bartlett and kaiser, as PyTorch makes them.

A periodic window of length N is the symmetric window of length N + 1 without its last value, which is what
a DFT of length N wants; `periodic=False` gives the symmetric window.
"""
import numpy as np

from . import _dtype
from ._creation import _finish, _int


def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad, values):
    """The window `values(n)` (of the symmetric length n), made periodic if asked, as a tensor."""
    window_length = _int(window_length, name, "window_length")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if d.np.kind not in "fV":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    if window_length <= 1:
        array = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        array = values(n)[:window_length]
    return _finish(array.astype(d.np), None, device, requires_grad)


def _cosine_sum(*coefficients):
    """sum_k (-1)^k a_k cos(2 pi k i / (n - 1))."""
    def values(n):
        phase = 2 * np.pi * np.arange(n) / (n - 1)
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return values


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                pin_memory: bool = False, requires_grad: bool = False):
    """The Hann window: 0.5 - 0.5 cos(2 pi i / (N - 1))."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, 0.5))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False):
    """The Hamming window: alpha - beta cos(2 pi i / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(alpha, beta))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool = False):
    """The Blackman window: 0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(0.42, 0.5, 0.08))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool = False):
    """The Bartlett (triangular) window."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, pin_memory: bool = False, requires_grad: bool = False):
    """The Kaiser window: I0(beta sqrt(1 - (2 i / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: np.i0(beta * np.sqrt(np.clip(1 - (2 * np.arange(n) / (n - 1) - 1) ** 2, 0, None)))
                   / np.i0(beta))
