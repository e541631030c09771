"""ember.Size: the shape of a tensor, a tuple subclass."""


class Size(tuple):
    """A tensor's shape; a tuple of ints printed as `ember.Size([2, 3])`."""
    __module__ = "ember"  # <class 'ember.Size'>, as PyTorch's <class 'torch.Size'>
    __slots__ = ()

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def __reduce__(self):
        return (Size, (tuple(self),))
