"""Global sensitivity analysis with SALib: problem files, evaluation through the executors.

A problem names scenario inputs by dotted path, each with bounds or a distribution
(as SALib takes them), optional groups, and the outputs to analyse. Evaluation
runs every sample as a sweep (resumable, on any executor); outputs are averaged
over replications, which use common seeds across samples so the response is smooth.

Budget shares are handled explicitly: a ``[shares]`` table lists programs whose
shares vary together. Each gets an input ``share:PROGRAM``, a positive weight;
a sample's shares are the weights normalised to the sum the base scenario gives
those programs, so the budget they split, and every other program's share, stay
as in the base scenario and no sample makes an invalid scenario.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import json
import math
import numbers
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args, get_origin

import numpy as np
import pandas as pd
import SALib
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError
from SALib import ProblemSpec
from SALib.sample import morris

from povsim.config import (
    PROBLEM,
    Scenario,
    ScenarioError,
    ScenarioProblem,
    arguments,
    as_field_type,
    get_path,
    load_scenario,
    load_settings,
    not_varied,
    one_county,
    problems_from,
    referenced_scenario,
)
from povsim.config.errors import arms, did_you_mean, keyed_by_year, table_not_value, year_runs
from povsim.config.fields import StrictNumbers, repeated
from povsim.config.paths import field_info, leaves, year_past_the_run
from povsim.experiments.executors import Executor, finishing, make_executor
from povsim.experiments.sweep import (
    MAX_RUNS,
    Sweep,
    SweepError,
    base_differences,
    counted,
    refuse_shadowed,
    run_sweep,
)
from povsim.experiments.sweep import finished_runs as finished_sweep_runs
from povsim.runs import metrics
from povsim.runs.display import format_value
from povsim.runs.progress import runs_progress
from povsim.runs.runner import RunResult
from povsim.runs.store import OutputDirectory, check_target, command_clock, locked, replacing
from povsim.sim.indicators import INDICATORS

__all__ = [
    "DEFAULT_OUTPUTS",
    "METHODS",
    "PovsimProblemSpec",
    "Problem",
    "UnbalancedSample",
    "indices_table",
    "load_problem",
    "problem_spec",
    "run_sensitivity",
]

METHODS = ("sobol", "morris", "fast")
FAST_M = 4
"""FAST's harmonics: its sample needs more than 4M² points per input."""
MIN_N = {"sobol": 2, "morris": 2, "fast": 4 * FAST_M**2 + 1}
"""The smallest N each method estimates anything from (see :func:`check_sample_size`)."""
DEFAULT_OUTPUTS = (
    "incidence_end",
    "cumulative_exit_share",
    "cumulative_relapse_share",
    "cost_per_exit",
)
SQRT2 = math.sqrt(2.0)

Distribution = Literal["unif", "logunif", "triang", "norm", "truncnorm", "lognorm"]
SHARE = "share:"


class _Strict(StrictNumbers):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


PARAMETERS: dict[str, tuple[str, list[float]]] = {
    "unif": ("low, high", [0.04, 0.1]),
    "logunif": ("low, high, both over 0", [0.01, 0.1]),
    "triang": (
        "low, high, and the peak's place as a fraction of the width: 0.5 is midway",
        [0.03, 0.12, 0.33],
    ),
    "norm": ("mean, standard deviation", [0.07, 0.01]),
    "truncnorm": (
        "low, high, and the mean and standard deviation of the normal cut to them",
        [0.04, 0.1, 0.07, 0.01],
    ),
    "lognorm": ("the mean and standard deviation of the value's natural logarithm", [-2.7, 0.2]),
}
"""What each of SALib's distributions reads from ``bounds``, in order, with an example."""


class Input(_Strict):
    """One input: SALib's distribution name and its parameters (``bounds``)."""

    dist: Distribution = "unif"
    bounds: list[float]
    group: str | None = None

    @field_validator("bounds")
    @classmethod
    def _parameters(cls, value: list[float], info: ValidationInfo) -> list[float]:
        # Checked on the field, not the input, so that every message names
        # inputs.NAME.bounds; "triang takes 3 values in bounds" said neither what they are nor
        # what was given. A dist that failed its own check is not in info.data: its error is
        # the one to read.
        dist = info.data.get("dist")
        if dist is None:
            return value
        meaning, example = PARAMETERS[dist]
        if len(value) != len(example):
            raise ValueError(
                f"{dist} takes {len(example)} values in bounds ({meaning}), not {len(value)}: "
                f"e.g. {json.dumps(example)}"
            )
        if dist in ("unif", "logunif", "truncnorm", "triang") and not value[0] < value[1]:
            raise ValueError(
                f"{dist}'s bounds must start with lower < upper, not {value[0]:g} then "
                f"{value[1]:g}"
                + (f": write [{value[1]:g}, {value[0]:g}]" if len(value) == 2 else "")
            )
        if dist in ("norm", "lognorm") and not value[1] > 0.0:
            raise ValueError(f"{dist}'s standard deviation must be positive, not {value[1]:g}")
        if dist == "triang":
            # SALib's own checks (a peak of 1, an upper bound below 0) came only once sampling
            # started, as its "Triangular distribution bound error".
            if not 0.0 <= value[2] < 1.0:
                raise ValueError(
                    f"triang's peak is a fraction of the width, at least 0 and below 1 "
                    f"(SALib's condition), not {value[2]:g}"
                )
            if value[1] < 0.0:
                raise ValueError(
                    f"triang's upper bound must be 0 or more (SALib's condition), not "
                    f"{value[1]:g}: for an input below 0 use unif or truncnorm"
                )
        if dist == "truncnorm":
            low, high, mean, sd = value
            if not sd > 0.0:
                raise ValueError(f"truncnorm's standard deviation must be positive, not {sd:g}")
            # SALib divides by the normal's mass between the bounds, which vanishes when the
            # mean lies far outside them (a mean a little outside is a fine distribution).
            upper, lower = ((end - mean) / (sd * SQRT2) for end in (high, low))
            mass = 0.5 * (math.erf(upper) - math.erf(lower))
            if not mass > 1e-9:
                raise ValueError(
                    f"truncnorm's bounds [{low:g}, {high:g}] hold none of a normal of mean "
                    f"{mean:g} and standard deviation {sd:g}"
                )
        if dist == "logunif" and not value[0] > 0.0:
            raise ValueError(f"logunif's bounds must be positive, not {value[0]:g}")
        return value


class Shares(_Strict):
    """Programs whose budget shares vary together, keeping their sum."""

    programs: list[str] = Field(min_length=2)
    weights: tuple[float, float] = Field(
        (0.5, 2.0), description="the range each program's weight is drawn from: 0 < low < high"
    )
    group: str | None = None

    @field_validator("programs")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        # SALib refused the repeated name only after every run had been made
        if twice := repeated(value):
            raise ValueError(f"{twice[0]!r} is given twice")
        return value

    @field_validator("weights")
    @classmethod
    def _positive_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        # Normalised weights are the shares: a weight of 0 or less gives a program no money
        # or a negative share, and a sum of 0 none at all.
        if not 0.0 < value[0] < value[1]:
            raise ValueError(f"must be a range 0 < low < high, not {list(value)}")
        return value


class ProblemFile(_Strict):
    base: str | None = Field(None, description="the base scenario (the command line may give it)")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 1
    replications: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    inputs: dict[str, Input] = Field(default_factory=dict)
    shares: Shares | None = None
    outputs: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTPUTS))
    time_varying: list[str] = Field(default_factory=lambda: ["incidence"])

    @field_validator("inputs", mode="wrap")
    @classmethod
    def _each_a_table(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> dict[str, Input]:
        # "income.growth" = [0.05, 0.09] under [inputs], the bounds alone, was told it is "a
        # table of settings" to set a FIELD of under [inputs.income.growth], a header that
        # names another table and no word of bounds.
        if isinstance(value, dict):
            bare = {k: v for k, v in value.items() if not isinstance(v, dict | Input)}
            if bare:
                python = bool((info.context or {}).get("python"))
                raise ValidationError.from_exception_data(
                    cls.__name__,
                    [
                        InitErrorDetails(
                            type=PydanticCustomError(
                                "input_not_a_table", "{advice}", {"advice": _bare(k, v, python)}
                            ),
                            loc=(k,),
                            input=v,
                        )
                        for k, v in bare.items()
                    ],
                )
        checked: dict[str, Input] = handler(value)
        return checked

    @model_validator(mode="after")
    def _something_to_analyse(self) -> Self:
        # SALib refused an empty output list only after every run had been made; with
        # time_varying columns only, the table and figures/indices.png were empty.
        if not self.outputs:
            raise ValueError(
                "outputs: none to analyse: list at least one (time_varying columns are "
                "analysed besides them, not instead)"
            )
        if twice := repeated(self.outputs):
            # one column, analysed once: the list said two
            raise ValueError(f"outputs: {twice[0]} is listed twice")
        for program in self.shares.programs if self.shares else ():
            if (path := f"programs.{program}.share") in self.inputs:
                # the shares table would overwrite the input in every run, silently
                raise ValueError(
                    f"inputs.{path}: the [shares] table varies it too; give it in one place"
                )
        return self


def _bare(name: object, given: object, python: bool) -> str:
    """What to write for an input given as its bounds alone (or one value), not its table:
    in a problem file's words, or ``python``, in :func:`problem_spec`'s."""
    shown = None
    if isinstance(given, list | tuple) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in given
    ):
        # as written: [4, 9] stays whole, a numpy float is a float
        shown = json.dumps([v if isinstance(v, int) else float(v) for v in given])
    said = "the bounds alone" if shown else f"{json.dumps(given, default=str)}"
    if python:
        example = f'{{{json.dumps(name)}: {{"bounds": {shown or "[low, high]"}}}}}'
        return f"{said}, not the input's table: give {example}"
    example = f'[inputs."{name}"] with bounds = {shown or "[low, high]"}'
    return f"{said}, not the input's table: write {example}"


