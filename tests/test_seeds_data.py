"""The data snippets of ../shared/seeds/ (002: CIFAR10 loaders; 003: MNIST loaders and a look at the data, the
weights and the feature maps), typos fixed, run on ember.vision and ember.utils.data. matplotlib's calls
are left out; vision.utils.save_image writes the same pictures. CIFAR10 reads a small tree built here,
MNIST the real files (those tests skip where ../shared/data is absent)."""
import pickle

import numpy as np
import pytest

import ember as torch
import ember.nn as nn
import ember.nn.functional as F

pytest.importorskip("PIL.Image")
import ember.vision as torchvision  # noqa: E402
import ember.vision.transforms as transforms  # noqa: E402
from ember.utils.data import DataLoader  # noqa: E402

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_cifar10(root, n=6):
    """cifar-10-batches-py as torchvision extracts it, with `n` random images per batch."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8), "labels": rng.integers(0, 10, n).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CIFAR_CLASSES}, f)


def test_002_cifar10_loaders(tmp_path):
    write_cifar10(tmp_path / "data")
    root = str(tmp_path / "data")
    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = torchvision.datasets.CIFAR10(root=root, train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)
    testset = torchvision.datasets.CIFAR10(root=root, train=False, download=True, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False, num_workers=2)
    classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

    assert len(trainset) == 30 and len(testset) == 6 and len(trainloader) == 8 and len(testloader) == 2
    seen = 0
    for images, labels in trainloader:
        assert images.dtype == torch.float32 and images.shape[1:] == (3, 32, 32) and labels.dtype == torch.int64
        assert -1 <= float(images.min()) and float(images.max()) <= 1
        seen += len(labels)
    assert seen == 30
    images, labels = next(iter(testloader))
    first = np.asarray(testset.data[0], np.float32).transpose(2, 0, 1) / 255
    np.testing.assert_allclose(images[0].numpy(), (first - 0.5) / 0.5, atol=1e-6)
    assert [classes[int(i)] for i in labels] == [classes[t] for t in testset.targets[:4]]


def test_003_mnist_loaders_and_a_look_at_the_data(mnist_root, tmp_path):
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize(mean=(0.5, ), std=(0.5,))])
    trainset = torchvision.datasets.MNIST(root=str(mnist_root), train=True, download=True, transform=transform)
    testset = torchvision.datasets.MNIST(root=str(mnist_root), train=False, download=True, transform=transform)
    train_loader = DataLoader(trainset, batch_size=8, shuffle=True, num_workers=2)
    test_loader = DataLoader(testset, batch_size=8, shuffle=False, num_workers=2)

    dataiter = iter(train_loader)
    images, labels = next(dataiter)
    assert images.shape == (8, 1, 28, 28) and labels.shape == (8,)
    torch_image = torch.squeeze(images[0])
    assert torch_image.shape == (28, 28)
    image = torch_image.numpy()
    assert image.shape == (28, 28) and image.min() >= -1 and image.max() <= 1
    label = labels[0].numpy()
    assert label.shape == () and 0 <= int(label) <= 9
    test_images, test_labels = next(iter(test_loader))
    assert test_labels.tolist() == testset.targets[:8].tolist()

    layer = nn.Conv2d(1, 20, 5, 1).to(torch.device('cpu'))
    weight = layer.weight.detach()
    weight = weight.numpy()
    assert weight.shape == (20, 1, 5, 5)
    input_image = torch.unsqueeze(images[0], dim=0)
    output = layer(input_image).data
    output_arr = output.numpy()
    assert output_arr.shape == (1, 20, 24, 24)
    pool = F.max_pool2d(output, 2, 2)
    assert pool.numpy().shape == (1, 20, 12, 12)
    with torch.no_grad():
        flatten = torch.from_numpy(image).view(1, 28 * 28)
        lin = nn.Linear(784, 10)(flatten)
        softmax = F.softmax(lin, dim=1)
    assert abs(float(softmax.sum()) - 1) < 1e-5

    # plt.imshow(...) of the images, the weights and the feature maps, as one picture each
    pictures = {"images.png": images, "weights.png": layer.weight.detach(), "feature_maps.png": output.transpose(0, 1)}
    for name, batch in pictures.items():
        torchvision.utils.save_image(batch, tmp_path / name, normalize=True)
    from PIL import Image
    assert Image.open(tmp_path / "images.png").size == (2 + 8 * 30, 2 + 30)  # 8 to a row, 2 pixels of padding
    assert Image.open(tmp_path / "feature_maps.png").size == (2 + 8 * 26, 2 + 3 * 26)
