"""Annual indicators computed from the model's arrays (never per agent).

Incomes are per-capita net incomes, yuan per person per year; means, medians and
percentiles are weighted by people, as per-capita income statistics are. Every count
is of real households and people: an agent counts its ``weight`` (1 in a full
population), so a weighted sample reports the figures of the population it stands for.
"""

from __future__ import annotations

import numpy as np

from povsim.config.vocabulary import Cause, Status
from povsim.sim.assessment import Transitions
from povsim.sim.households import HouseholdState
from povsim.sim.villages import VillageState

__all__ = [
    "INDICATORS",
    "INDICATOR_TYPES",
    "NATIONAL_INDICATORS",
    "RATIOS",
    "SKETCH_POINTS",
    "UNDEFINED_WHEN_EMPTY",
    "annual_indicators",
    "income_sketch",
    "lowest_share_mean",
    "weighted_quantiles",
]

INDICATORS: dict[str, str] = {
    "year": "calendar year; every other column is measured at its end",
    "poverty_line": "poverty line, yuan/person/year",
    "population_households": "households (constant: none are created or lost)",
    "population_people": "people",
    "poor_households": "households with income below the line, registered or not",
    "poor_people": "people in those households",
    "incidence": "poor_people / population_people",
    "registered_households_start": "registered (not exited) households at the start of the year",
    "registered_people_start": "people in them",
    "registered_household_size_start": "registered_people_start / registered_households_start: "
    "people per registered household",
    "exits_households": "registered households that exited this year (while the monitoring "
    "runs, with the year's relapses that exited again at its assessment)",
    "exits_people": "people in them",
    "relapses_households": "exited households that fell back onto the register this year",
    "relapses_people": "people in them",
    "new_entrants_households": "households newly registered by the annual review",
    "new_entrants_people": "people in them",
    "removed_households": "wrongly registered households taken off the register",
    "removed_people": "people in them",
    "exited_households_start": "households in the exited state at the start of the year",
    "relapse_rate": "relapses_households / exited_households_start",
    "registered_households": "registered households at year end = start - exits + relapses "
    "+ new entrants - removed",
    "registered_people": "people in them",
    "registered_incidence": "registered_people / population_people (the administrative rate)",
    "exited_households": "households in the exited state at year end",
    "exited_people": "people in them",
    "ever_registered_households": "households on the register's books: registered now or "
    "before, less those the re-check removed as registered in error (建档立卡户)",
    "ever_registered_people": "people in them (what mean_income_ever_registered is over)",
    "ever_exited_households": "households that have exited at least once",
    "ever_exited_people": "people in households that have exited at least once",
    "ever_relapsed_households": "households that have relapsed at least once",
    "cumulative_exit_share": "ever_exited_households / ever_registered_households (NaN "
    "while nobody has been registered)",
    "cumulative_relapse_share": "ever_relapsed_households / ever_exited_households (NaN "
    "while nobody has exited)",
    "relapses_illness": "relapsed households with an illness episode this year",
    "relapses_disaster": "relapsed households whose village had a disaster this year",
    "relapses_market": "relapsed farming households whose village had a bad price year",
    "relapses_support_ended": "relapsed households that lost support within the relapse's "
    "verification (this year, or with exit.relapse_years = 2 (as run) last year too): support "
    "that ended, was not renewed as the year began and took something away (not a renovated "
    "house, a move or a job found)",
    "relapses_floor": "relapsed households whose own income fell under the line, held over "
    "it by the minimum living allowance (只要返贫,马上纳入低保)",
    "relapses_guarantee": "relapsed households missing a guarantee (food, schooling, medical "
    "care, safe housing)",
    "relapses_reverified": "relapsed households marked at a re-verification of earlier exits "
    "(exit.reverify_years): short of schooling, medical cover or safe housing, whatever "
    "their income (they count under relapses_guarantee too)",
    "relapses_other": "relapsed households with none of the causes above",
    "missed_poor_households": "households never registered that meet the identification "
    "standard in force (漏评: 符合国家识别标准但未纳入建档立卡): under the line by the register's "
    "income and, after the re-check (registration.later_needs_guarantee_gap), short of a "
    "guarantee too unless a program referred it (exclusion error, as the verification judged it)",
    "missed_poor_people": "people in them (漏评人口)",
    "wrongly_exited_people": "people of exited households under the line (the register's "
    "income) or short of one of the three guarantees (schooling, medical care, safe housing) "
    "at the assessment (错退人口: exited without meeting the exit standard); they are earlier "
    "exits awaiting relapse verification or a guarantee's restoring",
    "wrongful_exit_rate": "wrongly_exited_people / people of exited households (错退率)",
    "comprehensive_poor_people": "registered_people + missed_poor_people + wrongly_exited_people",
    "comprehensive_incidence": "comprehensive_poor_people / population_people (综合贫困发生率: "
    "the poor counties' exit test from 2016, which county-resolved runs apply by default, "
    "geography.exit_incidence; a county run alone tests registered_incidence, county_exited)",
    "wrongly_registered_households": "registered households that were not poor when "
    "registered (inclusion error)",
    "mean_income_registered": "mean income of registered people as the register counts it "
    "(earnings away in full), yuan/person/year",
    "median_income_registered": "median income of registered people as the register counts "
    "it, yuan/person/year",
    "mean_income_exits": "mean income of people in households that exited this year, as the "
    "register counts it, yuan/person/year",
    "mean_income_exited": "mean income of people in households in the exited state at year "
    "end, as the register counts it, yuan/person/year",
    "mean_income_ever_registered": "mean income of people on the register's books (still poor or "
    "exited: what reports call the poor's income), as the register counts it, "
    "yuan/person/year",
    "mean_income": "mean income of everybody, yuan/person/year",
    "mean_income_lowest_fifth": "mean income of the poorest fifth of people (the NBS "
    "low-income group, 低收入组), yuan/person/year",
    "income_p05": "5th percentile of income, yuan/person/year",
    "income_p25": "25th percentile of income, yuan/person/year",
    "income_p50": "median income, yuan/person/year",
    "income_p75": "75th percentile of income, yuan/person/year",
    "income_p95": "95th percentile of income, yuan/person/year",
    "registered_food_gap": "registered households without food and clothing security",
    "registered_schooling_gap": "registered households whose schooling is not secured",
    "registered_medical_gap": "registered households without medical insurance",
    "registered_housing_gap": "registered households in dangerous (C, D) houses",
    "registered_illness_share": "share of registered households with illness among causes",
    "ill_households": "households with an illness episode this year",
    "disaster_households": "households whose village was hit by a disaster this year",
    "budget_yuan": "money the support programs had this year (each its share of budget.total "
    "or its own budget); what they leave unspent does not carry over, yuan",
    "spending_yuan": "money spent by all support programs and relapse monitoring this year, yuan",
    "monitoring_yuan": "help paid to monitored households this year, yuan",
    "monitored_households": "exited and marginal households under relapse monitoring this year",
    "monitored_people": "people in them",
    "supported_households": "households any program supported this year",
    "work_team_villages": "villages with a resident work team",
    "poor_villages": "designated poor villages",
    "villages_exited": "poor villages that have exited by year end",
    "poor_villages_left": "poor villages still on the list at year end (未出列)",
    "county_exited": "the county has exited (its registered incidence fell below its "
    "threshold; a county-resolved run adds the checks of wrongful exits and missed poor and "
    "the plans): true from its exit year on, whatever its incidence after (its mean over "
    "replications is the share of them in which the county was out)",
    "deep_poverty_counties": "deep-poverty counties (深度贫困县): 1 where the county is one "
    "(monitoring.deep_area, or its registered incidence over monitoring.deep_incidence at "
    "the end of monitoring.deep_year), else 0; in a county-resolved run their number",
}