class Problem:
    """A validated sensitivity problem on a base scenario."""

    def __init__(
        self,
        base: Scenario,
        spec: ProblemFile,
        source: str = "<problem>",
        *,
        base_file: str | None = None,
    ):
        self.base, self.spec, self.source = base, spec, source
        #: the base scenario's file, as messages name it (None: a Scenario given in Python)
        self.base_file = base_file
        self._base_values = base.model_dump(mode="python")
        self.names = list(spec.inputs)
        if spec.shares:
            self.names += [f"{SHARE}{p}" for p in spec.shares.programs]
        #: each time-varying column's value in each year (analysed year by year)
        self.yearly = [f"{column}@{year}" for column in spec.time_varying for year in base.years]
        # An output listed and also yearly (incidence@2017) is analysed once.
        self.outputs = list(dict.fromkeys([*spec.outputs, *self.yearly]))

    @property
    def seed(self) -> int:
        return self.spec.seed

    def __repr__(self) -> str:
        shown = ", ".join(self.names[:4]) + (", ..." if len(self.names) > 4 else "")
        yearly = ", ".join(self.spec.time_varying) or "none"
        return (
            f"<Problem {self.source}: {counted(len(self.names), 'input')} ({shown}); "
            f"{counted(len(self.spec.outputs), 'output')}, yearly: {yearly}; base "
            f"{self.base.name!r}, seed {self.seed}, "
            f"{counted(self.spec.replications, 'replication')} per sample>"
        )

    def salib(self) -> dict[str, Any]:
        """The problem dictionary SALib takes."""
        inputs = list(self.spec.inputs.values())
        dists = [i.dist for i in inputs]
        bounds = [i.bounds for i in inputs]
        groups = [i.group for i in inputs]
        if self.spec.shares:
            n = len(self.spec.shares.programs)
            dists += ["unif"] * n
            bounds += [list(self.spec.shares.weights)] * n
            groups += [self.spec.shares.group] * n
        problem: dict[str, Any] = {
            "names": self.names,
            "bounds": bounds,
            "dists": dists,
            "outputs": self.outputs,
        }
        if any(g is not None for g in groups):
            problem["groups"] = [g or n for g, n in zip(groups, self.names, strict=True)]
        return problem

    def changes(self, row: np.ndarray) -> dict[str, Any]:
        """The scenario changes one sample row makes."""
        changes: dict[str, Any] = {}
        flat = self._base_values
        for name, value in zip(self.names, row, strict=True):
            if name.startswith(SHARE):
                continue
            changes[name] = as_field_type(flat, name, value)
        if self.spec.shares:
            programs = self.spec.shares.programs
            weights = np.array([row[self.names.index(f"{SHARE}{p}")] for p in programs])
            total = sum(self.base.programs[p].share for p in programs)
            for program, weight in zip(programs, weights, strict=True):
                changes[f"programs.{program}.share"] = float(total * weight / weights.sum())
        return changes

    def sweep(self, samples: np.ndarray, drawn: dict[str, Any] | None = None) -> Sweep:
        """The runs of ``samples``; ``drawn``: how they were drawn (method, N, ...), recorded
        so that a resume of another sample is refused naming what differs."""
        points = [(f"s{i:05d}", self.changes(row)) for i, row in enumerate(samples)]
        scenarios = []
        for index, (_, changes) in enumerate(points):
            try:
                scenarios.append(self.base.updated(changes))
            except ScenarioError:
                # e.g. an unbounded distribution sampled at its 0 or 1 quantile (Morris
                # grids), or inputs that conflict only together: named with the sample's
                # values of the inputs the conflict needs (the message gave none)
                raise self._refused(index, changes) from None
        return Sweep(
            "sensitivity",
            self.base,
            points,
            scenarios,
            self.seed,
            self.spec.replications,
            self.record(drawn),
        )

    def _refused(self, index: int, changes: dict[str, Any]) -> ScenarioError:
        """Sample ``index``'s invalid scenario, with its values of the inputs it needs."""
        shares = [k for k in changes if k not in self.spec.inputs]
        units = [[p] for p in self.spec.inputs] + ([shares] if shares else [])
        involved = _involved(self.base, changes, units)
        err = _invalid(self.base, {k: changes[k] for k in involved})
        if err is None:  # cannot be told apart: the whole sample's
            involved, err = list(changes), _invalid(self.base, changes)
        inputs = [k for k in involved if k in self.spec.inputs]
        values = ", ".join(f"{k} = {changes[k]:g}" for k in involved)
        reasons = _reasons(err) if err is not None else "an invalid scenario"
        return ScenarioError(
            [
                ScenarioProblem(
                    self.source,
                    f"inputs.{inputs[-1]}" if inputs else "shares",
                    f"sample {index} ({values}) makes an invalid scenario: {reasons}",
                )
            ]
        )

    def record(self, drawn: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the runs' ``design.json`` records of the problem and of how its sample was
        drawn (``drawn``: the method, N and the sampler's other arguments)."""
        record: dict[str, Any] = {
            "kind": "sensitivity",
            "problem": self.spec.model_dump(mode="json"),
        }
        if drawn is not None:
            record["sample"] = drawn
        return record

    def outputs_of(self, indicators: pd.DataFrame) -> pd.DataFrame:
        """One row per sample point: every output, averaged over replications; missing
        (NaN) where any replication has none, so :func:`undefined_outputs` counts it."""
        rows = []
        for (point, _), run in indicators.groupby(["point", "replication"], sort=True):
            tables = metrics.Tables(run.sort_values("year"))
            rows.append({"point": point, **metrics.evaluate(tables, self.outputs)})
        frame = pd.DataFrame(rows).set_index("point")
        # A NaN-skipping mean gave a point the mean of its other replications: a cost per
        # exit of one run without exits was never listed as undefined, its point estimated.
        # (GroupBy.mean's skipna is pandas 3's; pandas 2.2 is supported.)
        missing = frame.isna().groupby(level="point", sort=True).any()
        return frame.groupby(level="point", sort=True).mean().mask(missing)


def _validate(problem: Problem, source: str) -> None:
    """Every input path, share program and output must make sense for the base scenario."""
    flat = problem.base.model_dump(mode="python")
    issues = []
    python = source == PYTHON
    for path in problem.spec.inputs:
        if (why := _not_an_input(problem, path, flat, python)) is not None:
            issues.append(ScenarioProblem(source, f"inputs.{path}", why))
            continue
        if (reason := not_varied(path)) is not None:
            issues.append(ScenarioProblem(source, f"inputs.{path}", reason))
            continue
        issues += _range_problems(problem, path, flat, source)
    if not issues:
        issues += _shares_together(problem, flat, source)
    if not issues:
        # each input's ends are fine alone: together, at the corners a sample comes near
        issues += _corner_problems(problem, flat, source)
    if problem.spec.shares:
        programs = problem.spec.shares.programs
        missing = [p for p in programs if p not in problem.base.programs]
        for program in missing:
            issues.append(ScenarioProblem(source, "shares.programs", _no_program(problem, program)))
        own = [p for p in programs if p not in missing and problem.base.programs[p].budget]
        for program in own:
            issues.append(
                ScenarioProblem(
                    source,
                    "shares.programs",
                    f"{program!r} has a budget of its own in the base scenario: a share of "
                    "budget.total does nothing for it",
                )
            )
        if not missing and not own and not sum(problem.base.programs[p].share for p in programs):
            # Weights of nothing split nothing: every run would be the base, and every
            # index of the shares 0, read as "no effect".
            issues.append(
                ScenarioProblem(
                    source,
                    "shares.programs",
                    f"the base scenario gives {', '.join(programs)} no share of the budget "
                    "(their shares add up to 0): there is nothing to split",
                )
            )
    for name in problem.spec.outputs:
        # A sweep keeps only the indicators: outputs must be computable from them.
        try:
            needs = metrics.outcome(name).needs
        except metrics.UnknownOutcome as err:
            issues.append(ScenarioProblem(source, "outputs", str(err.args[0])))
            continue
        _, at, year = name.partition("@")
        if needs != "indicators":
            issues.append(
                ScenarioProblem(source, "outputs", f"{name!r} needs the {needs}, not kept here")
            )
        elif at and int(year) not in problem.base.years:
            issues.append(
                ScenarioProblem(source, "outputs", f"{name!r}: {year} is not a simulated year")
            )
    for column in problem.spec.time_varying:
        if column not in INDICATORS:
            hint = did_you_mean(column, INDICATORS, n=3)  # as outputs' columns are
            issues.append(
                ScenarioProblem(source, "time_varying", f"unknown column {column!r}{hint}")
            )
    if issues:
        raise ScenarioError(issues)
    if not problem.names:
        raise ScenarioError([ScenarioProblem(source, "inputs", "no inputs to vary")])


PYTHON = "<problem_spec>"
"""The source a problem built in Python is named by (:func:`problem_spec`)."""


def _as_input(path: str, python: bool) -> str:
    """An input of ``path``, as a problem file writes it or, ``python``, a dictionary."""
    return f'{{"{path}": {{"bounds": [...]}}}}' if python else f'[inputs."{path}"]'


def _not_an_input(problem: Problem, path: str, flat: dict[str, Any], python: bool) -> str | None:
    """Why ``path`` is no input a sample can set (None: it is a number of the base
    scenario), with what to vary instead; ``python``: said for :func:`problem_spec`."""
    if (late := year_past_the_run(problem.base, path, problem.base.end_year)) is not None:
        return late  # whether the base gives the year or not: as a sweep design is told
    try:
        value = get_path(flat, path)
    except (KeyError, TypeError):
        return _no_such_field(problem, path, flat)
    if value is None or (isinstance(value, dict) and not value):
        # an optional field the base leaves unset, or a table it leaves empty
        if _dated(problem.base, path):
            return (
                "a dated series the base scenario gives no years: give it values there, then "
                f"vary one year, e.g. {_as_input(f'{path}.{problem.base.start_year}', python)}"
            )
        if value is None and _numeric(problem.base, path):
            return "unset in the base scenario: give it a number there to vary it"
        if value is None:
            return "is not a number: it is unset in the base scenario"
    if isinstance(value, dict) and _years(value):
        # A dated series (budget.total): its years are inputs, the table is none; the join
        # of its integer years in the whole-table message below raised a TypeError.
        return _dated_series(problem, path, value, python)
    if isinstance(value, dict) and any(f != "kind" for f in value):
        # A whole table (income): what to give instead, in the problem's words.
        return table_not_value(
            None, value, functools.partial(_vary_instead, flat, path, python), said="a number"
        )
    if isinstance(value, bool):
        return (
            f"is not a number: it holds true or false ({str(value).lower()} here), and only "
            "numeric fields can be varied as inputs; compare both with a sweep (povsim sweep)"
        )
    if isinstance(value, list | tuple):
        return (
            "is not a number: it holds a list, and list fields (or their elements) cannot be "
            "varied as inputs"
        )
    if isinstance(value, dict):
        return "is not a number: it is a table, empty in the base scenario"
    if not isinstance(value, int | float):
        choices = _choices(problem.base, path)
        if choices and not _numeric(problem.base, path):
            return (
                f"is not a number: it holds text ({value!r} here; one of {', '.join(choices)}), "
                "and only numeric fields can be varied as inputs; compare its choices with a "
                "sweep (povsim sweep)"
            )
        if _numeric(problem.base, path):
            return (
                f"is not a number in the base scenario ({value!r}): give the base scenario a "
                "number for it to vary it"
            )
        return (
            f"is not a number: it holds text ({value!r} here), and only numeric fields can "
            "be varied as inputs"
        )
    return None


def _years(table: dict[Any, Any]) -> list[int]:
    """A dated series' years (empty for any other table)."""
    if table and all(isinstance(k, int) and not isinstance(k, bool) for k in table):
        return sorted(table)
    return []


SCALED_BY = {"budget.total": "budget.scale"}
"""Dated series a single field multiplies in every year: the input that varies them whole."""


def _dated_series(problem: Problem, path: str, table: dict[Any, Any], python: bool) -> str:
    """What to vary instead of the dated series at ``path``: one of its years, or the field
    that scales it whole. ``povsim sweep`` and ``--set`` refuse a bare number for one too,
    so an input does not spread it over every year either."""
    years = _years(table)
    year = next((y for y in years if y in problem.base.years), years[0])
    message = f"a dated series: vary one year, e.g. {_as_input(f'{path}.{year}', python)}"
    if (scale := SCALED_BY.get(path)) is not None:
        message += f", or every year at once with {_as_input(scale, python)}, which scales it"
    return message + f" (it gives {year_runs(years)})"


def _no_such_field(problem: Problem, path: str, flat: dict[str, Any]) -> str:
    """Why ``path`` names nothing in the base scenario: a list's element, a program the base
    has not, a year the series does not give, or a misspelling."""
    parts = path.split(".")
    for end in range(1, len(parts)):
        try:
            held = get_path(flat, ".".join(parts[:end]))
        except (KeyError, TypeError):
            break
        whole = ".".join(parts[:end])
        if isinstance(held, list | tuple):
            return (
                f"{whole} is a list, and list fields (or their elements) cannot be varied as inputs"
            )
        if held is None and end == len(parts) - 1 and _dated(problem.base, whole):
            return f"{whole} is unset in the base scenario: give it values there to vary a year"
        if isinstance(held, dict) and (years := _years(held)) and end == len(parts) - 1:
            return (
                f"{whole} gives no value for {parts[-1]} in the base scenario (it gives "
                f"{year_runs(years)}): vary a year it gives"
            )
    if len(parts) > 2 and parts[0] == "programs" and parts[1] not in problem.base.programs:
        # the [shares] table's words, not a did-you-mean among every other program's fields
        return _no_program(problem, parts[1])
    return f"no such scenario field{did_you_mean(path, _numbers(flat), n=3)}"


def _no_program(problem: Problem, program: str) -> str:
    """A program the base scenario has not, named as its file is."""
    base = problem.base_file or "the base scenario"
    hint = did_you_mean(program, problem.base.programs, quoted=True)
    return f"{base} has no program {program!r}{hint}"


def _vary_instead(flat: dict[str, Any], path: str, python: bool, field: str) -> str:
    """What a problem varies instead of the whole table at ``path``: a number in it, its
    ``field`` where that is one (``budget.total``, a dated series, is none: its year is)."""
    table = get_path(flat, path)
    direct = [f for f, v in table.items() if _is_number(v)]
    if field not in direct:
        field = direct[0] if direct else (_numbers(table[field], f"{field}.") or [field])[0]
    return f"vary one of its fields instead, e.g. {_as_input(f'{path}.{field}', python)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(tree: Any, prefix: str = "") -> list[str]:
    """The dotted paths of a dumped scenario's numbers: what an input can vary."""
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in _numbers(v, f"{prefix}{k}.")]
    if isinstance(tree, int | float) and not isinstance(tree, bool):
        return [prefix[:-1]]
    return []


def _range_problems(
    problem: Problem, path: str, flat: dict[str, Any], source: str
) -> list[ScenarioProblem]:
    """A bounded input's ends must each make a valid scenario, or samples near them would
    be refused once sampling starts (``povsim check`` said such a problem was fine)."""
    spec = problem.spec.inputs[path]
    if spec.dist not in BOUNDED:
        return _beyond_the_field(problem, path, source)
    for end in spec.bounds[:2]:  # lower and upper, for truncnorm too
        try:
            problem.base.updated({path: as_field_type(flat, path, end)})
        except ScenarioError as err:
            reason = "; ".join(p.message for p in err.problems)
            return [ScenarioProblem(source, f"inputs.{path}.bounds", reason)]
    return []


def _shares_together(problem: Problem, flat: dict[str, Any], source: str) -> list[ScenarioProblem]:
    """Budget shares varied as inputs of their own must fit the budget together, not only
    one at a time: two whose upper ends each fit added up to more than 1 in a sample, which
    sampling refused after ``povsim check`` had passed the problem.

    A bounded share's upper end is its upper bound; an unbounded one's (norm, lognorm) is
    the value it passes with a chance of :data:`OUTSIDE_CHANCE`, as its field's limits are
    read (:func:`_beyond_the_field`). Left out, a normal share was never added in at all.
    """
    ends: dict[str, float] = {}
    unbounded: list[str] = []
    for path, spec in problem.spec.inputs.items():
        if not (path.startswith("programs.") and path.endswith(".share")):
            continue
        if spec.dist in BOUNDED:
            ends[path] = spec.bounds[1]
        elif spec.dist in ("norm", "lognorm"):
            ends[path] = _upper_end(spec.dist, spec.bounds[0], spec.bounds[1])
            unbounded.append(path)
    if len(ends) < 2:
        return []
    try:
        problem.base.updated({p: as_field_type(flat, p, end) for p, end in ends.items()})
    except ScenarioError as err:
        shown = ", ".join(
            f"{p} {end:.3g} (its {problem.spec.inputs[p].dist} passes it with a chance of "
            f"{OUTSIDE_CHANCE:g})"
            if p in unbounded
            else f"{p} {end:g}"
            for p, end in ends.items()
        )
        reason = "; ".join(p.message for p in err.problems)
        named = "bounds" if not unbounded else "ends"
        return [
            ScenarioProblem(
                source,
                f"inputs.{next(reversed(ends))}.bounds",
                f"the shares' upper {named} together ({shown}) make an invalid scenario, so a "
                f"sample near them would be refused: {reason}; lower them, or vary the shares "
                "in a [shares] table, which keeps their sum",
            )
        ]
    return []


MAX_FULL_CORNERS = 6
"""Inputs up to which every joint corner of their ranges is checked (2**6 = 64 scenarios,
about 0.1 s); with more, a number of corners that grows with the inputs, not 2**k."""


def _ends(spec: Input) -> tuple[float, float]:
    """The lowest and highest value an input's samples come near: its bounds, or an
    unbounded one's values passed with a chance of :data:`OUTSIDE_CHANCE`."""
    if spec.dist in BOUNDED:
        return spec.bounds[0], spec.bounds[1]
    from scipy import stats

    centre, spread = spec.bounds[0], spec.bounds[1]
    low = float(stats.norm.ppf(OUTSIDE_CHANCE, centre, spread))
    high = float(stats.norm.isf(OUTSIDE_CHANCE, centre, spread))
    return (math.exp(low), math.exp(high)) if spec.dist == "lognorm" else (low, high)


def _corners(ends: dict[str, tuple[float, float]]) -> list[dict[str, float]]:
    """The joint corners of the inputs' ranges to try: every one for a few inputs; for more,
    all lows, all highs, and each input at each end with the others at their middles and at
    their other ends (where two inputs conflict pairwise, one of those holds the pair)."""
    paths = list(ends)
    if len(paths) <= MAX_FULL_CORNERS:
        return [
            dict(zip(paths, corner, strict=True))
            for corner in itertools.product(*(ends[p] for p in paths))
        ]
    lows = {p: ends[p][0] for p in paths}
    highs = {p: ends[p][1] for p in paths}
    middles = {p: (ends[p][0] + ends[p][1]) / 2 for p in paths}
    corners = [lows, highs]
    for path in paths:
        for side, others in ((0, highs), (1, lows)):
            corners.append({**middles, path: ends[path][side]})
            corners.append({**others, path: ends[path][side]})
    return corners


def _end(problem: Problem, path: str, value: float) -> str:
    """An input's end as a message shows it (an unbounded one's: how likely it is passed)."""
    dist = problem.spec.inputs[path].dist
    if dist in BOUNDED:
        return f"{value:g}"
    return f"{value:.3g} (its {dist} passes it with a chance of {OUTSIDE_CHANCE:g})"


def _invalid(base: Scenario, changes: dict[str, Any]) -> ScenarioError | None:
    """The error ``changes`` make in ``base`` (None: a valid scenario)."""
    try:
        base.updated(changes)
    except ScenarioError as err:
        return err
    return None


def _involved(base: Scenario, changes: dict[str, Any], units: list[list[str]]) -> list[str]:
    """The changes an invalid scenario needs to be invalid: each unit of them (an input,
    or every share a [shares] table sets, which only together keep their sum) is put back
    to the base's value in turn, and left out where the scenario stays invalid without it.
    A few scenarios' checks, not the sample's every input named."""
    kept = dict(changes)
    for unit in units:
        trial = {k: v for k, v in kept.items() if k not in unit}
        if len(trial) < len(kept) and _invalid(base, trial) is not None:
            kept = trial
    return list(kept)


def _reasons(err: ScenarioError) -> str:
    """An invalid scenario's problems, each with the field it names."""
    return "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in err.problems)


def _corner_problems(problem: Problem, flat: dict[str, Any], source: str) -> list[ScenarioProblem]:
    """Inputs whose ranges are each valid but not together: a mean household size of 4.2
    with a largest household of 4. ``povsim check`` passed such a problem, and sampling
    refused it without the values that met. The ranges' joint corners (:func:`_corners`)
    are tried, and the first invalid one is named by the inputs it needs."""
    ends = {path: _ends(spec) for path, spec in problem.spec.inputs.items()}
    if len(ends) < 2:
        return []
    for corner in _corners(ends):
        changes = {p: as_field_type(flat, p, v) for p, v in corner.items()}
        if _invalid(problem.base, changes) is None:
            continue
        involved = _involved(problem.base, changes, [[p] for p in changes])
        err = _invalid(problem.base, {p: changes[p] for p in involved})
        if len(involved) < 2 or err is None:
            continue  # one input's end alone, which its own check names
        *others, last = involved
        with_ = " and ".join(f"{p} at {_end(problem, p, changes[p])}" for p in others)
        return [
            ScenarioProblem(
                source,
                f"inputs.{last}.bounds",
                f"its end {_end(problem, last, changes[last])}, with {with_}, makes an "
                "invalid scenario, which a sample near these ends would be refused for "
                f"({_reasons(err)}): narrow the bounds so they cannot meet",
            )
        ]
    return []


def _upper_end(dist: str, centre: float, spread: float) -> float:
    """The value an unbounded distribution passes with a chance of :data:`OUTSIDE_CHANCE`
    (SALib's lognorm: exp of a normal of mean ``centre`` and sd ``spread``)."""
    from scipy import stats

    end = float(stats.norm.isf(OUTSIDE_CHANCE, centre, spread))
    return math.exp(end) if dist == "lognorm" else end


BOUNDED = ("unif", "logunif", "triang", "truncnorm")
"""SALib's distributions whose samples stay within their bounds (the first two values)."""


OUTSIDE_CHANCE = 1e-6
"""The chance of a sample past its field's bound that an unbounded input may have: a norm
of mean 3,000 and sd 400 on a field of at least 0 is fine, one of mean 0.1 and sd 0.1 not."""


def _beyond_the_field(problem: Problem, path: str, source: str) -> list[ScenarioProblem]:
    """An unbounded distribution (norm; lognorm, which takes any value over 0) that reaches
    past a bound of its field with more than :data:`OUTSIDE_CHANCE`, where a sample makes an
    invalid scenario: Sobol's refused the analysis once sampled, after ``povsim check`` had
    passed it."""
    from scipy import stats

    spec = problem.spec.inputs[path]
    low, high = _field_limits(problem.base, path)
    centre, spread = spec.bounds[0], spec.bounds[1]
    # SALib's lognorm is exp of a normal of that mean and sd (its bounds are the log's)
    if spec.dist == "lognorm":
        below = stats.norm.cdf(math.log(low), centre, spread) if low and low > 0 else 0.0
        above = stats.norm.sf(math.log(high), centre, spread) if high and high > 0 else 0.0
    else:
        below = stats.norm.cdf(low, centre, spread) if low is not None else 0.0
        above = stats.norm.sf(high, centre, spread) if high is not None else 0.0
    crossed = []
    if below > OUTSIDE_CHANCE:
        crossed.append(f"below the field's minimum {low:g} (a chance of {below:.2g})")
    if above > OUTSIDE_CHANCE:
        crossed.append(f"above the field's maximum {high:g} (a chance of {above:.2g})")
    if not crossed:
        return []
    return [
        ScenarioProblem(
            source,
            f"inputs.{path}.dist",
            f"{spec.dist} reaches {' and '.join(crossed)}, where a sample makes an invalid "
            "scenario; give a bounded distribution within them (truncnorm: bounds = [low, "
            "high, mean, sd])",
        )
    ]


def _choices(base: Scenario, path: str) -> list[str]:
    """The values a field of fixed choices (``Literal``) may take."""
    info = field_info(base, path)
    allowed = arms(info.annotation) if info is not None else []
    return [str(c) for arm in allowed if get_origin(arm) is Literal for c in get_args(arm)]


def _numeric(base: Scenario, path: str) -> bool:
    """Whether the field at ``path`` may hold a number (``designation_incidence``: a share,
    or the text "county")."""
    info = field_info(base, path)
    allowed = arms(info.annotation) if info is not None else []
    return any(arm in (int, float) for arm in allowed)


def _dated(base: Scenario, path: str) -> bool:
    """Whether the field at ``path`` is a dated series (a table keyed by year)."""
    info = field_info(base, path)
    return info is not None and keyed_by_year(info.annotation)


def _field_limits(base: Scenario, path: str) -> tuple[float | None, float | None]:
    """The least and the greatest value the field at ``path`` may take by its definition
    (``ge``/``gt``, ``le``/``lt``); None where it sets none or the field cannot be found."""
    info = field_info(base, path)
    if info is None:
        return None, None
    found = [*info.metadata, *_constraints(info.annotation)]
    lows: list[float] = []
    highs: list[float] = []
    for constraint in found:  # pydantic's Ge, Gt, Le and Lt (annotated_types)
        for name, into in (("ge", lows), ("gt", lows), ("le", highs), ("lt", highs)):
            value = getattr(constraint, name, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                into.append(float(value))
    return (max(lows) if lows else None, min(highs) if highs else None)


def _constraints(annotation: Any) -> list[Any]:
    """The constraints in a field's type: ``Probability`` (an ``Annotated`` float), also
    within an optional field's union and as a table's values (``dict[Year, ...]``, whose
    years' own bounds are not the values')."""
    if get_origin(annotation) is Annotated:
        kind, *extra = get_args(annotation)
        inner = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return inner + _constraints(kind)
    if get_origin(annotation) is dict:
        return _constraints(get_args(annotation)[1])
    return [c for arg in get_args(annotation) for c in _constraints(arg)]


def check_analysable(problem: Problem) -> None:
    """Refuse, before any run, a problem SALib would refuse only when analysing, after every
    run: indices apportion an output among two or more inputs or groups."""
    factors = list(dict.fromkeys(problem.salib().get("groups") or problem.names))
    if len(factors) < 2:
        raise ScenarioError(
            [
                ScenarioProblem(
                    problem.source,
                    "inputs",
                    f"an analysis needs two or more inputs or groups to apportion among, not "
                    f"{len(factors)} ({', '.join(factors) or 'none'})",
                )
            ]
        )


def load_problem(
    path: str | Path,
    scenario: str | Path | Scenario | None = None,
    overrides: Sequence[str] = (),
) -> Problem:
    """Read a problem file; ``scenario`` (a file or a Scenario) overrides its ``base``, and
    ``overrides`` (``dotted.path=value``, as ``--set``) change the base scenario file.

    Raises:
        TypeError: a path or scenario of the wrong kind, named (pathlib's words, before).
        ScenarioError: the problem's or the scenario's problems, each with its file and field.
    """
    path = arguments.path("path", path)
    spec = load_settings(path, ProblemFile, PROBLEM)
    base_file: str | None = None  # a Scenario given has none
    if isinstance(scenario, Scenario):
        if overrides:
            raise TypeError("overrides are for a scenario file; update the Scenario instead")
        base = one_county(scenario, path)
    elif scenario is not None:
        base = one_county(arguments.scenario("scenario", scenario, overrides), scenario)
        base_file = str(scenario)
    elif spec.base is not None:
        source = referenced_scenario(path.parent / spec.base, path, "base")
        base = one_county(load_scenario(source, overrides), source)
        base_file = str(source)
    else:
        raise ScenarioError(
            [ScenarioProblem(str(path), "base", "give a base scenario here or on the command line")]
        )
    _refuse_set_inputs(spec, overrides, str(path))
    problem = Problem(base, spec, str(path), base_file=base_file)
    _validate(problem, str(path))
    return problem


def _refuse_set_inputs(spec: ProblemFile, overrides: Sequence[str], source: str) -> None:
    """Refuse a ``--set`` of a field the problem varies: every sample replaces its value, so
    it was silently never used (a sweep design refuses the same)."""
    varied = {path: f"inputs.{path}" for path in spec.inputs}
    for program in spec.shares.programs if spec.shares else ():
        varied[f"programs.{program}.share"] = "shares.programs"
    refuse_shadowed(overrides, varied, f"{source} varies", "as an input")


class PovsimProblemSpec(ProblemSpec):
    """A SALib ``ProblemSpec`` whose ``evaluate()`` runs povsim.

    ``sp.sample_sobol(256).evaluate().analyze_sobol()`` samples with SALib, runs
    every sample through an executor (keyword arguments ``executor``, ``workers``,
    ``scheduler``, ``out`` to keep the runs and ``resume``), and analyses with SALib.
    """

    def __init__(self, problem: Problem):
        super().__init__(problem.salib())
        self.problem = problem
        self.evaluations: pd.DataFrame | None = None
        self.sampler: str | None = None
        """The SALib sampler that drew the sample (``"sobol"``, ``"morris"``, ...)."""
        self.num_levels: int | None = None
        """The grid levels of a Morris sample, which its analysis must be given too."""
        self._setting: tuple[str, Any] | None = None
        self._drawn: np.ndarray | None = None
        self._drawn_with: dict[str, Any] | None = None
        self.constant: dict[str, float] = {}
        """Outputs the same in every run, with their value: their indices are NaN."""
        self.undefined: dict[str, int] = {}
        """Outputs without a value in some runs (NaN: a cost per exit with no exit), with
        how many: the estimators need every run, so their indices are NaN."""
        self.constant_base: dict[str, float] = {}
        """Outputs of a Sobol' sample the same in its every base sample (its A and B rows),
        with their value, though other runs vary: Sobol's estimators take the variance from
        those rows alone, so their indices are NaN."""

    def sample(self, func: Callable, *args: Any, **kwargs: Any) -> Self:
        """SALib's ``sample_*`` methods, seeded by the problem's seed unless given one, so the
        same problem draws the same sample.

        Raises:
            ValueError: an N that is not a positive whole number; Morris's ``num_levels``
                under 2, FAST's ``M`` under 1 or either not a whole number, a
                ``calc_second_order`` not True or False.
            ScenarioError: Morris asked of an input with an unbounded distribution, FAST of
                a problem with groups; an N too small to estimate anything from; a sample
                whose runs would be more than :data:`MAX_RUNS`.
        """
        if "N" in inspect.signature(func).parameters:  # a fractional factorial takes none
            n = args[0] if args else kwargs.get("N")
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"N: the base sample size, a positive integer, not {n!r}")
        if func is morris.sample:
            _require_bounded(self.problem)
        if any(_approach(func) in samplers for samplers in _SAMPLERS.values()):
            # An analysis's sample of one input is refused before it is drawn, not after
            # its runs; a Latin hypercube of one (a discovery's, a robust search's) is sound.
            check_analysable(self.problem)
        kwargs = _seeded(func, kwargs, self.problem.seed)
        try:
            call = inspect.signature(func).bind(self, *args, **kwargs)
        except TypeError:
            call = None  # SALib's own call names the wrong argument
        if call is not None:
            call.apply_defaults()
            _check_setting(_approach(func), call.arguments)
            self._check_size(_approach(func), call.arguments)
        with warnings.catch_warnings():
            if _approach(func) in _SAMPLERS["sobol"]:
                _warn_unbalanced(args[0] if args else kwargs.get("N"))
                # SciPy's and SALib's own warnings name no size that would do (ours does)
                warnings.filterwarnings("ignore", "The balance properties of Sobol' points")
                warnings.filterwarnings("ignore", _SALIB_UNBALANCED)
            super().sample(func, *args, **kwargs)
        self.sampler = _approach(func)
        self._drawn = self.samples
        self._drawn_with = None
        if call is not None:
            drawn = {k: v for k, v in call.arguments.items() if k != "problem"}
            method = {"fast_sampler": "fast"}.get(self.sampler, self.sampler)
            self._drawn_with = json.loads(json.dumps({"method": method, **drawn}, default=str))
        self.num_levels = None
        self._setting = None
        if call is not None and (name := _SETTINGS.get(self.sampler)) is not None:
            # SALib's analysers default it whatever the sample used: with another, Morris
            # scales every elementary effect wrongly and FAST reads other frequencies
            # without a word, and Sobol' reads the sample's blocks wrongly or fails.
            self._setting = (name, call.arguments[name])
            if func is morris.sample:
                self.num_levels = int(call.arguments["num_levels"])
        return self

    def _check_size(self, sampler: str, arguments: dict[str, Any]) -> None:
        """Refuse a Sobol', Morris or FAST N too small to estimate anything from (FAST of a
        problem with groups too), and any known sampler's sample whose runs would be more
        than the cap, before it is drawn (other samplers' samples are counted when
        evaluated)."""
        method = {"saltelli": "sobol", "fast_sampler": "fast"}.get(sampler, sampler)
        if method not in METHODS or arguments.get("optimal_trajectories"):
            return  # optimised Morris trajectories: their number, not N, makes the rows
        n = arguments["N"]
        second_order = bool(arguments.get("calc_second_order", True))
        if method == "fast":
            _require_ungrouped(self.problem)
            # FAST's smallest N depends on its M (SALib's own refusal is a bare "N > 4M^2")
            given = arguments.get("M", FAST_M)
            if isinstance(given, numbers.Integral):
                check_sample_size(self.problem, method, n, m=int(given))
            else:  # SALib names a wrong M itself
                _check_runs(self.problem, method, n, samples_per_n(self.problem, method))
        else:
            check_sample_size(self.problem, method, n, second_order=second_order)

    def analyze(self, func: Callable, *args: Any, **kwargs: Any) -> Self:
        """SALib's ``analyze_*`` methods, their bootstrap seeded as the sample is; Sobol',
        Morris and FAST read the sample with the ``calc_second_order``, ``num_levels`` or
        ``M`` it was drawn with unless given them.

        Raises:
            ValueError: nothing evaluated yet; Sobol, Morris or FAST asked of a sample
                another method drew (their estimators read the sample's own design), or
                given a ``calc_second_order``, ``num_levels`` or ``M`` other than its
                sample's.
            ScenarioError: fewer than two inputs or groups to apportion the output among.
        """
        check_analysable(self.problem)
        method = _approach(func)
        needs = _SAMPLERS.get(method)
        # A sample set by hand (set_samples) is the user's to read as they mean it.
        drawn = self.sampler if self.samples is self._drawn else None
        if needs and drawn is not None and drawn not in needs:
            raise ValueError(
                f"analyze_{method} reads a sample drawn by sample_{method}, and this one was "
                f"drawn by sample_{drawn.removesuffix('_sampler')}: sample again with "
                f"sample_{method}"
            )
        if needs and drawn in needs and self._setting is not None:
            name, value = self._setting
            given = kwargs.get(name)
            if given is None:
                kwargs = {**kwargs, name: value}
            elif given != value:
                raise ValueError(
                    f"{name}: the sample was drawn with {name}={value!r}, not {given!r}; "
                    f"analyse with the sample's {_SETTINGS_SAID[name]} or sample again"
                )
        if self.results is None:
            # After the sample's checks: a sample the analyser cannot read is not worth
            # evaluating. SALib's own words, "Model not yet evaluated", said nothing of what
            # to call.
            raise ValueError("evaluate first, e.g. sp.evaluate(executor='processes')")
        outputs = list(self["outputs"])
        results = np.asarray(self.results, dtype=float)
        undefined = undefined_outputs(outputs, results)
        constant = constant_outputs(outputs, results)
        base_constant: dict[str, float] = {}
        if method == "sobol" and (rows := _sobol_base_rows(self, len(results), kwargs)) is not None:
            # Sobol's estimators take the output's variance from the sample's base rows (A
            # and B) alone: one the same there had indices of 0 known to ±0, though the rows
            # that change one input moved it, and SALib warned "Constant values
            # encountered" naming no output.
            base_constant = {
                name: value
                for name, value in constant_outputs(outputs, results[rows]).items()
                if name not in constant and name not in undefined
            }
        # SALib divides by the output's spread: an output the same in every run leaked
        # numpy's "invalid value encountered in divide" and came out with indices of 0
        # known exactly, as if no input moved it; Sobol's estimator turned an output
        # missing in some runs into the same zeros. Each is named below instead.
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", _SALIB_CONSTANT)
            seed = _analysis_seed(self.problem.seed)
            super().analyze(func, *args, **_seeded(func, kwargs, seed))
        _undefine(self, [*constant, *base_constant, *undefined])
        self.constant, self.undefined = constant, undefined
        self.constant_base = base_constant
        return self

    def no_indices(self) -> dict[str, str]:
        """Why each output without indices has none, as the table and figure say it."""
        runs = len(self.results) if self.results is not None else 0
        reasons = {
            name: f"{format_value(name, value)} in every run: no variance to apportion"
            for name, value in self.constant.items()
        }
        for name, value in self.constant_base.items():
            reasons[name] = (
                f"{format_value(name, value)} in every base sample (Sobol's A and B rows; it "
                "moves only where one input is changed): no variance for Sobol' to apportion, "
                "a larger N may find some"
            )
        for name, missing in self.undefined.items():
            reasons[name] = (
                "no value in any run: undefined here"
                if missing == runs
                else f"no value in {missing:,} of {runs:,} runs: the estimators need every run"
            )
        return reasons

    def evaluate(
        self,
        func: Callable | None = None,
        *args: Any,
        executor: str | Executor | None = None,
        workers: int | None = None,
        scheduler: str | None = None,
        out: str | Path | None = None,
        resume: bool = False,
        on_result: Callable[[RunResult], None] | None = None,
        progress: bool | None = None,
        **kwargs: Any,
    ) -> Self:
        """Run every sample (with ``func``, SALib's own evaluation instead).

        Args:
            func: SALib's way: a function of the samples (povsim's runs when None).
            executor: where the runs go ("serial", "processes", "dask" or an Executor).
            workers: worker processes for the executor (default: all cores).
            scheduler: address of a running Dask scheduler.
            out: keep the runs there (a sweep; ``resume`` continues one).
            resume: continue the runs kept at ``out``, running only those not finished;
                refused when they are another analysis's, naming what differs. Without it,
                runs already at ``out`` are refused.
            on_result: called in this process as each run finishes.
            progress: a bar over the runs; by default where someone watches (a terminal,
                Jupyter).
        """
        if func is not None:
            return super().evaluate(func, *args, **kwargs)
        if out is not None:
            out = arguments.path("out", out)  # else pathlib's words, after the sample's check
        arguments.flag("resume", resume)
        if progress is not None:
            arguments.flag("progress", progress)
        if self.samples is None:
            raise ValueError("sample first, e.g. sp.sample_sobol(256)")
        replications = self.problem.spec.replications
        runs = len(self.samples) * replications
        if runs > MAX_RUNS:  # a sample set by hand, or drawn by a sampler not counted before
            message = (
                f"{len(self.samples):,} samples x {replications:,} "
                f"replication{'s' * (replications != 1)} make {runs:,} runs, more than the "
                f"limit of {MAX_RUNS:,}"
            )
            raise ScenarioError([ScenarioProblem(self.problem.source, "", message)])
        drawn = self._drawn_with if self.samples is self._drawn else None
        if out is not None:
            # Checked before the sweep is, resumed or not: its own check names only a changed
            # base scenario for another N, and lets other outputs replace the indices of
            # these; without resume it advised a resume that was then refused.
            record = self.problem.record(drawn)
            if (differs := another_analysis(out, record, self.problem.base)) is not None:
                raise SweepError(
                    f"{out} holds the runs of another sensitivity analysis ({differs}): use "
                    "another out (--out) to start anew"
                )
            if _damaged(out):
                raise SweepError(
                    f"{Path(out) / 'design.json'} is damaged: the runs cannot be checked "
                    "against this analysis; use another out (--out) to start anew"
                )
            if not resume and (_design(out) or {}).get("kind") == "sensitivity":
                raise SweepError(
                    f"{out} already holds the runs of a sensitivity analysis: add resume=True "
                    "to continue it, or use another out to start anew"
                )
        sweep = self.problem.sweep(self.samples, drawn)
        with tempfile.TemporaryDirectory(prefix="povsim-sensitivity-") as scratch:
            target = Path(out) if out is not None else Path(scratch) / "runs"
            own = not isinstance(executor, Executor)
            if not own and (workers is not None or scheduler):
                raise ValueError("workers and scheduler make a new executor: not with an Executor")
            pool = (
                executor
                if isinstance(executor, Executor)
                else make_executor(executor, workers, scheduler)
            )
            try:
                with runs_progress("runs", None, progress) as bar:

                    def done(result: RunResult) -> None:
                        bar.advance()
                        if on_result is not None:
                            on_result(result)

                    run_sweep(
                        sweep,
                        target,
                        resume=resume,
                        executor=pool,
                        on_result=done,
                        on_plan=bar.start,
                    )
            finally:
                if own:
                    pool.close()
            indicators = pd.read_parquet(sorted((target / "indicators").glob("*.parquet")))
        self.evaluations = self.problem.outputs_of(indicators)
        results = self.evaluations[self.problem.outputs].to_numpy()
        # SALib's analysers take one output as a vector; they index columns only for several.
        self.results = results[:, 0] if results.shape[1] == 1 else results
        return self


_SAMPLERS = {"sobol": {"sobol", "saltelli"}, "morris": {"morris"}, "fast": {"fast_sampler"}}
"""The analysers that need their own sampler's design, and the samplers that draw it."""


_SETTINGS = {
    "sobol": "calc_second_order",
    "saltelli": "calc_second_order",
    "morris": "num_levels",
    "fast_sampler": "M",
}
"""The argument of each sampler that its analyser must be given the same."""
_SETTINGS_SAID = {"calc_second_order": "setting", "num_levels": "levels", "M": "harmonics"}

_SETTINGS_LEAST = {"num_levels": (2, "the levels of Morris's grid"), "M": (1, "FAST's harmonics")}
"""The smallest Morris levels and FAST harmonics SALib draws a sample with, and their names."""


def _check_setting(sampler: str, arguments: dict[str, Any]) -> None:
    """Refuse a sampler's setting (:data:`_SETTINGS`) SALib cannot draw with, as N is
    refused: SALib took them unchecked (1 level or 0 harmonics ended in a
    ZeroDivisionError, "4" in a TypeError, 2.5 levels or -1 harmonics drew a sample no
    analysis reads as drawn).

    Raises:
        ValueError: naming the argument, what it takes and the value given.
    """
    name = _SETTINGS.get(sampler)
    if name is None or name not in arguments:
        return
    value = arguments[name]
    if name == "calc_second_order":
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"calc_second_order: True or False, not {value!r}")
        return
    least, what = _SETTINGS_LEAST[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name}: {what}, a whole number of at least {least}, not {value!r}")


