"""Support programs: the five batches and their neighbours, one module each.

Built-in kinds are listed in :data:`povsim.config.registry.BUILTIN_PROGRAMS`; a program
of your own is named by its import path, ``kind = "package.module:Class"`` (a
:class:`SupportProgram` or :class:`VillageProgram` subclass).
"""

from povsim.config.programs import ProgramConfig
from povsim.config.registry import BUILTIN_PROGRAMS, load_kind
from povsim.sim.programs.base import (
    IllnessCover,
    Program,
    SupportProgram,
    VillageProgram,
    channel_totals,
)

__all__ = [
    "BUILTIN_PROGRAMS",
    "IllnessCover",
    "Program",
    "ProgramConfig",
    "SupportProgram",
    "VillageProgram",
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
