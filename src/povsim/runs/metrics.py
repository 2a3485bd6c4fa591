"""The outcome registry: every figure a run is judged by, defined once.

An :class:`Outcome` has a name, a unit, a meaning, how it is computed from a run's
tables. Every place that reports, compares, analyses or fits a run asks this module: the
run summary, ``compare``, sweeps, sensitivity outputs, calibration targets, ``validate``,
the CLI tables and the dashboard. Over replications every outcome is the mean of the runs
that have a value, with its 95% t-interval (:mod:`povsim.runs.stats`), and the tables say
how many had one where not all did.

Besides the named outcomes there are two families:

* ``COLUMN@YEAR``: any indicator column (``povsim columns``) in one year, e.g.
  ``registered_people@2019`` or ``incidence@2020``;
* ``exited_people:PROGRAM``: people in households that exited with ``PROGRAM`` as
  their primary pathway (or ``combined``, ``none``: :mod:`povsim.sim.pathways`), over
  the whole run.

Outcomes that cannot be computed for a run (no exits for a cost per exit, no
counterfactual for the effect of support) are NaN, never None.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import pandas as pd

from povsim.config import arguments
from povsim.config.errors import did_you_mean
from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY
from povsim.sim.indicators import INDICATORS, NATIONAL_INDICATORS

__all__ = [
    "OUTCOMES",
    "PATHWAY_OTHERS",
    "Outcome",
    "RunTables",
    "Tables",
    "UnknownOutcome",
    "clip_intervals",
    "evaluate",
    "is_known",
    "label",
    "outcome",
    "pathway_outcomes",
    "pathway_program",
    "report",
    "summary",
    "yearly",
]

Unit = Literal[
    "share",
    "households",
    "people",
    "person-years",
    "villages",
    "counties",
    "yuan",
    "year",
    "yuan/person/year",
    "people/household",
]
Needs = Literal["indicators", "pathways", "counterfactual"]
NAN = math.nan


class RunTables(Protocol):
    """The tables outcomes are computed from (a :class:`~povsim.runs.runner.RunResult`)."""

    @property
    def indicators(self) -> pd.DataFrame: ...

    @property
    def pathways(self) -> pd.DataFrame | None: ...

    @property
    def counterfactual(self) -> pd.DataFrame | None: ...


@dataclass(frozen=True)
class Tables:
    """A run's tables as read back from disk (a sweep keeps only the indicators)."""

    indicators: pd.DataFrame
    pathways: pd.DataFrame | None = None
    counterfactual: pd.DataFrame | None = None


class UnknownOutcome(KeyError):
    """A name that is neither a registered outcome nor of a known family."""


@dataclass(frozen=True)
class Outcome:
    """One figure a run is judged by.

    Attributes:
        name: how every table, file and option names it.
        unit: its unit (shares are fractions, 0.05 = 5%).
        description: what it means.
        compute: the value for one run.
        needs: the tables it needs besides the indicators.
        better: which direction a policy-maker prefers, where there is one.
        signed: it may be below 0 (a difference from the counterfactual, money overspent);
            other counts, shares and sums of money are never negative (:attr:`least`).
    """

    name: str
    unit: Unit
    description: str
    compute: Callable[[RunTables], float]
    needs: Needs = "indicators"
    better: Literal["lower", "higher"] | None = None
    signed: bool = False

    @property
    def least(self) -> float | None:
        """The lowest value it can take: 0 for counts, shares and money; None for years,
        incomes (a hard-hit household's net income may be negative) and signed outcomes."""
        if self.signed or self.unit in ("year", "yuan/person/year"):
            return None
        return 0.0

    @property
    def most(self) -> float | None:
        """The highest value it can take: 1 for a share, None for the rest."""
        return 1.0 if self.unit == "share" and not self.signed else None

    def available(self, run: RunTables) -> bool:
        if self.needs == "indicators":
            return True
        return getattr(run, self.needs) is not None

    def value(self, run: RunTables) -> float:
        """The outcome for ``run`` (NaN when it cannot be computed)."""
        if not self.available(run) or run.indicators.empty:
            return NAN
        return float(self.compute(run))


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else NAN


