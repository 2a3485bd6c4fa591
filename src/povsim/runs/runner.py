"""Running one scenario: build the model, step it, collect the results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from povsim.config import Scenario, arguments
from povsim.config.loader import FEW_VILLAGES
from povsim.runs import metrics
from povsim.runs.display import result_repr, shape
from povsim.sim.model import PovertyModel
from povsim.sim.streams import run_seed, seed_for
from povsim.sim.villages import VILLAGE_COLUMNS

__all__ = ["FewPoorVillages", "RunResult", "designation_note", "simulate"]


@dataclass
class RunResult:
    """What one run produced.

    Attributes:
        scenario: the resolved scenario that ran.
        seed: the seed it ran with.
        replication: which replication of ``seed`` (None: a single run on the plain seed).
        indicators: one row per year (see :data:`povsim.sim.indicators.INDICATORS`).
        villages: one row per village, its state at the end.
        panel: one row per household per year, when asked for.
        pathways: exits credited to each program, and primary pathways, per year.
        spending: budget, spending and enrolment per program per year.
        counterfactual: indicators of the same county, seed and shocks without any
            support (no program money, no work teams, no relapse monitoring), when the
            scenario has support.
        started: wall-clock start (UTC).
        finished: wall-clock finish (UTC).
        wall_seconds: how long the run took, its counterfactual's run included.
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
    started: datetime
    finished: datetime
    wall_seconds: float
    path: Path | None = field(default=None)

    @property
    def replications(self) -> int:
        """Runs behind these tables (1; an ensemble has more)."""
        return 1

    def summary(self) -> dict[str, float]:
        """Every outcome of :mod:`povsim.runs.metrics` this run's tables allow."""
        return metrics.summary(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The run's tables as a run directory holds them (``NAME.parquet``), but for
        ``summary``, which :func:`povsim.runs.store.write_run` adds from :meth:`summary`."""
        tables = {
            "indicators": self.indicators,
            "villages": self.villages,
            "pathways": self.pathways,
            "spending": self.spending,
            "counterfactual": self.counterfactual,
            "households": self.panel,
        }
        return {name: frame for name, frame in tables.items() if frame is not None}

    def __repr__(self) -> str:
        which = "" if self.replication is None else f", replication {self.replication}"
        years = self.scenario.years
        return result_repr(
            type(self).__name__,
            f"{self.scenario.name!r}, seed {self.seed}{which}, {years[0]}-{years[-1]}, "
            f"simulated in {self.wall_seconds:.1f} s",
            {name: shape(*frame.shape) for name, frame in self.tables().items()},
            ".summary(): every outcome; .indicators: one row per year",
            self.path,
        )

    def manifest_fields(self) -> dict[str, Any]:
        """The run's own timing, and where it ran (here: a single run is never sent to an
        executor), for the manifest."""
        return {
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "wall_seconds": round(self.wall_seconds, 4),
            "executor": "serial",
            "workers": 1,
        }


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
            (:func:`povsim.sim.streams.seed_for`); None runs the plain seed.
        panel: also keep one row per household per year.
        on_step: called after every step (e.g. to advance a progress bar), the
            counterfactual's steps too: a run with support steps its years twice.
        counterfactual: when the scenario has support, also run it without support on
            the same seed (same population and shocks) for the summary's comparisons.
    """
    arguments.loaded("scenario", scenario)
    if replication is not None:
        arguments.whole("replication", replication, least=0)
    arguments.flag("panel", panel)
    arguments.flag("counterfactual", counterfactual)
    # called only once the model is built and stepping: refused there, it was "'int' object
    # is not callable" from inside the model
    arguments.function("on_step", on_step, "after every step")
    seed = run_seed(seed, scenario.seed)
    started, clock = datetime.now(UTC), time.perf_counter()
    model = PovertyModel(scenario, seed_for(seed, replication), panel=panel)
    if on_step is not None:
        model.step_listeners.append(on_step)
    model.run()
    v = model.villages
    villages = v.frame(VILLAGE_COLUMNS)
    villages.insert(0, "village", np.arange(len(v), dtype=np.int32))
    # 0 marks "not yet" inside the model; a table reader would take it for a year
    villages["exit_year"] = villages["exit_year"].astype("Int16").mask(villages["exit_year"] == 0)
    without = None
    if counterfactual and scenario.has_support():
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
        started=started,
        finished=datetime.now(UTC),
        wall_seconds=time.perf_counter() - clock,
    )


