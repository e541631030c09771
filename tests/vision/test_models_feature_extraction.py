"""vision.models.feature_extraction: torchvision's outputs (names, shapes, order, errors) for submodule nodes, with
values equal to running the layers by hand, and the forward stopped after the last node needed."""
import numpy as np
import pytest

import ember
from ember.vision import models
from ember.vision.models.feature_extraction import create_feature_extractor, get_graph_node_names


@pytest.fixture(scope="module")
def resnet():
    ember.manual_seed(0)
    return models.resnet18().eval()


def test_dict_return_nodes_shapes_and_values(resnet):
    extractor = create_feature_extractor(resnet, return_nodes={"layer2": "c3", "layer4": "c5"})
    x = ember.randn(1, 3, 64, 64)
    with ember.no_grad():
        out = extractor(x)
        h = resnet.layer2(resnet.layer1(resnet.maxpool(resnet.relu(resnet.bn1(resnet.conv1(x))))))
    # torchvision 0.28 gives {'c3': (1, 128, 8, 8), 'c5': (1, 512, 2, 2)}
    assert {k: tuple(v.shape) for k, v in out.items()} == {"c3": (1, 128, 8, 8), "c5": (1, 512, 2, 2)}
    np.testing.assert_allclose(out["c3"].numpy(), h.numpy(), rtol=1e-6)


def test_repeated_module_calls_input_node_and_order(resnet):
    """'name_1' is a module's second call, 'x' the input; the dict follows the forward's order, as torchvision's
    graph order does."""
    extractor = create_feature_extractor(resnet, return_nodes=["layer1.0.relu_1", "x", "layer1.0.relu"])
    x = ember.randn(1, 3, 32, 32)
    with ember.no_grad():
        out = extractor(x)
        block = resnet.layer1[0]
        h = resnet.maxpool(resnet.relu(resnet.bn1(resnet.conv1(x))))
        first = block.relu(block.bn1(block.conv1(h)))
        second = block(h)
    assert list(out) == ["x", "layer1.0.relu", "layer1.0.relu_1"]
    assert out["x"] is x
    np.testing.assert_allclose(out["layer1.0.relu"].numpy(), first.numpy(), rtol=1e-6)
    np.testing.assert_allclose(out["layer1.0.relu_1"].numpy(), second.numpy(), rtol=1e-6)


def test_forward_stops_after_last_node(resnet):
    calls = []
    handle = resnet.fc.register_forward_hook(lambda *args: calls.append(1))
    try:
        out = create_feature_extractor(resnet, ["layer1"])(ember.randn(1, 3, 32, 32))
        assert not calls and list(out) == ["layer1"]
        create_feature_extractor(resnet, ["fc"])(ember.randn(1, 3, 32, 32))
        assert calls == [1]
    finally:
        handle.remove()
    assert not resnet.layer1._forward_hooks  # the extractor's hooks are gone


def test_nested_sequential_node_and_gradients():
    vgg = models.vgg11(num_classes=10)
    extractor = create_feature_extractor(vgg, {"features.3": "f3"})
    x = ember.randn(1, 3, 32, 32, requires_grad=True)
    out = extractor(x)
    assert tuple(out["f3"].shape) == (1, 128, 16, 16)  # torchvision's
    out["f3"].sum().backward()
    assert x.grad is not None and vgg.features[3].weight.grad is not None
    assert list(extractor.state_dict()) == list(vgg.state_dict())


def test_train_and_eval_nodes(resnet):
    extractor = create_feature_extractor(resnet, train_return_nodes=["layer1"], eval_return_nodes=["layer2"])
    assert extractor.training is False  # follows the model's mode
    x = ember.randn(1, 3, 32, 32)
    assert list(extractor(x)) == ["layer2"]
    extractor.train()
    assert resnet.training and resnet.layer1.training
    assert list(extractor(x)) == ["layer1"]
    extractor.eval()
    assert not resnet.training


def test_errors(resnet):
    with pytest.raises(ValueError, match="node: 'nope' is not present in model"):
        create_feature_extractor(resnet, ["nope"])
    with pytest.raises(ValueError, match="node: 'flatten' is not present"):
        create_feature_extractor(resnet, ["flatten"])  # a function call: not a node in ember
    with pytest.raises(ValueError, match="Either `return_nodes` or"):
        create_feature_extractor(resnet)
    with pytest.raises(ValueError, match="If any of `train_return_nodes` and `eval_return_nodes`"):
        create_feature_extractor(resnet, train_return_nodes=["fc"])
    with pytest.raises(ValueError, match="then both should be specified"):
        create_feature_extractor(resnet, ["fc"], train_return_nodes=["fc"], eval_return_nodes=["fc"])


def test_get_graph_node_names(resnet):
    train, evaluation = get_graph_node_names(resnet)
    assert train == evaluation
    assert train[:5] == ["x", "conv1", "bn1", "relu", "maxpool"]
    assert {"layer1.0.conv1", "layer4.1.bn2", "avgpool", "fc"} <= set(train)
    extractor = create_feature_extractor(resnet, train)
    assert len(extractor(ember.randn(1, 3, 32, 32))) == len(train)
