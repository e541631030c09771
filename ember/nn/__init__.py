"""ember.nn: modules, layers, functional and init."""
from .. import _unsupported
from . import _reduction, attention, common_types, functional, grad, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.module import Module  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401


def __getattr__(name: str):
    """PyTorch's names that ember lacks on purpose raise an AttributeError that says why."""
    raise _unsupported.missing("ember.nn", name, _unsupported.NN,
                               f"module 'ember.nn' has no attribute {name!r}")
