"""Pretrained weights: torchvision's checkpoint files, looked for in PyTorch's hub cache and never downloaded."""
import os
import warnings
from enum import Enum
from typing import Any

from ... import hub
from ...nn import Module


def checkpoint_dir() -> str:
    """The folder checkpoints are read from: the hub's, PyTorch's `$TORCH_HOME/hub/checkpoints` (`~/.cache/torch/...`)
    unless hub.set_dir chose another."""
    return os.path.join(hub.get_dir(), "checkpoints")


def checkpoint_path(weights: Enum) -> str:
    """The path of the checkpoint file of `weights` (a `*_Weights` member) in the hub's folder.

    Raises RuntimeError naming the file and folder when the file is absent, since ember does not download.
    """
    filename = os.path.basename(weights.url)
    folder = checkpoint_dir()
    path = os.path.join(folder, filename)
    if not os.path.isfile(path):
        raise RuntimeError(f"{weights!r} needs the checkpoint file {filename} in {folder}, which is not there: "
                           f"ember does not download weights. Download {weights.url} and place it at {path} "
                           f"(the folder follows $TORCH_HOME).")
    return path


def weights_for(enum: Any, weights: Any, kwargs: dict) -> Any:
    """The member of `enum` (a `*_Weights` class) a builder must load, or None.

    Like torchvision, the legacy `pretrained=True` in `kwargs` means IMAGENET1K_V1, and weights with categories fix
    `kwargs["num_classes"]` to their number (ValueError if it was set otherwise).
    """
    if "pretrained" in kwargs:
        warnings.warn("The parameter 'pretrained' is deprecated, please use 'weights' instead.", UserWarning)
        if kwargs.pop("pretrained"):
            weights = "IMAGENET1K_V1"
    weights = enum.verify(weights)
    if weights is not None and weights.meta["categories"] is not None:
        overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return weights


def overwrite_named_param(kwargs: dict, param: str, new_value: Any) -> None:
    """Set `kwargs[param]` to `new_value`; ValueError if the caller gave another value."""
    value = kwargs.setdefault(param, new_value)
    if value != new_value:
        raise ValueError(f"The parameter '{param}' expected value {new_value} but got {value} instead.")


def load_weights(model: Module, weights: Any) -> Module:
    """Load `weights` (a `*_Weights` member; nothing when None) into `model` and return the model."""
    if weights is not None:
        model.load_state_dict(weights.get_state_dict())
    return model
