"""The elementwise update of Adam (and AdamW, after its decay), in one pass over each parameter.

NOTE [ Fused Adam update ]
Adam's update of one parameter is 13 whole-array operations (the moments, the bias corrections, the step);
each reads and writes arrays as large as the parameter, so an update of a few hundred thousand parameters
is bound by memory traffic, not by arithmetic. Where numba is installed, float32 and float64 NumPy arrays
take one compiled loop instead, which reads each element once (after the process's first updates: NOTE [ When
to compile ] in backend/compiled.py); elsewhere (no numba, CuPy, other dtypes,
non-contiguous arrays) the array calls run. Both do the same operations in the same order, each rounded to the
arrays' dtype (the scalars too, as NumPy rounds a Python float combined with a float32 array), so they give the
same bits (tests/backend/test_adam_kernel.py).
"""
import functools

import numpy

from . import array_module, compiled


def adam_update_arrays(a, grad, m, v, v_max, beta1: float, beta2: float, lr: float, eps: float, step: float) -> None:
    """Advance the moments `m` and `v` (and the running maximum `v_max` of v, unless None: AMSGrad) with `grad`,
    then move the parameter `a` by Adam's step number `step`, all in place."""
    xp = array_module(a)
    # m = lerp(m, grad, 1 - beta1); v = beta2 * v + (1 - beta2) * grad**2;
    # a -= lr / bias_correction1 * m / (sqrt(v) / sqrt(bias_correction2) + eps), through one scratch array
    buf = grad - m
    buf *= 1 - beta1
    m += buf
    v *= beta2
    xp.multiply(grad, grad, out=buf)
    buf *= 1 - beta2
    v += buf
    if v_max is not None:
        xp.maximum(v_max, v, out=v_max)
        v = v_max
    xp.sqrt(v, out=buf)
    buf /= (1 - beta2 ** step) ** 0.5
    buf += eps
    xp.divide(m, buf, out=buf)
    buf *= -lr / (1 - beta1 ** step)
    a += buf


def _adam_loop(a, grad, m, v, v_max, weight1, beta2, weight2, root2, eps, step_size):
    """adam_update_arrays as one loop over flat arrays, for numba; the scalars come in the arrays' dtype."""
    for i in range(a.shape[0]):
        g = grad[i]
        mi = m[i] + (g - m[i]) * weight1
        vi = v[i] * beta2 + g * g * weight2
        m[i] = mi
        v[i] = vi
        if v_max is not None:
            if not (v_max[i] >= vi or v_max[i] != v_max[i]):  # numpy.maximum: the larger, or nan
                v_max[i] = vi
            vi = v_max[i]
        a[i] += mi / (numpy.sqrt(vi) / root2 + eps) * step_size


@functools.cache
def _compiled():
    """The loop compiled by numba, as adam_update_arrays' signature, or None where numba is not installed."""
    jit = compiled.jit()
    if jit is None:
        return None
    loop = jit(_adam_loop)

    def adam_update(a, grad, m, v, v_max, beta1, beta2, lr, eps, step):
        t = a.dtype.type  # each scalar rounded to the arrays' dtype, as NumPy rounds it in the array calls
        flat = [None if x is None else x.reshape(-1) for x in (a, grad, m, v, v_max)]
        loop(*flat, t(1 - beta1), t(beta2), t(1 - beta2), t((1 - beta2 ** step) ** 0.5), t(eps),
             t(-lr / (1 - beta1 ** step)))
    return adam_update


def adam_update(a, grad, m, v, v_max, beta1: float, beta2: float, lr: float, eps: float, step: float) -> None:
    """adam_update_arrays, as one compiled loop where it can be (NOTE [ Fused Adam update ])."""
    arrays = (a, grad, m, v) if v_max is None else (a, grad, m, v, v_max)
    if all(type(x) is numpy.ndarray and x.flags.c_contiguous and x.dtype == a.dtype and x.shape == a.shape
           for x in arrays) and a.dtype in (numpy.float32, numpy.float64):
        update = compiled.loops_after(a.size, _compiled)
        if update is not None:
            return update(a, grad, m, v, v_max, beta1, beta2, lr, eps, step)
    return adam_update_arrays(a, grad, m, v, v_max, beta1, beta2, lr, eps, step)
