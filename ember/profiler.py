"""ember.profiler: PyTorch's torch.profiler for ember's CPU work: profile (with schedule, on_trace_ready and step),
record_function, ProfilerActivity, ProfilerAction, schedule, tensorboard_trace_handler, and the key_averages()
tables and Chrome traces of the recorded events.

NOTE [ Profiling ops ]
ember has no dispatcher that every op passes through, so while a profile records, its public ops are wrapped: the
functions of ember, ember.nn.functional, linalg, fft and special, those of the op modules (ember/ops/*, which the
layers call), and the methods and operators of Tensor. A wrapper records an event 'aten::<name>' with its start,
duration, input shapes and the bytes of the arrays it returned that own their memory; the autograd engine records
'autograd::engine::evaluate_function: <node>' for each node of a backward. Ops called inside other ops nest, as in
PyTorch (an event's self time is its time minus its children's), and stopping the profile puts every original back.
The names are ember's functions, not always PyTorch's aten ops (PyTorch's linear calls aten::t and aten::addmm,
ember's calls matmul and addmm). Functions a script bound to its own names before the profile started (`from
torch.nn.functional import relu`) are not wrapped, and run unrecorded inside their callers' events.
"""
import contextlib
import enum
import functools
import os
import threading
import time
import types
import warnings

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities"]

RECORDING = [None]  # the _Recorder of the profile that records now, or None: the engine tests it per node


