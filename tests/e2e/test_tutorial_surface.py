"""A training script in the style of PyTorch's current tutorials, written against `torch` and run unchanged with
ember in its place: device selection through torch.accelerator, torch.backends flags, autocast and GradScaler,
checkpoints, torch.testing.assert_close, torch.special and finfo. It must run on both libraries and agree."""
import io

import numpy as np
import pytest

import ember


def tutorial(torch, data):
    """The script: returns what it prints in a tutorial (losses, accuracy) for comparison."""
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(0)
    x, y = torch.tensor(data["x"], device=device), torch.tensor(data["y"], device=device)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.GELU(), torch.nn.Linear(16, 3)).to(device)
    for p, value in zip(model.parameters(), data["params"]):
        with torch.no_grad():
            p.copy_(torch.tensor(value))
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler(device, enabled=device == "cuda")
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=device == "cuda"):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    clone = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    clone.load_state_dict(torch.load(buffer, weights_only=True))
    with torch.inference_mode():
        torch.testing.assert_close(clone(x), model(x))
        accuracy = (model(x).argmax(1) == y).float().mean().item()
        probabilities = torch.special.expit(model(x)).clamp(min=torch.finfo(torch.float32).tiny)
    return np.array(losses), accuracy, probabilities.numpy()


def test_tutorial_runs_unchanged_and_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    data = {"x": x, "y": (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1).astype(np.int64),
            "params": [rng.standard_normal(s).astype(np.float32) * 0.3 for s in [(16, 4), (16,), (3, 16), (3,)]]}
    e_losses, e_accuracy, e_probs = tutorial(ember, data)
    t_losses, t_accuracy, t_probs = tutorial(torch, data)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-4, atol=1e-5)
    assert e_accuracy == t_accuracy and e_accuracy > 0.9
    np.testing.assert_allclose(e_probs, t_probs, rtol=1e-4, atol=1e-5)
