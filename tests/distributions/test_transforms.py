"""Transforms and the constraint registry against PyTorch: forward and inverse values, log|det J|, gradients,
domains, codomains, signs, shapes, reprs and caching."""
import numpy as np
import pytest
from dist_parity import assert_close
from parity import torch

import ember
import ember.distributions as D

R = np.random.default_rng(2)
X = R.normal(size=(2, 3))
POS = np.abs(X) + 0.1
SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])

TRANSFORMS = {  # name: (factory(T, lib), input of forward, input of inverse)
    "Exp": (lambda T, lib: T.ExpTransform(), X, POS),
    "Affine": (lambda T, lib: T.AffineTransform(lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64), -3.0), X, X),
    "Affine_numbers": (lambda T, lib: T.AffineTransform(1.0, -3.0), X, X),
    "Affine_event_dim": (lambda T, lib: T.AffineTransform(0.5, lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64),
                                                          event_dim=1), X, X),
    "Sigmoid": (lambda T, lib: T.SigmoidTransform(), X, SIMPLEX),
    "Tanh": (lambda T, lib: T.TanhTransform(), X, SIMPLEX - 0.3),
    "Softplus": (lambda T, lib: T.SoftplusTransform(), X, POS),
    "Power": (lambda T, lib: T.PowerTransform(lib.tensor(2.5, dtype=lib.float64)), POS, POS),
    "Power_negative": (lambda T, lib: T.PowerTransform(lib.tensor(-0.5, dtype=lib.float64)), POS, POS),
    "Abs": (lambda T, lib: T.AbsTransform(), X, POS),
    "Softmax": (lambda T, lib: T.SoftmaxTransform(), X, SIMPLEX),
    "StickBreaking": (lambda T, lib: T.StickBreakingTransform(), X, np.array([[0.1, 0.2, 0.3, 0.4]] * 2)),
    "Compose": (lambda T, lib: T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)]), X, POS + 1),
    "Compose_vector": (lambda T, lib: T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.StickBreakingTransform()]),
                       X, np.array([[0.1, 0.2, 0.3, 0.4]] * 2)),
    "Identity": (lambda T, lib: T.identity_transform, X, X),
    "Inverse_exp": (lambda T, lib: T.ExpTransform().inv, POS, X),
    "Independent": (lambda T, lib: T.IndependentTransform(T.SigmoidTransform(), 1), X, SIMPLEX),
    "Reshape": (lambda T, lib: T.ReshapeTransform((3,), (3, 1)), X, X[..., None]),
    "CorrCholesky": (lambda T, lib: T.CorrCholeskyTransform(), R.normal(size=(2, 3)),
                     np.linalg.cholesky(np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.5], [-0.2, 0.5, 1.0]]))),
    "Cat": (lambda T, lib: T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], dim=1, lengths=[1, 2]),
            X, POS),
    "Cat_vector": (lambda T, lib: T.CatTransform([T.IndependentTransform(T.ExpTransform(), 1), T.identity_transform],
                                                 dim=-1, lengths=[2, 1]), X, POS),
    "Stack": (lambda T, lib: T.StackTransform([T.ExpTransform(), T.SigmoidTransform()], dim=0), X, SIMPLEX),
    "CumulativeDistribution": (lambda T, lib: T.CumulativeDistributionTransform(
        lib.distributions.Normal(lib.tensor(0.5, dtype=lib.float64), 2.0)), X, SIMPLEX),
    "LowerCholesky": (lambda T, lib: T.LowerCholeskyTransform(), R.normal(size=(2, 3, 3)),
                      np.tril(R.normal(size=(3, 3)), -1) + np.diag([1.0, 2.0, 0.5])),
    "PositiveDefinite": (lambda T, lib: T.PositiveDefiniteTransform(), R.normal(size=(3, 3)),
                         np.eye(3) * 2 + 0.1),
}


def run(lib, name):
    factory, x, y = TRANSFORMS[name]
    t = factory(lib.distributions.transforms, lib)
    x = lib.tensor(x.copy()).requires_grad_()
    y_in = lib.tensor(np.array(y, dtype=np.float64))
    forward = t(x)
    outputs = {"forward": forward, "inverse": t.inv(y_in)}
    try:
        outputs["ladj"] = t.log_abs_det_jacobian(x, forward)
    except NotImplementedError:
        outputs["ladj"] = NotImplementedError
    loss = forward.sum() + (outputs["ladj"].sum() if outputs["ladj"] is not NotImplementedError else 0)
    loss.backward()
    outputs["grad"] = x.grad
    return t, outputs


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_parity(name):
    (e_t, e_out), (t_t, t_out) = run(ember, name), run(torch, name)
    for key, t_value in t_out.items():
        if t_value is NotImplementedError:
            assert e_out[key] is NotImplementedError, f"{name}.{key}"
        else:
            assert_close(e_out[key], t_value, f"{name}.{key}", 1e-9, 1e-12)
    assert repr(e_t) == repr(t_t)
    for attr in ("domain", "codomain"):
        e_c, t_c = getattr(e_t, attr), getattr(t_t, attr)
        assert repr(e_c) == repr(t_c), attr
        assert e_c.event_dim == t_c.event_dim
    assert e_t.bijective == t_t.bijective
    try:
        t_sign = t_t.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            _ = e_t.sign
    else:
        e_sign = e_t.sign.numpy() if isinstance(e_t.sign, ember.Tensor) else e_t.sign
        np.testing.assert_array_equal(e_sign, t_sign.numpy() if isinstance(t_sign, torch.Tensor) else t_sign)
    for shape in [(2, 3), (5, 2, 3)]:
        if name not in ("LowerCholesky", "PositiveDefinite", "Reshape", "CorrCholesky"):
            assert tuple(e_t.forward_shape(shape)) == tuple(t_t.forward_shape(shape))
            assert tuple(e_t.inverse_shape(shape)) == tuple(t_t.inverse_shape(shape))


