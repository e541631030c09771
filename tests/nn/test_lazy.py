"""Lazy convolutions and normalizations against PyTorch: placeholders until the first input, then the full layer
with the input's size, the same state_dict keys and shapes, the same outputs once given PyTorch's weights, and the
Parameter objects an optimizer took before the first forward."""
import importlib

import numpy as np
import pytest
from parity import torch

import ember

CASES = [("LazyConv1d", (4, 3), (2, 5, 9)), ("LazyConv2d", (4, 3), (2, 5, 8, 8)),
         ("LazyConv3d", (2, 2), (1, 3, 4, 4, 4)),
         ("LazyConvTranspose1d", (4, 3), (2, 5, 9)), ("LazyConvTranspose2d", (4, 3), (2, 5, 6, 6)),
         ("LazyConvTranspose3d", (2, 2), (1, 3, 4, 4, 4)), ("LazyBatchNorm1d", (), (6, 5)),
         ("LazyBatchNorm2d", (), (2, 5, 4, 4)), ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2)),
         ("LazyInstanceNorm1d", (), (2, 5, 7)), ("LazyInstanceNorm2d", (), (2, 5, 4, 4)),
         ("LazyInstanceNorm3d", (), (2, 3, 3, 3, 3)), ("LazyConv2d", (4, 3), (5, 8, 8))]


@pytest.mark.parametrize("name, args, shape", CASES, ids=[f"{c[0]}-{len(c[2])}d" for c in CASES])
def test_lazy_layers(name, args, shape):
    e, t = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    params = list(e.parameters())
    assert all(ember.nn.parameter.is_lazy(p) for p in params)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    e_out, t_out = e(ember.tensor(x)), t(torch.tensor(x))
    assert type(e).__name__ == type(t).__name__ and repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert [id(p) for p in e.parameters()] == [id(p) for p in params]
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    e.eval(), t.eval()
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    assert tuple(e_out.shape) == tuple(t_out.shape)


def test_uninitialized_buffer():
    b = ember.nn.UninitializedBuffer()
    assert ember.nn.parameter.is_lazy(b)
    b.materialize((2, 3))
    assert type(b) is ember.nn.Buffer and tuple(b.shape) == (2, 3)


def _lazy_scale(lib, complete: bool = True):
    """A user's lazy module on LazyModuleMixin: its weight's size is the last dim of the first input."""
    mixin = importlib.import_module(f"{lib.__name__}.nn.modules.lazy").LazyModuleMixin

    class LazyScale(mixin, lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.parameter.UninitializedParameter()

        def initialize_parameters(self, x):
            if complete and self.has_uninitialized_params():
                with lib.no_grad():
                    self.weight.materialize((x.shape[-1],))
                    self.weight.copy_(lib.arange(1.0, x.shape[-1] + 1))

        def forward(self, x):
            return x * self.weight
    return LazyScale()


def test_lazy_module_mixin_as_pytorch():
    results = []
    for lib in (ember, torch):
        m = _lazy_scale(lib)
        assert m.has_uninitialized_params()
        out = m(lib.ones(2, 3))
        loaded = _lazy_scale(lib)
        loaded.load_state_dict(m.state_dict())
        results.append((out.detach().numpy(), m.has_uninitialized_params(), type(m.weight).__name__,
                        loaded(lib.ones(3)).detach().numpy(), loaded.has_uninitialized_params(),
                        len(m._forward_pre_hooks)))
        with pytest.raises(RuntimeError, match="has not been fully initialized"):
            _lazy_scale(lib, complete=False)(lib.ones(1))
    (e_out, *e_rest), (t_out, *t_rest) = results
    np.testing.assert_array_equal(e_out, t_out)
    assert [r if not isinstance(r, np.ndarray) else r.tolist() for r in e_rest] == \
        [r if not isinstance(r, np.ndarray) else r.tolist() for r in t_rest]
