"""ember.fft: PyTorch's discrete Fourier transforms (fft, ifft, rfft, irfft, hfft, ihfft, in one, two and n dims),
differentiable, with `n`/`s`, `dim` and `norm` as PyTorch takes them, and the sample frequencies and shifts.

A transform is one of three primitives in ops/spectral.py (complex to complex, real to complex, one-sided complex
to real), after the input is cut or zero-padded to the sizes asked for, as PyTorch composes them: the same graph
node names (FftC2CBackward0, ...) and the same gradients. Float16 input is refused, as PyTorch refuses it on the
CPU; integer and bool input is transformed as the default float dtype."""
from . import _dtype
from ._creation import _int, arange
from ._tensor import Tensor, wrap_dim
from .ops.aten import constant_pad_nd
from .ops.autocast import AUTOCAST_OPS, autocast_call
from .ops.base import check_tensor, written
from .ops.complex_numbers import conj, conj_physical
from .ops.rearrange import roll
from .ops.spectral import DUAL_NORM, fft_c2c, fft_c2r, fft_r2c

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# ---- arguments --------------------------------------------------------------------------------------------------
def _norm(norm) -> str:
    if norm is None:
        return "backward"
    if norm not in DUAL_NORM:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _promoted(input: Tensor, name: str, real_only: bool = False) -> Tensor:
    """`input` as a floating or complex tensor: integers and bools as the default float dtype; float16 and bfloat16
    refused (inside an autocast region, cast to float32: NOTE [ Autocast ])."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if name in AUTOCAST_OPS[0]:
        return autocast_call(name, _promoted, input, name, real_only)
    kind = input._data.dtype.kind
    if kind == "c":
        if real_only:
            raise RuntimeError(f"{name} expects a real input tensor, but got "
                               f"{_dtype.scalar_type_name(input._data.dtype)}")
        return input
    if input.dtype is _dtype.float16 or input.dtype is _dtype.bfloat16:
        raise RuntimeError(f"Unsupported dtype {_dtype.scalar_type_name(input._data.dtype)}")
    return input if kind in "fV" else input.to(_dtype.get_default_dtype())


def _as_complex(input: Tensor) -> Tensor:
    return input if input.is_complex() else input.to(input.dtype.to_complex())


def _dims_and_sizes(input: Tensor, s, dim):
    """The dims to transform and the size the signal takes along each (None: as it is), PyTorch's rules:
    `dim` alone, `s` alone (the last len(s) dims), both (of one length), or neither (all dims)."""
    ndim = input.dim()
    if dim is None:
        dims = list(range(ndim - len(s), ndim)) if s is not None else list(range(ndim))
        if s is not None and len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
    else:
        dims = [wrap_dim(d, ndim) for d in ([dim] if isinstance(dim, int) else dim)]
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    if s is None:
        return dims, [None] * len(dims)
    sizes = list(s)
    if len(sizes) != len(dims):
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    for n in sizes:
        if n != -1 and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, [None if n == -1 else n for n in sizes]


def _resized(input: Tensor, dims, sizes) -> Tensor:
    """`input` cut to, or padded with zeros to, `sizes` along `dims` (None leaves a dim as it is)."""
    for d, n in zip(dims, sizes):
        have = input.shape[d]
        if n is None or n == have:
            continue
        if n < have:
            input = input.narrow(d, 0, n)
        else:
            pad = [0, 0] * (input.dim() - d)
            pad[-1] = n - have  # constant_pad_nd pads the last dim first
            input = constant_pad_nd(input, pad)
    return input


def _one(n, dim):
    """1-D arguments in the n-dim form."""
    return (None if n is None else [n]), [dim]


# ---- transforms -------------------------------------------------------------------------------------------------
def _fftn(input, s, dim, norm, forward, name):
    """fft and ifft in any number of dims: a real signal goes through r2c in fft and ifft, and as a complex one
    through c2c in the others, as in PyTorch."""
    x = _promoted(input, name)
    dims, sizes = _dims_and_sizes(x, s, dim)
    x = _resized(x, dims, sizes)
    norm = _norm(norm)
    if name not in ("fft", "ifft"):
        x = _as_complex(x)
    if x.is_complex():
        return fft_c2c(x, tuple(dims), norm, forward)
    if forward:
        return fft_r2c(x, tuple(dims), norm, False)
    return conj(fft_r2c(x, tuple(dims), DUAL_NORM[norm], False))  # ifft of a real signal: conj(fft) / n


def _rfftn(input, s, dim, norm, name):
    x = _promoted(input, name, real_only=True)
    dims, sizes = _dims_and_sizes(x, s, dim)
    return fft_r2c(_resized(x, dims, sizes), tuple(dims), _norm(norm), True)


def _one_sided(input, s, dim, name):
    """A one-sided spectrum for c2r: complex, cut or padded to the sizes asked for, with last // 2 + 1 frequencies
    along the last dim for `last` output samples (default 2 * (m - 1)); (spectrum, dims, last)."""
    x = _as_complex(_promoted(input, name))
    dims, sizes = _dims_and_sizes(x, s, dim)
    last = sizes[-1] if sizes[-1] is not None else 2 * (x.shape[dims[-1]] - 1)
    if last < 1:
        raise RuntimeError(f"Invalid number of data points ({last}) specified")
    return _resized(x, dims, sizes[:-1] + [last // 2 + 1]), dims, last


def _irfftn(input, s, dim, norm, name):
    x, dims, last = _one_sided(input, s, dim, name)
    return fft_c2r(x, tuple(dims), _norm(norm), last)


def _hfftn(input, s, dim, norm, name):
    """The DFT of a Hermitian-symmetric signal given by its one-sided half: real."""
    x, dims, last = _one_sided(input, s, dim, name)
    norm = _norm(norm)
    if len(dims) > 1:
        x = fft_c2c(x, tuple(dims[:-1]), norm, True)
    return fft_c2r(conj(x), (dims[-1],), DUAL_NORM[norm], last)


def _ihfftn(input, s, dim, norm, name):
    """The inverse of hfftn: the one-sided half of the inverse DFT of a real signal."""
    x = _promoted(input, name, real_only=True)
    dims, sizes = _dims_and_sizes(x, s, dim)
    x = _resized(x, dims, sizes)
    norm = _norm(norm)
    half = fft_r2c(x, (dims[-1],), DUAL_NORM[norm], True)
    if len(dims) == 1:
        return conj(half)
    return fft_c2c(conj_physical(half), tuple(dims[:-1]), norm, False)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The 1-D discrete Fourier transform along `dim`, of `n` points (cut or zero-padded)."""
    return _out(_fftn(input, *_one(n, dim), norm, True, "fft"), out)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The 1-D inverse discrete Fourier transform along `dim`."""
    return _out(_fftn(input, *_one(n, dim), norm, False, "ifft"), out)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The 1-D DFT of a real signal: its n // 2 + 1 non-negative frequencies."""
    return _out(_rfftn(input, *_one(n, dim), norm, "rfft"), out)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfft: `n` real samples (default 2 * (m - 1)) from m non-negative frequencies."""
    return _out(_irfftn(input, *_one(n, dim), norm, "irfft"), out)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The 1-D DFT of a Hermitian-symmetric signal given by its one-sided half: `n` real values."""
    return _out(_hfftn(input, *_one(n, dim), norm, "hfft"), out)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfft: the n // 2 + 1 first values of the inverse DFT of a real signal."""
    return _out(_ihfftn(input, *_one(n, dim), norm, "ihfft"), out)


