"""Independent random streams, one per source of chance, all derived from one seed.

Each stream is a child of ``SeedSequence(seed)`` with a fixed spawn key, so the
illness draws do not depend on how many numbers the registration survey used,
and two policy mixes run with the same seed face the same shocks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "Streams", "seed_for"]

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


def seed_for(seed: int, replication: int | None) -> int | np.random.SeedSequence:
    """The seed of one replication: child ``replication`` of ``SeedSequence(seed)``.

    The same as ``SeedSequence(seed).spawn(n)[replication]`` for any ``n``, so a
    replication's stream does not depend on how many replications run. ``None`` is
    the plain seed of a single run.
    """
    if replication is None:
        return seed
    return np.random.SeedSequence(seed, spawn_key=(replication,))
