"""Validation: run scenarios with replications and hold them against their targets.

Every target's simulated value is the mean over replications, with a 95% interval;
a target passes when the mean is within its tolerance. A target without a value in some
replication (a mean income of nobody registered) has no verdict: ``undefined``, and its note
says in how many.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from povsim.config import Scenario, arguments
from povsim.config.loader import FEW_VILLAGES
from povsim.experiments.calibration.targets import (
    ENROLLED,
    ENROLLED_ALL,
    PATHWAY_SHARE,
    REACH_SHARE,
    REACHED,
    SPENT,
    Target,
    TargetsFile,
)
from povsim.experiments.executors import EXECUTOR_HINT, Executor, given
from povsim.runs import metrics
from povsim.runs.counties import REGION_RATIOS, NationalResult, simulate_counties
from povsim.runs.runner import RunResult, simulate
from povsim.runs.stats import mean_interval

__all__ = ["measure", "resized", "scaled_errors", "simulate_targets", "target_table", "validate"]


def resized(scenario: Scenario, households: int | None) -> Scenario:
    """The same population drawn as a sample of ``households`` agents.

    The weights keep every total real, and the sample villages shrink with the
    agents, so each village keeps as many agents as in the full profile: village
    incidences (and so poor-village designation and village exit) stay as noisy as
    there.
    """
    pop = scenario.population
    if households is None or households == pop.households:
        return scenario
    villages = max(1, round(pop.villages * households / pop.households))
    return scenario.updated(
        {
            "population.households": households,
            "population.represents": pop.represents or pop.households,
            "population.villages": villages,
            "population.represents_villages": pop.represents_villages or pop.villages,
        }
    )


def _few_villages(profile: Scenario, sample: Scenario) -> str | None:
    """Why a smaller sample's village targets mean little, or None where they do."""
    villages = sample.population.villages
    if villages >= FEW_VILLAGES or villages >= profile.population.villages:
        return None
    real = sample.population.represents_villages or profile.population.villages
    pop = profile.population
    # resized rounds the villages: the least sample that rounds to FEW_VILLAGES
    enough = math.ceil((FEW_VILLAGES - 0.5) * pop.households / pop.villages)
    word = "village" if villages == 1 else "villages"
    return (
        f"a sample of {sample.population.households:,} agents has {villages} {word}, "
        f"each standing for {real / villages:,.0f}, so a village count moves in steps that size "
        f"(--households {enough:,} or more for {FEW_VILLAGES} villages)"
    )


def measure(run: RunResult | NationalResult, targets: Sequence[Target]) -> np.ndarray:
    """Each target's simulated value in one run."""
    years = run.indicators.set_index("year")
    values = np.empty(len(targets))
    for i, target in enumerate(targets):
        if target.indicator == PATHWAY_SHARE:
            rows = run.pathways[run.pathways["year"] == target.year].set_index("program")
            total = years.at[target.year, f"exits_{target.basis}"]
            credited = rows.at[target.program, f"exited_{target.basis}"]
            values[i] = float(credited / total) if total else 0.0
        elif target.indicator in (ENROLLED, ENROLLED_ALL, REACHED, REACH_SHARE, SPENT):
            ledger = run.spending[run.spending["program"] == target.program]
            people = target.basis == "people"
            if target.indicator == SPENT:
                values[i] = float(ledger.loc[ledger["year"] == target.year, "spent_yuan"].sum())
            elif target.indicator in (ENROLLED, ENROLLED_ALL):
                column = "enrolled_people" if people else "enrolled"
                if target.indicator == ENROLLED:
                    column = f"register_{column}"
                values[i] = float(ledger.loc[ledger["year"] == target.year, column].sum())
            elif target.indicator == REACHED:
                column = "new_people" if people else "new_enrolments"
                values[i] = float(ledger.loc[ledger["year"] <= target.year, column].sum())
            else:  # each household once, however often and by whichever of its kind
                this_year = ledger["year"] == target.year
                reached = float(ledger.loc[this_year, "support_reached"].sum())
                # The census's base: the register's households, exited or not.
                registered = (
                    years.at[target.year, "registered_households"]
                    + years.at[target.year, "exited_households"]
                )
                values[i] = reached / registered if registered else 0.0
        elif target.region is not None or target.province is not None:
            values[i] = _region_value(run, target)
        else:
            values[i] = metrics.outcome(target.label).value(run)
    return values


def _region_value(run: RunResult | NationalResult, target: Target) -> float:
    """A region's or a province's figure from a county-resolved run's provinces: counts add
    up, incidences are recomputed over its people."""
    if not isinstance(run, NationalResult):
        raise TypeError(f"{target.label} needs a county-resolved run")
    p = run.provinces
    place = p["region"] == target.region if target.region else p["province"] == target.province
    rows = p[place & (p["year"] == target.year)]
    if target.indicator in REGION_RATIOS:
        part, whole = (float(rows[c].sum()) for c in REGION_RATIOS[target.indicator])
        return part / whole if whole else 0.0
    return float(rows[target.indicator].sum())


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    seed: int
    replication: int
    targets: tuple[Target, ...]