def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The 2-D discrete Fourier transform (over the last two dims by default)."""
    return _out(_fftn(input, s, dim, norm, True, "fft2"), out)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The 2-D inverse discrete Fourier transform."""
    return _out(_fftn(input, s, dim, norm, False, "ifft2"), out)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The 2-D DFT of a real signal, one-sided along the last of `dim`."""
    return _out(_rfftn(input, s, dim, norm, "rfft2"), out)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfft2."""
    return _out(_irfftn(input, s, dim, norm, "irfft2"), out)


def hfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The 2-D DFT of a Hermitian-symmetric signal given by its one-sided half."""
    return _out(_hfftn(input, s, dim, norm, "hfft2"), out)


def ihfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfft2."""
    return _out(_ihfftn(input, s, dim, norm, "ihfft2"), out)


def fftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The n-D discrete Fourier transform (over all dims by default, or the last len(s))."""
    return _out(_fftn(input, s, dim, norm, True, "fftn"), out)


def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The n-D inverse discrete Fourier transform."""
    return _out(_fftn(input, s, dim, norm, False, "ifftn"), out)


def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The n-D DFT of a real signal, one-sided along the last of `dim`."""
    return _out(_rfftn(input, s, dim, norm, "rfftn"), out)


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of rfftn."""
    return _out(_irfftn(input, s, dim, norm, "irfftn"), out)


def hfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The n-D DFT of a Hermitian-symmetric signal given by its one-sided half."""
    return _out(_hfftn(input, s, dim, norm, "hfftn"), out)


def ihfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None) -> Tensor:
    """The inverse of hfftn."""
    return _out(_ihfftn(input, s, dim, norm, "ihfftn"), out)


def _out(r: Tensor, out) -> Tensor:
    if out is None:
        return r
    from .ops.base import write_out  # lazy: keeps write_out out of ember.fft
    return write_out(out, r, "fft")


# ---- sample frequencies and shifts ------------------------------------------------------------------------------
def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
            out=None) -> Tensor:
    """The sample frequencies of a length-n DFT with sample spacing d: 0, 1, ..., -n//2, ..., -1 over (d n)."""
    n = _int(n, "fft_fftfreq", "n")
    dt = dtype or _dtype.get_default_dtype()
    k = arange(n, dtype=_dtype.int64, device=device)
    freqs = (k - (k >= (n + 1) // 2).long() * n).to(dt) / (d * n)
    return written(freqs.requires_grad_(requires_grad) if requires_grad else freqs, out, "fftfreq")


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
             out=None) -> Tensor:
    """The non-negative sample frequencies of a length-n real DFT: 0, 1, ..., n//2 over (d n)."""
    n = _int(n, "fft_rfftfreq", "n")
    dt = dtype or _dtype.get_default_dtype()
    freqs = arange(n // 2 + 1, dtype=dt, device=device) / (d * n)
    return written(freqs.requires_grad_(requires_grad) if requires_grad else freqs, out, "rfftfreq")


def _shift_dims(input: Tensor, dim, name: str):
    check_tensor(name, "input", input, 1)
    if dim is None:
        return tuple(range(input.dim()))
    return (dim,) if isinstance(dim, int) else tuple(dim)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """`input` rolled so that the zero frequency is in the middle of each of `dim` (all dims by default)."""
    dims = _shift_dims(input, dim, "fft_fftshift")
    return roll(input, tuple(input.shape[d] // 2 for d in dims), dims)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift."""
    dims = _shift_dims(input, dim, "fft_ifftshift")
    return roll(input, tuple(-(input.shape[d] // 2) for d in dims), dims)
