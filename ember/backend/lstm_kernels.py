"""The elementwise part of one LSTM time step, the work between two of its matrix products.

NOTE [ Fused LSTM steps ]
A step of the LSTM's time loop does a few dozen floating-point operations per hidden unit, on a
(batch, hidden) block small enough that NumPy spends most of each call on the call itself: one step is about
30 array calls, forward and backward, and the backward's 17 of them take about 23 us at batch 16, hidden 256.
Where numba is installed (and once the process has done some work: NOTE [ When to compile ] in
backend/compiled.py), a float32 or float64 NumPy step runs three compiled loops instead (the gate sum,
the cell update and the backward, that one in about 5 us), between which only the matrix products and two
tanh calls stay NumPy's; elsewhere (no numba, CuPy, other dtypes) it runs as array calls. Both do the same
operations in the same order and dtype, so they give the same bits (tests/backend/test_lstm_kernels.py).
The loops are compiled on first use and cached on disk by numba, so no process compiles them twice.

The gate block `a` of a step is (4, n, hidden): the activations of the gates i, f, g, o, each a
contiguous (n, hidden) array (see ember/ops/recurrent.py for the layout and for the tanh form of the
sigmoid gates).
"""
import functools

import numpy

from . import array_module, compiled


def gate_sum_arrays(projected_t, start: int, rec, bias, scale, a) -> None:
    """Write the scaled pre-activations of the step's n rows into the gate block `a`: (the input's part, columns
    start:start + n of `projected_t` (4 hidden, rows), plus the recurrent part `rec` (4 hidden, n), plus `bias`
    unless None) times `scale` (4 hidden,). `rec` may be overwritten."""
    n = rec.shape[1]
    rec += projected_t[:, start:start + n]
    if bias is not None:
        rec += bias[:, None]
    rec *= scale[:, None]
    a[...] = rec.reshape(a.shape[0], a.shape[2], n).transpose(0, 2, 1)


def cell_forward_arrays(a, c, c_prev) -> None:
    """Turn the tanh-form sigmoid gates of `a` into sigmoids (0.5 t + 0.5), save the cell state `c` into
    `c_prev` and advance it: c = f c_prev + i g."""
    for sigmoid in (a[:2], a[3]):
        sigmoid *= 0.5
        sigmoid += 0.5
    i, f, g, _ = a
    c_prev[...] = c
    array_module(c).multiply(f, c_prev, out=c)
    c += i * g


def cell_backward_arrays(d, d_out, a, tanh_c, c_prev, dc, d_rows) -> None:
    """From the gradient `d` of the step's hidden output (plus `d_out`, the output's, unless None; `d` may
    be overwritten), write the gradients of the gates' pre-activations into the (n, 4 hidden) rows
    `d_rows` and move the cell state's gradient `dc` one step back."""
    xp = array_module(d)
    if d_out is not None:
        d += d_out
    n, hidden = d.shape
    dg, dcs = xp.empty_like(a), xp.empty_like(d)
    xp.multiply(a, a, out=dg)  # the activations' derivatives: a - a^2 for sigmoid, 1 - a^2 for tanh
    xp.subtract(a[:2], dg[:2], out=dg[:2])
    xp.subtract(1, dg[2], out=dg[2])
    xp.subtract(a[3], dg[3], out=dg[3])
    dg[0] *= a[2]
    dg[1] *= c_prev
    dg[2] *= a[0]
    dg[3] *= tanh_c
    xp.multiply(tanh_c, tanh_c, out=dcs)
    xp.subtract(1, dcs, out=dcs)
    dcs *= a[3]
    dcs *= d
    dc += dcs
    dg[:3] *= dc
    dg[3] *= d
    dc *= a[1]
    d_rows.reshape(n, 4, hidden)[...] = dg.transpose(1, 0, 2)


def _gate_sum_loops(projected_t, start, rec, bias, scale, a):
    """gate_sum_arrays as loops, for numba (`rec` is left as it is)."""
    hidden, n = a.shape[2], a.shape[1]
    for gate in range(a.shape[0]):
        ag = a[gate]
        for k in range(hidden):
            q = gate * hidden + k
            p, r, s = projected_t[q, start:start + n], rec[q], scale[q]
            if bias is None:
                for j in range(n):
                    ag[j, k] = (p[j] + r[j]) * s
            else:
                b = bias[q]
                for j in range(n):
                    ag[j, k] = (p[j] + r[j] + b) * s


def _cell_forward_loops(a, c, c_prev, one):
    """cell_forward_arrays as loops over rows, for numba; `one` is 1 in the arrays' dtype."""
    half = one / (one + one)
    for j in range(c.shape[0]):
        i, f, g, o, cj, pj = a[0, j], a[1, j], a[2, j], a[3, j], c[j], c_prev[j]
        for k in range(cj.shape[0]):
            i[k] = i[k] * half + half
            f[k] = f[k] * half + half
            o[k] = o[k] * half + half
            pj[k] = cj[k]
            cj[k] = f[k] * pj[k] + i[k] * g[k]


def _cell_backward_loops(d, d_out, a, tanh_c, c_prev, dc, d_rows, one):
    """cell_backward_arrays as loops over rows, for numba (`d` is left as it is); `one` is 1 in the arrays'
    dtype."""
    hidden = d.shape[1]
    for j in range(d.shape[0]):
        dj, i, f, g, o, tj, pj, cj = d[j], a[0, j], a[1, j], a[2, j], a[3, j], tanh_c[j], c_prev[j], dc[j]
        di, df, dgg, do = (d_rows[j, :hidden], d_rows[j, hidden:2 * hidden], d_rows[j, 2 * hidden:3 * hidden],
                           d_rows[j, 3 * hidden:])
        oj = dj if d_out is None else d_out[j]
        for k in range(hidden):
            dh = dj[k] if d_out is None else dj[k] + oj[k]
            t = tj[k]
            c = cj[k] + (one - t * t) * o[k] * dh
            di[k] = (i[k] - i[k] * i[k]) * g[k] * c
            df[k] = (f[k] - f[k] * f[k]) * pj[k] * c
            dgg[k] = (one - g[k] * g[k]) * i[k] * c
            do[k] = (o[k] - o[k] * o[k]) * t * dh
            cj[k] = c * f[k]


@functools.cache
def _compiled():
    """The loops compiled by numba, or None where numba is not installed."""
    jit = compiled.jit()
    if jit is None:
        return None
    forward, backward = jit(_cell_forward_loops), jit(_cell_backward_loops)

    # a Python number in the loops would make numba compute in float64: they take 1 in the arrays' dtype
    def cell_forward(a, c, c_prev):
        forward(a, c, c_prev, a.dtype.type(1))

    def cell_backward(d, d_out, a, tanh_c, c_prev, dc, d_rows):
        backward(d, d_out, a, tanh_c, c_prev, dc, d_rows, a.dtype.type(1))
    return jit(_gate_sum_loops), cell_forward, cell_backward


def lstm_cell_kernels(array, elements: int) -> tuple:
    """(gate_sum, cell_forward, cell_backward) for steps over arrays like `array`, whose gates have `elements` in all:
    compiled loops for a float32 or float64 NumPy array where numba is installed (NOTE [ When to compile ] in
    backend/compiled.py), else array calls (NOTE [ Fused LSTM steps ])."""
    if type(array) is numpy.ndarray and array.dtype in (numpy.float32, numpy.float64):
        loops = compiled.loops_after(elements, _compiled)
        if loops is not None:
            return loops
    return gate_sum_arrays, cell_forward_arrays, cell_backward_arrays
