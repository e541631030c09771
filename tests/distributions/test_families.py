"""Parity with PyTorch for every distribution beyond the basic ones: moments, log_prob, cdf, icdf, entropy,
enumerate_support, shapes, repr and the gradients of all of them with respect to the parameters."""
import numpy as np
import pytest
from dist_parity import Case, cases_param, compare
from parity import torch

import ember

R = np.random.default_rng(1)
POS = np.array([0.5, 1.0, 3.0])
LOC = np.array([-1.0, 0.0, 2.5])
UNIT = np.array([0.2, 0.5, 0.9])
V_POS = np.array([[0.3, 1.5, 4.0], [2.0, 0.1, 1.0]])
V_REAL = np.array([[0.3, -1.5, 4.0], [-2.0, 0.1, 1.0]])
Q = np.array([0.1, 0.5, 0.95])
F32 = np.float32
COUNTS = np.array([[0.0, 3.0, 1.0], [2.0, 0.0, 5.0]])


def spd(n, batch=()):
    a = R.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


COV = spd(3, (2,))
CASES = [
    Case("LogNormal", lambda D, p: D.LogNormal(p["loc"], p["scale"]), {"loc": LOC, "scale": POS}, value=V_POS,
         quantile=Q),
    Case("Exponential", lambda D, p: D.Exponential(p["rate"]), {"rate": POS}, value=V_POS, quantile=Q),
    Case("Laplace", lambda D, p: D.Laplace(p["loc"], p["scale"]), {"loc": LOC, "scale": POS}, value=V_REAL,
         quantile=Q),
    Case("Cauchy", lambda D, p: D.Cauchy(p["loc"], p["scale"]), {"loc": LOC, "scale": POS}, value=V_REAL,
         quantile=Q),
    Case("HalfNormal", lambda D, p: D.HalfNormal(p["scale"]), {"scale": POS}, value=V_POS, quantile=Q),
    Case("HalfCauchy", lambda D, p: D.HalfCauchy(p["scale"]), {"scale": POS}, value=V_POS, quantile=Q),
    Case("Gumbel", lambda D, p: D.Gumbel(p["loc"], p["scale"]), {"loc": LOC, "scale": POS}, value=V_REAL,
         quantile=Q),
    Case("Gumbel_scalars", lambda D, p: D.Gumbel(1.0, 2.0), {}, value=np.array([0.5, 3.0], dtype=np.float32),
         quantile=np.array([0.3], dtype=np.float32), rtol=1e-5, atol=1e-6),
    Case("Geometric_probs", lambda D, p: D.Geometric(p["probs"]), {"probs": np.array([0.2, 0.5, 1.0])},
         value=COUNTS),
    Case("Geometric_logits", lambda D, p: D.Geometric(logits=p["logits"]), {"logits": LOC}, value=COUNTS),
    Case("Poisson", lambda D, p: D.Poisson(p["rate"]), {"rate": POS}, value=COUNTS),
    Case("Binomial", lambda D, p: D.Binomial(p["n"], p["probs"]), {"n": np.array([5.0, 5.0, 5.0]), "probs": UNIT},
         value=COUNTS),
    Case("Binomial_logits", lambda D, p: D.Binomial(10, logits=p["logits"]), {"logits": LOC}, value=COUNTS),
    Case("Binomial_inhomogeneous", lambda D, p: D.Binomial(p["n"], p["probs"]),
         {"n": np.array([5.0, 6.0, 7.0]), "probs": UNIT}, value=COUNTS),
    Case("Multinomial", lambda D, p: D.Multinomial(6, p["probs"]), {"probs": np.array([[0.2, 0.3, 0.5]] * 2)},
         value=np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0]])),
    Case("Multinomial_logits", lambda D, p: D.Multinomial(4, logits=p["logits"]), {"logits": R.normal(size=3)},
         value=np.array([[1.0, 2.0, 1.0], [4.0, 0.0, 0.0]])),
    Case("NegativeBinomial", lambda D, p: D.NegativeBinomial(p["n"], p["probs"]),
         {"n": np.array([0.5, 3.0, 10.0]), "probs": UNIT}, value=COUNTS),
    Case("NegativeBinomial_logits", lambda D, p: D.NegativeBinomial(p["n"], logits=p["logits"]),
         {"n": POS, "logits": LOC}, value=COUNTS),
    Case("MultivariateNormal_cov", lambda D, p: D.MultivariateNormal(p["loc"], covariance_matrix=p["cov"]),
         {"loc": R.normal(size=(2, 3)), "cov": COV}, value=R.normal(size=(4, 2, 3))),
    Case("MultivariateNormal_precision", lambda D, p: D.MultivariateNormal(p["loc"], precision_matrix=p["prec"]),
         {"loc": R.normal(size=3), "prec": COV}, value=R.normal(size=(2, 3))),
    Case("MultivariateNormal_tril", lambda D, p: D.MultivariateNormal(p["loc"], scale_tril=p["tril"]),
         {"loc": R.normal(size=(2, 3)), "tril": np.linalg.cholesky(COV[0])}, value=R.normal(size=(3,))),
    Case("LowRankMultivariateNormal",
         lambda D, p: D.LowRankMultivariateNormal(p["loc"], p["factor"], p["diag"]),
         {"loc": R.normal(size=(2, 4)), "factor": R.normal(size=(4, 2)), "diag": R.uniform(0.5, 2, size=(2, 4))},
         value=R.normal(size=(3, 2, 4))),
    Case("MixtureSameFamily_Normal",
         lambda D, p: D.MixtureSameFamily(D.Categorical(logits=p["logits"]), D.Normal(p["loc"], p["scale"])),
         {"logits": R.normal(size=(2, 3)), "loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, (2, 3))},
         value=R.normal(size=(4, 2))),
    Case("MixtureSameFamily_MVN",
         lambda D, p: D.MixtureSameFamily(D.Categorical(p["probs"]),
                                          D.Independent(D.Normal(p["loc"], p["scale"]), 1)),
         {"probs": np.array([0.3, 0.7]), "loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, (2, 3))},
         value=R.normal(size=(5, 3))),
    Case("Gamma", lambda D, p: D.Gamma(p["concentration"], p["rate"]), {"concentration": POS, "rate": POS[::-1]},
         value=V_POS, no_grad=("cdf",)),
    Case("Chi2", lambda D, p: D.Chi2(p["df"]), {"df": POS * 2}, value=V_POS, no_grad=("cdf",)),
    Case("Beta", lambda D, p: D.Beta(p["a"], p["b"]), {"a": POS, "b": np.array([2.0, 0.7, 1.0])},
         value=np.array([[0.1, 0.5, 0.99], [0.3, 0.2, 0.6]])),
    Case("Beta_scalars", lambda D, p: D.Beta(2.0, 3.0), {}, value=np.array([0.25], dtype=np.float32), rtol=1e-5,
         atol=1e-6),
    Case("Dirichlet", lambda D, p: D.Dirichlet(p["c"]), {"c": np.array([[0.5, 1.0, 3.0], [2.0, 2.0, 0.7]])},
         value=np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])),
    Case("Dirichlet_mode_corner", lambda D, p: D.Dirichlet(p["c"]), {"c": np.array([[0.5, 0.8, 0.3], [2, 3, 4.0]])},
         value=np.array([0.2, 0.3, 0.5])),
    Case("StudentT", lambda D, p: D.StudentT(p["df"], p["loc"], p["scale"]),
         {"df": np.array([0.8, 1.5, 5.0]), "loc": LOC, "scale": POS}, value=V_REAL),
    Case("Weibull", lambda D, p: D.Weibull(p["scale"], p["k"]), {"scale": POS, "k": np.array([0.7, 1.0, 2.5])},
         value=V_POS, quantile=Q),
    Case("Pareto", lambda D, p: D.Pareto(p["scale"], p["alpha"]),
         {"scale": np.array([0.1, 0.5, 1.0]), "alpha": np.array([0.5, 1.5, 3.0])}, value=V_POS + 1, quantile=Q),
    # PyTorch approximates the Bessel functions to ~1e-5; ember's (SciPy's) are exact to rounding
    Case("VonMises", lambda D, p: D.VonMises(p["loc"], p["k"]), {"loc": LOC, "k": np.array([0.01, 1.0, 20.0])},
         value=V_REAL, rtol=2e-5),
    Case("RelaxedBernoulli", lambda D, p: D.RelaxedBernoulli(p["t"], probs=p["probs"]),
         {"t": np.array(0.5), "probs": UNIT}, value=np.array([[0.1, 0.5, 0.99], [0.3, 0.2, 0.6]])),
    Case("RelaxedOneHotCategorical", lambda D, p: D.RelaxedOneHotCategorical(p["t"], logits=p["logits"]),
         {"t": np.array(0.7), "logits": R.normal(size=(2, 3))}, value=np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])),
    Case("ContinuousBernoulli", lambda D, p: D.ContinuousBernoulli(p["probs"]),
         {"probs": np.array([0.1, 0.4995, 0.5, 0.8])}, value=np.array([[0.1, 0.5, 0.99, 0.0], [0.3, 0.2, 0.6, 1.0]]),
         quantile=np.array([0.1, 0.5, 0.9, 0.3])),
    Case("ContinuousBernoulli_logits", lambda D, p: D.ContinuousBernoulli(logits=p["logits"]),
         {"logits": np.array([-2.0, 0.001, 3.0])}, value=np.array([0.3, 0.5, 0.7]), quantile=Q),
    Case("TransformedDistribution_affine_tanh",
         lambda D, p: D.TransformedDistribution(D.Normal(p["loc"], p["scale"]),
                                                [D.AffineTransform(p["shift"], 2.0), D.TanhTransform()]),
         {"loc": LOC, "scale": POS, "shift": np.array(0.3)}, value=np.array([[-0.5, 0.2, 0.9], [0.1, 0.0, -0.99]]),
         quantile=Q),
    Case("TransformedDistribution_stick_breaking",
         lambda D, p: D.TransformedDistribution(D.Normal(p["loc"], p["scale"]), D.StickBreakingTransform()),
         {"loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, (2, 3))},
         value=np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])),
    Case("TransformedDistribution_decreasing",
         lambda D, p: D.TransformedDistribution(D.Exponential(p["rate"]),
                                                [D.AffineTransform(0.0, -1.0), D.ExpTransform()]),
         {"rate": POS}, value=np.array([0.2, 0.5, 0.9]), quantile=Q),
    Case("FisherSnedecor", lambda D, p: D.FisherSnedecor(p["df1"], p["df2"]),
         {"df1": np.array([1.0, 3.0, 6.0]), "df2": np.array([2.0, 4.5, 10.0])}, value=V_POS),
    Case("InverseGamma", lambda D, p: D.InverseGamma(p["c"], p["rate"]), {"c": np.array([0.5, 1.5, 3.0]), "rate": POS},
         value=V_POS, no_grad=("cdf",)),
    Case("Kumaraswamy", lambda D, p: D.Kumaraswamy(p["a"], p["b"]),
         {"a": np.array([0.5, 2.0, 3.0]), "b": np.array([2.0, 0.7, 4.0])},
         value=np.array([[0.1, 0.5, 0.99], [0.3, 0.2, 0.6]]), quantile=Q),
    Case("LogisticNormal", lambda D, p: D.LogisticNormal(p["loc"], p["scale"]),
         {"loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, (2, 3))},
         value=np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])),
    Case("LogisticNormal_scalars", lambda D, p: D.LogisticNormal(0.5, 2.0), {},
         value=np.array([0.3, 0.7], dtype=np.float32), rtol=1e-5, atol=1e-6),
    Case("LKJCholesky", lambda D, p: D.LKJCholesky(3, p["c"]), {"c": np.array([0.5, 1.0, 4.0])},
         value=np.linalg.cholesky(np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.5], [-0.2, 0.5, 1.0]]))),
    # float32: PyTorch's GeneralizedPareto fails on float64 parameters
    Case("GeneralizedPareto", lambda D, p: D.GeneralizedPareto(p["loc"], p["scale"], p["xi"]),
         {"loc": F32(LOC), "scale": F32(POS), "xi": F32([-0.2, 0.3, 1.5])},
         value=F32([[-0.5, 1.0, 3.0], [0.0, 0.5, 2.6]]), quantile=F32(Q), rtol=2e-5, atol=1e-6),
    Case("GeneralizedPareto_zero", lambda D, p: D.GeneralizedPareto(p["loc"], p["scale"], p["xi"]),
         {"loc": F32(LOC), "scale": F32(POS), "xi": F32([0.0, -1.0, -0.4])}, value=F32([-0.5, 1.0, 3.0]),
         quantile=F32(Q), rtol=2e-5, atol=1e-6),
    Case("Wishart_cov", lambda D, p: D.Wishart(p["df"], covariance_matrix=p["cov"]),
         {"df": np.array([3.5, 6.0]), "cov": COV}, value=spd(3, (2,)) / 3),
    Case("Wishart_precision", lambda D, p: D.Wishart(4.0, precision_matrix=p["prec"]), {"prec": COV[0]},
         value=spd(3, (2,))),
    Case("Wishart_tril", lambda D, p: D.Wishart(p["df"], scale_tril=p["tril"]),
         {"df": np.array(2.5), "tril": np.linalg.cholesky(COV)}, value=spd(3, (4, 2))),
    Case("Independent_LogNormal", lambda D, p: D.Independent(D.LogNormal(p["loc"], p["scale"]), 1),
         {"loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, (2, 3))}, value=V_POS),
]


@cases_param(CASES)
def test_parity(case):
    compare(case)


BAD_PARAMETERS = {
    "Gamma": lambda D, lib: D.Gamma(lib.tensor([1.0, -1.0]), 1.0),
    "Exponential": lambda D, lib: D.Exponential(lib.tensor([0.0])),
    "Beta": lambda D, lib: D.Beta(lib.tensor([1.0]), lib.tensor([-1.0])),
    "Dirichlet": lambda D, lib: D.Dirichlet(lib.tensor([1.0, 0.0])),
    "Poisson": lambda D, lib: D.Poisson(lib.tensor([-1.0])),
    "Binomial": lambda D, lib: D.Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
    "MultivariateNormal": lambda D, lib: D.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "MultivariateNormal_tril": lambda D, lib: D.MultivariateNormal(lib.zeros(2),
                                                                   scale_tril=lib.tensor([[1.0, 1.0], [0.0, 1.0]])),
    "StudentT": lambda D, lib: D.StudentT(lib.tensor([-1.0])),
    "Categorical": lambda D, lib: D.Categorical(probs=lib.tensor([-0.5, 1.5])),
    "Pareto": lambda D, lib: D.Pareto(1.0, lib.tensor([-2.0])),
    "VonMises": lambda D, lib: D.VonMises(0.0, lib.tensor([-1.0])),
    "LowRankMultivariateNormal": lambda D, lib: D.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1),
                                                                            lib.tensor([1.0, -1.0])),
    "LogNormal": lambda D, lib: D.LogNormal(0.0, lib.tensor([-1.0])),
    "HalfNormal": lambda D, lib: D.HalfNormal(lib.tensor([-1.0])),
    "Weibull": lambda D, lib: D.Weibull(lib.tensor([1.0]), lib.tensor([-1.0])),
    "NegativeBinomial": lambda D, lib: D.NegativeBinomial(lib.tensor([1.0]), lib.tensor([1.0])),
    "Geometric": lambda D, lib: D.Geometric(lib.tensor([1.5])),
    "Multinomial": lambda D, lib: D.Multinomial(3, lib.tensor([0.5, -0.5])),
    "Gumbel": lambda D, lib: D.Gumbel(0.0, lib.tensor([0.0])),
    "Laplace": lambda D, lib: D.Laplace(lib.tensor([float("nan")]), 1.0),
    "ContinuousBernoulli": lambda D, lib: D.ContinuousBernoulli(lib.tensor([1.5]), validate_args=True),
    "RelaxedBernoulli": lambda D, lib: D.RelaxedBernoulli(lib.tensor(1.0), lib.tensor([1.5])),
    "Chi2": lambda D, lib: D.Chi2(lib.tensor([-1.0])),
    "MVN_two_matrices": lambda D, lib: D.MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
    "MVN_scalar_loc": lambda D, lib: D.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
    "Mixture_not_categorical": lambda D, lib: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(lib.zeros(2), 1.0)),
    "Mixture_sizes": lambda D, lib: D.MixtureSameFamily(D.Categorical(lib.ones(3)), D.Normal(lib.zeros(2), 1.0)),
    "Dirichlet_scalar": lambda D, lib: D.Dirichlet(lib.tensor(1.0)),
    "Wishart_df": lambda D, lib: D.Wishart(lib.tensor(0.5), lib.eye(2)),
    "Wishart_two_matrices": lambda D, lib: D.Wishart(3.0, lib.eye(2), scale_tril=lib.eye(2)),
    "LKJCholesky_dim": lambda D, lib: D.LKJCholesky(1),
    "GeneralizedPareto_scale": lambda D, lib: D.GeneralizedPareto(0.0, lib.tensor([-1.0]), 0.5),
}

