"""End to end on the real MNIST: seed 001's LeNet with SGD momentum and an MLP with Adam reach the
accuracy the optim issue asks for, and 200 LeNet steps agree with PyTorch's from the same start."""
import numpy as np
import pytest
from lenet import lenet
from mnist_data import load_mnist

import ember
import ember.nn as nn
import ember.optim as optim


def accuracy(model, images, labels, batch=1000):
    model.eval()
    correct = 0
    with ember.no_grad():
        for i in range(0, len(images), batch):
            out = model(ember.tensor(images[i:i + batch]))
            correct += int((out.argmax(1).numpy() == labels[i:i + batch]).sum())
    model.train()
    return correct / len(images)


def normalized(*images):
    """MNIST's usual normalization, (x - 0.1307) / 0.3081."""
    return [(x - 0.1307) / 0.3081 for x in images]


def train(model, optimizer, images, labels, epochs, batch, seed=0, scheduler=None):
    rng = np.random.default_rng(seed)
    criterion = nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for i in range(0, len(images), batch):
            idx = order[i:i + batch]
            optimizer.zero_grad()
            loss = criterion(model(ember.tensor(images[idx])), ember.tensor(labels[idx]))
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()


def test_lenet_sgd_momentum_two_epochs_reaches_98_5_percent():
    x_train, y_train, x_test, y_test = load_mnist()
    x_train, x_test = normalized(x_train, x_test)
    ember.manual_seed(0)
    model = lenet(ember)
    optimizer = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    train(model, optimizer, x_train, y_train, epochs=2, batch=64,
          scheduler=optim.lr_scheduler.StepLR(optimizer, 1, 0.2))
    acc = accuracy(model, x_test, y_test)
    assert acc >= 0.985, f"test accuracy {acc:.4f}"


def test_mlp_adam_reaches_97_percent():
    x_train, y_train, x_test, y_test = load_mnist()
    x_train, x_test = normalized(x_train, x_test)
    ember.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    train(model, optim.Adam(model.parameters(), lr=1e-3), x_train, y_train, epochs=2, batch=128)
    acc = accuracy(model, x_test, y_test)
    assert acc >= 0.97, f"test accuracy {acc:.4f}"


def test_200_lenet_steps_agree_with_pytorch():
    """In float64: float32 runs agree to 1e-7 for 60 steps, then rounding differences grow chaotically
    while the loss falls fast (0.5% at step 80, tens of percent by step 120) in ember and torch alike."""
    torch = pytest.importorskip("torch")
    x_train, y_train, _, _ = load_mnist()
    x_train = x_train.astype(np.float64)
    torch.manual_seed(0)
    t_model = lenet(torch).double()
    e_model = lenet(ember).double()
    e_model.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_model.state_dict().items()})
    t_opt = torch.optim.SGD(t_model.parameters(), lr=0.05, momentum=0.9)
    e_opt = optim.SGD(e_model.parameters(), lr=0.05, momentum=0.9)
    order = np.random.default_rng(1).permutation(len(x_train))
    losses = []
    for step in range(200):
        idx = order[step * 64:(step + 1) * 64]
        pair = []
        for lib, model, opt in ((torch, t_model, t_opt), (ember, e_model, e_opt)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x_train[idx])), lib.tensor(y_train[idx]))
            loss.backward()
            opt.step()
            pair.append(loss.item())
        losses.append(pair)
    t_last, e_last = losses[-1]
    assert abs(e_last - t_last) <= 1e-3 * abs(t_last), losses[-5:]
