"""Distribution, constraints, utils, Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Independent and
their KL divergences against PyTorch; sampling statistics; validation errors."""
import numpy as np
import pytest
from dist_parity import Case, build, cases_param, compare
from parity import torch

import ember
import ember.distributions as D

R = np.random.default_rng(0)
LOC, SCALE = np.array([-1.0, 0.0, 2.5]), np.array([0.5, 1.0, 3.0])
PROBS = np.array([0.1, 0.5, 0.7, 0.999])
PROBS_2x3 = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])

CASES = [
    Case("Normal", lambda D, p: D.Normal(p["loc"], p["scale"]), {"loc": LOC, "scale": SCALE},
         value=np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 2.5]]), quantile=np.array([0.1, 0.5, 0.975])),
    Case("Normal_scalars", lambda D, p: D.Normal(0.0, 2.0), {}, value=np.array(0.5, dtype=np.float32),
         quantile=np.array(0.3, dtype=np.float32), rtol=1e-5, atol=1e-6),
    Case("Normal_broadcast", lambda D, p: D.Normal(p["loc"], 2.0), {"loc": LOC}, value=np.array(0.5)),
    Case("Bernoulli_probs", lambda D, p: D.Bernoulli(probs=p["probs"]), {"probs": PROBS},
         value=np.array([0.0, 1.0, 1.0, 0.0])),
    Case("Bernoulli_logits", lambda D, p: D.Bernoulli(logits=p["logits"]), {"logits": np.array([-3.0, 0.0, 2.0])},
         value=np.array([[1.0], [0.0]])),
    Case("Categorical_probs", lambda D, p: D.Categorical(probs=p["probs"]), {"probs": PROBS_2x3 * 3},
         value=np.array([0, 2])),
    Case("Categorical_logits", lambda D, p: D.Categorical(logits=p["logits"]), {"logits": R.normal(size=(2, 4))},
         value=np.array([[0], [3], [1]])),
    Case("OneHotCategorical", lambda D, p: D.OneHotCategorical(probs=p["probs"]), {"probs": PROBS_2x3},
         value=np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])),
    Case("OneHotCategorical_logits", lambda D, p: D.OneHotCategorical(logits=p["logits"]),
         {"logits": R.normal(size=(4,))}, value=np.eye(4)),
    Case("Uniform", lambda D, p: D.Uniform(p["low"], p["high"]), {"low": LOC, "high": LOC + SCALE},
         value=np.array([-0.75, 0.5, 3.0]), quantile=np.array([0.1, 0.5, 0.9])),
    Case("Independent_Normal", lambda D, p: D.Independent(D.Normal(p["loc"], p["scale"]), 1),
         {"loc": R.normal(size=(2, 3)), "scale": R.uniform(0.5, 2, size=(2, 3))}, value=R.normal(size=(2, 3))),
    Case("Independent_Bernoulli", lambda D, p: D.Independent(D.Bernoulli(logits=p["logits"]), 2),
         {"logits": R.normal(size=(2, 3))}, value=np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])),
    Case("OneHotCategoricalStraightThrough", lambda D, p: D.OneHotCategoricalStraightThrough(p["probs"]),
         {"probs": PROBS_2x3}, value=np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])),
]


@cases_param(CASES)
def test_parity(case):
    compare(case)


