"""AdaptiveLogSoftmaxWithLoss against PyTorch: printed form and state_dict keys, output and loss, gradients of the
input and every parameter, unbatched input, log_prob, predict, and PyTorch's errors."""
import numpy as np
import pytest
from module_parity import copy_state
from parity import assert_same, assert_same_grad, randn, torch

import ember

TARGET = np.array([0, 4, 9, 2, 7, 5, 1])


def pair(head_bias=False, cutoffs=(3, 6)):
    """The module in both libraries, with torch's weights copied into ember's, in float64."""
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, list(cutoffs), div_value=2.0, head_bias=head_bias).double()
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 10, list(cutoffs), div_value=2.0, head_bias=head_bias).double()
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    copy_state(t, e)
    return t, e


@pytest.mark.parametrize("head_bias", [False, True])
@pytest.mark.parametrize("cutoffs", [(3, 6), (2,), (1, 5, 8)])
def test_output_loss_and_gradients(head_bias, cutoffs):
    t, e = pair(head_bias, cutoffs)
    x = randn(len(TARGET), 8)
    t_in, e_in = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_out, e_out = t(t_in, torch.tensor(TARGET)), e(e_in, ember.tensor(TARGET))
    assert type(e_out).__name__ == "_ASMoutput" and e_out._fields == ("output", "loss")
    assert_same(e_out.output, t_out.output, check_grad_fn=False)
    assert_same(e_out.loss, t_out.loss)
    (t_out.loss + t_out.output[1]).backward()
    (e_out.loss + e_out.output[1]).backward()
    assert_same_grad(e_in.grad, t_in.grad, "grad of input")
    for (name, tp), (_, ep) in zip(t.named_parameters(), e.named_parameters(), strict=True):
        assert_same_grad(ep.grad, tp.grad, f"grad of {name}")


def test_unbatched_log_prob_and_predict():
    t, e = pair()
    x = randn(4, 8)
    one = t(torch.tensor(x[0]), torch.tensor(7))
    assert_same(e(ember.tensor(x[0]), ember.tensor(7)).output, one.output, check_grad_fn=False)
    assert_same(e.log_prob(ember.tensor(x)), t.log_prob(torch.tensor(x)), check_grad_fn=False)
    assert e.predict(ember.tensor(x)).tolist() == t.predict(torch.tensor(x)).tolist()
    np.testing.assert_allclose(e.log_prob(ember.tensor(x)).exp().sum(-1).detach().numpy(), 1.0)


@pytest.mark.parametrize("cutoffs", [[6, 3], [3, 3], [3, 10], [0, 4], []])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
        ember.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)


@pytest.mark.parametrize("x_shape, target", [((7, 8), TARGET[:3]), ((7, 8), np.array([0, 4, 10, 2, 7, 5, 1])),
                                             ((1, 7, 8), TARGET), ((7, 8), TARGET.astype(np.float32))])
def test_bad_input(x_shape, target):
    t, e = pair()
    x = randn(*x_shape)
    with pytest.raises(RuntimeError) as expected:
        t(torch.tensor(x), torch.tensor(target))
    with pytest.raises(RuntimeError) as got:
        e(ember.tensor(x), ember.tensor(target))
    assert str(got.value).split(":")[0].split(",")[0] == str(expected.value).split(":")[0].split(",")[0]
