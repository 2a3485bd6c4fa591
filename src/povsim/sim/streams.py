"""Independent random streams, one per source of chance, all derived from one seed.

Each stream is a child of ``SeedSequence(seed)`` with a fixed spawn key, so the
illness draws do not depend on how many numbers the registration survey used,
and two policy mixes run with the same seed face the same shocks.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["STREAMS", "Streams", "run_seed", "seed_for"]

STREAMS = (
    "population",
    "income",
    "illness",
    "disaster",
    "market",
    "registration",
    "guarantees",
    "takeup",
    "model",
    "queue",
)


class Streams:
    """One ``numpy.random.Generator`` per name in :data:`STREAMS`.

    Args:
        seed: an integer, or a ``SeedSequence`` (e.g. one replication's).
    """

    def __init__(self, seed: int | np.random.SeedSequence):
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        for i, name in enumerate(STREAMS):
            child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i))
            setattr(self, name, np.random.default_rng(child))

    population: np.random.Generator
    income: np.random.Generator
    illness: np.random.Generator
    disaster: np.random.Generator
    market: np.random.Generator
    registration: np.random.Generator
    guarantees: np.random.Generator
    takeup: np.random.Generator
    model: np.random.Generator
    queue: np.random.Generator


def seed_for(seed: int, replication: int | None) -> int | np.random.SeedSequence:
    """The seed of one replication: child ``replication`` of ``SeedSequence(seed)``.

    The same as ``SeedSequence(seed).spawn(n)[replication]`` for any ``n``, so a
    replication's stream does not depend on how many replications run. ``None`` is
    the plain seed of a single run.
    """
    if replication is None:
        return seed
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def run_seed(seed: object, default: int) -> int:
    """``seed`` as a run's seed (``default`` when None): a whole number of 0 or more.

    Raises:
        ValueError: naming the seed, where NumPy would fail deep inside (a negative seed), or
            a float would quietly be cut to another seed (1.7 to 1).
    """
    if seed is None:
        return default
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of 0 or more, not {seed!r}")
    return int(seed)
