"""Paired comparison of scenarios: same seeds, same shocks, differences with intervals.

Every scenario runs the same replications (child ``r`` of ``SeedSequence(seed)``),
so with the same population the scenarios face the same illnesses, disasters and
prices, and the difference of a metric between a scenario and the first one is
taken replication by replication (paired), which is far less noisy than comparing
two independent means.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from povsim.config import Scenario, arguments
from povsim.config.errors import did_you_mean
from povsim.config.fields import repeated
from povsim.experiments.executors import Executor, given
from povsim.experiments.tasks import RunSpec, execute
from povsim.runs import metrics
from povsim.runs.display import format_interval, money_unit, result_repr, shape
from povsim.runs.runner import RunResult
from povsim.runs.stats import mean_interval, summarise
from povsim.runs.store import command_started, staged
from povsim.sim.streams import run_seed

__all__ = [
    "COMPARED",
    "SIGNIFICANT",
    "Comparison",
    "checked_outcomes",
    "compare_scenarios",
    "tabled",
    "write_comparison",
]

COMPARED = {
    "incidence_end": "incidence end",
    "poor_person_years": "poor person-years",
    "registered_people_end": "registered people end",
    "cumulative_exit_share": "cumulative exit share",
    "cumulative_relapse_share": "cumulative relapse share",
    "cost_per_exit": "cost per exit (yuan)",
    "spending_yuan": "spending (m yuan)",
    "county_exited_share": "county exited (share of runs)",
    "county_exit_year": "county exit year",
}
"""The outcomes comparison tables show (`povsim compare`, the dashboard) and their headers,
with units where not a share."""

COUNTED = " ({n} of {total})"
"""After a cell whose mean or paired difference is of fewer than all replications (a county
exit year is of the runs in which the county exited): how many had a value."""

COUNTED_NOTE = (
    "(k of N): of the k replications with a value (an exit year: those in which the county "
    "exited; a Δ: those in which both did)"
)
"""What a table with :data:`COUNTED` cells says of them."""

SIGNIFICANT = " *"
"""Marks a paired difference whose 95% interval excludes 0 (``diff_significant``)."""


@dataclass
class Comparison:
    """What :func:`compare_scenarios` produced.

    Attributes:
        runs: one row per scenario and replication with its metrics.
        table: per scenario and metric: its unit, mean and 95% interval over the ``n``
            replications with a value, and the paired difference from the first scenario
            over the ``diff_n`` pairs in which both have one, with its 95% interval and
            whether that interval excludes 0 (``diff_significant``).
        trajectories: every run's indicators, with ``scenario`` and ``replication``.
        wall_seconds: the runs' time.
        overrides: the ``dotted.path=value`` changes every scenario file was loaded with
            (``--set``), said in the table's title and the manifest.
        outcomes: outcomes asked for beside :data:`COMPARED` (``--outcome``), shown after
            them.
        started: when the work began (the command's start: ``povsim compare``'s, or
            :func:`compare_scenarios`'s called alone), the manifest's ``started``.
    """

    scenarios: list[Scenario]
    seed: int
    replications: int
    runs: pd.DataFrame
    table: pd.DataFrame
    trajectories: pd.DataFrame
    wall_seconds: float
    path: Path | None = field(default=None)
    overrides: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=command_started)

    def shown(self) -> dict[str, str]:
        """The outcomes the comparison's tables show, with their headers: :data:`COMPARED`
        (spending in the unit of :meth:`money`), then those asked for."""
        headers = COMPARED | {"spending_yuan": f"spending ({self.money()[1]} yuan)"}
        return headers | {n: metrics.label(n) for n in self.outcomes if n not in COMPARED}

    def money(self) -> tuple[float, str]:
        """The unit the tables show spending in (:func:`~povsim.runs.display.money_unit`):
        billions where any mix spent 10 bn yuan or more, so a nation reads as the sidebar
        says its budget."""
        spent = self.table.loc[self.table["metric"] == "spending_yuan", "mean"]
        return money_unit(float(spent.abs().max()) if spent.notna().any() else 0.0)

    def __repr__(self) -> str:
        names = [s.name for s in self.scenarios]
        reference = f" (differences from {names[0]!r})" if names else ""
        about = (
            f"of {', '.join(map(repr, names))}{reference}, "
            f"{self.replications} replications of seed {self.seed}, {self.wall_seconds:.1f} s"
        )
        tables = {"table": self.table, "runs": self.runs, "trajectories": self.trajectories}
        return result_repr(
            type(self).__name__,
            about,
            {name: shape(*frame.shape) for name, frame in tables.items()},
            ".metric(NAME): one outcome per scenario, with the paired difference",
            self.path,
        )

    def metric(self, name: str) -> pd.DataFrame:
        """The table's rows for one metric, one per scenario.

        Raises:
            KeyError: when the comparison has no such metric, with the names one could mean
                (a renamed outcome would otherwise select nothing, silently), or why an
                outcome that needs the run without support is not in it.
        """
        rows = self.table[self.table["metric"] == name]
        if rows.empty:
            try:
                counterfactual = metrics.outcome(name).needs == "counterfactual"
            except metrics.UnknownOutcome:
                counterfactual = False
            if counterfactual:
                # a known outcome, absent for a reason the user cannot guess from its name
                raise KeyError(f"no metric {name!r} in this comparison: it {_NO_COUNTERFACTUAL}")
            hint = did_you_mean(name, dict.fromkeys(self.table["metric"]), n=3)
            raise KeyError(f"no metric {name!r} in this comparison{hint}")
        return rows.set_index("scenario")

    def cells(self) -> list[tuple[str, bool, list[str]]]:
        """The comparison table as shown (`povsim compare`, the dashboard): for each
        scenario a row of its :data:`COMPARED` means ±95% half-widths, and under each but the
        first a row of its paired differences; each as (scenario, is a difference, cells).
        A cell of fewer than all replications says how many (:data:`COUNTED`)."""
        rows = []
        first = self.scenarios[0].name
        money = self.money()[0]
        for scenario, group in self.table.groupby("scenario", sort=False):
            group = group.set_index("metric")
            for prefix, difference in (("", False), ("diff_", True)):
                if difference and scenario == first:
                    continue
                cells = [
                    format_interval(
                        name,
                        group.loc[name, f"{prefix}mean"],
                        group.loc[name, f"{prefix}ci_low"],
                        group.loc[name, f"{prefix}ci_high"],
                        difference=difference,
                        money=money,
                    )
                    + (SIGNIFICANT if difference and _marked(group.loc[name]) else "")
                    + self._counted(group.loc[name], f"{prefix}n")
                    for name in self.shown()
                ]
                rows.append((str(scenario), difference, cells))
        return rows

    def counted(self) -> bool:
        """Whether a shown cell is of fewer than all replications (:data:`COUNTED`): then
        the table says what its counts are (:data:`COUNTED_NOTE`)."""
        rows = self.table[self.table["metric"].isin(list(self.shown()))]
        return any(
            self._counted(row, column) for _, row in rows.iterrows() for column in ("n", "diff_n")
        )

    def _counted(self, row: pd.Series, column: str) -> str:
        """:data:`COUNTED` where the row's value is of some but not all replications."""
        n = row.get(column)
        if n is None or pd.isna(n) or not 0 < n < self.replications:
            return ""
        return COUNTED.format(n=int(n), total=self.replications)


def _marked(row: pd.Series) -> bool:
    """Whether a row's paired difference is marked significant (never where it is missing)."""
    flag = row["diff_significant"]
    return bool(pd.notna(flag) and flag)


def _paired(runs: pd.DataFrame, names: list[str], metrics: list[str]) -> pd.DataFrame:
    base = runs[runs["scenario"] == names[0]].set_index("replication")
    rows = []
    for name in names:
        other = runs[runs["scenario"] == name].set_index("replication")
        for metric in metrics:
            if name == names[0]:
                mean = low = high = np.nan
                pairs = pd.NA
            else:
                # only the pairs in which both have a value (a county exit year where the
                # county exited in both): diff_n says how many
                difference = (other[metric] - base[metric]).dropna()
                mean, low, high = mean_interval(difference)
                pairs = len(difference)
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "diff_mean": mean,
                    "diff_ci_low": low,
                    "diff_ci_high": high,
                    "diff_n": pairs,
                    # none for the reference or a difference never computed (no county
                    # exit year in either); NaN bounds of a mean (one replication): False
                    "diff_significant": pd.NA
                    if name == names[0] or np.isnan(mean)
                    else bool(low > 0 or high < 0),
                }
            )
    frame = pd.DataFrame(rows)
    frame["diff_significant"] = frame["diff_significant"].astype("boolean")
    frame["diff_n"] = frame["diff_n"].astype("Int64")
    return frame


