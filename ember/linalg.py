"""ember.linalg: PyTorch's torch.linalg namespace."""
