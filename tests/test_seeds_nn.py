"""The nn and optim snippets of ../shared/seeds/, typos fixed, run on ember.

Where a snippet prints something that does not depend on random numbers (a module's repr, shapes,
grad_fn names), the test checks it against what the seed shows, with ember's names for torch's.
"""
import numpy as np
from e2e.lenet import seed_net  # the notes' Net, shared with the ONNX tests

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import Variable

SEED_001_NET = """Net(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""


def test_000_functional_conv2d_with_variables():
    input = Variable(torch.ones(1, 1, 3, 3), requires_grad=True)
    filter = Variable(torch.ones(1, 1, 3, 3))
    out = F.conv2d(input, filter)
    assert repr(out) == "tensor([[[[9.]]]], grad_fn=<ConvolutionBackward0>)"
    out.backward()
    assert repr(input.grad) == "tensor([[[[1., 1., 1.],\n          [1., 1., 1.],\n          [1., 1., 1.]]]])"


def test_000_conv2d_module_gradient_is_its_filter():
    input = Variable(torch.ones(1, 1, 3, 3), requires_grad=True)
    func = nn.Conv2d(1, 1, 3)
    assert repr(func.weight).startswith("Parameter containing:\ntensor([[[[")
    out = func(input)
    np.testing.assert_allclose(out.item(), float(func.weight.sum() + func.bias), rtol=1e-6)
    assert input.grad is None
    out.backward()
    np.testing.assert_array_equal(input.grad.numpy(), func.weight.detach().numpy())


def test_001_network_loss_and_backward():
    net = seed_net(torch, 5, 5)
    assert repr(net) == SEED_001_NET
    params = list(net.parameters())
    assert len(params) == 10 and repr(params[0].size()) == "ember.Size([6, 1, 5, 5])"
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    assert out.shape == (1, 10) and out.grad_fn.name() == "AddmmBackward0"
    target = torch.arange(1, 11).view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(out, target)
    assert loss.grad_fn.name() == "MseLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "AddmmBackward0"
    net.zero_grad()
    assert net.conv1.bias.grad is None
    loss.backward()
    assert net.conv1.bias.grad.shape == (6,) and float(net.conv1.bias.grad.abs().sum()) > 0


def test_002_network_manual_sgd_and_optimizer():
    import ember.optim as optim
    net = seed_net(torch, 3, 6)
    assert len(list(net.parameters())) == 10 and tuple(list(net.parameters())[0].size()) == (6, 1, 3, 3)
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    output = net(input)
    target = torch.randn(10).view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    net.zero_grad()
    loss.backward()
    before = net.fc3.bias.detach().clone()
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    np.testing.assert_allclose(net.fc3.bias.detach().numpy(),
                               (before - net.fc3.bias.grad * learning_rate).numpy(), rtol=1e-6)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_003_conv_layers_pooling_linear_softmax():
    m = nn.Conv2d(16, 33, 3, stride=2)
    m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
    m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
    output = m(torch.randn(2, 16, 50, 100))
    assert output.shape == (2, 33, 26, 100)
    filters = torch.randn(8, 4, 3, 3)
    inputs = torch.randn(1, 4, 5, 5)
    assert F.conv2d(inputs, filters, padding=1).shape == (1, 8, 5, 5)
    layer = nn.Conv2d(1, 20, 5, 1).to(torch.device("cpu"))
    assert repr(layer) == "Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))"
    weight = layer.weight
    assert repr(weight.shape) == "ember.Size([20, 1, 5, 5])"
    weight = weight.detach().numpy()
    assert weight.shape == (20, 1, 5, 5)
    images = torch.rand(8, 1, 28, 28)
    input_image = torch.unsqueeze(images[0], dim=0)
    output = layer(input_image).data
    assert output.numpy().shape == (1, 20, 24, 24)
    pool = F.max_pool2d(output, 2, 2)
    assert pool.numpy().shape == (1, 20, 12, 12)
    image = torch.squeeze(images[0])
    with torch.no_grad():
        flatten = image.view(1, 28 * 28)
        lin = nn.Linear(784, 10)(flatten)
        softmax = F.softmax(lin, dim=1)
    assert abs(np.sum(softmax.numpy()) - 1) < 1e-5
    inputs = torch.randn(4, 3, 28, 28)
    layer = nn.Conv2d(3, 20, 5, 1)
    assert F.relu(layer(inputs)).shape == (4, 20, 24, 24)


def test_003_optimizers():
    import ember.optim as optim
    model = nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-5)
    optimizer.zero_grad()
    model(torch.randn(3, 4)).sum().backward()
    optimizer.step()
    optimizer = optim.SGD(model.parameters(), lr=0.001)
    optimizer.zero_grad()
    optimizer.step()