def _last(column: str) -> Callable[[RunTables], float]:
    return lambda run: float(run.indicators[column].iloc[-1])


def _first(column: str) -> Callable[[RunTables], float]:
    return lambda run: float(run.indicators[column].iloc[0])


def _total(column: str) -> Callable[[RunTables], float]:
    return lambda run: float(run.indicators[column].sum())


def _county_exit_year(run: RunTables) -> float:
    exited = run.indicators.loc[run.indicators["county_exited"].astype(bool), "year"]
    return float(exited.iloc[0]) if len(exited) else NAN


def _cost_per_exit(run: RunTables) -> float:
    ind = run.indicators
    spending = float(ind["spending_yuan"].sum())
    return _ratio(spending, float(ind["exits_households"].sum())) if spending else NAN


def _budget(run: RunTables) -> float:
    # Indicators written before budget_yuan was recorded (a resumed sweep's) have none.
    ind = run.indicators
    return float(ind["budget_yuan"].sum()) if "budget_yuan" in ind else NAN


def _unspent(run: RunTables) -> float:
    ind = run.indicators
    spent = float(ind["spending_yuan"].sum() - ind["monitoring_yuan"].sum())
    return _budget(run) - spent


def _cf(run: RunTables) -> pd.DataFrame:
    assert run.counterfactual is not None
    return run.counterfactual


def _additional_exits(run: RunTables) -> float:
    return float(run.indicators["exits_households"].sum() - _cf(run)["exits_households"].sum())


def _relapses_avoided(run: RunTables) -> float:
    """The counterfactual's relapses per exited household-year at this run's exposure, less
    this run's relapses (more exits put more households at risk: raw counts mislead)."""
    ind, cf = run.indicators, _cf(run)
    exposure = float(ind["exited_households_start"].sum())
    cf_exposure = float(cf["exited_households_start"].sum())
    cf_rate = float(cf["relapses_households"].sum()) / cf_exposure if cf_exposure else 0.0
    return cf_rate * exposure - float(ind["relapses_households"].sum())


def _per_positive(spending: float, gained: float) -> float:
    return spending / gained if gained > 0 else NAN