_SALIB_UNBALANCED = r"\s*Convergence properties of the Sobol' sequence is only valid if\s+`N`"
"""SALib's saltelli sampler's warning of an N off a power of 2."""


class UnbalancedSample(UserWarning):
    """A Sobol' sample of a base size that is not a power of 2."""


def _warn_unbalanced(n: object) -> None:
    """Warn that a Sobol' sample of base size ``n`` loses the sequence's balance (its
    indices converge more slowly), naming the powers of 2 either side."""
    if not isinstance(n, numbers.Integral) or n < 1 or n & (n - 1) == 0:
        return
    below = 1 << (int(n).bit_length() - 1)
    warnings.warn(
        f"N = {n} is not a power of 2: Sobol' points keep their balance, and the indices "
        f"converge as they should, only at a power of 2 (N = {below} or {below * 2})",
        UnbalancedSample,
        stacklevel=_outside((__file__, os.path.dirname(SALib.__file__))),
    )


def _outside(prefixes: tuple[str, ...]) -> int:
    """The ``stacklevel`` of the first caller whose file is not under ``prefixes``: the line
    that asked for a sample (a notebook's cell), not this module or SALib's."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level


def _approach(func: Callable) -> str:
    """SALib's name for a sampler's or analyser's method, from its module
    (``SALib.sample.fast_sampler`` -> ``"fast_sampler"``)."""
    return str(func.__module__).split(".")[2]


FLAT = 1e-9
"""A spread this small beside an output's size is rounding (replications averaged in
another order), not variance: SALib divided by it and gave an index of 2.0 known to ±0."""


_SALIB_CONSTANT = "Constant values encountered"
"""SALib's Sobol' warning of an output without variance in its base rows, which names no
output (:attr:`PovsimProblemSpec.constant_base` names them)."""


def constant_outputs(outputs: list[str], results: np.ndarray) -> dict[str, float]:
    """The outputs that took one value in every run (to within :data:`FLAT` of their size),
    with that value: they have no variance for the inputs to share, so they have no
    indices."""
    if not results.size:
        return {}
    columns = results.reshape(len(results), -1).T
    return {
        name: float(column[0])
        for name, column in zip(outputs, columns, strict=False)
        if np.ptp(column) <= FLAT * np.max(np.abs(column))
    }


def _sobol_base_rows(sp: ProblemSpec, runs: int, kwargs: dict[str, Any]) -> np.ndarray | None:
    """The rows of a Sobol' (Saltelli) sample of ``runs`` rows that its estimators take an
    output's variance from, A and B, the first and last of each block; None when the rows do
    not make whole blocks (SALib names that itself)."""
    groups = sp.get("groups")
    factors = len(set(groups)) if groups else len(sp["names"])
    block = 2 * factors + 2 if kwargs.get("calc_second_order", True) else factors + 2
    if not runs or runs % block:
        return None
    starts = np.arange(0, runs, block)
    return np.sort(np.concatenate([starts, starts + block - 1]))


def undefined_outputs(outputs: list[str], results: np.ndarray) -> dict[str, int]:
    """The outputs without a value (NaN) in some runs, with how many runs."""
    if not results.size:
        return {}
    columns = results.reshape(len(results), -1).T
    missing = zip(outputs, (int(np.sum(~np.isfinite(c))) for c in columns), strict=False)
    return {name: count for name, count in missing if count}


def _undefine(sp: ProblemSpec, names: Sequence[str]) -> None:
    """Set every index (and interval) of the outputs ``names`` to NaN."""
    if not names:
        return
    analysis = sp.analysis
    outputs = list(sp["outputs"])
    by_output = analysis if isinstance(analysis, dict) and set(analysis) == set(outputs) else None
    results = by_output or {outputs[0]: analysis}
    for name in names:
        result = results[name]
        for key, values in result.items():
            if key != "names":
                result[key] = np.full(np.shape(values), np.nan)


def _analysis_seed(seed: int) -> int:
    """The seed SALib's analysers get from a problem's ``seed``: never 0, which Sobol's and
    FAST's take for none (``if seed:``), leaving their bootstrap unseeded, so a problem of
    seed 0 gave other confidence intervals at each analysis. A nonzero draw of
    ``SeedSequence(seed)``: the same for the same seed, and the samplers keep ``seed``
    itself (they take 0 as a seed)."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _seeded(func: Callable, kwargs: dict[str, Any], seed: int) -> dict[str, Any]:
    if "seed" in kwargs or "seed" not in inspect.signature(func).parameters:
        return kwargs
    return {**kwargs, "seed": seed}


