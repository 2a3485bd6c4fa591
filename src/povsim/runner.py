"""Running one scenario: build the model, step it, collect the results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.model import PovertyModel
from povsim.scenario import Scenario

__all__ = ["RunResult", "simulate"]


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        scenario: the resolved scenario that ran.
        seed: the seed it ran with.
        indicators: one row per year (see :data:`povsim.indicators.INDICATORS`).
        villages: one row per village, its state at the end.
        panel: one row per household per year, when asked for.
        county_exit_year: first year the county's registered incidence was below its threshold.
        started, finished: wall-clock times (UTC).
        wall_seconds: how long the run took.
        path: the run directory, once written.
    """

    scenario: Scenario
    seed: int
    indicators: pd.DataFrame
    villages: pd.DataFrame
    panel: pd.DataFrame | None
    county_exit_year: int | None
    started: datetime
    finished: datetime
    wall_seconds: float
    path: Path | None = field(default=None)

    def summary(self) -> dict[str, float | int | None]:
        """Headline figures over the whole run."""
        ind = self.indicators
        first, last = ind.iloc[0], ind.iloc[-1]
        registered_at_start = int(first["registered_households_start"])
        ever_exited = int(last["ever_exited_households"])
        return {
            "first_year": int(first["year"]),
            "last_year": int(last["year"]),
            "incidence_start": float(first["incidence"]),
            "incidence_end": float(last["incidence"]),
            "registered_households_start": registered_at_start,
            "registered_households_end": int(last["registered_households"]),
            "exits_households": int(ind["exits_households"].sum()),
            "exits_people": int(ind["exits_people"].sum()),
            "relapses_households": int(ind["relapses_households"].sum()),
            "new_entrants_households": int(ind["new_entrants_households"].sum()),
            "removed_households": int(ind["removed_households"].sum()),
            "ever_exited_households": ever_exited,
            "poor_villages": int(last["poor_villages"]),
            "villages_exited": int(last["villages_exited"]),
            "county_exit_year": self.county_exit_year,
        }


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    *,
    panel: bool = False,
    on_step: Callable[[PovertyModel], None] | None = None,
) -> RunResult:
    """Run ``scenario`` from its first to its last year.

    Args:
        scenario: a validated scenario.
        seed: defaults to ``scenario.seed``.
        panel: also keep one row per household per year.
        on_step: called after every step (e.g. to advance a progress bar).
    """
    seed = scenario.seed if seed is None else int(seed)
    started, clock = datetime.now(UTC), time.perf_counter()
    model = PovertyModel(scenario, seed, panel=panel)
    if on_step is not None:
        model.step_listeners.append(on_step)
    model.run()
    v = model.villages
    villages = v.frame()
    villages.insert(0, "village", np.arange(len(v), dtype=np.int32))
    return RunResult(
        scenario=scenario,
        seed=seed,
        indicators=model.indicators(),
        villages=villages,
        panel=model.panel(),
        county_exit_year=model.county_exit_year,
        started=started,
        finished=datetime.now(UTC),
        wall_seconds=time.perf_counter() - clock,
    )