_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("first_year", "year", "first simulated year", _first("year")),
    Outcome("last_year", "year", "last simulated year", _last("year")),
    Outcome(
        "incidence_start",
        "share",
        "people under the line at the end of the first year (its support counted)",
        _first("incidence"),
    ),
    Outcome(
        "incidence_end",
        "share",
        "people under the line at the end of the last year",
        _last("incidence"),
        better="lower",
    ),
    Outcome(
        "registered_households_start",
        "households",
        "registered households at the start of the first year",
        _first("registered_households_start"),
    ),
    Outcome(
        "registered_households_end",
        "households",
        "registered (not exited) households at the end",
        _last("registered_households"),
        better="lower",
    ),
    Outcome(
        "registered_people_end",
        "people",
        "people in registered (not exited) households at the end",
        _last("registered_people"),
        better="lower",
    ),
    Outcome(
        "registered_incidence_end",
        "share",
        "registered poor people / people at the end",
        _last("registered_incidence"),
        better="lower",
    ),
    Outcome("exits_households", "households", "exits over the run", _total("exits_households")),
    Outcome("exits_people", "people", "people in them", _total("exits_people")),
    Outcome(
        "relapses_households",
        "households",
        "relapses over the run",
        _total("relapses_households"),
        better="lower",
    ),
    Outcome("relapses_people", "people", "people in them", _total("relapses_people")),
    Outcome(
        "new_entrants_households",
        "households",
        "households newly registered after the first registration",
        _total("new_entrants_households"),
    ),
    Outcome(
        "removed_households",
        "households",
        "wrongly registered households taken off the register",
        _total("removed_households"),
    ),
    Outcome(
        "ever_exited_households",
        "households",
        "households that exited at least once",
        _last("ever_exited_households"),
    ),
    Outcome(
        "cumulative_exit_share",
        "share",
        "households ever exited / households on the register's books (not those removed as "
        "registered in error)",
        _last("cumulative_exit_share"),
        better="higher",
    ),
    Outcome(
        "cumulative_relapse_share",
        "share",
        "households ever relapsed / households ever exited",
        _last("cumulative_relapse_share"),
        better="lower",
    ),
    # Every supported mix clears the register by 2020, as the campaign did, so how fast it
    # got there and whom it left poor on the way is what tells mixes apart.
    Outcome(
        "poor_person_years",
        "person-years",
        "people under the line at each year end, summed over the run's years",
        _total("poor_people"),
        better="lower",
    ),
    Outcome(
        "registered_person_years",
        "person-years",
        "people registered (not exited) at each year end, summed over the run's years",
        _total("registered_people"),
        better="lower",
    ),
    Outcome("poor_villages", "villages", "designated poor villages", _last("poor_villages")),
    Outcome(
        "villages_exited",
        "villages",
        "poor villages exited by the end",
        _last("villages_exited"),
        better="higher",
    ),
    # The year alone hid the runs in which the county never exited: a mix that exited in
    # 2017 once in four read as a year ahead of one that exited in 2018 every time.
    Outcome(
        "county_exited_share",
        "share",
        "1 where the county had exited by the last year, else 0: over replications, the share "
        "of them in which it exited",
        _last("county_exited"),
        better="higher",
    ),
    Outcome(
        "county_exit_year",
        "year",
        "first year the county's registered incidence was below its threshold (NaN: never); "
        "over replications, the mean of those in which it exited alone, and the tables say in "
        "how many (k of N): read it with county_exited_share",
        _county_exit_year,
        better="lower",
    ),
    Outcome(
        "budget_yuan",
        "yuan",
        "money the support programs had over the run (a year's unspent money does not carry over)",
        _budget,
    ),
    Outcome(
        "spending_yuan",
        "yuan",
        "money spent by all programs and the relapse monitoring's help over the run",
        _total("spending_yuan"),
        better="lower",
    ),
    Outcome(
        "unspent_yuan",
        "yuan",
        "budget the programs left unspent over the run (the relapse monitoring's help is paid "
        "outside it; negative where guaranteed programs, or an entitlement such as the "
        "national profiles' allowance, spent beyond it)",
        _unspent,
        signed=True,
    ),
    Outcome(
        "cost_per_exit",
        "yuan",
        "spending / every exit, the exits that needed no program too (NaN without exits or "
        "spending): money left unspent lowers it, so read it with spending and poor person-years; "
        "cost_per_additional_exit counts only the exits support added",
        _cost_per_exit,
        better="lower",
    ),
    Outcome(
        "incidence_end_without_support",
        "share",
        "incidence at the end in the same county, seed and shocks without support (no "
        "program money, work teams or monitoring; labourers away before the campaign stay "
        "away, and count as supported by work away)",
        lambda run: float(_cf(run)["incidence"].iloc[-1]),
        needs="counterfactual",
    ),
    Outcome(
        "additional_exits",
        "households",
        "exits less the exits without support",
        _additional_exits,
        needs="counterfactual",
        better="higher",
        signed=True,
    ),
    Outcome(
        "cost_per_additional_exit",
        "yuan",
        "spending / additional exits (NaN when support added none)",
        lambda run: _per_positive(_total("spending_yuan")(run), _additional_exits(run)),
        needs="counterfactual",
        better="lower",
    ),
    Outcome(
        "relapses_avoided",
        "households",
        "relapses without support at this run's exposure, less this run's relapses",
        _relapses_avoided,
        needs="counterfactual",
        better="higher",
        signed=True,
    ),
    Outcome(
        "cost_per_relapse_avoided",
        "yuan",
        "spending / relapses avoided (NaN when none were)",
        lambda run: _per_positive(_total("spending_yuan")(run), _relapses_avoided(run)),
        needs="counterfactual",
        better="lower",
    ),
)

