"""ember.fft: the sample frequencies and shifts of torch.fft, which are real. The transforms themselves return
complex tensors, which ember does not have yet: reaching for one raises an AttributeError that says so."""
from . import _dtype
from ._creation import arange
from ._tensor import Tensor
from .ops.rearrange import roll

_COMPLEX = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn",
            "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn")


def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of a length-n DFT with sample spacing d: 0, 1, ..., -n//2, ..., -1 over (d n)."""
    dt = dtype or _dtype.get_default_dtype()
    k = arange(n, dtype=_dtype.int64, device=device)
    freqs = (k - (k >= (n + 1) // 2).long() * n).to(dt) / (d * n)
    return freqs.requires_grad_(requires_grad) if requires_grad else freqs


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The non-negative sample frequencies of a length-n real DFT: 0, 1, ..., n//2 over (d n)."""
    dt = dtype or _dtype.get_default_dtype()
    freqs = arange(n // 2 + 1, dtype=dt, device=device) / (d * n)
    return freqs.requires_grad_(requires_grad) if requires_grad else freqs


def _dims(input: Tensor, dim):
    if dim is None:
        return tuple(range(input.dim()))
    return (dim,) if isinstance(dim, int) else tuple(dim)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """`input` rolled so that the zero frequency is in the middle of each of `dim` (all dims by default)."""
    dims = _dims(input, dim)
    return roll(input, tuple(input.shape[d] // 2 for d in dims), dims)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift."""
    dims = _dims(input, dim)
    return roll(input, tuple(-(input.shape[d] // 2) for d in dims), dims)


def __getattr__(name: str):
    if name in _COMPLEX:
        raise AttributeError(f"ember.fft.{name} is not supported yet: it returns complex tensors, and ember has no "
                             f"complex dtypes yet")
    raise AttributeError(f"module 'ember.fft' has no attribute {name!r}")
