"""Sampling: the moments of 100k samples and Kolmogorov-Smirnov tests against scipy.stats with a fixed seed, sample
shapes, and reparameterized gradients (Gamma's implicit one against PyTorch's formula and finite differences)."""
import math

import numpy as np
import pytest
from sampling_checks import N, check_ks, check_moments
from scipy import special, stats

import ember
import ember.distributions as D

F64 = ember.float64


def t64(*values):
    return ember.tensor(values, dtype=F64)


CONTINUOUS = {  # name: (distribution, scipy.stats distribution)
    "LogNormal": (lambda: D.LogNormal(t64(0.3), t64(0.5)), stats.lognorm(s=0.5, scale=math.exp(0.3))),
    "Exponential": (lambda: D.Exponential(t64(2.0)), stats.expon(scale=0.5)),
    "Laplace": (lambda: D.Laplace(t64(1.0), t64(2.0)), stats.laplace(1.0, 2.0)),
    "Cauchy": (lambda: D.Cauchy(t64(0.5), t64(1.5)), stats.cauchy(0.5, 1.5)),
    "HalfNormal": (lambda: D.HalfNormal(t64(2.0)), stats.halfnorm(scale=2.0)),
    "HalfCauchy": (lambda: D.HalfCauchy(t64(1.5)), stats.halfcauchy(scale=1.5)),
    "Gumbel": (lambda: D.Gumbel(t64(1.0), t64(2.0)), stats.gumbel_r(1.0, 2.0)),
    "Gamma": (lambda: D.Gamma(t64(2.5), t64(2.0)), stats.gamma(2.5, scale=0.5)),
    "Gamma_small": (lambda: D.Gamma(t64(0.3), t64(1.0)), stats.gamma(0.3)),
    "Chi2": (lambda: D.Chi2(t64(3.0)), stats.chi2(3.0)),
    "Beta": (lambda: D.Beta(t64(2.0), t64(3.0)), stats.beta(2.0, 3.0)),
    "Beta_small": (lambda: D.Beta(t64(0.5), t64(0.5)), stats.beta(0.5, 0.5)),
    "StudentT": (lambda: D.StudentT(t64(10.0), t64(1.0), t64(2.0)), stats.t(10.0, 1.0, 2.0)),
    "Weibull": (lambda: D.Weibull(t64(2.0), t64(1.5)), stats.weibull_min(1.5, scale=2.0)),
    "Pareto": (lambda: D.Pareto(t64(1.0), t64(5.0)), stats.pareto(5.0)),
    "FisherSnedecor": (lambda: D.FisherSnedecor(t64(6.0), t64(12.0)), stats.f(6.0, 12.0)),
    "InverseGamma": (lambda: D.InverseGamma(t64(6.0), t64(2.0)), stats.invgamma(6.0, scale=2.0)),
    "GeneralizedPareto": (lambda: D.GeneralizedPareto(t64(1.0), t64(2.0), t64(0.1)), stats.genpareto(0.1, 1.0, 2.0)),
    "GeneralizedPareto_bounded": (lambda: D.GeneralizedPareto(t64(0.0), t64(1.0), t64(-0.5)),
                                  stats.genpareto(-0.5)),
    "VonMises": (lambda: D.VonMises(t64(0.0), t64(2.0)), stats.vonmises(2.0)),
    "VonMises_flat": (lambda: D.VonMises(t64(0.0), t64(1e-3)), stats.vonmises(1e-3)),
}
HEAVY_TAILED = {"Cauchy", "HalfCauchy", "VonMises", "VonMises_flat"}  # no (or circular) moments


@pytest.mark.parametrize("name", list(CONTINUOUS))
def test_continuous_samples(name):
    make, reference = CONTINUOUS[name]
    dist = make()
    samples = dist.sample((N,))
    assert samples.shape == (N, 1) and samples.dtype == F64
    check_ks(samples[:20_000], reference.cdf)
    if name not in HEAVY_TAILED:
        check_moments(samples, dist.mean.numpy(), dist.variance.numpy())


DISCRETE = {
    "Poisson": lambda: D.Poisson(t64(3.5, 0.2)),
    "Geometric": lambda: D.Geometric(t64(0.3, 0.9)),
    "Binomial": lambda: D.Binomial(t64(10.0, 3.0), t64(0.3, 0.8)),
    "Multinomial": lambda: D.Multinomial(10, t64(0.2, 0.5, 0.3)),
    "NegativeBinomial": lambda: D.NegativeBinomial(t64(5.0, 0.5), t64(0.4, 0.2)),
    "Dirichlet": lambda: D.Dirichlet(t64(0.5, 2.0, 3.0)),
    "ContinuousBernoulli": lambda: D.ContinuousBernoulli(t64(0.3, 0.5, 0.9)),
    "MixtureSameFamily": lambda: D.MixtureSameFamily(D.Categorical(t64(0.3, 0.7)), D.Normal(t64(-2.0, 3.0),
                                                                                          t64(1.0, 0.5))),
}


