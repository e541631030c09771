"""The records a Timer produces, as torch.utils.benchmark.utils.common: TaskSpec (what was timed), Measurement (the
times, their statistics and PyTorch's printed summary) and the helpers that scale and trim times for printing.

The statistics are PyTorch's, computed the way PyTorch computes them (quantiles with linear interpolation in float64;
the significant-figure estimate, the unit choice and the trimming in float32), so that a Measurement of the same
times prints and compares identically on both libraries.
"""
import collections
import contextlib
import dataclasses
import math
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ...._settings import get_num_threads, set_num_threads

__all__ = ["TaskSpec", "Measurement", "select_unit", "unit_to_english", "trim_sigfig", "ordered_unique",
           "set_torch_threads"]

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # 25 ns

# A Measurement warns when its spread (IQR / median) reaches these.
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25

_F32 = np.float32


def _log10_f32(x: float) -> float:
    """log10 of `x` in float32, as PyTorch's `torch.tensor(x).log10().item()`: `x` rounded to float32, its log10
    rounded to float32 (NumPy's float32 log10 can be an ulp off: -6.0000005 for 1e-6, where PyTorch's gives -6.0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(_F32(np.log10(np.float64(_F32(x)))))


@dataclasses.dataclass(init=True, repr=False, eq=True, frozen=True)
class TaskSpec:
    """What a Timer measures and how it is labelled (everything but its globals); hashable, so replicates group."""
    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """The label (or the one-line stmt) with the sub_label, or the indented stmt when it has several lines."""
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self) -> str:
        """The setup line of a summary ('' for no setup)."""
        if self.setup == "pass" or not self.setup:
            return ""
        return f"setup:\n{textwrap.indent(self.setup, '  ')}" if "\n" in self.setup else f"setup: {self.setup}"

    def summarize(self) -> str:
        """The title, description and setup lines that head a Measurement's printed form."""
        sections = [self.title, self.description or "", self.setup_str()]
        return "\n".join([f"{i}\n" if "\n" in i else i for i in sections if i])


_TASKSPEC_FIELDS = tuple(i.name for i in dataclasses.fields(TaskSpec))


