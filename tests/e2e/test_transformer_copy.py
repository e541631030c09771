"""End to end: a small ember TransformerEncoder (token embedding plus a learned positional embedding, two
pre-norm encoder layers, a linear head) learns to reverse sequences of random tokens to at least 95% token
accuracy on fresh sequences (in a few seconds; speed is bench/'s to measure, not a test's). Reversal needs
attention: output position i must read input position L-1-i."""
import numpy as np

import ember
import ember.nn as nn
import ember.optim as optim

VOCAB, LENGTH, D_MODEL, STEPS = 10, 8, 64, 200


class Reverser(nn.Module):
    """Tokens (N, L) -> logits (N, L, VOCAB) through a batch_first TransformerEncoder."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL)
        self.position = nn.Embedding(LENGTH, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, 4, 128, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, tokens):
        return self.head(self.encoder(self.embed(tokens) + self.position.weight))


def batch(rng, n):
    tokens = rng.integers(0, VOCAB, (n, LENGTH))
    return ember.tensor(tokens), ember.tensor(tokens[:, ::-1].copy())


def test_transformer_learns_to_reverse():
    rng = np.random.default_rng(0)
    model = Reverser()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(STEPS):
        x, y = batch(rng, 64)
        loss = loss_fn(model(x).reshape(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with ember.no_grad():
        x, y = batch(np.random.default_rng(1), 1000)
        accuracy = (model(x).argmax(-1) == y).float().mean().item()
    assert accuracy >= 0.95, f"token accuracy {accuracy:.3f} after {STEPS} steps (loss {loss.item():.3f})"