BAD_VALUES = {
    "Gamma": lambda D, lib: D.Gamma(1.0, 1.0).log_prob(lib.tensor(-1.0)),
    "Poisson": lambda D, lib: D.Poisson(1.0).log_prob(lib.tensor(0.5)),
    "Binomial": lambda D, lib: D.Binomial(3, lib.tensor(0.5)).log_prob(lib.tensor(4.0)),
    "Dirichlet": lambda D, lib: D.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, -0.1])),
    "MultivariateNormal": lambda D, lib: D.MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(lib.zeros(3)),
    "Beta": lambda D, lib: D.Beta(1.0, 1.0).log_prob(lib.tensor(1.5)),
    "Pareto": lambda D, lib: D.Pareto(1.0, 2.0).log_prob(lib.tensor(0.5)),
    "Multinomial": lambda D, lib: D.Multinomial(3, lib.ones(3)).log_prob(lib.tensor([2.0, 2.0, 0.0])),
    "Weibull": lambda D, lib: D.Weibull(1.0, 1.0).log_prob(lib.tensor(-1.0)),
    "LogNormal": lambda D, lib: D.LogNormal(0.0, 1.0).log_prob(lib.tensor(-1.0)),
    "Geometric": lambda D, lib: D.Geometric(0.5).log_prob(lib.tensor(-1.0)),
    "Exponential_cdf": lambda D, lib: D.Exponential(1.0).cdf(lib.tensor(-1.0)),
    "OneHot": lambda D, lib: D.OneHotCategorical(lib.ones(3)).log_prob(lib.tensor([1.0, 1.0, 0.0])),
    "Wishart": lambda D, lib: D.Wishart(3.0, lib.eye(2)).log_prob(lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "GeneralizedPareto": lambda D, lib: D.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(lib.tensor(3.0)),
    "Mixture": lambda D, lib: D.MixtureSameFamily(D.Categorical(lib.ones(2)),
                                                  D.Gamma(lib.ones(2), 1.0)).log_prob(lib.tensor(-1.0)),
}


@pytest.mark.parametrize("name", list(BAD_PARAMETERS) + list(BAD_VALUES))
def test_invalid_input_raises_like_torch(name):
    make = BAD_PARAMETERS.get(name) or BAD_VALUES[name]
    messages = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            make(lib.distributions, lib)
        messages.append((type(info.value), str(info.value).replace("torch.", "ember.")))
    assert messages[0][0] is messages[1][0]
    if name == "MultivariateNormal":  # the matrix prints with other spacing
        assert messages[1][1].split("\n")[0] == messages[0][1].split("\n")[0]
    else:
        assert messages[1][1] == messages[0][1]
