"""Support programs: the five batches and their neighbours, one module each.

Built-in kinds are listed in :data:`povsim.config.registry.BUILTIN_PROGRAMS`; a program
of your own is named by its import path, ``kind = "package.module:Class"`` (a
:class:`SupportProgram` or :class:`VillageProgram` subclass).
"""

from povsim.config.program import ProgramConfig
from povsim.config.registry import BUILTIN_PROGRAMS, load_kind
from povsim.config.vocabulary import CAUSE_NAMES
from povsim.sim.programs.base import (
    IllnessCover,
    Program,
    SupportProgram,
    VillageProgram,
    channel_totals,
)
from povsim.sim.programs.education import Education
from povsim.sim.programs.employment import Employment
from povsim.sim.programs.health import Health
from povsim.sim.programs.housing import Housing
from povsim.sim.programs.industry import Industry
from povsim.sim.programs.infrastructure import Infrastructure
from povsim.sim.programs.relocation import Relocation
from povsim.sim.programs.social_security import SocialSecurity
from povsim.sim.programs.work_away import WorkAway

__all__ = [
    "BUILTIN_PROGRAMS",
    "CAUSE_NAMES",
    "Education",
    "Employment",
    "Health",
    "Housing",
    "IllnessCover",
    "Industry",
    "Infrastructure",
    "Program",
    "ProgramConfig",
    "Relocation",
    "SocialSecurity",
    "SupportProgram",
    "VillageProgram",
    "WorkAway",
    "channel_totals",
    "program_class",
]


def program_class(kind: str) -> type[Program]:
    """The class that runs a program ``kind``: a built-in name or ``'package.module:Class'``.

    Raises:
        LookupError: an unknown built-in name.
        ImportError: the module cannot be imported, or lacks the class.
        TypeError: the class is not a :class:`Program`.
    """
    cls = load_kind(kind)
    if not issubclass(cls, Program):
        raise TypeError(f"{kind!r} is not a Program subclass")
    return cls