KL_PAIRS = {
    "Normal_Normal": (lambda D, p: D.Normal(p["a"], p["b"]), lambda D, p: D.Normal(p["c"], p["d"])),
    "Bernoulli_Bernoulli": (lambda D, p: D.Bernoulli(p["pa"]), lambda D, p: D.Bernoulli(logits=p["c"])),
    "Categorical_Categorical": (lambda D, p: D.Categorical(p["simplex"]), lambda D, p: D.Categorical(logits=p["m"])),
    "OneHot_OneHot": (lambda D, p: D.OneHotCategorical(p["simplex"]),
                      lambda D, p: D.OneHotCategorical(logits=p["m"])),
    "Uniform_Uniform": (lambda D, p: D.Uniform(p["a"], p["a"] + p["b"]),
                        lambda D, p: D.Uniform(p["a"] - p["d"], p["a"] + p["b"] + p["c"])),
    "Uniform_Normal": (lambda D, p: D.Uniform(p["a"], p["a"] + p["b"]), lambda D, p: D.Normal(p["c"], p["d"])),
    "Normal_Uniform": (lambda D, p: D.Normal(p["a"], p["b"]), lambda D, p: D.Uniform(p["c"], p["c"] + p["d"])),
    "Independent_Independent": (lambda D, p: D.Independent(D.Normal(p["m"], 1.0), 1),
                                lambda D, p: D.Independent(D.Normal(p["m"] * 0.5, 2.0), 1)),
}
KL_PARAMS = {"a": np.array([0.0, 1.0, -1.0]), "b": np.array([1.0, 0.5, 2.0]), "c": np.array([0.5, -1.0, 0.0]),
             "d": np.array([2.0, 1.5, 0.3]), "pa": np.array([0.2, 0.0, 1.0]),
             "simplex": np.array([[0.2, 0.8, 0.0], [0.1, 0.3, 0.6]]), "m": R.normal(size=(2, 3))}


@pytest.mark.parametrize("name", list(KL_PAIRS))
def test_kl_parity(name):
    check_kl(KL_PAIRS[name], KL_PARAMS)


def check_kl(ctors, params, rtol=1e-6):
    """KL(p || q) and its gradients with respect to the parameters agree with torch."""
    results = {}
    for lib in (ember, torch):
        tensors = {k: lib.tensor(v.copy()).requires_grad_() for k, v in params.items()}
        D = lib.distributions
        kl = D.kl_divergence(ctors[0](D, tensors), ctors[1](D, tensors))
        finite = kl[lib.isfinite(kl)]
        if finite.numel():
            finite.sum().backward()
        results[lib.__name__] = kl, tensors
    (e_kl, e_params), (t_kl, t_params) = results["ember"], results["torch"]
    assert tuple(e_kl.shape) == tuple(t_kl.shape)
    np.testing.assert_allclose(e_kl.detach().numpy(), t_kl.detach().numpy(), rtol=rtol, atol=1e-9)
    for k in params:
        t_grad, e_grad = t_params[k].grad, e_params[k].grad
        if t_grad is None or not bool(t_grad.abs().sum()):
            assert e_grad is None or not bool(e_grad.abs().sum()), k
        else:
            np.testing.assert_allclose(e_grad.numpy(), t_grad.numpy(), rtol=rtol * 10, atol=1e-8, err_msg=k)


def test_kl_not_implemented_and_dispatch():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Categorical"):
        D.kl_divergence(D.Categorical(ember.ones(2)), D.Normal(0.0, 1.0))

    class MyNormal(D.Normal):
        pass

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))) == pytest.approx(0.5)

    @D.register_kl(MyNormal, D.Normal)
    def _kl_mine(p, q):
        return ember.zeros(p.batch_shape)

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))) == 0.0
    assert float(D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0))) == pytest.approx(0.5)
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


def test_bad_parameters_raise_like_torch():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match=r"Expected parameter scale \(Tensor of shape \(2,\)\) of distribution "
                           r"Normal\(loc: \w+\.Size\(\[2\]\), scale: \w+\.Size\(\[2\]\)\) to satisfy the constraint "
                           r"GreaterThan\(lower_bound=0\.0\), but found invalid values:\n"):
            lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([-1.0, 1.0]))
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
            lib.distributions.Bernoulli(0.2, 0.3)
        with pytest.raises(ValueError, match="probs"):
            lib.distributions.Bernoulli(lib.tensor([1.5]))
        with pytest.raises(ValueError, match="must be at least one-dimensional"):
            lib.distributions.Categorical(lib.tensor(1.0))
        with pytest.raises(ValueError, match="LessThan"):
            lib.distributions.Uniform(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 0.5]))
        with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
            lib.distributions.Independent(lib.distributions.Normal(0.0, 1.0), 1)
    assert ember.distributions.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0