OUTCOMES: dict[str, Outcome] = {o.name: o for o in _OUTCOMES}
"""Every named outcome."""

_PATHWAY = "exited_people:"
PATHWAY_OTHERS = (JOINT_PATHWAY, NO_PATHWAY)
"""The pathways that are no program: exits that needed programs together, or none."""


_COLUMNS = INDICATORS | NATIONAL_INDICATORS
"""Columns ``COLUMN@YEAR`` may name (the national ones only in county-resolved runs,
where a county run gives NaN for them)."""


def _column_unit(column: str) -> Unit:
    # Named by what they measure: incidences, rates and shares are shares of a whole, and
    # every count of villages says so.
    if column.endswith(("incidence", "_rate", "_share")):
        return "share"
    if column == "county_exited":
        return "share"  # a 0/1 flag: over replications, the share in which the county was out
    if "income" in column or column == "poverty_line":
        return "yuan/person/year"
    if "household_size" in column:
        return "people/household"
    for part, unit in (("villages", "villages"), ("counties", "counties"), ("_people", "people")):
        if part in column:
            return unit  # type: ignore[return-value]
    if column.endswith("_yuan"):
        return "yuan"
    return "year" if column == "year" else "households"


def _at_year(column: str, year: int) -> Outcome:
    def compute(run: RunTables) -> float:
        if column not in run.indicators:
            return NAN
        rows = run.indicators.loc[run.indicators["year"] == year, column]
        return float(rows.iloc[0]) if len(rows) else NAN

    return Outcome(
        f"{column}@{year}", _column_unit(column), f"{_COLUMNS[column]} ({year})", compute
    )


def _pathway(program: str) -> Outcome:
    def compute(run: RunTables) -> float:
        table = run.pathways
        assert table is not None
        return float(table.loc[table["program"] == program, "primary_people"].sum())

    return Outcome(
        f"{_PATHWAY}{program}",
        "people",
        f"people exited with {program} as the primary pathway",
        compute,
        needs="pathways",
    )


def pathway_program(name: str) -> str | None:
    """The program an ``exited_people:PROGRAM`` outcome names (None: another outcome)."""
    return name.removeprefix(_PATHWAY) if name.startswith(_PATHWAY) else None


def pathway_outcomes(programs: Iterable[str]) -> list[str]:
    """The ``exited_people:PROGRAM`` outcomes of ``programs`` and of the exits that needed
    programs together or none (``combined``, ``none``)."""
    return [f"{_PATHWAY}{p}" for p in (*programs, *PATHWAY_OTHERS)]


# Read from the command line and from Python alike, so it names both lists.
_WHERE_LISTED = "`povsim outcomes` lists them (povsim.OUTCOMES in Python)"


