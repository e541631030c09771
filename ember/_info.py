"""finfo and iinfo: the numerical limits of ember's dtypes, as PyTorch reports them."""
import numpy as np

from . import _dtype


class finfo:
    """Limits of a floating point dtype (the default dtype when none is given): bits, eps, max, min, tiny,
    smallest_normal, resolution."""

    def __init__(self, type: _dtype.dtype | None = None):
        d = _dtype.get_default_dtype() if type is None else type
        if not isinstance(d, _dtype.dtype) or d.np.kind not in "fV":
            raise TypeError("ember.finfo() requires a floating point input type. Use ember.iinfo to handle "
                            "'ember.finfo'")
        info = np.finfo(d.np)
        self.bits = info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: bits, max, min."""

    def __init__(self, type: _dtype.dtype):
        if type is _dtype.bool:
            raise TypeError("ember.bool is not supported by ember.iinfo")
        if not isinstance(type, _dtype.dtype) or type.np.kind not in "iu":
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to handle 'ember.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
