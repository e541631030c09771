"""The tensor and autograd snippets of ../shared/seeds/, typos fixed, run on ember.

Seed 002 ("Pytorch Tutorial in 60m") and seed 004 ("Pytorch 필수 노트") exercise tensors and
autograd; their nn, optim and vision parts belong to later issues. Where a snippet prints a value
that does not depend on random numbers, the test checks it against what the seed shows.
"""
import numpy as np
import pytest

import ember as torch


def test_002_tensor_creation():
    x = torch.empty(5, 3)
    assert x.shape == (5, 3) and x.dtype == torch.float32
    x = torch.rand(5, 3)
    assert float(x.min()) >= 0 and float(x.max()) < 1
    x = torch.zeros(5, 3, dtype=torch.long)
    assert x.dtype == torch.int64 and not x.any()
    x = torch.tensor([5.5, 3])
    assert repr(x) == "tensor([5.5000, 3.0000])"
    x = x.new_ones(5, 3, dtype=torch.double)
    assert x.dtype == torch.float64 and x.shape == (5, 3)
    x = torch.randn_like(x, dtype=torch.float)
    assert x.dtype == torch.float32
    assert repr(x.size()) == "ember.Size([5, 3])"


def test_002_tensor_operations():
    x, y = torch.rand(5, 3), torch.rand(5, 3)
    assert torch.equal(x + y, torch.add(x, y))
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)  # the seed's positional `result` is an error in PyTorch too
    assert torch.equal(result, x + y)
    expected = (y + x).numpy().copy()
    y.add_(x)
    np.testing.assert_array_equal(y.numpy(), expected)
    x = torch.randn(4, 4)
    assert x.view(16).shape == (16,) and x.view(-1, 8).shape == (2, 8)


def test_002_numpy_bridge_shares_memory():
    a = torch.ones(5)
    b = a.numpy()
    a.add_(1)
    assert repr(a) == "tensor([2., 2., 2., 2., 2.])"
    np.testing.assert_array_equal(b, np.full(5, 2.0))

    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    assert repr(b) == "tensor([2., 2., 2., 2., 2.], dtype=ember.float64)"


def test_002_cuda_guarded_block_runs_on_any_machine():
    x = torch.ones(2, 2)
    if torch.cuda.is_available():
        device = torch.device("cuda")  # the seed's `torch.devide` is a typo
        y = torch.ones_like(x, device=device)
        x = x.to(device)
        z = x + y
        assert z.to("cpu", torch.double).dtype == torch.float64
    else:
        assert torch.device("cpu").type == "cpu"


def test_002_autograd():
    x = torch.ones(2, 2, requires_grad=True)
    assert repr(x) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    y = x + 2
    assert repr(y) == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert repr(y.grad_fn).startswith("<AddBackward0 object at 0x")
    z = y * y * 3
    out = z.mean()
    assert repr(z) == "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)"
    assert repr(out) == "tensor(27., grad_fn=<MeanBackward0>)"

    a = torch.randn(2, 2)
    a = ((a * 3) / (a - 1))
    assert a.requires_grad is False
    a.requires_grad_(True)
    assert a.requires_grad is True
    b = (a * a).sum()
    assert b.grad_fn.name() == "SumBackward0"

    out.backward()
    assert repr(x.grad) == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"


def test_002_vector_jacobian_product_and_no_grad():
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    scale = (y / x).detach()  # y = x * 2**k
    np.testing.assert_allclose(x.grad.numpy(), (scale * v).numpy(), rtol=1e-6)

    assert x.requires_grad is True
    assert (x ** 2).requires_grad is True
    with torch.no_grad():
        assert (x ** 2).requires_grad is False
    y = x.detach()
    assert y.requires_grad is False
    assert repr(x.eq(y).all()) == "tensor(True)"


def test_004_tensor_operations():
    tensor1 = torch.tensor([[[1., 2.], [3., 4.]], [[5., 6.], [7., 8.]]])
    tensor2 = torch.tensor([[[9., 10.], [3., 4.]], [[5., 6.], [7., 8.]]])
    assert torch.add(tensor1, tensor2).tolist() == [[[10., 12.], [6., 8.]], [[10., 12.], [14., 16.]]]
    assert torch.sub(tensor1, tensor2).tolist() == [[[-8., -8.], [0., 0.]], [[0., 0.], [0., 0.]]]
    assert torch.mul(tensor1, tensor2)[0].tolist() == [[9., 20.], [9., 16.]]
    assert torch.div(tensor1, tensor2)[1].tolist() == [[1., 1.], [1., 1.]]
    assert torch.matmul(tensor1, tensor2)[0].tolist() == [[15., 18.], [39., 46.]]


