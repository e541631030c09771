"""torch.utils.tensorboard for ember: SummaryWriter writes TensorBoard event files through the tensorboard package
(`pip install tensorboard`), as PyTorch's does; without that package, importing this module raises PyTorch's
ModuleNotFoundError."""
import re

import tensorboard


def _version(text: str) -> tuple:
    """The leading (major, minor) numbers of a version string."""
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


if _version(getattr(tensorboard, "__version__", "0")) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
