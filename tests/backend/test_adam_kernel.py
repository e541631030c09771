"""NOTE [ Fused Adam update ]: the compiled loop gives the same bits as the array calls it replaces."""
import numpy as np
import pytest

from ember.backend import adam_kernel

numba = pytest.importorskip("numba")


def _state(dtype, seed, shape=(6, 7)):
    rng = np.random.default_rng(seed)
    param, m = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype) * 0.1
    v, v_max = rng.uniform(0, 0.1, shape).astype(dtype), rng.uniform(0, 0.1, shape).astype(dtype)
    return [param, m, v, v_max]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_compiled_loop_gives_the_array_calls_bits(dtype, amsgrad):
    compiled = adam_kernel._compiled()
    assert compiled is not None
    states = [_state(dtype, 0), _state(dtype, 0)]
    rng = np.random.default_rng(1)
    for step in range(1, 6):
        grad = rng.standard_normal(states[0][0].shape).astype(dtype)
        grad[0, :3] = [np.nan, np.inf, 0.0]  # non-finite gradients reach the moments and the maximum alike
        for update, (param, m, v, v_max) in zip((compiled, adam_kernel.adam_update_arrays), states):
            with np.errstate(invalid="ignore"):  # inf - inf
                    update(param, grad, m, v, v_max if amsgrad else None, 0.9, 0.999, 1e-3, 1e-8, float(step))
    for compiled_array, array in zip(*states):
        assert compiled_array.dtype == dtype
        np.testing.assert_array_equal(compiled_array, array, strict=True)
    assert not np.array_equal(states[0][0], _state(dtype, 0)[0])  # the parameter moved


@pytest.mark.parametrize("case", ["float16", "non-contiguous", "mixed dtypes"])
def test_other_arrays_take_the_array_calls(monkeypatch, case):
    calls = []
    monkeypatch.setattr(adam_kernel, "adam_update_arrays", lambda *args: calls.append(args))
    param, m, v, _ = _state(np.float16 if case == "float16" else np.float32, 0, (6, 8))
    grad = np.ones_like(param, dtype=np.float64 if case == "mixed dtypes" else None)
    if case == "non-contiguous":
        param, grad, m, v = (x[:, ::2] for x in (param, grad, m, v))
    adam_kernel.adam_update(param, grad, m, v, None, 0.9, 0.999, 1e-3, 1e-8, 1.0)
    assert len(calls) == 1


def test_contiguous_float32_takes_the_compiled_loop(monkeypatch):
    monkeypatch.setattr(adam_kernel.compiled, "WORK_BEFORE_COMPILING", 0)  # NOTE [ When to compile ]
    monkeypatch.setattr(adam_kernel, "adam_update_arrays", lambda *args: pytest.fail("took the array calls"))
    param, m, v, _ = _state(np.float32, 0)
    before = param.copy()
    adam_kernel.adam_update(param, np.ones_like(param), m, v, None, 0.9, 0.999, 1e-3, 1e-8, 1.0)
    assert not np.array_equal(param, before)
