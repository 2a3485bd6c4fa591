"""Configuration: the scenario schema, its loader, dotted paths, errors and program kinds.

The bottom layer: it imports only pydantic and the standard library, so checking a
scenario file never loads NumPy, pandas or Mesa. Its public names load on first use, so a
module that needs one constant of it (the command line's limits, :mod:`povsim.config.limits`)
does not build every schema: that was most of ``povsim --help``'s second.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from povsim.config.errors import ScenarioError, ScenarioProblem, problems_from
    from povsim.config.fields import Probability, setting
    from povsim.config.loader import (
        DESIGN,
        PROBLEM,
        SCENARIO,
        TARGETS,
        input_kind,
        load_scenario,
        load_settings,
        one_county,
        read_merged,
        read_toml,
        referenced_scenario,
    )
    from povsim.config.paths import as_field_type, get_path, not_varied, parse_override, set_path
    from povsim.config.programs import ProgramConfig
    from povsim.config.registry import BUILTIN_PROGRAMS, trust_imports
    from povsim.config.schema import Scenario

_LAZY = {
    "ScenarioError": "povsim.config.errors",
    "ScenarioProblem": "povsim.config.errors",
    "problems_from": "povsim.config.errors",
    "Probability": "povsim.config.fields",
    "setting": "povsim.config.fields",
    "DESIGN": "povsim.config.loader",
    "PROBLEM": "povsim.config.loader",
    "SCENARIO": "povsim.config.loader",
    "TARGETS": "povsim.config.loader",
    "input_kind": "povsim.config.loader",
    "load_scenario": "povsim.config.loader",
    "load_settings": "povsim.config.loader",
    "one_county": "povsim.config.loader",
    "read_merged": "povsim.config.loader",
    "read_toml": "povsim.config.loader",
    "referenced_scenario": "povsim.config.loader",
    "as_field_type": "povsim.config.paths",
    "get_path": "povsim.config.paths",
    "not_varied": "povsim.config.paths",
    "parse_override": "povsim.config.paths",
    "set_path": "povsim.config.paths",
    "ProgramConfig": "povsim.config.programs",
    "BUILTIN_PROGRAMS": "povsim.config.registry",
    "trust_imports": "povsim.config.registry",
    "Scenario": "povsim.config.schema",
}

__all__ = [
    "BUILTIN_PROGRAMS",
    "DESIGN",
    "PROBLEM",
    "SCENARIO",
    "TARGETS",
    "Probability",
    "ProgramConfig",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "as_field_type",
    "get_path",
    "input_kind",
    "load_scenario",
    "load_settings",
    "not_varied",
    "one_county",
    "parse_override",
    "problems_from",
    "read_merged",
    "read_toml",
    "referenced_scenario",
    "set_path",
    "setting",
    "trust_imports",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'povsim.config' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
