"""Spectral work: the FFT family and complex arithmetic, forward and backward, each written once for `lib`
(ember or torch)."""
import numpy as np


def _signal(shape, complex_=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    return x + 1j * rng.standard_normal(shape, dtype=np.float32) if complex_ else x


def rfft_filter(lib):
    """irfft(rfft(x) * response) over a batch of 64 signals of 4096 samples, with the gradient of the response."""
    x = lib.tensor(_signal((64, 4096)))
    response = lib.ones(2049, dtype=lib.complex64, requires_grad=True)

    def step():
        response.grad = None
        lib.fft.irfft(lib.fft.rfft(x) * response, n=4096).pow(2).mean().backward()
    return step


def fft2_images(lib):
    """fft2 and ifft2 of 32 complex 128x128 images, forward and backward."""
    z = lib.tensor(_signal((32, 128, 128), complex_=True)).requires_grad_()

    def step():
        z.grad = None
        lib.fft.ifft2(lib.fft.fft2(z) * 0.5).abs().sum().backward()
    return step


def stft_round_trip(lib):
    """stft then istft of 16 signals of 16000 samples (n_fft 512, hop 128, Hann window), with the gradient."""
    x = lib.tensor(_signal((16, 16000))).requires_grad_()
    window = lib.hann_window(512)

    def step():
        x.grad = None
        spectrum = lib.stft(x, 512, hop_length=128, window=window, return_complex=True)
        lib.istft(spectrum, 512, hop_length=128, window=window, length=16000).pow(2).sum().backward()
    return step


def complex_arithmetic(lib):
    """A chain of complex elementwise ops on a million elements, forward and backward."""
    z = lib.tensor(_signal((1000, 1000), complex_=True)).requires_grad_()
    w = lib.tensor(_signal((1000, 1000), complex_=True))

    def step():
        z.grad = None
        ((z * w + 1j).exp() / (z.conj() + 2)).abs().sum().backward()
    return step


def workloads():
    """(name, make, calls per timing)."""
    return [("rfft filter 64x4096 fwd+bwd", rfft_filter, 5), ("fft2 32x128x128 complex fwd+bwd", fft2_images, 5),
            ("stft+istft 16x16000 fwd+bwd", stft_round_trip, 5),
            ("complex elementwise 1M fwd+bwd", complex_arithmetic, 3)]
