"""End to end: an ember LSTM learns whether a random binary sequence of odd length (7 to 21, packed) holds
more ones than zeros, to at least 98% accuracy on held-out sequences (2 s here)."""
import numpy as np

import ember
import ember.nn as nn
from ember.nn.utils.rnn import pack_padded_sequence


def make_batch(rng, size, max_length=21):
    """Padded (max_length, size, 2) one-hot sequences of odd random lengths, their lengths and labels."""
    lengths = rng.choice(np.arange(7, max_length + 1, 2), size)
    bits = rng.integers(0, 2, (max_length, size))
    valid = np.arange(max_length)[:, None] < lengths[None, :]
    x = np.zeros((max_length, size, 2), np.float32)
    x[..., 0], x[..., 1] = valid * (bits == 0), valid * (bits == 1)
    labels = ((bits * valid).sum(0) * 2 > lengths).astype(np.int64)
    return x, lengths, labels


class Counter(nn.Module):
    """An LSTM over the packed sequence and a linear layer on its final hidden state."""

    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(2, hidden)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x, lengths):
        _, (h, _) = self.lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
        return self.head(h[-1])


def test_lstm_learns_majority():
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Counter()
    optimizer = ember.optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.CrossEntropyLoss()
    for _ in range(300):
        x, lengths, labels = make_batch(rng, 64)
        optimizer.zero_grad()
        loss = criterion(model(ember.tensor(x), lengths), ember.tensor(labels))
        loss.backward()
        optimizer.step()
    x, lengths, labels = make_batch(np.random.default_rng(1), 2000)
    with ember.no_grad():
        predicted = model(ember.tensor(x), lengths).argmax(1).numpy()
    assert (predicted == labels).mean() >= 0.98
