"""ember.autograd.profiler: PyTorch's older profiler API (torch.autograd.profiler.profile, record_function), on
ember.profiler's recording (NOTE [ Profiling ops ] in ember/profiler.py)."""
from .. import profiler as _profiler
from ..profiler import EventList, FunctionEvent, record_function  # noqa: F401

__all__ = ["profile", "record_function", "EventList", "FunctionEvent"]


class profile(_profiler.profile):
    """Record ember's CPU ops while active, as torch.autograd.profiler.profile: `enabled=False` records nothing;
    the device options are accepted and ignored."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device=None, record_shapes: bool = False,
                 with_flops: bool = False, profile_memory: bool = False, with_stack: bool = False,
                 with_modules: bool = False, use_kineto: bool = False, use_cpu: bool = True, experimental_config=None,
                 acc_events: bool = False, custom_trace_id_callback=None) -> None:
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory)
        self.enabled = enabled

    def __enter__(self):
        if not self.enabled:
            return None  # as PyTorch's: `with profile(enabled=False) as prof` binds None
        self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        return False

    @property
    def function_events(self) -> EventList:
        """Every recorded call, in start order."""
        return self.events()

    @property
    def self_cpu_time_total(self) -> float:
        """The recording's total self time, in microseconds."""
        return self.events().self_cpu_time_total

    def table(self, *args, **kwargs) -> str:
        """function_events.table(...): every call, one row each."""
        return self.events().table(*args, **kwargs)

    def total_average(self) -> FunctionEvent:
        """Every call summed into one event."""
        return self.events().total_average()

    def __str__(self):
        return self.table()