NATIONAL_INDICATORS: dict[str, str] = {
    "counties_exited": "designated poor counties that exited this year (county-resolved runs)",
    "poor_counties_remaining": "designated poor counties not yet exited at year end "
    "(county-resolved runs)",
    "exiting_counties_no_missed_share": "share of the poor counties exiting this year whose "
    "check found no missed poor (missed_poor_people 0 in their exit year; the published "
    "未发现漏评 of the checks, which surveyed about 1,000 households a county where a run "
    "looks at every agent; county-resolved runs; NaN in a year none exits)",
    "exiting_counties_no_wrongful_share": "the same, no wrongful exits (wrongly_exited_people 0; "
    "未发现错退)",
    "exiting_counties_clean_share": "the same, neither missed poor nor wrongful exits "
    "(既未发现错退又未发现漏评)",
    "mean_income_poor_counties": "mean income of the designated poor counties' rural people, "
    "yuan per person per year (county-resolved runs; NBS's 贫困地区 series)",
    "poor_county_poor_people": "people under the line (poor_people, the survey's count) "
    "living in the designated poor counties (county-resolved runs; NBS's 贫困地区 series)",
    "poor_county_incidence": "poor_county_poor_people / the designated poor counties' rural "
    "people (county-resolved runs; NBS's 贫困地区 series)",
    "poor_county_registered_people": "people on the register at year end (registered_people) "
    "living in the designated poor counties (county-resolved runs)",
    "poor_county_registered_share": "poor_county_registered_people / registered_people: the "
    "share of the register living in the designated poor counties (county-resolved runs)",
    "poor_county_register_people": "people on the register's books in the designated poor "
    "counties at year end, registered or exited, as the 2020 census counted them "
    "(county-resolved runs)",
}
"""Columns a county-resolved national run adds to its indicators (see
:mod:`povsim.runs.counties`)."""

