"""The problem a study varies: its uncertain inputs, their distributions, the outputs read.

A problem names scenario inputs by dotted path, each with bounds or a distribution
(as SALib takes them), optional groups, and the outputs to analyse. Its samples run as a
sweep; outputs are averaged over replications, which use common seeds across samples so
the response is smooth.

Budget shares are handled explicitly: a ``[shares]`` table lists programs whose
shares vary together. Each gets an input ``share:PROGRAM``, a positive weight;
a sample's shares are the weights normalised to the sum the base scenario gives
those programs, so the budget they split, and every other program's share, stay
as in the base scenario and no sample makes an invalid scenario.

A problem is checked against its base scenario before any run, since a sample that makes
an invalid scenario is otherwise found only once sampling starts: each input must be a
number a sample can set, and its range must make valid scenarios alone and together with
the others'. Sensitivity analysis (:mod:`povsim.experiments.sensitivity`) and the robust
policy search (:mod:`povsim.experiments.optimize`) read the same problem.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args, get_origin

import numpy as np
import pandas as pd
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
    referenced_scenario,
)
from povsim.config.errors import arms, did_you_mean, keyed_by_year, table_not_value, year_runs
from povsim.config.fields import StrictNumbers, repeated
from povsim.config.paths import field_info, year_past_the_run
from povsim.experiments.sweep import Sweep, counted, refuse_shadowed
from povsim.runs import metrics
from povsim.sim.indicators import INDICATORS

__all__ = [
    "DEFAULT_OUTPUTS",
    "Problem",
    "check_analysable",
    "load_problem",
]

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
    in a problem file's words, or ``python``, in
    :func:`~povsim.experiments.sensitivity.problem_spec`'s."""
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
        (NaN) where any replication has none, so
        :func:`~povsim.experiments.sensitivity.undefined_outputs` counts it."""
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
"""The source a problem built in Python is named by
(:func:`~povsim.experiments.sensitivity.problem_spec`)."""


def _as_input(path: str, python: bool) -> str:
    """An input of ``path``, as a problem file writes it or, ``python``, a dictionary."""
    return f'{{"{path}": {{"bounds": [...]}}}}' if python else f'[inputs."{path}"]'


def _not_an_input(problem: Problem, path: str, flat: dict[str, Any], python: bool) -> str | None:
    """Why ``path`` is no input a sample can set (None: it is a number of the base
    scenario), with what to vary instead; ``python``: said for
    :func:`~povsim.experiments.sensitivity.problem_spec`."""
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
