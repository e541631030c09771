"""ember.special against torch.special: every function's values and dtypes, gradients over input subsets where
PyTorch has them (and its errors where it has none), integer inputs, and the Tensor methods it adds."""
import numpy as np
import pytest
from parity import check, randn


def uniform(lo, hi, *shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).uniform(lo, hi, shape)


UNARY = {  # name: input maker, gradient tolerance
    "ndtr": lambda: randn(3, 4) * 2,
    "log_ndtr": lambda: np.concatenate([randn(6) * 2, [-30.0, -5.0]]),
    "ndtri": lambda: uniform(0.02, 0.98, 3, 4),
    "erfcx": lambda: randn(3, 4) * 3,
    "i0": lambda: randn(3, 4) * 3,
    "i0e": lambda: randn(3, 4) * 3,
    "i1": lambda: np.concatenate([randn(6) * 3, [0.0]]),
    "i1e": lambda: np.concatenate([randn(6) * 3, [0.0]]),
    "entr": lambda: uniform(0.05, 3, 3, 4),
    "expit": lambda: randn(3, 4),
    "logit": lambda: uniform(0.05, 0.95, 3, 4),
    "erf": lambda: randn(3, 4), "erfc": lambda: randn(3, 4), "erfinv": lambda: uniform(-0.9, 0.9, 3, 4),
    "gammaln": lambda: uniform(0.1, 5, 3, 4), "digamma": lambda: uniform(0.1, 5, 3, 4),
    "psi": lambda: uniform(0.1, 5, 3, 4), "exp2": lambda: randn(3, 4), "expm1": lambda: randn(3, 4),
    "log1p": lambda: uniform(-0.5, 3, 3, 4), "sinc": lambda: randn(3, 4), "round": lambda: randn(3, 4) * 3,
}
COMPOSED = ["ndtr", "round"]  # PyTorch records these through other nodes (MulBackward1, RoundBackward1)
NO_GRADIENT = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
               "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
               "spherical_bessel_j0", "airy_ai"]
POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
               "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name):
    x = UNARY[name]()
    names = name not in COMPOSED
    check(lambda lib, a: getattr(lib.special, name)(a), x, grad_rtol=1e-7, grad_atol=1e-9, check_grad_fn=names)
    check(lambda lib, a: getattr(lib.special, name)(a), x.astype(np.float32), grad_rtol=1e-4, grad_atol=1e-5,
          rtol=1e-5, atol=1e-6, check_grad_fn=names)


@pytest.mark.parametrize("name", ["ndtr", "log_ndtr", "i0", "i1e", "entr", "erfcx", "bessel_j0", "airy_ai"])
def test_integer_input_is_float(name):
    check(lambda lib, a: getattr(lib.special, name)(a), np.array([0, 1, 2, 3]))