@dataclasses.dataclass(init=True, repr=False)
class Measurement:
    """The times of one or more runs of a statement, with their statistics and PyTorch's printed summary.

    `raw_times[i]` is the time of one run of `number_per_run` executions; `times` divides by `number_per_run`. The
    TaskSpec's fields (`stmt`, `label`, `num_threads`, ...) read through the Measurement, and `env` reads as the
    TaskSpec's (None when unset), as it does in PyTorch.
    """
    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict[Any, Any] | None = None  # reserved for user payloads

    def __post_init__(self) -> None:
        self._sorted_times: tuple[float, ...] = ()
        self._warnings: tuple[str, ...] = ()
        self._median: float = -1.0
        self._mean: float = -1.0
        self._p25: float = -1.0
        self._p75: float = -1.0

    def __getattr__(self, name: str) -> Any:
        # the TaskSpec's fields, forwarded (only reached when normal lookup fails)
        if name in _TASKSPEC_FIELDS:
            return getattr(self.task_spec, name)
        return super().__getattribute__(name)

    @property
    def times(self) -> list[float]:
        """The time of one execution in each run: raw_times divided by number_per_run."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self) -> float:
        """The median of `times`."""
        self._lazy_init()
        return self._median

    @property
    def mean(self) -> float:
        """The mean of `times`."""
        self._lazy_init()
        return self._mean

    @property
    def iqr(self) -> float:
        """The interquartile range of `times` (75th minus 25th percentile, linearly interpolated)."""
        self._lazy_init()
        return self._p75 - self._p25

    @property
    def significant_figures(self) -> int:
        """A rough count (1 to 4) of the median's significant figures, from the spread of the interquartile times.

        `Compare.trim_significant_figures()` rounds to it; the printed form of a Measurement does not use it.
        """
        self._lazy_init()
        n_total = len(self._sorted_times)
        lower_bound = int(n_total // 4)
        upper_bound = int(math.ceil(_F32(3 * n_total / 4)))
        interquartile_points = np.asarray(self._sorted_times[lower_bound:upper_bound], dtype=_F32)
        std = float(interquartile_points.std()) if len(interquartile_points) else math.nan
        sqrt_n = float(np.sqrt(_F32(len(interquartile_points))))
        with np.errstate(divide="ignore", invalid="ignore"):
            confidence_interval = max(1.645 * std / sqrt_n if sqrt_n else math.nan, _MIN_CONFIDENCE_INTERVAL)
        relative_ci = _log10_f32(self._median / confidence_interval)
        if math.isnan(relative_ci):  # PyTorch's int(nan) raises; an empty Measurement has no precision to speak of
            return 1
        num_significant_figures = int(math.floor(relative_ci)) if math.isfinite(relative_ci) else (
            _MAX_SIGNIFICANT_FIGURES if relative_ci > 0 else 1)
        return min(max(num_significant_figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self) -> bool:
        """Whether the spread of the times (IQR / median >= 10%) makes the measurement suspect."""
        self._lazy_init()
        return bool(self._warnings)

    def _lazy_init(self) -> None:
        if self.raw_times and not self._sorted_times:
            self._sorted_times = tuple(sorted(self.times))
            sorted_times = np.asarray(self._sorted_times, dtype=np.float64)
            self._median = float(np.quantile(sorted_times, 0.5))
            self._mean = float(sorted_times.mean())
            self._p25 = float(np.quantile(sorted_times, 0.25))
            self._p75 = float(np.quantile(sorted_times, 0.75))

            def add_warning(msg: str) -> None:
                rel_iqr = self.iqr / self.median * 100
                self._warnings += (f"  WARNING: Interquartile range is {rel_iqr:.1f}% "
                                   f"of the median measurement.\n           {msg}",)

            if not self.meets_confidence(_IQR_GROSS_WARN_THRESHOLD):
                add_warning("This suggests significant environmental influence.")
            elif not self.meets_confidence(_IQR_WARN_THRESHOLD):
                add_warning("This could indicate system fluctuation.")

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        """Whether IQR / median is below `threshold`."""
        return self.iqr / self.median < threshold

    @property
    def title(self) -> str:
        """The TaskSpec's title."""
        return self.task_spec.title

    @property
    def env(self) -> str | None:
        """The TaskSpec's env: None when unset. (PyTorch's property means 'Unspecified env' for that case, but a
        typo in it makes it read the TaskSpec's field; ember gives the value PyTorch's users see.)"""
        return self.task_spec.env

    @property
    def as_row_name(self) -> str:
        """The name of this measurement's row in a Compare table: sub_label, else stmt."""
        return self.sub_label or self.stmt or "[Unknown]"

    def __repr__(self) -> str:
        """PyTorch's summary: the object line, the title, the median, the IQR (with 4 or more runs), the counts and
        any warning, e.g.

            <ember.utils.benchmark.utils.common.Measurement object at 0x7f395b6ac110>
            Broadcasting add (4x8)
              Median: 5.73 us
              IQR:    2.25 us (4.01 to 6.26)
              372 measurements, 100 runs per measurement, 1 thread
              WARNING: Interquartile range is 39.4% of the median measurement.
                       This suggests significant environmental influence.
        """
        self._lazy_init()
        skip_line, newline = "MEASUREMENT_REPR_SKIP_LINE", "\n"
        n = len(self._sorted_times)
        time_unit, time_scale = select_unit(self._median)
        iqr_filter = "" if n >= 4 else skip_line
        threads = self.num_threads
        repr_str = f"""
{super().__repr__()}
{self.task_spec.summarize()}
  {'Median: ' if n > 1 else ''}{self._median / time_scale:.2f} {time_unit}
  {iqr_filter}IQR:    {self.iqr / time_scale:.2f} {time_unit} ({self._p25 / time_scale:.2f} to {self._p75 / time_scale:.2f})
  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs {'per measurement,' if n > 1 else ','} {threads} thread{'s' if threads > 1 else ''}
{newline.join(self._warnings)}""".strip()  # noqa: E501 (one printed line per source line)
        return "\n".join(line for line in repr_str.splitlines(keepends=False) if skip_line not in line)

    @staticmethod
    def merge(measurements: Iterable["Measurement"]) -> list["Measurement"]:
        """One Measurement per TaskSpec among `measurements`, with all their times per execution (number_per_run
        1) and no metadata."""
        grouped: collections.defaultdict[TaskSpec, list[Measurement]] = collections.defaultdict(list)
        for m in measurements:
            grouped[m.task_spec].append(m)
        return [Measurement(number_per_run=1, raw_times=[t for m in group for t in m.times], task_spec=task_spec,
                            metadata=None)
                for task_spec, group in grouped.items()]


def select_unit(t: float) -> tuple[str, float]:
    """The unit ('ns', 'us', 'ms' or 's') and its scale in seconds that print `t` seconds with 1 to 3 digits before
    the point."""
    magnitude = _log10_f32(t)
    time_unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(magnitude // 3) if math.isfinite(magnitude) else None, "s")
    time_scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[time_unit]
    return time_unit, time_scale


def unit_to_english(u: str) -> str:
    """The English name of a unit from select_unit ('us' -> 'microsecond')."""
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x: float, n: int) -> float:
    """`x` rounded to `n` significant figures (3.14159, 2 -> 3.1), in float32 as PyTorch rounds it."""
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    magnitude = int(math.ceil(_log10_f32(abs(x))))
    scale = 10 ** (magnitude - n)
    return float(np.round(_F32(x / scale)) * _F32(scale))


def ordered_unique(elements: Iterable[Any]) -> list[Any]:
    """The distinct elements, in the order they first appear."""
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n: int) -> Iterator[None]:
    """Run the block with ember.set_num_threads(n), restoring the previous count after."""
    prior_num_threads = get_num_threads()
    try:
        set_num_threads(n)
        yield
    finally:
        set_num_threads(prior_num_threads)
