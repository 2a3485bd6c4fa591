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
from povsim.runs import metrics
from povsim.runs.display import result_repr, shape
from povsim.sim.model import PovertyModel
from povsim.sim.streams import run_seed, seed_for
from povsim.sim.villages import VILLAGE_COLUMNS

__all__ = ["RunResult", "simulate"]


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
            f"{self.wall_seconds:.1f} s",
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
