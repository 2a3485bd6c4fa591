"""Independent random streams, one per source of chance, all derived from one seed.

Each stream is a child of ``SeedSequence(seed)`` with a fixed spawn key, so the
illness draws do not depend on how many numbers the registration survey used,
and two policy mixes run with the same seed face the same shocks. Programs draw from
children keyed by their name, what the draw is for and the year (:meth:`Streams.program`),
so one program's enrolments never move another's draws.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from povsim.config import arguments

__all__ = ["STREAMS", "Streams", "run_seed", "seed_for"]

STREAMS = (
    "population",
    "income",
    "illness",
    "disaster",
    "market",
    "registration",
    "guarantees",
    "model",
)

PROGRAMS_KEY = 2**20
"""The spawn key under which the programs' streams are children (:meth:`Streams.program`):
apart from the streams above, which are keyed by their place in :data:`STREAMS`."""


class Streams:
    """One ``numpy.random.Generator`` per name in :data:`STREAMS`.

    Args:
        seed: an integer, or a ``SeedSequence`` (e.g. one replication's).
    """

    def __init__(self, seed: int | np.random.SeedSequence):
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._root = root
        for i, name in enumerate(STREAMS):
            setattr(self, name, np.random.default_rng(self._child(i)))

    def _child(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self._root.entropy, spawn_key=(*self._root.spawn_key, *key))

    def program(self, name: str, purpose: str, year: int) -> np.random.Generator:
        """The generator of program ``name``'s draws for ``purpose`` in ``year``.

        A child of the run's seed keyed by all three: a mix that enrols more in one
        program, or starts it later, leaves every other program's draws, and the program's
        other years, as they were (common random numbers across mixes).
        """
        return np.random.default_rng(
            self._child(PROGRAMS_KEY, *_words(name), *_words(purpose), year)
        )

    population: np.random.Generator
    income: np.random.Generator
    illness: np.random.Generator
    disaster: np.random.Generator
    market: np.random.Generator
    registration: np.random.Generator
    guarantees: np.random.Generator
    model: np.random.Generator


# Every program asks for its streams each year in every county: hash each label once.
@functools.lru_cache(maxsize=1024)
def _words(label: str) -> tuple[int, int]:
    """``label`` as two 32-bit words of its BLAKE2b digest (CRC32 let two program names
    share their draws: 'plumless' and 'buckeroo')."""
    digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


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
        TypeError, ValueError: naming the seed, where NumPy would fail deep inside (a
            negative seed), or a float would quietly be cut to another seed (1.7 to 1).
    """
    return default if seed is None else arguments.seed("seed", seed)
