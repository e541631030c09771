"""Seed 001's LeNet, shared by the MNIST end-to-end tests and bench/training.py; and the Net of the study notes
themselves, shared by the seed tests and the ONNX tests."""


def lenet(lib):
    """Seed 001's LeNet built with `lib` (ember or torch), with padding 2 so that 28x28 digits fit."""
    nn_, F_ = lib.nn, lib.nn.functional

    class Net(nn_.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn_.Conv2d(1, 6, 5, padding=2)
            self.conv2 = nn_.Conv2d(6, 16, 5)
            self.fc1 = nn_.Linear(16 * 5 * 5, 120)
            self.fc2 = nn_.Linear(120, 84)
            self.fc3 = nn_.Linear(84, 10)

        def forward(self, x):
            x = F_.max_pool2d(F_.relu(self.conv1(x)), (2, 2))
            x = F_.max_pool2d(F_.relu(self.conv2(x)), 2)
            x = x.view(-1, 16 * 5 * 5)
            x = F_.relu(self.fc1(x))
            x = F_.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def seed_net(lib, kernel: int, flat: int):
    """The study notes' Net built with `lib`, as they write it: two convolutions of `kernel` x `kernel`, and flat
    features counted from x.size()[1:] (16 * flat * flat of them); seed 001 has kernel 5 (flat 5) on 32x32
    inputs, seed 002 kernel 3 (flat 6)."""
    nn_, F_ = lib.nn, lib.nn.functional

    class Net(nn_.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn_.Conv2d(1, 6, kernel)
            self.conv2 = nn_.Conv2d(6, 16, kernel)
            self.fc1 = nn_.Linear(16 * flat * flat, 120)
            self.fc2 = nn_.Linear(120, 84)
            self.fc3 = nn_.Linear(84, 10)

        def forward(self, x):
            x = F_.max_pool2d(F_.relu(self.conv1(x)), (2, 2))
            x = F_.max_pool2d(F_.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F_.relu(self.fc1(x))
            x = F_.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            num_features = 1
            for s in x.size()[1:]:
                num_features *= s
            return num_features
    return Net()
