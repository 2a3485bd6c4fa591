"""Configuration: the scenario schema, its loader, dotted paths, errors and program kinds.

The bottom layer: it imports only pydantic and the standard library, so checking a
scenario file never loads NumPy, pandas or Mesa.
"""

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
