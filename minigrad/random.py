"""minigrad's one random number generator.

All randomness in minigrad (rand, randn, nn initialisation, Dropout, data shuffling) draws
from this generator, so `minigrad.manual_seed(0)` makes a whole notebook repeatable.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed minigrad's generator (as torch.manual_seed) and return it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The generator minigrad draws from; use it for your own sampling to stay seeded."""
    return _generator