def test_values_outside_the_support_raise_like_torch():
    messages = []
    for lib in (ember, torch):
        D = lib.distributions
        with pytest.raises(ValueError) as info:
            D.Bernoulli(0.3).log_prob(lib.tensor(2.0))
        messages.append(str(info.value).replace("torch.", "ember."))
        with pytest.raises(ValueError, match="within the support"):
            D.Uniform(0.0, 1.0).cdf(lib.tensor(2.0))
        with pytest.raises(ValueError, match="within the support"):
            D.Categorical(lib.ones(3)).log_prob(lib.tensor(3))
        with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
            D.Normal(0.0, 1.0).log_prob(0.5)
        with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape\\+event_shape"):
            D.Normal(lib.zeros(2), 1.0).log_prob(lib.zeros(3))
        with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
            D.OneHotCategorical(lib.ones(3)).log_prob(lib.zeros(4))
    assert messages[0] == messages[1]
    assert messages[0].startswith("Expected value argument (Tensor of shape ()) to be within the support (Boolean())")
    normal = ember.distributions.Normal(0.0, 1.0, validate_args=False)
    assert normal.log_prob(ember.tensor(0.0)).item() == pytest.approx(-0.9189385)


def test_set_default_validate_args():
    D.Distribution.set_default_validate_args(False)
    try:
        assert D.Normal(0.0, -1.0).scale.item() == -1.0
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(2)


def test_constraints_repr_and_check():
    c = D.constraints
    tc = torch.distributions.constraints
    names = ["real", "positive", "nonnegative", "unit_interval", "nonnegative_integer", "positive_integer", "boolean",
             "simplex", "one_hot", "lower_cholesky", "lower_triangular", "positive_definite", "real_vector",
             "corr_cholesky", "square", "symmetric", "positive_semidefinite", "dependent"]
    for name in names:
        assert repr(getattr(c, name)) == repr(getattr(tc, name)), name
    made = [(c.interval(0, 2), tc.interval(0, 2)), (c.half_open_interval(0.0, 1.0), tc.half_open_interval(0.0, 1.0)),
            (c.greater_than_eq(1), tc.greater_than_eq(1)), (c.less_than(3.0), tc.less_than(3.0)),
            (c.integer_interval(0, 5), tc.integer_interval(0, 5)),
            (c.independent(c.real, 1), tc.independent(tc.real, 1)),
            (c.multinomial(3), tc.multinomial(3)), (c.greater_than(-1.0), tc.greater_than(-1.0))]
    for ours, theirs in made + [(getattr(c, n), getattr(tc, n)) for n in names if n != "dependent"]:
        assert repr(ours) == repr(theirs)
        assert ours.event_dim == theirs.event_dim and ours.is_discrete == theirs.is_discrete, repr(ours)
    values = R.normal(size=(3, 3, 3))
    values[0] = np.tril(np.abs(values[0])) + np.eye(3)
    values[1] = values[1] @ values[1].T + np.eye(3)
    values[2] = np.eye(3) / np.sqrt([1.0, 1.0, 1.0])
    for ours, theirs in made + [(getattr(c, n), getattr(tc, n)) for n in names if n != "dependent"]:
        for v in (values, np.abs(values), values.round(), np.array([[1.0, 0.0], [0.4, 0.6], [-1, 2]])):
            e, t = ours.check(ember.tensor(v)), theirs.check(torch.tensor(v))
            np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=repr(ours))
    cat = c.cat([c.real, c.positive], 0, [1, 2])
    assert cat.check(ember.tensor([-1.0, 1.0, 2.0])).tolist() == [True, True, True]
    assert c.stack([c.real, c.positive], 0).check(ember.tensor([-1.0, -1.0])).tolist() == [True, False]
    assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        c.dependent.check(ember.zeros(1))


