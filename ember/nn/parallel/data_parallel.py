"""DataParallel: PyTorch's single-process multi-GPU wrapper, as it behaves with one device or none."""
from ..modules.module import Module


class DataParallel(Module):
    """Wraps `module` as `.module`; with no more than one device it calls the module directly.

    Differs from PyTorch: ember does not scatter a batch over several GPUs; with several device_ids it
    still runs the module on the first device."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
