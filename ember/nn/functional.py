"""ember.nn.functional: the stateless form of every layer."""
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.padding import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.vision import *  # noqa: F401,F403
