"""Hook handles: every register_*_hook of ember (tensors, graph nodes, modules, optimizers) keeps its hooks in a
dict keyed by the handle's id, in registration order, and returns the handle that removes the hook."""
import itertools

_next_id = itertools.count()


class RemovableHandle:
    """Returned by every register_*_hook; `remove()` (or leaving a `with` block) unregisters the hook."""

    def __init__(self, hooks_dict: dict, *, extra=()):
        self.id = next(_next_id)
        self._hooks = hooks_dict
        self._extra = extra if isinstance(extra, tuple) else (extra,)

    def remove(self) -> None:
        """Unregister the hook."""
        self._hooks.pop(self.id, None)
        for registry in self._extra:
            registry.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks: dict | None, value) -> tuple[dict, RemovableHandle]:
    """`hooks` (a new dict when None) with `value` added, and the handle that removes it."""
    hooks = {} if hooks is None else hooks
    handle = RemovableHandle(hooks)
    hooks[handle.id] = value
    return hooks, handle