def outcome(name: str) -> Outcome:
    """The outcome called ``name``: a registered one, ``COLUMN@YEAR`` or ``exited_people:X``.

    Raises:
        UnknownOutcome: with the names one could mean.
        TypeError: not a name.
    """
    arguments.instance("name", name, str, "an outcome's name, e.g. 'incidence@2020'")
    if name in OUTCOMES:
        return OUTCOMES[name]
    column, at, year = name.partition("@")
    if at:
        # ASCII digits only: "²" is a digit to str.isdigit, not to int(); and no leading
        # zero: "incidence@02020" was incidence@2020 under another name, so asking for both
        # compared one outcome twice where asking twice for one name is refused
        digits = year.isascii() and year.isdigit()
        if column in _COLUMNS and digits and (year == "0" or not year.startswith("0")):
            return _at_year(column, int(year))
        if column not in _COLUMNS:
            hint = did_you_mean(column, _COLUMNS, n=3)
            raise UnknownOutcome(f"{name!r}: {column!r} is not an indicator column{hint}")
        meant = f" (write {column}@{int(year)})" if digits else ""
        raise UnknownOutcome(f"{name!r}: COLUMN@YEAR needs a year after the @, not {year!r}{meant}")
    if name.startswith(_PATHWAY) and len(name) > len(_PATHWAY):
        return _pathway(name.removeprefix(_PATHWAY))
    hint = did_you_mean(name, OUTCOMES, n=3)
    if name in _COLUMNS:
        # a column is an outcome in one year: "did you mean registered_people_end?" alone
        # hid the form that names it
        close = hint.removeprefix(" (did you mean ").removesuffix("?)")
        also = f", or one over the whole run: {close}" if close else ""
        raise UnknownOutcome(
            f"{name!r} is an indicator column: name it in a year, {name}@YEAR (e.g. "
            f"{name}@2020){also}; {_WHERE_LISTED}"
        )
    raise UnknownOutcome(f"unknown outcome {name!r}{hint}; {_WHERE_LISTED}")


def label(name: str) -> str:
    """An outcome as tables and axes name it ("incidence end"); an amount of money says it is
    yuan in brackets ("cost per exit (yuan)", "spending (yuan)")."""
    if name.endswith("_yuan"):
        return f"{name.removesuffix('_yuan').replace('_', ' ')} (yuan)"
    text = name.replace("_", " ")
    if is_known(name) and outcome(name).unit == "yuan":
        text += " (yuan)"
    return text


def is_known(name: str) -> bool:
    try:
        outcome(name)
    except UnknownOutcome:
        return False
    return True


def evaluate(run: RunTables, names: Iterable[str]) -> dict[str, float]:
    """The named outcomes of one run (one name is one outcome, not its letters)."""
    return {name: outcome(name).value(run) for name in arguments.names("names", names)}


def summary(run: RunTables) -> dict[str, float]:
    """Every named outcome the run's tables allow."""
    return {o.name: o.value(run) for o in _OUTCOMES if o.available(run)}


def yearly(run: RunTables, column: str) -> dict[str, float]:
    """``COLUMN@YEAR`` for every year of the run."""
    years: Sequence[int] = [int(y) for y in run.indicators["year"]]
    return evaluate(run, [f"{column}@{year}" for year in years])


def report(run: RunTables) -> dict[str, float]:
    """What comparisons and sweeps record per run: every outcome the tables allow,
    ``incidence@YEAR`` and ``relapse_rate@YEAR`` for every year, and
    ``exited_people:PROGRAM`` for every program when the pathways are there."""
    values = summary(run) | yearly(run, "incidence") | yearly(run, "relapse_rate")
    if run.pathways is not None:
        programs = run.pathways["program"].unique()
        values |= evaluate(run, [f"{_PATHWAY}{p}" for p in programs])
    return values


def clip_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """Cut each row's ``ci_low`` and ``ci_high`` (one outcome a row, named in ``metric``) to
    the values the outcome can take (:attr:`Outcome.least`, :attr:`Outcome.most`).

    A mean that cannot be negative, or over 1, is not: a t-interval of a few replications of
    a count near 0 reached below it ("-0.3% .. 0.9%" of people poor, "1 ±4" people
    registered). Paired differences have no such limits and are left alone.
    """
    rows = rows.copy()
    outcomes = [outcome(name) for name in rows["metric"]]
    least = pd.Series([o.least for o in outcomes], index=rows.index, dtype=float)
    most = pd.Series([o.most for o in outcomes], index=rows.index, dtype=float)
    # an interval that is missing (one replication with a value) stays missing
    low, high = rows["ci_low"], rows["ci_high"]
    rows["ci_low"] = low.where(least.isna() | low.isna() | (low >= least), least)
    rows["ci_high"] = high.where(most.isna() | high.isna() | (high <= most), most)
    return rows
