"""Targets files: published figures a region should reproduce, and its free parameters.

A targets file lists published figures, each as a target: an indicator in a year, its
value, a tolerance and its source. Its ``[calibration]`` table names the free
parameters (dotted scenario paths with bounds, and why the range is credible).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, field_validator, model_validator

from povsim.config import (
    TARGETS,
    Scenario,
    ScenarioError,
    ScenarioProblem,
    get_path,
    load_scenario,
    load_settings,
    not_varied,
    referenced_scenario,
)
from povsim.config.errors import NUL_IN_PATH, did_you_mean
from povsim.config.fields import StrictNumbers
from povsim.config.limits import MAX_SEED
from povsim.config.paths import leaves
from povsim.runs import metrics

__all__ = [
    "ABOVE_THE_LINE",
    "ENROLLED",
    "ENROLLED_ALL",
    "PATHWAY_SHARE",
    "PROGRAM_INDICATORS",
    "REACHED",
    "REACH_SHARE",
    "REGION_INDICATORS",
    "SPENT",
    "CalibrationSettings",
    "Parameter",
    "Target",
    "TargetsFile",
    "check_against",
    "load_region",
    "load_targets",
    "target_notes",
]

PATHWAY_SHARE = "pathway_share"
"""Pseudo-indicator: share of the year's exits credited to ``program`` (several may share one)."""

ENROLLED = "program_enrolled"
"""Pseudo-indicator: households (or people) on the register (registered or exited) that
``program`` supports at the end of the year: published program counts are the register's."""

ENROLLED_ALL = "program_enrolled_all"
"""Pseudo-indicator: every household (or person) ``program`` supports at the end of the year,
registered or not (the minimum living allowance's own totals)."""

REACHED = "program_reached"
"""Pseudo-indicator: households (or people) ``program`` has enrolled from the start to the year."""

SPENT = "program_spent"
"""Pseudo-indicator: yuan ``program`` spent in the year, all of it (``spent_yuan`` in
``spending.parquet``: on households or villages; the minimum living allowance's is its top-ups,
what MCA's bulletins give)."""

REACH_SHARE = "program_reach_share"
"""Pseudo-indicator: households on the register at the year's end (registered or exited)
that ``program`` — or any program of its kind of support (its ``support``) — has ever
enrolled, each once, as a share of those households (how the 2020 census gave a kind of
support's reach: over the registered households, exited or not; those the re-check removed
were no longer registered)."""

PROGRAM_INDICATORS = (PATHWAY_SHARE, ENROLLED, ENROLLED_ALL, REACHED, REACH_SHARE, SPENT)

REGION_INDICATORS = (
    "poor_people",
    "registered_people",
    "incidence",
    "registered_incidence",
    "poor_county_registered_share",
    "poor_county_poor_people",
    "poor_county_incidence",
    "counties_exited",
    "poor_counties_remaining",
    "deep_poverty_counties",
)
"""Indicators a target may give for one NBS region (``region``) or one province
(``province``) of a county-resolved run, from its provinces' table: NBS publishes its poor
by east, centre and west, and its provinces' by bands; the county batches were announced
county by county, and the provinces designated their deep-poverty counties, so a region's or a
province's counts of them are known too; some provinces said how much of their register
lived in their poor counties, and NBS's poverty monitoring counts the poor of the poor
counties (贫困地区)."""


