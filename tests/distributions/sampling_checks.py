"""Statistical checks of samples: moments within standard errors, Kolmogorov-Smirnov tests (no PyTorch needed)."""
import numpy as np
from scipy import stats

N = 100_000


def check_moments(samples, mean, var, sigmas=5):
    """The sample mean and variance of `samples` (dim 0) agree with `mean` and `var` within `sigmas` standard
    errors (the variance's standard error estimated from the fourth central moment)."""
    x = samples.double().numpy()
    n = x.shape[0]
    mean, var = np.broadcast_to(mean, x.shape[1:]), np.broadcast_to(var, x.shape[1:])
    assert np.all(np.abs(x.mean(0) - mean) <= sigmas * np.sqrt(var / n) + 1e-12), (x.mean(0), mean)
    m4 = ((x - x.mean(0)) ** 4).mean(0)
    assert np.all(np.abs(x.var(0) - var) <= sigmas * np.sqrt((m4 - var ** 2) / n) + 1e-12), (x.var(0), var)


def check_ks(samples, cdf):
    """A Kolmogorov-Smirnov test of 1-D `samples` against `cdf` (a scipy.stats cdf)."""
    assert stats.kstest(samples.double().numpy().ravel(), cdf).pvalue > 1e-3
