"""Seed 003 (Pytorch 기초 - nn, multiprocessing, utils...): convolutions, transforms, the MNIST loaders, and a
look at an image, a conv layer's weight and output, pooling, linear, softmax, relu and optimizers.

A plain PyTorch script: `python seed_003.py MNIST_ROOT [PLOT_DIR]` or `ember run seed_003.py MNIST_ROOT
[PLOT_DIR]`. MNIST_ROOT holds MNIST/raw/*.gz (nothing is downloaded); the figures that the seed shows are
saved in PLOT_DIR (default: the current folder), or skipped where matplotlib is not installed. Where
torchvision is not installed it stops, after printing so, before the transforms."""
# the seed's own import idioms are kept
# ruff: noqa: F401, I001, PLR0402
import os
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)

# Convolution layer (1)
m = nn.Conv2d(16, 33, 3, stride=2)  # in_channel, out_channel, kernel, stride

m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))

m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))

input = torch.randn(20, 16, 50, 100)
print(input)
output = m(input)
print(output)
print(m)
print(output.shape)

import torch
import torch.nn.functional as F

# Convolution layer (2)
filters = torch.randn(8, 4, 3, 3)
inputs = torch.randn(1, 4, 5, 5)
conv = F.conv2d(inputs, filters, padding=1)
print(conv.shape)

# Torchvision
import torch

try:
    import torchvision
    import torchvision.transforms as transforms
except ImportError:
    print("torchvision is not installed: the torchvision snippets are skipped")
    print("OK")
    sys.exit(0)

transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize(mean=(0.5, ), std=(0.5,))])

# utils.data
import torch
from torch.utils.data import Dataset, DataLoader

import torchvision
import torchvision.transforms as transforms

# the seed downloads MNIST to /content; here it is read from MNIST_ROOT
root = sys.argv[1]
trainset = torchvision.datasets.MNIST(root=root,
                                      train=True,
                                      download=False,
                                      transform=transform)

testset = torchvision.datasets.MNIST(root=root,
                                     train=False,
                                     download=False,
                                     transform=transform)

train_loader = DataLoader(trainset, batch_size=8, shuffle=True, num_workers=2)
test_loader = DataLoader(testset, batch_size=8, shuffle=False, num_workers=2)
print(len(trainset), len(testset))

dataiter = iter(train_loader)
images, labels = next(dataiter)
print(images.shape, labels.shape)

# A look at the data
plot_dir = sys.argv[2] if len(sys.argv) > 2 else "."
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.style.use('seaborn-v0_8-white')  # called 'seaborn-white' before matplotlib 3.6
except ImportError:
    plt = None


def show(name):
    """plt.show() for a script without a display: save the figure as PLOT_DIR/name."""
    plt.savefig(os.path.join(plot_dir, name))
    plt.close()


torch_image = torch.squeeze(images[0])
print(torch_image.shape)  # [28, 28]

image = torch_image.numpy()
print(image.shape)  # (28, 28)

label = labels[0].numpy()
print(label.shape)  # ()

print(repr(label))  # array(1)

if plt:
    plt.title(label)
    plt.imshow(image, 'gray')
    show("image.png")

# Layers
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# nn.Conv2d
print(nn.Conv2d(in_channels=1, out_channels=20, kernel_size=5, stride=1))

layer = nn.Conv2d(1, 20, 5, 1).to(torch.device('cpu'))
print(layer)

weight = layer.weight
print(weight.shape)

weight = weight.detach()

weight = weight.numpy()
print(weight.shape)

if plt:
    plt.imshow(weight[0, 0, :, :], 'jet')
    plt.colorbar()
    show("weight.png")

print(images.shape)

input_image = torch.unsqueeze(images[0], dim=0)

output_data = layer(input_image)

output = output_data.data

output_arr = output.numpy()
print(output_arr.shape)

if plt:
    plt.figure(figsize=(15, 30))

    plt.subplot(131)
    plt.title("Input")
    plt.imshow(image, 'gray')
    plt.subplot(132)
    plt.title("Weight")
    plt.imshow(weight[0, 0, :, :], 'jet')
    plt.subplot(133)
    plt.title("Output")
    plt.imshow(output_arr[0, 0, :, :], 'gray')
    show("conv.png")

# Pooling
print(image.shape)

pool = F.max_pool2d(output, 2, 2)
print(pool.shape)

pool_arr = pool.numpy()
print(pool_arr.shape)

if plt:
    plt.figure(figsize=(15, 30))

    plt.subplot(131)
    plt.title("Input")
    plt.imshow(image, 'gray')
    plt.subplot(132)
    plt.title("Weight")
    plt.imshow(weight[0, 0, :, :], 'jet')
    plt.subplot(133)
    plt.title("Output")
    plt.imshow(pool_arr[0, 0, :, :], 'gray')
    show("pool.png")

# Linear
image = torch.from_numpy(image)
print(image.shape)

flatten = image.view(1, 28 * 28)
print(flatten.shape)

lin = nn.Linear(784, 10)(flatten)
print(lin.shape)

if plt:
    plt.imshow(lin.detach().numpy(), 'jet')
    plt.colorbar()
    show("linear.png")

# Softmax
with torch.no_grad():
    flatten = image.view(1, 28 * 28)
    lin = nn.Linear(784, 10)(flatten)
    softmax = F.softmax(lin, dim=1)

print(softmax.shape, softmax.requires_grad)

import numpy as np

print(round(float(np.sum(softmax.numpy())), 4))

# F.relu
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
inputs = torch.randn(4, 3, 28, 28).to(device)
print(inputs.shape)

layer = nn.Conv2d(3, 20, 5, 1).to(device)
output = F.relu(layer(inputs))
print(output.shape)
print(bool((output >= 0).all()))

# Optimizer
model = layer
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-5)
print(type(optimizer).__name__)
optimizer = optim.SGD(model.parameters(), lr=0.001)
print(type(optimizer).__name__)
print("OK")
