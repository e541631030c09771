"""ember.special: PyTorch's special functions, computed by SciPy's (CuPy's on a GPU) compiled kernels.

SciPy is a runtime dependency of ember for this namespace: NumPy has no error-function, Bessel or gamma-family
kernels, and series written in NumPy ran about 100x slower than PyTorch's. Gradients are given where PyTorch
gives them; the Bessel functions, the orthogonal polynomials and airy_ai have none in PyTorch, so their
results never require grad.
"""
import math

import numpy as np

from . import _dtype, _unsupported
from ._creation import _int
from ._tensor import Tensor, wrap
from .autograd.graph import node_classes
from .backend import array_module, special_functions
from .ops.activation import log_softmax, softmax  # noqa: F401
from .ops.base import check_tensor, needs_grad, record, refuse_complex, write_out
from .ops.elementwise import _float_operands, exp2, expm1, log1p, logit, round, where  # noqa: F401
from .ops.elementwise import sigmoid as expit  # noqa: F401
from .ops.inplace import generic_inplace
from .ops.pointwise import sinc, xlogy  # noqa: F401
from .ops.reduction import logsumexp  # noqa: F401
from .ops.special_math import _polygamma_tensor, digamma, erf, erfc, erfinv  # noqa: F401
from .ops.special_math import lgamma as gammaln

psi = digamma
_SQRT_2PI = math.sqrt(2 * math.pi)


def _float(t: Tensor):
    a = t._data
    return a if a.dtype.kind in "fV" else a.astype(_dtype.get_default_dtype().np)


GRADIENTS = {
    "SpecialNdtrBackward0": lambda g, x: (g * (x * x * -0.5).exp() / _SQRT_2PI,),
    "SpecialLogNdtrBackward0": lambda g, x, r: (g * (x * x * -0.5 - r).exp() / _SQRT_2PI,),
    "SpecialNdtriBackward0": lambda g, r: (g * _SQRT_2PI * (r * r * 0.5).exp(),),
    "SpecialErfcxBackward0": lambda g, x, r: (g * (2 * x * r - 2 / math.sqrt(math.pi)),),
    "I0Backward0": lambda g, x: (g * i1(x),),
    "SpecialI0EBackward0": lambda g, x, r: (g * (i1e(x) - x.sign() * r),),
    "SpecialI1Backward0": lambda g, x, r: (g * where(x == 0, 0.5, i0(x) - r / x),),
    "SpecialI1EBackward0": lambda g, x, r: (g * where(x == 0, 0.5, i0e(x) - r * (x.sign() + 1 / x)),),
    "SpecialEntrBackward0": lambda g, x: (g * -(x.log() + 1),),
    "SpecialXlog1PyBackward0": lambda g, x, y, x_rg: (_xlog1py_dx(g, x, y), g * x / (y + 1)),
    "SpecialXlog1PyBackward1": lambda g, x, y, x_rg: (None, g * x / (y + 1)),
    "SpecialXlog1PyBackward2": lambda g, x, y, x_rg: (_xlog1py_dx(g, x, y), None),
    "SpecialZetaBackward0": lambda g, x, q, x_rg: (_not_implemented("zeta", x_rg), g * -x * zeta(x + 1, q)),
    "SpecialZetaBackward1": lambda g, x, q, x_rg: (None, g * -x * zeta(x + 1, q)),
    "SpecialZetaBackward2": lambda g, x, q, x_rg: (_not_implemented("zeta", x_rg), None),
    "IgammaBackward0": lambda g, a, x, a_rg: (_not_implemented("igamma: input", a_rg), g * _gamma_density(a, x)),
    "IgammacBackward0": lambda g, a, x, a_rg: (_not_implemented("igammac: input", a_rg),
                                               -g * _gamma_density(a, x)),
}
NODES = node_classes(GRADIENTS)


def _not_implemented(what: str, asked: bool) -> None:
    """PyTorch's error when the gradient of an argument it gives none is asked for."""
    if asked:
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")


def _xlog1py_dx(g, x, y):
    return g * where((x == 0).logical_and(y == -1), 0.0, y.log1p())


def _gamma_density(a, x):
    """x^(a-1) e^-x / Gamma(a): the derivative of the regularized incomplete gamma function in x."""
    return ((a - 1) * x.log() - x - gammaln(a)).exp()


