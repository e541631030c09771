"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools

# A one-item list so that ops read the flag with a single index, not a function call.
GRAD_ENABLED = [True]


def is_grad_enabled() -> bool:
    """True when operations are recorded for autograd."""
    return GRAD_ENABLED[0]


INFERENCE_MODE = [False]


class _GradMode:
    """A context manager that is also a decorator, setting grad mode to `self.mode` inside."""
    mode = True

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self.mode

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._clone(self):
                return fn(*args, **kwargs)
        return wrapper

    def _clone(self):
        return self.__class__()


class _NoParamGradMode(_GradMode):
    """A grad mode usable as `@mode`, `@mode()` and `with mode():`."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamGradMode):
    """Context manager and decorator that disables gradient recording."""
    mode = False


class enable_grad(_NoParamGradMode):
    """Context manager and decorator that enables gradient recording."""
    mode = True


class set_grad_enabled(_GradMode):
    """Enable or disable gradient recording: as a function call, a context manager or a decorator."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        GRAD_ENABLED[0] = self._prev  # used as a decorator: the mode applies only inside fn
        return _GradMode.__call__(self, fn)

    def _clone(self):
        return _SetTo(self.mode)


class _SetTo(_GradMode):
    def __init__(self, mode):
        self.mode = mode

    def _clone(self):
        return _SetTo(self.mode)


class inference_mode(_GradMode):
    """Like no_grad (ember has no separate inference tensors); `inference_mode(False)` leaves grad mode as is."""

    def __init__(self, mode: bool = True):
        self.enabled = mode

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        self._prev_inference = INFERENCE_MODE[0]
        if self.enabled:
            GRAD_ENABLED[0] = False
        INFERENCE_MODE[0] = self.enabled

    def __exit__(self, *exc):
        INFERENCE_MODE[0] = self._prev_inference
        return super().__exit__(*exc)

    def _clone(self):
        return inference_mode(self.enabled)


def is_inference_mode_enabled() -> bool:
    """Whether the code runs inside an inference_mode block."""
    return INFERENCE_MODE[0]

