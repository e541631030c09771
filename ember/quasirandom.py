"""ember.quasirandom: SobolEngine, low-discrepancy Sobol sequences (SciPy's generator, Joe and Kuo's direction
numbers, as PyTorch's). Unscrambled sequences are PyTorch's point for point; scrambled ones are drawn from a
different random stream, so their points differ from PyTorch's for the same seed."""
import warnings

from . import _dtype
from ._creation import tensor

MAXDIM = 21201


class SobolEngine:
    """Draws points of a Sobol sequence in [0, 1)^dimension, continuing where the last draw stopped."""

    def __init__(self, dimension: int, scramble: bool = False, seed: int | None = None):
        if not 1 <= dimension <= MAXDIM:
            raise ValueError(f"Supported range of dimensionality for SobolEngine is [1, {MAXDIM}]")
        from scipy.stats import qmc  # lazy: scipy.stats is slow to import and loads on first use, not with ember
        self.dimension, self.scramble, self.seed = dimension, scramble, seed
        self._engine = qmc.Sobol(dimension, scramble=scramble, seed=seed)
        self.num_generated = 0

    def draw(self, n: int = 1, out=None, dtype=None):
        """The next `n` points, as an (n, dimension) tensor of `dtype` (the default float dtype)."""
        with warnings.catch_warnings():  # SciPy warns when n is not a power of 2, which PyTorch allows
            warnings.simplefilter("ignore")
            points = self._engine.random(n)
        self.num_generated += n
        result = tensor(points, dtype=dtype or _dtype.get_default_dtype())
        return result if out is None else out.resize_(*result.shape).copy_(result)

    def draw_base2(self, m: int, out=None, dtype=None):
        """The next 2 ** m points (balance properties hold for a power of 2 drawn from the start)."""
        total = self.num_generated + 2 ** m
        if total & (total - 1):
            raise ValueError(f"The balance properties of Sobol' points require n to be a power of 2. "
                             f"{self.num_generated} points have been previously generated, then: "
                             f"n={self.num_generated}+2**{m}={total}. If you still want to do this, please use "
                             f"'SobolEngine.draw()' instead.")
        return self.draw(2 ** m, out, dtype)

    def fast_forward(self, n: int) -> "SobolEngine":
        """Skip the next `n` points."""
        self._engine.fast_forward(n)
        self.num_generated += n
        return self

    def reset(self) -> "SobolEngine":
        """Start the sequence again."""
        self._engine.reset()
        self.num_generated = 0
        return self

    def __repr__(self):
        extras = ("scramble=True",) if self.scramble else ()
        extras += (f"seed={self.seed}",) if self.seed is not None else ()
        return f"SobolEngine({', '.join((f'dimension={self.dimension}',) + extras)})"