def problem_spec(
    scenario: str | Path | Scenario,
    inputs: dict[str, dict[str, Any]],
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    *,
    shares: dict[str, Any] | None = None,
    time_varying: Sequence[str] = ("incidence",),
    replications: int = 1,
    seed: int = 1,
) -> PovsimProblemSpec:
    """A SALib ``ProblemSpec`` for povsim, for notebooks.

    Args:
        scenario: the base scenario (a file or a Scenario).
        inputs: dotted path -> ``{"bounds": [...], "dist": "unif", "group": None}``.
        outputs: headline outputs and ``COLUMN@YEAR`` indicator values.
        shares: ``{"programs": [...], "weights": (0.5, 2.0)}`` to vary budget shares together.
        time_varying: indicator columns analysed year by year.
        replications: runs per sample, averaged (common seeds across samples).
        seed: seeds the runs, and the sample and the analysis unless their SALib method is
            given a seed of its own.

    Raises:
        ScenarioError: naming the argument and the problem, as for a problem file (fewer
            than two inputs or groups too).
    """
    loaded = arguments.scenario("scenario", scenario)
    base = one_county(loaded, scenario if isinstance(scenario, str | Path) else loaded.name)
    source = "<problem_spec>"
    try:
        spec = ProblemFile.model_validate(
            {
                "seed": seed,
                "replications": replications,
                "inputs": inputs,
                "shares": shares,
                # One name is one output, not its letters; anything but names is named here,
                # not as "'int' object is not iterable".
                "outputs": arguments.names("outputs", outputs),
                "time_varying": arguments.names("time_varying", time_varying),
            },
            # advice in Python's words: {"income.growth": {"bounds": [...]}}
            context={"python": True},
        )
    except ValidationError as err:
        raise ScenarioError(problems_from(err, {}, source, ProblemFile)) from None
    base_file = str(scenario) if isinstance(scenario, str | Path) else None
    problem = Problem(base, spec, source, base_file=base_file)
    _validate(problem, source)
    return PovsimProblemSpec(problem)


