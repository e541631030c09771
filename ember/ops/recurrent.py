"""Recurrent layers as fused ops: `rnn_layer` runs one layer of RNN, LSTM or GRU in one direction over a
whole batch of sequences and records one autograd node. The cells' single steps (`lstm_cell`, `gru_cell`,
`rnn_tanh_cell`, `rnn_relu_cell`, as torch's functions) are compositions of differentiable ops, which also give the
layers their second derivatives (NOTE [ Recurrent double backward ]).

The sequences come as packed rows: `input` is (N, input_size), the rows of time step 0, then those of
step 1, ..., with batch_sizes[t] rows at step t, non-increasing; a padded (T, B, input_size) batch is the
case of all sizes B, and its output keeps the (T, B) shape. At step t only the first batch_sizes[t]
sequences are active and the others keep their state, so each sequence's final state is the one after its
own last step, in either direction.

The input's contribution to every gate of every step is one matrix product before the time loop (for the
LSTM, one per CHUNK_ROWS rows, made just before their steps, which then find it in cache); each step is one
product h @ W_hh^T for all gates and a few elementwise calls (the LSTM's: NOTE [ Fused LSTM steps ] in
ember/backend/lstm_kernels.py). The backward runs backpropagation through time on arrays, one product per
step for the state's gradient; the gradients of the input and of every weight are products over all steps
after the loop. On a padded batch, the RNN's and the LSTM's steps read their state from the previous step's
output rows (_state_rows), without a copy.

Sigmoid is computed through tanh, sigmoid(x) = 0.5 + 0.5 tanh(x / 2), with the 1/2 folded into the rows
of the weights and biases that feed sigmoid gates (GRU) or into the sum of a step's pre-activations (LSTM,
where it costs nothing in the compiled loop; a product by 1/2 is exact, so both give the same bits): one
tanh call activates all four LSTM gates. With `scale` s (1/2 for a sigmoid gate, 1 for a tanh one) and
`shift` (1/2 and 0), a gate's activation is a = s tanh(s x) + shift, and its derivative is s^2 - (a - shift)^2.
"""
import itertools

from .._dtype import bfloat16, float32
from ..autograd.graph import Node
from ..backend import array_module
from ..backend.lstm_kernels import lstm_cell_kernels
from .activation import relu
from .autocast import AUTOCAST_OPS, autocast_call
from .base import GRAD_ENABLED, Tensor, record_outputs, wrap
from .elementwise import sigmoid, tanh
from .linalg import linear
from .shape import cat

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class MkldnnRnnLayerBackward0(Node):
    """The backward of one layer and direction of a recurrent layer: backpropagation through time.

    Named as PyTorch names the node of its fused CPU LSTM layer; PyTorch's CPU GRU and RNN record one node
    per step instead (their outputs show StackBackward0), and ember records this node for every mode.
    Under create_graph its gradients come from a recomputation (NOTE [ Recurrent double backward ])."""
    __slots__ = ()

    def apply(self, grads):
        wanted = [meta is not None for meta in self._shapes]
        if GRAD_ENABLED[0]:
            return _composed_backward(grads, wanted, *self.saved_values()[:10])
        return _backward(grads, wanted, *self.saved_values())


# NOTE [ Recurrent double backward ]
# The layer's backward runs on arrays, so its gradients have no graph. Under create_graph (a gradient penalty, a
# Hessian-vector product), the node instead recomputes the layer step by step from differentiable ops (the
# cells' formulas on tensors) and differentiates that recomputation with autograd.grad(create_graph=True): the
# gradients it returns then have a graph over the layer's inputs, as PyTorch's have. This costs a second
# forward, only where a second derivative is asked for.
def _composed_backward(grads, wanted, mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, steps):
    """The gradients of (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr), None where not `wanted`, with a graph."""
    from ..autograd import grad  # layer: autograd.grad runs the engine, which imports the ops
    inputs = (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr)
    outputs = _recomputed(mode, inputs, steps)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
    chosen = [t for t, want in zip(inputs, wanted) if want]
    found = iter(grad([o for o, _ in pairs], chosen, [g for _, g in pairs], create_graph=True, allow_unused=True))
    return tuple(next(found) if want else None for want in wanted)


