"""The torch-level recurrent functions (torch.lstm, gru, rnn_tanh, rnn_relu and their cells) against PyTorch:
outputs, states and gradients of input, states and every weight."""
import numpy as np
import pytest
from parity import check, randn

HIDDEN, FEATURES = 4, 3


def weights(gates, layers, directions, bias, seed=0):
    out = []
    for k in range(layers * directions):
        size_in = FEATURES if k < directions else HIDDEN * directions
        out += [randn(gates * HIDDEN, size_in, seed=seed + 4 * k), randn(gates * HIDDEN, HIDDEN, seed=seed + 4 * k + 1)]
        if bias:
            out += [randn(gates * HIDDEN, seed=seed + 4 * k + 2), randn(gates * HIDDEN, seed=seed + 4 * k + 3)]
    return out


@pytest.mark.parametrize("name, gates", [("lstm", 4), ("gru", 3), ("rnn_tanh", 1), ("rnn_relu", 1)])
@pytest.mark.parametrize("layers, bidirectional, bias, batch_first", [(1, False, True, False), (2, True, True, False),
                                                                     (1, False, False, True)])
def test_stacks(name, gates, layers, bidirectional, bias, batch_first):
    directions = 2 if bidirectional else 1
    x = randn(2, 5, FEATURES) if batch_first else randn(5, 2, FEATURES)
    h0 = randn(layers * directions, 2, HIDDEN, seed=9)
    params = weights(gates, layers, directions, bias)

    def run(lib, x, h, *w):
        hx = (h, h * 0.5) if name == "lstm" else h
        return getattr(lib, name)(x, hx, list(w), bias, layers, 0.0, False, bidirectional, batch_first)
    check(run, x, h0, *params, check_grad_fn=False)


@pytest.mark.parametrize("name, gates", [("lstm_cell", 4), ("gru_cell", 3), ("rnn_tanh_cell", 1),
                                         ("rnn_relu_cell", 1)])
def test_cells(name, gates):
    x, h = randn(2, FEATURES), randn(2, HIDDEN, seed=3)
    w = weights(gates, 1, 1, True)

    def run(lib, x, h, w_ih, w_hh, b_ih, b_hh):
        hx = (h, h * 0.5) if name == "lstm_cell" else h
        return getattr(lib, name)(x, hx, w_ih, w_hh, b_ih, b_hh)
    check(run, x, h, *w, check_grad_fn=False)
    check(lambda lib, x, h, a, b: getattr(lib, name)(x, (h, h) if name == "lstm_cell" else h, a, b), x, h, w[0], w[1],
          check_grad_fn=False)
    assert np.isfinite(x).all()
