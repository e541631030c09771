"""End to end through the data pipeline a PyTorch user writes: vision.datasets.MNIST over the real files,
ToTensor + Normalize, DataLoader(num_workers=2) feeding seed 001's LeNet to >= 98.5% test accuracy."""
import pytest
from lenet import lenet

import ember
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader

pytest.importorskip("PIL.Image")
from ember.vision import datasets, transforms  # noqa: E402


def test_lenet_through_datasets_mnist_and_two_workers_reaches_98_5_percent(mnist_root):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    trainset = datasets.MNIST(str(mnist_root), train=True, download=True, transform=transform)
    testset = datasets.MNIST(str(mnist_root), train=False, download=True, transform=transform)
    ember.manual_seed(0)
    train_loader = DataLoader(trainset, batch_size=64, shuffle=True, num_workers=2)
    test_loader = DataLoader(testset, batch_size=1000, shuffle=False, num_workers=2)
    model = lenet(ember)
    optimizer = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, 1, 0.2)
    criterion = nn.CrossEntropyLoss()
    for _ in range(2):
        for images, labels in train_loader:
            optimizer.zero_grad()
            criterion(model(images), labels).backward()
            optimizer.step()
        scheduler.step()
    model.eval()
    correct = 0
    with ember.no_grad():
        for images, labels in test_loader:
            correct += int((model(images).argmax(1) == labels).sum())
    accuracy = correct / len(testset)
    assert accuracy >= 0.985, f"test accuracy {accuracy:.4f}"