def tabled(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """:attr:`Comparison.table` of ``runs``: each metric's mean and interval by scenario,
    and its paired difference from the reference.

    Args:
        runs: one row per scenario and replication, one column per metric.
        names: the scenarios, the first the reference.

    Returns:
        One row per scenario and metric (``mean``, ``ci_low``, ``ci_high``, ``n``, the
        ``diff_*`` columns and the metric's ``unit``).
    """
    metric_names = [c for c in runs.columns if c not in ("scenario", "replication")]
    table = metrics.clip_intervals(summarise(runs, ["scenario"], metric_names)).merge(
        _paired(runs, names, metric_names), on=["scenario", "metric"]
    )
    table.insert(2, "unit", [metrics.outcome(m).unit for m in table["metric"]])
    return table


POPULATION_FIELDS = (
    "start_year",
    "end_year",
    "steps_per_year",
    "poverty_line",
    "population",
    "income",
    "villages",
    "shocks",
)
"""What draws a scenario's households and their fortunes; mixes that share these are paired
on the same households, replication by replication."""


POLICY_LEVERS = (
    "villages.work_team",
    "villages.designation",
    "population.represents",  # weights of the same draws, not other households
)
"""Fields inside those sections that are levers of the mix or weights, not who lives there."""


class UnpairedComparison(UserWarning):
    """A compared scenario draws other households, runs other years, or meets other shocks
    than the first."""


def unpaired_note(name: str, reference: str, fields: Sequence[str]) -> str:
    """What to tell a user comparing ``name`` with ``reference`` when ``fields`` differ."""
    if list(fields) == ["shocks"]:
        # Every shock is drawn for every household whatever its settings, so the same
        # households meet the same draws: still paired, but on other fortunes.
        return (
            f"{name} meets other shocks than {reference} (the same households and draws): "
            "its paired differences hold what the shocks change, not only its policy mix"
        )
    verb = "differs" if len(fields) == 1 else "differ"
    return (
        f"{name} is not paired with {reference} ({', '.join(fields)} {verb}): its paired "
        "differences compare other households or years, not another policy mix"
    )


def unpaired_fields(reference: Scenario, other: Scenario) -> list[str]:
    """The fields of :data:`POPULATION_FIELDS` in which ``other`` differs from ``reference``
    (levers of :data:`POLICY_LEVERS` aside): where any does, its paired differences compare
    other households, not another mix."""
    a, b = reference.model_dump(), other.model_dump()
    differ = []
    for section in POPULATION_FIELDS:
        if isinstance(a[section], dict):
            keys = a[section].keys() | b[section].keys()
            if any(
                a[section].get(k) != b[section].get(k)
                for k in keys
                if not f"{section}.{k}".startswith(POLICY_LEVERS)
            ):
                differ.append(section)
        elif a[section] != b[section]:
            differ.append(section)
    return differ


def compare_scenarios(
    scenarios: Sequence[Scenario],
    replications: int = 20,
    seed: int | None = None,
    *,
    executor: Executor | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    outcomes: Sequence[str] = (),
) -> Comparison:
    """Run every scenario on the same replications and compare them with the first.

    Args:
        scenarios: two or more; the first is the reference for paired differences.
        replications: replications per scenario.
        seed: base seed (default: the first scenario's).
        executor: where to run (default: serially here).
        on_result: called in this process as each run finishes.
        outcomes: more outcomes to compare (``COLUMN@YEAR`` too), beside every outcome of
            the registry, ``incidence@YEAR`` and ``relapse_rate@YEAR``, which are always
            recorded.

    Raises:
        TypeError, ValueError: an argument of the wrong kind or range, named, before
            anything runs.
    """
    # Unchecked, file names failed as "'str' object has no attribute 'name'" and no
    # replications as a KeyError once the empty runs were summarised.
    if isinstance(scenarios, str | Path | Scenario) or not isinstance(scenarios, Iterable):
        raise TypeError(
            f"scenarios: a list of two or more Scenarios, not {type(scenarios).__name__}"
        )
    scenarios = [arguments.loaded("scenarios", s) for s in scenarios]
    if len(scenarios) < 2:
        raise ValueError(f"scenarios: two or more to compare, not {len(scenarios)}")
    arguments.replications(replications)
    arguments.function("on_result", on_result, "as each run finishes")
    names = [s.name for s in scenarios]
    twice = repeated(names)
    if twice:
        raise ValueError(
            f"scenario names must differ to be compared: {', '.join(map(repr, twice))} "
            "given more than once; give each scenario its own `name`"
        )
    outcomes = checked_outcomes(outcomes, scenarios)
    # Every mix's people by every compared program's pathway: a mix without a program exited
    # none through it (0, not a missing value that left its difference out).
    pathways = metrics.pathway_outcomes(dict.fromkeys(p for s in scenarios for p in s.programs))
    seed = run_seed(seed, scenarios[0].seed)
    specs = [RunSpec(s, seed, r) for s in scenarios for r in range(replications)]
    results: list[RunResult | None] = [None] * len(specs)
    started, clock = command_started(), time.perf_counter()

    def collect(index: int, result: RunResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    given(executor).run(execute, specs, collect)
    done = [r for r in results if r is not None]
    runs = pd.DataFrame(
        [
            {
                "scenario": r.scenario.name,
                "replication": r.replication,
                **metrics.report(r),
                **(metrics.evaluate(r, pathways) if r.pathways is not None else {}),
                **metrics.evaluate(r, outcomes),
            }
            for r in done
        ]
    )
    table = tabled(runs, [s.name for s in scenarios])
    trajectories = pd.concat(
        [r.indicators.assign(scenario=r.scenario.name, replication=r.replication) for r in done],
        ignore_index=True,
    )
    return Comparison(
        scenarios=scenarios,
        seed=seed,
        replications=replications,
        runs=runs,
        table=table,
        trajectories=trajectories,
        wall_seconds=time.perf_counter() - clock,
        outcomes=list(outcomes),
        started=started,
    )


_NO_COUNTERFACTUAL = (
    "needs the run without support, which a comparison does not run: povsim run "
    "SCENARIO --replications N gives it for one scenario; or compare with a scenario of the "
    "same county without support, whose paired differences are the effect of support (a "
    "file that extends yours and sets share = 0 for each program, 0 for each year of a "
    "program's own budget, villages.work_teams = false and monitoring.enabled = false, as "
    "scenarios/no_intervention.toml does for the baseline county)"
)
"""Why a comparison has no outcome of the run without support, and what gives it instead.
Not no_intervention.toml alone: it is the shipped baseline county, not the user's."""


def checked_outcomes(outcomes: Sequence[str], scenarios: Sequence[Scenario]) -> list[str]:
    """``outcomes`` as a comparison can record them for every scenario: known, of a year
    every scenario runs, and of the tables a comparison keeps (not the counterfactual).

    Raises:
        ValueError: naming the outcome and why, with the names one could mean.
    """
    names = arguments.names("outcomes", outcomes)
    for name in names:
        try:
            needs = metrics.outcome(name).needs
        except metrics.UnknownOutcome as err:
            raise ValueError(f"outcome: {err.args[0]}") from None
        if needs == "counterfactual":
            raise ValueError(f"outcome {name!r} {_NO_COUNTERFACTUAL}")
        program = metrics.pathway_program(name)
        programs = dict.fromkeys(p for s in scenarios for p in s.programs)
        if program is not None and program not in (*programs, *metrics.PATHWAY_OTHERS):
            hint = did_you_mean(program, [*programs, *metrics.PATHWAY_OTHERS], quoted=True)
            raise ValueError(
                f"outcome {name!r}: no compared scenario has a program {program!r}{hint}"
            )
        _, at, year = name.partition("@")
        short = [s for s in scenarios if at and int(year) not in s.years]
        if short:
            raise ValueError(
                f"outcome {name!r}: {short[0].name} runs {short[0].start_year}-"
                f"{short[0].end_year}, not {year}"
            )
    if twice := repeated(names):
        raise ValueError(f"outcome {twice[0]!r} is asked for twice")
    return names


def write_comparison(comparison: Comparison, out: str | Path, *, overwrite: bool = True) -> Path:
    """Write ``comparison.parquet`` (and the same as ``comparison.csv``),
    ``compare_runs.parquet``, ``trajectories.parquet``, ``manifest.json`` and the figures
    to ``out``, atomically; an earlier comparison there is
    replaced only with ``overwrite``, anything else never.

    Raises:
        TypeError: an argument of the wrong kind, before anything is written.
        OutputError: ``out`` is not a povsim comparison, or is one and ``overwrite`` is
            false.
    """
    from povsim.plots.experiments import comparison_bars, comparison_trajectories

    arguments.instance("comparison", comparison, Comparison, "a Comparison (povsim.compare)")
    out = arguments.path("out", out)
    arguments.flag("overwrite", overwrite)
    # Timed from the comparison's start, its runs included, not from the writing's.
    with staged(out, "compare", overwrite=overwrite, started=comparison.started) as directory:
        directory.table("comparison", comparison.table)
        directory.text("comparison.csv", comparison.table.to_csv(index=False))
        directory.table("compare_runs", comparison.runs)
        directory.table("trajectories", comparison.trajectories)
        directory.figure("trajectories", comparison_trajectories(comparison.trajectories))
        directory.figure("exits_relapses", comparison_bars(comparison.table))
        directory.manifest(
            scenarios=[s.name for s in comparison.scenarios],
            reference=comparison.scenarios[0].name,
            seed=comparison.seed,
            replications=comparison.replications,
            overrides=comparison.overrides,
            outcomes=comparison.outcomes,
            resolved_scenarios={s.name: s.model_dump(mode="json") for s in comparison.scenarios},
        )
    comparison.path = out
    return out