@pytest.mark.parametrize("name", list(DISCRETE))
def test_moments(name):
    dist = DISCRETE[name]()
    samples = dist.sample((N,))
    assert samples.shape == (N,) + dist.batch_shape + dist.event_shape
    check_moments(samples, dist.mean.numpy(), dist.variance.numpy())
    if name == "Poisson":
        counts = np.bincount(samples[:, 0].long().numpy(), minlength=30)[:12]
        pmf = stats.poisson(3.5).pmf(np.arange(12))
        assert stats.chisquare(counts, pmf / pmf.sum() * counts.sum()).pvalue > 1e-3


def test_von_mises_wraps_around_loc():
    loc = 3.0
    x = D.VonMises(t64(loc), t64(4.0)).sample((20_000,)).numpy()
    assert x.min() >= -math.pi and x.max() < math.pi and (x < 0).mean() > 0.1
    centered = np.remainder(x - loc + math.pi, 2 * math.pi) - math.pi
    assert stats.kstest(centered.ravel(), stats.vonmises(4.0).cdf).pvalue > 1e-3


def test_ks_against_own_cdf():
    """Where scipy lacks the distribution, against its cdf (which the parity tests check against PyTorch)."""
    for dist in (D.ContinuousBernoulli(t64(0.2)), D.Kumaraswamy(t64(2.0), t64(0.7))):
        check_ks(dist.sample((20_000,)), lambda x, dist=dist: dist.cdf(ember.tensor(x)).numpy())
    check_moments(D.Kumaraswamy(t64(2.0), t64(3.0)).rsample((N,)), *(
        v.numpy() for v in (D.Kumaraswamy(t64(2.0), t64(3.0)).mean, D.Kumaraswamy(t64(2.0), t64(3.0)).variance)))


def test_lkj_cholesky_samples():
    eta = 2.5
    samples = D.LKJCholesky(2, t64(eta)).sample((20_000,))
    assert samples.shape == (20_000, 1, 2, 2) and bool(D.constraints.corr_cholesky.check(samples).all())
    correlation = samples[:, 0, 1, 0].numpy()  # (r + 1) / 2 ~ Beta(eta, eta) for a 2 x 2 LKJ(eta)
    assert stats.kstest((correlation + 1) / 2, stats.beta(eta, eta).cdf).pvalue > 1e-3
    big = D.LKJCholesky(4, ember.tensor([0.5, 1.0, 3.0])).sample((100,))
    assert big.shape == (100, 3, 4, 4) and bool(D.constraints.corr_cholesky.check(big).all())


def test_logistic_normal_samples_lie_on_the_simplex():
    x = D.LogisticNormal(ember.zeros(3), ember.ones(3)).sample((1000,))
    assert x.shape == (1000, 4) and bool(D.constraints.simplex.check(x).all())


def test_sampling_is_reproducible():
    n = D.Normal(ember.zeros(3), 1.0)
    ember.manual_seed(5)
    a = n.sample((4,))
    ember.manual_seed(5)
    assert ember.equal(a, n.sample((4,)))


def test_normal_and_uniform_samples():
    n = D.Normal(ember.tensor([-1.0, 3.0]), ember.tensor([0.5, 2.0]))
    check_moments(n.sample((N,)), [-1.0, 3.0], [0.25, 4.0])
    check_ks(n.sample((20_000,))[:, 1], stats.norm(3.0, 2.0).cdf)
    u = D.Uniform(ember.tensor([-1.0]), ember.tensor([3.0]))
    check_moments(u.sample((N,)), [1.0], [16 / 12])
    check_ks(u.rsample((20_000,)), stats.uniform(-1.0, 4.0).cdf)


def test_discrete_samples():
    b = D.Bernoulli(ember.tensor([0.1, 0.6]))
    check_moments(b.sample((N,)), [0.1, 0.6], [0.09, 0.24])
    probs = ember.tensor([0.2, 0.5, 0.3])
    counts = ember.bincount(D.Categorical(probs).sample((N,)), minlength=3).numpy()
    assert stats.chisquare(counts, N * probs.double().numpy()).pvalue > 1e-3
    onehot = D.OneHotCategorical(probs).sample((N,))
    check_moments(onehot, probs.numpy(), (probs * (1 - probs)).numpy())


