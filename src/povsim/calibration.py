"""Calibration to published figures: targets files, the fit, and the validation table.

A targets file lists published figures, each as a target: an indicator in a year,
its value, a tolerance and its source. Its ``[calibration]`` table names the free
parameters (dotted scenario paths with bounds, and why the range is credible).

:func:`calibrate` fits the free parameters with SciPy's differential evolution.
Every candidate runs on the same replication seeds (common random numbers), so the
objective is a smooth, deterministic function of the parameters; a whole generation
goes to the executor at once. Because the objective is deterministic and the search
is seeded, a rerun replays the evaluations it finds in the history and goes on where
it stopped: the history is written after every generation and the best scenario
file every time the best point improves, so an interrupted fit loses nothing.

:func:`validate` runs scenarios with replications and compares them with their
targets: mean and 95% interval over replications, and pass or fail on the mean.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, Self

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import differential_evolution

from povsim import plots
from povsim.atomic import write_file, write_parquet, write_text
from povsim.experiments.executors import Executor, SerialExecutor
from povsim.experiments.stats import mean_interval
from povsim.indicators import INDICATORS
from povsim.runner import RunResult, simulate
from povsim.scenario import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    as_field_type,
    get_path,
    load_scenario,
    load_settings,
)

__all__ = [
    "PATHWAY_SHARE",
    "CalibrationResult",
    "Parameter",
    "Target",
    "TargetsFile",
    "calibrate",
    "load_targets",
    "measure",
    "resized",
    "save_figure",
    "simulate_targets",
    "target_table",
    "validate",
]

INVALID = 1e12
"""Objective of a candidate that makes an invalid scenario (never the best)."""

PATHWAY_SHARE = "pathway_share"
"""Pseudo-indicator: share of the year's exits credited to ``program`` (several may share one)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """One published figure the model should reproduce."""

    indicator: str = Field(description="an indicator column, or pathway_share")
    year: int
    value: float
    relative_tolerance: Annotated[float, Field(gt=0.0)] | None = None
    absolute_tolerance: Annotated[float, Field(gt=0.0)] | None = None
    program: str | None = Field(None, description="for pathway_share: the program")
    basis: Literal["households", "people"] = "households"
    source: str = Field(min_length=1, description="seed file or publication")
    note: str = ""
    weight: Annotated[float, Field(ge=0.0)] = 1.0

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.relative_tolerance is None) == (self.absolute_tolerance is None):
            raise ValueError("give exactly one of relative_tolerance and absolute_tolerance")
        if self.indicator == PATHWAY_SHARE:
            if not self.program:
                raise ValueError("pathway_share needs a program")
        elif self.indicator not in INDICATORS:
            raise ValueError(f"unknown indicator {self.indicator!r} (see `povsim columns`)")
        elif self.program is not None:
            raise ValueError("program is only for pathway_share")
        if self.relative_tolerance is not None and self.value == 0:
            raise ValueError("a relative tolerance needs a non-zero value")
        return self

    @property
    def label(self) -> str:
        if self.indicator == PATHWAY_SHARE:
            return f"{PATHWAY_SHARE}[{self.program},{self.basis}]@{self.year}"
        return f"{self.indicator}@{self.year}"

    @property
    def tolerance(self) -> float:
        """The tolerance in the indicator's own units."""
        if self.absolute_tolerance is not None:
            return self.absolute_tolerance
        return self.relative_tolerance * abs(self.value)

    @property
    def tolerance_text(self) -> str:
        if self.absolute_tolerance is not None:
            return f"±{self.absolute_tolerance:g}"
        return f"±{self.relative_tolerance:.0%}"


class Parameter(_Strict):
    """A free parameter: a dotted scenario path, its bounds and why they are credible."""

    path: str
    bounds: tuple[float, float]
    why: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError("bounds must have lower < upper")
        return self


class CalibrationSettings(_Strict):
    """How to fit: free parameters and the effort to spend."""

    parameters: list[Parameter] = Field(default_factory=list)
    replications: Annotated[int, Field(ge=1)] = 3
    seed: int = 1
    households: Annotated[int, Field(ge=10)] | None = Field(
        None, description="agents per run while fitting (weights keep the totals)"
    )
    generations: Annotated[int, Field(ge=1)] = 10
    population: Annotated[int, Field(ge=2)] = 5


