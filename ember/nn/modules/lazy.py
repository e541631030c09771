"""Lazy layers: convolutions and normalizations whose input size (in_channels, num_features) is taken from the
first input. Until then their parameters and per-feature buffers are uninitialized placeholders; the first
forward allocates them, with the values the full layer would have drawn, and the module becomes that layer
(LazyConv2d becomes Conv2d), keeping the same Parameter objects, so an optimizer built before still holds them."""
import itertools
import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d


class LazyModuleMixin:
    """A user's lazy module, as torch.nn.modules.lazy.LazyModuleMixin: subclass it before Module, hold
    UninitializedParameter/UninitializedBuffer placeholders and define `initialize_parameters(*inputs)`. The first
    forward calls it first (then the module becomes `cls_to_become`, where set); load_state_dict materializes the
    placeholders with the loaded shapes."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still a placeholder."""
        tensors = itertools.chain(self._parameters.values(), self._buffers.values())
        return any(isinstance(t, (UninitializedParameter, UninitializedBuffer)) for t in tensors)

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialize the placeholders for these forward inputs (the subclass defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        del module._initialize_hook, module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                        error_msgs) -> None:
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            if prefix + name in state_dict and isinstance(t, (UninitializedParameter, UninitializedBuffer)):
                with no_grad():
                    t.materialize(state_dict[prefix + name].shape)


class _LazyModule:
    """What the lazy layers share. `cls_to_become` is the full layer; `_spatial_dims` its number of spatial dims."""
    cls_to_become: type
    _spatial_dims: int

    def _lazy_init(self, args: tuple, kwargs: dict) -> None:
        """Build the full layer with input size 0 and replace its sized parameters and buffers by placeholders."""
        with warnings.catch_warnings():  # the size-0 layer's initialisation is a no-op, and says so
            warnings.simplefilter("ignore")
            self.cls_to_become.__init__(self, 0, *args, **kwargs)
        self._lazy_args = (args, kwargs)
        for name, p in list(self._parameters.items()):
            if p is not None:
                self._parameters[name] = UninitializedParameter()
        for name, b in list(self._buffers.items()):
            if b is not None and b.dim() > 0:
                self._buffers[name] = UninitializedBuffer()

    def _input_size(self, input: Tensor) -> int:
        batched = input.dim() != self._spatial_dims + 1
        return input.shape[1 if batched else 0]

    def forward(self, input: Tensor, *args, **kwargs):
        """Allocate the parameters for this input's size, become the full layer, and run it."""
        layer_args, layer_kwargs = self._lazy_args
        full = self.cls_to_become(self._input_size(input), *layer_args, **layer_kwargs)
        for table, mine in ((full._parameters, self._parameters), (full._buffers, self._buffers)):
            for name, value in table.items():
                placeholder = mine.get(name)
                if isinstance(placeholder, (UninitializedParameter, UninitializedBuffer)):
                    placeholder.materialize(tuple(value.shape), device=value.device, dtype=value.dtype)
                    placeholder._data[...] = value._data
        for name, value in vars(full).items():
            if not name.startswith("_"):  # in_channels, num_features, ...
                self.__dict__[name] = value
        del self._lazy_args
        self.__class__ = self.cls_to_become
        return self.forward(input, *args, **kwargs)


def _lazy(name: str, base: type, spatial_dims: int, doc: str, __init__=None) -> type:
    def lazy_init(self, *args, **kwargs):
        self._lazy_init(args, kwargs)
    __init__ = __init__ or lazy_init
    return type(name, (_LazyModule, base), {"__init__": __init__, "cls_to_become": base,
                                            "_spatial_dims": spatial_dims, "__doc__": doc,
                                            "__module__": __name__})


LazyConv1d = _lazy("LazyConv1d", Conv1d, 1, "A Conv1d whose in_channels is taken from the first input.")
LazyConv2d = _lazy("LazyConv2d", Conv2d, 2, "A Conv2d whose in_channels is taken from the first input.")
LazyConv3d = _lazy("LazyConv3d", Conv3d, 3, "A Conv3d whose in_channels is taken from the first input.")
LazyConvTranspose1d = _lazy("LazyConvTranspose1d", ConvTranspose1d, 1,
                            "A ConvTranspose1d whose in_channels is taken from the first input.")
LazyConvTranspose2d = _lazy("LazyConvTranspose2d", ConvTranspose2d, 2,
                            "A ConvTranspose2d whose in_channels is taken from the first input.")
LazyConvTranspose3d = _lazy("LazyConvTranspose3d", ConvTranspose3d, 3,
                            "A ConvTranspose3d whose in_channels is taken from the first input.")
LazyBatchNorm1d = _lazy("LazyBatchNorm1d", BatchNorm1d, 0,
                        "A BatchNorm1d whose num_features is taken from the first input.")
LazyBatchNorm2d = _lazy("LazyBatchNorm2d", BatchNorm2d, 2,
                        "A BatchNorm2d whose num_features is taken from the first input.")
LazyBatchNorm3d = _lazy("LazyBatchNorm3d", BatchNorm3d, 3,
                        "A BatchNorm3d whose num_features is taken from the first input.")
def _instance_norm_init(self, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                        track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
    """The lazy instance norms learn an affine map and track running statistics by default (unlike InstanceNorm),
    as PyTorch's do."""
    self._lazy_init((eps, momentum, affine, track_running_stats, device, dtype), {"bias": bias})


LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d", InstanceNorm1d, 1,
                           "An InstanceNorm1d whose num_features is taken from the first input.", _instance_norm_init)
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d", InstanceNorm2d, 2,
                           "An InstanceNorm2d whose num_features is taken from the first input.", _instance_norm_init)
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d", InstanceNorm3d, 3,
                           "An InstanceNorm3d whose num_features is taken from the first input.", _instance_norm_init)