def test_rsample_gradients():
    loc, scale = ember.tensor([1.0, -2.0], requires_grad=True), ember.tensor([2.0, 0.5], requires_grad=True)
    x = D.Normal(loc, scale).rsample((1000,))
    x.mean().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [0.5, 0.5], rtol=1e-5)
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.mean(0).numpy() / 2, rtol=1e-4, atol=1e-6)
    low, high = ember.tensor(0.0, requires_grad=True), ember.tensor(2.0, requires_grad=True)
    D.Uniform(low, high).rsample((N,)).mean().backward()
    assert low.grad.item() == pytest.approx(0.5, abs=0.01) and high.grad.item() == pytest.approx(0.5, abs=0.01)
    probs = ember.tensor([0.2, 0.8], requires_grad=True)
    sample = D.OneHotCategoricalStraightThrough(probs).rsample()
    (sample * ember.tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_allclose(probs.grad.numpy(), [-0.8, 0.2], rtol=1e-5)  # through probs / probs.sum()
    assert not D.Normal(loc, scale).sample().requires_grad


def test_multivariate_normals():
    cov = ember.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 0.5]], dtype=F64)
    loc = t64(1.0, -1.0, 0.0)
    for dist in (D.MultivariateNormal(loc, cov), D.MultivariateNormal(loc, precision_matrix=ember.linalg.inv(cov)),
                 D.LowRankMultivariateNormal(loc, ember.tensor([[1.0], [0.5], [-0.5]], dtype=F64), t64(1, 0.5, 0.2))):
        x = dist.sample((N,)).numpy()
        covariance = dist.covariance_matrix.numpy()
        np.testing.assert_allclose(x.mean(0), loc.numpy(), atol=5 * np.sqrt(covariance.diagonal().max() / N))
        np.testing.assert_allclose(np.cov(x.T), covariance, atol=0.03)


def test_wishart_samples():
    cov = ember.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 0.5]], dtype=F64)
    df = ember.tensor(5.5, dtype=F64)
    for dist in (D.Wishart(df, cov), D.Wishart(df, precision_matrix=ember.linalg.inv(cov))):
        x = dist.sample((N,))
        assert x.shape == (N, 3, 3) and bool(D.constraints.positive_definite.check(x[:100]).all())
        check_moments(x.reshape(N, 9), dist.mean.reshape(9).numpy(), dist.variance.reshape(9).numpy())
    df = ember.tensor(4.0, dtype=F64, requires_grad=True)
    D.Wishart(df, cov).rsample((N,)).mean(0).trace().backward()  # d/ddf E[tr X] = tr(cov)
    assert df.grad.item() == pytest.approx(3.5, rel=0.03)


def test_relaxed_distributions_concentrate_at_low_temperature():
    probs = t64(0.2, 0.5, 0.3)
    x = D.RelaxedOneHotCategorical(t64(0.05), probs).sample((20_000,))
    assert x.shape == (20_000, 3) and bool(D.constraints.simplex.check(x).all())
    counts = ember.bincount(x.argmax(-1), minlength=3).numpy()
    assert stats.chisquare(counts, 20_000 * probs.numpy()).pvalue > 1e-3
    b = D.RelaxedBernoulli(t64(0.05), t64(0.3, 0.8)).sample((N,))
    assert bool(((b >= 0) & (b <= 1)).all())
    check_moments((b > 0.5).double(), [0.3, 0.8], [0.21, 0.16])


def test_sample_shapes_and_dtypes():
    for dist in (D.Gamma(ember.ones(2, 3), 1.0), D.Beta(ember.ones(3), 2.0), D.Dirichlet(ember.ones(2, 4)),
                 D.StudentT(ember.ones(3)), D.VonMises(ember.zeros(3), 1.0), D.Weibull(1.0, ember.ones(3)),
                 D.Binomial(4, ember.ones(3) / 2), D.Multinomial(3, ember.ones(2, 4)), D.Poisson(ember.ones(3)),
                 D.Geometric(ember.ones(3) / 2), D.NegativeBinomial(3.0, ember.ones(3) / 2),
                 D.RelaxedBernoulli(ember.tensor(0.5), ember.ones(3) / 2), D.ContinuousBernoulli(ember.ones(3) / 2),
                 D.Cauchy(0.0, 1.0), D.Gumbel(0.0, 1.0), D.Pareto(1.0, 2.0), D.LogNormal(0.0, 1.0)):
        for shape in ((), (5,), (2, 4)):
            s = dist.sample(shape)
            assert s.shape == tuple(shape) + dist.batch_shape + dist.event_shape, dist
            assert s.dtype == ember.float32, dist
            assert not s.requires_grad


def test_gamma_gradient_matches_torch_formula():
    torch = pytest.importorskip("torch")
    alpha = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 150.0])
    for q in (0.01, 0.5, 0.99):
        x = special.gammaincinv(alpha, q)
        expected = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
        ours = D.gamma._standard_gamma_grad(alpha, x)
        np.testing.assert_allclose(ours, expected, rtol=5e-4)