def test_004_device_choice():
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    assert device.type in ("cpu", "cuda")


def test_004_two_layer_training_loop_reduces_the_loss():
    batch_size, input_size, hidden_size, output_size = 64, 1000, 100, 10
    learning_rate = 1e-6
    device = torch.device("cpu")
    x = torch.randn(batch_size, input_size, device=device, dtype=torch.float, requires_grad=False)
    y = torch.randn(batch_size, output_size, device=device, dtype=torch.float, requires_grad=False)
    w1 = torch.randn(input_size, hidden_size, device=device, dtype=torch.float, requires_grad=True)
    w2 = torch.randn(hidden_size, output_size, device=device, dtype=torch.float, requires_grad=True)
    losses = []
    for iters in range(1, 501):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()  # the seed forgets the call parentheses of sum
        if iters % 100 == 0:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    assert w1.is_leaf and w2.is_leaf
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0] / 10


def test_004_training_loop_matches_pytorch():
    torch_ = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    data = {k: rng.standard_normal(s).astype(np.float32) for k, s in
            {"x": (64, 1000), "y": (64, 10), "w1": (1000, 100), "w2": (100, 10)}.items()}

    def train(lib):
        x, y = lib.tensor(data["x"]), lib.tensor(data["y"])
        w1 = lib.tensor(data["w1"], requires_grad=True)
        w2 = lib.tensor(data["w2"], requires_grad=True)
        losses = []
        for _ in range(50):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with lib.no_grad():
                w1 -= 1e-6 * w1.grad
                w2 -= 1e-6 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        return np.array(losses), w1.detach().numpy()

    e_losses, e_w1 = train(torch)
    t_losses, t_w1 = train(torch_)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-3)
    np.testing.assert_allclose(e_w1, t_w1, rtol=1e-3, atol=1e-4)


def test_000_variable_wraps_a_tensor_that_requires_grad():
    from ember.autograd import Variable
    input = torch.ones(1, 1, 3, 3)
    filter = torch.ones(1, 1, 3, 3)
    assert repr(input.shape) == "ember.Size([1, 1, 3, 3])"
    input = Variable(input, requires_grad=True)
    assert repr(input) == ("tensor([[[[1., 1., 1.],\n          [1., 1., 1.],\n          [1., 1., 1.]]]], "
                           "requires_grad=True)")
    filter = Variable(filter)
    assert filter.requires_grad is False and isinstance(input, Variable)
    out = (input * filter).sum()  # F.conv2d of a 3x3 input with a 3x3 filter, as a product
    out.backward()
    assert repr(input.grad) == "tensor([[[[1., 1., 1.],\n          [1., 1., 1.],\n          [1., 1., 1.]]]])"


def test_001_tensor_parts():
    input = torch.randn(1, 1, 32, 32)
    size = input.size()[1:]
    num_features = 1
    for s in size:
        num_features *= s
    assert num_features == 1024 and repr(size) == "ember.Size([1, 32, 32])"
    target = torch.arange(1, 11)
    target = target.view(1, -1)
    assert target.shape == (1, 10) and target.dtype == torch.int64


def test_003_tensor_parts():
    images = torch.rand(8, 1, 28, 28)
    labels = torch.randint(0, 10, (8,))
    torch_image = torch.squeeze(images[0])
    assert torch_image.shape == (28, 28)
    image = torch_image.numpy()
    assert image.shape == (28, 28)
    label = labels[0].numpy()
    assert label.shape == ()
    image = torch.from_numpy(image)
    flatten = image.view(1, 28 * 28)
    assert flatten.shape == (1, 784)
    input_image = torch.unsqueeze(images[0], dim=0)
    assert input_image.shape == (1, 1, 28, 28)
    assert torch.device("cpu") == torch.device("cpu") and torch.device("cpu") != "cpu"