def test_utils_match_torch():
    from torch.distributions import utils as tutils

    from ember.distributions import utils
    x = np.array([[-2.0, 0.0, 3.0]])
    p = np.array([[0.2, 0.3, 0.5]])
    for fn, arg in [("logits_to_probs", x), ("probs_to_logits", p)]:
        for binary in (False, True):
            np.testing.assert_allclose(getattr(utils, fn)(ember.tensor(arg), binary).numpy(),
                                       getattr(tutils, fn)(torch.tensor(arg), binary).numpy(), rtol=1e-12)
    a, b = utils.broadcast_all(ember.zeros(2, 1, dtype=ember.float64), 3.0)
    assert a.shape == (2, 1) and b.shape == (2, 1) and b.dtype == ember.float64
    with pytest.raises(ValueError, match="Input arguments must all be instances of numbers.Number"):
        utils.broadcast_all("a")

    class Holder:
        calls = 0

        @utils.lazy_property
        def value(self):
            Holder.calls += 1
            return 5

    h = Holder()
    assert h.value == 5 and h.value == 5 and Holder.calls == 1
    assert isinstance(Holder.value, utils.lazy_property)


def test_repr_shapes_and_expand():
    n = D.Normal(ember.zeros(2), 1.0)
    assert repr(n) == "Normal(loc: ember.Size([2]), scale: ember.Size([2]))"
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Independent(n, 1)) == "Independent(Normal(loc: ember.Size([2]), scale: ember.Size([2])), 1)"
    big = n.expand((3, 2))
    assert big.batch_shape == (3, 2) and big.loc.shape == (3, 2) and big.sample().shape == (3, 2)
    cat = D.Categorical(logits=ember.zeros(2, 5)).expand((4, 2))
    assert cat.batch_shape == (4, 2) and cat.sample((7,)).shape == (7, 4, 2)
    onehot = D.OneHotCategorical(ember.ones(2, 5)).expand((3, 2))
    assert onehot.batch_shape == (3, 2) and onehot.sample().shape == (3, 2, 5)
    ind = D.Independent(D.Normal(ember.zeros(2, 3), 1.0), 1).expand((4, 2))
    assert ind.batch_shape == (4, 2) and ind.event_shape == (3,) and ind.log_prob(ember.zeros(3)).shape == (4, 2)
    assert D.Bernoulli(logits=ember.zeros(3)).expand((2, 3)).probs.shape == (2, 3)
    assert D.Uniform(0.0, 1.0).expand((5,)).sample().shape == (5,)

    class Custom(D.Normal):
        def __init__(self):
            super().__init__(0.0, 1.0)

    with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
        Custom().expand((2,))


def test_enumerate_support_and_misc():
    assert D.Bernoulli(ember.tensor([0.1, 0.2])).enumerate_support().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert D.Bernoulli(ember.tensor([0.1, 0.2])).enumerate_support(False).shape == (2, 1)
    assert D.Categorical(ember.ones(2, 3)).enumerate_support().shape == (3, 2)
    with pytest.raises(NotImplementedError):
        D.Normal(0.0, 1.0).enumerate_support()
    with pytest.raises(NotImplementedError, match="Enumeration over cartesian product"):
        D.Independent(D.Bernoulli(ember.ones(2) / 2), 1).enumerate_support()
    with pytest.raises(NotImplementedError):
        D.Categorical(ember.ones(3)).rsample()
    c = D.Categorical(logits=ember.zeros(4))
    assert c.perplexity().item() == pytest.approx(4.0)
    with pytest.warns(UserWarning, match="sample_n will be deprecated"):
        assert c.sample_n(3).shape == (3,)
    assert D.Normal(0.0, 1.0).stddev.item() == 1.0
    assert D.Bernoulli(ember.tensor([0.2, 0.5, 0.9])).mode.tolist()[0::2] == [0.0, 1.0]


def test_build_helper_uses_requires_grad():
    dist, params = build(ember, CASES[0])
    assert params["loc"].requires_grad and dist.log_prob(ember.zeros(3)).requires_grad


def test_subclass_without_constraints_warns():
    class Plain(D.Distribution):
        def __init__(self):
            super().__init__(validate_args=True)

    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        plain = Plain()
    with pytest.warns(UserWarning, match="does not define `support`"):
        plain._validate_sample(ember.zeros(()))
    assert plain.batch_shape == () and plain.event_shape == ()
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        _ = plain.mode
    for name in ("mean", "variance", "support"):
        with pytest.raises(NotImplementedError):
            getattr(plain, name)
