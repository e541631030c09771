"""kl_divergence for every pair PyTorch registers, against PyTorch: values (inf where PyTorch has inf) and the
gradients of the finite ones with respect to the parameters of both distributions; the Bregman divergence of
exponential families against the closed forms."""
import numpy as np
import pytest
from parity import torch

import ember
import ember.distributions as D

R = np.random.default_rng(3)


def spd(n, batch):
    a = R.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def params():
    """One parameter set: each distribution below gets a batch of 3."""
    return {"loc": R.normal(size=3), "scale": R.uniform(0.5, 2.0, 3), "scale2": R.uniform(0.5, 2.0, 3),
            "unit": R.uniform(0.1, 0.9, 3), "low": R.uniform(0.05, 0.3, 3), "width": R.uniform(0.2, 0.6, 3),
            "pareto_scale": R.uniform(0.1, 0.4, 3), "alpha": R.uniform(2.5, 4.0, 3),
            "simplex": R.dirichlet(np.ones(4), 3), "conc": R.uniform(0.5, 3.0, (3, 4)), "mean2": R.normal(size=(3, 2)),
            "mvn_loc": R.normal(size=(3, 4)), "cov": spd(4, (3,)), "factor": R.normal(size=(4, 2)),
            "diag": R.uniform(0.5, 2.0, (3, 4))}


DISTRIBUTIONS = {
    "Normal": lambda D, p: D.Normal(p["loc"], p["scale"]),
    "Bernoulli": lambda D, p: D.Bernoulli(p["unit"]),
    "Poisson": lambda D, p: D.Poisson(p["scale"]),
    "Beta": lambda D, p: D.Beta(p["scale"], p["scale2"]),
    "ContinuousBernoulli": lambda D, p: D.ContinuousBernoulli(p["unit"]),
    "Exponential": lambda D, p: D.Exponential(p["scale"]),
    "Gamma": lambda D, p: D.Gamma(p["scale"], p["scale2"]),
    "Pareto": lambda D, p: D.Pareto(p["pareto_scale"], p["alpha"]),
    "Uniform": lambda D, p: D.Uniform(p["low"], p["low"] + p["width"]),
    "Binomial": lambda D, p: D.Binomial(5, p["unit"]),
    "Categorical": lambda D, p: D.Categorical(p["simplex"]),
    "Cauchy": lambda D, p: D.Cauchy(p["loc"], p["scale"]),
    "Dirichlet": lambda D, p: D.Dirichlet(p["conc"]),
    "Geometric": lambda D, p: D.Geometric(p["unit"]),
    "Gumbel": lambda D, p: D.Gumbel(p["loc"], p["scale"]),
    "HalfNormal": lambda D, p: D.HalfNormal(p["scale"]),
    "Independent": lambda D, p: D.Independent(D.Normal(p["mean2"], 1.5), 1),
    "Laplace": lambda D, p: D.Laplace(p["loc"], p["scale"]),
    "LowRankMultivariateNormal": lambda D, p: D.LowRankMultivariateNormal(p["mvn_loc"], p["factor"], p["diag"]),
    "MultivariateNormal": lambda D, p: D.MultivariateNormal(p["mvn_loc"], p["cov"]),
    "OneHotCategorical": lambda D, p: D.OneHotCategorical(p["simplex"]),
    "TransformedDistribution": lambda D, p: D.LogNormal(p["loc"], p["scale"]),
}
P, Q = params(), params()
PAIRS = sorted((a.__name__, b.__name__) for a, b in torch.distributions.kl._KL_REGISTRY
               if a.__name__ != "ExponentialFamily")


def test_every_torch_pair_is_registered():
    ours = {(a.__name__, b.__name__) for a, b in D.kl._KL_REGISTRY}
    assert set(PAIRS) - ours == set()
    assert ("ExponentialFamily", "ExponentialFamily") in ours


