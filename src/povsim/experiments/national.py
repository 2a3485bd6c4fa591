"""A county-resolved national run split into partitions on any executor.

Each partition (a province, or a group of counties) is one task; its worker runs the
partition's counties one at a time and sends back their small tables, so a worker
holds one county's households at a time whatever the national size. Every county
runs on its own seed spawned from the run's (:func:`povsim.runs.counties.county_seed`),
so the result is the same for any partitioning and any executor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from povsim.config import Scenario, arguments
from povsim.experiments.executors import Executor, given
from povsim.runs.counties import (
    CountyRun,
    NationalResult,
    aggregate,
    check_memory,
    county_specs,
    floor_note,
    partition_cost,
    partitions,
    require_national_rules,
    run_partition,
)
from povsim.sim.streams import run_seed

__all__ = ["run_national"]


def run_national(
    scenario: Scenario,
    seed: int | None = None,
    *,
    executor: Executor | None = None,
    partition: str | int = "province",
    on_result: Callable[[], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> NationalResult:
    """Run every county of ``scenario`` (which has a geography) and aggregate them.

    Args:
        scenario: a scenario with a ``geography`` section.
        seed: defaults to ``scenario.seed``.
        executor: where partitions run (default: here, one after another).
        partition: ``"province"``, or a number of counties per partition.
        on_result: called as each partition comes back (a progress bar).
        on_plan: called with the number of partitions (and 0 done) before any runs.
        on_note: called before any runs with what the sample drawn does not show as asked
            (:func:`povsim.runs.counties.floor_note`), if anything.
    """
    arguments.loaded("scenario", scenario)
    require_national_rules()
    seed = run_seed(seed, scenario.seed)
    started, clock = datetime.now(UTC), time.perf_counter()
    specs = county_specs(scenario, seed)
    check_memory(scenario, specs)
    if on_note is not None and (note := floor_note(scenario, specs)) is not None:
        on_note(note)
    # Longest first, so no long partition is left running alone at the end (results are
    # put back in county order, so the order of running changes nothing). By agents alone,
    # Tibet's many small counties ran last, alone, for the last 12 s of 148 on two workers.
    groups = sorted(partitions(specs, partition), key=partition_cost, reverse=True)
    if on_plan is not None:
        on_plan(len(groups), 0)
    runs: list[CountyRun] = []

    def collect(index: int, result: list[CountyRun]) -> None:
        runs.extend(result)
        if on_result is not None:
            on_result()

    where = given(executor)
    where.run(run_partition, groups, collect)
    result = aggregate(
        scenario, seed, specs, runs, started=started, clock=clock, partitions=len(groups)
    )
    result.executor = {**where.describe(), "partition": partition}
    return result