class FewPoorVillages(UserWarning):
    """A run designated few poor villages for its registered incidence
    (:func:`designation_note`)."""


FEW_AGENTS_A_VILLAGE = 20
"""Fewer agents a sample village than this, and its incidence is sampling noise (a registered
agent or two): Shandan at 300 agents (3 a village) designated 1 of its 116 villages, 10 at its
own 49,350; below it no designation is judged."""

FEW_DESIGNATED = 0.25
"""Designated poor villages, as a share of the villages, under this share of the registered
incidence make a note: the shipped counties that compare villages with their own rate
designate 0.6-2.2 times it (Guiyang none, as its source has it); a multiple of 2 over a
county's own 20% (Chongzuo's "county" without its fitted multiple of 1.09) designated
0.1-0.2 times it."""


def designation_note(scenario: Scenario, indicators: pd.DataFrame) -> str | None:
    """Why a run (or its replications, ``indicators`` stacked) designated so few poor villages
    for its register that it may not be meant, or None.

    Designation compares a village with ``villages.designation_incidence``: "county" is the
    county's own rate, and the baseline's multiple of 2 over it (the rule's, over a province's
    rate) lets almost no village of a poor county qualify; a county copied from another with
    "county" but not its multiple designated 0-6 of 120 villages at 20% incidence, and its
    programs for poor villages left their money unspent, without a word. Only known once the
    villages are drawn, so said after the run. Only "county" is noted (a county may be little
    poorer than its province, whose rate is given), not a quota (``designation_quota``), nor
    a sample of fewer than :data:`~povsim.config.loader.FEW_VILLAGES` villages or
    :data:`FEW_AGENTS_A_VILLAGE` agents a village.

    Args:
        scenario: the run's scenario.
        indicators: its indicators, one replication's or several stacked.

    Returns:
        The note, naming the villages designated, the registered share and the programs
        that serve only poor villages; None when the designation is not in question.
    """
    rule, pop = scenario.villages, scenario.population
    if rule.designation_incidence != "county" or rule.designation_quota is not None:
        return None  # a province's rate may well be near the county's; a quota is a count
    if scenario.geography is not None or pop.villages < FEW_VILLAGES:
        return None  # a national run compares with provinces; few villages count coarsely
    if pop.households < FEW_AGENTS_A_VILLAGE * pop.villages:
        return None  # a village of a few agents: the loader's note says to read it as rough
    first = indicators[indicators["year"] == indicators["year"].min()]
    people = float(first["population_people"].sum())
    if people <= 0:
        return None
    registered = float(first["registered_people_start"].sum()) / people
    villages = pop.represents_villages or pop.villages
    designated = float(first["poor_villages"].mean())
    if designated / villages >= FEW_DESIGNATED * registered:
        return None
    idle = [
        name
        for name, p in scenario.programs.items()
        if p.poor_villages_only
        and (p.share > 0 if p.budget is None else any(v > 0 for v in p.budget.values()))
    ]
    unspent = (
        f"; {', '.join(idle)} {'serves' if len(idle) == 1 else 'serve'} only poor villages and "
        "may leave money unspent"
        if idle
        else ""
    )
    return (
        f"{designated:,.0f} of {villages:,} villages designated poor ({designated / villages:.1%}) "
        f"where {registered:.1%} of people are registered: villages.designation_multiple "
        f"({rule.designation_multiple:g}) times the county's own incidence "
        f'(designation_incidence = "county") lets few villages qualify{unspent} (set the '
        "multiple with the county, as scenarios/regions/chongzuo.toml does, or "
        "villages.designation_quota)"
    )
