"""`torch.version`'s facts about this build: ember's version, and no CUDA or ROCm compiled in (ember reaches
CUDA at run time through CuPy: `ember.cuda.is_available()`)."""
from . import __version__  # noqa: F401

cuda = None  # PyTorch's CPU builds say None too; scripts test it before asking for cuDNN
hip = None
xpu = None
git_version = "unknown"
debug = False
