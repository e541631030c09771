"""TorchVersion: the type of `ember.__version__`, a string that compares as a version (PEP 440), as PyTorch's does,
so that scripts' checks such as `torch.__version__ >= "2.0"` or `>= (1, 8)` work under `ember run`."""
import re

__all__ = ["TorchVersion", "API_VERSION"]

API_VERSION = "2.13.0"  # the PyTorch release whose API ember implements

_VERSION = re.compile(r"v?(?P<release>\d+(?:\.\d+)*)(?:[-_.]?(?P<pre>a|b|rc)(?P<pre_n>\d*))?"
                      r"(?:[-_.]?post(?P<post>\d*))?(?:[-_.]?dev(?P<dev>\d*))?(?:\+(?P<local>[a-z0-9.]+))?", re.I)


def _key(text: str):
    """A sort key of a PEP 440 version (release with trailing zeros dropped, pre, post, dev, local), or None when
    `text` is not one."""
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        return None
    release = [int(p) for p in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre = (m["pre"].lower(), int(m["pre_n"] or 0)) if m["pre"] else None
    dev = None if m["dev"] is None else int(m["dev"] or 0)
    if pre is None:  # a release sorts after its pre-releases; a dev-only release before them
        pre = ("", -1) if dev is not None and m["post"] is None else ("z", 0)
    post = -1 if m["post"] is None else int(m["post"] or 0)
    local = tuple((0, p) if p.isdigit() else (-1, p) for p in m["local"].lower().split(".")) if m["local"] else ()
    return tuple(release), pre, post, float("inf") if dev is None else dev, local


class TorchVersion(str):
    """A version string comparing as a version with strings and tuples of ints (PyTorch's torch.torch_version);
    `!=` stays str's, as in PyTorch."""

    def _other_key(self, other):
        if isinstance(other, tuple):
            other = ".".join(str(part) for part in other)
        if not isinstance(other, str):
            raise TypeError(f"'<' not supported between instances of 'TorchVersion' and '{type(other).__name__}'")
        return _key(other)

    def _compare(self, other, op):
        mine, theirs = _key(self), self._other_key(other)
        if mine is None or theirs is None:  # not versions: compare as strings
            return op(str(self), str(other))
        return op(mine, theirs)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        if not isinstance(other, (str, tuple)):
            return False
        return self._compare(other, lambda a, b: a == b)

    __hash__ = str.__hash__
