"""Random number generation: `Generator`, `manual_seed`, and the default generator."""
import pickle

import numpy as np

from ._device import to_device
from ._tensor import wrap
from .backend import cupy


class Generator:
    """A random number generator (NumPy's PCG64 underneath); seeding it makes results reproducible.

    Differs from PyTorch: the streams are not bit-identical to PyTorch's Mersenne Twister.
    """

    def __init__(self, device="cpu"):
        self.device = to_device(device)
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        """Reset the generator to a state determined by `seed`."""
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not -2**63 <= seed < 2**64:
            raise ValueError(f"manual_seed: expected a seed in [-2**63, 2**64), but got {seed}")
        self._seed = seed & 0xFFFFFFFFFFFFFFFF  # a negative seed is its 64-bit two's complement, as PyTorch's
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed used."""
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor."""
        return wrap(np.frombuffer(pickle.dumps(self._rng.bit_generator.state), np.uint8).copy())

    def set_state(self, state) -> "Generator":
        """Restore a state returned by get_state."""
        self._rng.bit_generator.state = pickle.loads(state.numpy().tobytes())
        return self

    def clone_state(self) -> "Generator":
        """A new generator on the same device, with this one's seed and state (the two then draw the same)."""
        clone = Generator(self.device)
        clone._seed = self._seed
        clone._rng.bit_generator.state = self._rng.bit_generator.state
        return clone


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and CuPy's, when present)."""
    generator = default_generator.manual_seed(int(seed))
    if cupy is not None:
        try:
            cupy.random.seed(generator.initial_seed() & 0xFFFFFFFF)
        except Exception:
            pass
    return generator


def seed() -> int:
    """Seed the default generator non-deterministically."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(state)


def rng(generator) -> np.random.Generator:
    """The NumPy generator to draw from: `generator`'s, or the default one."""
    if generator is None:
        return default_generator._rng
    try:
        return generator._rng
    except AttributeError:
        raise TypeError(f"argument 'generator' must be torch.Generator, not {type(generator).__name__}") from None
