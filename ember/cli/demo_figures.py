"""The demo's pictures (seed 003's look at a trained net), drawn by matplotlib's Agg backend into PNG files."""
from pathlib import Path

import ember
from ember.utils.data import Dataset

from .demo_data import MEAN, STD
from .demo_model import LeNet

GRID_ROWS, GRID_COLS = 4, 8


def _figure(width: float, height: float, layout: str | None = "constrained"):
    """A matplotlib Figure drawn by Agg: no pyplot, so no window and no global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # optional: matplotlib
    from matplotlib.figure import Figure  # optional: matplotlib

    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _image(ax, pixels, title: str, cmap: str = "gray", color: str = "black"):
    """Show `pixels` (H, W) on `ax` without ticks, titled; the image artist."""
    shown = ax.imshow(pixels, cmap=cmap)
    ax.set_title(title, color=color, fontsize=9)
    ax.set_axis_off()
    return shown


def save_curves(losses: list[float], accuracies: list[float], path: Path) -> None:
    """Training loss and test accuracy (%) per epoch."""
    from matplotlib.ticker import MaxNLocator  # optional: matplotlib

    epochs = range(1, len(losses) + 1)
    fig = _figure(9, 3.5)
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, losses, "o-")
    loss_ax.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    acc_ax.plot(epochs, accuracies, "o-", color="tab:green")
    acc_ax.set(title="test accuracy", xlabel="epoch", ylabel="%")
    acc_ax.set_ylim(top=100)
    for ax in (loss_ax, acc_ax):
        ax.set_xlim(0.5, len(losses) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
    fig.savefig(path)


def save_predictions(model: LeNet, test: Dataset, device: ember.device, path: Path) -> None:
    """The first test images with predicted and true labels; titles in red where the prediction is wrong."""
    count = min(GRID_ROWS * GRID_COLS, len(test))
    images = ember.stack([test[i][0] for i in range(count)])
    labels = [int(test[i][1]) for i in range(count)]
    model.eval()
    with ember.no_grad():
        predicted = model(images.to(device)).argmax(1).tolist()
    fig = _figure(GRID_COLS * 1.2, GRID_ROWS * 1.4, layout=None)  # constrained layout triples the time here
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.94, wspace=0.1, hspace=0.3)
    for ax, image, guess, truth in zip(fig.subplots(GRID_ROWS, GRID_COLS).flat, images, predicted, labels):
        color = "black" if guess == truth else "red"
        _image(ax, image[0].numpy() * STD + MEAN, f"{guess} (true {truth})", color=color)
    fig.savefig(path)


def save_filters(model: LeNet, path: Path) -> None:
    """The 5x5 weights of the first convolution's filters on one colour scale."""
    weights = model.conv1.weight.detach().cpu().numpy()[:, 0]
    limit = abs(weights).max()
    fig = _figure(1.6 * len(weights) + 1, 2.2)
    for i, (ax, kernel) in enumerate(zip(fig.subplots(1, len(weights)), weights)):
        shown = _image(ax, kernel, f"filter {i + 1}", cmap="jet")
        shown.set_clim(-limit, limit)
    fig.colorbar(shown, ax=fig.axes, shrink=0.8)
    fig.savefig(path)


def save_feature_maps(model: LeNet, test: Dataset, device: ember.device, path: Path) -> None:
    """The first test image and its feature maps after the first convolution."""
    image, label = test[0]
    with ember.no_grad():
        maps = model.conv1(image[None].to(device))[0].cpu().numpy()
    fig = _figure(1.6 * (len(maps) + 1), 2.2)
    axes = fig.subplots(1, len(maps) + 1)
    _image(axes[0], image[0].numpy() * STD + MEAN, f"input ({int(label)})")
    for i, (ax, feature_map) in enumerate(zip(axes[1:], maps)):
        _image(ax, feature_map, f"map {i + 1}")
    fig.savefig(path)


def save_figures(model: LeNet, test: Dataset, losses: list[float], accuracies: list[float],
                 device: ember.device, folder: Path) -> list[Path]:
    """Write curves.png, predictions.png, filters.png and feature_maps.png into `folder`; their paths."""
    paths = [folder / name for name in ("curves.png", "predictions.png", "filters.png", "feature_maps.png")]
    save_curves(losses, accuracies, paths[0])
    save_predictions(model, test, device, paths[1])
    save_filters(model, paths[2])
    save_feature_maps(model, test, device, paths[3])
    return paths
