"""Random sampling ops drawing from ember.Generator: normal, bernoulli, multinomial, poisson and the in-place samplers."""

__all__ = []  # public ember.xxx functions
METHODS = {}  # Tensor methods, merged into ops.METHODS
