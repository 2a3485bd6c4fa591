"""Support programs: the five batches and their neighbours, as Mesa agents.

Built-in kinds are named by their module; a program of your own is named by its
import path, ``kind = "package.module:Class"`` (a :class:`SupportProgram` subclass).
"""

from __future__ import annotations

import importlib

from povsim.programs.base import CAUSE_NAMES, ProgramConfig, SupportProgram, channel_totals
from povsim.programs.education import Education
from povsim.programs.employment import Employment
from povsim.programs.health import Health
from povsim.programs.housing import Housing
from povsim.programs.industry import Industry
from povsim.programs.infrastructure import Infrastructure
from povsim.programs.relocation import Relocation
from povsim.programs.social_security import SocialSecurity

__all__ = [
    "BUILTIN_PROGRAMS",
    "CAUSE_NAMES",
    "Education",
    "Employment",
    "Health",
    "Housing",
    "Industry",
    "Infrastructure",
    "ProgramConfig",
    "Relocation",
    "SocialSecurity",
    "SupportProgram",
    "channel_totals",
    "program_class",
]

BUILTIN_PROGRAMS: dict[str, type[SupportProgram]] = {
    "industry": Industry,
    "employment": Employment,
    "relocation": Relocation,
    "education": Education,
    "health": Health,
    "social_security": SocialSecurity,
    "housing": Housing,
    "infrastructure": Infrastructure,
}


def program_class(kind: str) -> type[SupportProgram]:
    """The class for a program ``kind``: a built-in name or ``'package.module:Class'``."""
    if kind in BUILTIN_PROGRAMS:
        return BUILTIN_PROGRAMS[kind]
    module_name, sep, class_name = kind.partition(":")
    if not sep:
        raise LookupError(
            f"unknown program kind {kind!r}: use one of {sorted(BUILTIN_PROGRAMS)} "
            "or 'package.module:Class'"
        )
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except ModuleNotFoundError as err:
        raise ImportError(f"cannot import {module_name!r} for program kind {kind!r}") from err
    if not (isinstance(cls, type) and issubclass(cls, SupportProgram)):
        raise TypeError(f"{kind!r} is not a SupportProgram subclass")
    return cls
