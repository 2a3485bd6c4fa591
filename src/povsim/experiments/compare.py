"""Paired comparison of scenarios: same seeds, same shocks, differences with intervals.

Every scenario runs the same replications (child ``r`` of ``SeedSequence(seed)``),
so with the same population the scenarios face the same illnesses, disasters and
prices, and the difference of a metric between a scenario and the first one is
taken replication by replication (paired), which is far less noisy than comparing
two independent means.

Mixes already run with replications (``povsim run --replications N``) are compared from
their run folders by :func:`compare_runs`, running nothing, through the same table code.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

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
from povsim.sim.indicators import INDICATORS
from povsim.sim.streams import run_seed

__all__ = [
    "COMPARED",
    "SIGNIFICANT",
    "Comparison",
    "RunFolderError",
    "checked_outcomes",
    "compare_runs",
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
        wall_seconds: the runs' time (compared from run folders: the reading's).
        overrides: the ``dotted.path=value`` changes every scenario file was loaded with
            (``--set``), said in the table's title and the manifest.
        outcomes: outcomes asked for beside :data:`COMPARED` (``--outcome``), shown after
            them.
        started: when the work began (the command's start: ``povsim compare``'s, or
            :func:`compare_scenarios`'s called alone), the manifest's ``started``.
        folders: the run folders it was read from (:func:`compare_runs`), in the
            scenarios' order; empty where it ran its scenarios.
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
    folders: list[Path] = field(default_factory=list)

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
        read = " from their run folders" if self.folders else ""
        about = (
            f"of {', '.join(map(repr, names))}{reference}{read}, "
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
    seed = run_seed(seed, scenarios[0].seed)
    specs = [RunSpec(s, seed, r) for s in scenarios for r in range(replications)]
    results: list[RunResult | None] = [None] * len(specs)
    started, clock = command_started(), time.perf_counter()

    def collect(index: int, result: RunResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    given(executor).run(execute, specs, collect)
    done = [(r.scenario.name, r.replication or 0, r) for r in results if r is not None]
    return _compared(scenarios, seed, replications, done, outcomes, started, clock)


def _compared(
    scenarios: list[Scenario],
    seed: int,
    replications: int,
    done: Sequence[tuple[str, int, metrics.RunTables]],
    outcomes: list[str],
    started: datetime,
    clock: float,
) -> Comparison:
    """The :class:`Comparison` of runs done or read back: one path for both, so a comparison
    of run folders (:func:`compare_runs`) is the table, runs and trajectories comparing
    their scenarios gives.

    Args:
        scenarios: the compared scenarios, the first the reference.
        seed: the base seed every replication ran on.
        replications: replications of each scenario.
        done: each run's scenario name, replication and tables, in the scenarios' order.
        outcomes: the outcomes asked for beside those always recorded (checked).
        started: when the comparison began.
        clock: :func:`time.perf_counter` then.
    """
    # Every mix's people by every compared program's pathway: a mix without a program exited
    # none through it (0, not a missing value that left its difference out).
    pathways = metrics.pathway_outcomes(dict.fromkeys(p for s in scenarios for p in s.programs))
    runs = pd.DataFrame(
        [
            {
                "scenario": name,
                "replication": replication,
                # The outcomes a comparison records whatever its runs hold: a run folder's
                # counterfactual gives only the outcomes asked for, as a comparison's
                # scenarios run none without support.
                **metrics.report(metrics.Tables(tables.indicators, tables.pathways)),
                **(metrics.evaluate(tables, pathways) if tables.pathways is not None else {}),
                **metrics.evaluate(tables, outcomes),
            }
            for name, replication, tables in done
        ]
    )
    table = tabled(runs, [s.name for s in scenarios])
    trajectories = pd.concat(
        [
            tables.indicators.assign(scenario=name, replication=replication)
            for name, replication, tables in done
        ],
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
    "SCENARIO --replications N gives it for one scenario, and compare takes the folders it "
    "writes (povsim compare FOLDER FOLDER ..., the same seed for each); or compare with a "
    "scenario of the same county without support, whose paired differences are the effect "
    "of support (a "
    "file that extends yours and sets share = 0 for each program, 0 for each year of a "
    "program's own budget, villages.work_teams = false and monitoring.enabled = false, as "
    "scenarios/no_intervention.toml does for the baseline county)"
)
"""Why a comparison has no outcome of the run without support, and what gives it instead.
Not no_intervention.toml alone: it is the shipped baseline county, not the user's."""


