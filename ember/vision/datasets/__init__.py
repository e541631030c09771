"""torchvision.datasets: MNIST and relatives, CIFAR, SVHN, folders of images, fake data."""
from . import utils  # noqa: F401
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .svhn import SVHN
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100", "SVHN", "DatasetFolder",
           "ImageFolder", "FakeData", "VisionDataset", "StandardTransform"]
