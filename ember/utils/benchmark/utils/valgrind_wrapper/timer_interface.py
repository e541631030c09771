"""The Callgrind result types of torch.utils.benchmark (FunctionCount, FunctionCounts, CallgrindStats) and
CopyIfCallgrind, which marks the globals a Callgrind run may copy.

ember collects no Callgrind profiles (Timer.collect_callgrind raises OSError), so nothing here produces
CallgrindStats; the classes behave as PyTorch's for code that builds, combines or prints them.
"""
from __future__ import annotations

import collections
import dataclasses
import enum
import itertools as it
import operator
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, cast

from .. import common

__all__ = ["FunctionCount", "FunctionCounts", "CallgrindStats", "CopyIfCallgrind"]


class FunctionCount(NamedTuple):
    """The instructions counted in one function."""
    count: int  # type: ignore[assignment]
    function: str


@dataclasses.dataclass(repr=False, eq=False, frozen=True)
class FunctionCounts:
    """Instruction counts per function: tuple-like indexing, + and - to combine or diff, `denoise`, `filter` and
    `transform`. Difference from PyTorch: an integer index gives the FunctionCount (PyTorch's gives a FunctionCounts
    wrapping it)."""
    _data: tuple[FunctionCount, ...]
    inclusive: bool
    truncate_rows: bool = True
    _linewidth: int | None = None  # for tests; the print options' linewidth otherwise

    def __iter__(self) -> Iterator[FunctionCount]:
        yield from self._data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, item: Any) -> FunctionCount | FunctionCounts:
        data = self._data[item]
        # a slice gives FunctionCounts, an index its FunctionCount (PyTorch's test, isinstance(data, tuple), also
        # wraps the FunctionCount, itself a tuple, in a FunctionCounts)
        return (FunctionCounts(cast(tuple[FunctionCount, ...], data), self.inclusive, truncate_rows=False)
                if isinstance(item, slice) else data)

    def __repr__(self) -> str:
        from ....._printing import get_printoptions  # lazy: only printing needs it
        count_len = 0
        for c, _ in self:
            count_len = max(count_len, len(str(c)) + int(c < 0))  # room for the sign
        lines = []
        linewidth = self._linewidth or get_printoptions()["linewidth"]
        fn_str_len = max(linewidth - count_len - 4, 40)
        for c, fn in self:
            if len(fn) > fn_str_len:
                left_len = int((fn_str_len - 5) // 2)
                fn = fn[:left_len] + " ... " + fn[-(fn_str_len - left_len - 5):]
            lines.append(f"  {c:>{count_len}}  {fn}")
        if self.truncate_rows and len(lines) > 18:
            lines = lines[:9] + ["...".rjust(count_len + 2)] + lines[-9:]
        if not self.inclusive:
            lines.extend(["", f"Total: {self.sum()}"])
        return "\n".join([super().__repr__()] + lines)

    def __add__(self, other: FunctionCounts) -> FunctionCounts:
        return self._merge(other, lambda c: c)

    def __sub__(self, other: FunctionCounts) -> FunctionCounts:
        return self._merge(other, operator.neg)

    def __mul__(self, other: int | float) -> FunctionCounts:
        return self._from_dict({fn: int(c * other) for c, fn in self._data}, self.inclusive)

    def transform(self, map_fn: Callable[[str], str]) -> FunctionCounts:
        """The counts with `map_fn` applied to every function name (names that coincide add up)."""
        counts: collections.defaultdict[str, int] = collections.defaultdict(int)
        for c, fn in self._data:
            counts[map_fn(fn)] += c
        return self._from_dict(counts, self.inclusive)

    def filter(self, filter_fn: Callable[[str], bool]) -> FunctionCounts:
        """The counts of the functions whose name `filter_fn` accepts."""
        return FunctionCounts(tuple(i for i in self if filter_fn(i.function)), self.inclusive)

    def sum(self) -> int:
        """The total count."""
        return sum(c for c, _ in self)

    def denoise(self) -> FunctionCounts:
        """The counts without CPython's noisy dictionary lookups."""
        return self.filter(lambda fn: "dictobject.c:lookdict_unicode" not in fn)

    def _merge(self, second: FunctionCounts, merge_fn: Callable[[int], int]) -> FunctionCounts:
        if self.inclusive != second.inclusive:
            raise AssertionError("Cannot merge inclusive and exclusive counts.")
        counts: collections.defaultdict[str, int] = collections.defaultdict(int)
        for c, fn in self:
            counts[fn] += c
        for c, fn in second:
            counts[fn] += merge_fn(c)
        return self._from_dict(counts, self.inclusive)

    @staticmethod
    def _from_dict(counts: dict[str, int], inclusive: bool) -> FunctionCounts:
        flat_counts = (FunctionCount(c, fn) for fn, c in counts.items() if c)
        return FunctionCounts(tuple(sorted(flat_counts, reverse=True)), inclusive)


@dataclasses.dataclass(repr=False, eq=False, frozen=True)
class CallgrindStats:
    """The instruction counts of a statement and of an empty baseline, as Timer.collect_callgrind gives them in
    PyTorch (ember's raises OSError, so only code that builds them itself has one)."""
    task_spec: common.TaskSpec
    number_per_run: int
    built_with_debug_symbols: bool
    baseline_inclusive_stats: FunctionCounts
    baseline_exclusive_stats: FunctionCounts
    stmt_inclusive_stats: FunctionCounts
    stmt_exclusive_stats: FunctionCounts
    stmt_callgrind_out: str | None

    def __repr__(self) -> str:
        base_stats = self.baseline_exclusive_stats
        threads = self.task_spec.num_threads
        output = f"""
{super().__repr__()}
{self.task_spec.summarize()}
  {'':>25}All{'':>10}Noisy symbols removed
    Instructions: {self.counts(denoise=False):>12}{'':>15}{self.counts(denoise=True):>12}
    Baseline:     {base_stats.sum():>12}{'':>15}{base_stats.denoise().sum():>12}
{self.number_per_run} runs per measurement, {threads} thread{'s' if threads > 1 else ''}
""".strip()
        if not self.built_with_debug_symbols:
            output += textwrap.dedent("""
            Warning: PyTorch was not built with debug symbols.
                     Source information may be limited. Rebuild with
                     REL_WITH_DEB_INFO=1 for more detailed results.""")
        return output

    def stats(self, inclusive: bool = False) -> FunctionCounts:
        """The statement's counts per function, inclusive of callees or not."""
        return self.stmt_inclusive_stats if inclusive else self.stmt_exclusive_stats

    def counts(self, *, denoise: bool = False) -> int:
        """The statement's total instruction count."""
        stats = self.stmt_exclusive_stats
        return (stats.denoise() if denoise else stats).sum()

    def delta(self, other: CallgrindStats, inclusive: bool = False) -> FunctionCounts:
        """This statement's counts minus `other`'s, per function."""
        return self.stats(inclusive=inclusive) - other.stats(inclusive=inclusive)

    def as_standardized(self) -> CallgrindStats:
        """The stats with build paths and library names stripped from function names, so that profiles from
        different builds diff cleanly."""
        def strip(stats: FunctionCounts) -> FunctionCounts:
            transforms = ((r"^.+build/\.\./", "build/../"),
                          (r"^.+/" + re.escape("build/aten/"), "build/aten/"),
                          (r"^.+/" + re.escape("Python/"), "Python/"),
                          (r"^.+/" + re.escape("Objects/"), "Objects/"),
                          (r"\s\[.+\]$", ""))
            for before, after in transforms:
                stats = stats.transform(lambda fn, before=before, after=after: re.sub(before, after, fn))
            return stats

        return CallgrindStats(task_spec=self.task_spec, number_per_run=self.number_per_run,
                              built_with_debug_symbols=self.built_with_debug_symbols,
                              baseline_inclusive_stats=strip(self.baseline_inclusive_stats),
                              baseline_exclusive_stats=strip(self.baseline_exclusive_stats),
                              stmt_inclusive_stats=strip(self.stmt_inclusive_stats),
                              stmt_exclusive_stats=strip(self.stmt_exclusive_stats),
                              stmt_callgrind_out=None)


class Serialization(enum.Enum):
    """How a CopyIfCallgrind value would cross into a Callgrind process."""
    PICKLE = 0
    TORCH = 1
    TORCH_JIT = 2


def _allowed_types() -> dict[Serialization, tuple[Any, ...]]:
    from .....nn import Module  # lazy: nn is a layer this package does not otherwise need
    return {Serialization.PICKLE: (str, bytes, bool, int, float, complex), Serialization.TORCH: (Module,)}


class CopyIfCallgrind:
    """Mark a Timer global as one that a Callgrind run may replace with a copy (a builtin value or an nn.Module);
    Timer's timing methods use the value itself. ember has no TorchScript, so no ScriptModule is accepted."""

    def __init__(self, value: Any, *, setup: str | None = None) -> None:
        allowed = _allowed_types()
        for method, supported_types in allowed.items():
            if any(isinstance(value, t) for t in supported_types):
                self._value: Any = value
                self._setup: str | None = setup
                self._serialization: Serialization = method
                break
        else:
            supported_str = "\n".join([getattr(t, "__name__", repr(t)) for t in it.chain(allowed.values())])
            raise ValueError(f"Unsupported type: {type(value)}\n`collect_callgrind` restricts globals to the "
                             f"following types:\n{textwrap.indent(supported_str, '  ')}")

    @property
    def value(self) -> Any:
        """The wrapped value."""
        return self._value

    @property
    def setup(self) -> str | None:
        """Code to run before the value is loaded in a Callgrind process."""
        return self._setup

    @property
    def serialization(self) -> Serialization:
        """How the value would be copied."""
        return self._serialization

    @staticmethod
    def unwrap_all(globals: dict[str, Any]) -> dict[str, Any]:
        """`globals` with every CopyIfCallgrind replaced by its value."""
        return {k: (v.value if isinstance(v, CopyIfCallgrind) else v) for k, v in globals.items()}
