"""vision.ops' layers and functionals: torchvision's printed forms (recorded from torchvision 0.28), forward values
against the same computation in torch with copied weights, and the random drops' statistics."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import models, ops


def torch_or_skip():
    return pytest.importorskip("torch")


def copy_to_torch(module, reference):
    """Load `module`'s state into the torch module `reference`."""
    import torch
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in module.state_dict().items()})
    return reference


def test_conv_norm_activation_repr_and_forward():
    block = ops.Conv2dNormActivation(3, 8, 3, inplace=None)
    assert repr(block) == ("Conv2dNormActivation(\n"
                           "  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n"
                           "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                           "track_running_stats=True)\n"
                           "  (2): ReLU()\n)")
    assert block.out_channels == 8
    block3d = ops.Conv3dNormActivation(3, 8, (3, 1, 1))
    assert repr(block3d[0]) == "Conv3d(3, 8, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0), bias=False)"
    assert repr(block3d[2]) == "ReLU(inplace=True)"
    plain = ops.Conv2dNormActivation(4, 6, 5, stride=2, dilation=2, norm_layer=None, activation_layer=nn.SiLU)
    assert plain[0].padding == (4, 4) and plain[0].bias is not None and len(plain) == 2
    assert ops.Conv2dNormActivation(3, 8, padding="same")[0].padding == "same"
    assert models.mobilenetv2.Conv2dNormActivation is ops.Conv2dNormActivation

    torch = torch_or_skip()
    reference = copy_to_torch(block, torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
                                                         torch.nn.BatchNorm2d(8), torch.nn.ReLU()))
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(block(ember.from_numpy(x)).detach().numpy(),
                               reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_squeeze_excitation():
    se = ops.SqueezeExcitation(8, 2, scale_activation=nn.Hardsigmoid)
    assert [name for name, _ in se.named_children()] == ["avgpool", "fc1", "fc2", "activation", "scale_activation"]
    torch = torch_or_skip()
    w = {k: torch.from_numpy(v.numpy().copy()) for k, v in se.state_dict().items()}
    x = np.random.default_rng(1).standard_normal((2, 8, 5, 5)).astype(np.float32)
    t = torch.from_numpy(x)
    F = torch.nn.functional
    scale = F.conv2d(F.relu(F.conv2d(t.mean((2, 3), keepdim=True), w["fc1.weight"], w["fc1.bias"])),
                     w["fc2.weight"], w["fc2.bias"])
    expected = (F.hardsigmoid(scale) * t).numpy()
    np.testing.assert_allclose(se(ember.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_mlp():
    mlp = ops.MLP(4, [8, 2], norm_layer=nn.LayerNorm, dropout=0.1)
    assert repr(mlp) == ("MLP(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n"
                         "  (1): LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)\n  (2): ReLU()\n"
                         "  (3): Dropout(p=0.1, inplace=False)\n"
                         "  (4): Linear(in_features=8, out_features=2, bias=True)\n"
                         "  (5): Dropout(p=0.1, inplace=False)\n)")
    torch = torch_or_skip()
    reference = copy_to_torch(mlp, torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.LayerNorm(8), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(8, 2),
        torch.nn.Dropout(0.1))).eval()
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(mlp.eval()(ember.from_numpy(x)).detach().numpy(),
                               reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert ops.MLP(4, [3], inplace=True, bias=False)[1].inplace is True


def test_frozen_batch_norm():
    frozen = ops.FrozenBatchNorm2d(4)
    assert repr(frozen) == "FrozenBatchNorm2d(4, eps=1e-05)"
    assert list(frozen.parameters()) == [] and list(frozen.state_dict()) == ["weight", "bias", "running_mean",
                                                                               "running_var"]
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm2d(4)
    state = {k: ember.from_numpy(rng.uniform(0.5, 2, v.shape).astype(np.float32)) if v.dim() else v
             for k, v in bn.state_dict().items()}
    frozen.load_state_dict(state)  # a BatchNorm2d checkpoint, num_batches_tracked included
    x = ember.from_numpy(rng.standard_normal((2, 4, 3, 3)).astype(np.float32))
    bn.load_state_dict(state)
    np.testing.assert_allclose(frozen(x).numpy(), bn.eval()(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_permute():
    assert ops.Permute([0, 2, 3, 1])(ember.zeros(2, 3, 4, 5)).shape == (2, 4, 5, 3)
    assert repr(ops.Permute([0, 2, 3, 1])) == "Permute()"


def test_stochastic_depth():
    x = ember.ones(2000, 3)
    out = ops.stochastic_depth(x, 0.25, "row")
    rows = out.numpy()
    assert set(np.unique(rows)) <= {0.0, np.float32(4 / 3)} and (rows == rows[:, :1]).all()
    assert abs((rows[:, 0] == 0).mean() - 0.25) < 0.05
    whole = ops.stochastic_depth(x, 0.5, "batch").numpy()
    assert np.unique(whole).size == 1
    assert ops.stochastic_depth(x, 0.5, "row", training=False) is x
    assert (ops.stochastic_depth(x, 1.0, "row").numpy() == 0).all()
    layer = ops.StochasticDepth(0.2, "row")
    assert repr(layer) == "StochasticDepth(p=0.2, mode=row)"
    assert layer.eval()(x) is x
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got 1.5"):
        ops.stochastic_depth(x, 1.5, "row")
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row', but got foo"):
        ops.stochastic_depth(x, 0.5, "foo")


def test_drop_block():
    x = ember.ones(4, 3, 16, 16)
    out = ops.drop_block2d(x, 0.2, 3).numpy()
    kept = out != 0
    assert 0.6 < kept.mean() < 0.95  # about p of the map dropped, in blocks
    np.testing.assert_allclose(out[kept], out.size / kept.sum(), rtol=1e-5)  # rescaled by the kept share
    assert ops.drop_block2d(x, 0.2, 3, training=False) is x
    assert ops.drop_block3d(ember.ones(2, 2, 6, 6, 6), 0.3, 3).shape == (2, 2, 6, 6, 6)
    layer = ops.DropBlock2d(0.1, 3)
    assert repr(layer) == "DropBlock2d(p=0.1, block_size=3, inplace=False)"
    assert layer.eval()(x) is x
    y = ember.ones(2, 2, 8, 8)
    assert ops.drop_block2d(y, 0.3, 3, inplace=True) is y
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1, but got 1.5."):
        ops.drop_block2d(x, 1.5, 3)
    with pytest.raises(ValueError, match="input should be 4 dimensional. Got 3 dimensions."):
        ops.drop_block2d(ember.ones(2, 2, 2), 0.5, 3)


def test_sigmoid_focal_loss():
    x = ember.tensor([[-2.0, 0.5, 3.0], [1.0, -0.3, 0.0]], requires_grad=True)
    t = ember.tensor([[0., 1, 1], [1, 0, 0]])
    # torchvision 0.28's values
    np.testing.assert_allclose(ops.sigmoid_focal_loss(x, t).detach().numpy(),
                               [[0.00135267, 0.01689337, 2.732082e-05], [0.00566451, 0.07529496, 0.1299651]],
                               rtol=1e-5)
    assert ops.sigmoid_focal_loss(x, t, reduction="mean").item() == pytest.approx(0.03819966, rel=1e-5)
    assert ops.sigmoid_focal_loss(x, t, reduction="sum").item() == pytest.approx(0.22919793, rel=1e-5)
    np.testing.assert_allclose(ops.sigmoid_focal_loss(x, t, alpha=-1, gamma=0.5).detach().numpy(),
                               [[0.0438229, 0.29129347, 0.0105811], [0.16245613, 0.36163235, 0.49012905]], rtol=1e-5)
    ops.sigmoid_focal_loss(x, t, reduction="sum").backward()
    assert x.grad.shape == (2, 3)
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction': 'x"):
        ops.sigmoid_focal_loss(x, t, reduction="x")


def test_namespace():
    import ember.vision
    assert ember.vision.ops is ops
    assert {"nms", "box_iou", "Conv2dNormActivation", "FrozenBatchNorm2d", "MLP"} <= set(ops.__all__)