def samples_per_n(problem: Problem, method: str, *, second_order: bool = True) -> int:
    """The sample's rows per unit of N, as SALib's samplers draw them: Sobol' and Morris
    count a group as one input, FAST takes no groups."""
    groups = problem.salib().get("groups")
    factors = len(set(groups)) if groups else len(problem.names)
    if method == "sobol":
        return 2 * factors + 2 if second_order else factors + 2
    if method == "morris":
        return factors + 1
    return len(problem.names)


def check_sample_size(
    problem: Problem, method: str, n: int, *, second_order: bool = True, m: int = FAST_M
) -> None:
    """Refuse, before anything is drawn or written, a sample too small for ``method`` to
    estimate anything from (FAST's with ``m`` harmonics), or one whose runs are more than
    :data:`MAX_RUNS`.

    Raises:
        ScenarioError: naming the problem, N and the smallest or largest N that would do.
    """
    if n < (4 * m**2 + 1 if method == "fast" else MIN_N[method]):
        why = {
            # One base sample gave indices outside [0, 1] with intervals of width 0.
            "sobol": "Sobol' needs N of at least 2, not {n}: its indices are means over the "
            "N base samples, and their intervals come from resampling them",
            # SALib's sigma is a standard deviation across trajectories (numpy warned of
            # "Degrees of freedom <= 0" with one).
            "morris": "Morris needs N of at least 2 trajectories, not {n}: sigma, the spread "
            "of each input's elementary effects, is measured across trajectories",
            "fast": "FAST needs more than {low} samples per input (4M² with M = {m} "
            "harmonics), not {n}",
        }[method]
        message = why.format(n=n, low=4 * m**2, m=m)
        raise ScenarioError([ScenarioProblem(problem.source, "", message)])
    _check_runs(problem, method, n, samples_per_n(problem, method, second_order=second_order))


