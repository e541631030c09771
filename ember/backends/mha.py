"""ember.backends.mha: the fast path of MultiheadAttention's inference, a flag ember stores (it has one path)."""
_fastpath = [True]


def get_fastpath_enabled() -> bool:
    """Whether MultiheadAttention may take its fast path (stored; ember computes one way)."""
    return _fastpath[0]


def set_fastpath_enabled(value: bool) -> None:
    """Allow or forbid MultiheadAttention's fast path (stored; ember computes one way)."""
    _fastpath[0] = bool(value)