class ProfilerActivity(enum.Enum):
    """The devices a profile can record; ember records the CPU's work only (the others are accepted and ignored)."""
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a profile does during a step, as a schedule returns it."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    """The activities ember records: the CPU."""
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0):
    """A schedule for profile(schedule=...): after `skip_first` steps, cycles of `wait` idle steps, `warmup` steps and
    `active` recorded steps (the last of them saved through on_trace_ready), `repeat` times (0: forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need "
                             f">= 0), active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} "
                             "(need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class FunctionEvent:
    """One recorded call (or, from key_averages, the sum of the calls of one name): times in microseconds."""

    def __init__(self, name: str, start_us: float = 0.0, end_us: float = 0.0, thread: int = 0, input_shapes=(),
                 memory: int = 0):
        self.key = self.name = name
        self.time_range = (start_us, end_us)
        self.thread = thread
        self.input_shapes = list(input_shapes)
        self.count = 1
        self.cpu_time_total = end_us - start_us
        self.self_cpu_time_total = self.cpu_time_total
        self.cpu_memory_usage = self.self_cpu_memory_usage = memory
        self.cpu_children = []
        self.cpu_parent = None
        self.device_time_total = self.self_device_time_total = 0.0
        self.device_memory_usage = self.self_device_memory_usage = 0

    @property
    def cpu_time(self) -> float:
        """The mean time of one call."""
        return self.cpu_time_total / max(self.count, 1)

    cuda_time_total = property(lambda self: 0.0)
    self_cuda_time_total = property(lambda self: 0.0)

    def add(self, other: "FunctionEvent") -> "FunctionEvent":
        """Sum another call of the same name into this one."""
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __repr__(self):
        return (f"<FunctionEvent name={self.name!r} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us count={self.count} "
                f"input_shapes={self.input_shapes}>")


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class EventList(list):
    """Recorded events, or their averages per name (key_averages), with PyTorch's table and Chrome trace."""

    def __init__(self, events=(), profile_memory: bool = False, with_shapes: bool = False):
        super().__init__(events)
        self.profile_memory, self.with_shapes = profile_memory, with_shapes

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of every event's self time, in microseconds."""
        return sum(e.self_cpu_time_total for e in self)

    def total_average(self) -> FunctionEvent:
        """All events summed into one, named 'Total'."""
        total = FunctionEvent("Total")
        total.count = 0
        total.cpu_time_total = total.self_cpu_time_total = 0.0
        for e in self:
            total.add(e)
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False) -> str:
        """The events as PyTorch prints them, sorted by the attribute `sort_by` (largest first), at most `row_limit`
        rows (all if negative)."""
        events = [e for e in self if not top_level_events_only or e.cpu_parent is None]
        if sort_by is not None:
            events.sort(key=lambda e: getattr(e, sort_by.replace("cuda", "device"), 0), reverse=True)
        if row_limit >= 0:
            events = events[:row_limit]
        total = self.self_cpu_time_total or 1.0
        name_width = min(max([len(e.key) for e in self] + [4]) + 4, max_name_column_width)
        columns = [("Name", name_width), ("Self CPU %", 12), ("Self CPU", 12), ("CPU total %", 12), ("CPU total", 12),
                   ("CPU time avg", 12)]
        if self.profile_memory:
            columns += [("CPU Mem", 12), ("Self CPU Mem", 12)]
        columns.append(("# of Calls", 12))
        shapes_width = min(max([len(str(e.input_shapes)) for e in self] + [12]) + 4, max_shapes_column_width)
        if self.with_shapes:
            columns.append(("Input Shapes", shapes_width))
        line = "".join("-" * width + "  " for _, width in columns)
        rows = [line, "".join(f"{title:>{width}}  " for title, width in columns), line]
        for e in events:
            name = e.key if len(e.key) <= name_width - 3 else e.key[:name_width - 6] + "..."
            cells = [name, f"{e.self_cpu_time_total / total * 100:.2f}%", _format_time(e.self_cpu_time_total),
                     f"{e.cpu_time_total / total * 100:.2f}%", _format_time(e.cpu_time_total), _format_time(e.cpu_time)]
            if self.profile_memory:
                cells += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            cells.append(str(e.count))
            if self.with_shapes:
                cells.append(str(e.input_shapes)[:shapes_width])
            rows.append("".join(f"{cell:>{width}}  " for cell, (_, width) in zip(cells, columns)))
        rows += [line, f"Self CPU time total: {_format_time(self.self_cpu_time_total)}", ""]
        return (header + "\n" if header else "") + "\n".join(rows)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (chrome://tracing, Perfetto): one complete event each."""
        import gzip  # lazy: only an export needs them
        import json
        trace = {"traceEvents": [
            {"name": e.name, "ph": "X", "cat": "cpu_op", "ts": e.time_range[0], "dur": e.cpu_time_total,
             "pid": os.getpid(), "tid": e.thread, "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}}
            for e in self], "displayTimeUnit": "ms"}
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "wt") as f:
            json.dump(trace, f)


class _Recorder:
    """The events of one recording, nested per thread."""

    def __init__(self, record_shapes: bool, profile_memory: bool):
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.events = []
        self.open = threading.local()
        self.origin = time.perf_counter()

    def begin(self, name: str, args=()) -> FunctionEvent:
        stack = self.open.__dict__.setdefault("stack", [])
        shapes = [list(a.shape) if hasattr(a, "shape") and hasattr(a, "_data") else [] for a in args] \
            if self.record_shapes else []
        event = FunctionEvent(name, (time.perf_counter() - self.origin) * 1e6, 0.0, threading.get_ident(), shapes)
        if stack:
            event.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(event)
        stack.append(event)
        return event

    def end(self, event: FunctionEvent, result=None) -> None:
        now = (time.perf_counter() - self.origin) * 1e6
        event.time_range = (event.time_range[0], now)
        event.cpu_time_total = now - event.time_range[0]
        if self.profile_memory and result is not None:
            event.cpu_memory_usage = _new_bytes(result)
        self.open.stack.pop()
        self.events.append(event)

    def finished(self) -> list:
        """The events in start order, their self times and self memory computed from their children."""
        for e in self.events:
            e.self_cpu_time_total = e.cpu_time_total - sum(c.cpu_time_total for c in e.cpu_children)
            e.cpu_memory_usage += sum(c.cpu_memory_usage for c in e.cpu_children)
        for e in self.events:
            e.self_cpu_memory_usage = e.cpu_memory_usage - sum(c.cpu_memory_usage for c in e.cpu_children)
        return sorted(self.events, key=lambda e: e.time_range[0])


def _new_bytes(result) -> int:
    """The bytes of the arrays in `result` (a Tensor or a tuple of them) that own their memory: a view's are 0."""
    from ._tensor import Tensor  # lazy: the profiler loads with ember but needs Tensor only while recording
    if isinstance(result, Tensor):
        a = result._data
        return a.nbytes if getattr(a, "base", None) is None else 0
    if isinstance(result, (tuple, list)):
        return sum(_new_bytes(r) for r in result)
    return 0


class record_function(contextlib.ContextDecorator):
    """A labelled range in the profile that records now (its time includes the ops it runs); a no-op otherwise."""

    def __init__(self, name: str, args: str | None = None):
        self.name, self.args = name, args
        self.event = None

    def __enter__(self):
        recorder = RECORDING[0]
        self.recorder = recorder
        self.event = None if recorder is None else recorder.begin(self.name)
        return self

    def __exit__(self, *exc):
        if self.event is not None and RECORDING[0] is self.recorder:
            self.recorder.end(self.event)
        self.event = None
        return False

    def _recreate_cm(self):
        return record_function(self.name, self.args)  # a decorated function's calls each get their own range


# ---- wrapping the ops while recording (NOTE [ Profiling ops ]) --------------------------------------------------
_DUNDER_NAMES = {"add": "add", "radd": "add", "iadd": "add_", "sub": "sub", "rsub": "rsub", "isub": "sub_",
                 "mul": "mul", "rmul": "mul", "imul": "mul_", "truediv": "div", "rtruediv": "div", "itruediv": "div_",
                 "floordiv": "floor_divide", "rfloordiv": "floor_divide", "mod": "remainder", "pow": "pow",
                 "rpow": "pow", "matmul": "matmul", "rmatmul": "matmul", "neg": "neg", "abs": "abs",
                 "getitem": "index", "setitem": "index_put_", "eq": "eq", "ne": "ne", "lt": "lt", "le": "le",
                 "gt": "gt", "ge": "ge", "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
                 "invert": "bitwise_not"}


def _profiled(fn, name: str):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        recorder = RECORDING[0]
        if recorder is None:
            return fn(*args, **kwargs)
        event = recorder.begin(name, args)
        result = None
        try:
            result = fn(*args, **kwargs)
            return result
        finally:
            recorder.end(event, result)
    return call


_OP_MODULES = ("ember.ops.", "ember._creation", "ember.nn.functional", "ember.nn._", "ember.linalg", "ember.fft",
               "ember.special")
_HELPER_MODULES = ("ember.ops.base", "ember.ops.arguments", "ember.ops.keywords")  # argument checks, not ops
# Tensor methods that read metadata: PyTorch's do not dispatch, and its profiles show no event for them
_METADATA = {"dim", "ndimension", "size", "numel", "nelement", "stride", "storage_offset", "element_size",
             "is_floating_point", "is_complex", "is_contiguous", "is_shared", "is_pinned", "data_ptr", "get_device"}


def _op_names() -> dict:
    """id(function) -> its event name, for every public op: the functions of ember's public namespaces defined by
    its op modules, and Tensor's methods and operators."""
    import ember  # lazy: ember imports this module
    names = {}
    for owner in (ember, ember.nn.functional, ember.linalg, ember.fft, ember.special):
        for name, fn in vars(owner).items():
            if (isinstance(fn, types.FunctionType) and not name.startswith("_")
                    and fn.__module__.startswith(_OP_MODULES) and not fn.__module__.startswith(_HELPER_MODULES)):
                names.setdefault(id(fn), f"aten::{name}")
    for name, fn in vars(ember.Tensor).items():
        if isinstance(fn, types.FunctionType):
            if name.startswith("__") and name.endswith("__"):
                if name[2:-2] in _DUNDER_NAMES:
                    names.setdefault(id(fn), f"aten::{_DUNDER_NAMES[name[2:-2]]}")
            elif not name.startswith("_") and name not in _METADATA:
                names.setdefault(id(fn), f"aten::{name}")
    return names


def _bindings(names: dict):
    """(owner, attribute, value, function) for every place in ember's modules, and in their classes, that binds one
    of the ops: module globals (the ops call each other through them) and class attributes (Conv2d.fn, Tensor's
    methods)."""
    import sys
    found = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "ember" or module_name.startswith("ember.")):
            continue
        for owner in [module] + [c for c in vars(module).values() if isinstance(c, type)
                                 and c.__module__ == module_name]:
            for attribute, value in list(vars(owner).items()):
                fn = value.__func__ if isinstance(value, staticmethod) else value
                if isinstance(fn, types.FunctionType) and id(fn) in names:
                    found.append((owner, attribute, value, fn))
    return found


