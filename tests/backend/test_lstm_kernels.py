"""NOTE [ Fused LSTM steps ]: the compiled loops of an LSTM step give the same bits as the array calls they
replace, for each dtype and each form of their optional arguments."""
import numpy as np
import pytest

from ember.backend import compiled as backend_compiled
from ember.backend import lstm_kernels

numba = pytest.importorskip("numba")

N, HIDDEN, ROWS = 5, 7, 15


def _arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return lambda *shape: rng.uniform(-1, 1, shape).astype(dtype)


def _compiled_and_arrays():
    compiled = lstm_kernels._compiled()
    assert compiled is not None
    arrays = (lstm_kernels.gate_sum_arrays, lstm_kernels.cell_forward_arrays, lstm_kernels.cell_backward_arrays)
    return compiled, arrays


def test_numpy_float_arrays_get_the_compiled_loops(monkeypatch):
    compiled, arrays = _compiled_and_arrays()
    monkeypatch.setattr(backend_compiled, "WORK_BEFORE_COMPILING", 0)
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float32), 8) == compiled
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float64), 8) == compiled
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float16), 8) == arrays


def test_a_process_runs_array_calls_until_it_has_done_enough_work(monkeypatch):
    """NOTE [ When to compile ]: the work counts across calls; the loops load once it reaches the threshold."""
    compiled, arrays = _compiled_and_arrays()
    monkeypatch.setattr(backend_compiled, "WORK_BEFORE_COMPILING", 100)
    monkeypatch.setattr(backend_compiled, "_work_done", [0])
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float32), 60) == arrays
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float32), 60) == arrays
    assert backend_compiled._work_done == [120]
    assert lstm_kernels.lstm_cell_kernels(np.zeros(2, np.float32), 60) == compiled


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [False, True])
def test_gate_sum(dtype, with_bias):
    rand = _arrays(dtype)
    projected_t, rec, bias = rand(4 * HIDDEN, ROWS), rand(4 * HIDDEN, N), rand(4 * HIDDEN) if with_bias else None
    scale = np.repeat(np.array([0.5, 0.5, 1, 0.5], dtype), HIDDEN)
    results = []
    for gate_sum in (kernels[0] for kernels in _compiled_and_arrays()):
        a = np.empty((4, N, HIDDEN), dtype)
        gate_sum(projected_t, 6, rec.copy(), bias, scale, a)
        results.append(a)
    assert results[0].tobytes() == results[1].tobytes()
    expected = (projected_t[:, 6:6 + N] + rec + (0 if bias is None else bias[:, None])) * scale[:, None]
    np.testing.assert_allclose(results[0], expected.reshape(4, HIDDEN, N).transpose(0, 2, 1), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cell_forward(dtype):
    rand = _arrays(dtype)
    a, c = rand(4, N, HIDDEN), rand(N, HIDDEN)
    results = []
    for cell_forward in (kernels[1] for kernels in _compiled_and_arrays()):
        state = (a.copy(), c.copy(), np.empty_like(c))
        cell_forward(*state)
        results.append(state)
    for compiled, arrays in zip(*results):
        assert compiled.tobytes() == arrays.tobytes()
    sig = (a + 1) / 2
    np.testing.assert_allclose(results[0][1], sig[1] * c + sig[0] * a[2], rtol=1e-6)
    np.testing.assert_array_equal(results[0][2], c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d_out", ["none", "rows", "broadcast"])
def test_cell_backward(dtype, d_out):
    rand = _arrays(dtype)
    a, tanh_c, c_prev, dc, d = rand(4, N, HIDDEN), rand(N, HIDDEN), rand(N, HIDDEN), rand(N, HIDDEN), rand(N, HIDDEN)
    grad_out = {"none": None, "rows": rand(N, HIDDEN),
                "broadcast": np.broadcast_to(rand(HIDDEN), (N, HIDDEN))}[d_out]
    results = []
    for cell_backward in (kernels[2] for kernels in _compiled_and_arrays()):
        dc_step, d_rows = dc.copy(), np.empty((N, 4 * HIDDEN), dtype)
        cell_backward(d.copy(), grad_out, a, tanh_c, c_prev, dc_step, d_rows)
        results.append((dc_step, d_rows))
    for compiled, arrays in zip(*results):
        assert compiled.tobytes() == arrays.tobytes()
    dh = d if grad_out is None else d + grad_out
    i, f, g, o = a
    dcell = dc + dh * o * (1 - tanh_c ** 2)
    expected = [dcell * g * i * (1 - i), dcell * c_prev * f * (1 - f), dcell * i * (1 - g ** 2),
                dh * tanh_c * o * (1 - o)]
    np.testing.assert_allclose(results[0][1].reshape(N, 4, HIDDEN).transpose(1, 0, 2), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[0][0], dcell * f, rtol=1e-5, atol=1e-6)
