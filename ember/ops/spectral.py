"""The discrete Fourier transforms under ember.fft, as PyTorch's three primitives: complex to complex (c2c), real
to complex (r2c, the full or the one-sided spectrum) and one-sided complex to real (c2r), over any dims, with
their backward formulas. Each transform is linear, so its gradient is its adjoint: the transform the other way
with the dual normalization, padded or weighted where a one-sided spectrum stands for the full one."""
import numpy as np

from ..autograd.graph import node_classes
from ..backend import array_module, fft_functions, fft_options
from .base import Tensor, needs_grad, record, wrap

DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}

GRADIENTS = {
    "FftC2CBackward0": lambda g, dims, norm, forward: (fft_c2c(g, dims, DUAL_NORM[norm], not forward),),
    "FftR2CBackward0": lambda g, dims, norm, onesided, n: (_r2c_adjoint(g, dims, norm, onesided, n),),
    "FftC2RBackward0": lambda g, dims, norm: (_c2r_adjoint(g, dims, norm),),
}
NODES = node_classes(GRADIENTS, holomorphic=False)  # formulas written as adjoints (NOTE [ Complex gradients ])


def fft_c2c(input: Tensor, dims: tuple, norm: str, forward: bool) -> Tensor:
    """The DFT (`forward`) or the inverse DFT of a complex tensor over `dims`, normalized by `norm`."""
    a = input._data
    f = fft_functions(a)
    r = wrap((f.fftn if forward else f.ifftn)(a, axes=dims, norm=norm, **fft_options(a)))
    if needs_grad(input):
        record(r, NODES.FftC2CBackward0(), (input,), (dims, norm, forward))
    return r


def fft_r2c(input: Tensor, dims: tuple, norm: str, onesided: bool) -> Tensor:
    """The DFT of a real tensor over `dims`: the whole spectrum, or (`onesided`) the first n // 2 + 1 frequencies
    along the last of `dims`, which hold all of it."""
    a = input._data
    f = fft_functions(a)
    r = wrap((f.rfftn if onesided else f.fftn)(a, axes=dims, norm=norm, **fft_options(a)))
    if needs_grad(input):
        record(r, NODES.FftR2CBackward0(), (input,), (dims, norm, onesided, a.shape[dims[-1]]))
    return r


def fft_c2r(input: Tensor, dims: tuple, norm: str, last_size: int) -> Tensor:
    """The real inverse DFT over `dims` of a spectrum that is one-sided along the last of `dims` (last_size // 2 + 1
    frequencies there), giving `last_size` samples along that dim."""
    a = input._data
    sizes = [a.shape[d] for d in dims[:-1]] + [last_size]
    r = wrap(fft_functions(a).irfftn(a, s=sizes, axes=dims, norm=norm, **fft_options(a)))
    if needs_grad(input):
        record(r, NODES.FftC2RBackward0(), (input,), (dims, norm))
    return r


def _r2c_adjoint(g, dims, norm, onesided, n):
    """The gradient of a real input of fft_r2c: the real part of the inverse transform of its gradient. For a
    one-sided spectrum that is c2r of the gradient with the frequencies that stand for two halved, since c2r counts
    them twice; for the whole spectrum, the engine keeps the real part of c2c."""
    if onesided:
        return fft_c2r(g * _mirror_weights(g, dims[-1], n, 0.5), dims, DUAL_NORM[norm], n)
    return fft_c2c(g, dims, DUAL_NORM[norm], False)


def _c2r_adjoint(g, dims, norm):
    """The gradient of fft_c2r's one-sided input: the one-sided transform of its gradient, doubled at the
    frequencies whose mirror images the one-sided spectrum stands for."""
    n = g.shape[dims[-1]]
    return fft_r2c(g, dims, DUAL_NORM[norm], True) * _mirror_weights(g, dims[-1], n, 2.0)


def _mirror_weights(like: Tensor, dim: int, n: int, weight: float) -> Tensor:
    """Weights along `dim` of a one-sided spectrum of n points: `weight` at the frequencies whose mirror images
    it stands for (1 to (n - 1) // 2), 1 elsewhere, in the real dtype of `like`."""
    dtype = np.result_type(like._data.dtype, np.float32).type(0).real.dtype
    weights = array_module(like._data).ones(n // 2 + 1, dtype)
    weights[1:(n + 1) // 2] = weight
    shape = [1] * like.dim()
    shape[dim] = n // 2 + 1
    return wrap(weights.reshape(shape))
