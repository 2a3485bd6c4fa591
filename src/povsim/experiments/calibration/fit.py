"""Calibration: fit free parameters so a region meets its published targets.

:func:`calibrate` fits the free parameters with SciPy's differential evolution.
Every candidate runs on the same replication seeds (common random numbers), so the
objective is a smooth, deterministic function of the parameters; a whole generation
goes to the executor at once. Because the objective is deterministic and the search
is seeded, a rerun replays the evaluations it finds in the history and goes on where
it stopped: the history is written after every generation and the best scenario
file every time the best point improves, so an interrupted fit loses nothing. Each row
carries the fit's fingerprint and what it is made of (scenario, targets, seed,
replications, the model's code), so a history from another fit is refused, naming what
differs, rather than replayed stale.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import differential_evolution

from povsim.config import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    arguments,
    as_field_type,
    get_path,
    set_path,
)
from povsim.config.paths import differences
from povsim.experiments.calibration.targets import (
    Parameter,
    Target,
    TargetsFile,
    check_against,
    parameter_problem,
)
from povsim.experiments.calibration.validation import (
    resized,
    scaled_errors,
    simulate_targets,
    target_table,
)
from povsim.experiments.executors import EXECUTOR_HINT, Executor, finishing
from povsim.experiments.sweep import counted, none_valid, too_many_runs
from povsim.runs.display import result_repr, shape
from povsim.runs.store import (
    MARKER,
    OutputDirectory,
    check_target,
    command_clock,
    locked,
    not_finite,
    replacing,
    retyped,
)

__all__ = ["CalibrationResult", "calibrate", "calibrated_toml"]

INVALID = 1e12
"""Objective of a candidate that makes an invalid scenario (never the best)."""
FEW_AGENTS = 1_000
"""Under this many agents a parameter that moves no target may move it at a real size."""


def _objective(means: np.ndarray, targets: Sequence[Target]) -> float:
    """Weighted mean of squared scaled errors; below 1 when on average within tolerance."""
    weights = np.array([t.weight for t in targets])
    errors = np.nan_to_num(scaled_errors(means, targets), nan=1e3)
    return float((weights * errors**2).sum() / weights.sum())


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
        agents: the households each of the fit's runs drew (``households``, or the
            scenario's own): ``table`` is at this size, which a target may pass at and
            miss at the scenario's full one.
    """

    parameters: list[Parameter]
    best: dict[str, float]
    objective: float
    history: pd.DataFrame
    table: pd.DataFrame
    scenario: Scenario
    evaluations: int
    agents: int

    def __repr__(self) -> str:
        best = ", ".join(f"{name}={value:.4g}" for name, value in self.best.items())
        return result_repr(
            type(self).__name__,
            f"of {self.scenario.name!r}: objective {self.objective:.4g} at {best} "
            f"({self.evaluations} points evaluated in this call)",
            {"history": shape(*self.history.shape), "table": shape(*self.table.shape)},
            ".table: each target against the simulated value; .scenario: the calibrated one",
        )


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


# The packages a run's numbers come from: a change elsewhere (the CLI, plots, the
# dashboard) leaves a fit's evaluations as they were.
_MODEL_CODE = ("config", "sim", "runs", "experiments/calibration")
# What a target contributes to the objective (not its source or note).
_TARGET_FIELDS = {
    "indicator", "year", "value", "relative_tolerance", "absolute_tolerance", "program",
    "basis", "weight",
}  # fmt: skip