@pytest.mark.parametrize("name", NO_GRADIENT)
def test_functions_without_gradient(name):
    x = np.concatenate([uniform(0.1, 8, 10), [0.0, -1.5, 2.5]]) if "y" in name or "k" in name else randn(12) * 4
    if "y" in name or "_k" in name:
        x = uniform(0.1, 8, 12)
    # SciPy's kernels are accurate to about 1e-15; PyTorch's Bessel functions to about 1e-7 relative
    check(lambda lib, a: getattr(lib.special, name)(a), x, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize("n", [0, 1, 2, 5, -1])
def test_polynomials(name, n):
    x = np.array([-0.9, -0.3, 0.0, 0.4, 0.8, 1.0])
    check(lambda lib, a: getattr(lib.special, name)(a, n), x, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", POLYNOMIALS[:2] + POLYNOMIALS[-4:])
def test_polynomials_with_tensor_degrees(name):
    check(lambda lib, a, n: getattr(lib.special, name)(a, n), np.array([[0.3], [0.7]]), np.array([0, 1, 3, 4]),
          rtol=1e-9, atol=1e-9)


def test_binary():
    a, x = uniform(0.5, 4, 3, 4), uniform(0.1, 5, 3, 4)
    for name in ["gammainc", "gammaincc"]:
        check(lambda lib, p, q: getattr(lib.special, name)(p, q), a, x, grad_rtol=1e-7)
    check(lambda lib, p, q: lib.special.zeta(p, q), a + 1.5, x, grad_rtol=1e-7)
    for name in ["gammainc", "gammaincc"]:  # no number operand, unlike zeta's and xlog1py's: TypeError
        check(lambda lib, p: getattr(lib.special, name)(p, 2.5), a)
    check(lambda lib, p: lib.special.zeta(p, 2.0), a + 1.5)
    check(lambda lib, q: lib.special.zeta(3.0, q), x)
    check(lambda lib, p, q: lib.special.xlog1py(p, q), randn(3, 4), x)
    check(lambda lib, p, q: lib.special.xlog1py(p, q), np.array([0.0, 0.0, 2.0]), np.array([-1.0, np.nan, -1.0]),
          grad=False)
    check(lambda lib, p: lib.special.xlog1py(p, 2.0), randn(3, 4))
    check(lambda lib, p, q: lib.special.xlogy(p, q), randn(3, 4), x)


def test_multigammaln_and_polygamma():
    a = uniform(2.0, 5.0, 3, 4)
    for p in [1, 2, 4]:
        check(lambda lib, t: lib.special.multigammaln(t, p), a, check_grad_fn=False)
        check(lambda lib, t: t.mvlgamma(p), a, check_grad_fn=False)
    check(lambda lib, t: lib.special.multigammaln(t, 3), uniform(0.1, 0.9, 4), check_grad_fn=False)
    check(lambda lib, t: lib.special.multigammaln(t, 0), a)
    for n in [0, 1, 2, 3]:
        # PyTorch's polygamma is accurate to about 1e-9 relative
        check(lambda lib, t: lib.special.polygamma(n, t), uniform(0.5, 4, 6), rtol=1e-8, grad_rtol=1e-6,
              check_grad_fn=n > 0)
        check(lambda lib, t: t.polygamma(n), uniform(0.5, 4, 6), rtol=1e-8, grad_rtol=1e-6, check_grad_fn=n > 0)
    check(lambda lib, t: lib.special.polygamma(-1, t), uniform(0.5, 4, 6))
    # TypeError for n or p of another type than int; a 0-dim integer tensor is an int
    check(lambda lib, t: lib.special.polygamma(1.0, t), uniform(0.5, 4, 6))
    check(lambda lib, t: lib.polygamma(True, t), uniform(0.5, 4, 6))
    check(lambda lib, n, t: lib.polygamma(n, t), np.array(1), uniform(0.5, 4, 6), rtol=1e-8, grad_rtol=1e-6)
    check(lambda lib, t: lib.special.multigammaln(t, 2.0), a)
    check(lambda lib, t, p: lib.mvlgamma(t, p), a, np.array(2), check_grad_fn=False)


def test_softmax_family():
    x = randn(3, 4)
    check(lambda lib, a: lib.special.softmax(a, 1), x)
    check(lambda lib, a: lib.special.log_softmax(a, 0), x)
    check(lambda lib, a: lib.special.logsumexp(a, 1), x)


def test_tensor_methods_and_torch_level_names():
    x = uniform(0.5, 3, 5)
    check(lambda lib, a: (lib.i0(a), a.i0(), a.clone().i0_()), x)
    check(lambda lib, a, b: (lib.igamma(a, b), a.igamma(b), lib.igammac(a, b), a.igammac(b)), x, x + 0.5,
          check_grad_fn=False)
    check(lambda lib, a: (lib.mvlgamma(a + 1, 2), lib.polygamma(1, a)), x, rtol=1e-8, grad_rtol=1e-6,
          check_grad_fn=False)
