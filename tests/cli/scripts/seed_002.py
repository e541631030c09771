"""Seed 002 (Pytorch Tutorial in 60m): tensors, the NumPy bridge, autograd, a Net with its loss, backward and
weight updates, and the CIFAR10 loaders (FakeData of CIFAR10's shape stands in: CIFAR10 cannot be
downloaded here).

A plain PyTorch script: `python seed_002.py` or `ember run seed_002.py`. Where torchvision is not installed
it stops, after printing so, before the loaders."""
# the seed's own import and super() idioms are kept
# ruff: noqa: PLR0402, UP008
import sys

import torch

torch.manual_seed(0)

# ## Tensor
x = torch.empty(5, 3)
x = torch.rand(5, 3)
x = torch.zeros(5, 3, dtype=torch.long)
x = torch.tensor([5.5, 3])
x = x.new_ones(5, 3, dtype=torch.double)
x = torch.randn_like(x, dtype=torch.float)
print(x.size())

y = torch.rand(5, 3)
print(x + y)
print(torch.add(x, y))
result = torch.empty(5, 3)
torch.add(x, y, out=result)
print(result)
y.add_(x)  # y += x
print(y)

x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # -1 is inferred from the other dimensions
print(x.size(), y.size(), z.size())

# ### Numpy - Torch Tensor
a = torch.ones(5)
print(a)
b = a.numpy()
print(b)

a.add_(1)
print(a)
print(b)  # b shares a's memory

import numpy as np

a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)  # b shares a's memory

# ### Cuda tensors
if torch.cuda.is_available():
    device = torch.device("cuda")
    y = torch.ones_like(x, device=device)
    x = x.to(device)
    z = x + y
    print(z)
    print(z.to("cpu", torch.double))

# ## AutoGrad
import torch

x = torch.ones(2, 2, requires_grad=True)
print(x)

y = x + 2
print(y)

print(y.grad_fn)

z = y * y * 3
out = z.mean()

print(z, out)

a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)  # False
a.requires_grad_(True)
print(a.requires_grad)  # True
b = (a * a).sum()
print(b.grad_fn)  # <SumBackward0 object at ...>

out.backward()
print(x.grad)

x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)  # the vector-Jacobian product

print(x.grad)

print(x.requires_grad)  # True
print((x ** 2).requires_grad)  # True
with torch.no_grad():
    print((x ** 2).requires_grad)  # False
print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())

# ## Neural networks
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()

        self.conv1 = nn.Conv2d(1, 6, 3)  # input channels, output channels, kernel size
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))

# ## Loss function
output = net(input)
target = torch.randn(10)
target = target.view(1, -1)  # the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

# ## Backprop
net.zero_grad()

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

# ## Updating the weights
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)

import torch.optim as optim

optimizer = optim.SGD(net.parameters(), lr=0.01)

optimizer.zero_grad()
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()
print(type(optimizer).__name__, len(optimizer.param_groups[0]["params"]))

# ## Loading and normalizing CIFAR10
import torch

try:
    import torchvision
    import torchvision.transforms as transforms
except ImportError:
    print("torchvision is not installed: the CIFAR10 snippet is skipped")
    print("OK")
    sys.exit(0)

transform = transforms.Compose(
    [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

# FakeData with CIFAR10's image size and classes stands in for
# torchvision.datasets.CIFAR10(root='./data', train=..., download=True, transform=transform), which cannot download here
trainset = torchvision.datasets.FakeData(size=40, image_size=(3, 32, 32), num_classes=10, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)

testset = torchvision.datasets.FakeData(size=8, image_size=(3, 32, 32), num_classes=10, transform=transform,
                                        random_offset=40)
testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False, num_workers=2)

classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

print(len(trainloader), len(testloader))
images, labels = next(iter(trainloader))
print(images.shape, labels.shape, images.dtype, labels.dtype)
print(all(-1 <= float(images.min()) and float(images.max()) <= 1 for images, _ in testloader))
print(sum(len(labels) for _, labels in trainloader))
print(' '.join(f'{classes[labels[j]]:>5}' for j in range(4)))
print("OK")