_WRAPPED = []  # the (owner, attribute, original) bindings to put back
_WRAP_LOCK = threading.Lock()


def _wrap_ops() -> None:
    with _WRAP_LOCK:
        if _WRAPPED:
            return
        names = _op_names()
        wrappers = {}
        for owner, attribute, value, fn in _bindings(names):
            wrapper = wrappers.get(id(fn))
            if wrapper is None:
                wrapper = wrappers[id(fn)] = _profiled(fn, names[id(fn)])
            _WRAPPED.append((owner, attribute, value))
            setattr(owner, attribute, staticmethod(wrapper) if isinstance(value, staticmethod) else wrapper)


def _unwrap_ops() -> None:
    with _WRAP_LOCK:
        while _WRAPPED:
            owner, attribute, value = _WRAPPED.pop()
            setattr(owner, attribute, value)


class profile:
    """Record ember's CPU ops while active (NOTE [ Profiling ops ]), as torch.profiler.profile; `schedule` picks the
    steps that record (profile.step() ends one) and `on_trace_ready(prof)` runs when a recording ends. with_stack,
    with_flops, with_modules and the device activities are accepted and ignored."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, experimental_config=None, execution_trace_observer=None,
                 acc_events: bool = False, use_cuda=None, custom_trace_id_callback=None) -> None:
        self.activities = set(activities) if activities is not None else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.acc_events = record_shapes, profile_memory, acc_events
        self.step_num = 0
        self.current_action = ProfilerAction.NONE
        self._recorder = None
        self._events = []
        self._recordings = 0

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self) -> None:
        """Begin step 0: record if the schedule says so."""
        self.step_num = 0
        self.current_action = self.schedule(0)
        if self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._begin()

    def stop(self) -> None:
        """End the profile: a recording in progress ends and goes to on_trace_ready."""
        if self._recorder is not None:
            self._finish(save=True)
        self.current_action = ProfilerAction.NONE

    def step(self) -> None:
        """End the current step and move to the next one's action."""
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        recording = self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if previous == ProfilerAction.RECORD_AND_SAVE or (self._recorder is not None and not recording):
            self._finish(save=previous == ProfilerAction.RECORD_AND_SAVE or not recording)
        if recording and self._recorder is None:
            self._begin()

    def _begin(self) -> None:
        if RECORDING[0] is not None:
            raise RuntimeError("Can't start a profile while another one records")
        if self._recordings and not self.acc_events:
            warnings.warn("Warning: Profiler clears events at the end of each cycle. Only events from the current "
                          "cycle will be reported. To keep events across cycles, set acc_events=True.")
        self._recordings += 1
        self._recorder = _Recorder(self.record_shapes, self.profile_memory)
        _wrap_ops()
        RECORDING[0] = self._recorder

    def _finish(self, save: bool) -> None:
        RECORDING[0] = None
        _unwrap_ops()
        events = self._recorder.finished()
        self._events = self._events + events if self.acc_events else events
        self._recorder = None
        if save and self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def events(self) -> EventList:
        """Every call of the last recording, in start order."""
        return EventList(self._events, self.profile_memory, self.record_shapes)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """The last recording's calls summed per name (and per input shapes, with `group_by_input_shape`)."""
        groups = {}
        for e in self._events:
            key = (e.key, str(e.input_shapes)) if group_by_input_shape else e.key
            total = groups.get(key)
            if total is None:
                total = groups[key] = FunctionEvent(e.key, 0.0, 0.0, e.thread, e.input_shapes)
                total.count = 0
                total.cpu_time_total = total.self_cpu_time_total = 0.0
            total.add(e)
        return EventList(groups.values(), self.profile_memory, group_by_input_shape)

    def export_chrome_trace(self, path: str) -> None:
        """Write the last recording as a Chrome trace."""
        self.events().export_chrome_trace(path)


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False):
    """An on_trace_ready that writes each recording into `dir_name` as '<worker>.<time>.pt.trace.json[.gz]'."""
    def handler(prof: profile) -> None:
        import socket  # lazy: only the handler needs the host's name
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler
