"""Learn a denoising filter in the frequency domain: a complex frequency response, one value per rfft bin, trained
by Adam on noisy sine waves. A PyTorch script that runs unchanged on ember:

    python examples/spectral.py      # with PyTorch
    ember run examples/spectral.py   # with ember
"""
import argparse
import math

import torch

LENGTH = 128


def sine_waves(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n clean sine waves of 2 to 19 cycles with random phases, and the same with white noise added."""
    t = torch.arange(LENGTH) / LENGTH
    cycles = torch.randint(2, 20, (n, 1), generator=generator)
    phases = torch.rand(n, 1, generator=generator) * 2 * math.pi
    clean = torch.sin(2 * math.pi * cycles * t + phases)
    return clean, clean + 0.5 * torch.randn(n, LENGTH, generator=generator)


def snr_db(clean: torch.Tensor, estimate: torch.Tensor) -> float:
    """The signal-to-noise ratio of `estimate` in decibels."""
    return 10 * torch.log10(clean.pow(2).sum() / (clean - estimate).pow(2).sum()).item()


def filtered(signal: torch.Tensor, response: torch.Tensor) -> torch.Tensor:
    return torch.fft.irfft(torch.fft.rfft(signal) * response, n=LENGTH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--save-model", action="store_true", help="save the learned response, then load it back")
    args = parser.parse_args()
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    generator = torch.Generator().manual_seed(0)
    clean, noisy = (x.to(device) for x in sine_waves(512, generator))
    response = torch.ones(LENGTH // 2 + 1, dtype=torch.complex64, device=device, requires_grad=True)
    optimizer = torch.optim.Adam([response], lr=0.05)
    for step in range(args.steps + 1):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(filtered(noisy, response), clean)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f}")

    test_clean, test_noisy = (x.to(device) for x in sine_waves(128, generator))
    with torch.no_grad():
        denoised = filtered(test_noisy, response)
    print(f"snr before {snr_db(test_clean, test_noisy):.1f} dB, after {snr_db(test_clean, denoised):.1f} dB")
    if args.save_model:
        torch.save({"response": response.detach()}, "spectral_filter.pt")
        loaded = torch.load("spectral_filter.pt")["response"]
        with torch.no_grad():
            same = torch.equal(filtered(test_noisy, loaded), denoised)
        print(f"saved and loaded: {loaded.dtype}, same output: {same}")
    gain = response.detach().abs()
    print(f"mean gain inside the band {gain[2:20].mean().item():.2f}, outside {gain[25:].mean().item():.2f}")
    window = torch.hann_window(32, device=device)
    spectrogram = torch.stft(test_noisy[0], n_fft=32, hop_length=8, window=window, return_complex=True).abs()
    print(f"spectrogram {tuple(spectrogram.shape)}, strongest bin {spectrogram.mean(1).argmax().item()}")


if __name__ == "__main__":
    main()
