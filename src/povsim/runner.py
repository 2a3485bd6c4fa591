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
from povsim.streams import seed_for

__all__ = ["RunResult", "has_support", "simulate"]


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        scenario: the resolved scenario that ran.
        seed: the seed it ran with.
        replication: which replication of ``seed`` (None: a single run on the plain seed).
        indicators: one row per year (see :data:`povsim.indicators.INDICATORS`).
        villages: one row per village, its state at the end.
        panel: one row per household per year, when asked for.
        pathways: exits credited to each program, and primary pathways, per year.
        spending: budget, spending and enrolment per program per year.
        counterfactual: indicators of the same county, seed and shocks without any
            support (no program money, no work teams), when the scenario has support.
        county_exit_year: first year the county's registered incidence was below its threshold.
        started, finished: wall-clock times (UTC).
        wall_seconds: how long the run took.
        path: the run directory, once written.
    """

    scenario: Scenario
    seed: int
    replication: int | None
    indicators: pd.DataFrame
    villages: pd.DataFrame
    panel: pd.DataFrame | None
    pathways: pd.DataFrame
    spending: pd.DataFrame
    counterfactual: pd.DataFrame | None
    county_exit_year: int | None
    started: datetime
    finished: datetime
    wall_seconds: float
    path: Path | None = field(default=None)

    def summary(self) -> dict[str, float | int | None]:
        """Headline figures over the whole run.

        Costs are yuan. ``relapses_avoided`` compares with the counterfactual at equal
        exposure: the counterfactual's relapses per exited household-year times this
        run's exited household-years, less this run's relapses (more exits mean more
        households at risk, so raw counts would mislead).
        """
        ind = self.indicators
        first, last = ind.iloc[0], ind.iloc[-1]
        spending = float(ind["spending_yuan"].sum())
        exits = int(ind["exits_households"].sum())
        relapses = int(ind["relapses_households"].sum())
        summary: dict[str, float | int | None] = {
            "first_year": int(first["year"]),
            "last_year": int(last["year"]),
            "incidence_start": float(first["incidence"]),
            "incidence_end": float(last["incidence"]),
            "registered_households_start": int(first["registered_households_start"]),
            "registered_households_end": int(last["registered_households"]),
            "exits_households": exits,
            "exits_people": int(ind["exits_people"].sum()),
            "relapses_households": relapses,
            "new_entrants_households": int(ind["new_entrants_households"].sum()),
            "removed_households": int(ind["removed_households"].sum()),
            "ever_exited_households": int(last["ever_exited_households"]),
            "cumulative_exit_share": float(last["cumulative_exit_share"]),
            "cumulative_relapse_share": float(last["cumulative_relapse_share"]),
            "poor_villages": int(last["poor_villages"]),
            "villages_exited": int(last["villages_exited"]),
            "county_exit_year": self.county_exit_year,
            "spending_yuan": spending,
            "cost_per_exit": spending / exits if exits and spending else None,
        }
        cf = self.counterfactual
        if cf is not None:
            extra_exits = exits - int(cf["exits_households"].sum())
            exposure = float(ind["exited_households_start"].sum())
            cf_exposure = float(cf["exited_households_start"].sum())
            cf_rate = cf["relapses_households"].sum() / cf_exposure if cf_exposure else 0.0
            avoided = cf_rate * exposure - relapses
            summary |= {
                "incidence_end_without_support": float(cf["incidence"].iloc[-1]),
                "additional_exits": extra_exits,
                "cost_per_additional_exit": spending / extra_exits if extra_exits > 0 else None,
                "relapses_avoided": avoided,
                "cost_per_relapse_avoided": spending / avoided if avoided > 0 else None,
            }
        return summary


def has_support(scenario: Scenario) -> bool:
    """Whether any program has money in any year, or work teams are sent."""
    if scenario.villages.work_teams:
        return True
    for program in scenario.programs.values():
        if program.budget is not None:
            if any(v > 0 for v in program.budget.values()):
                return True
        elif program.share > 0 and any(scenario.funds(y) > 0 for y in scenario.years):
            return True
    return False


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    *,
    replication: int | None = None,
    panel: bool = False,
    on_step: Callable[[PovertyModel], None] | None = None,
    counterfactual: bool = True,
) -> RunResult:
    """Run ``scenario`` from its first to its last year.

    Args:
        scenario: a validated scenario.
        seed: defaults to ``scenario.seed``.
        replication: run replication number ``replication`` of ``seed``
            (:func:`povsim.streams.seed_for`); None runs the plain seed.
        panel: also keep one row per household per year.
        on_step: called after every step (e.g. to advance a progress bar).
        counterfactual: when the scenario has support, also run it without support on
            the same seed (same population and shocks) for the summary's comparisons.
    """
    seed = scenario.seed if seed is None else int(seed)
    started, clock = datetime.now(UTC), time.perf_counter()
    model = PovertyModel(scenario, seed_for(seed, replication), panel=panel)
    if on_step is not None:
        model.step_listeners.append(on_step)
    model.run()
    v = model.villages
    villages = v.frame()
    villages.insert(0, "village", np.arange(len(v), dtype=np.int32))
    without = None
    if counterfactual and has_support(scenario):
        without = simulate(
            scenario.without_support(),
            seed,
            replication=replication,
            on_step=on_step,
            counterfactual=False,
        ).indicators
    return RunResult(
        scenario=scenario,
        seed=seed,
        replication=replication,
        indicators=model.indicators(),
        villages=villages,
        panel=model.panel(),
        pathways=model.pathways(),
        spending=model.spending(),
        counterfactual=without,
        county_exit_year=model.county_exit_year,
        started=started,
        finished=datetime.now(UTC),
        wall_seconds=time.perf_counter() - clock,
    )