def _fit_record(
    base: Scenario,
    parameters: Sequence[Parameter],
    targets: Sequence[Target],
    seed: int,
    replications: int,
) -> dict[str, Any]:
    """What a fit's evaluations depend on besides its parameters' values, part by part: the
    rest of the scenario, the targets (what each contributes to the objective, by label),
    the runs' seed and replications, and a digest of the model's code. A history keeps it
    (``fit_parts``), so a refusal names the part that differs."""
    dumped = base.model_dump(mode="json")
    for p in parameters:  # every candidate sets these: the scenario's own values do not count
        set_path(dumped, p.path.split("."), None)
    dumped.pop("name", None)
    dumped.pop("description", None)
    named: dict[str, Any] = {}
    for target in targets:
        # A figure listed twice counts twice in the objective: the second is a part too.
        key, n = target.label, 1
        while key in named:
            n += 1
            key = f"{target.label} ({n})"
        named[key] = target.model_dump(mode="json", include=_TARGET_FIELDS)
    digest = hashlib.sha256()
    package = Path(__file__).parents[2]  # povsim/experiments/calibration/fit.py
    for folder in _MODEL_CODE:
        for path in sorted((package / folder).rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return {
        "scenario": dumped,
        "targets": named,
        "seed": seed,
        "replications": replications,
        "code": digest.hexdigest()[:16],
    }


def _digest(record: dict[str, Any]) -> str:
    """A fit's fingerprint: the digest of its :func:`_fit_record`, which a history's rows
    carry (``fit``) to be told from another fit's at a glance."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def _other_fit(old: pd.DataFrame, names: list[str], record: dict[str, Any]) -> str:
    """What differs between the fit that wrote history ``old`` and this one (free
    parameters ``names``, the rest ``record``), as "the runs' seed: 1 then, 2 now"; said
    to be unknown for a history an older povsim wrote, which kept only the digest."""
    columns = list(old.columns)
    before = columns[1 : columns.index("objective")] if "objective" in columns else None
    said = []
    if before != names:
        fitted = ", ".join(before) if before else "unknown"
        said.append(f"the free parameters: {fitted} then, {', '.join(names)} now")
    recorded = []
    for text in old["fit_parts"].dropna().unique() if "fit_parts" in columns else ():
        with contextlib.suppress(ValueError, TypeError):
            if isinstance(found := json.loads(text), dict):
                recorded.append(found)
    if not recorded:
        said.append(
            "what else differs is unknown: the history was written by an older povsim, "
            "which kept no more than a digest of it"
        )
    for then in recorded:
        said += _record_differences(then, record, [*(before or ()), *names])
    return "; ".join(dict.fromkeys(said)) or "what differs is unknown"


def _record_differences(
    then: dict[str, Any], now: dict[str, Any], parameters: list[str]
) -> list[str]:
    """Each part of two fits' records (:func:`_fit_record`) that differs, named."""
    said = []
    scenarios = []
    for recorded in (then.get("scenario"), now["scenario"]):
        dumped = json.loads(json.dumps(recorded if isinstance(recorded, dict) else {}))
        for path in parameters:  # set by every candidate of either fit: not the scenario's
            with contextlib.suppress(KeyError, TypeError):
                set_path(dumped, path.split("."), None)
        scenarios.append(dumped)
    if shown := differences(*scenarios):
        said.append(f"the scenario's {shown}")
    targets = then.get("targets")
    if shown := _target_differences(targets if isinstance(targets, dict) else {}, now["targets"]):
        said.append(f"the targets: {shown}")
    for part in ("seed", "replications"):
        if then.get(part) != now[part]:
            said.append(f"the runs' {part}: {then.get(part, 'unknown')} then, {now[part]} now")
    if then.get("code") != now["code"]:
        # Kept as a digest (the modules' text is too much for every row): which changed is
        # not known.
        said.append("the model's code has changed since")
    return said


def _target_differences(then: dict[str, Any], now: dict[str, Any], most: int = 3) -> str:
    """Targets added, removed or changed between two records, by label."""
    said = [f"{label} added" for label in now if label not in then]
    said += [f"{label} removed" for label in then if label not in now]
    for label in (label for label in now if label in then):
        if isinstance(then[label], dict) and then[label] != now[label]:
            shown = differences(then[label], now[label], most=1)
            said.append(f"{label}'s {shown}")
        elif then[label] != now[label]:
            said.append(f"{label} changed")
    return ", ".join(said[:most]) + (", ..." if len(said) > most else "")


def _bounds_text(parameters: Sequence[Parameter]) -> str:
    """The parameters' bounds as the history records them (JSON, by path)."""
    return json.dumps({p.path: list(p.bounds) for p in parameters})


def _other_bounds(recorded: object, parameters: Sequence[Parameter]) -> list[str]:
    """Each parameter whose bounds differ from those ``recorded`` in a history, as
    ``PATH: LOW:HIGH there, LOW:HIGH now`` (``unknown there`` when unreadable)."""
    try:
        old = {
            path: (float(low), float(high))
            for path, (low, high) in json.loads(str(recorded)).items()
        }
    except (ValueError, TypeError, AttributeError):
        old = {}

    def span(bounds: tuple[float, float]) -> str:
        return f"{bounds[0]:g}:{bounds[1]:g}"

    return [
        f"{p.path}: {span(old[p.path]) if p.path in old else 'unknown'} there, {span(p.bounds)} now"
        for p in parameters
        if old.get(p.path) != tuple(p.bounds)
    ]


def _changes(
    dumped: dict[str, Any], parameters: Sequence[Parameter], x: NDArray[np.float64]
) -> dict[str, int | float]:
    """The scenario changes that set each parameter to its value in ``x``."""
    return {
        p.path: as_field_type(dumped, p.path, value) for p, value in zip(parameters, x, strict=True)
    }


class _Search:
    """The state of one fit: the evaluated points (replayed from the history on disk),
    the best point so far, and the generation being evaluated."""

    def __init__(
        self,
        base: Scenario,
        parameters: list[Parameter],
        targets: Sequence[Target],
        directory: OutputDirectory,
        write_best: Callable[[NDArray[np.float64], float], None],
        run: Callable[[list[Scenario]], NDArray[np.float64]],
        replications: int,
        on_result: Callable[[], None] | None,
        record: dict[str, Any],
    ):
        self.base, self.parameters, self.targets = base, parameters, targets
        self.dumped = base.model_dump(mode="python")
        self.names = [p.path for p in parameters]
        self.directory, self.write_best, self.run = directory, write_best, run
        self.replications, self.on_result = replications, on_result
        self.record = record
        self.fingerprint = _digest(record)
        self.parts = json.dumps(record, sort_keys=True)
        self.bounds = _bounds_text(parameters)
        self.cache: dict[bytes, tuple[float, NDArray[np.float64]]] = {}
        self.rows: list[dict[str, Any]] = []
        self.best_objective = math.inf
        self.best_x: NDArray[np.float64] | None = None
        self.invalid: ScenarioProblem | None = None
        """Why the first candidate that made no valid scenario was skipped."""
        self.generation = 0
        self.fresh = 0

    @property
    def history_file(self) -> Path:
        return self.directory.path / "history.parquet"

    def replay(self) -> None:
        """Take every point of this fit's history; refuse another fit's."""
        if not self.history_file.exists():
            return
        labels = [t.label for t in self.targets]
        try:
            old = pd.read_parquet(self.history_file)
        except Exception:  # unreadable or not ours: say so, touch nothing
            raise ScenarioError(
                [
                    ScenarioProblem(
                        str(self.history_file),
                        "",
                        "damaged: the fit cannot continue from it (--overwrite starts anew)",
                    )
                ]
            ) from None
        same = list(old.columns[1 : 1 + len(self.names)]) == self.names
        if same and "bounds" in old.columns:
            # The fingerprint leaves the bounds out, but a fit within other bounds is
            # another search: continued here, its history would hold two searches and
            # calibrated.toml lose the first one's best point to the second's.
            differ = list(
                dict.fromkeys(
                    d
                    for text in old["bounds"].unique()
                    for d in _other_bounds(text, self.parameters)
                )
            )
            if differ:
                raise ScenarioError(
                    [
                        ScenarioProblem(
                            str(self.history_file),
                            "",
                            f"written by a fit within other bounds ({'; '.join(differ)}): "
                            "its points would be mixed with this fit's; give the same bounds "
                            "to continue it, --overwrite to replace it, or another --out "
                            "(overwrite=, out= in Python)",
                        )
                    ]
                )
        if (
            not same
            or "fit" not in old.columns
            or "bounds" not in old.columns
            or (old["fit"] != self.fingerprint).any()
        ):
            what = _other_fit(old, self.names, self.record)
            raise ScenarioError(
                [
                    ScenarioProblem(
                        str(self.history_file),
                        "",
                        f"written by another fit ({what}): its points would be stale; "
                        "--overwrite replaces it, or choose another --out (overwrite=, out= "
                        "in Python)",
                    )
                ]
            )
        zeros = np.zeros(len(self.names))
        if wrong := retyped(old, self._row(zeros, 0.0, np.zeros(len(self.targets)))):
            raise ScenarioError(
                [
                    ScenarioProblem(
                        str(self.history_file),
                        "",
                        f"damaged: {wrong} other values than a fit writes: "
                        "the fit cannot continue from it (--overwrite starts anew)",
                    )
                ]
            )
        if (blank := not_finite(old, self.names)) is not None:
            raise ScenarioError(
                [
                    ScenarioProblem(
                        str(self.history_file),
                        "",
                        f"damaged: {blank}, where a fit writes a parameter's value: the fit "
                        "cannot continue from it (--overwrite starts anew)",
                    )
                ]
            )
        for _, row in old.iterrows():
            x, means = row[self.names].to_numpy(dtype=float), row[labels]
            self.cache[x.tobytes()] = (float(row["objective"]), means.to_numpy(dtype=float))
        self.rows = old.to_dict("records")

    def changes(self, x: NDArray[np.float64]) -> dict[str, int | float]:
        return _changes(self.dumped, self.parameters, x)

    def _row(
        self, x: NDArray[np.float64], value: float, means: NDArray[np.float64]
    ) -> dict[str, Any]:
        """A point's row of the history."""
        return {
            "generation": self.generation,
            **dict(zip(self.names, (float(v) for v in x), strict=True)),
            "objective": float(value),
            **{t.label: float(m) for t, m in zip(self.targets, means, strict=True)},
            "fit": self.fingerprint,
            "fit_parts": self.parts,
            "bounds": self.bounds,
        }

    def __call__(self, _func: object, xs: Sequence[Sequence[float]]) -> list[float]:
        """Evaluate one generation (SciPy's ``workers`` hook): new points on the executor."""
        points = [np.asarray(x, dtype=float) for x in xs]
        todo, scenarios = [], []
        for x in points:
            if x.tobytes() in self.cache:
                continue
            try:
                scenarios.append(self.base.updated(self.changes(x)))
                todo.append(x)
            except ScenarioError as err:
                # e.g. budget shares that add up to more than 1: not a candidate
                self.cache[x.tobytes()] = (INVALID, np.full(len(self.targets), np.nan))
                if self.invalid is None and err.problems:
                    self.invalid = err.problems[0]
        if todo:
            for x, values in zip(todo, self.run(scenarios), strict=True):
                means = values.mean(axis=0)
                value = _objective(means, self.targets)
                self.cache[x.tobytes()] = (value, means)
                self.rows.append(self._row(x, value, means))
            self.fresh += len(todo)
            self.directory.table("history", pd.DataFrame(self.rows))
        elif self.on_result is not None:
            for _ in range(len(points) * self.replications):
                self.on_result()
        results = [self.cache[x.tobytes()][0] for x in points]
        for x, value in zip(points, results, strict=True):
            # An invalid candidate is never a best point: calibrated.toml must load.
            if value < min(self.best_objective, INVALID):
                self.best_objective, self.best_x = value, x
                self.write_best(x, value)
        self.generation += 1
        return results


def _refuse_inert(
    base: Scenario,
    parameters: Sequence[Parameter],
    targets: Sequence[Target],
    x0: Sequence[float],
    seed: int,
    executor: Executor | None,
    on_result: Callable[[], None] | None,
    source: str,
    parameters_given: str | None,
) -> None:
    """Refuse a free parameter that moves no target between its bounds.

    Each parameter is run at its two bounds, the others at the scenario's values, on one
    replication's stream: with common random numbers a parameter the model ignores (a
    take-up that an entitlement overrides, say) gives the same targets to the last digit,
    and fitting it would write noise into the profile as a calibrated value. A bound
    that makes an invalid scenario leaves its parameter unjudged.
    """
    dumped = base.model_dump(mode="python")
    judged, scenarios = [], []
    for i, parameter in enumerate(parameters):
        ends = []
        for bound in parameter.bounds:
            x = np.array(x0, dtype=float)
            x[i] = bound
            try:
                ends.append(base.updated(_changes(dumped, parameters, x)))
            except ScenarioError:
                break
        else:
            judged.append(parameter)
            scenarios += ends
    if not scenarios:
        return
    values = simulate_targets(scenarios, targets, seed, 1, executor, on_result)
    problems = [
        parameter_problem(
            parameters,
            parameters.index(p),
            "path",
            source,
            parameters_given,
            f"moves no target between its bounds {p.bounds[0]:g} and {p.bounds[1]:g}: the "
            "model ignores it here, so it cannot be fitted"
            + (
                ""
                if base.population.households >= FEW_AGENTS
                else f" (or {base.population.households:,} agents are too few to show it)"
            ),
        )
        for k, p in enumerate(judged)
        if np.array_equal(values[2 * k], values[2 * k + 1], equal_nan=True)
    ]
    if problems:
        raise ScenarioError(problems)


@command_clock()
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
    parameters_given: str | None = None,
    overwrite: bool = False,
) -> CalibrationResult:
    """Fit ``parameters`` (default: the targets file's) so the scenario meets ``spec``.

    Writes to ``out``: ``history.parquet`` (every evaluated point, after every
    generation), ``calibrated.toml`` (the best scenario so far, extending
    ``scenario_file``), and at the end ``fit.csv`` (target against simulated at the
    best point), ``figures/fit.png``, ``figures/targets.png`` and ``manifest.json``.
    A rerun with the same settings replays the history and continues; a history written
    by another fit (scenario, targets, seed, replications or the model's code) is refused,
    naming what differs.
    Before the search each parameter is run at its bounds; one that moves no target is
    refused (:class:`~povsim.config.ScenarioError`), as the model ignores it. With
    ``overwrite`` an earlier calibration at ``out`` is replaced instead (kept aside until the
    new fit has written a point, and back if it is refused or stopped before).

    Args:
        scenario: the region's scenario.
        spec: its targets.
        scenario_file: the file ``scenario`` came from (``calibrated.toml`` extends it).
        out: output directory.
        parameters: free parameters (default: the targets file's ``[calibration]``).
        generations: generations of the search (default: the targets file's).
        population: candidates per generation, per parameter (default: the targets file's).
        replications: fixed-seed replications per candidate (default: the targets file's).
        households: agents per run while fitting (default: the targets file's).
        seed: seed of the runs and the search (default: the targets file's).
        executor: where runs go (default: serially here).
        on_result: called after every finished run (progress).
        on_plan: called with the number of runs the fit can take at most.
        source: the targets file, for messages.
        parameters_given: where ``parameters`` came from, for messages, when they are not
            the targets file's (``--param``).
        overwrite: replace an earlier calibration at ``out`` rather than continue it.
    """
    arguments.flag("overwrite", overwrite)
    target = arguments.path("out", out)
    written = (target / "history.parquet", target / "calibrated.toml")

    def kept() -> bool:
        return any(path.is_file() for path in written)

    # One fit at a time on OUT: two would each write their points over the other's and
    # both end in success. The lock is taken before an earlier fit is set aside and let go
    # only after it is back, so no other writer slips in between.
    with contextlib.ExitStack() as held:
        held.enter_context(locked(target))
        held.enter_context(replacing(target, "calibration", overwrite=overwrite, kept=kept))
        from povsim.plots.calibration import calibration_history, target_fit

        arguments.loaded("scenario", scenario)
        arguments.instance(
            "spec", spec, TargetsFile, "a TargetsFile, as load_region(targets_path) returns"
        )
        scenario_file = arguments.path("scenario_file", scenario_file)
        if not scenario_file.is_file():  # calibrated.toml extends it
            raise ValueError(f"scenario_file: {scenario_file} is not a file")
        out = target
        check_target(out, "calibration", resume=True)  # before the runs, not after them
        if executor is not None:
            arguments.instance("executor", executor, Executor, EXECUTOR_HINT)
        settings = spec.calibration
        # What was given here rather than taken from the targets file, for messages.
        asked = [
            name
            for name, value in (
                ("generations", generations),
                ("population", population),
                ("replications", replications),
            )
            if value is not None
        ]
        # Parameters passed in (the command line's --param) are named as given in messages.
        given = parameters_given if parameters is not None else None
        parameters = list(parameters if parameters is not None else settings.parameters)
        if not parameters:
            raise ScenarioError(
                [ScenarioProblem(source, "calibration.parameters", "no free parameters to fit")]
            )
        check_against(spec.targets, parameters, scenario, source, given)
        # None takes the targets file's value; a value given is checked as --generations etc. are.
        generations = arguments.whole(
            "generations", settings.generations if generations is None else generations
        )
        population = arguments.whole(
            "population", settings.population if population is None else population, least=2
        )
        replications = arguments.replications(
            settings.replications if replications is None else replications
        )
        seed = arguments.seed("seed", settings.seed if seed is None else seed)
        if households is None:
            households = settings.households  # None too: the profile's own size
        else:
            arguments.whole("households", households, least=10)
        base = resized(scenario, households)
        targets = spec.targets
        # The scenario's own values (clipped to the bounds) join the first generation, so a
        # recalibration starts from the profile as it stands.
        dumped = base.model_dump(mode="python")
        x0 = [float(np.clip(get_path(dumped, p.path), *p.bounds)) for p in parameters]
        # SciPy's population is per parameter, at least 5 in all (a progress bar of one
        # parameter at 2 ran to 18 of 8), and the initial one comes before the generations.
        members = max(5, population * len(parameters))
        fit_runs = members * (generations + 1) * replications
        size = [
            counted(population, "candidate", " per parameter"),
            counted(len(parameters), "parameter"),
            counted(generations + 1, "generation", " (with the initial one)"),
            counted(replications, "replication"),
        ]
        # Before the first run: a fit of 10^15 runs started and would never have ended.
        if (too_many := too_many_runs(size, fit_runs, "a fit")) is not None:
            where = ", ".join(f"--{name}" for name in asked)
            raise ScenarioError(
                [ScenarioProblem(where or source, "" if where else "calibration", too_many)]
            )
        if on_plan is not None:
            # The inert check's two bounds a parameter, the search, and the best point's
            # runs for fit.csv (left out, a fit of 12 planned runs reported 13).
            on_plan(2 * len(parameters) + fit_runs + replications)
        _refuse_inert(base, parameters, targets, x0, seed, executor, on_result, source, given)
        existed = Path(out).exists()
        directory = OutputDirectory(Path(out), "calibration")

        def discard() -> None:
            """Remove what this fit made when it kept no point: a folder holding only the
            marker would refuse every other command, and has nothing to continue."""
            if kept():
                return
            if not existed:
                shutil.rmtree(directory.path, ignore_errors=True)
            elif [f.name for f in directory.path.iterdir()] == [MARKER]:
                (directory.path / MARKER).unlink()  # the user's own empty directory stays

        def run(scenarios: list[Scenario]) -> NDArray[np.float64]:
            return simulate_targets(scenarios, targets, seed, replications, executor, on_result)

        def write_best(x: NDArray[np.float64], value: float) -> None:
            values = dict(zip(search.names, (float(v) for v in x), strict=True))
            header = (
                f"Calibrated by `povsim calibrate` against {spec.region} targets "
                f"({datetime.now(UTC):%Y-%m-%d}).\n"
                f"Objective {value:.4g} (mean squared error in tolerances), "
                f"{counted(replications, 'replication')} of seed {seed}, "
                f"{base.population.households} agents."
            )
            text = calibrated_toml(
                scenario_file,
                directory.path / "calibrated.toml",
                parameters,
                {**values, **search.changes(x)},
                header,
            )
            directory.text("calibrated.toml", text)

        record = _fit_record(base, parameters, targets, seed, replications)
        search = _Search(
            base,
            parameters,
            targets,
            directory,
            write_best,
            run,
            replications,
            on_result,
            record,
        )
        # Refused there, another fit's history is kept (and neither discarded nor timed).
        search.replay()
        try:
            with directory.session(kept):
                differential_evolution(
                    lambda x: math.nan,  # never called: the generation mapper evaluates every point
                    bounds=[p.bounds for p in parameters],
                    popsize=population,
                    maxiter=generations,
                    rng=np.random.default_rng(seed),
                    polish=False,
                    updating="deferred",
                    workers=search,
                    init="latinhypercube",
                    x0=x0,
                )
        except BaseException:
            discard()  # stopped or refused before its first point
            raise
        if search.best_x is None:
            # Every candidate was skipped: nothing to calibrate, and nothing to leave behind.
            discard()
            raise ScenarioError(
                [
                    ScenarioProblem(
                        given or source,
                        "" if given else "calibration.parameters",
                        none_valid("candidate in the bounds", search.invalid),
                    )
                ]
            )
        changes = search.changes(search.best_x)
        calibrated = base.updated(changes)
        table = target_table(targets, run([calibrated])[0])
        with finishing(directory.path):
            directory.text("fit.csv", table.to_csv(index=False))
            history = pd.DataFrame(search.rows)
            directory.figure("fit", calibration_history(history, search.names))
            directory.figure("targets", target_fit(table))
            directory.manifest(
                region=spec.region,
                targets_file=source,
                scenario_file=str(scenario_file),
                parameters=[p.model_dump(mode="json") for p in parameters],
                best=changes,
                objective=search.best_objective,
                seed=seed,
                replications=replications,
                agents=base.population.households,
            )
        return CalibrationResult(
            parameters=parameters,
            best=changes,
            objective=float(search.best_objective),
            history=history,
            table=table,
            scenario=scenario.updated(changes),
            evaluations=search.fresh,
            agents=base.population.households,
        )