def test_gamma_rsample_gradient_matches_finite_differences_of_the_inverse_cdf():
    torch = pytest.importorskip("torch")
    concentration = ember.tensor([0.4, 1.0, 3.0, 20.0], dtype=F64, requires_grad=True)
    rate = ember.tensor([1.0, 2.0, 0.5, 1.0], dtype=F64, requires_grad=True)
    x = D.Gamma(concentration, rate).rsample((50,))
    x.sum().backward()
    a, r, xs = concentration.detach().numpy(), rate.detach().numpy(), x.detach().numpy()
    u = special.gammainc(a, xs * r)
    h = 1e-6 * a
    dx_da = (special.gammaincinv(a + h, u) - special.gammaincinv(a - h, u)) / (2 * h) / r
    np.testing.assert_allclose(concentration.grad.numpy(), dx_da.sum(0), rtol=1e-5)
    np.testing.assert_allclose(rate.grad.numpy(), (-xs / r).sum(0), rtol=1e-10)
    expected = torch._standard_gamma_grad(torch.tensor(a).expand(50, 4), torch.tensor(xs * r)).numpy() / r
    np.testing.assert_allclose(concentration.grad.numpy(), expected.sum(0), rtol=5e-4)


def test_pathwise_gradients_are_unbiased():
    a, b = ember.tensor(2.0, dtype=F64, requires_grad=True), ember.tensor(3.0, dtype=F64, requires_grad=True)
    D.Gamma(a, b).rsample((N,)).mean().backward()
    assert a.grad.item() == pytest.approx(1 / 3, rel=0.02) and b.grad.item() == pytest.approx(-2 / 9, rel=0.02)
    a, b = ember.tensor(2.0, dtype=F64, requires_grad=True), ember.tensor(3.0, dtype=F64, requires_grad=True)
    D.Beta(a, b).rsample((N,)).mean().backward()  # d/da a/(a+b) = b/(a+b)^2
    assert a.grad.item() == pytest.approx(3 / 25, rel=0.03) and b.grad.item() == pytest.approx(-2 / 25, rel=0.03)
    c = ember.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    D.Dirichlet(c).rsample((N,))[:, 0].mean().backward()  # d/dc_j c_0 / sum(c)
    np.testing.assert_allclose(c.grad.numpy(), [5 / 36, -1 / 36, -1 / 36], rtol=0.05, atol=2e-3)
    df = ember.tensor(4.0, dtype=F64, requires_grad=True)
    D.Chi2(df).rsample((N,)).mean().backward()
    assert df.grad.item() == pytest.approx(1.0, rel=0.02)
    loc, scale = ember.tensor(1.0, requires_grad=True), ember.tensor(2.0, requires_grad=True)
    D.StudentT(5.0, loc, scale).rsample((1000,)).mean().backward()
    assert loc.grad.item() == pytest.approx(1.0)
    for dist_fn in (lambda s: D.Laplace(0.0, s), lambda s: D.Exponential(s), lambda s: D.Gumbel(0.0, s),
                    lambda s: D.LogNormal(0.0, s), lambda s: D.Weibull(s, 2.0), lambda s: D.HalfNormal(s),
                    lambda s: D.RelaxedBernoulli(s, probs=0.3), lambda s: D.ContinuousBernoulli(s / 4),
                    lambda s: D.Cauchy(0.0, s), lambda s: D.Pareto(s, 3.0)):
        s = ember.tensor(1.5, requires_grad=True)
        dist_fn(s).rsample((10,)).sum().backward()
        assert s.grad is not None and math.isfinite(s.grad.item())
    with pytest.raises(NotImplementedError):
        D.VonMises(0.0, 1.0).rsample()
    assert not D.VonMises(0.0, 1.0).has_rsample and D.Beta(1.0, 1.0).has_rsample


@pytest.mark.parametrize("draw", [
    lambda: ember.poisson(ember.tensor(3.0)), lambda: ember.binomial(ember.tensor(5.0), ember.tensor(0.3)),
    lambda: D.Poisson(2.0).sample(), lambda: D.Binomial(5, ember.tensor(0.3)).sample(),
    lambda: D.NegativeBinomial(3.0, ember.tensor(0.4)).sample(), lambda: D.Gamma(2.0, 1.0).sample(),
    lambda: D.Chi2(3.0).sample(), lambda: D.StudentT(3.0).sample(), lambda: D.FisherSnedecor(3.0, 5.0).sample()],
    ids=["poisson", "binomial", "Poisson", "Binomial", "NegativeBinomial", "Gamma", "Chi2", "StudentT",
         "FisherSnedecor"])
def test_zero_dim_parameters_give_a_zero_dim_sample(draw):
    sample = draw()
    assert isinstance(sample, ember.Tensor) and sample.shape == () and sample.dtype == ember.float32
