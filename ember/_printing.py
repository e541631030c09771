"""Tensor printing that matches PyTorch's ``repr`` output, on NumPy arrays.

The layout rules mirror ``torch._tensor_str`` (torch 2.13):

* all shown elements share one width; floats are printed in one of three
  modes: integer mode (``1.``), fixed point (``1.2346``) or scientific
  (``1.2346e+05``), chosen from the non-zero finite values that are shown;
* tensors with more than ``threshold`` elements are summarized, keeping
  ``edgeitems`` entries at each end of every long dimension;
* rows longer than ``linewidth`` wrap, nested dimensions are bracketed and
  separated by blank lines;
* suffixes (``device=``, ``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``)
  follow the contents and move to a new line when the line would be too long.

This module depends only on NumPy; the Tensor class passes it plain arrays.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "format_tensor", "format_parameter", "format_meta"]


_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

# The current options; the keys are those of torch's get_printoptions().
_OPTS: dict = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set options for printing tensors, with ``torch.set_printoptions`` semantics.

    ``profile`` ('default', 'short' or 'full') is applied first and the other
    arguments override it. As in torch, ``sci_mode`` is always assigned, so a
    call that omits it resets it to automatic (``None``).
    """
    if profile in _PROFILES:
        _OPTS.update(_PROFILES[profile])
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    _OPTS.update({name: value for name, value in given.items() if value is not None})
    _OPTS["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """Return the current print options as a dict usable as ``set_printoptions(**opts)``."""
    return dict(_OPTS)


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _Formatter:
    """Formats the real scalars of one tensor to a common width.

    The mode and width are derived from ``values``, the elements that will be
    shown (the summarized data for a summarized tensor).
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True  # floats: all shown finite values are integers
        self.sci_mode = False
        self.width = 1
        if not floating:
            if values.size:  # str() of ints and bools is widest at an extreme
                extremes = [values.min().item(), values.max().item()]
                self.width = max(len(str(v)) for v in extremes)
        else:
            self._choose_float_mode(values)

    def _choose_float_mode(self, values: np.ndarray) -> None:
        """Pick the float mode and width from the non-zero finite values."""
        flat = values.reshape(-1).astype(np.float64)
        chosen = flat[np.isfinite(flat) & (flat != 0)]
        if not chosen.size:
            return  # only zeros, nan and inf: integer mode, width 1
        extremes = _extremes(chosen)
        magnitudes = [abs(v) for v in extremes]
        abs_min, abs_max = min(magnitudes), max(magnitudes)
        self.int_mode = bool(np.all(np.ceil(chosen) == chosen))
        if _OPTS["sci_mode"] is None:
            self.sci_mode = abs_max / abs_min > 1000.0 or abs_max > 1.0e8 or abs_min < 1.0e-4
        else:
            self.sci_mode = bool(_OPTS["sci_mode"])
        self.width = max(len(self._float_text(v)) for v in extremes)

    def _float_text(self, value: float) -> str:
        """The unpadded text of one float in the chosen mode."""
        if self.sci_mode:
            return format(value, f".{_OPTS['precision']}e")
        if self.int_mode:
            text = format(value, ".0f")
            return text if math.isinf(value) or math.isnan(value) else text + "."
        return format(value, f".{_OPTS['precision']}f")

    def format(self, value) -> str:
        """The text of one scalar (Python int, bool or float), right-aligned to the width."""
        text = self._float_text(value) if self.floating else str(value)
        return text.rjust(self.width)


def _extremes(values: np.ndarray) -> list[float]:
    """The smallest and largest of the negative and of the positive ``values`` (non-zero).

    These hold both ends of the magnitude range, and the widest text: its
    length grows with the magnitude in fixed point and with the size of the
    exponent in scientific notation, plus one for a minus sign.
    """
    ordered = np.sort(values)
    split = int(np.searchsorted(ordered, 0.0))  # ordered[:split] are negative
    last = len(ordered) - 1
    positions = {0, last} | {i for i in (split - 1, split) if 0 <= i <= last}
    return ordered[sorted(positions)].tolist()


class _ComplexFormatter:
    """Formats complex scalars as ``real+imagj`` with one formatter per part."""

    def __init__(self, values: np.ndarray) -> None:
        self.real = _Formatter(values.real, True)
        self.imag = _Formatter(values.imag, True)
        # a row entry takes real + imag + "j" characters
        self.width = self.real.width + self.imag.width + 1

    def format(self, value: complex) -> str:
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _kept_indices(size: int, edgeitems: int) -> tuple[np.ndarray, bool]:
    """Indices kept along one dimension when summarizing, and whether some were cut."""
    if size > 2 * edgeitems:
        return np.r_[0:edgeitems, size - edgeitems : size], True
    return np.arange(size), False


def _summarize(array: np.ndarray, edgeitems: int) -> tuple[np.ndarray, list[bool]]:
    """The shown sub-array of a summarized tensor and, per dimension, whether it is cut."""
    kept = [_kept_indices(size, edgeitems) for size in array.shape]
    shown = array[np.ix_(*(index for index, _ in kept))]
    return shown, [cut for _, cut in kept]


def _nest(flat: list[str], shape: tuple[int, ...]) -> list:
    """Group a flat list into nested lists of the given (non-empty) shape."""
    nested: list = flat
    for size in reversed(shape[1:]):
        nested = [nested[i : i + size] for i in range(0, len(nested), size)]
    return nested


def _vector_str(items: list[str], cut: bool, indent: int, width: int) -> str:
    """One bracketed row, wrapped to the line width."""
    if cut:
        edge = _OPTS["edgeitems"]
        items = items[:edge] + [" ..."] + items[edge:]
    per_line = max(1, (_OPTS["linewidth"] - indent) // (width + 2))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _block_str(nested: list, cuts: list[bool], indent: int, width: int) -> str:
    """A bracketed block of ``len(cuts)`` dimensions, starting at column ``indent``."""
    if len(cuts) == 1:
        return _vector_str(nested, cuts[0], indent, width)
    parts = [_block_str(sub, cuts[1:], indent + 1, width) for sub in nested]
    if cuts[0]:
        edge = _OPTS["edgeitems"]
        parts = parts[:edge] + ["..."] + parts[edge:]
    separator = "," + "\n" * (len(cuts) - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _contents_str(array: np.ndarray, floating: bool, indent: int) -> str:
    """The text of a non-empty tensor's values (without prefix and suffixes)."""
    summarize = array.ndim > 0 and array.size > _OPTS["threshold"]
    if summarize and not _OPTS["edgeitems"]:
        return "[...]"
    if summarize:
        shown, cuts = _summarize(array, _OPTS["edgeitems"])
    else:
        shown, cuts = array, [False] * array.ndim
    formatter: _Formatter | _ComplexFormatter
    if shown.dtype.kind == "c":
        formatter = _ComplexFormatter(shown)
    else:
        formatter = _Formatter(shown, floating)
    flat = [formatter.format(v) for v in shown.reshape(-1).tolist()]
    if array.ndim == 0:
        return flat[0]
    return _block_str(_nest(flat, shown.shape), cuts, indent, formatter.width)


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------


def _is_floating(array: np.ndarray, dtype_name: str) -> bool:
    """Whether values print as floats (e.g. 'bfloat16' data may arrive as a float32 array)."""
    return array.dtype.kind in "fV" or "float" in dtype_name


def _dtype_suffixes(array: np.ndarray, dtype_name: str, default_dtype_name: str) -> list[str]:
    """The ``size=``/``dtype=`` suffixes, by torch's rules for dense tensors."""
    suffixes = []
    shape = str(tuple(array.shape))
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append("size=" + shape)
        if dtype_name != default_dtype_name:
            suffixes.append("dtype=ember." + dtype_name)
        return suffixes
    if not _OPTS["edgeitems"]:
        suffixes.append("size=" + shape)
    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    if dtype_name not in (default_dtype_name, default_complex, "int64", "bool"):
        suffixes.append("dtype=ember." + dtype_name)
    return suffixes


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, breaking the line where it would pass the line width."""
    pieces = [text]
    line_len = len(text) - text.rfind("\n") + 1  # torch's measure: last line + 2
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _OPTS["linewidth"]:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def format_tensor(
    array,
    *,
    dtype_name: str,
    default_dtype_name: str,
    device: str | None = None,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """Return the repr of a tensor exactly as torch prints it, with ``ember.`` for ``torch.``.

    ``array`` holds the values; ``dtype_name`` (e.g. 'float32') is the tensor's
    dtype and ``default_dtype_name`` the current default float dtype. ``device``
    is None (or 'cpu') for CPU tensors, otherwise e.g. 'cuda:0'. ``grad_fn_name``
    (e.g. 'AddBackward0') takes precedence over ``requires_grad``. Continuation
    lines are indented by the length of the last line of ``prefix``.
    """
    array = np.asarray(array)
    indent = len(prefix) - prefix.rfind("\n") - 1
    suffixes = []
    if device is not None and not device.startswith("cpu"):
        suffixes.append(f"device='{device}'")
    suffixes += _dtype_suffixes(array, dtype_name, default_dtype_name)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    if array.size == 0:
        contents = "[]"
    else:
        contents = _contents_str(array, _is_floating(array, dtype_name), indent)
    return _add_suffixes(prefix + contents, suffixes, indent)


def format_meta(
    shape: tuple,
    *,
    dtype_name: str,
    default_dtype_name: str,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """Return the repr of a meta tensor as torch prints it: ``tensor(..., device='meta', size=(2, 3))``, with the
    dtype whenever it is not the default float dtype (int64 included), then ``grad_fn=`` or ``requires_grad=``."""
    indent = len(prefix) - prefix.rfind("\n") - 1
    suffixes = ["device='meta'", f"size={tuple(shape)}"]
    if dtype_name != default_dtype_name:
        suffixes.append("dtype=ember." + dtype_name)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + "...", suffixes, indent)


def format_parameter(
    array,
    *,
    dtype_name: str,
    default_dtype_name: str,
    device: str | None = None,
    requires_grad: bool = True,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
) -> str:
    """Return the repr of an ``nn.Parameter`` as torch prints it ("Parameter containing:" + tensor repr).

    Takes the same arguments as :func:`format_tensor`; ``requires_grad``
    defaults to True, like ``nn.Parameter``.
    """
    return "Parameter containing:\n" + format_tensor(
        array,
        dtype_name=dtype_name,
        default_dtype_name=default_dtype_name,
        device=device,
        requires_grad=requires_grad,
        grad_fn_name=grad_fn_name,
        prefix=prefix,
    )
