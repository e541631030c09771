"""Fit a small classifier to two interleaved half-moons, in PyTorch's style: `ember run examples/quickstart.py`."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
angle, label = torch.rand(1024) * torch.pi, torch.randint(0, 2, (1024,))
x = torch.where(label == 0, torch.cos(angle), 1 - torch.cos(angle))
y = torch.where(label == 0, torch.sin(angle), 0.5 - torch.sin(angle))
points = torch.stack([x, y], dim=1) + 0.1 * torch.randn(1024, 2)
loader = DataLoader(TensorDataset(points, label), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-2), nn.CrossEntropyLoss()
for epoch in range(20):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()

accuracy = (model(points).argmax(dim=1) == label).float().mean().item()
print(f"loss {loss.item():.4f}, accuracy {accuracy:.1%}")
