"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools
import inspect

# One-item lists so that ops read the flags with a single index, not a function call.
# NOTE [ Grad mode in a dual level ]: forward-mode AD (forward_ad.py) computes tangents from the graph that ops
# record, and forward AD keeps working under no_grad, so while a dual level is open ops record whatever grad mode
# the user set: GRAD_ENABLED (read by every op) stays True and GRAD_MODE (read by is_grad_enabled) holds the
# user's mode. Outside a dual level the two are equal.
GRAD_ENABLED = [True]
GRAD_MODE = [True]
DUAL_LEVEL_OPEN = [False]


def is_grad_enabled() -> bool:
    """True when operations are recorded for autograd."""
    return GRAD_MODE[0]


def set_mode(mode: bool) -> None:
    """Set the user's grad mode (and the ops' recording flag, which a dual level keeps on)."""
    GRAD_MODE[0] = mode
    GRAD_ENABLED[0] = mode or DUAL_LEVEL_OPEN[0]


INFERENCE_MODE = [False]


class _GradMode:
    """A context manager that is also a decorator, setting grad mode to `self.mode` inside."""
    mode = True

    def __enter__(self):
        self._prev = GRAD_MODE[0]
        set_mode(self.mode)

    def __exit__(self, *exc):
        set_mode(self._prev)
        return False

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._clone(self):
                return fn(*args, **kwargs)
        return wrapper

    def _wrap_generator(self, fn):
        """A generator function whose every resumption runs in this mode (the caller's mode between them), as
        PyTorch's decorators wrap generators."""
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self._clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self._clone():
                            gen.close()
                        raise
                    except BaseException as error:
                        with self._clone():
                            response = gen.throw(error)
                    else:
                        with self._clone():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value
        return generator

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
        self._prev = GRAD_MODE[0]
        set_mode(self.mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_mode(self._prev)
        return False

    def __call__(self, fn):
        set_mode(self._prev)  # used as a decorator: the mode applies only inside fn
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
        self._prev = GRAD_MODE[0]
        self._prev_inference = INFERENCE_MODE[0]
        if self.enabled:
            set_mode(False)
        INFERENCE_MODE[0] = self.enabled

    def __exit__(self, *exc):
        INFERENCE_MODE[0] = self._prev_inference
        return super().__exit__(*exc)

    def _clone(self):
        return inference_mode(self.enabled)


def is_inference_mode_enabled() -> bool:
    """Whether the code runs inside an inference_mode block."""
    return INFERENCE_MODE[0]

