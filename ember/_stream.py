"""Stream and Event: PyTorch's device-generic handles for ordering asynchronous work. On the CPU, where ember's work
is done when a call returns, a stream is always idle and events can't be recorded, as in PyTorch."""
from ._device import device as _device_class

_NO_EVENTS = "cpu backend doesn't support events."


def _cpu(device, kind: str) -> _device_class:
    d = _device_class("cpu" if device is None else device)
    if d.type != "cpu":
        raise RuntimeError(f"ember.{kind} supports the CPU only: ember's GPU work is ordered by CuPy's current stream")
    return d


class Stream:
    """A stream of work on a device (the CPU's: synchronous, so always done)."""

    def __init__(self, device=None, *, priority: int = 0):
        self.device, self.priority = _cpu(device, "Stream"), priority

    def query(self) -> bool:
        """Whether all work on the stream is done: always, on the CPU."""
        return True

    def synchronize(self) -> None:
        """Wait for the stream's work: nothing to wait for on the CPU."""

    def wait_event(self, event: "Event") -> None:
        """Make later work wait for `event`: nothing to wait for on the CPU."""

    def wait_stream(self, stream: "Stream") -> None:
        """Make later work wait for `stream`'s: nothing to wait for on the CPU."""

    def record_event(self, event: "Event | None" = None) -> "Event":
        """Record an event on the stream (not supported on the CPU, as in PyTorch)."""
        raise RuntimeError(_NO_EVENTS)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"ember.Stream device_type={self.device.type}, device_index=-1, stream_id=0"


class Event:
    """A marker in a stream's work (the CPU's: always reached; recording is not supported, as in PyTorch)."""

    def __init__(self, device=None, *, enable_timing: bool = False, blocking: bool = False,
                 interprocess: bool = False):
        self.device = _cpu(device, "Event")
        self.enable_timing, self.blocking, self.interprocess = enable_timing, blocking, interprocess

    def query(self) -> bool:
        """Whether the work before the event is done: always, on the CPU."""
        return True

    def record(self, stream: Stream | None = None) -> None:
        """Record the event on a stream (not supported on the CPU, as in PyTorch)."""
        raise RuntimeError(_NO_EVENTS)

    def synchronize(self) -> None:
        """Wait for the event: nothing to wait for on the CPU."""

    def wait(self, stream: Stream | None = None) -> None:
        """Make a stream wait for the event: nothing to wait for on the CPU."""

    def elapsed_time(self, end_event: "Event") -> float:
        """The time between two recorded events (not supported on the CPU, as in PyTorch)."""
        raise RuntimeError(_NO_EVENTS)

    def __repr__(self):
        return f"ember.Event device_type={self.device.type}, device_index=-1, event_flag=1, event_id=0"