class _Strict(StrictNumbers):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Target(_Strict):
    """One published figure the model should reproduce."""

    indicator: str = Field(
        description=f"an indicator column, or one of {', '.join(PROGRAM_INDICATORS)}; an "
        "indicator column may carry its year, COLUMN@YEAR, in place of year"
    )
    year: int
    value: float
    # over 1 a target met by zero: a percentage (20 for 20%) taken as a fraction
    relative_tolerance: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    absolute_tolerance: Annotated[float, Field(gt=0.0)] | None = None
    program: str | None = Field(None, description="for the program pseudo-indicators: the program")
    basis: Literal["households", "people"] = "households"
    region: Literal["east", "centre", "west"] | None = Field(
        None, description="the figure of one NBS region (county-resolved runs only)"
    )
    province: str | None = Field(
        None,
        min_length=1,
        description="the figure of one province, as its provinces table names it "
        "(county-resolved runs only)",
    )
    lower_bound: bool = Field(
        False,
        description="the published figure is a floor (a band such as NBS's 'over 10%'): "
        "met at or above value less the tolerance, however far above",
    )
    # a default, so that a missing source is told what a blank one is, not "Field required"
    source: str = Field("", description="seed file or publication", validate_default=True)
    note: str = Field(
        "",
        description="how to read the figure, and for a figure the model is known to miss, "
        "why; `povsim validate` prints it under the table beside the miss",
    )
    weight: Annotated[float, Field(ge=0.0)] = 1.0

    @field_validator("source")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                "is missing or blank: name the seed file or publication the figure is from"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _year_in_the_indicator(cls, data: Any) -> Any:
        """``indicator = "COLUMN@YEAR"`` with no ``year``, as outcomes are named elsewhere
        (``povsim compare --outcome``, sweeps): one target of that column and year.

        Given beside a ``year`` it was read as the column "COLUMN@YEAR" in that year, and
        refused as ``COLUMN@YEAR needs a year after the @, not 'YEAR@YEAR'``.
        """
        if not isinstance(data, dict) or not isinstance(data.get("indicator"), str):
            return data
        column, at, year = data["indicator"].partition("@")
        if not at:
            return data
        plain = year.isascii() and year.isdigit()
        if "year" in data:
            alone = f', or indicator = "{data["indicator"]}" alone' if plain else ""
            raise ValueError(
                f"indicator: {data['indicator']!r} gives the year after its @, and year gives "
                f'one too: give it once, indicator = "{column}" and year = '
                f"{_toml_year(data['year'], year)}{alone}"
            )
        if not plain:
            raise ValueError(
                f"indicator: {data['indicator']!r}: COLUMN@YEAR needs a year after the @, not "
                f'{year!r} (or give indicator = "{column}" and year = ...)'
            )
        return {**data, "indicator": column, "year": int(year)}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.relative_tolerance is None and self.absolute_tolerance is None:
            raise ValueError("give relative_tolerance, absolute_tolerance or both (the larger)")
        if self.indicator in PROGRAM_INDICATORS:
            if not self.program:
                raise ValueError(f"{self.indicator} needs a program")
            if self.indicator == REACH_SHARE and self.basis != "households":
                raise ValueError(f"{REACH_SHARE} is a share of households: basis = 'households'")
            if self.indicator == SPENT and "basis" in self.model_fields_set:
                raise ValueError(f"{SPENT} is yuan, not households or people: leave out basis")
        elif not metrics.is_known(name := f"{self.indicator}@{self.year}"):
            if (
                self.indicator in metrics.OUTCOMES
                or metrics.pathway_program(self.indicator) is not None
            ):
                # a close column's name ("did you mean county_exited?") misled: a summary
                # outcome is a figure of a whole run, which no target gives
                raise ValueError(
                    f"indicator: {self.indicator!r} is an outcome of a whole run (`povsim "
                    "outcomes`); a target gives an indicator column in its year (`povsim "
                    f"columns`), or one of {', '.join(PROGRAM_INDICATORS)} with a program"
                )
            try:
                metrics.outcome(name)
                said = f"unknown indicator {self.indicator!r}"
            except metrics.UnknownOutcome as err:
                # its "did you mean", without the year the target did not misspell
                said = str(err.args[0]).removeprefix(f"{name!r}: ")
            raise ValueError(f"indicator: {said} (see `povsim columns`)")
        elif self.program is not None:
            raise ValueError(f"program is only for {', '.join(PROGRAM_INDICATORS)}")
        if self.region is not None and self.province is not None:
            raise ValueError("give a region or a province, not both")
        if (self.region or self.province) and self.indicator not in REGION_INDICATORS:
            where = "region" if self.region else "province"
            raise ValueError(f"a {where}'s target is one of {', '.join(REGION_INDICATORS)}")
        if (outside := self._beyond_range()) is not None:
            raise ValueError(outside)
        if self.absolute_tolerance is None and self.value == 0:
            raise ValueError("a relative tolerance needs a non-zero value")
        return self

    def _beyond_range(self) -> str | None:
        """Why ``value`` is one the indicator never takes (None: it may take it)."""
        least: float | None
        most: float | None
        if self.indicator in (PATHWAY_SHARE, REACH_SHARE):
            least, most, unit = 0.0, 1.0, "share"
        elif self.indicator == SPENT:
            least, most, unit = 0.0, None, "yuan"
        elif self.indicator in PROGRAM_INDICATORS:
            least, most, unit = 0.0, None, self.basis
        else:
            measure = metrics.outcome(f"{self.indicator}@{self.year}")
            least, most, unit = measure.least, measure.most, measure.unit
        if most is not None and self.value > most:
            hint = f": {self.value:g}% is written {self.value / 100:g}" if self.value <= 100 else ""
            return (
                f"value: {self.indicator} is a {unit} of at most {most:g}, not {self.value:g}{hint}"
            )
        if least is not None and self.value < least:
            return f"value: {self.indicator} ({unit}) is never below {least:g}, not {self.value:g}"
        return None

    @property
    def label(self) -> str:
        if self.indicator == SPENT:
            return f"{self.indicator}[{self.program}]@{self.year}"
        if self.indicator in PROGRAM_INDICATORS:
            return f"{self.indicator}[{self.program},{self.basis}]@{self.year}"
        if self.region is not None or self.province is not None:
            return f"{self.indicator}[{self.region or self.province}]@{self.year}"
        return f"{self.indicator}@{self.year}"

    @property
    def limits(self) -> tuple[float | None, float | None]:
        """The least and most the simulated figure can be (None: no limit), where a few
        replications' interval is cut, as in ``compare`` and ``run``."""
        if self.indicator in PROGRAM_INDICATORS:
            share = self.indicator in (PATHWAY_SHARE, REACH_SHARE)
            return 0.0, 1.0 if share else None
        name = f"{self.indicator}@{self.year}"
        if metrics.is_known(name):
            measure = metrics.outcome(name)
            return measure.least, measure.most
        return None, None

    @property
    def tolerance(self) -> float:
        """The tolerance in the indicator's own units: the larger of the two when both given."""
        relative = abs(self.value) * (self.relative_tolerance or 0.0)
        return max(relative, self.absolute_tolerance or 0.0)

    @property
    def tolerance_text(self) -> str:
        parts = []
        if self.relative_tolerance is not None:
            parts.append(f"{self.relative_tolerance:.0%}")
        if self.absolute_tolerance is not None:
            parts.append(f"{self.absolute_tolerance:g}")
        return ("floor −" if self.lower_bound else "±") + " or ".join(parts)


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
    replications: Annotated[int, Field(ge=1, le=1_000_000)] = 3
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1
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

    @model_validator(mode="after")
    def _each_figure_once(self) -> Self:
        # A figure listed twice counts twice in the fit's objective and the tally.
        keys = [
            (t.indicator, t.year, t.program, t.basis, t.region, t.province) for t in self.targets
        ]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise ValueError(
                    f"targets.{i} ({self.targets[i].indicator}, {self.targets[i].year}) repeats "
                    f"targets.{keys.index(key)}"
                )
        return self