class TargetsFile(_Strict):
    """A ``*_targets.toml`` file."""

    region: str
    scenario: str | None = Field(None, description="the region's scenario, relative to this file")
    note: str = ""
    targets: list[Target] = Field(min_length=1)
    calibration: CalibrationSettings = CalibrationSettings()


def load_targets(path: str | Path) -> tuple[TargetsFile, Path | None]:
    """Read a targets file; also return the scenario file it names (resolved), if any."""
    path = Path(path)
    spec = load_settings(path, TargetsFile)
    scenario = (path.parent / spec.scenario).resolve() if spec.scenario else None
    return spec, scenario


def _check_against(
    targets: Sequence[Target], parameters: Sequence[Parameter], scenario: Scenario, source: str
) -> None:
    """Fail early, naming the field, when targets or parameters do not fit the scenario."""
    problems = []
    dumped = scenario.model_dump(mode="python")
    for i, target in enumerate(targets):
        if target.year not in scenario.years:
            problems.append(
                ScenarioProblem(
                    source,
                    f"targets.{i}.year",
                    f"{target.year} is outside the scenario's years "
                    f"{scenario.start_year}-{scenario.end_year}",
                )
            )
        if target.program is not None and target.program not in scenario.programs:
            problems.append(
                ScenarioProblem(
                    source,
                    f"targets.{i}.program",
                    f"the scenario has no program {target.program!r}",
                )
            )
    for i, parameter in enumerate(parameters):
        try:
            get_path(dumped, parameter.path)
        except KeyError:
            problems.append(
                ScenarioProblem(
                    source,
                    f"calibration.parameters.{i}.path",
                    f"the scenario has no field {parameter.path!r}",
                )
            )
    if problems:
        raise ScenarioError(problems)


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


def measure(run: RunResult, targets: Sequence[Target]) -> np.ndarray:
    """Each target's simulated value in one run."""
    years = run.indicators.set_index("year")
    values = np.empty(len(targets))
    for i, target in enumerate(targets):
        if target.indicator != PATHWAY_SHARE:
            values[i] = float(years.at[target.year, target.indicator])
            continue
        rows = run.pathways[run.pathways["year"] == target.year].set_index("program")
        total = years.at[target.year, f"exits_{target.basis}"]
        credited = rows.at[target.program, f"exited_{target.basis}"]
        values[i] = float(credited / total) if total else 0.0
    return values


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    seed: int
    replication: int
    targets: tuple[Target, ...]


def _measure_task(task: _Task) -> np.ndarray:
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
    (:func:`povsim.streams.seed_for`), so differences between scenarios are paired.
    """
    tasks = [_Task(s, seed, r, tuple(targets)) for s in scenarios for r in range(replications)]
    out = np.full((len(scenarios) * replications, len(targets)), np.nan)

    def collect(index: int, values: np.ndarray) -> None:
        out[index] = values
        if on_result is not None:
            on_result()

    (executor or SerialExecutor()).run(_measure_task, tasks, collect)
    return out.reshape(len(scenarios), replications, len(targets))


def _scaled_errors(means: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
    """Errors in units of tolerance: |e| <= 1 is within tolerance."""
    value = np.array([t.value for t in targets])
    tolerance = np.array([t.tolerance for t in targets])
    return (means - value) / tolerance


def _objective(means: np.ndarray, targets: Sequence[Target]) -> float:
    """Weighted mean of squared scaled errors; below 1 when on average within tolerance."""
    weights = np.array([t.weight for t in targets])
    errors = np.nan_to_num(_scaled_errors(means, targets), nan=1e3)
    return float((weights * errors**2).sum() / weights.sum())


def target_table(targets: Sequence[Target], values: np.ndarray) -> pd.DataFrame:
    """Target against simulated (mean, 95% interval over replications) with pass or fail.

    Args:
        targets: the targets.
        values: simulated values, shape (replications, targets).
    """
    rows = []
    errors = _scaled_errors(values.mean(axis=0), targets)
    for i, target in enumerate(targets):
        mean, low, high = mean_interval(values[:, i])
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
                "error_in_tolerances": float(errors[i]),
                "passed": bool(abs(errors[i]) <= 1.0),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class CalibrationResult:
    """What a fit found.

    Attributes:
        parameters: the free parameters.
        best: best parameter values found.
        objective: the objective there (mean squared error in tolerances).
        history: one row per evaluated point: generation, parameters, objective and
            the simulated mean of every target.
        table: target against simulated at the best point (see :func:`target_table`).
        scenario: the calibrated scenario.
        evaluations: how many points were evaluated in this call (the rest came from
            the history on disk).
    """

    parameters: list[Parameter]
    best: dict[str, float]
    objective: float
    history: pd.DataFrame
    table: pd.DataFrame
    scenario: Scenario
    evaluations: int


def save_figure(figure: Figure, target: Path) -> None:
    """Write a figure as PNG, atomically."""
    write_file(target, lambda tmp: figure.savefig(tmp, format="png", dpi=120))


def _toml_value(value: float | int) -> str:
    return repr(int(value)) if isinstance(value, int) else repr(float(value))


def calibrated_toml(
    base_file: Path,
    out_file: Path,
    parameters: Sequence[Parameter],
    best: dict[str, float],
    header: str,
) -> str:
    """A scenario file that extends ``base_file`` and sets the fitted values."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append(f'extends = "{Path(os.path.relpath(base_file, out_file.parent)).as_posix()}"')
    tables: dict[str, list[str]] = {}
    for parameter in parameters:
        table, _, key = parameter.path.rpartition(".")
        low, high = parameter.bounds
        tables.setdefault(table, []).append(
            f"{key} = {_toml_value(best[parameter.path])}  # calibrated within [{low:g}, {high:g}]"
        )
    for table, entries in tables.items():
        lines += ["", f"[{table}]"] if table else [""]
        lines += entries
    return "\n".join(lines) + "\n"