def checked_outcomes(
    outcomes: Sequence[str], scenarios: Sequence[Scenario], *, counterfactual: bool = False
) -> list[str]:
    """``outcomes`` as a comparison can record them for every scenario: known, of a year
    every scenario runs, and of the tables a comparison keeps (not the counterfactual).

    Args:
        outcomes: the names asked for.
        scenarios: the compared scenarios.
        counterfactual: the runs hold their run without support (run folders: which of
            them do is the caller's to check), so its outcomes are taken.

    Raises:
        ValueError: naming the outcome and why, with the names one could mean.
    """
    names = arguments.names("outcomes", outcomes)
    for name in names:
        try:
            needs = metrics.outcome(name).needs
        except metrics.UnknownOutcome as err:
            raise ValueError(f"outcome: {err.args[0]}") from None
        if needs == "counterfactual" and not counterfactual:
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
    ``compare_runs.parquet``, ``trajectories.parquet``, ``manifest.json`` (naming the run
    folders of one read back from them, ``run_folders``) and the figures to ``out``,
    atomically; an earlier comparison there is replaced only with ``overwrite``, anything
    else never.

    Raises:
        TypeError: an argument of the wrong kind, before anything is written.
        OutputError: ``out`` is not a povsim comparison, or is one and ``overwrite`` is
            false.
    """
    from povsim.plots.experiments import comparison_bars, comparison_trajectories

    arguments.instance("comparison", comparison, Comparison, "a Comparison (povsim.compare)")
    out = arguments.path("out", out)
    arguments.flag("overwrite", overwrite)
    names = [s.name for s in comparison.scenarios]
    folders = {n: str(f) for n, f in zip(names, comparison.folders, strict=False)}
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
            # only a comparison read back from run folders has folders to name
            **({"run_folders": folders} if folders else {}),
        )
    comparison.path = out
    return out


class RunFolderError(ValueError):
    """A folder :func:`compare_runs` cannot compare: not a povsim run of replications, or
    one with a file missing or damaged; the message names the file and the problem."""


RUN_TABLE_COLUMNS = {
    "indicators": ("replication", *INDICATORS),
    "pathways": ("replication", "program", "primary_people"),
    "summary": ("replication",),
    "counterfactual": ("replication", *INDICATORS),
}
"""The tables of a run folder a comparison reads and the columns it needs of each; all but
``counterfactual`` (a run of a scenario without support has none) must be there."""

_PAIRED_ON = "the same seed, replications, years and steps a year"
"""What run folders must share for replication r of each to meet the same shocks."""

_RUN_FOLDERS = "the folders `povsim run SCENARIO --replications N` writes"


@dataclass(frozen=True)
class _StoredRun:
    """A run folder of replications as :func:`_read_run` read it back.

    Attributes:
        path: the folder.
        scenario: the resolved scenario it ran (its manifest's ``scenario``).
        seed: its base seed.
        replications: how many; replication r is ``tables[r]``.
        overrides: the ``--set`` values it ran with.
        tables: each replication's tables, its counterfactual where the folder holds one.
        code: the povsim that wrote it (its manifest's version and checkout commit).
    """

    path: Path
    scenario: Scenario
    seed: int
    replications: int
    overrides: list[str]
    tables: list[metrics.Tables]
    code: str = ""

    @property
    def without_support(self) -> bool:
        """Whether it holds the run without support (``counterfactual.parquet``)."""
        return all(t.counterfactual is not None for t in self.tables)


def _manifest(path: Path) -> dict[str, object]:
    """The manifest of the run folder ``path``.

    Raises:
        RunFolderError: missing, unreadable, not povsim's, or of another kind of output.
    """
    file = path / "manifest.json"
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(
            f"{file}: missing, so {path} is not a povsim run (compare takes {_RUN_FOLDERS})"
        ) from None
    except OSError as err:
        raise RunFolderError(f"{file}: cannot be read ({err.strerror or err})") from None
    except ValueError as err:  # not JSON, or not text
        raise RunFolderError(f"{file}: damaged, not JSON ({err})") from None
    kind = manifest.get("povsim_output") if isinstance(manifest, dict) else None
    if not isinstance(kind, str):
        raise RunFolderError(f"{file}: not a povsim manifest (no povsim_output)")
    if kind != "run":
        # a comparison's, a sweep's or a calibration's folder holds no run to pair
        raise RunFolderError(
            f"{file}: {path} holds a povsim {kind} output, not a run; compare takes {_RUN_FOLDERS}"
        )
    return manifest


def _whole(file: Path, manifest: dict[str, object], name: str, least: int) -> int:
    """The manifest's ``name``, a whole number from ``least``, or an error naming it."""
    value = manifest.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise RunFolderError(f"{file}: its {name} is {value!r}, not a whole number ≥ {least}")
    return value


def _read_table(path: Path, name: str, replications: int) -> pd.DataFrame:
    """Table ``name`` of the run folder ``path``.

    Raises:
        RunFolderError: missing, unreadable, without a column the comparison needs, or
            without every replication 0 to ``replications`` - 1 (or with others).
    """
    file = path / f"{name}.parquet"
    try:
        frame = pd.read_parquet(file)
    except FileNotFoundError:
        raise RunFolderError(f"{file}: missing (a run folder holds it)") from None
    except (OSError, ValueError) as err:  # pyarrow's errors of a damaged file are ValueErrors
        raise RunFolderError(f"{file}: damaged, cannot be read as a table ({err})") from None
    missing = [c for c in RUN_TABLE_COLUMNS[name] if c not in frame.columns]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise RunFolderError(f"{file}: no column {', '.join(missing[:3])}{more}")
    found = sorted(frame["replication"].dropna().unique().tolist())
    if found != list(range(replications)) or frame["replication"].isna().any():
        raise RunFolderError(
            f"{file}: replications {found} where its manifest.json has {replications} "
            f"(0 to {replications - 1})"
        )
    return frame


def _replication(frame: pd.DataFrame, r: int) -> pd.DataFrame:
    """Replication ``r``'s rows of a stacked table, as the run itself had them."""
    return frame[frame["replication"] == r].drop(columns="replication").reset_index(drop=True)


def _same(recorded: float, computed: float) -> bool:
    if math.isnan(recorded) or math.isnan(computed):
        return math.isnan(recorded) and math.isnan(computed)
    return math.isclose(recorded, computed, rel_tol=1e-9, abs_tol=1e-9)


def _read_run(path: Path) -> _StoredRun:
    """The run folder ``path``, checked whole: its manifest and the tables a comparison
    reads, each replication's outcomes recomputed from them equal to those the run recorded
    in ``summary.parquet`` (so a counterfactual read back gives what the run computed).

    Raises:
        RunFolderError: naming the file and what is wrong with it.
    """
    manifest = _manifest(path)
    file = path / "manifest.json"
    try:
        scenario = Scenario.model_validate(manifest.get("scenario"))
    except (ValidationError, ValueError, TypeError) as err:
        raise RunFolderError(
            f"{file}: its scenario is not one this povsim reads ({' '.join(str(err).split())})"
        ) from None
    if scenario.geography is not None:
        raise RunFolderError(
            f"{path}: a county-resolved national run (its scenario has a geography section); "
            "compare takes runs of one county"
        )
    seed = _whole(file, manifest, "seed", 0)
    replications = _whole(file, manifest, "replications", 1)
    if replications == 1:
        # a single run is on the seed itself, not replication 0 of it: nothing to pair
        raise RunFolderError(
            f"{path}: a single run, not replications; compare pairs replication r of each run, "
            "so give folders of `povsim run SCENARIO --replications N` (N ≥ 2)"
        )
    overrides = manifest.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise RunFolderError(f"{file}: its overrides are {overrides!r}, not a list of texts")
    # A run of a scenario without support has no counterfactual; its outcomes are refused
    # by name if asked for (compare_runs), not the folder.
    frames = {
        name: _read_table(path, name, replications)
        for name in RUN_TABLE_COLUMNS
        if name != "counterfactual" or (path / "counterfactual.parquet").exists()
    }
    summary = frames["summary"]
    tables = []
    for r in range(replications):
        without = frames.get("counterfactual")
        run = metrics.Tables(
            _replication(frames["indicators"], r),
            _replication(frames["pathways"], r),
            None if without is None else _replication(without, r),
        )
        years = run.indicators["year"].tolist()
        if years != list(scenario.years):
            raise RunFolderError(
                f"{path / 'indicators.parquet'}: replication {r} has years {years}, where its "
                f"scenario runs {scenario.start_year}-{scenario.end_year}"
            )
        recorded = summary[summary["replication"] == r].iloc[0]
        for name, value in metrics.summary(run).items():
            if name not in recorded:
                continue
            try:
                stored = float(recorded[name])
            except (TypeError, ValueError):
                raise RunFolderError(
                    f"{path / 'summary.parquet'}: replication {r}'s {name} is "
                    f"{recorded[name]!r}, not a number"
                ) from None
            if not _same(stored, value):
                raise RunFolderError(
                    f"{path / 'summary.parquet'}: replication {r}'s {name} is "
                    f"{stored!r}, where the folder's tables give {value!r}: "
                    "its files are not of one run, or another povsim wrote them"
                )
        tables.append(run)
    versions = manifest.get("versions")
    versions = versions if isinstance(versions, dict) else {}
    code = " ".join(
        str(v) for v in (versions.get("povsim"), versions.get("povsim_commit")) if v is not None
    )
    return _StoredRun(path, scenario, seed, replications, list(overrides), tables, code)


def _check_paired(runs: list[_StoredRun]) -> None:
    """Refuse run folders whose replications did not meet the same shocks or share a name;
    warn of one that draws other households (:func:`unpaired_fields`), as compare does.

    Raises:
        ValueError: naming the folders and what differs.

    Warns:
        UnpairedComparison: as :func:`compare_scenarios`'s callers warn.
    """
    named: dict[str, list[Path]] = {}
    for run in runs:
        named.setdefault(run.scenario.name, []).append(run.path)
    for name, paths in named.items():
        if len(paths) > 1:
            folders = ", ".join(map(str, paths[:-1])) + f" and {paths[-1]}"
            every = "both" if len(paths) == 2 else f"all {len(paths)}"
            raise ValueError(
                f"{folders} {every} ran a scenario named {name!r}: rerun each but one with its "
                "own name (povsim run ... --set name=...) to compare them"
            )
    first = runs[0]
    for run in runs[1:]:
        a, b = first.scenario, run.scenario
        differ = [
            f"its {what} {theirs}, not {ours}"
            for what, ours, theirs in (
                ("seed", first.seed, run.seed),
                ("replications", first.replications, run.replications),
                ("years", f"{a.start_year}-{a.end_year}", f"{b.start_year}-{b.end_year}"),
                ("steps a year", a.steps_per_year, b.steps_per_year),
            )
            if ours != theirs
        ]
        if differ:
            raise ValueError(
                f"{run.path} cannot be paired with {first.path}: {'; '.join(differ)}. Paired "
                f"differences take replication r of every run on {_PAIRED_ON}: run them "
                "again alike (povsim run SCENARIO --seed S --replications N), or compare the "
                "scenario files"
            )
        if fields := unpaired_fields(a, b):
            warnings.warn(
                unpaired_note(str(run.path), str(first.path), fields),
                UnpairedComparison,
                stacklevel=3,
            )
        if run.code != first.code:
            # Another model's runs differ by its changes too, and its draws may be other
            # ones: the differences are no longer the mixes' alone.
            warnings.warn(
                f"{run.path} was written by other povsim code ({run.code or 'unknown'}, not "
                f"{first.code or 'unknown'}): its differences from {first.path} hold the "
                "model's changes besides the scenarios'; run both with one povsim to compare "
                "the scenarios alone",
                UnpairedComparison,
                stacklevel=3,
            )


def compare_runs(folders: Iterable[str | Path], outcomes: Sequence[str] = ()) -> Comparison:
    """Compare run folders (``povsim run --replications N``) from their stored tables,
    running nothing: the :class:`Comparison` comparing their scenarios on the same seed and
    replications gives, table, runs and trajectories alike.

    Args:
        folders: two or more run folders, each of another scenario name, all of the same
            seed, replications, years and steps a year; the first is the reference.
        outcomes: more outcomes to compare, as :func:`compare_scenarios` takes them; those
            of the run without support too, where every folder holds it
            (``counterfactual.parquet``).

    Returns:
        The comparison, its ``folders`` set; its ``overrides`` are the ``--set`` values every
        run was made with (each run's own are in its resolved scenario).

    Raises:
        TypeError: not a list of paths.
        RunFolderError: a folder is not a povsim run of replications, or a file of it is
            missing or damaged: naming the file and the problem.
        ValueError: the folders cannot be paired, or an outcome cannot be given from them,
            naming which and why.

    Warns:
        UnpairedComparison: a run draws other households than the first (its population,
            income or villages differ), or meets other shocks.
    """
    if isinstance(folders, str | Path) or not isinstance(folders, Iterable):
        raise TypeError(f"folders: a list of two or more run folders, not {folders!r}")
    paths = [arguments.path("folders", f) for f in folders]
    if len(paths) < 2:
        raise ValueError(f"folders: two or more to compare, not {len(paths)}")
    started, clock = command_started(), time.perf_counter()
    runs = [_read_run(path) for path in paths]
    _check_paired(runs)
    scenarios = [run.scenario for run in runs]
    outcomes = checked_outcomes(outcomes, scenarios, counterfactual=True)
    for name in outcomes:
        lacking = [run.path for run in runs if not run.without_support]
        if metrics.outcome(name).needs == "counterfactual" and lacking:
            raise ValueError(
                f"outcome {name!r} needs the run without support, which {lacking[0]} does not "
                "hold (no counterfactual.parquet: a scenario without support has none)"
            )
    done = [(run.scenario.name, r, t) for run in runs for r, t in enumerate(run.tables)]
    comparison = _compared(
        scenarios, runs[0].seed, runs[0].replications, done, outcomes, started, clock
    )
    comparison.overrides = [o for o in runs[0].overrides if all(o in r.overrides for r in runs)]
    comparison.folders = paths
    return comparison