def _toml_year(given: Any, after_at: str) -> str:
    """The year to write in ``year = ...``: the one given, if it is a plain whole year."""
    if isinstance(given, int) and not isinstance(given, bool):
        return str(given)
    return after_at if after_at.isascii() and after_at.isdigit() else "..."


ABOVE_THE_LINE = (
    "mean_income",
    "mean_income_poor_counties",
    "mean_income_exits",
    "mean_income_exited",
)
"""Mean incomes of people most of whom are over the poverty line (everybody, everybody in the
poor counties, or those out of poverty): a target's value under the line is likely a month's
figure. (The registered's, the ever registered's and the poorest fifth's may be under it.)"""


def target_notes(targets: Sequence[Target], scenario: Scenario) -> list[str]:
    """What in ``targets`` is valid but likely not meant for ``scenario``, one sentence each
    (``povsim check``, ``calibrate`` and ``validate`` print them): a mean income of everybody
    or of the exited under the year's poverty line (a month's income for a year's: 750 for
    9,000 was fitted without a word).

    Args:
        targets: the targets file's targets.
        scenario: the scenario they are of (its poverty line).

    Returns:
        The notes, each naming its target by its place in the file; empty when none.
    """
    found = []
    for i, target in enumerate(targets):
        if target.indicator not in ABOVE_THE_LINE or target.year not in scenario.poverty_line:
            continue
        line = scenario.line(target.year)
        if target.value < line:
            found.append(
                f"targets.{i}.value: {target.label} is {target.value:,.0f} yuan a person a "
                f"year, under the scenario's poverty line of {target.year} ({line:,.0f}) "
                "(is it a month's income?)"
            )
    return found


def load_targets(path: str | Path) -> tuple[TargetsFile, Path | None]:
    """Read a targets file; also return the scenario file it names (resolved), if any."""
    path = Path(path)
    spec = load_settings(path, TargetsFile, TARGETS)
    if spec.scenario and "\0" in spec.scenario:  # resolve() raised ValueError on it
        raise ScenarioError([ScenarioProblem(str(path), "scenario", NUL_IN_PATH)])
    scenario = (path.parent / spec.scenario).resolve() if spec.scenario else None
    return spec, scenario


