"""Devices: 'cpu' (NumPy), 'cuda' (CuPy) and 'meta' (shapes without data: NOTE [ Meta tensors ] in backend/meta.py)."""
import functools


class device:
    """Where a tensor lives: `ember.device('cpu')`, `ember.device('cuda')`, `ember.device('cuda', 0)`,
    `ember.device('meta')`."""
    __module__ = "ember"  # <class 'ember.device'>, as PyTorch's <class 'torch.device'>
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string such as 'cpu' or 'cuda:0', but got {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"device string {type!r} already has an index; do not pass index={index}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = builtins_int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, meta device type at start of device string: {type}")
        self.type, self.index = type, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented  # as in PyTorch, device('cpu') == 'cpu' is False
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        """`with ember.device('cuda'):` makes this the default device of factory functions inside the block."""
        _DEFAULT_STACK.append(DEFAULT[0])
        DEFAULT[0] = self
        return self

    def __exit__(self, *exc):
        DEFAULT[0] = _DEFAULT_STACK.pop()


builtins_int = int
_DEVICE_ARGUMENTS = (str, device)  # what get_device_module takes, whose argument hides the class's name
CPU = device("cpu")
META = device("meta")
DEFAULT = [CPU]  # where factory functions put tensors given no device
_DEFAULT_STACK: list = []


def get_default_device() -> device:
    """The device factory functions use when given none ('cpu' unless set_default_device changed it)."""
    return DEFAULT[0]


def set_default_device(d) -> None:
    """Make factory functions (zeros, tensor, randn, ...) put tensors on `d` when given no device; None resets it
    to the CPU. Differences from PyTorch: as_tensor, asarray and from_numpy keep arrays where they are."""
    DEFAULT[0] = CPU if d is None else to_device(d)


def to_device(d) -> device:
    """Accept a device, a string or a CUDA ordinal and return a device."""
    if d.__class__ is device:
        return d
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)


@functools.cache  # as PyTorch's: an unhashable device (a list, an array) is a TypeError
def get_device_module(device=None):
    """The module of a device type: ember.cuda for 'cuda', ember.cpu for 'cpu' (by default the accelerator's,
    ember.cuda where a GPU is present, else ember.cpu)."""
    from . import cpu, cuda  # layer: ember.cpu and ember.cuda are above the core
    if device is None:
        return cuda if cuda.is_available() else cpu
    if not isinstance(device, _DEVICE_ARGUMENTS):
        raise RuntimeError(f"Invalid value of device '{device}', expect ember.device, str, or None")
    return cuda if to_device(device).type == "cuda" else cpu
