"""Program kinds: the built-in ones by name, your own by import path.

The built-ins' behaviour is named here by import path and imported only when a model
is built (:func:`povsim.sim.programs.program_class`), so reading a scenario never loads
the simulation, and this layer imports nothing above it.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, get_args

from povsim.config.programs import (
    AssetIncomeConfig,
    Channel,
    ConsumptionConfig,
    EducationConfig,
    EmploymentConfig,
    HealthConfig,
    HousingConfig,
    IndustryConfig,
    InfrastructureConfig,
    MicrocreditConfig,
    MutualAidConfig,
    PairingConfig,
    ProgramConfig,
    PublicJobsConfig,
    RelocationConfig,
    SocialSecurityConfig,
    StudentAidConfig,
    WorkAwayConfig,
)

__all__ = [
    "BUILTIN_CONFIGS",
    "BUILTIN_PROGRAMS",
    "load_kind",
    "program_config_class",
    "trust_imports",
    "trusted_imports",
    "trusting",
]

_TRUSTED: set[str] = set()


def trust_imports(*modules: str) -> None:
    """Let scenarios name program kinds from ``modules`` (a package covers its submodules).

    A scenario file is data: a kind ``'package.module:Class'`` in it would run that module's
    code on import, so only povsim's own kinds and the modules trusted here are imported.
    ``"*"`` trusts every module (``povsim --trust-imports``).
    """
    _TRUSTED.update(modules)


def trusted_imports() -> frozenset[str]:
    """The modules trusted so far (:func:`trust_imports`), for a worker process to trust too."""
    return frozenset(_TRUSTED)


@contextmanager
def trusting(modules: Iterable[str]) -> Iterator[None]:
    """Trust ``modules`` for a while: a worker of a shared cluster runs one client's work
    with that client's trust, and the next client's without it."""
    before = set(_TRUSTED)
    _TRUSTED.update(modules)
    try:
        yield
    finally:
        _TRUSTED.clear()
        _TRUSTED.update(before)


def _trusted(module: str) -> bool:
    return "*" in _TRUSTED or any(module == m or module.startswith(m + ".") for m in _TRUSTED)


def _import(path: str, kind: str) -> type[Any]:
    module_name, _, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise ImportError(
            f"cannot import {module_name!r} for program kind {kind!r} ({err}): the module must "
            "be installed, on PYTHONPATH or, with --trust-imports, in the working directory"
        ) from err
    except (Exception, SystemExit) as err:  # a broken module is the scenario's problem
        raise ImportError(
            f"importing {module_name!r} for program kind {kind!r} failed: "
            f"{type(err).__name__}: {err}"
        ) from None
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise ImportError(
            f"{module_name!r} has no {class_name!r} (program kind {kind!r})"
        ) from None
    # A program class names its settings and has a program's yearly hook: checking its
    # shape keeps this layer below the simulation, and a scenario naming some other class
    # is refused when it is read (povsim.sim.programs.program_class checks the class itself).
    config = getattr(cls, "Config", None)
    if not (isinstance(cls, type) and callable(getattr(cls, "begin_year", None))):
        raise TypeError(f"{kind!r} is not a Program subclass")
    if not (isinstance(config, type) and issubclass(config, ProgramConfig)):
        # A program with a plain pydantic model, or none, was told it was no program.
        raise TypeError(
            f"{kind!r} has Config = {getattr(config, '__qualname__', config)!r}: a program's "
            "settings class must subclass povsim.sim.programs.ProgramConfig"
        )
    # A misspelt channel passed every check and failed deep in the first year's income.
    channel = getattr(cls, "channel", None)
    if channel not in get_args(Channel):
        raise TypeError(
            f"{kind!r} has channel {channel!r}; a program's income comes through one of "
            f"{', '.join(get_args(Channel))}"
        )
    return cls


def load_kind(kind: str) -> type[Any]:
    """The class a program ``kind`` names, a built-in name or ``'package.module:Class'``,
    imported and checked to carry a :class:`ProgramConfig` as its ``Config``.

    Raises:
        LookupError: an unknown built-in name.
        ImportError: the module cannot be imported, or lacks the class.
        TypeError: the class has no settings of its own.
    """
    if kind in BUILTIN_PROGRAMS:
        return _import(BUILTIN_PROGRAMS[kind], kind)
    if ":" not in kind:
        close = difflib.get_close_matches(kind, BUILTIN_PROGRAMS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise LookupError(
            f"unknown program kind {kind!r}: {hint}use one of {sorted(BUILTIN_PROGRAMS)} "
            "or 'package.module:Class'"
        )
    return _import(kind, kind)


BUILTIN_CONFIGS: dict[str, type[ProgramConfig]] = {
    "industry": IndustryConfig,
    "employment": EmploymentConfig,
    "relocation": RelocationConfig,
    "education": EducationConfig,
    "student_aid": StudentAidConfig,
    "health": HealthConfig,
    "social_security": SocialSecurityConfig,
    "housing": HousingConfig,
    "infrastructure": InfrastructureConfig,
    "microcredit": MicrocreditConfig,
    "mutual_aid": MutualAidConfig,
    "public_jobs": PublicJobsConfig,
    "asset_income": AssetIncomeConfig,
    "pairing": PairingConfig,
    "consumption": ConsumptionConfig,
    "work_away": WorkAwayConfig,
}
"""Built-in kind -> its settings, so a scenario is checked without loading the simulation."""

BUILTIN_PROGRAMS: dict[str, str] = {
    kind: f"povsim.sim.programs.{kind}:{config.__name__.removesuffix('Config')}"
    for kind, config in BUILTIN_CONFIGS.items()
}
"""Built-in kind -> ``module:Class``: each kind's module is named for it, its class for its
settings (``IndustryConfig`` -> ``Industry``)."""


def program_config_class(kind: str) -> type[ProgramConfig]:
    """The settings class a program table of ``kind`` is validated with.

    Raises:
        LookupError: an unknown kind, or one from a module that is not trusted
            (:func:`trust_imports`): nothing is imported then.
    """
    if kind in BUILTIN_CONFIGS:
        return BUILTIN_CONFIGS[kind]
    module = kind.partition(":")[0]
    if ":" in kind and not _trusted(module):
        raise LookupError(
            f"program kind {kind!r} would import {module!r}, which is not trusted: run "
            f"`povsim --trust-imports ...` or call povsim.config.trust_imports({module!r})"
        )
    config: type[ProgramConfig] = load_kind(kind).Config
    return config
