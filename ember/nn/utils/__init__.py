"""ember.nn.utils: gradient clipping, parameter/vector conversion, parametrizations and sequence packing (rnn)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grad_norm, get_total_norm, clip_grads_with_norm_  # noqa
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import parametrize, parametrizations, rnn  # noqa: F401
