"""Policy search: the budget mixes that trade off outcomes best, found with pymoo.

A search has *levers* (the programs' shares of the budget, kept summing to what the base
scenario gives them together, and numeric fields by dotted path such as ``budget.scale``),
*objectives* from the outcome registry (:mod:`povsim.runs.metrics`), each minimised or
maximised, and optional *constraints* (``spending_yuan<=budget``). NSGA-II searches
(NSGA-III beyond three objectives); every generation goes to the executor at once, and
every candidate runs the same replications (common random numbers), so its scores are a
deterministic function of its levers.

In *robust* mode each candidate also runs over a fixed Latin-hypercube sample of the
uncertain inputs of a sensitivity problem file, and each objective scores the candidate
by a statistic over that sample: the mean, the 90th percentile of the bad tail, or the
regret (its largest shortfall against the base scenario's own mix in the same
conditions).

As with calibration, the search is seeded and its scores deterministic, so a rerun
replays the evaluations in ``history.parquet`` (written after every generation) and goes
on where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from povsim.config import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    arguments,
    as_field_type,
    get_path,
    not_varied,
    one_county,
)
from povsim.config.fields import repeated
from povsim.config.paths import differences
from povsim.experiments.calibration.validation import resized
from povsim.experiments.executors import Executor, finishing, given
from povsim.experiments.problem import Problem, load_problem
from povsim.experiments.sweep import counted, none_valid, too_many_runs
from povsim.runs import metrics
from povsim.runs.display import result_repr, shape
from povsim.runs.runner import simulate
from povsim.runs.store import (
    OutputDirectory,
    command_clock,
    locked,
    not_finite,
    replacing,
    retyped,
    write_text,
)

__all__ = [
    "STATISTICS",
    "Constraint",
    "Lever",
    "Objective",
    "OptimizationResult",
    "SearchSpace",
    "front_of",
    "member_toml",
    "optimize",
    "parse_constraint",
    "parse_lever",
    "parse_objective",
]

STATISTICS = ("mean", "p90", "regret")
"""How robust mode scores a candidate over the sample of uncertain inputs."""

ROBUST_SAMPLES = 8
"""Draws of the uncertain inputs in robust mode, unless told."""

SHARE = "share:"
"""Prefix of a share variable: a program's weight in the split of the shares' total."""

INSTALL = "the optimize command needs pymoo: pip install 'povsim[optimize]'"

INVALID = 1e12
"""What pymoo sees for a score that is NaN: an invalid scenario, or an outcome that cannot
be computed (a cost per exit without exits). Never better than a real score."""


def _problem(source: str, where: str, message: str) -> ScenarioError:
    return ScenarioError([ScenarioProblem(source, where, message)])


# ------------------------------------------------------------------ objectives, constraints


@dataclass(frozen=True)
class Objective:
    """An outcome to minimise or maximise.

    Attributes:
        name: a registered outcome, ``COLUMN@YEAR`` or ``exited_people:PROGRAM``.
        sense: ``min`` or ``max``.
    """

    name: str
    sense: Literal["min", "max"] = "min"

    @property
    def sign(self) -> float:
        """pymoo minimises: a maximised outcome enters negated."""
        return 1.0 if self.sense == "min" else -1.0

    def __str__(self) -> str:
        return f"{self.sense}:{self.name}"


def parse_objective(text: str, source: str = "--objectives") -> Objective:
    """``NAME``, ``min:NAME`` or ``max:NAME``; a bare name takes the direction the registry
    prefers (lower or higher is better), else it is minimised.

    Raises:
        ScenarioError: naming the objective when the outcome is unknown.
    """
    text = text.strip()
    head, colon, name = text.partition(":")
    explicit = colon and head in ("min", "max")
    sense = head if explicit else ""
    if not explicit:
        name = text
    try:
        found = metrics.outcome(name)
    except metrics.UnknownOutcome as err:
        if colon and not explicit and metrics.pathway_program(text) is None:
            # read whole as an outcome's name, "maximise:x" was an unknown output
            raise _problem(
                source, text, f"{head!r} is no direction: give min:NAME, max:NAME or NAME"
            ) from None
        raise _problem(source, text, str(err.args[0])) from None
    if not explicit:
        sense = "max" if found.better == "higher" else "min"
    return Objective(name, sense)  # type: ignore[arg-type]  # checked above


@dataclass(frozen=True)
class Constraint:
    """``NAME<=BOUND`` or ``NAME>=BOUND``; ``budget`` as the bound is the base scenario's
    total funds over its years (yuan)."""

    name: str
    op: Literal["<=", ">="]
    bound: float | Literal["budget"]

    def value(self, base: Scenario) -> float:
        if self.bound == "budget":
            return float(sum(base.funds(year) for year in base.years))
        return float(self.bound)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.bound}"


_CONSTRAINT = re.compile(r"^\s*([^<>=\s]+)\s*(<=|>=)\s*(\S+)\s*$")


def parse_constraint(text: str, source: str = "--constraint") -> Constraint:
    """``NAME<=VALUE`` or ``NAME>=VALUE`` (VALUE a number or ``budget``).

    Raises:
        ScenarioError: naming the constraint and the problem.
    """
    match = _CONSTRAINT.match(text)
    if not match:
        raise _problem(source, text, "expected NAME<=VALUE or NAME>=VALUE")
    name, op, raw = match.groups()
    try:
        unit = metrics.outcome(name).unit
    except metrics.UnknownOutcome as err:
        raise _problem(source, text, str(err.args[0])) from None
    bound: float | Literal["budget"]
    if raw == "budget":
        # The base scenario's budget is yuan: against a share or a count it bounds nothing.
        if unit != "yuan":
            raise _problem(
                source, text, f"'budget' is yuan, and {name} is in {unit}: give a number"
            )
        bound = "budget"
    else:
        try:
            bound = float(raw)
        except ValueError:
            raise _problem(source, text, f"{raw!r} is not a number or 'budget'") from None
        if not math.isfinite(bound):
            raise _problem(source, text, "the bound must be a finite number")
    return Constraint(name, op, bound)  # type: ignore[arg-type]  # matched above


# ------------------------------------------------------------------ levers


@dataclass(frozen=True)
class Lever:
    """A lever of the search: a numeric field within bounds, or a split of budget shares.

    Attributes:
        path: a dotted scenario path (None for shares).
        bounds: (low, high) for a field.
        programs: for shares, the programs whose shares are split (empty: all funded from
            the total budget).
    """

    path: str | None = None
    bounds: tuple[float, float] = (0.0, 1.0)
    programs: tuple[str, ...] | None = None

    def __str__(self) -> str:
        if self.programs is not None:
            return "shares" + (f"={','.join(self.programs)}" if self.programs else "")
        return f"{self.path}={self.bounds[0]:g}:{self.bounds[1]:g}"


def parse_lever(text: str, source: str = "--levers") -> Lever:
    """``shares``, ``shares=PROG,PROG,...`` or ``dotted.path=LOW:HIGH``.

    Raises:
        ScenarioError: naming the lever when it is malformed or its bounds are reversed.
    """
    text = text.strip()
    head, sep, rest = text.partition("=")
    if head.strip() == "shares":
        programs = tuple(p.strip() for p in rest.split(",") if p.strip()) if sep else ()
        if sep and len(programs) < 2:
            raise _problem(source, text, "shares= needs two or more programs to split")
        twice = repeated(programs)
        if twice:
            raise _problem(source, text, f"names {', '.join(twice)} more than once")
        return Lever(programs=programs)
    low, colon, high = rest.partition(":")
    if not (sep and colon and head.strip()):
        raise _problem(source, text, "expected dotted.path=LOW:HIGH, shares or shares=A,B,...")
    try:
        bounds = (float(low), float(high))
    except ValueError:
        raise _problem(source, text, "LOW and HIGH must be numbers") from None
    if not all(math.isfinite(b) for b in bounds):
        raise _problem(source, text, "LOW and HIGH must be finite")
    if not bounds[0] < bounds[1]:
        raise _problem(source, text, "bounds must have LOW < HIGH")
    return Lever(path=head.strip(), bounds=bounds)


def _outside_field(
    base: Scenario, path: str, bounds: tuple[float, float], kind: type
) -> str | None:
    """What is wrong with a bound outside the field's own limits (None if both are within)."""
    for bound in bounds:
        try:
            base.updated({path: kind(bound)})
        except ScenarioError as err:
            own = [p for p in err.problems if p.path == path]
            if own:
                return f"at {bound:g}: {own[0].message}"
    return None