def _changes(parameters: Sequence[Parameter], x: np.ndarray, base: dict) -> dict[str, float]:
    return {
        p.path: as_field_type(base, p.path, value) for p, value in zip(parameters, x, strict=True)
    }


def calibrate(
    scenario: Scenario,
    spec: TargetsFile,
    *,
    scenario_file: Path,
    out: Path,
    parameters: Sequence[Parameter] | None = None,
    executor: Executor | None = None,
    generations: int | None = None,
    population: int | None = None,
    replications: int | None = None,
    households: int | None = None,
    seed: int | None = None,
    on_result: Callable[[], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    source: str = "<targets>",
) -> CalibrationResult:
    """Fit ``parameters`` (default: the targets file's) so the scenario meets ``spec``.

    Writes to ``out``: ``history.parquet`` (every evaluated point, after every
    generation), ``calibrated.toml`` (the best scenario so far, extending
    ``scenario_file``), and at the end ``fit.csv`` (target against simulated at the
    best point). A rerun with the same settings replays the history and continues.

    Args:
        scenario: the region's scenario.
        spec: its targets.
        scenario_file: the file ``scenario`` came from (``calibrated.toml`` extends it).
        out: output directory.
        parameters, generations, population, replications, households, seed:
            override the targets file's ``[calibration]`` settings.
        executor: where runs go (default: serially here).
        on_result: called after every finished run (progress).
        on_plan: called with the number of runs the fit can take at most.
    """
    settings = spec.calibration
    parameters = list(parameters if parameters is not None else settings.parameters)
    if not parameters:
        raise ScenarioError(
            [ScenarioProblem(source, "calibration.parameters", "no free parameters to fit")]
        )
    _check_against(spec.targets, parameters, scenario, source)
    generations = generations or settings.generations
    population = population or settings.population
    replications = replications or settings.replications
    seed = settings.seed if seed is None else seed
    base = resized(scenario, households or settings.households)
    dumped = base.model_dump(mode="python")
    targets = spec.targets
    names = [p.path for p in parameters]
    out.mkdir(parents=True, exist_ok=True)
    history_file = out / "history.parquet"

    cache: dict[bytes, tuple[float, np.ndarray]] = {}
    rows: list[dict] = []
    if history_file.exists():
        old = pd.read_parquet(history_file)
        if list(old.columns[1 : 1 + len(names)]) == names:
            for _, row in old.iterrows():
                x = row[names].to_numpy(dtype=float)
                means = row[[t.label for t in targets]].to_numpy(dtype=float)
                cache[x.tobytes()] = (float(row["objective"]), means)
            rows = old.to_dict("records")
    if on_plan is not None:
        on_plan(population * len(parameters) * (generations + 1) * replications)

    best: dict = {"objective": math.inf, "x": None}
    generation = {"n": 0}
    fresh = {"n": 0}

    def write_best(x: np.ndarray, value: float) -> None:
        values = dict(zip(names, (float(v) for v in x), strict=True))
        changes = _changes(parameters, x, dumped)
        header = (
            f"Calibrated by `povsim calibrate` against {spec.region} targets "
            f"({datetime.now(UTC):%Y-%m-%d}).\n"
            f"Objective {value:.4g} (mean squared error in tolerances), {replications} "
            f"replications of seed {seed}, {base.population.households} agents."
        )
        text = calibrated_toml(
            scenario_file, out / "calibrated.toml", parameters, {**values, **changes}, header
        )

        write_text(text, out / "calibrated.toml")

    def evaluate_generation(_func, xs) -> list[float]:
        xs = [np.asarray(x, dtype=float) for x in xs]
        todo, scenarios = [], []
        for x in xs:
            if x.tobytes() in cache:
                continue
            try:
                scenarios.append(base.updated(_changes(parameters, x, dumped)))
                todo.append(x)
            except ScenarioError:
                # e.g. budget shares that add up to more than 1: not a candidate
                cache[x.tobytes()] = (INVALID, np.full(len(targets), np.nan))
        if todo:
            values = simulate_targets(scenarios, targets, seed, replications, executor, on_result)
            for x, v in zip(todo, values, strict=True):
                means = v.mean(axis=0)
                value = _objective(means, targets)
                cache[x.tobytes()] = (value, means)
                rows.append(
                    {
                        "generation": generation["n"],
                        **dict(zip(names, x, strict=True)),
                        "objective": value,
                        **{t.label: m for t, m in zip(targets, means, strict=True)},
                    }
                )
            fresh["n"] += len(todo)
        else:
            for _ in range(len(xs) * replications):
                if on_result is not None:
                    on_result()
        results = [cache[x.tobytes()][0] for x in xs]
        for x, value in zip(xs, results, strict=True):
            if value < best["objective"]:
                best.update(objective=value, x=x)
                write_best(x, value)
        if todo:
            frame = pd.DataFrame(rows)
            write_parquet(frame, history_file)
        generation["n"] += 1
        return results

    # The scenario's own values (clipped to the bounds) join the first generation, so a
    # recalibration starts from the profile as it stands.
    x0 = [float(np.clip(get_path(dumped, p.path), *p.bounds)) for p in parameters]
    result = differential_evolution(
        lambda x: math.nan,  # never called: the generation mapper evaluates every point
        bounds=[p.bounds for p in parameters],
        popsize=population,
        maxiter=generations,
        rng=np.random.default_rng(seed),
        polish=False,
        updating="deferred",
        workers=evaluate_generation,
        init="latinhypercube",
        x0=x0,
    )
    x = best["x"] if best["x"] is not None else result.x
    changes = _changes(parameters, x, dumped)
    calibrated = base.updated(changes)
    table = target_table(
        targets, simulate_targets([calibrated], targets, seed, replications, executor)[0]
    )
    write_file(out / "fit.csv", lambda tmp: table.to_csv(tmp, index=False))
    history = pd.DataFrame(rows)
    save_figure(plots.calibration_history(history, names), out / "fit.png")
    save_figure(plots.target_fit(table), out / "targets.png")
    full = scenario.updated(changes)
    return CalibrationResult(
        parameters=parameters,
        best=changes,
        objective=float(best["objective"]),
        history=history,
        table=table,
        scenario=full,
        evaluations=fresh["n"],
    )


def validate(
    regions: Sequence[tuple[Scenario, TargetsFile]],
    *,
    replications: int = 10,
    seed: int = 1,
    households: int | None = None,
    executor: Executor | None = None,
    on_result: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Target against simulated for every region (see :func:`target_table`)."""
    tables = []
    for scenario, spec in regions:
        values = simulate_targets(
            [resized(scenario, households)], spec.targets, seed, replications, executor, on_result
        )[0]
        tables.append(target_table(spec.targets, values).assign(region=spec.region))
    table = pd.concat(tables, ignore_index=True)
    return table[["region", *[c for c in table.columns if c != "region"]]]


def load_region(targets_path: Path) -> tuple[Scenario, TargetsFile]:
    """A region's scenario and targets from its targets file."""
    spec, scenario_file = load_targets(targets_path)
    if scenario_file is None:
        raise ScenarioError(
            [ScenarioProblem(str(targets_path), "scenario", "names no scenario file")]
        )
    scenario = load_scenario(scenario_file)
    _check_against(spec.targets, spec.calibration.parameters, scenario, str(targets_path))
    return scenario, spec