def _check_runs(problem: Problem, method: str, n: int, per_n: int) -> None:
    """Refuse N samples of ``per_n`` rows each when their runs are more than the cap, saying
    which N stays within it (for Sobol', the largest power of 2)."""
    replications = problem.spec.replications
    runs = n * per_n * replications
    if runs <= MAX_RUNS:
        return
    each = f"{per_n:,} samples per N" + (
        f" x {replications:,} replications" if replications > 1 else ""
    )
    most = MAX_RUNS // (per_n * replications)
    if method == "sobol" and most >= 1:
        most = 1 << (most.bit_length() - 1)
    if most < MIN_N[method]:
        advice = "no N does, with this many inputs and replications"
    else:
        power = ", a power of 2," if method == "sobol" else ""
        advice = f"N = {most:,}{power} makes {most * per_n * replications:,}"
    message = (
        f"N = {n:,} makes {runs:,} runs ({each}), more than the limit of {MAX_RUNS:,}: {advice}"
    )
    raise ScenarioError([ScenarioProblem(problem.source, "", message)])


def another_analysis(
    runs: str | Path, record: dict[str, Any], base: Scenario | None = None
) -> str | None:
    """What differs between the analysis whose runs are kept in ``runs`` and ``record``
    (:meth:`Problem.record`), as ``"N: 64 then, 32 now"``: the problem's fields by their
    path in a problem file, the sample's arguments by SALib's names, and where those are
    the same, ``base``'s fields; None when nothing recorded differs (or there is no record
    to read: :func:`run_sweep` says so).
    """
    then = _design(runs)
    if then is None or not isinstance(then.get("problem"), dict):
        return None
    now = json.loads(json.dumps(record, default=str))

    drawn_then, drawn_now = then.get("sample"), now.get("sample")
    if not (isinstance(drawn_then, dict) and isinstance(drawn_now, dict)):
        # A directory written before the sample was recorded, or a sample set by hand, has
        # none to compare: the sweep's fingerprint still tells the samples apart.
        drawn_then = drawn_now = {}
    elif drawn_then.get("method") != drawn_now.get("method"):
        # Another sampler's other arguments follow from it: naming them says nothing more.
        drawn_then, drawn_now = (
            {k: d.get(k) for k in ("method", "N")} for d in (drawn_then, drawn_now)
        )

    def fields(recorded: dict[str, Any], drawn: dict[str, Any]) -> dict[str, Any]:
        # The base scenario's own values are the fingerprint's to compare, not the text
        # naming it (the command line may give another).
        named = leaves({k: v for k, v in recorded["problem"].items() if k != "base"})
        for key, value in drawn.items():
            named[f"the sample's {key}" if key in named else key] = value
        return named

    before, current = fields(then, drawn_then), fields(now, drawn_now)
    changed = [k for k in dict.fromkeys([*before, *current]) if before.get(k) != current.get(k)]
    if not changed:
        return (base_differences(then, base) or None) if base is not None else None
    shown = ", ".join(
        f"{k}: {_shown(before.get(k))} then, {_shown(current.get(k))} now" for k in changed[:3]
    )
    return shown + (", ..." if len(changed) > 3 else "")


