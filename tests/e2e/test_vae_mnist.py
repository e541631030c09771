"""A variational autoencoder on binarized MNIST, written once against either library's distributions: with the
same initial weights, batches and noise, ember's ELBO improves as PyTorch's does, step by step."""
import numpy as np
import pytest
from mnist_data import load_mnist

import ember

LATENT, HIDDEN, BATCH, STEPS = 16, 200, 64, 150


def weights(rng) -> dict:
    """Initial weights of the encoder (784-200-2x16) and decoder (16-200-784) as float32 arrays."""
    def linear(n_in, n_out):
        bound = 1 / np.sqrt(n_in)
        return (rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                rng.uniform(-bound, bound, n_out).astype(np.float32))
    return {"enc1": linear(784, HIDDEN), "enc2": linear(HIDDEN, 2 * LATENT), "dec1": linear(LATENT, HIDDEN),
            "dec2": linear(HIDDEN, 784)}


def binarized(images: np.ndarray) -> np.ndarray:
    """MNIST images as rows of 784 zeros and ones."""
    return (images.reshape(len(images), 784) > 0.5).astype(np.float32)


def train(lib, init: dict, images: np.ndarray, noise: np.ndarray, held_out: np.ndarray) -> tuple[list, float]:
    """Train the VAE with Adam on `images` in order; (the ELBO of each batch, the held-out ELBO at the end)."""
    F, D = lib.nn.functional, lib.distributions
    params = {name: [lib.tensor(a, requires_grad=True) for a in pair] for name, pair in init.items()}
    optimizer = lib.optim.Adam([p for pair in params.values() for p in pair], lr=1e-3)

    def elbo(x, eps):
        h = F.relu(F.linear(x, *params["enc1"]))
        mu, log_std = F.linear(h, *params["enc2"]).chunk(2, dim=-1)
        posterior = D.Normal(mu, log_std.exp())
        z = posterior.loc + posterior.scale * eps  # the reparameterization, with noise both libraries share
        logits = F.linear(F.relu(F.linear(z, *params["dec1"])), *params["dec2"])
        reconstruction = D.Bernoulli(logits=logits).log_prob(x).sum(-1)
        prior = D.Normal(lib.zeros_like(mu), lib.ones_like(mu))
        return (reconstruction - D.kl_divergence(posterior, prior).sum(-1)).mean()

    history = []
    for step in range(STEPS):
        x = lib.tensor(images[step * BATCH:(step + 1) * BATCH])
        loss = -elbo(x, lib.tensor(noise[step]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(-loss.item())
    with lib.no_grad():
        final = elbo(lib.tensor(held_out), lib.tensor(noise[0][:1].repeat(len(held_out), 0))).item()
    return history, final


def test_vae_elbo_improves_as_pytorchs_does():
    torch = pytest.importorskip("torch")
    train_images, _, test_images, _ = load_mnist()
    images, held_out = binarized(train_images[:STEPS * BATCH]), binarized(test_images[:1000])
    rng = np.random.default_rng(0)
    init = weights(rng)
    noise = rng.standard_normal((STEPS, BATCH, LATENT)).astype(np.float32)

    mine, mine_final = train(ember, init, images, noise, held_out)
    theirs, theirs_final = train(torch, init, images, noise, held_out)
    assert mine[0] < -450 and np.mean(mine[-10:]) > -200  # from chance to a model of the digits
    assert mine_final > -200
    np.testing.assert_allclose(mine, theirs, rtol=1e-4)
    assert mine_final == pytest.approx(theirs_final, rel=1e-4)
