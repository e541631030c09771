"""The special functions of the torch namespace: erf, erfc, erfinv (SciPy's kernels, or CuPy's, in float64),
lgamma, digamma and polygamma (vectorised series here), with their backward formulas."""
from math import factorial

import numpy as np

from ..autograd.graph import node_classes
from ..backend import array_module, special_functions
from .base import GRAD_ENABLED, record, refuse_complex, wrap, write_out
from .elementwise import _float_array, _unary

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma"]

GRADIENTS = {
    "ErfBackward0": lambda g, x: ((-x.pow(2)).exp() * _TWO_OVER_SQRT_PI * g,),
    "ErfcBackward0": lambda g, x: (g * -_TWO_OVER_SQRT_PI * (-(x * x)).exp(),),
    "ErfinvBackward0": lambda g, r: (g * (0.5 * _SQRT_PI) * (r * r).exp(),),
    "LgammaBackward0": lambda g, x: (g * digamma(x),),
    "DigammaBackward0": lambda g, x: (g * _trigamma_tensor(x),),
    "PolygammaBackward0": lambda g, n, x: (g * _polygamma_tensor(n + 1, x),),
}
NODES = node_classes(GRADIENTS)


_TWO_OVER_SQRT_PI = 1.1283791670955126
_SQRT_PI = 1.7724538509055159


def _as_float64(input, name):
    a = _float_array(input, name)
    return a, a.astype(np.float64, copy=False)


def _in_float64(name: str):
    """SciPy's (or CuPy's) kernel `name`, computed in float64 and returned in its argument's dtype."""
    def kernel(a):
        refuse_complex(a.dtype, f"{name}_vml_cpu")
        return getattr(special_functions(a), name)(a.astype(np.float64, copy=False)).astype(a.dtype, copy=False)
    return kernel


erf = _unary(_in_float64("erf"), NODES.ErfBackward0, False, "erf", "The error function, elementwise.")
erfc = _unary(_in_float64("erfc"), NODES.ErfcBackward0, False, "erfc",
              "The complementary error function 1 - erf(input), accurate where erf is near 1.")
erfinv = _unary(_in_float64("erfinv"), NODES.ErfinvBackward0, True, "erfinv",
                "The inverse error function, elementwise (+-inf at +-1, NaN outside [-1, 1]).")


# Lanczos approximation, g = 7, n = 9.
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_2PI = 0.91893853320467274


def _lgamma_positive(x):
    """log(gamma(x)) for x >= 0.5."""
    xp = array_module(x)
    z = x - 1
    s = xp.full_like(z, _LANCZOS[0])
    for i in range(1, 9):
        s += _LANCZOS[i] / (z + i)
    t = z + 7.5
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(s)


def _lgamma(x):
    xp = array_module(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = x < 0.5
        r = _lgamma_positive(xp.where(small, 1 - x, x))
        if small.any():
            sin = xp.abs(xp.sin(np.pi * (x - xp.round(x))))
            reflected = xp.log(np.pi / sin) - r
            r = xp.where(small, xp.where(sin == 0, np.inf, reflected), r)
        return xp.where(xp.isinf(x), np.inf, r)


def lgamma(input, *, out=None):
    """log(|gamma(input)|), elementwise (+inf at the poles 0, -1, -2, ...)."""
    a, x = _as_float64(input, "lgamma")
    r = wrap(_lgamma(x).astype(a.dtype, copy=False))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.LgammaBackward0(), (input,), (input,))
    return r if out is None else write_out(out, r, "lgamma")


def _shifted(x, terms):
    """For x >= 0.5: x shifted up by 10 where it is below 10, and the recurrence's sum of terms(x + k)."""
    xp = array_module(x)
    low = x < 10
    acc = xp.zeros_like(x)
    y = x.copy()
    for _ in range(10):
        acc += xp.where(low, terms(y), 0.0)
        y = xp.where(low, y + 1, y)
    return y, acc


def _digamma(x):
    xp = array_module(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg = x < 0.5
        v = xp.where(neg, 1 - x, x)
        y, acc = _shifted(v, lambda y: 1 / y)
        i2 = 1 / (y * y)
        series = i2 * (1 / 12 - i2 * (1 / 120 - i2 * (1 / 252 - i2 * (1 / 240 - i2 * (1 / 132 - i2 * (
            691 / 32760 - i2 / 12))))))
        r = xp.log(y) - 0.5 / y - series - acc
        if neg.any():
            reflected = r - np.pi / xp.tan(np.pi * (x - xp.trunc(x)))  # as PyTorch reduces it
            r = xp.where(neg, xp.where(x == xp.floor(x), np.nan, reflected), r)
        r = xp.where(x == 0, -np.inf, r)
        return xp.where(x == np.inf, np.inf, r)


def _trigamma(x):
    xp = array_module(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg = x < 0.5
        v = xp.where(neg, 1 - x, x)
        y, acc = _shifted(v, lambda y: 1 / (y * y))
        iy = 1 / y
        i2 = iy * iy
        r = acc + iy + i2 * (0.5 + iy * (1 / 6 - i2 * (1 / 30 - i2 * (1 / 42 - i2 * (1 / 30 - i2 * (
            5 / 66 - i2 * (691 / 2730 - i2 * 7 / 6)))))))
        if neg.any():
            s = xp.sin(np.pi * (x - xp.round(x)))
            r = xp.where(neg, xp.where(s == 0, np.inf, np.pi * np.pi / (s * s) - r), r)
        return r


def digamma(input, *, out=None):
    """The logarithmic derivative of gamma, elementwise (-inf at 0, NaN at negative integers)."""
    a, x = _as_float64(input, "digamma")
    r = wrap(_digamma(x).astype(a.dtype, copy=False))
    if GRAD_ENABLED[0] and input._rg:
        record(r, NODES.DigammaBackward0(), (input,), (input,))
    return r if out is None else write_out(out, r, "digamma")


_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _polygamma(n, x):
    """polygamma(n, x) for n >= 2: recurrence up to x >= 20 + n, then the asymptotic series."""
    xp = array_module(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sign = (-1) ** (n + 1)
        lim = 20.0 + n
        steps = int(min(max(xp.ceil(lim - xp.nanmin(x)), 0), 2000)) if x.size else 0
        acc = xp.zeros_like(x)
        y = x.copy()
        for _ in range(steps):
            low = y < lim
            acc += xp.where(low, y ** -(n + 1.0), 0.0)
            y = xp.where(low, y + 1, y)
        series = factorial(n - 1) / y ** n + factorial(n) / (2 * y ** (n + 1))
        for k, b in enumerate(_BERNOULLI, 1):
            series += b * factorial(2 * k + n - 1) / factorial(2 * k) / y ** (2 * k + n)
        r = sign * (series + factorial(n) * acc)
        return xp.where((x <= 0) & (x == xp.floor(x)), np.nan, r)


def _polygamma_tensor(n, x):
    """polygamma(n, x) for n >= 1 as a Tensor, recorded so gradients of any order flow."""
    a = x._data.astype(np.float64)
    r = wrap((_trigamma(a) if n == 1 else _polygamma(n, a)).astype(x._data.dtype, copy=False))
    if GRAD_ENABLED[0] and x._rg:
        record(r, NODES.PolygammaBackward0(), (x,), (n, x))
    return r


def _trigamma_tensor(x):
    return _polygamma_tensor(1, x)


METHODS = {"erf": erf, "erfc": erfc, "erfinv": erfinv, "lgamma": lgamma, "digamma": digamma}