class SearchSpace:
    """The levers resolved against a base scenario: the variables and the scenario each
    point makes.

    A shares lever has one variable ``share:PROGRAM`` per program, a weight in [0, 1];
    a point's shares are the weights normalised to the total the base scenario gives those
    programs, so the money they split, and every other program's share, stay as there
    and no point makes shares add up to more than the budget.

    Raises:
        ScenarioError: naming the lever that does not fit the scenario.
    """

    def __init__(self, base: Scenario, levers: Sequence[Lever], source: str = "--levers"):
        self.base, self.levers = base, list(levers)
        self.dumped = base.model_dump(mode="python")
        self.names: list[str] = []
        self.low: list[float] = []
        self.high: list[float] = []
        # Integer fields (worker limits, years) take a point's value rounded.
        self.integer: list[bool] = []
        self.shares: tuple[str, ...] = ()
        problems: list[ScenarioProblem] = []
        funded = [n for n, p in base.programs.items() if p.budget is None]
        for lever in self.levers:
            if lever.programs is not None:
                if self.shares:
                    problems.append(ScenarioProblem(source, str(lever), "give shares once"))
                    continue
                programs = lever.programs or tuple(funded)
                unknown = [p for p in programs if p not in funded]
                if unknown:
                    problems.append(
                        ScenarioProblem(
                            source,
                            str(lever),
                            f"no program {unknown[0]!r} funded from budget.total in the "
                            f"scenario (it has {', '.join(funded) or 'none'})",
                        )
                    )
                    continue
                if len(programs) < 2:
                    problems.append(
                        ScenarioProblem(source, str(lever), "needs two or more programs")
                    )
                    continue
                if not sum(base.programs[p].share for p in programs) > 0:
                    # Weights of nothing split nothing: every candidate would be the same.
                    problems.append(
                        ScenarioProblem(
                            source,
                            str(lever),
                            f"the scenario gives {', '.join(programs)} no share of the "
                            "budget (their shares add up to 0): there is nothing to split",
                        )
                    )
                    continue
                self.shares = programs
                self.names += [f"{SHARE}{p}" for p in programs]
                self.low += [0.0] * len(programs)
                self.high += [1.0] * len(programs)
                self.integer += [False] * len(programs)
                continue
            assert lever.path is not None
            where = str(lever)
            try:
                value = get_path(self.dumped, lever.path)
            except (KeyError, TypeError):
                problems.append(
                    ScenarioProblem(source, where, f"the scenario has no field {lever.path!r}")
                )
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(
                    ScenarioProblem(source, where, f"{lever.path} is not a number to search over")
                )
                continue
            if lever.path in self.names:
                problems.append(ScenarioProblem(source, where, "given twice"))
                continue
            if (reason := not_varied(lever.path, sized=True, compared=True)) is not None:
                problems.append(ScenarioProblem(source, where, reason))
                continue
            whole = isinstance(value, int)
            bounds = lever.bounds
            if whole:
                # the whole values within the bounds: the only ones the scenario can take
                bounds = (float(math.ceil(bounds[0])), float(math.floor(bounds[1])))
                if bounds[0] > bounds[1]:
                    problems.append(
                        ScenarioProblem(
                            source,
                            where,
                            f"{lever.path} takes whole numbers, and none lies between "
                            f"{lever.bounds[0]:g} and {lever.bounds[1]:g}",
                        )
                    )
                    continue
            if (outside := _outside_field(base, lever.path, bounds, type(value))) is not None:
                # every point beyond the field's own limits would be infeasible, silently
                problems.append(ScenarioProblem(source, where, outside))
                continue
            self.names.append(lever.path)
            self.low.append(bounds[0])
            self.high.append(bounds[1])
            self.integer.append(whole)
        for path in self.names:
            program = path.removeprefix("programs.").removesuffix(".share")
            if path.endswith(".share") and program in self.shares:
                problems.append(ScenarioProblem(source, path, "already set by the shares lever"))
        if not self.names and not problems:
            problems.append(ScenarioProblem(source, "", "no levers to search over"))
        if problems:
            raise ScenarioError(problems)
        self.total = float(sum(base.programs[p].share for p in self.shares))

    @property
    def n_var(self) -> int:
        return len(self.names)

    def x0(self) -> NDArray[np.float64]:
        """The base scenario's own point (fields clipped to their bounds)."""
        x = []
        for name, low, high in zip(self.names, self.low, self.high, strict=True):
            if name.startswith(SHARE):
                share = self.base.programs[name.removeprefix(SHARE)].share
                x.append(share / self.total if self.total else 1.0 / len(self.shares))
            else:
                x.append(float(np.clip(get_path(self.dumped, name), low, high)))
        return self.snap(np.array(x, dtype=float))

    def snap(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Points (one, or one per row) with each integer lever rounded, as the scenario
        takes it, within its whole bounds: points that make the same scenario are one
        point, run once and recorded with the value that ran."""
        x = np.array(x, dtype=float)
        whole = np.array(self.integer, dtype=bool)
        x[..., whole] = np.clip(
            np.round(x[..., whole]), np.array(self.low)[whole], np.array(self.high)[whole]
        )
        return x

    def shares_of(self, x: Sequence[float] | NDArray[np.float64]) -> dict[str, float]:
        """The budget shares a point gives the shares lever's programs."""
        weights = np.array(
            [v for n, v in zip(self.names, x, strict=True) if n.startswith(SHARE)], dtype=float
        )
        if not len(weights):
            return {}
        weights = np.clip(weights, 0.0, None)
        if weights.sum() <= 0:
            weights = np.ones_like(weights)
        return {
            p: float(self.total * w / weights.sum())
            for p, w in zip(self.shares, weights, strict=True)
        }

    def changes(self, x: Sequence[float] | NDArray[np.float64]) -> dict[str, Any]:
        """The scenario fields a point sets, by dotted path."""
        changes: dict[str, Any] = {f"programs.{p}.share": s for p, s in self.shares_of(x).items()}
        for name, value in zip(self.names, x, strict=True):
            if not name.startswith(SHARE):
                changes[name] = as_field_type(self.dumped, name, float(value))
        return changes


# ------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    seed: int
    replication: int
    outcomes: tuple[str, ...]
    counterfactual: bool


def _measure(task: _Task) -> NDArray[np.float64]:
    """One run's outcomes; module-level so every executor can send it to a worker."""
    run = simulate(
        task.scenario, task.seed, replication=task.replication, counterfactual=task.counterfactual
    )
    values = metrics.evaluate(run, task.outcomes)
    return np.array([values[name] for name in task.outcomes], dtype=float)


def _library_seed(seed: int) -> int:
    """The seed pymoo and SALib are given for a search's ``seed`` (its runs take the seed
    itself). Their older releases, which the extras still allow (pymoo 0.6.1), seed NumPy's
    legacy generator, which takes seeds under 2^32 only: a larger seed is folded into 32
    bits by a SeedSequence of it, and a smaller one is given as it is, so that every search
    made before keeps its trajectory (and a resumed one its history)."""
    if seed < 2**32:
        return seed
    return int(np.random.SeedSequence(seed).generate_state(1)[0])


def _robust_sample(problem: Problem, samples: int, seed: int) -> list[dict[str, Any]]:
    """A Latin-hypercube sample of the problem's uncertain inputs (their distributions)."""
    from SALib.sample import latin

    salib = problem.salib()
    salib["num_vars"] = len(salib["names"])
    rows = latin.sample(salib, samples, seed=_library_seed(seed))
    return [problem.changes(row) for row in rows]


@dataclass
class OptimizationResult:
    """What a search found.

    Attributes:
        front: one row per non-dominated feasible point: ``member``, the variables, the
            budget shares they make, every objective and constraint outcome (as scored).
        history: one row per evaluated point.
        names: the search variables.
        objectives: the objectives.
        scenarios: the scenario of each front member (at the size searched).
        evaluations: points evaluated in this call (the rest came from the history).
        statistic: a robust search's score (``mean``, ``p90``, ``regret`` against the base
            mix); None for a search that scored each mix as run.
    """

    front: pd.DataFrame
    history: pd.DataFrame
    names: list[str]
    objectives: list[Objective]
    constraints: list[Constraint]
    scenarios: list[Scenario] = field(default_factory=list)
    evaluations: int = 0
    statistic: str | None = None

    def __repr__(self) -> str:
        goals = ", ".join(map(str, self.objectives))
        return result_repr(
            type(self).__name__,
            f"{len(self.front)} front members of {len(self.history)} points evaluated "
            f"({self.evaluations} in this call); objectives {goals}",
            {"front": shape(*self.front.shape), "history": shape(*self.history.shape)},
            ".front: one row per member; .scenarios: each member's scenario",
        )


def front_of(
    table: pd.DataFrame, objectives: Sequence[Objective], feasible: str | None = "feasible"
) -> pd.DataFrame:
    """The rows of ``table`` no other (feasible) row dominates, best first objective first."""
    if feasible is not None and feasible in table:
        table = table[table[feasible].astype(bool)]
    table = table.dropna(subset=[o.name for o in objectives])
    if table.empty:
        return table
    values = np.column_stack([o.sign * table[o.name].to_numpy(dtype=float) for o in objectives])
    keep = np.ones(len(values), dtype=bool)
    for i in range(len(values)):
        if not keep[i]:
            continue
        worse_or_equal = (values <= values[i]).all(axis=1)
        dominates = worse_or_equal & (values < values[i]).any(axis=1)
        if dominates.any():
            keep[i] = False
    # The same scores twice (two splits with the same effect): keep the first found.
    front = table[keep].drop_duplicates(subset=[o.name for o in objectives])
    first = objectives[0]
    return front.sort_values(first.name, ascending=first.sense == "min", kind="stable")


def member_toml(
    base_file: Path | None,
    base: Scenario,
    out_file: Path,
    changes: dict[str, Any],
    header: str,
) -> str:
    """A scenario file of one front member: it extends ``base_file`` and sets the levers
    (standalone, the whole scenario, when there is no file)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    if base_file is None:
        import tomli_w

        scenario = base.updated(changes)
        return (
            "\n".join(lines)
            + "\n"
            + tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))
        )
    relative = Path(os.path.relpath(Path(base_file).resolve(), out_file.parent.resolve()))
    lines.append(f'extends = "{relative.as_posix()}"')
    lines.append(f"name = {json.dumps(f'{base.name}-front-{out_file.stem}')}")
    tables: dict[str, list[str]] = {}
    for path, value in changes.items():
        table, _, key = path.rpartition(".")
        text = repr(int(value)) if isinstance(value, int) else repr(float(value))
        tables.setdefault(table, []).append(f"{key} = {text}")
    for table, entries in tables.items():
        lines += ["", f"[{table}]"] if table else [""]
        lines += entries
    return "\n".join(lines) + "\n"


def _rerun(
    target: Path, replications: int, seed: int, searched: Scenario, original: Scenario, robust: bool
) -> str:
    """How a front member's file gives its scores again, a line to add to its header: the
    runs take the search's seed (`povsim run` would take the scenario's own)."""
    if robust:
        return "\nIts scores are over the uncertain draws: one run of the file gives none of them."
    size = searched.population.households
    if size != original.population.households:
        return (
            f"\nThe file runs at the base scenario's {original.population.households:,} agents, "
            f"not the search's {size:,}."
        )
    if replications == 1:
        # One replication is replication 0 of the seed's stream, which only a run of
        # replications draws (`povsim run --replications 1` takes the plain seed).
        return (
            f"\nThe same scores: the first replication of povsim run {target} "
            f"--replications 2 --seed {seed}"
        )
    return f"\nThe same scores: povsim run {target} --replications {replications} --seed {seed}"


class _Search:
    """One search: the evaluated points (replayed from the history on disk) and the
    generation being evaluated."""

    def __init__(
        self,
        space: SearchSpace,
        objectives: list[Objective],
        constraints: list[Constraint],
        directory: OutputDirectory,
        seed: int,
        replications: int,
        samples: list[dict[str, Any]],
        statistic: str,
        executor: Executor,
        on_result: Callable[[], None] | None,
    ):
        self.space, self.objectives, self.constraints = space, objectives, constraints
        self.directory, self.seed, self.replications = directory, seed, replications
        self.samples, self.statistic = samples, statistic
        self.executor, self.on_result = executor, on_result
        self.outcomes = tuple(
            dict.fromkeys([o.name for o in objectives] + [c.name for c in constraints])
        )
        self.counterfactual = any(
            metrics.outcome(n).needs == "counterfactual" for n in self.outcomes
        )
        # Which way is bad for each outcome: for percentiles and regret.
        self.bad = np.ones(len(self.outcomes))
        for o in objectives:
            self.bad[self.outcomes.index(o.name)] = o.sign
        for c in constraints:
            if c.name not in {o.name for o in objectives}:
                self.bad[self.outcomes.index(c.name)] = 1.0 if c.op == "<=" else -1.0
        self.bounds = np.array([c.value(space.base) for c in constraints])
        self.cache: dict[bytes, NDArray[np.float64]] = {}
        self.rows: list[dict[str, Any]] = []
        self.generation = 0
        self.fresh = 0
        self.reference: NDArray[np.float64] | None = None
        self.invalid: set[bytes] = set()
        self.invalid_first: ScenarioProblem | None = None
        """Why the first point that made no valid scenario was skipped."""

    @property
    def history_file(self) -> Path:
        return self.directory.path / "history.parquet"

    def replay(self) -> None:
        """Take every point of an earlier search with the same settings from its history."""
        if not self.history_file.exists():
            return
        try:
            old = pd.read_parquet(self.history_file)
            points = [
                (
                    row[self.space.names].to_numpy(dtype=float),
                    row[list(self.outcomes)].to_numpy(dtype=float),
                )
                for _, row in old.iterrows()
            ]
        except Exception:  # unreadable or not ours: say so, touch nothing
            raise _problem(
                str(self.history_file),
                "",
                "damaged: the search cannot continue from it (--overwrite starts anew)",
            ) from None
        if wrong := retyped(old, self._row(self.space.x0(), np.zeros(len(self.outcomes)))):
            raise _problem(
                str(self.history_file),
                "",
                f"damaged: {wrong} other values than a search writes: the "
                "search cannot continue from it (--overwrite starts anew)",
            )
        if (blank := not_finite(old, self.space.names)) is not None:
            raise _problem(
                str(self.history_file),
                "",
                f"damaged: {blank}, where a search writes a lever's value: the search cannot "
                "continue from it (--overwrite starts anew)",
            )
        # A history written before integer levers were rounded (povsim before Dec 2026) holds the
        # fractions that ran as their rounded value: kept as that value, once.
        self.rows = []
        for (x, values), row in zip(points, old.to_dict("records"), strict=True):
            key = self.space.snap(x).tobytes()
            if key in self.cache:
                continue
            self.cache[key] = values
            self.rows.append(row | self._levers(self.space.snap(x)))

    def _scenarios(self, x: NDArray[np.float64]) -> list[Scenario]:
        """The runs' scenarios of one point: one per robust sample (or just the one)."""
        scenario = self.space.base.updated(self.space.changes(x))
        if not self.samples:
            return [scenario]
        return [scenario.updated(sample) for sample in self.samples]

    def _run(self, points: list[NDArray[np.float64]]) -> NDArray[np.float64]:
        """Mean outcomes over the replications: (points, samples, outcomes); NaN where a
        point makes an invalid scenario (it then scores worst on every objective)."""
        samples = max(1, len(self.samples))
        out = np.full((len(points), samples, self.replications, len(self.outcomes)), np.nan)
        tasks, where = [], []
        for i, x in enumerate(points):
            try:
                scenarios = self._scenarios(x)
            except ScenarioError as err:
                # e.g. a share lever that takes the shares over the budget: not a candidate
                self.invalid.add(x.tobytes())
                if self.invalid_first is None and err.problems:
                    self.invalid_first = err.problems[0]
                continue
            for s, scenario in enumerate(scenarios):
                for r in range(self.replications):
                    tasks.append(_Task(scenario, self.seed, r, self.outcomes, self.counterfactual))
                    where.append((i, s, r))

        def collect(index: int, values: NDArray[np.float64]) -> None:
            out[where[index]] = values
            if self.on_result is not None:
                self.on_result()

        self.executor.run(_measure, tasks, collect)
        return out.mean(axis=2)

    def _score(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each outcome's score over the robust sample (points, outcomes)."""
        if values.shape[1] == 1:
            return values[:, 0, :]
        if self.statistic == "mean":
            return values.mean(axis=1)
        worst = np.where(self.bad > 0, 90.0, 10.0)
        tail = np.stack(
            [np.percentile(values[:, :, k], worst[k], axis=1) for k in range(values.shape[2])],
            axis=1,
        )
        if self.statistic == "p90":
            return tail
        assert self.reference is not None
        regret = (values - self.reference[None, :, :]) * self.bad[None, None, :]
        scores = regret.max(axis=1)
        # Constraints keep the bad tail of the outcome itself, not a regret.
        for c in self.constraints:
            if c.name not in {o.name for o in self.objectives}:
                k = self.outcomes.index(c.name)
                scores[:, k] = tail[:, k]
        return scores

    def prepare(self) -> None:
        """Regret's reference: the base scenario's own mix over the robust sample."""
        if self.statistic == "regret" and self.samples:
            self.reference = self._run([self.space.x0()])[0]

    def evaluate(self, xs: NDArray[np.float64]) -> NDArray[np.float64]:
        """Scores of one generation: new points on the executor, known ones from the cache."""
        points = [np.asarray(x, dtype=float) for x in xs]
        todo, seen = [], set()
        for x in points:
            key = x.tobytes()
            if key not in self.cache and key not in seen:
                todo.append(x)
                seen.add(key)
        if todo:
            scores = self._score(self._run(todo))
            for x, values in zip(todo, scores, strict=True):
                self.cache[x.tobytes()] = values
                self.rows.append(self._row(x, values))
            self.fresh += len(todo)
            self.directory.table("history", pd.DataFrame(self.rows))
        runs = len(points) - len(todo)
        if runs and self.on_result is not None:  # replayed: the bar moves as if run
            for _ in range(runs * self.replications * max(1, len(self.samples))):
                self.on_result()
        self.generation += 1
        return np.array([self.cache[x.tobytes()] for x in points])

    def _levers(self, x: NDArray[np.float64]) -> dict[str, float | int]:
        """A point's levers as the history records them: integer levers as integers."""
        return {
            name: int(v) if integer else float(v)
            for name, v, integer in zip(self.space.names, x, self.space.integer, strict=True)
        }

    def _row(self, x: NDArray[np.float64], values: NDArray[np.float64]) -> dict[str, Any]:
        scored = dict(zip(self.outcomes, (float(v) for v in values), strict=True))
        valid = x.tobytes() not in self.invalid
        shares = {f"programs.{p}.share": s for p, s in self.space.shares_of(x).items()}
        return {
            "generation": self.generation,
            **self._levers(x),
            **shares,
            **scored,
            "feasible": valid and bool((self.violations(values) <= 0).all()),
        }

    def violations(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """pymoo's inequality constraints (feasible at <= 0), scaled by their bounds."""
        out = []
        for c, bound in zip(self.constraints, self.bounds, strict=True):
            value = values[self.outcomes.index(c.name)]
            if not math.isfinite(value):
                out.append(1.0)
                continue
            excess = value - bound if c.op == "<=" else bound - value
            out.append(excess / max(abs(bound), 1.0))
        return np.array(out, dtype=float)


def _fingerprint(settings: dict[str, Any]) -> str:
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _algorithm(n_obj: int, population: int, space: SearchSpace | None = None) -> Any:
    """NSGA-II, or NSGA-III for more than three objectives, from a Latin hypercube; every
    point it makes has its integer levers rounded (``space``'s :meth:`SearchSpace.snap`)
    before its duplicates are taken out. (Without ``space``: only its size is wanted.)"""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.repair import Repair
    from pymoo.operators.sampling.lhs import LHS

    class WholeLevers(Repair):
        def _do(self, problem: Any, X: Any, **kwargs: Any) -> Any:
            return X if space is None else space.snap(X)

    repair = WholeLevers()
    if n_obj <= 3:
        return NSGA2(pop_size=population, sampling=LHS(), repair=repair, eliminate_duplicates=True)
    from pymoo.util.ref_dirs import get_reference_directions

    partitions = 1
    while math.comb(partitions + 1 + n_obj - 1, n_obj - 1) <= population:
        partitions += 1
    directions = get_reference_directions("das-dennis", n_obj, n_partitions=partitions)
    return NSGA3(
        ref_dirs=directions,
        pop_size=max(population, len(directions)),
        sampling=LHS(),
        repair=repair,
        eliminate_duplicates=True,
    )


@command_clock()
def optimize(
    scenario: Scenario | str | Path,
    objectives: Sequence[str | Objective],
    levers: Sequence[str | Lever],
    out: str | Path,
    *,
    constraints: Sequence[str | Constraint] = (),
    generations: int = 20,
    population: int = 24,
    replications: int = 3,
    households: int | None = None,
    seed: int = 1,
    robust: Problem | str | Path | None = None,
    robust_samples: int = ROBUST_SAMPLES,
    statistic: str = STATISTICS[0],
    executor: Executor | None = None,
    scenario_file: str | Path | None = None,
    on_result: Callable[[], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> OptimizationResult:
    """Search the levers for the mixes no other mix beats on every objective.

    Writes to ``out``: ``history.parquet`` (every evaluated point, after every
    generation), and at the end ``pareto.parquet`` (the front), ``front/NN.toml`` (one
    scenario file per front member, extending ``scenario_file``), ``figures/front.png``
    (objectives pairwise), ``figures/shares.png`` (the front's mixes) and
    ``manifest.json``. A rerun with the same settings replays the history and continues
    (with more ``generations``, it goes on from where the shorter search ended); with
    ``overwrite`` an earlier search at ``out`` is replaced instead (kept aside until the new
    search's first generation is written, and back if it is refused or stopped before).

    Args:
        scenario: the base scenario (or its file).
        objectives: outcome names, ``min:NAME`` or ``max:NAME`` (see :func:`parse_objective`).
        levers: ``shares``, ``shares=A,B,...`` or ``dotted.path=LOW:HIGH``.
        out: output directory.
        constraints: ``NAME<=VALUE`` or ``NAME>=VALUE`` (VALUE may be ``budget``).
        generations: generations of the search (the first is the initial sample).
        population: candidates per generation.
        replications: fixed-seed replications per candidate (common random numbers).
        households: agents per run while searching (weights keep the totals).
        seed: seed of the runs and of the search.
        robust: a sensitivity problem (or its file) whose inputs are uncertain: each
            candidate runs over ``robust_samples`` draws of them.
        robust_samples: draws of the uncertain inputs (the same for every candidate);
            only with ``robust``.
        statistic: robust mode's score: ``mean``, ``p90`` or ``regret``; only with
            ``robust``.
        executor: where runs go (default: serially here).
        scenario_file: the file the scenario came from (front members extend it).
        on_result: called after every finished run (progress).
        on_plan: called once with (runs the search takes at most, runs already done).
        overwrite: replace an earlier search at ``out`` rather than continue it.

    Raises:
        ScenarioError: naming the objective, lever, constraint or file that is wrong,
            a robust setting without ``robust``, or a search of more than the sweep's ``MAX_RUNS``
            runs; all before anything is written.
        RuntimeError: pymoo is not installed.
    """
    try:
        import pymoo  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(INSTALL) from err
    # The command line bounds these too; a notebook's call is checked here.
    objectives = arguments.names("objectives", objectives, (Objective,))
    levers = arguments.names("levers", levers, (Lever,))
    constraints = arguments.names("constraints", constraints, (Constraint,))
    arguments.whole("generations", generations, most=10_000)
    arguments.whole("population", population, least=4, most=10_000)
    arguments.whole("replications", replications, most=1000)
    arguments.flag("overwrite", overwrite)
    if households is not None:
        arguments.whole("households", households, least=10)
    arguments.seed("seed", seed)
    if robust is not None:
        arguments.whole("robust_samples", robust_samples, least=2, most=10_000)
    out = arguments.path("out", out)
    if isinstance(scenario, str | Path):
        scenario_file = scenario_file or scenario
    loaded = arguments.scenario("scenario", scenario)
    scenario = one_county(loaded, scenario_file or loaded.name)
    objs = [o if isinstance(o, Objective) else parse_objective(o) for o in objectives]
    cons = [c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints]
    parsed = [lv if isinstance(lv, Lever) else parse_lever(lv) for lv in levers]
    if not objs:
        raise _problem("--objectives", "", "give at least one objective")
    if len({o.name for o in objs}) != len(objs):
        raise _problem("--objectives", "", "an outcome is named twice")
    named: list[Objective | Constraint] = [*objs, *cons]
    pathways = [*scenario.programs, *metrics.PATHWAY_OTHERS]
    for item in named:
        name = item.name
        flag = "--objectives" if isinstance(item, Objective) else "--constraint"
        _, at, year = name.partition("@")
        if at and int(year) not in scenario.years:
            raise _problem(
                flag,
                str(item),
                f"{year} is not a simulated year ({scenario.start_year}-{scenario.end_year})",
            )
        program = metrics.pathway_program(name)
        if program is not None and program not in pathways:
            # no exit is ever credited to it: the outcome would be 0 for every candidate
            raise _problem(
                flag,
                str(item),
                f"no pathway {program!r} in the scenario: exited_people: takes one of "
                f"{', '.join(pathways)}",
            )
    if statistic not in STATISTICS:
        raise _problem("--statistic", statistic, f"must be one of {', '.join(STATISTICS)}")
    if robust is None:
        # Ignored without the uncertain inputs: the search would not be the one asked for.
        if statistic != STATISTICS[0]:
            raise _problem("--statistic", statistic, "applies only with --robust (robust=)")
        if robust_samples != ROBUST_SAMPLES:
            raise _problem(
                "--robust-samples", str(robust_samples), "applies only with --robust (robust=)"
            )
    draws = robust_samples if robust is not None else 1
    algorithm = _algorithm(len(objs), population)
    size = [
        counted(algorithm.pop_size, "candidate"),
        counted(generations, "generation"),
        counted(replications, "replication"),
    ]
    if robust is not None:
        size.append(counted(draws, "robust sample"))
    runs = algorithm.pop_size * generations * replications * draws
    if (too_many := too_many_runs(size, runs, "a search")) is not None:
        raise _problem(
            "--generations, --population, --replications"
            + (", --robust-samples" if robust is not None else ""),
            "",
            too_many,
        )
    base = resized(scenario, households)
    space = SearchSpace(base, parsed)
    problem = _robust_problem(robust, base, space)
    samples = _robust_sample(problem, robust_samples, seed) if problem is not None else []
    settings = {
        "base": base.model_dump(mode="json"),
        "objectives": [str(o) for o in objs],
        "levers": [str(lv) for lv in parsed],
        "constraints": [str(c) for c in cons],
        "seed": seed,
        "replications": replications,
        "population": population,
        "robust": problem.spec.model_dump(mode="json") if problem is not None else None,
        "robust_samples": robust_samples if problem is not None else None,
        "statistic": statistic if problem is not None else None,
    }
    out = Path(out)
    history = out / "history.parquet"
    # The lock first, as calibrate takes it: two searches starting at once each put back an
    # earlier one a killed search set aside, and the later deleted what the earlier put back.
    with (
        locked(out),
        replacing(out, "optimize", overwrite=overwrite, kept=history.is_file),
    ):
        # Looked at once an earlier search a killed one set aside is back in place: before,
        # a missing OUT was removed again on a refusal, that search and all.
        existed = out.exists()
        # An empty folder of the user's own: what the search puts in it goes if it keeps
        # nothing.
        empty = out.is_dir() and not any(out.iterdir())
        directory = OutputDirectory(out, "optimize")
        try:
            return _search(
                directory, space, objs, cons, settings, samples, statistic, generations,
                population, replications, seed, given(executor), on_result,
                on_plan, Path(scenario_file) if scenario_file is not None else None,
                scenario,
            )  # fmt: skip
        except BaseException:
            # Refused or stopped before it kept a point: its marker and settings alone would
            # refuse every other command there, and hold nothing to continue.
            if not history.is_file():
                if not existed:
                    shutil.rmtree(out, ignore_errors=True)
                elif empty:
                    for child in out.iterdir():
                        shutil.rmtree(child) if child.is_dir() else child.unlink()
            raise


def _robust_problem(
    robust: Problem | str | Path | None, base: Scenario, space: SearchSpace
) -> Problem | None:
    """The robust-mode problem, checked against the levers."""
    if robust is None:
        return None
    problem = robust if isinstance(robust, Problem) else load_problem(robust, base)
    if problem.spec.shares is not None:
        raise _problem(problem.source, "shares", "shares are levers here, not uncertain inputs")
    for path in problem.spec.inputs:
        if (reason := not_varied(path, sized=True, compared=True)) is not None:
            raise _problem(problem.source, f"inputs.{path}", reason)
    both = sorted(set(problem.spec.inputs) & set(space.names))
    if both:
        raise _problem(problem.source, f"inputs.{both[0]}", "is a lever of the search too")
    return problem


def _search(
    directory: OutputDirectory,
    space: SearchSpace,
    objectives: list[Objective],
    constraints: list[Constraint],
    settings: dict[str, Any],
    samples: list[dict[str, Any]],
    statistic: str,
    generations: int,
    population: int,
    replications: int,
    seed: int,
    executor: Executor,
    on_result: Callable[[], None] | None,
    on_plan: Callable[[int, int], None] | None,
    scenario_file: Path | None,
    original: Scenario,
) -> OptimizationResult:
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.problems.static import StaticProblem

    from povsim.plots.optimize import front_pairs, front_shares

    out = directory.path
    fingerprint = _fingerprint(settings)
    search_file = out / "search.json"
    search = _Search(
        space, objectives, constraints, directory, seed, replications, samples, statistic,
        executor, on_result,
    )  # fmt: skip
    recorded: dict[str, Any] = {}
    if search_file.exists():
        with contextlib.suppress(OSError, ValueError):  # unreadable: as if not there
            recorded = json.loads(search_file.read_text(encoding="utf-8"))
        recorded = recorded if isinstance(recorded, dict) else {}
    # Points are kept only with the settings they were scored under; a search stopped
    # before its first point left its settings and nothing to keep.
    if search.history_file.exists() and recorded.get("fingerprint") != fingerprint:
        if "fingerprint" in recorded:
            now = json.loads(json.dumps(settings, default=str))
            recorded.pop("fingerprint")
            held = f"other settings ({differences(recorded, now) or 'its format'})"
        else:
            held = "settings it cannot read (search.json is missing or damaged)"
        raise _problem(
            str(out),
            "",
            f"holds a search with {held}; --overwrite replaces it, or use another --out "
            "(overwrite=, out= in Python)",
        )
    if recorded.get("fingerprint") != fingerprint:
        write_text(
            json.dumps({"fingerprint": fingerprint, **settings}, indent=2, default=str) + "\n",
            search_file,
        )
    search.replay()
    per_point = replications * max(1, len(samples))
    reference_runs = per_point if statistic == "regret" and samples else 0
    algorithm = _algorithm(len(objectives), population, space)
    if on_plan is not None:
        on_plan(algorithm.pop_size * generations * per_point + reference_runs, 0)
    # Refused above, another search's points are kept and this session adds no time.
    with directory.session(search.history_file.is_file):
        search.prepare()
        x0 = space.x0()
        problem = PymooProblem(
            n_var=space.n_var,
            n_obj=len(objectives),
            n_ieq_constr=len(constraints),
            xl=np.array(space.low),
            xu=np.array(space.high),
        )
        algorithm.setup(
            problem, termination=("n_gen", generations), seed=_library_seed(seed), verbose=False
        )
        signs = np.array([o.sign for o in objectives])
        columns = [search.outcomes.index(o.name) for o in objectives]
        first = True
        while algorithm.has_next():
            pop = algorithm.ask()
            xs = pop.get("X")
            if first:  # the base scenario's own mix joins the first generation
                xs[0] = x0
                pop.set("X", xs)
                first = False
            scores = search.evaluate(xs)
            # An outcome that cannot be computed (a cost per exit without exits) ranks last.
            F = np.nan_to_num(scores[:, columns] * signs, nan=INVALID)
            G = np.array([search.violations(v) for v in scores]) if constraints else None
            static = (
                StaticProblem(problem, F=F, G=G) if G is not None else StaticProblem(problem, F=F)
            )
            Evaluator().eval(static, pop)
            algorithm.tell(infills=pop)

    if search.cache and len(search.invalid) == len(search.cache):
        # No point made a scenario: a front of none, said as a success, would hide it.
        search_file.unlink(missing_ok=True)
        search.history_file.unlink(missing_ok=True)
        raise _problem(
            "--levers", "", none_valid("point in the levers' bounds", search.invalid_first)
        )
    with finishing(out):
        history = pd.DataFrame(search.rows)
        front = front_of(history, objectives).reset_index(drop=True)
        front.insert(0, "member", [f"{i:02d}" for i in range(len(front))])
        scenarios = []
        (out / "front").mkdir(exist_ok=True)
        for old in (out / "front").glob("*.toml"):
            old.unlink()  # a rerun's front replaces the last one whole
        for _, row in front.iterrows():
            x = row[space.names].to_numpy(dtype=float)
            changes = space.changes(x)
            scenarios.append(space.base.updated(changes))
            target = out / "front" / f"{row['member']}.toml"
            scored = ", ".join(f"{o.name} {row[o.name]:.4g}" for o in objectives)
            header = (
                f"Front member {row['member']} of `povsim optimize` ({original.name}).\n"
                f"Scores: {scored}\n({counted(replications, 'replication')} of seed {seed}, "
                f"{space.base.population.households} agents"
                + (f", {statistic} over {len(samples)} uncertain draws)" if samples else ")")
                + _rerun(target, replications, seed, space.base, original, bool(samples))
            )  # fmt: skip
            directory.text(
                f"front/{target.name}",
                member_toml(scenario_file, original, target, changes, header),
            )
        directory.table("pareto", front)
        directory.table("history", history)
        names = [o.name for o in objectives]
        directory.figure(
            "front", front_pairs(history, front, names, statistic if samples else None)
        )
        if space.shares:
            directory.figure("shares", front_shares(front, objectives[0].name))
        directory.manifest(
            scenario_name=original.name,
            scenario_file=str(scenario_file) if scenario_file is not None else None,
            fingerprint=fingerprint,
            generations=generations,
            evaluations=len(history),
            front_size=len(front),
            variables=space.names,
            agents=space.base.population.households,
            **{k: v for k, v in settings.items() if k != "base"},
        )
    return OptimizationResult(
        front=front,
        history=history,
        names=space.names,
        objectives=objectives,
        constraints=constraints,
        scenarios=scenarios,
        evaluations=search.fresh,
        statistic=statistic if samples else None,
    )
