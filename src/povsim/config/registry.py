"""Program kinds: the built-in ones by name, your own by import path.

The built-ins are named here by import path and imported only when a scenario uses
them, so reading a scenario never loads the simulation (and the configuration layer
imports nothing above it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from povsim.config.program import ProgramConfig

if TYPE_CHECKING:
    from povsim.sim.programs.base import Program

__all__ = ["BUILTIN_PROGRAMS", "program_class", "program_config_class"]

BUILTIN_PROGRAMS: dict[str, str] = {
    "industry": "povsim.sim.programs.industry:Industry",
    "employment": "povsim.sim.programs.employment:Employment",
    "relocation": "povsim.sim.programs.relocation:Relocation",
    "education": "povsim.sim.programs.education:Education",
    "health": "povsim.sim.programs.health:Health",
    "social_security": "povsim.sim.programs.social_security:SocialSecurity",
    "housing": "povsim.sim.programs.housing:Housing",
    "infrastructure": "povsim.sim.programs.infrastructure:Infrastructure",
}
"""Built-in kind -> ``module:Class``."""


def _import(path: str, kind: str) -> type[Program]:
    from povsim.sim.programs.base import Program

    module_name, _, class_name = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except ModuleNotFoundError as err:
        raise ImportError(f"cannot import {module_name!r} for program kind {kind!r}") from err
    if not (isinstance(cls, type) and issubclass(cls, Program)):
        raise TypeError(f"{kind!r} is not a Program subclass")
    return cls


def program_class(kind: str) -> type[Program]:
    """The class for a program ``kind``: a built-in name or ``'package.module:Class'``."""
    if kind in BUILTIN_PROGRAMS:
        return _import(BUILTIN_PROGRAMS[kind], kind)
    if ":" not in kind:
        raise LookupError(
            f"unknown program kind {kind!r}: use one of {sorted(BUILTIN_PROGRAMS)} "
            "or 'package.module:Class'"
        )
    return _import(kind, kind)


def program_config_class(kind: str) -> type[ProgramConfig]:
    """The settings class a program table of ``kind`` is validated with."""
    return program_class(kind).Config
