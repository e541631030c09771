"""The demo's training loop: one epoch with a progress bar, and the accuracy on the test set."""
import ember
from ember import nn
from ember.optim import Optimizer
from ember.utils.data import DataLoader


def train_epoch(model: nn.Module, loader: DataLoader, optimizer: Optimizer, device: ember.device,
                desc: str) -> float:
    """Train `model` for one pass over `loader`, showing loss and images/s; the mean training loss."""
    from tqdm import tqdm  # optional: tqdm

    criterion = nn.CrossEntropyLoss()
    model.train()
    total_loss, seen = 0.0, 0
    with tqdm(total=len(loader.dataset), desc=desc, unit="img", unit_scale=True) as bar:
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(labels)
            seen += len(labels)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
            bar.update(len(labels))
    return total_loss / seen


def evaluate(model: nn.Module, loader: DataLoader, device: ember.device) -> tuple[int, int]:
    """(correct, total) predictions of `model` over `loader`."""
    model.eval()
    correct, total = 0, 0
    with ember.no_grad():
        for images, labels in loader:
            predicted = model(images.to(device)).argmax(1)
            correct += int((predicted == labels.to(device)).sum())
            total += len(labels)
    return correct, total