def kl_and_grads(lib, p_name, q_name, p_params, q_params):
    tensors = [{k: lib.tensor(v.copy()).requires_grad_() for k, v in ps.items()} for ps in (p_params, q_params)]
    p = DISTRIBUTIONS[p_name](lib.distributions, tensors[0])
    q = DISTRIBUTIONS[q_name](lib.distributions, tensors[1])
    kl = lib.distributions.kl_divergence(p, q)
    finite = kl[lib.isfinite(kl)]
    if finite.numel() and finite.requires_grad:
        finite.sum().backward()
    grads = {f"{side}.{k}": t.grad for side, ts in zip("pq", tensors) for k, t in ts.items()}
    return kl, grads


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_parity(pair):
    e_kl, e_grads = kl_and_grads(ember, *pair, P, Q)
    t_kl, t_grads = kl_and_grads(torch, *pair, P, Q)
    assert tuple(e_kl.shape) == tuple(t_kl.shape)
    np.testing.assert_allclose(e_kl.detach().numpy(), t_kl.detach().numpy(), rtol=1e-7, atol=1e-10)
    for key, t_grad in t_grads.items():
        e_grad = e_grads[key]
        if t_grad is None or not bool(t_grad.abs().sum()):
            assert e_grad is None or not bool(e_grad.abs().sum()), key
        else:
            np.testing.assert_allclose(e_grad.numpy(), t_grad.numpy(), rtol=1e-6, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Exponential", "Poisson", "Bernoulli", "Dirichlet",
                                  "ContinuousBernoulli"])
def test_bregman_divergence_matches_closed_forms(name):
    tensors = [{k: ember.tensor(v.copy()) for k, v in ps.items()} for ps in (P, Q)]
    p, q = (DISTRIBUTIONS[name](D, t) for t in tensors)
    np.testing.assert_allclose(D.kl._kl_expfamily_expfamily(p, q).detach().numpy(), D.kl_divergence(p, q).numpy(),
                               rtol=1e-6, atol=1e-9)


def test_exponential_family_entropy_matches_closed_forms():
    for name in ["Normal", "Gamma", "Exponential", "Bernoulli"]:
        d = DISTRIBUTIONS[name](D, {k: ember.tensor(v.copy()) for k, v in P.items()})
        np.testing.assert_allclose(D.ExponentialFamily.entropy(d).detach().numpy(), d.entropy().numpy(), rtol=1e-6,
                                   err_msg=name)


def test_kl_errors_like_torch():
    for lib in (ember, torch):
        Dl = lib.distributions
        with pytest.raises(NotImplementedError, match="cross KL-divergence between different exponential families"):
            Dl.kl._kl_expfamily_expfamily(Dl.Normal(0.0, 1.0), Dl.Exponential(1.0))
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            Dl.kl_divergence(Dl.Binomial(3, lib.tensor(0.5)), Dl.Binomial(5, lib.tensor(0.5)))
        with pytest.raises(ValueError, match="different event shapes"):
            Dl.kl_divergence(Dl.MultivariateNormal(lib.zeros(2), lib.eye(2)),
                             Dl.MultivariateNormal(lib.zeros(3), lib.eye(3)))
        with pytest.raises(NotImplementedError):
            Dl.kl_divergence(Dl.Independent(Dl.Normal(lib.zeros(2, 2), 1.0), 1),
                             Dl.Independent(Dl.Normal(lib.zeros(2, 2), 1.0), 2))
        with pytest.raises(NotImplementedError):
            Dl.kl_divergence(Dl.LogNormal(0.0, 1.0), Dl.TransformedDistribution(Dl.Normal(0.0, 1.0),
                                                                                 Dl.SigmoidTransform()))


def test_ambiguous_dispatch_warns():
    class A(D.Normal):
        pass

    class B(D.Normal):
        pass

    class ParentA(D.Distribution):
        pass

    @D.register_kl(A, D.Normal)
    def _a_normal(p, q):
        return ember.zeros(1)

    @D.register_kl(D.Normal, B)
    def _normal_b(p, q):
        return ember.ones(1)

    with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
        assert D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0)).item() == 0.0
    assert ParentA.__name__ == "ParentA"
