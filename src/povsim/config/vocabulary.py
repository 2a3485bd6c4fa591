"""The register's codes (建档立卡): statuses, hardship grades, causes of poverty, housing grades,
and the exit pathways that are not a program.

They are part of the scenario language (a program's ``causes`` and ``statuses`` name
them) and of the household arrays, so they live below both.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "CAUSE_NAMES",
    "JOINT_PATHWAY",
    "NO_PATHWAY",
    "SAFE_HOUSING_GRADES",
    "Cause",
    "Hardship",
    "Status",
]

SAFE_HOUSING_GRADES = 2
"""Grades below this (A = 0, B = 1) are safe; C = 2 and D = 3 are dangerous houses."""


NO_PATHWAY = "none"
"""The pathway of an exit that needed no program, alone or together: growth and the
household's own effort (:mod:`povsim.sim.pathways`); no program may take the name."""

JOINT_PATHWAY = "combined"
"""The pathway of an exit that no program was necessary for alone but the programs were
together; no program may take the name."""


class Status(IntEnum):
    """Where a household stands in the register (建档立卡)."""

    UNREGISTERED = 0
    REGISTERED = 1
    EXITED = 2


class Hardship(IntEnum):
    """Hardship grade given at registration (seed 004: A, B, C; A is the hardest)."""

    NONE = 0
    A = 1
    B = 2
    C = 3


class Cause(IntFlag):
    """Causes of poverty as the national register records them (a household may have several)."""

    ILLNESS = 1 << 0
    DISABILITY = 1 << 1
    SCHOOLING = 1 << 2
    DISASTER = 1 << 3
    MARRIAGE = 1 << 4
    LAND = 1 << 5
    WATER = 1 << 6
    SKILLS = 1 << 7
    CAPITAL = 1 << 8
    LABOUR = 1 << 9
    TRANSPORT = 1 << 10
    MOTIVATION = 1 << 11
    OTHER = 1 << 12


CAUSE_NAMES = tuple(str(c.name).lower() for c in Cause)
"""Cause names as scenario files write them."""
