"""Timer, as torch.utils.benchmark.Timer: `timeit.Timer` underneath, with warmup, ember's thread count set for the
measurement, replicates, and labels that Compare groups by.

Differences from PyTorch: `language="cpp"` raises NotImplementedError (ember has no C++ API to time), and
`collect_callgrind` raises OSError after PyTorch's checks of its arguments and statement (ember has no bindings that
switch Callgrind's instrumentation on around the statement).
"""
import enum
import statistics
import textwrap
import timeit
from collections.abc import Callable
from typing import Any, NoReturn

from .... import accelerator
from . import common
from .valgrind_wrapper import timer_interface as valgrind_timer_interface

__all__ = ["Timer", "timer", "Language"]


def timer() -> float:
    """timeit.default_timer, after waiting for the accelerator (a GPU) where there is one."""
    if accelerator.is_available():
        accelerator.synchronize()
    return timeit.default_timer()


class Language(enum.Enum):
    """The language of a Timer's statement: PYTHON (ember runs only this one) or CPP."""
    PYTHON = 0
    CPP = 1


def _torch_module():
    import ember  # lazy: the package, which imports this module's package only on request
    return ember


def _clean(code: str) -> str:
    """`code` dedented, without the leading newline of a block string nor trailing whitespace."""
    code = textwrap.dedent(code)
    return (code[1:] if code and code[0] == "\n" else code).rstrip()


class Timer:
    """Measure the execution time of a statement, as torch.utils.benchmark.Timer (see PyTorch's benchmark recipe).

    `stmt` and `setup` are strings compiled by `timeit.Timer` with `globals` (copied; `torch` defaults to ember,
    so `torch.add(x, y)` runs ember's op); a syntax error raises at construction. Each measurement runs with
    `ember.set_num_threads(num_threads)` and restores the previous count. `label`, `sub_label`, `description` and
    `env` travel to the Measurement and organise Compare's tables. Differences from PyTorch: `language="cpp"`
    raises NotImplementedError, and `collect_callgrind` raises OSError.
    """

    _timer_cls: type = timeit.Timer

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] = timer,
        globals: dict[str, Any] | None = None,
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Language | str = Language.PYTHON,
    ) -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")

        # a copy, so that what timeit adds (`__builtins__`) does not leak into the caller's dict
        self._globals = dict(globals or {})
        if language in (Language.PYTHON, "py", "python"):
            self._globals.setdefault("torch", _torch_module())
            self._language = Language.PYTHON
            if global_setup:
                raise ValueError(f"global_setup is C++ only, got `{global_setup}`. Most likely this code can simply "
                                 "be moved to `setup`.")
        elif language in (Language.CPP, "cpp", "c++"):
            raise NotImplementedError(
                "Timer(language='cpp') times C++ code written against libtorch, PyTorch's C++ API; ember is a Python "
                "library with no C++ API. Time the Python statement instead (language='python').")
        else:
            raise ValueError(f"Invalid language `{language}`.")

        stmt, setup = _clean(stmt), _clean(setup)
        self._timer = self._timer_cls(stmt=stmt, setup=setup, timer=timer,
                                      globals=valgrind_timer_interface.CopyIfCallgrind.unwrap_all(self._globals))
        self._task_spec = common.TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup, label=label,
                                          sub_label=sub_label, description=description, env=env,
                                          num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        # no real statement takes under a nanosecond; the floor also keeps divisions finite
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> common.Measurement:
        """Run `stmt` `number` times (after a warmup of number // 100, at least 2) and return one measurement of
        them, as timeit.Timer.timeit."""
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))  # warmup
            return common.Measurement(number_per_run=number, raw_times=[self._timeit(number=number)],
                                      task_spec=self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        """Not provided, as in PyTorch: raises NotImplementedError pointing to blocked_autorange."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable[[int, float], NoReturn] | None = None) -> None:
        """Not provided, as in PyTorch: raises NotImplementedError pointing to blocked_autorange."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _threaded_measurement_loop(self, number: int, time_hook: Callable[[], float],
                                   stop_hook: Callable[[list[float]], bool], min_run_time: float,
                                   max_run_time: float | None = None,
                                   callback: Callable[[int, float], NoReturn] | None = None) -> list[float]:
        total_time = 0.0
        can_stop = False
        times: list[float] = []
        with common.set_torch_threads(self._task_spec.num_threads):
            while (total_time < min_run_time) or (not can_stop):
                time_spent = time_hook()
                times.append(time_spent)
                total_time += time_spent
                if callback:
                    callback(number, time_spent)
                can_stop = stop_hook(times)
                if max_run_time and total_time > max_run_time:
                    break
        return times

    def _estimate_block_size(self, min_run_time: float) -> int:
        """The number of executions per run that makes the timer's own overhead negligible (also a warmup)."""
        with common.set_torch_threads(self._task_spec.num_threads):
            overhead = statistics.median_low([self._timeit(0) for _ in range(5)])
            number = 1
            while True:
                time_taken = self._timeit(number)
                relative_overhead = overhead / time_taken
                if relative_overhead <= 1e-4 and time_taken >= min_run_time / 1000:
                    break
                if time_taken > min_run_time:
                    break
                if number * 10 > 2147483647:  # PyTorch's bound (its C++ timer's int)
                    break
                number *= 10
        return number

    def blocked_autorange(self, callback: Callable[[int, float], NoReturn] | None = None,
                          min_run_time: float = 0.2) -> common.Measurement:
        """Runs of a block of executions, sized so that the timer's overhead is negligible, until `min_run_time`
        seconds in all; `callback(number, time)` is called after each run."""
        number = self._estimate_block_size(min_run_time)
        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), lambda times: True,
                                                min_run_time=min_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01, max_run_time: float = 10.0,
                           callback: Callable[[int, float], NoReturn] | None = None) -> common.Measurement:
        """Like blocked_autorange, but runs until there are more than 3 runs whose IQR / median is below
        `threshold` (and `min_run_time` has passed), or `max_run_time` seconds have passed."""
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times: list[float]) -> bool:
            if len(times) > 3:
                return common.Measurement(number_per_run=number, raw_times=times,
                                          task_spec=self._task_spec).meets_confidence(threshold=threshold)
            return False

        times = self._threaded_measurement_loop(number, lambda: self._timeit(number), stop_hook, min_run_time,
                                                max_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def collect_callgrind(self, number: int = 100, *, repeats: int | None = None, collect_baseline: bool = True,
                          retain_out_file: bool = False) -> Any:
        """Instruction counts under Callgrind: not available in ember. After PyTorch's checks (repeats >= 1, stmt
        and setup run once), raises OSError, the exception PyTorch raises where Valgrind cannot be used."""
        if not isinstance(self._task_spec.stmt, str):
            raise ValueError("`collect_callgrind` currently only supports string `stmt`")
        if repeats is not None and repeats < 1:
            raise ValueError("If specified, `repeats` must be >= 1")
        self._timeit(1)  # a faulty stmt or setup raises here, as in PyTorch
        raise OSError(
            "Valgrind is not supported on this platform. (ember cannot collect Callgrind instruction counts: that "
            "needs PyTorch's C++ bindings that switch the instrumentation on around `stmt`. Use blocked_autorange "
            "or adaptive_autorange for wall times.)")