def parameter_problem(
    parameters: Sequence[Parameter],
    i: int,
    field: str,
    source: str,
    given: str | None,
    problem: str,
) -> ScenarioProblem:
    """A problem with free parameter ``i``, named where it was set: the targets file's
    ``calibration.parameters.i.FIELD``, or ``given`` (``--param``, say) and its path."""
    if given is None:
        name = parameters[i].path
        return ScenarioProblem(source, f"calibration.parameters.{i}.{field}", f"{name} {problem}")
    return ScenarioProblem(given, parameters[i].path, problem)


def check_against(
    targets: Sequence[Target],
    parameters: Sequence[Parameter],
    scenario: Scenario,
    source: str,
    parameters_given: str | None = None,
) -> None:
    """Fail early, naming the field, when targets or parameters do not fit the scenario.

    ``parameters_given`` names where the parameters came from when not from the targets
    file ``source`` (``--param`` on the command line)."""
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
        for field, place in (("region", target.region), ("province", target.province)):
            if place is not None and scenario.geography is None:
                problems.append(
                    ScenarioProblem(
                        source,
                        f"targets.{i}.{field}",
                        f"a {field}'s figure needs a county-resolved scenario (a [geography] "
                        "section)",
                    )
                )
        if target.province is not None and scenario.geography is not None:
            names = [p.name for p in scenario.geography.provinces]
            if target.province not in names:
                problems.append(
                    ScenarioProblem(
                        source,
                        f"targets.{i}.province",
                        f"the scenario has no province {target.province!r}",
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
        elif (
            target.indicator == REACH_SHARE
            and scenario.programs[str(target.program)].kind == "infrastructure"
        ):
            problems.append(
                ScenarioProblem(
                    source,
                    f"targets.{i}.program",
                    f"{target.program!r} upgrades villages; {REACH_SHARE} is for household "
                    "programs",
                )
            )
    seen: set[str] = set()
    for i, parameter in enumerate(parameters):
        if parameter.path in seen:
            problems.append(
                parameter_problem(
                    parameters, i, "path", source, parameters_given, "is given more than once"
                )
            )
            continue
        seen.add(parameter.path)
        try:
            value = get_path(dumped, parameter.path)
        except KeyError:
            # as --set offers the field a slip of spelling meant
            numbers = [
                path
                for path, leaf in leaves(dumped).items()
                if isinstance(leaf, int | float) and not isinstance(leaf, bool)
            ]
            problems.append(
                parameter_problem(
                    parameters,
                    i,
                    "path",
                    source,
                    parameters_given,
                    "is no field of the scenario" + did_you_mean(parameter.path, numbers),
                )
            )
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            why = "is not a number that can be fitted"
            years = [str(k) for k in value] if isinstance(value, dict) else []
            if years and all(year.isdigit() for year in years):
                # as --set names a dated series: one year of it is a number
                why += f" (a dated series: fit one year's, e.g. {parameter.path}.{years[0]})"
            problems.append(parameter_problem(parameters, i, "path", source, parameters_given, why))
            continue
        if (reason := not_varied(parameter.path, sized=True, compared=True)) is not None:
            # refused before the runs that would find it moves no target
            problems.append(
                parameter_problem(parameters, i, "path", source, parameters_given, reason)
            )
            continue
        # A bound outside the field's own limits is refused, as is a population that
        # cannot fit in memory; candidates invalid only together with other values
        # (shares over 1 in all, say) are skipped during the search.
        for bound in parameter.bounds:
            try:
                scenario.updated({parameter.path: type(value)(bound)})
            except ScenarioError as err:
                own = [p for p in err.problems if p.path == parameter.path]
                if not own and not parameter.path.startswith("population."):
                    continue
                reason = (own or list(err.problems))[0].message if err.problems else str(err)
                message = f"at {bound:g}: {reason}"
                problems.append(
                    parameter_problem(parameters, i, "bounds", source, parameters_given, message)
                )
                break
    if problems:
        raise ScenarioError(problems)


def load_region(targets_path: Path) -> tuple[Scenario, TargetsFile]:
    """A region's scenario and targets from its targets file."""
    spec, scenario_file = load_targets(targets_path)
    if scenario_file is None:
        raise ScenarioError(
            [ScenarioProblem(str(targets_path), "scenario", "names no scenario file")]
        )
    scenario = load_scenario(referenced_scenario(scenario_file, targets_path, "scenario"))
    check_against(spec.targets, spec.calibration.parameters, scenario, str(targets_path))
    return scenario, spec