def _unary(name: str, kernel, node: str | None = None, saves_result: bool = False):
    """A special function of one tensor computed by `kernel(special, array)`, recorded with node `node`."""
    def op(input: Tensor, *, out=None) -> Tensor:
        check_tensor(name, "input", input, 1)
        a = _float(input)
        refuse_complex(a.dtype, f"{name}_vml_cpu")
        r = wrap(kernel(special_functions(a), a).astype(a.dtype, copy=False))
        if node is not None and needs_grad(input):
            record(r, NODES[node](), (input,), (input, r) if saves_result else (input,))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    return op


ndtr = _unary("ndtr", lambda s, a: s.ndtr(a), "SpecialNdtrBackward0")
log_ndtr = _unary("log_ndtr", lambda s, a: s.log_ndtr(a), "SpecialLogNdtrBackward0", True)
erfcx = _unary("erfcx", lambda s, a: s.erfcx(a), "SpecialErfcxBackward0", True)
i0 = _unary("i0", lambda s, a: s.i0(a), "I0Backward0")
i0e = _unary("i0e", lambda s, a: s.i0e(a), "SpecialI0EBackward0", True)
i1 = _unary("i1", lambda s, a: s.i1(a), "SpecialI1Backward0", True)
i1e = _unary("i1e", lambda s, a: s.i1e(a), "SpecialI1EBackward0", True)
bessel_j0 = _unary("bessel_j0", lambda s, a: s.j0(a))
bessel_j1 = _unary("bessel_j1", lambda s, a: s.j1(a))
bessel_y0 = _unary("bessel_y0", lambda s, a: s.y0(a))
bessel_y1 = _unary("bessel_y1", lambda s, a: s.y1(a))
modified_bessel_i0 = _unary("modified_bessel_i0", lambda s, a: s.i0(a))
modified_bessel_i1 = _unary("modified_bessel_i1", lambda s, a: s.i1(a))
modified_bessel_k0 = _unary("modified_bessel_k0", lambda s, a: s.k0(a))
modified_bessel_k1 = _unary("modified_bessel_k1", lambda s, a: s.k1(a))
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", lambda s, a: s.k0e(a))
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", lambda s, a: s.k1e(a))
spherical_bessel_j0 = _unary("spherical_bessel_j0", lambda s, a: s.spherical_jn(0, a))
airy_ai = _unary("airy_ai", lambda s, a: s.airy(a)[0])
for _f, _doc in [(ndtr, "The standard normal CDF."), (log_ndtr, "The log of the standard normal CDF, accurate far "
                 "into the lower tail."), (erfcx, "The scaled complementary error function exp(x^2) erfc(x)."),
                 (i0, "The modified Bessel function of the first kind, order 0."),
                 (i0e, "i0(x) exp(-|x|)."), (i1, "The modified Bessel function of the first kind, order 1."),
                 (i1e, "i1(x) exp(-|x|)."), (bessel_j0, "The Bessel function of the first kind, order 0."),
                 (bessel_j1, "The Bessel function of the first kind, order 1."),
                 (bessel_y0, "The Bessel function of the second kind, order 0."),
                 (bessel_y1, "The Bessel function of the second kind, order 1."),
                 (modified_bessel_i0, "The modified Bessel function of the first kind, order 0."),
                 (modified_bessel_i1, "The modified Bessel function of the first kind, order 1."),
                 (modified_bessel_k0, "The modified Bessel function of the second kind, order 0."),
                 (modified_bessel_k1, "The modified Bessel function of the second kind, order 1."),
                 (scaled_modified_bessel_k0, "k0(x) exp(x)."), (scaled_modified_bessel_k1, "k1(x) exp(x)."),
                 (spherical_bessel_j0, "The spherical Bessel function of the first kind, order 0: sin(x) / x."),
                 (airy_ai, "The Airy function Ai.")]:
    _f.__doc__ = _doc