INDICATOR_TYPES: dict[str, str] = dict.fromkeys([*INDICATORS, *NATIONAL_INDICATORS], "float64") | {
    "year": "int64",
    "county_exited": "bool",
    "deep_poverty_counties": "int64",
    "counties_exited": "int32",
    "poor_counties_remaining": "int64",
}
"""Each indicator's type in ``indicators.parquet``: a count is a weighted sum (each agent
counts its ``weight``), so a float like the rates and incomes; the year, the flag and the
counts of counties are whole. Runs give their tables these types
(:meth:`povsim.sim.model.PovertyModel.indicators`, a national run's aggregate)."""

_PERCENTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


RATIOS = {
    "incidence": ("poor_people", "population_people"),
    "registered_incidence": ("registered_people", "population_people"),
    "relapse_rate": ("relapses_households", "exited_households_start"),
    "cumulative_exit_share": ("ever_exited_households", "ever_registered_households"),
    "cumulative_relapse_share": ("ever_relapsed_households", "ever_exited_households"),
    "wrongful_exit_rate": ("wrongly_exited_people", "exited_people"),
    "comprehensive_incidence": ("comprehensive_poor_people", "population_people"),
    "registered_household_size_start": ("registered_people_start", "registered_households_start"),
}
"""The rates among the indicators, each as (numerator, denominator), both counts of the same
row: a county's year computes them so, and a county-resolved run recomputes them from its
counties' summed counts (rates do not add up)."""

UNDEFINED_WHEN_EMPTY = frozenset(
    {"cumulative_exit_share", "cumulative_relapse_share", "registered_household_size_start"}
)
"""Ratios that are undefined (NaN) when there is nothing to share, as a cost per exit without
exits is: a county that registered nobody did not exit 0% of its register, and a register
without households has no household size (it read 0.0, and pulled a mean over replications
down). The other rates of a year (incidence, relapse rate) are 0 then, as published series
give them."""


def _ratio(part: float, whole: float, none: float = 0.0) -> float:
    """``part / whole``; ``none`` when there is no whole."""
    return float(part / whole) if whole else none


