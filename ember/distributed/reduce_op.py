"""ReduceOp: how a reducing collective combines the ranks' tensors."""
import enum


class RedOpType(enum.IntEnum):
    """The reductions, numbered as PyTorch numbers them."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9


class ReduceOp:
    """`ReduceOp.SUM`, `.AVG`, `.PRODUCT`, `.MIN`, `.MAX`, `.BAND`, `.BOR`, `.BXOR`, as in PyTorch."""
    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM
    UNUSED = RedOpType.UNUSED


class reduce_op:  # noqa: N801  (PyTorch's deprecated name)
    """PyTorch's deprecated alias of ReduceOp's members."""
    SUM, PRODUCT, MIN, MAX = RedOpType.SUM, RedOpType.PRODUCT, RedOpType.MIN, RedOpType.MAX