def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """The n-th derivative of the digamma function (digamma itself for n = 0)."""
    n = _int(n, "special_polygamma", "n", 1)
    check_tensor("special_polygamma", "input", input, 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = input if input._data.dtype.kind in "fV" else wrap(_float(input))
    r = digamma(x) if n == 0 else _polygamma_tensor(n, x)
    return r if out is None else write_out(out, r, "polygamma")


def ndtri(input: Tensor, *, out=None) -> Tensor:
    """The inverse of the standard normal CDF."""
    check_tensor("special_ndtri", "input", input, 1)
    a = _float(input)
    r = wrap(special_functions(a).ndtri(a).astype(a.dtype, copy=False))
    if needs_grad(input):
        record(r, NODES["SpecialNdtriBackward0"](), (input,), (r,))
    return r if out is None else write_out(out, r, "ndtri")


def entr(input: Tensor, *, out=None) -> Tensor:
    """-x log(x) elementwise: 0 at 0, -inf for negative x."""
    check_tensor("special_entr", "input", input, 1)
    a = _float(input)
    xp = array_module(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.where(a > 0, -a * xp.log(xp.where(a > 0, a, 1)), xp.where(a == 0, 0, -xp.inf))
    r = wrap(xp.where(xp.isnan(a), a, r).astype(a.dtype, copy=False))
    if needs_grad(input):
        record(r, NODES["SpecialEntrBackward0"](), (input,), (input,))
    return r if out is None else write_out(out, r, "entr")


def _binary(name: str, input, other):
    """The float arrays of a binary special function's operands (tensors or numbers), and its result dtype."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected at least one tensor argument")
    if isinstance(input, Tensor):
        return _float_operands(input, other)
    y, x, dt = _float_operands(other, input)
    return x, y, dt


def _record_binary(r, node, input, other, saved):
    """Record `r` with node `node` + 0, or + 1 / + 2 where the first / second operand is a number (PyTorch's
    names for its Scalar overloads), saving `saved` and whether the first operand requires grad."""
    inputs = tuple(t if isinstance(t, Tensor) else None for t in (input, other))
    if needs_grad(*(t for t in inputs if t is not None)):
        values = tuple(t if isinstance(t, Tensor) else wrap(np.asarray(t, r._data.dtype)) for t in saved)
        overload = "1" if inputs[0] is None else "2" if inputs[1] is None else "0"
        record(r, NODES[node + overload](), inputs, values + (isinstance(input, Tensor) and input._rg,))
    return r


def xlog1py(input, other, *, out=None) -> Tensor:
    """input * log1p(other), 0 where input is 0 (unless other is NaN)."""
    x, y, dt = _binary("xlog1py", input, other)
    xp = array_module(x if isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) else y)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.where((xp.asarray(x) == 0) & ~xp.isnan(y), 0, x * xp.log1p(y))
    r = _record_binary(wrap(xp.asarray(r, dt)), "SpecialXlog1PyBackward", input, other, (input, other))
    return r if out is None else write_out(out, r, "xlog1py")


def zeta(input, other, *, out=None) -> Tensor:
    """The Hurwitz zeta function sum_k (k + other) ** -input."""
    x, y, dt = _binary("zeta", input, other)
    r = wrap(np.asarray(special_functions(x).zeta(x, y), dt))
    r = _record_binary(r, "SpecialZetaBackward", input, other, (input, other))
    return r if out is None else write_out(out, r, "zeta")


def gammainc(input, other, *, out=None) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other)."""
    check_tensor("special_gammainc", "input", input, 1)
    check_tensor("special_gammainc", "other", other, 2)
    a, x, dt = _float_operands(input, other)
    r = _record_binary(wrap(np.asarray(special_functions(a).gammainc(a, x), dt)), "IgammaBackward", input, other,
                       (input, other))
    return r if out is None else write_out(out, r, "gammainc")


def gammaincc(input, other, *, out=None) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    check_tensor("special_gammaincc", "input", input, 1)
    check_tensor("special_gammaincc", "other", other, 2)
    a, x, dt = _float_operands(input, other)
    r = _record_binary(wrap(np.asarray(special_functions(a).gammaincc(a, x), dt)), "IgammacBackward", input, other,
                       (input, other))
    return r if out is None else write_out(out, r, "gammaincc")


def multigammaln(input: Tensor, p: int, *, out=None) -> Tensor:
    """The log of the multivariate gamma function of dimension p."""
    check_tensor("special_multigammaln", "input", input, 1)
    p = _int(p, "special_multigammaln", "p", 2)
    if p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, got {p}")
    x = input if input._data.dtype.kind in "fV" else wrap(_float(input))
    terms = [gammaln(x - j / 2) for j in range(p)]
    r = sum(terms[1:], terms[0]) + p * (p - 1) / 4 * math.log(math.pi)
    return r if out is None else write_out(out, r, "multigammaln")


# ---- orthogonal polynomials (no gradient in PyTorch) ---------------------------------------------------------------
def _polynomial(name: str, first, step):
    """P_n(x) by its three-term recurrence: P_0 = 1, P_1 = first(x), P_(k+1) = step(k, x, P_k, P_(k-1));
    0 for negative n. `n` is a number or a tensor broadcasting with x."""
    def op(input, n, *, out=None) -> Tensor:
        x, degree, dt = _binary(name, input, n)
        xp = array_module(x if isinstance(x, np.ndarray) else degree)
        x = xp.asarray(x, dt)
        degree = xp.asarray(degree)
        shape = xp.broadcast_shapes(x.shape, degree.shape)
        x, degree = xp.broadcast_to(x, shape), xp.broadcast_to(degree, shape)
        top = int(degree.max()) if degree.size else 0
        previous, current = xp.ones(shape, dt), first(x)
        result = xp.where(degree == 0, previous, xp.where(degree < 0, 0, current))
        for k in range(1, top):
            previous, current = current, step(k, x, current, previous)
            result = xp.where(degree == k + 1, current, result)
        r = wrap(result.astype(dt, copy=False))
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    return op


def _shifted(polynomial, name: str):
    def op(input, n, *, out=None) -> Tensor:
        x = input * 2 - 1 if isinstance(input, Tensor) else 2 * input - 1
        r = polynomial(x, n)
        return r if out is None else write_out(out, r, name)
    op.__name__ = name
    return op


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", lambda x: x, lambda k, x, p, q: 2 * x * p - q)
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", lambda x: 2 * x, lambda k, x, p, q: 2 * x * p - q)
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", lambda x: 2 * x - 1, lambda k, x, p, q: 2 * x * p - q)
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", lambda x: 2 * x + 1, lambda k, x, p, q: 2 * x * p - q)
shifted_chebyshev_polynomial_t = _shifted(chebyshev_polynomial_t, "shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _shifted(chebyshev_polynomial_u, "shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _shifted(chebyshev_polynomial_v, "shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _shifted(chebyshev_polynomial_w, "shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _polynomial("hermite_polynomial_h", lambda x: 2 * x, lambda k, x, p, q: 2 * x * p - 2 * k * q)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", lambda x: x, lambda k, x, p, q: x * p - k * q)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", lambda x: 1 - x,
                                    lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1))
legendre_polynomial_p = _polynomial("legendre_polynomial_p", lambda x: x,
                                    lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1))
for _f, _kind in [(chebyshev_polynomial_t, "Chebyshev polynomial of the first kind"),
                  (chebyshev_polynomial_u, "Chebyshev polynomial of the second kind"),
                  (chebyshev_polynomial_v, "Chebyshev polynomial of the third kind"),
                  (chebyshev_polynomial_w, "Chebyshev polynomial of the fourth kind"),
                  (shifted_chebyshev_polynomial_t, "shifted Chebyshev polynomial of the first kind"),
                  (shifted_chebyshev_polynomial_u, "shifted Chebyshev polynomial of the second kind"),
                  (shifted_chebyshev_polynomial_v, "shifted Chebyshev polynomial of the third kind"),
                  (shifted_chebyshev_polynomial_w, "shifted Chebyshev polynomial of the fourth kind"),
                  (hermite_polynomial_h, "physicists' Hermite polynomial"),
                  (hermite_polynomial_he, "probabilists' Hermite polynomial"),
                  (laguerre_polynomial_l, "Laguerre polynomial"), (legendre_polynomial_p, "Legendre polynomial")]:
    _f.__doc__ = f"The {_kind} of degree n at input (0 for negative n)."


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """tensor.polygamma(n): polygamma(n, tensor)."""
    return polygamma(n, self)


def _multigammaln_method(self: Tensor, p: int) -> Tensor:
    """tensor.mvlgamma(p): multigammaln(tensor, p)."""
    return multigammaln(self, p)


# The Tensor methods of this namespace's functions; ember/__init__.py binds them, as ops/__init__.py binds the ops'.
METHODS = {"i0": i0, "igamma": gammainc, "igammac": gammaincc, "mvlgamma": _multigammaln_method,
           "polygamma": _polygamma_method}
METHODS.update({f"{name}_": generic_inplace(fn) for name, fn in list(METHODS.items())})


def __getattr__(name: str):
    """PyTorch's names that ember lacks on purpose raise an AttributeError that says why."""
    raise _unsupported.missing("ember.special", name, _unsupported.SPECIAL,
                               f"module 'ember.special' has no attribute {name!r}")