def _mean(values: np.ndarray, weights: np.ndarray, mask) -> float:
    w = weights[mask]
    return float(np.average(values[mask], weights=w)) if w.sum() > 0 else np.nan


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of ``values`` where each value counts ``weights`` times: the first value at
    which the cumulative weight reaches each share (NaN when there is no weight, where numpy
    would raise).

    Args:
        values: shape (k,).
        weights: what each value counts (people, or households' weights), shape (k,).
        qs: the shares, in [0, 1]: one, or a sequence.

    Returns:
        Float array, the shape of ``qs``.
    """
    qs = np.asarray(qs, dtype=float)
    if values.size == 0 or weights.sum() <= 0:
        return np.full(qs.shape, np.nan)
    return np.asarray(np.quantile(values, qs, weights=weights, method="inverted_cdf"))


SKETCH_POINTS = 256
"""Equally weighted quantiles a county keeps of its income distribution each year."""


def income_sketch(h: HouseholdState) -> np.ndarray:
    """Income of all people (the survey's) and of registered people (the register's) at
    ``SKETCH_POINTS`` equally weighted quantiles, shape (2, SKETCH_POINTS).

    Quantiles do not add up over counties, but sketches do: pooled, each point weighted by
    its county's people over ``SKETCH_POINTS``, they give the nation's quantiles to within
    a point's share of the people.

    Args:
        h: the households after the year's assessment, read only.

    Returns:
        float32 array, shape (2, SKETCH_POINTS), yuan per person per year: all people's
        row, then registered people's (NaN while nobody is registered).
    """
    qs = (np.arange(SKETCH_POINTS) + 0.5) / SKETCH_POINTS
    registered = h.status == Status.REGISTERED
    return np.stack(
        [
            weighted_quantiles(h.income, h.persons, qs),
            weighted_quantiles(h.register_income()[registered], h.persons[registered], qs),
        ]
    ).astype(np.float32)  # to the yuan and beyond; half what national runs send back


def lowest_share_mean(values: np.ndarray, weights: np.ndarray, share: float) -> float:
    """Weighted mean of ``values`` over the lowest ``share`` of the weight (a quantile group).

    The row straddling the boundary counts with the part of its weight inside the group.

    Args:
        values: shape (k,), e.g. incomes, yuan per person per year.
        weights: what each value counts, shape (k,).
        share: the group's share of the weight, in (0, 1] (0.2: the lowest fifth).

    Returns:
        The mean; NaN when there is no weight.
    """
    order = np.argsort(values, kind="stable")
    w = weights[order].astype(np.float64)
    total = w.sum()
    if total <= 0:
        return float("nan")
    inside = np.clip(share * total - (np.cumsum(w) - w), 0.0, w)
    return float((values[order] * inside).sum() / inside.sum())


def annual_indicators(
    h: HouseholdState,
    v: VillageState,
    year: int,
    line: float,
    t: Transitions,
    county_exited: bool,
    spending: float = 0.0,
    supported: float = 0.0,
    deep_poverty: bool = False,
    budget: float = 0.0,
) -> dict[str, float | int | bool]:
    """One row of :data:`INDICATORS` for the year just assessed.

    Counts are of real households and people: each agent counts its ``weight``.

    Args:
        h: the households after the year's assessment
            (:func:`povsim.sim.assessment.close_year`), read only.
        v: the villages, read only (work teams, the poor-village list).
        year: the year assessed.
        line: the year's poverty line, yuan per person per year.
        t: who moved in the register this year.
        county_exited: the county has exited, this year or before.
        spending: money the programs spent this year, yuan (the monitoring's help is added
            from ``t``).
        supported: real households the support programs cover at the year's end.
        deep_poverty: the county is a deep-poverty county (0 or 1 in the row).
        budget: money the programs had this year, yuan.

    Returns:
        The row, keyed by the names of :data:`INDICATORS` (every one of them).
    """
    persons = h.persons
    people = float(persons.sum())
    poor = h.income < line
    registered = h.status == Status.REGISTERED

    row: dict[str, float | int | bool] = {
        "year": year,
        "poverty_line": line,
        "population_households": h.count(slice(None)),
        "population_people": people,
        "poor_households": h.count(poor),
        "poor_people": h.people(poor),
        "registered_households_start": h.count(t.registered_start),
        "registered_people_start": h.people(t.registered_start),
    }
    for name, mask in (
        ("exits", t.exited),
        ("relapses", t.relapsed),
        ("new_entrants", t.entered),
        ("removed", t.removed),
        ("registered", registered),
    ):
        row[f"{name}_households"] = h.count(mask)
        row[f"{name}_people"] = h.people(mask)
    row["exited_households_start"] = h.count(t.exited_start)
    row["exited_households"] = h.count(h.status == Status.EXITED)
    row["exited_people"] = h.people(h.status == Status.EXITED)
    row["ever_registered_households"] = h.count(h.ever_registered)
    row["ever_registered_people"] = h.people(h.ever_registered)
    row["ever_exited_households"] = h.count(h.ever_exited)
    row["ever_exited_people"] = h.people(h.ever_exited)
    row["ever_relapsed_households"] = h.count(h.relapses > 0)
    for cause, mask in t.relapse_causes.items():
        row[f"relapses_{cause}"] = h.count(mask)
    # Missed poor and wrongful exits are the verification's findings (third-party
    # assessment), which judged incomes as the register's tests do; close_year found them.
    row["missed_poor_households"] = h.count(t.missed_poor)
    row["missed_poor_people"] = h.people(t.missed_poor)
    row["wrongly_exited_people"] = h.people(t.wrongly_exited)
    row["comprehensive_poor_people"] = (
        row["registered_people"] + row["missed_poor_people"] + row["wrongly_exited_people"]
    )
    for rate, (part, whole) in RATIOS.items():
        empty = np.nan if rate in UNDEFINED_WHEN_EMPTY else 0.0
        row[rate] = _ratio(row[part], row[whole], none=empty)
    row["wrongly_registered_households"] = h.count(registered & h.wrongly_registered)
    # The register's statistics count its income (members away with all their earnings).
    register_income = h.register_income()
    row["mean_income_registered"] = _mean(register_income, persons, registered)
    row["median_income_registered"] = float(
        weighted_quantiles(register_income[registered], persons[registered], [0.5])[0]
    )
    row["mean_income_exits"] = _mean(register_income, persons, t.exited)
    row["mean_income_exited"] = _mean(register_income, persons, h.status == Status.EXITED)
    row["mean_income_ever_registered"] = _mean(register_income, persons, h.ever_registered)
    row["mean_income"] = _mean(h.income, persons, slice(None))
    row["mean_income_lowest_fifth"] = lowest_share_mean(h.income, persons, 0.2)
    for q, value in zip(
        _PERCENTILES, weighted_quantiles(h.income, persons, _PERCENTILES), strict=True
    ):
        row[f"income_p{round(q * 100):02d}"] = float(value)
    row["registered_food_gap"] = h.count(registered & ~h.food_ok)
    row["registered_schooling_gap"] = h.count(registered & ~h.schooling_ok)
    row["registered_medical_gap"] = h.count(registered & ~h.medical_ok)
    row["registered_housing_gap"] = h.count(registered & ~h.housing_ok)
    row["registered_illness_share"] = _ratio(
        h.count(registered & ((h.causes & Cause.ILLNESS) > 0)), row["registered_households"]
    )
    row["ill_households"] = h.count(t.ill)
    row["disaster_households"] = h.count(t.hit_by_disaster)
    row["budget_yuan"] = float(budget)
    row["spending_yuan"] = float(spending) + t.monitoring_yuan
    row["monitoring_yuan"] = t.monitoring_yuan
    row["monitored_households"] = h.count(t.monitored)
    row["monitored_people"] = h.people(t.monitored)
    row["supported_households"] = float(supported)
    row["work_team_villages"] = float(v.weight[v.work_team].sum())
    row["poor_villages"] = float(v.weight[v.poor_village].sum())
    row["villages_exited"] = float(v.weight[v.exited].sum())
    row["poor_villages_left"] = float(v.weight[v.poor_village & ~v.exited].sum())
    row["county_exited"] = bool(county_exited)
    row["deep_poverty_counties"] = int(deep_poverty)
    return row
