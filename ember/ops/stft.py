"""The short-time Fourier transform and its inverse, composed of framing (unfold), windowing, the FFT primitives
and overlap-add (fold), so their gradients come by composition, as PyTorch's do."""
import warnings

from .. import _dtype
from ..backend import array_module
from .autocast import AUTOCAST_OPS, autocast_call
from .base import Tensor, check_tensor, wrap
from .complex_numbers import complex as make_complex
from .complex_numbers import view_as_real
from .conv import fold
from .padding import pad
from .shape import squeeze_, transpose_
from .spectral import fft_c2c, fft_c2r, fft_r2c

_FFT_DTYPES = (_dtype.float32, _dtype.float64, _dtype.complex64, _dtype.complex128)


def _window(window, win_length: int, n_fft: int, like: Tensor, name: str):
    """The window centred in n_fft samples (zeros around it), or None for a rectangular window of n_fft."""
    if window is not None:
        if window.dim() != 1 or window.shape[0] != win_length:
            raise RuntimeError(f"{name}: expected a 1D window tensor of size equal to win_length={win_length}, but "
                               f"got window with size {list(window.shape)}")
    elif win_length == n_fft:
        return None
    else:
        xp = array_module(like._data)
        window = wrap(xp.ones(win_length, like._data.dtype if like._data.dtype.kind in "fV" else
                              _dtype.get_default_dtype().np))
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left))


def _lengths(n_fft, hop_length, win_length, name):
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if hop <= 0:
        raise RuntimeError(f"{name}: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{name}: expected 0 < win_length <= n_fft, but got win_length={win}")
    return hop, win


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None,
         align_to_window: bool | None = None) -> Tensor:
    """The short-time Fourier transform: (n_fft // 2 + 1 or n_fft frequencies, frames) per signal of a 1-D or
    (batch, length) input. Differs from PyTorch: `align_to_window=True` is not supported."""
    if "stft" in AUTOCAST_OPS[0]:
        return autocast_call("stft", stft, input, n_fft, hop_length, win_length, window, center, pad_mode, normalized,
                             onesided, return_complex, align_to_window)
    check_tensor("stft", "input", input, 1)
    if input.dtype not in _FFT_DTYPES:
        raise RuntimeError(f"stft: expected a float32, float64, complex64 or complex128 input, but got {input.dtype}")
    is_complex = input.is_complex() or (window is not None and window.is_complex())
    if return_complex is None and not is_complex:
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if align_to_window:
        raise NotImplementedError("stft: align_to_window=True is not supported by ember")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.dim()}D tensor")
    if not return_complex and return_complex is not None:
        warnings.warn("stft with return_complex=False is deprecated. In a future release, stft will return complex "
                      "tensors for all inputs, and return_complex=False will raise an error.", UserWarning,
                      stacklevel=2)
    hop, win = _lengths(n_fft, hop_length, win_length, "stft")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    if center:
        x = pad(x.unsqueeze(0), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(0)
    if not 0 < n_fft <= x.shape[-1]:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {x.shape[-1]}, but got n_fft={n_fft}")
    frames = x.unfold(-1, n_fft, hop)  # (batch, frames, n_fft)
    w = _window(window, win, n_fft, x, "stft")
    if w is not None:
        frames = frames * w
    norm = "ortho" if normalized else "backward"
    onesided = not is_complex if onesided is None else onesided
    if frames.is_complex():
        spectrum = fft_c2c(frames, (2,), norm, True)
    else:
        spectrum = fft_r2c(frames, (2,), norm, onesided)
    spectrum = transpose_(spectrum, 1, 2)
    if input.dim() == 1:
        spectrum = squeeze_(spectrum, 0)
    return spectrum if return_complex or return_complex is None else view_as_real(spectrum)


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """The inverse of stft by windowed overlap-add: the signals whose stft is `input` (frequencies, frames) or
    (batch, frequencies, frames), `length` samples long (by default as far as the frames reach)."""
    check_tensor("istft", "input", input, 1)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex, but got {input.dim()}")
    hop, win = _lengths(n_fft, hop_length, win_length, "istft")
    x = input if input.dim() == 3 else input.unsqueeze(0)
    n_freq, n_frames = x.shape[-2], x.shape[-1]
    onesided = n_freq != n_fft if onesided is None else onesided
    if onesided and n_freq != n_fft // 2 + 1:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to match "
                           f"n_fft / 2 + 1 when onesided=True, but got {n_freq}")
    if not onesided and n_freq != n_fft:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the input tensor to match "
                           f"n_fft when onesided=False, but got {n_freq}")
    norm = "ortho" if normalized else "backward"
    spectra = x.transpose(1, 2)  # (batch, frames, frequencies)
    if return_complex:
        if onesided:
            raise RuntimeError("cannot have onesided output if window or input is complex")
        frames = fft_c2c(spectra, (2,), norm, False)
    else:
        frames = fft_c2r(spectra if onesided else spectra.narrow(2, 0, n_fft // 2 + 1), (2,), norm, n_fft)
    w = _window(window, win, n_fft, frames.real if frames.is_complex() else frames, "istft")
    if w is not None:
        frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    signal = _overlap_add(frames, total, n_fft, hop)
    xp = array_module(frames._data)
    w2 = (w * w).detach() if w is not None else wrap(xp.ones(n_fft, frames.real._data.dtype))
    envelope = _overlap_add(w2.reshape(1, 1, n_fft).expand(1, n_frames, n_fft), total, n_fft, hop)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (total - n_fft // 2 if center else total)
    end = min(end, total)
    signal, envelope = signal[:, start:end], envelope[:, start:end]
    if float(envelope.abs().min()) < 1e-11:
        raise RuntimeError(f"istft(n_fft={n_fft}, hop_length={hop}, win_length={win}): window overlap add min: "
                           f"{float(envelope.abs().min())}")
    signal = signal / envelope
    if length is not None and signal.shape[-1] < length:
        signal = pad(signal, (0, length - signal.shape[-1]))
    return signal if input.dim() == 3 else signal.squeeze(0)


def _overlap_add(frames: Tensor, total: int, n_fft: int, hop: int) -> Tensor:
    """Frames (batch, frames, n_fft) summed at their places, `hop` apart, into (batch, total) signals."""
    if frames.is_complex():
        return make_complex(_overlap_add(frames.real, total, n_fft, hop), _overlap_add(frames.imag, total, n_fft, hop))
    batch, n_frames = frames.shape[0], frames.shape[1]
    if n_fft % hop == 0:
        # split each frame into the n_fft / hop blocks of one hop and add the block sequences, each shifted by
        # its place in the frame: a few whole-array adds where fold adds once per sample of the frame
        blocks = frames.reshape(batch, n_frames, n_fft // hop, hop)
        shifts = n_fft // hop
        signal = sum(pad(blocks[:, :, r], (0, 0, r, shifts - 1 - r)) for r in range(shifts))
        return signal.reshape(batch, total)
    columns = frames.transpose(1, 2)  # (batch, n_fft, frames): fold's columns of one channel
    return fold(columns, (1, total), (1, n_fft), stride=(1, hop)).reshape(batch, total)


METHODS = {"stft": stft, "istft": istft}