def test_inverse_round_trip_and_cache():
    x = ember.randn(4, 3, dtype=ember.float64)
    for name in ("Exp", "Affine", "Sigmoid", "Tanh", "Softplus", "StickBreaking", "Compose"):
        t = TRANSFORMS[name][0](D.transforms, ember)
        np.testing.assert_allclose(t.inv(t(x)).numpy(), x.numpy(), rtol=1e-7, atol=1e-7, err_msg=name)
    cached = D.SigmoidTransform(cache_size=1)
    big = ember.tensor([50.0], dtype=ember.float64)
    assert cached.inv(cached(big)) is big  # the inverse of 1.0 would be lost to clamping
    assert D.SigmoidTransform().inv(D.SigmoidTransform()(big)).item() < 50
    assert D.ExpTransform().with_cache(1)._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    t = D.ExpTransform()
    assert t.inv.inv is t and t.inv is t.inv
    assert D.ExpTransform() == D.ExpTransform() and D.ExpTransform() != D.SigmoidTransform()
    assert D.AffineTransform(0.0, 2.0) == D.AffineTransform(0.0, 2.0) != D.AffineTransform(0.0, 3.0)
    assert repr(D.ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    with pytest.raises(NotImplementedError):
        D.AbsTransform().inv.log_abs_det_jacobian(ember.ones(1), ember.ones(1))


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "simplex", "real_vector", "lower_cholesky",
               "positive_definite", "corr_cholesky"]
MADE = {"interval": lambda c: c.interval(-1.0, 3.0), "half_open": lambda c: c.half_open_interval(0.0, 2.0),
        "greater_than": lambda c: c.greater_than(2.0), "greater_than_eq": lambda c: c.greater_than_eq(-1.0),
        "less_than": lambda c: c.less_than(1.5), "independent": lambda c: c.independent(c.positive, 1),
        "cat": lambda c: c.cat([c.real, c.positive], 1, [1, 2]), "stack": lambda c: c.stack([c.positive, c.real])}


@pytest.mark.parametrize("name", CONSTRAINTS + list(MADE))
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry(name, registry):
    def make(lib):
        c = lib.distributions.constraints
        constraint = MADE[name](c) if name in MADE else getattr(c, name)
        return constraint, getattr(lib.distributions, registry)

    e_c, e_reg = make(ember)
    t_c, t_reg = make(torch)
    try:
        t_t = t_reg(t_c)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            e_reg(e_c)
        return
    e_t = e_reg(e_c)
    assert repr(e_t) == repr(t_t)
    x = R.normal(size=(2, 3, 3)) if t_c.event_dim == 2 and name != "corr_cholesky" else R.normal(size=(2, 3))
    y = e_t(ember.tensor(x))
    assert bool(e_c.check(y).all()), name
    np.testing.assert_allclose(y.numpy(), t_t(torch.tensor(x)).numpy(), rtol=1e-9, atol=1e-12)


def test_registry_register_and_errors():
    registry = D.constraint_registry.ConstraintRegistry()
    registry.register(D.constraints.positive, lambda c: D.ExpTransform())
    assert isinstance(registry(D.constraints.positive), D.ExpTransform)
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        registry(D.constraints.boolean)
    with pytest.raises(TypeError):
        registry.register(int, lambda c: None)


def test_transformed_distribution_errors_and_expand():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="transforms must be a Transform or list"):
            lib.distributions.TransformedDistribution(lib.distributions.Normal(0.0, 1.0), "exp")
        with pytest.raises(ValueError, match="base_distribution needs to have shape with size at least 1"):
            lib.distributions.TransformedDistribution(lib.distributions.Normal(0.0, 1.0),
                                                      lib.distributions.StickBreakingTransform())
    d = D.LogNormal(ember.zeros(3), 1.0).expand((2, 3))
    assert d.batch_shape == (2, 3) and d.sample().shape == (2, 3) and isinstance(d, D.LogNormal)
    assert repr(D.TransformedDistribution(D.Normal(0.0, 1.0), [])) == "TransformedDistribution()"
    assert D.TransformedDistribution(D.Normal(0.0, 1.0), []).support is D.constraints.real


def test_corr_cholesky_shapes_and_errors():
    t = D.CorrCholeskyTransform()
    assert t.forward_shape((5, 6)) == (5, 4, 4) and t.inverse_shape((5, 4, 4)) == (5, 6)
    for lib in (ember, torch):
        T = lib.distributions.transforms
        with pytest.raises(ValueError, match="Input is not a flattened lower-diagonal number"):
            T.CorrCholeskyTransform().forward_shape((5,))
        with pytest.raises(ValueError, match="Input is not square"):
            T.CorrCholeskyTransform().inverse_shape((2, 3))
    y = t(ember.randn(10, 6, dtype=ember.float64))
    assert bool(D.constraints.corr_cholesky.check(y).all())
    np.testing.assert_allclose(D.utils.tril_matrix_to_vec(D.utils.vec_to_tril_matrix(ember.arange(6.0))).numpy(),
                               np.arange(6.0))
    with pytest.raises(ValueError, match="cannot be expressed as the lower triangular part"):
        D.utils.vec_to_tril_matrix(ember.zeros(5))
