"""Seed 001's LeNet: two 5x5 convolutions with max pooling, then three linear layers, on 32x32 images."""
import ember.nn.functional as F
from ember import Tensor, nn


class LeNet(nn.Module):
    """conv 1->6 5x5, pool, conv 6->16 5x5, pool, fc 400->120->84->10, as seed 001 defines it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores (N, 10) for images (N, 1, 32, 32)."""
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