def _recomputed(mode, inputs, steps):
    """(output, final hidden state[, final cell state]) of the layer, from the cells' differentiable steps."""
    input, h, c, w_ih, w_hh, b_ih, b_hh, w_hr = inputs
    rows = input.reshape(-1, input.shape[-1])
    step = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "GRU": gru_cell}.get(mode)
    outs = {}
    for start, stop, n in steps:
        x, h_prev = rows[start:stop], h[:n]
        if mode == "LSTM":
            h_new, c_new = lstm_cell(x, (h_prev, c[:n]), w_ih, w_hh, b_ih, b_hh)
            h_new = h_new if w_hr is None else h_new @ w_hr.t()
            c = c_new if n == c.shape[0] else cat([c_new, c[n:]])
        else:
            h_new = step(x, h_prev, w_ih, w_hh, b_ih, b_hh)
        outs[start] = h_new
        h = h_new if n == h.shape[0] else cat([h_new, h[n:]])
    output = cat([outs[start] for start in sorted(outs)]).reshape(tuple(input.shape[:-1]) + (h.shape[-1],))
    return (output, h, c) if mode == "LSTM" else (output, h)


# ---- the cells' steps as functions (torch.lstm_cell, ...) --------------------------------------------------------
def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One Elman step: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    if "rnn_tanh_cell" in AUTOCAST_OPS[0]:
        return autocast_call("rnn_tanh_cell", rnn_tanh_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return tanh(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One Elman step with relu."""
    if "rnn_relu_cell" in AUTOCAST_OPS[0]:
        return autocast_call("rnn_relu_cell", rnn_relu_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    return relu(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh))


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step (gates i, f, g, o): the next (h, c) from hx = (h, c)."""
    if "lstm_cell" in AUTOCAST_OPS[0]:
        return autocast_call("lstm_cell", lstm_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    h, c = hx
    i, f, g, o = (linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh)).chunk(4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: h' = n + z (h - n), n = tanh(W_in x + b_in + r (W_hn h + b_hn))."""
    if "gru_cell" in AUTOCAST_OPS[0]:
        return autocast_call("gru_cell", gru_cell, input, hx, w_ih, w_hh, b_ih, b_hh)
    i_r, i_z, i_n = linear(input, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = linear(hx, w_hh, b_hh).chunk(3, 1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    return n + z * (hx - n)


def rnn_layer(mode: str, input: Tensor, hx: Tensor, cx: Tensor | None, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor | None, batch_sizes, reverse: bool = False):
    """One layer of `mode` ('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU') in one direction over packed rows (N, features)
    or a padded (T, B, features) batch (see the module docstring): (output, final hidden state (B, size)) and,
    for LSTM, the final cell state, all recorded as outputs of one MkldnnRnnLayerBackward0 node."""
    if mode.lower() in AUTOCAST_OPS[0]:  # PyTorch autocasts its CPU LSTM layer (oneDNN's), not its GRU and RNN layers
        return autocast_call(mode.lower(), rnn_layer, mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes,
                             reverse)
    inputs = (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr)
    _check_dtypes(inputs)
    x = _rows(input._data)
    xp = array_module(x)
    starts = itertools.accumulate(batch_sizes[:-1], initial=0)
    steps = [(start, start + n, n) for start, n in zip(starts, batch_sizes)]
    if reverse:
        steps.reverse()
    bias = (None if b_ih is None else b_ih._data, None if b_hh is None else b_hh._data)
    if mode == "LSTM":
        outs, saved = _lstm(xp, x, hx._data, cx._data, w_ih._data, w_hh._data, bias,
                            None if w_hr is None else w_hr._data, steps)
    elif mode == "GRU":
        outs, saved = _gru(xp, x, hx._data, w_ih._data, w_hh._data, bias, steps)
    else:
        outs, saved = _rnn(xp, x, hx._data, w_ih._data, w_hh._data, bias, steps, mode == "RNN_RELU")
    shape = input.shape[:-1] + outs[0].shape[-1:]
    results = (wrap(outs[0].reshape(shape)),) + tuple(wrap(a) for a in outs[1:])
    if GRAD_ENABLED[0] and any(t is not None and t._rg for t in inputs):
        node = MkldnnRnnLayerBackward0()
        node.n_outputs = len(results)
        if mode != "GRU":  # saved[0] is the output, which the saved states share (the GRU's are copies)
            if _saves_output(mode, input, w_hr):  # version-checked, as PyTorch's fused LSTM saves its output
                saved = (results[0],) + saved[1:]
            else:  # PyTorch's other layers save no output: the caller's is a copy, the saved one private
                saved = (wrap(outs[0]),) + saved[1:]
                results = (wrap(outs[0].copy().reshape(shape)),) + results[1:]
        record_outputs(results, node, inputs, (mode,) + inputs + (steps, hx.shape[0]) + saved)
    return results


def _saves_output(mode, input, w_hr) -> bool:
    """Whether PyTorch saves this layer's output for its backward, so that changing it in place makes backward
    raise: its fused (oneDNN) LSTM does, on a padded float32 or bfloat16 batch without projections."""
    return mode == "LSTM" and input.ndim == 3 and w_hr is None and input.dtype in (float32, bfloat16)


def _rows(a):
    """An input or output array as rows (N, features), time step by time step."""
    return a.reshape(-1, a.shape[-1])


def _check_dtypes(tensors):
    x = tensors[0]
    if x._data.dtype.kind not in "fV":
        raise RuntimeError(f"rnn: expected a floating point input, but got {x.dtype}")
    names = ("input", "hx", "cx", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    for name, t in zip(names[1:], tensors[1:]):
        if t is not None and t._data.dtype != x._data.dtype:
            raise RuntimeError(f"rnn: expected {name} of dtype {x.dtype} (the input's), but got {t.dtype}")


def _gate_scale(xp, dtype, hidden, kinds):
    """Per gate column: the scale s and shift of the tanh form of the gates named by `kinds` ('s' sigmoid,
    't' tanh; see the module docstring)."""
    scale = xp.concatenate([xp.full(hidden, 0.5 if k == "s" else 1.0, dtype) for k in kinds])
    shift = xp.concatenate([xp.full(hidden, 0.5 if k == "s" else 0.0, dtype) for k in kinds])
    return scale, shift


def _project(x, w, scale, bias, out=None):
    """x @ (scale * w)^T + bias: the input's contribution to every gate of every step, as one product (into
    `out` if given)."""
    out = array_module(x).matmul(x, (w if scale is None else w * scale[:, None]).T, out=out)
    if bias is not None:
        out += bias
    return out


def _recurrent(w, h):
    """h @ w^T, computed as (w @ h^T)^T: with the weight as the left operand and the few rows of h as the
    right one, BLAS (OpenBLAS) runs this product 1.5-2x faster."""
    return (w @ h.T).T


def _summed_bias(b_ih, b_hh, scale=None):
    """(b_ih + b_hh) * scale, for the gates that both biases feed before the step's nonlinearity; None
    without biases."""
    present = [b for b in (b_ih, b_hh) if b is not None]
    if not present:
        return None
    total = present[0] + present[1] if len(present) == 2 else present[0]
    return total if scale is None else total * scale


def _rnn(xp, x, h0, w_ih, w_hh, bias, steps, relu):
    h = h0.copy()
    out, h_prev, shifted = _state_rows(xp, h, steps, x.shape[0])
    _project(x, w_ih, None, _summed_bias(*bias), out)
    for start, stop, n in steps:
        a, hp = out[start:stop], h_prev[start:stop]
        if not shifted:
            hp[...] = h[:n]
        a += _recurrent(w_hh, hp)
        if relu:
            xp.maximum(a, 0, out=a)
        else:
            xp.tanh(a, out=a)
        if not shifted:
            h[:n] = a
    return (out, _final_state(h, out, steps, shifted)), (out, h_prev)


def _lstm(xp, x, h0, c0, w_ih, w_hh, bias, w_hr, steps):
    hidden = w_hh.shape[0] // 4
    scale, _ = _gate_scale(xp, x.dtype, hidden, "ssts")
    bias = _summed_bias(*bias)
    h, c = h0.copy(), c0.copy()
    rows = x.shape[0]
    # the activations of step (start, stop, n) are the contiguous (4, n, hidden) block gates[4 hidden start:
    # 4 hidden stop], one contiguous (n, hidden) array per gate: elementwise calls on them take NumPy's fast path
    block = 4 * hidden
    gates = xp.empty(rows * block, x.dtype)
    out, h_prev, shifted = _state_rows(xp, h, steps, rows)
    c_prev, tanh_c = (xp.empty((rows, hidden), x.dtype) for _ in range(2))
    full = out if w_hr is None else xp.empty((rows, hidden), x.dtype)
    multiply, tanh = xp.multiply, xp.tanh
    gate_sum, cell_forward, _ = lstm_cell_kernels(x, gates.size)
    zero_state = not h.any()  # the first step of a zero initial state (hx=None) needs no product
    lo = hi = 0
    for index, (start, stop, n) in enumerate(steps):
        if not lo <= start < hi:
            lo, hi = _chunk(steps, index)
            projected_t = w_ih @ x[lo:hi].T  # (4 hidden, rows): faster than x @ w^T here, as in _recurrent
        a, hp, cn = gates[block * start:block * stop].reshape(4, n, hidden), h_prev[start:stop], c[:n]
        if not shifted:
            hp[...] = h[:n]
        rec = xp.zeros((block, n), x.dtype) if zero_state else w_hh @ hp.T  # see _recurrent
        gate_sum(projected_t, start - lo, rec, bias, scale, a)
        zero_state = False
        tanh(a, out=a)
        cell_forward(a, cn, c_prev[start:stop])
        tc = tanh(cn, out=tanh_c[start:stop])
        multiply(a[3], tc, out=full[start:stop])
        if w_hr is not None:
            xp.matmul(full[start:stop], w_hr.T, out=out[start:stop])
        if not shifted:
            h[:n] = out[start:stop]
    return (out, _final_state(h, out, steps, shifted), c), (out, gates, h_prev, c_prev, tanh_c, full)


def _state_rows(xp, h0, steps, rows):
    """(out, h_prev, shifted): the rows of every step's output state and of the state it starts from. Where
    every step has the whole batch (a padded batch), both are views of one buffer that holds h0 and then the
    outputs in the order of the steps, h_prev shifted one step behind `out`, so the steps need not copy their
    state (`shifted` True); otherwise (packed sequences) two arrays, which the steps fill."""
    batch, size = h0.shape
    if any(n != batch for _, _, n in steps):
        return xp.empty((rows, size), h0.dtype), xp.empty((rows, size), h0.dtype), False
    states = xp.empty((rows + batch, size), h0.dtype)
    if steps[0][0] == 0:  # forward in time: h0 first
        states[:batch] = h0
        return states[batch:], states[:rows], True
    states[rows:] = h0
    return states[:rows], states[batch:], True


def _final_state(h, out, steps, shifted):
    """The state after the last step: `h`, which the steps updated, or else (shifted states) the last step's output
    rows copied into it."""
    if shifted:
        start, stop, _ = steps[-1]
        h[...] = out[start:stop]
    return h


CHUNK_ROWS = 128


def _chunk(steps, index):
    """The rows of steps[index:] that the next input projection covers: at least CHUNK_ROWS (or all)."""
    rows, end = 0, index
    while end < len(steps) and rows < CHUNK_ROWS:
        rows += steps[end][2]
        end += 1
    group = steps[index:end]
    return min(s[0] for s in group), max(s[1] for s in group)


def _gru(xp, x, h0, w_ih, w_hh, bias, steps):
    hidden = w_hh.shape[0] // 3
    scale, shift = _gate_scale(xp, x.dtype, hidden, "sst")
    b_ih, b_hh = bias
    b_hn = None
    if b_hh is not None:  # b_hh's n part is added to h @ W_hn^T, inside r * (...)
        b_hn = b_hh[2 * hidden:]
        b_hh = b_hh.copy()
        b_hh[2 * hidden:] = 0
    gates = _project(x, w_ih, scale, _summed_bias(b_ih, b_hh, scale))
    w_rec = w_hh * scale[:, None]
    h = h0.copy()
    rows = x.shape[0]
    h_prev, hidden_n, out = (xp.empty((rows, hidden), x.dtype) for _ in range(3))  # not shared: see rnn_layer
    rz, r, z, new = slice(0, 2 * hidden), slice(0, hidden), slice(hidden, 2 * hidden), slice(2 * hidden, None)
    for start, stop, n in steps:
        a, hp, hn, o = gates[start:stop], h_prev[start:stop], hidden_n[start:stop], out[start:stop]
        hp[...] = h[:n]
        gh = _recurrent(w_rec, hp)
        a_rz = a[:, rz]
        a_rz += gh[:, rz]
        xp.tanh(a_rz, out=a_rz)
        a_rz *= 0.5
        a_rz += 0.5
        if b_hn is None:
            hn[...] = gh[:, new]
        else:
            xp.add(gh[:, new], b_hn, out=hn)
        a_n = a[:, new]
        a_n += a[:, r] * hn
        xp.tanh(a_n, out=a_n)
        xp.subtract(hp, a_n, out=o)
        o *= a[:, z]
        o += a_n
        h[:n] = o
    return (out, h), (gates, h_prev, hidden_n)


def _backward(grads, wanted, mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, steps, batch, *saved):
    """The gradients of (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr), None where not `wanted`."""
    x = _rows(input._data)
    xp = array_module(x)
    d_out = None if grads[0] is None else _rows(grads[0]._data)
    out_size = w_hh._data.shape[1]

    def state_grad(g, size):
        return xp.zeros((batch, size), x.dtype) if g is None else g._data.astype(x.dtype, copy=True)

    dh = state_grad(grads[1], out_size)
    w_back = w_hh._data.T  # dh_prev = dG @ W_hh as (W_hh^T @ dG^T)^T; a view: faster here than a transposed copy
    dc = d_hr = full = None
    if mode == "LSTM":
        dc = state_grad(grads[2], w_hh._data.shape[0] // 4)
        d_in, d_hr, full, h_prev = _lstm_backward(xp, d_out, dh, dc, w_back, w_hr, saved, steps, wanted[1])
        d_rec = d_in
    elif mode == "GRU":
        d_in, d_rec, h_prev = _gru_backward(xp, d_out, dh, w_back, saved, steps)
    else:
        d_in, h_prev = _rnn_backward(xp, d_out, dh, w_back, saved, steps, mode == "RNN_RELU")
        d_rec = d_in
    w = w_ih._data
    d_b_ih = d_in.sum(0) if wanted[5] else None
    d_b_hh = None
    if wanted[6]:  # where both biases feed the same sum, b_hh gets b_ih's values (in an array of its own)
        d_b_hh = d_b_ih.copy() if d_b_ih is not None and d_rec is d_in else d_rec.sum(0)
    result = [
        (d_in @ w).reshape(input.shape) if wanted[0] else None, dh, dc,
        d_in.T @ x if wanted[3] else None, d_rec.T @ h_prev if wanted[4] else None, d_b_ih, d_b_hh,
        d_hr.T @ full if wanted[7] else None]
    return tuple(None if a is None or not want else wrap(a) for a, want in zip(result, wanted))


def _rnn_backward(xp, d_out, dh, w_back, saved, steps, relu):
    out, h_prev = saved
    out = _rows(out._data)
    deriv = (out > 0).astype(out.dtype) if relu else 1 - out * out
    d_pre = xp.empty_like(out)
    for start, stop, n in reversed(steps):
        d = dh[:n]
        if d_out is not None:
            d += d_out[start:stop]
        dp = xp.multiply(d, deriv[start:stop], out=d_pre[start:stop])
        if relu:
            dp += 0.0  # -0. (a negative gradient times a zero derivative) becomes 0., as PyTorch gives
        d[...] = _recurrent(w_back, dp)
    return d_pre, h_prev


def _lstm_backward(xp, d_out, dh, dc, w_back, w_hr, saved, steps, want_dh0):
    _, gates, h_prev, c_prev, tanh_c, full = saved
    rows, hidden = c_prev.shape
    d_gates = xp.empty((rows, 4 * hidden), gates.dtype)
    proj = w_hr is not None
    if proj:
        w_hr = w_hr._data
        d_hr = xp.empty((rows, w_hr.shape[0]), gates.dtype)
    cell_backward = lstm_cell_kernels(gates, gates.size)[2]
    last = steps[0][0]
    if d_out is not None:
        d_out = xp.ascontiguousarray(d_out)  # a gradient from sum() is a broadcast: compiled loops run 3x slower on it
    for start, stop, n in reversed(steps):
        d, d_step = dh[:n], None if d_out is None else d_out[start:stop]
        if proj:  # the gradient reaches the cell through h = (o tanh c) W_hr^T
            d_hr[start:stop] = d if d_step is None else d + d_step
            d, d_step = d_hr[start:stop] @ w_hr, None
        rows_n = d_gates[start:stop]
        cell_backward(d, d_step, gates[4 * hidden * start:4 * hidden * stop].reshape(4, n, hidden),
                      tanh_c[start:stop], c_prev[start:stop], dc[:n], rows_n)
        if want_dh0 or start != last:  # after the last step, dh is the initial state's gradient
            dh[:n] = _recurrent(w_back, rows_n)
    return d_gates, d_hr if proj else None, full, h_prev


def _gru_backward(xp, d_out, dh, w_back, saved, steps):
    gates, h_prev, hidden_n = saved
    rows, hidden = h_prev.shape
    r, z, n_ = (gates[:, k * hidden:(k + 1) * hidden] for k in range(3))
    # per row: d pre_n / d h = (1 - z)(1 - n^2); d pre_z / d h = (h_prev - n) z (1 - z);
    # d pre_r / d pre_n = hidden_n r (1 - r)
    to_new = (1 - z) * (1 - n_ * n_)
    to_z = (h_prev - n_) * z * (1 - z)
    to_r = hidden_n * r * (1 - r)
    d_new = xp.empty_like(h_prev)
    d_rec = xp.empty_like(gates)  # the gradient of h @ W_hh^T + b_hh: its n part is d_new * r
    d_r, d_z, d_n = (d_rec[:, k * hidden:(k + 1) * hidden] for k in range(3))
    for start, stop, n in reversed(steps):
        d = dh[:n]
        if d_out is not None:
            d += d_out[start:stop]
        dn = xp.multiply(d, to_new[start:stop], out=d_new[start:stop])
        xp.multiply(d, to_z[start:stop], out=d_z[start:stop])
        xp.multiply(dn, to_r[start:stop], out=d_r[start:stop])
        xp.multiply(dn, r[start:stop], out=d_n[start:stop])
        d *= z[start:stop]
        d += _recurrent(w_back, d_rec[start:stop])
    d_in = d_rec.copy()
    d_in[:, 2 * hidden:] = d_new
    return d_in, d_rec, h_prev
