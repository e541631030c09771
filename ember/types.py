"""torch.types: the type aliases of PyTorch's annotations."""
import os
from collections.abc import Sequence
from typing import IO, Union

from ._device import device as _device
from ._dtype import dtype as _dtype
from ._layout import layout as _layout
from ._layout import memory_format as _memory_format
from ._size import Size as _size
from ._tensor import Tensor

__all__ = ["Device", "FileLike", "Number", "PySymType", "Storage", "_TensorOrTensors", "_bool", "_complex",
           "_device", "_dispatchkey", "_dtype", "_float", "_int", "_layout", "_memory_format", "_qscheme", "_size"]

_bool, _int, _float, _complex = bool, int, float, complex
_dispatchkey = Union[str]
_qscheme = str
Number = Union[int, float, bool]
Device = Union[_device, str, int, None]
FileLike = Union[str, os.PathLike, IO[bytes]]
PySymType = Union[int, float, bool]
Storage = object
_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
