"""povsim: an agent-based simulator of China's targeted poverty alleviation, on Mesa.

Typical use::

    import povsim
    result = povsim.run("scenarios/baseline.toml", seed=1)
    result.indicators  # one row per year
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from povsim.households import Cause, Hardship, Household, HouseholdState, Status
from povsim.indicators import INDICATORS
from povsim.model import PovertyModel
from povsim.runner import RunResult, simulate
from povsim.scenario import Scenario, ScenarioError, load_scenario
from povsim.store import write_run
from povsim.villages import Village, VillageState

try:
    __version__ = version("povsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "INDICATORS",
    "Cause",
    "Hardship",
    "Household",
    "HouseholdState",
    "PovertyModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Status",
    "Village",
    "VillageState",
    "load_scenario",
    "run",
    "simulate",
    "write_run",
]


def run(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    panel: bool = False,
) -> RunResult:
    """Run a scenario (a file or a :class:`Scenario`), as ``povsim run`` does.

    Args:
        scenario: a TOML path or a loaded scenario.
        seed: defaults to the scenario's seed.
        overrides: ``dotted.path=value`` strings, as ``--set`` takes.
        out: when given, write a run directory there.
        panel: keep one row per household per year.

    Returns:
        The result; ``result.path`` is the run directory when ``out`` was given.
    """
    source = None
    if not isinstance(scenario, Scenario):
        source = str(scenario)
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise ValueError("overrides apply to scenario files; use Scenario.updated() instead")
    result = simulate(scenario, seed, panel=panel)
    if out is not None:
        write_run(result, Path(out), source=source, overrides=list(overrides))
    return result
