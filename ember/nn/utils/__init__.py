"""ember.nn.utils: gradient clipping, parameter/vector conversion, parametrizations, sequence packing (rnn), the
hook-based weight_norm and spectral_norm, conv/linear-batchnorm fusion, skip_init, stateless and pruning."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grad_norm, get_total_norm, clip_grads_with_norm_  # noqa
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import parametrize, parametrizations, rnn, stateless, fusion, prune  # noqa: F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa
from .init import skip_init  # noqa: F401
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
