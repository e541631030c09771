"""Recurrent layers (nn.RNN, nn.LSTM, nn.GRU) as ONNX RNN, LSTM and GRU nodes, one per layer and direction.

The modules call `rnn_layer` once per layer and direction and join the results with ember functions; this
converter writes that one call. ONNX orders the gates differently from PyTorch (LSTM: i, o, f, c for PyTorch's
i, f, g, o; GRU: z, r, h for r, z, n), so the weights are reordered, as constants when they are folded and by
Split/Concat nodes when they are graph inputs.
"""
from __future__ import annotations

import numpy as np

from ...backend import to_numpy
from ...ops import recurrent
from .._registry import converts
from ._helpers import dtype_of, squeeze, unsqueeze

_ONNX = {"LSTM": ("LSTM", [0, 3, 1, 2], {}), "GRU": ("GRU", [1, 0, 2], {"linear_before_reset": 1}),
         "RNN_TANH": ("RNN", [0], {"activations": ["Tanh"]}), "RNN_RELU": ("RNN", [0], {"activations": ["Relu"]})}


def _gates(g, weight, order: list[int], dt) -> str:
    """`weight` (gates * hidden, ...) with its gate blocks in ONNX's `order`, and a leading num_directions axis."""
    n = len(order)
    if g.is_constant(weight):
        blocks = np.split(to_numpy(weight._data).astype(dt), n)
        return g.constant(np.concatenate([blocks[i] for i in order])[None])
    w = g.value(weight, dt)
    if n > 1:
        blocks = g.op("Split", w, g.ints([weight.shape[0] // n] * n), outputs=n, axis=0)
        w = g.op("Concat", *[blocks[i] for i in order], axis=0)
    return unsqueeze(g, w, [0])


def _bias(g, b_ih, b_hh, order: list[int], dt) -> str:
    """ONNX's B: the reordered input and recurrent biases joined, (1, 2 * gates * hidden); '' without biases."""
    if b_ih is None and b_hh is None:
        return ""
    zeros = np.zeros((1, (b_ih if b_ih is not None else b_hh).shape[0]), dtype=dt)
    parts = [_gates(g, b, order, dt) if b is not None else g.constant(zeros) for b in (b_ih, b_hh)]
    return g.op("Concat", *parts, axis=1)


@converts(recurrent.rnn_layer)
def rnn_layer(g, out, mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse=False):
    """One layer and direction of a recurrent layer over a padded (T, B, F) batch (or equal-length packed rows)."""
    if w_hr is not None:
        raise g.unsupported("LSTM with proj_size > 0 has no ONNX LSTM form (ONNX's LSTM has no projection)")
    if len({int(n) for n in batch_sizes}) > 1:
        raise g.unsupported("a packed sequence with unequal lengths; export the padded batch with its lengths "
                            "masked outside the model, or pack sequences of one length")
    op_type, order, attributes = _ONNX[mode]
    dt = dtype_of(out[0])
    hidden = w_hh.shape[1]
    x = g.value(input, dt)
    if input.ndim == 2:  # packed rows of equal-length sequences: (T * B, F) -> (T, B, F)
        x = g.op("Reshape", x, g.ints([-1, batch_sizes[0], input.shape[-1]]))
    states = [unsqueeze(g, g.value(s, dt), [0]) for s in (hx, cx) if s is not None]
    results = g.op(op_type, x, _gates(g, w_ih, order, dt), _gates(g, w_hh, order, dt),
                   _bias(g, b_ih, b_hh, order, dt), "", *states, outputs=len(out), hidden_size=hidden,
                   direction="reverse" if reverse else "forward", **attributes)
    y = squeeze(g, results[0], [1])
    if input.ndim == 2:
        y = g.op("Reshape", y, g.ints([-1, hidden]))
    return (y,) + tuple(squeeze(g, r, [0]) for r in results[1:])
