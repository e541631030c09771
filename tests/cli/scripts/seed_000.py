"""Seed 000 (Pytorch 기초(2): nn & nn.functional): convolution with F.conv2d and nn.Conv2d, and its gradient.

A plain PyTorch script: `python seed_000.py` or `ember run seed_000.py`."""
# the seed's own import idioms are kept
# ruff: noqa: PLR0402
import torch
import torch.nn
import torch.nn.functional as F
from torch.autograd import Variable

torch.manual_seed(0)

# nn.functional's Conv: the filter is the weight
input = torch.ones(1, 1, 3, 3)
filter = torch.ones(1, 1, 3, 3)

print(input.shape)

input = Variable(input, requires_grad=True)
print(input)

filter = Variable(filter)

out = F.conv2d(input, filter)
print(out)

out.backward()
print(out.grad_fn)

print(input.grad)

# nn's Conv
import torch
import torch.nn as nn
from torch.autograd import Variable

input = torch.ones(1, 1, 3, 3)
input = Variable(input, requires_grad=True)
print(input)

func = nn.Conv2d(1, 1, 3)
print(func.weight)

out = func(input)
print(out)

print(input.grad)

out.backward()

print(input.grad)

# d(out)/d(input) of a single 3x3 window is the filter itself
print("grad equals weight:", torch.equal(input.grad, func.weight.detach()))
print("out equals weight sum plus bias:", torch.allclose(out.detach().sum(), func.weight.sum() + func.bias.sum()))
print("OK")
