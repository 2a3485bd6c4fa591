"""Which run a scenario makes, for ``povsim run`` and :func:`povsim.run` alike.

A scenario with a ``geography`` section is one county-resolved national run, its
partitions on an executor; a county scenario is one run here, or replications of it on an
executor. Deciding which, and refusing what would go unused, is done here once, so the
command and the function refuse the same things; each brings its own executor, progress
bars and words (an option, ``--partition``, where Python has an argument, ``partition``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from povsim.experiments.ensemble import run_ensemble
from povsim.experiments.national import run_national
from povsim.runs.runner import designation_note, simulate

if TYPE_CHECKING:
    from povsim.config import Scenario
    from povsim.experiments.ensemble import Ensemble
    from povsim.experiments.executors import Executor
    from povsim.runs.counties import NationalResult
    from povsim.runs.progress import RunsProgress
    from povsim.runs.runner import RunResult
    from povsim.sim.model import PovertyModel

__all__ = ["NATIONAL_WHY", "RunPlan", "RunRefused", "plan_run"]

type Pools = Callable[[str, int | None, str], AbstractContextManager[tuple[Executor, RunsProgress]]]
"""An executor and a bar over the tasks run on it, both closed when the block ends: called
with the bar's label, its total (None: the run's plan gives it, through the bar's
``start``) and its unit."""


NATIONAL_WHY = {
    "panel": "no panel of every household of its counties is kept: counties.parquet and "
    "provinces.parquet hold each county's and province's figures by year",
    "replications": "povsim validate runs its replications",
}
"""Why a county-resolved national run takes neither a panel nor replications, in the words
the command and the function share."""


class RunRefused(ValueError):
    """An argument the run would leave unused, refused before anything runs.

    The message names Python's arguments; the command line words it with its options.

    Attributes:
        argument: the one refused: ``partition``, ``panel``, ``replications``,
            ``scheduler``, ``executor`` (a Dask one) or ``workers``.
        only: the runs it is for: ``national`` (county-resolved), ``county``,
            ``single`` or ``replications``.
    """

    def __init__(
        self,
        argument: str,
        only: Literal["national", "county", "single", "replications"],
        message: str,
    ):
        super().__init__(message)
        self.argument = argument
        self.only = only


@dataclass(frozen=True)
class RunPlan:
    """The run :func:`plan_run` decided on, with what it takes.

    Attributes:
        spec: the scenario.
        kind: ``national`` (county-resolved, partitions on an executor), ``single`` (one
            run here) or ``replications`` (on an executor).
        panel: a single run keeps one row per household per year.
        replications: how many (1 but for ``replications``).
        partition: a national run's tasks: ``"province"`` or a number of counties each
            (None for the others).
    """

    spec: Scenario
    kind: Literal["national", "single", "replications"]
    panel: bool
    replications: int
    partition: str | int | None

    def run(
        self,
        seed: int | None,
        pools: Pools,
        *,
        on_step: Callable[[PovertyModel], None] | None = None,
        on_note: Callable[[str], None] | None = None,
    ) -> RunResult | Ensemble | NationalResult:
        """Run it.

        Args:
            seed: defaults to the scenario's.
            pools: where replications or partitions run, and their bar.
            on_step: called after every step of a single run.
            on_note: called, before a national run's partitions, with what its sample
                does not show as asked (:func:`povsim.runs.counties.floor_note`); after a
                county's run or replications, with what they show that is likely not meant
                (:func:`povsim.runs.runner.designation_note`).
        """
        result: RunResult | Ensemble
        if self.kind == "single":
            result = simulate(self.spec, seed, panel=self.panel, on_step=on_step)
        elif self.kind == "replications":
            with pools("replications", self.replications, "runs") as (executor, bar):
                result = run_ensemble(
                    self.spec, seed, self.replications, executor=executor, on_result=bar.advance
                )
        if self.kind != "national":
            # known only once the villages are drawn: said after the runs, not by check
            if on_note is not None and (note := designation_note(self.spec, result.indicators)):
                on_note(note)
            return result
        assert self.partition is not None  # a national plan has one
        with pools("partitions", None, "partitions") as (executor, bar):
            return run_national(
                self.spec,
                seed,
                executor=executor,
                partition=self.partition,
                on_result=bar.advance,
                on_plan=bar.start,
                on_note=on_note,
            )


def plan_run(
    spec: Scenario,
    *,
    panel: bool,
    replications: int,
    partition: str | int | None,
    executor: object,
    workers: object,
    scheduler: str | None,
) -> RunPlan:
    """The run ``spec`` makes with these arguments, each of them checked against it.

    Args:
        spec: the scenario, loaded.
        panel: keep one row per household per year.
        replications: independent replications (checked for range already).
        partition: a national run's tasks; None for the default, ``"province"``.
        executor: the executor asked for (a name, or an Executor).
        workers: the worker processes asked for.
        scheduler: a Dask scheduler's address.

    Raises:
        RunRefused: an argument that run would leave unused.
        ValueError: a partition neither ``"province"`` nor a whole number of counties.
    """
    if spec.geography is not None:
        if panel or replications > 1:
            which = "panel" if panel else "replications"
            raise RunRefused(
                which,
                "county",
                f"{which} is for county scenarios: {spec.name!r} is one county-resolved "
                f"national run ({NATIONAL_WHY[which]})",
            )
        by = "province" if partition is None else partition
        whole = isinstance(by, int) and not isinstance(by, bool)
        if not (by == "province" or (whole and int(by) >= 1)):
            # refused before any executor starts (the command line parses its text first)
            raise ValueError(f"partition: 'province' or a number of counties, not {by!r}")
        return RunPlan(spec, "national", panel, replications, by)
    if partition is not None:
        raise RunRefused(
            "partition",
            "national",
            "partition is for county-resolved scenarios; this is one county",
        )
    if replications > 1:
        if panel:
            raise RunRefused("panel", "single", "panel is for single runs")
        return RunPlan(spec, "replications", panel, replications, None)
    if scheduler or executor == "dask" or workers:
        # one run is one model, run here: a cluster or workers named for it would silently
        # go unused
        which = "scheduler" if scheduler else "executor" if executor == "dask" else "workers"
        raise RunRefused(
            which,
            "replications",
            "a single run runs here: workers and a Dask cluster are for replications > 1",
        )
    return RunPlan(spec, "single", panel, replications, None)