def _measure_task(task: _Task) -> np.ndarray:
    run: RunResult | NationalResult
    if task.scenario.geography is not None:
        # A county-resolved profile: every county of one replication in this worker; the
        # replication's seed spawns the counties' (replications of one seed differ).
        seed = int(
            np.random.SeedSequence(task.seed, spawn_key=(task.replication,)).generate_state(1)[0]
        )
        run = simulate_counties(task.scenario, seed)
    else:
        run = simulate(task.scenario, task.seed, replication=task.replication, counterfactual=False)
    return measure(run, task.targets)


def simulate_targets(
    scenarios: Sequence[Scenario],
    targets: Sequence[Target],
    seed: int,
    replications: int,
    executor: Executor | None = None,
    on_result: Callable[[], None] | None = None,
) -> np.ndarray:
    """Simulated target values, shape (scenarios, replications, targets).

    Replication ``r`` of every scenario runs on the same stream
    (:func:`povsim.sim.streams.seed_for`), so differences between scenarios are paired.
    """
    tasks = [_Task(s, seed, r, tuple(targets)) for s in scenarios for r in range(replications)]
    out = np.full((len(scenarios) * replications, len(targets)), np.nan)

    def collect(index: int, values: np.ndarray) -> None:
        out[index] = values
        if on_result is not None:
            on_result()

    given(executor).run(_measure_task, tasks, collect)
    return out.reshape(len(scenarios), replications, len(targets))


def scaled_errors(means: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
    """Errors in units of tolerance: |e| <= 1 is within tolerance. A floor
    (``lower_bound``) counts only a shortfall."""
    value = np.array([t.value for t in targets])
    tolerance = np.array([t.tolerance for t in targets])
    floor = np.array([t.lower_bound for t in targets])
    errors = (means - value) / tolerance
    return np.where(floor, np.minimum(errors, 0.0), errors)


UNDEFINED = "undefined in {k} of {n} replications"
"""The note of a target without a value in some replications, which has no verdict."""


def target_table(targets: Sequence[Target], values: np.ndarray) -> pd.DataFrame:
    """Target against simulated (mean, 95% interval over replications) with its verdict.

    The simulated value is the mean of the replications with a value; where every one has
    one, the target passes (``verdict`` ``pass``, ``passed``) when that mean is within its
    tolerance, else ``fail``. Where some have none, the verdict is ``undefined`` (not
    passed), and the note says in how many (:data:`UNDEFINED`): the mean of the others
    is not the target's, and a mean that propagated the NaN failed it while the table
    showed a mean within its tolerance.

    Args:
        targets: the targets.
        values: simulated values, shape (replications, targets).
    """
    rows = []
    replications = len(values)
    for i, target in enumerate(targets):
        mean, low, high = mean_interval(values[:, i])
        undefined = int(np.isnan(values[:, i]).sum())
        # the error, in tolerances too, of the mean shown
        error = float(scaled_errors(np.array([mean]), [target])[0])
        verdict = "undefined" if undefined else "pass" if abs(error) <= 1.0 else "fail"
        note = target.note
        if undefined:
            said = UNDEFINED.format(k=undefined, n=replications)
            note = f"{said}; {note}" if note else said
        # "7,748 ±16,930" people registered: a t-interval of two replications reached
        # under what the figure can be
        least, most = target.limits
        low = low if least is None or not low < least else least
        high = high if most is None or not high > most else most
        rows.append(
            {
                "target": target.label,
                "year": target.year,
                "published": target.value,
                "tolerance": target.tolerance_text,
                "simulated": mean,
                "ci_low": low,
                "ci_high": high,
                "error": mean - target.value,
                "error_in_tolerances": error,
                "passed": verdict == "pass",
                "verdict": verdict,
                "source": target.source,
                "note": note,
            }
        )
    return pd.DataFrame(rows)


def validate(
    regions: Sequence[tuple[Scenario, TargetsFile]],
    *,
    replications: int = 10,
    seed: int = 1,
    households: int | None = None,
    executor: Executor | None = None,
    on_result: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Target against simulated for every region (see :func:`target_table`).

    Raises:
        TypeError, ValueError: an argument out of what ``povsim validate`` takes.
    """
    arguments.replications(replications, least=2)
    if executor is not None:
        arguments.instance("executor", executor, Executor, EXECUTOR_HINT)
    arguments.seed("seed", seed)
    if households is not None:
        arguments.whole("households", households, least=10)
    pairs: list[tuple[Scenario, TargetsFile]] = []
    for region in regions:
        items = tuple(region) if isinstance(region, tuple | list) else ()
        first, second = items if len(items) == 2 else (None, None)
        if not (isinstance(first, Scenario) and isinstance(second, TargetsFile)):
            raise TypeError(
                "regions: (scenario, targets) pairs, as load_region(targets_path) returns, "
                f"not {type(region).__name__}"
            )
        pairs.append((first, second))
    tables = []
    for scenario, spec in pairs:
        sample = resized(scenario, households)
        values = simulate_targets([sample], spec.targets, seed, replications, executor, on_result)[
            0
        ]
        table = target_table(spec.targets, values).assign(region=spec.region)
        if (few := _few_villages(scenario, sample)) is not None:
            villages = table["target"].str.contains("village")
            table.loc[villages, "note"] = [
                f"{few}; {note}" if isinstance(note, str) and note else few
                for note in table.loc[villages, "note"]
            ]
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    return table[["region", *[c for c in table.columns if c != "region"]]]
