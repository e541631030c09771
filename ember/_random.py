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
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))
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
    if cupy is not None:
        try:
            cupy.random.seed(int(seed) & 0xFFFFFFFF)
        except Exception:
            pass
    return default_generator.manual_seed(seed)


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