def _design(runs: str | Path) -> dict[str, Any] | None:
    """The ``design.json`` kept in ``runs``; None when there is none to read."""
    try:
        design = json.loads((Path(runs) / "design.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return design if isinstance(design, dict) else None


def _damaged(runs: str | Path) -> bool:
    """Whether ``runs`` holds a ``design.json`` that cannot be read as one."""
    return (Path(runs) / "design.json").exists() and _design(runs) is None


def _shown(value: Any) -> str:
    return "none" if value is None else json.dumps(value) if isinstance(value, list) else str(value)


def finished_runs(out: str | Path) -> int:
    """The runs an analysis at ``out`` has finished and kept (under ``out/runs``)."""
    return finished_sweep_runs(Path(out) / "runs")


def _require_bounded(problem: Problem) -> None:
    """Refuse Morris for unbounded inputs before anything is drawn: its levels include the 0
    and 1 quantiles, infinite for a normal."""
    unbounded = [p for p, i in problem.spec.inputs.items() if i.dist in ("norm", "lognorm")]
    if unbounded:
        raise ScenarioError(
            [
                ScenarioProblem(
                    problem.source,
                    f"inputs.{path}",
                    "Morris samples the 0 and 1 quantiles, so it needs a bounded "
                    "distribution (unif, logunif, triang, truncnorm)",
                )
                for path in unbounded
            ]
        )


def _require_ungrouped(problem: Problem) -> None:
    """Refuse FAST for a problem with groups before anything is drawn: SALib's FAST
    estimates one index per input and has no grouped form."""
    grouped = [f"inputs.{p}.group" for p, i in problem.spec.inputs.items() if i.group]
    if problem.spec.shares and problem.spec.shares.group:
        grouped.append("shares.group")
    if grouped:
        raise ScenarioError(
            [
                ScenarioProblem(
                    problem.source,
                    path,
                    "FAST estimates one index per input and takes no groups: use sobol or "
                    "morris, or leave the groups out",
                )
                for path in grouped
            ]
        )


def sample(sp: PovsimProblemSpec, method: str, n: int, *, second_order: bool = True) -> None:
    """Draw SALib's sample for ``method`` (seeded by the problem's seed)."""
    seed = sp.problem.seed
    if method == "morris":
        _require_bounded(sp.problem)
    if method == "fast":
        _require_ungrouped(sp.problem)
    check_sample_size(sp.problem, method, n, second_order=second_order)
    if method == "sobol":
        sp.sample_sobol(n, calc_second_order=second_order, seed=seed)
    elif method == "morris":
        sp.sample_morris(n, num_levels=4, seed=seed)
    elif method == "fast":
        sp.sample_fast(n, M=FAST_M, seed=seed)
    else:
        raise ValueError(f"method must be one of {METHODS}")


def analyze(sp: PovsimProblemSpec, method: str, *, second_order: bool = True) -> None:
    seed = sp.problem.seed
    if method == "fast":
        _require_ungrouped(sp.problem)
    if method == "sobol":
        sp.analyze_sobol(calc_second_order=second_order, seed=seed)
    elif method == "morris":
        sp.analyze_morris(num_levels=4, seed=seed)
    else:
        sp.analyze_fast(M=FAST_M, seed=seed)


INDEX_COLUMNS = ("output", "input", "input2", "index", "value", "conf", "listed", "yearly")
"""The columns of ``indices.parquet``."""


def indices_table(sp: ProblemSpec) -> pd.DataFrame:
    """Long table of every index: output, input (and input2 for S2), index, value, conf;
    ``listed``: the output is one the problem lists (its table and bars), ``yearly``: one of
    its time-varying columns' years (its year-by-year figure)."""
    analysis = sp.analysis
    if analysis is None:
        raise ValueError("analyse first, e.g. sp.analyze_sobol()")
    outputs = list(sp["outputs"])
    if not (isinstance(analysis, dict) and set(analysis) == set(outputs)):
        analysis = {outputs[0]: analysis}
    groups = sp.get("groups")
    names = list(dict.fromkeys(groups)) if groups else list(sp["names"])
    rows = []
    for output, result in analysis.items():
        for key, values in result.items():
            if key.endswith("_conf") or key == "names":
                continue
            values = np.asarray(values, dtype=float)
            conf = np.asarray(result.get(f"{key}_conf", np.full(values.shape, np.nan)), dtype=float)
            if values.ndim == 2:
                for i in range(values.shape[0]):
                    for j in range(i + 1, values.shape[1]):
                        rows.append(
                            {
                                "output": output,
                                "input": names[i],
                                "input2": names[j],
                                "index": key,
                                "value": values[i, j],
                                "conf": conf[i, j],
                            }
                        )
            else:
                for name, value, c in zip(names, values, conf, strict=True):
                    rows.append(
                        {
                            "output": output,
                            "input": name,
                            "input2": None,
                            "index": key,
                            "value": value,
                            "conf": c,
                        }
                    )
    table = pd.DataFrame(rows, columns=INDEX_COLUMNS[:6])
    # one missing value whatever the method (Morris's rows would hold None, Sobol's NaN)
    table["input2"] = table["input2"].astype("string")
    problem = getattr(sp, "problem", None)
    listed = problem.spec.outputs if problem else [o for o in outputs if "@" not in o]
    yearly = problem.yearly if problem else [o for o in outputs if "@" in o]
    table["listed"] = table["output"].isin(listed)
    table["yearly"] = table["output"].isin(yearly)
    return table


def time_varying_table(indices: pd.DataFrame) -> pd.DataFrame:
    """The indices of the time-varying outputs (``yearly``), with ``column`` and ``year``
    split out of ``COLUMN@YEAR``; none when the problem has no time-varying columns."""
    yearly = indices[indices["yearly"]].drop(columns=["output", "listed", "yearly"])
    parts = indices.loc[indices["yearly"], "output"].str.rsplit("@", n=1)
    yearly["column"] = parts.str[0].astype(str)
    yearly["year"] = parts.str[1].astype(int)
    return yearly


@command_clock()
def run_sensitivity(
    problem: Problem,
    method: str = "sobol",
    n: int = 1024,
    out: str | Path = "runs/sensitivity",
    *,
    second_order: bool = True,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    progress: bool | None = None,
) -> PovsimProblemSpec:
    """Sample, evaluate (resumable, under ``out/runs``), analyse, and write the indices.

    Writes ``samples.parquet``, ``outputs.parquet``, ``indices.parquet``,
    ``time_varying.parquet``, ``figures/indices.png``, ``figures/time_varying.png`` (with
    time-varying columns) and ``manifest.json`` to ``out``. ``overwrite`` replaces an
    earlier sensitivity analysis at ``out`` (never anything else): it is kept aside until a
    run of this one finishes, and comes back if this one is refused or stopped before.
    """
    from povsim.plots.experiments import sensitivity_bars, time_varying_indices

    # Before anything is made: a method not known was refused only when sampling, and a
    # sample size of "4" was named as SALib's N.
    arguments.instance(
        "problem", problem, Problem, "a Problem (load_problem(path), or a ProblemSpec's .problem)"
    )
    arguments.one_of("method", method, METHODS)
    arguments.whole("n", n)
    for name, value in {
        "second_order": second_order,
        "resume": resume,
        "overwrite": overwrite,
    }.items():
        arguments.flag(name, value)
    if progress is not None:
        arguments.flag("progress", progress)
    if resume and overwrite:
        raise SweepError("resume continues an analysis, overwrite replaces it: give one")
    check_sample_size(problem, method, n, second_order=second_order)
    check_analysable(problem)
    target = arguments.path("out", out)
    # A file, a link or someone else's directory is refused before anything is looked into.
    check_target(target, "sensitivity", overwrite=overwrite, resume=True)
    # One writer at a time on OUT, taken before an earlier analysis a killed one set aside
    # is settled: two starting at once each put it back, and the later deleted it.
    with locked(target):
        # An earlier analysis is kept aside until a run of the new one finishes: refused or
        # stopped before, it comes back.
        with replacing(
            target, "sensitivity", overwrite=overwrite, kept=lambda: finished_runs(target) > 0
        ):
            existed = target.exists()
            fresh = not existed or not any(target.iterdir())
            directory = OutputDirectory(target, "sensitivity")
            out = directory.path
            sp = PovsimProblemSpec(problem)
            try:
                sample(sp, method, n, second_order=second_order)
                record = problem.record(sp._drawn_with)
                # Resumed or not: without --resume it advised one, which was then refused.
                if differs := another_analysis(out / "runs", record, problem.base):
                    # Named for the analysis the user gave, not the sweep directory under it.
                    raise SweepError(
                        f"{out} holds another analysis ({differs}): use another --out to start "
                        "anew or --overwrite to replace it (out=, overwrite=True in Python)"
                    )
                if _damaged(out / "runs"):
                    # Named for the analysis: the sweep's own words were "the sweep cannot be
                    # checked ... use another --out", and no word of --overwrite.
                    raise SweepError(
                        f"{out / 'runs' / 'design.json'} is damaged: the analysis in {out} "
                        "cannot be checked against this one; use another --out to start anew "
                        "or --overwrite to replace it (out=, overwrite=True in Python)"
                    )
                if (out / "runs" / "design.json").exists() and not resume:
                    # Named for what the user ran, not for the sweep that keeps its runs.
                    raise SweepError(
                        f"{out} already holds a sensitivity analysis: add --resume to continue it "
                        "or --overwrite to replace it (resume=True, overwrite=True in Python)"
                    )
                if on_plan is not None:
                    on_plan(len(sp.samples) * problem.spec.replications, 0)
                # Refused above, another analysis's runs are kept and this session adds no
                # time to it.
                with directory.session(lambda: finished_runs(out) > 0):
                    sp.evaluate(
                        executor=executor,
                        workers=workers,
                        scheduler=scheduler,
                        out=out / "runs",
                        resume=resume,
                        on_result=on_result,
                        progress=progress,
                    )
            except BaseException:
                # Refused (a sample that makes an invalid scenario) or stopped before any run
                # finished: leave what was there before.
                if fresh and not finished_runs(out):
                    if existed:  # the user's own empty directory stays
                        for child in out.iterdir():
                            shutil.rmtree(child) if child.is_dir() else child.unlink()
                    else:
                        shutil.rmtree(out)
                raise
        # A stop while the last files are written is held until they are (finishing); a
        # failure or a second stop part-way counts this session's time, as the runs' do.
        with finishing(out), directory.session(lambda: finished_runs(out) > 0):
            analyze(sp, method, second_order=second_order)
            indices = indices_table(sp)
            yearly = time_varying_table(indices)
            directory.table("samples", pd.DataFrame(sp.samples, columns=problem.names))
            assert sp.evaluations is not None  # set by evaluate()
            directory.table("outputs", sp.evaluations.reset_index())
            directory.table("indices", indices)
            directory.table("time_varying", yearly)
            directory.figure("indices", sensitivity_bars(indices, method, sp.no_indices()))
            if not yearly.empty:  # a problem with no time-varying columns has no such figure
                directory.figure("time_varying", time_varying_indices(yearly, method))
            directory.manifest(
                method=method,
                n=n,
                # only Sobol' has second-order terms to ask for
                second_order=second_order if method == "sobol" else None,
                samples=len(sp.samples),
                runs=len(sp.samples) * problem.spec.replications,
                constant_outputs=sp.constant,
                constant_base_outputs=sp.constant_base,
                undefined_outputs=sp.undefined,
                problem=problem.spec.model_dump(mode="json"),
                base=problem.base.model_dump(mode="json"),
            )
    return sp
