"""Replications of one scenario: independent streams spawned from one seed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from povsim.config import Scenario, arguments
from povsim.experiments.executors import Executor, given
from povsim.experiments.tasks import RunSpec, execute
from povsim.runs.display import result_repr, shape
from povsim.runs.metrics import clip_intervals
from povsim.runs.runner import RunResult
from povsim.runs.stats import summarise
from povsim.sim.streams import run_seed

__all__ = ["Ensemble", "run_ensemble"]


def _stack(frames: list[pd.DataFrame | None], replications: list[int]) -> pd.DataFrame | None:
    present = [f for f in frames if f is not None]
    if len(present) < len(frames) or not present:
        return None
    stacked = [f.assign(replication=r) for f, r in zip(present, replications, strict=True)]
    out = pd.concat(stacked, ignore_index=True)
    return out[["replication", *[c for c in out.columns if c != "replication"]]]


def _required(frame: pd.DataFrame | None) -> pd.DataFrame:
    assert frame is not None
    return frame


@dataclass
class Ensemble:
    """Replications of one scenario; frames carry a ``replication`` column.

    It offers the same tables as a :class:`~povsim.runs.runner.RunResult`, stacked, so it
    writes to a run directory and plots the same way.
    """

    scenario: Scenario
    seed: int
    results: list[RunResult]
    started: datetime
    finished: datetime
    wall_seconds: float
    path: Path | None = field(default=None)
    panel: None = None
    executor: dict[str, Any] = field(default_factory=dict)
    """Where the replications ran (:meth:`Executor.describe`), for the manifest."""

    @property
    def replications(self) -> int:
        return len(self.results)

    def _stacked(self, name: str) -> pd.DataFrame | None:
        return _stack(
            [r.tables().get(name) for r in self.results],
            [r.replication or 0 for r in self.results],
        )

    @property
    def indicators(self) -> pd.DataFrame:
        return _required(self._stacked("indicators"))

    @property
    def villages(self) -> pd.DataFrame:
        return _required(self._stacked("villages"))

    @property
    def pathways(self) -> pd.DataFrame:
        return _required(self._stacked("pathways"))

    @property
    def spending(self) -> pd.DataFrame:
        return _required(self._stacked("spending"))

    @property
    def counterfactual(self) -> pd.DataFrame | None:
        return self._stacked("counterfactual")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every replication's tables stacked, and ``summary``: one row per replication."""
        names = self.results[0].tables() if self.results else {}
        tables = {name: self._stacked(name) for name in names}
        tables["summary"] = self.summaries()
        return {name: frame for name, frame in tables.items() if frame is not None}

    def __repr__(self) -> str:
        years = self.scenario.years
        # Sizes of the stacked tables without stacking them: a repr should cost nothing.
        each = [r.tables() for r in self.results]
        names = [n for n in (each[0] if each else {}) if all(n in t for t in each)]
        sizes = {
            name: shape(sum(len(t[name]) for t in each), each[0][name].shape[1] + 1)
            for name in names
        }
        return result_repr(
            type(self).__name__,
            f"{self.scenario.name!r}, seed {self.seed}, {self.replications} replications, "
            f"{years[0]}-{years[-1]}, {self.wall_seconds:.1f} s",
            sizes,
            ".summary_intervals(): each outcome's mean and 95% interval; "
            ".summaries(): one row per replication",
            self.path,
        )

    def summaries(self) -> pd.DataFrame:
        """One row of outcomes per replication."""
        rows = [{"replication": r.replication, **r.summary()} for r in self.results]
        return pd.DataFrame(rows)

    def summary_intervals(self) -> pd.DataFrame:
        """Mean and 95% t-interval of every outcome's mean over the replications, cut to the
        values the outcome can take (:attr:`~povsim.runs.metrics.Outcome.least`,
        :attr:`~povsim.runs.metrics.Outcome.most`)."""
        table = self.summaries()
        return clip_intervals(
            summarise(table, [], [c for c in table.columns if c != "replication"])
        )

    def summary(self) -> dict[str, float]:
        """Each outcome's mean over the replications that have a value: the mean
        :meth:`summary_intervals` and ``compare`` give (the county's exit year was a median
        here and a mean there)."""
        table = self.summaries()
        return {name: float(table[name].mean()) for name in table.columns if name != "replication"}

    def manifest_fields(self) -> dict[str, Any]:
        return {
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "wall_seconds": round(self.wall_seconds, 4),
            "summary_intervals": self.summary_intervals().to_dict("records"),
            **self.executor,
        }


def run_ensemble(
    scenario: Scenario,
    seed: int | None = None,
    replications: int = 10,
    *,
    executor: Executor | None = None,
    counterfactual: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
) -> Ensemble:
    """Run ``replications`` independent replications of ``scenario``.

    Args:
        scenario: the scenario.
        seed: base seed (defaults to the scenario's); replication ``r`` runs on child
            ``r`` of ``SeedSequence(seed)``, whatever the executor.
        replications: how many.
        executor: where to run them (default: serially here).
        counterfactual: also run each without support (for relapses avoided).
        on_result: called in this process as each replication finishes.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or range, named, before
            anything runs.
    """
    # Unchecked, a file name failed as "'str' object has no attribute 'seed'" and no
    # replications as a KeyError once the empty ensemble was summarised.
    arguments.loaded("scenario", scenario)
    arguments.replications(replications)
    arguments.flag("counterfactual", counterfactual)
    arguments.function("on_result", on_result, "as each run finishes")
    seed = run_seed(seed, scenario.seed)
    specs = [RunSpec(scenario, seed, r, counterfactual) for r in range(replications)]
    results: list[RunResult | None] = [None] * replications
    started, clock = datetime.now(UTC), time.perf_counter()

    def collect(index: int, result: RunResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    where = given(executor)
    where.run(execute, specs, collect)
    return Ensemble(
        scenario=scenario,
        seed=seed,
        results=[r for r in results if r is not None],
        started=started,
        finished=datetime.now(UTC),
        wall_seconds=time.perf_counter() - clock,
        executor=where.describe(),
    )
