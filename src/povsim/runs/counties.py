"""County-resolved national runs: provinces, their counties, county exit and aggregation.

A scenario with a ``geography`` section is a national run. Its provinces' poor counties
(832 in the shipped table) and a few non-poor counties per province are drawn from the
run's seed (:func:`draw_counties`); each becomes an ordinary county scenario
(:func:`county_scenario`) with its own share of the agents, people, income level,
remoteness, exit threshold and money, and runs as a :class:`PovertyModel` on its own
``SeedSequence`` child, spawned by county index from the run's seed
(:func:`county_seed`). Nothing a county draws depends on which other counties ran
with it, in which process or in what order, so a run split into partitions
(:func:`partitions`, run by :mod:`povsim.experiments.national` on any executor) gives
the same tables as a serial one. :func:`aggregate` applies the county exit rule and
sums counties into ``counties``, ``provinces`` and national indicator tables.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from povsim.config import Scenario, ScenarioError, ScenarioProblem, arguments
from povsim.config.geography import GeographyConfig, ProvinceConfig
from povsim.config.schema import BYTES_PER_AGENT, physical_memory, size_text
from povsim.runs import metrics
from povsim.runs.display import result_repr, shape
from povsim.sim.indicators import (
    INDICATOR_TYPES,
    INDICATORS,
    NATIONAL_INDICATORS,
    RATIOS,
    UNDEFINED_WHEN_EMPTY,
    lowest_share_mean,
    weighted_quantiles,
)
from povsim.sim.model import PovertyModel
from povsim.sim.population import build_population
from povsim.sim.streams import run_seed

__all__ = [
    "COUNTY_COLUMNS",
    "COUNTY_COST_AGENTS",
    "PROVINCE_COLUMNS",
    "RATIOS",
    "REGION_RATIOS",
    "County",
    "CountyRun",
    "CountySpec",
    "NationalResult",
    "SampleRaised",
    "aggregate",
    "county_scenario",
    "county_seed",
    "county_specs",
    "draw_counties",
    "partition_cost",
    "partitions",
    "require_national_rules",
    "run_partition",
    "simulate_counties",
]

GEOGRAPHY_KEY = 2**31 + 1
"""Spawn key of the stream that draws the counties; far above any replication number."""

Row = dict[str, Any]
"""A county as it is drawn, before it becomes a :class:`County`."""
Curve = Callable[[np.ndarray], np.ndarray]
"""Share of a county's people under each multiple of its mean income."""

REFERENCE_HOUSEHOLDS = 20_000
"""Households drawn to read the shape of the income distribution off (see _income_curve)."""
LOWEST_LEVEL = 0.25
"""Poorest a province's poor counties may be drawn, as a share of the province's mean."""
INCOME_CURVE_KEY = 2**31 + 3
"""Spawn key of the stream that draws the reference households of the income curve."""
LEVEL_ROUNDS = 20
"""Most rounds of the provinces' levels against the nation's count of poor (it settles in
a few: 0.1% apart)."""

COUNTIES_KEY = 2**31 + 2
"""Spawn key under which every county's own seed is spawned (by county index)."""

COUNTY_COLUMNS = (
    "county",
    "province",
    "region",
    "poor_county",
    "year",
    "population_people",
    "poor_people",
    "incidence",
    "mean_income",
    "registered_people",
    "registered_incidence",
    "comprehensive_incidence",
    "exits_people",
    "relapses_people",
    "exited_people",
    "missed_poor_people",
    "missed_poor_rate",
    "wrongly_exited_people",
    "wrongful_exit_rate",
    "comprehensive_poor_people",
    "poor_villages",
    "spending_yuan",
    "deep_poverty_counties",
    "exited",
    "scheduled_exit",
    "scheduled_incidence",
    "exit_year",
    "announced_year",
)
"""``counties.parquet``: one row per county per year."""

PROVINCE_COLUMNS = (
    "province",
    "region",
    "year",
    "population_people",
    "poor_people",
    "incidence",
    "mean_income",
    "registered_people",
    "registered_incidence",
    "poor_county_population_people",
    "poor_county_poor_people",
    "poor_county_incidence",
    "poor_county_registered_people",
    "poor_county_registered_share",
    "exits_people",
    "relapses_people",
    "spending_yuan",
    "poor_counties",
    "counties_exited",
    "poor_counties_remaining",
    "deep_poverty_counties",
    "exit_year",
)
"""``provinces.parquet``: one row per province per year."""

REGION_RATIOS = {
    "incidence": RATIOS["incidence"],
    "registered_incidence": RATIOS["registered_incidence"],
    "poor_county_registered_share": ("poor_county_registered_people", "registered_people"),
    "poor_county_incidence": ("poor_county_poor_people", "poor_county_population_people"),
}
"""The same for a region's or a province's figures, from ``provinces.parquet``."""
# Means over a county's people, combined with the people they were taken over, and a share
# of its households with the households. The ever-registered's income was weighted by their
# households: counties of larger households counted for fewer of their people.
_MEANS = {
    "mean_income": "population_people",
    "mean_income_registered": "registered_people",
    "mean_income_exits": "exits_people",
    "mean_income_exited": "exited_people",
    "mean_income_ever_registered": "ever_registered_people",
    "registered_illness_share": "registered_households",
}

_QUANTILES = {
    "median_income_registered": (1, 0.5),
    **{c: (0, int(c[len("income_p") :]) / 100) for c in INDICATORS if c.startswith("income_p")},
}
"""Quantiles do not add up over counties: they (and the lowest fifth's mean) are read off
the counties' pooled income sketches (all people 0, registered people 1)."""
_SUMMED = frozenset(
    {
        *("population_households", "population_people", "poor_households", "poor_people"),
        *("registered_households_start", "registered_people_start", "exited_households_start"),
        *("exits_households", "exits_people", "relapses_households", "relapses_people"),
        *("new_entrants_households", "new_entrants_people", "removed_households"),
        *("removed_people", "registered_households", "registered_people", "exited_households"),
        *("exited_people", "ever_registered_households", "ever_registered_people"),
        *("ever_exited_households",),
        *("ever_exited_people", "ever_relapsed_households"),
        # every relapse cause is a count of households
        *(c for c in INDICATORS if c.startswith("relapses_") and c != "relapses_people"),
        *("missed_poor_households", "missed_poor_people", "wrongly_exited_people"),
        *("comprehensive_poor_people", "wrongly_registered_households"),
        *("registered_food_gap", "registered_schooling_gap", "registered_medical_gap"),
        *("registered_housing_gap", "ill_households", "disaster_households"),
        *("budget_yuan", "spending_yuan", "monitoring_yuan", "monitored_households"),
        *("monitored_people", "supported_households", "work_team_villages", "poor_villages"),
        *("villages_exited", "poor_villages_left", "deep_poverty_counties"),
    }
)
"""Counts of households, people, villages, counties and yuan: they add up over counties."""
_OWN_RULE = frozenset({"year", "poverty_line", "county_exited", "mean_income_lowest_fifth"})
"""Indicators a national run combines by a rule of their own (see _national_indicators)."""


def unaggregated() -> list[str]:
    """Indicators a national run has no rule to combine over its counties for: each must be
    summed (a count), recomputed (RATIOS), weighted (_MEANS) or pooled (_QUANTILES), or a
    share would be added up over a national run's counties."""
    known = _SUMMED | RATIOS.keys() | _MEANS.keys() | _QUANTILES.keys() | _OWN_RULE
    return [c for c in INDICATORS if c not in known]


def require_national_rules() -> None:
    """Refuse, before any county runs, to combine an indicator without a rule.

    Raises:
        ValueError: naming the indicators and where their rules go.
    """
    if missing := unaggregated():
        raise ValueError(
            f"no rule combines {', '.join(missing)} over a national run's counties: list each "
            "in povsim.runs.counties as summed, a ratio, a mean or a quantile"
        )


@dataclass(frozen=True)
class County:
    """One county of a national run, as drawn.

    Attributes:
        index: its place in the national list (its seed's spawn key).
        province: its province.
        region: east, centre or west.
        poor: a designated poor county.
        people: rural people (in the table's units).
        income: expected 2014 rural per-capita income, in the province table's yuan (its
            scenario's ``income.initial_mean`` scales it to the profile's national mean).
        remoteness: mean remoteness of its villages.
        expected_poor: its share of its province's NBS 2014 poor, as its income puts its
            people under the line (the money formula's input).
        money_share: its share of all the money (central by formula plus local).
        exit_threshold: registered incidence under which it exits.
        scheduled_exit: the year its exit plans aim at (exit.plan_county_deadline in its
            scenario).
        scheduled_incidence: the incidence its schedule reaches that year, under its
            threshold: what its plans aim its incidence (geography.exit_incidence) under by
            then (exit.plan_county_target); None when its schedule does not get under its
            threshold by the deadline, when no pace is set, and for non-poor counties.
        deep_area: it lies in one of ``geography.deep_areas``.
        village_quota: the real villages it designates poor under ``geography.poor_villages``
            (None: its villages by the rule alone).
    """

    index: int
    province: str
    region: str
    poor: bool
    people: float
    income: float
    remoteness: float
    expected_poor: float
    money_share: float
    exit_threshold: float
    scheduled_exit: int
    scheduled_incidence: float | None = None
    deep_area: bool = False
    village_quota: float | None = None


@dataclass(frozen=True)
class Nation:
    """What one county's scenario needs to know of all the counties."""

    people: float
    drawn: float  # rural people, poor counties counted poor_oversampling times
    income: float  # rural people times their income
    poor_income: float  # the same, in the poor counties

    @classmethod
    def of(cls, counties: Sequence[County], geo: GeographyConfig) -> Nation:
        return cls(
            people=sum(c.people for c in counties),
            drawn=sum(c.people * (geo.poor_oversampling if c.poor else 1.0) for c in counties),
            income=sum(c.people * c.income for c in counties),
            poor_income=sum(c.people * c.income for c in counties if c.poor),
        )


@dataclass(frozen=True)
class CountySpec:
    """One county to run: what a partition's worker needs.

    The county's own scenario is derived where it runs (validating 861 scenarios is work
    the workers share), from the national one, which a partition's specs share.
    """

    county: County
    national: Scenario
    nation: Nation
    seed: int

    @property
    def agents(self) -> int:
        return county_agents(self.national, self.county, self.nation)

    @property
    def scenario(self) -> Scenario:
        return county_scenario(self.national, self.county, self.nation)


@dataclass
class CountyRun:
    """What one county's run returns: small tables only, so partitions stay light."""

    index: int
    indicators: pd.DataFrame
    spending: pd.DataFrame
    pathways: pd.DataFrame
    sketches: np.ndarray  # (years, 2, SKETCH_POINTS): see povsim.sim.indicators.income_sketch


def county_seed(seed: int, index: int) -> np.random.SeedSequence:
    """County ``index``'s seed: a child of the run's seed, whatever else runs."""
    return np.random.SeedSequence(seed, spawn_key=(COUNTIES_KEY, index))


def _formula(columns: dict[str, np.ndarray], geo: GeographyConfig) -> np.ndarray:
    """Shares by the factor formula: each factor as a share of its total, weighted."""
    a = geo.allocation
    weights = {
        "poor": a.weight_poor,
        "incidence": a.weight_incidence,
        "income": a.weight_income,
        "fiscal": a.weight_fiscal,
    }
    out = np.zeros(len(columns["poor"]))
    for name, weight in weights.items():
        values = columns[name]
        total = values.sum()
        # A factor nobody has (no poor at all) spreads its weight evenly.
        out += weight * (values / total if total > 0 else np.full(len(values), 1 / len(values)))
    return out


def draw_counties(scenario: Scenario, seed: int) -> list[County]:
    """The national list of counties, drawn from ``seed`` (the same list for any partition).

    In each province, in table order: its poor counties, then ``other_counties``
    non-poor ones sharing the rest of its rural people.
    """
    geo = scenario.geography
    if geo is None:
        raise ValueError("the scenario has no geography section")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(GEOGRAPHY_KEY,)))
    rows: list[Row] = []
    for p in geo.provinces:
        n_poor = p.poor_counties
        poor_people = geo.poor_county_population * rng.lognormal(
            -(geo.county_population_sd**2) / 2, geo.county_population_sd, n_poor
        )
        whole = p.name in geo.all_poor_provinces
        cap = (1.0 if whole else geo.poor_population_cap) * p.rural_population
        if poor_people.sum() > cap or whole:
            poor_people *= cap / poor_people.sum()
        shares = rng.dirichlet(np.full(geo.other_counties, 8.0))
        other_people = (p.rural_population - poor_people.sum()) * shares
        # Counties are sized in resident people; NBS counts the province's poor over its
        # hukou people, away or not, and the model's people are NBS's.
        scale = p.people / p.rural_population
        poor_people *= scale
        other_people *= scale
        noise = rng.lognormal(-(geo.county_income_sd**2) / 2, geo.county_income_sd, n_poor)
        remote_k = geo.remoteness_concentration
        remote_poor = rng.beta(
            geo.remoteness_poor * remote_k, (1 - geo.remoteness_poor) * remote_k, n_poor
        )
        remote_other = rng.beta(
            geo.remoteness_other * remote_k,
            (1 - geo.remoteness_other) * remote_k,
            geo.other_counties,
        )
        other_noise = rng.lognormal(
            -(geo.county_income_sd**2) / 2, geo.county_income_sd, geo.other_counties
        )
        # The province's first poor counties are its deep-poverty areas', in listed order.
        areas = [a for a in geo.deep_areas if a.province == p.name for _ in range(a.poor_counties)]
        for i in range(n_poor):
            rows.append(
                {
                    "province": p,
                    "poor": True,
                    "people": float(poor_people[i]),
                    "noise": float(noise[i]),
                    "remoteness": float(remote_poor[i]),
                    "area": areas[i] if i < len(areas) else None,
                }
            )
        # A whole poor province's non-poor draws are made and dropped, so that the provinces
        # after it draw the same counties with it listed or not.
        for i in range(0 if whole else geo.other_counties):
            rows.append(
                {
                    "province": p,
                    "poor": False,
                    "people": float(other_people[i]),
                    "noise": float(other_noise[i]),
                    "remoteness": float(remote_other[i]),
                    "area": None,
                }
            )
    _solve_levels(rows, scenario, _income_curve(scenario, seed))
    # The province's NBS poor, spread over its counties as their incomes put them under the line.
    for p in geo.provinces:
        mine = [r for r in rows if r["province"] is p]
        weights = [r["people"] * r["under_line"] for r in mine]
        total = sum(weights)
        for r, w in zip(mine, weights, strict=True):
            r["expected_poor"] = p.poor_2014 * w / total if total > 0 else 0.0
    shares = _money_shares(rows, geo)
    quotas = _village_quotas(rows, scenario)
    thresholds = {
        region: geo.exit_threshold_west if region == "west" else geo.exit_threshold_other
        for region in ("east", "centre", "west")
    }
    counties = []
    for i, r in enumerate(rows):
        threshold = thresholds[r["province"].region]
        year, incidence = _exit_schedule(r, threshold, scenario)
        counties.append(
            County(
                index=i,
                province=r["province"].name,
                region=r["province"].region,
                poor=r["poor"],
                people=r["people"],
                income=r["income"],
                remoteness=r["remoteness"],
                expected_poor=r["expected_poor"],
                money_share=float(shares[i]),
                exit_threshold=threshold,
                scheduled_exit=year,
                scheduled_incidence=incidence,
                deep_area=r["area"] is not None,
                village_quota=None if quotas is None else float(quotas[i]),
            )
        )
    return counties


def _village_quotas(rows: list[Row], scenario: Scenario) -> np.ndarray | None:
    """Each county's quota of poor villages (规模控制), in real villages, or None.

    The nation's ``geography.poor_villages`` goes to each province as its own count, or,
    where the table gives none, as its share of what the counted provinces leave, by its
    NBS poor; a province's goes to its counties by their expected poor, none taking more
    villages than it has (the rest going to the others in turn).
    """
    geo = scenario.geography
    assert geo is not None
    if geo.poor_villages is None:
        return None
    pop = scenario.population
    villages = pop.represents_villages or pop.villages
    people = sum(r["people"] for r in rows)
    counted = sum(p.poor_villages or 0 for p in geo.provinces)
    uncounted = sum(p.poor_2014 for p in geo.provinces if p.poor_villages is None)
    left = max(geo.poor_villages - counted, 0)
    quotas = np.zeros(len(rows))
    for p in geo.provinces:
        mine = np.flatnonzero([r["province"] is p for r in rows])
        if p.poor_villages is not None:
            total = float(p.poor_villages)
        else:
            total = left * p.poor_2014 / uncounted if uncounted else 0.0
        room = np.array([villages * rows[i]["people"] / people for i in mine])
        need = np.array([rows[i]["expected_poor"] for i in mine], dtype=float)
        quotas[mine] = _fill(total, need, room)
    return quotas


def _fill(total: float, need: np.ndarray, room: np.ndarray) -> np.ndarray:
    """``total`` shared by ``need``, none given more than its ``room``; what a full one
    cannot take goes to the others by their need, until all is given or all with any need
    are full (the rest is lost: Tibet's counties hold 48 villages fewer than its share)."""
    given = np.zeros(len(need))
    open_ = need > 0
    while total > 1e-9 and open_.any():
        share = total * need * open_ / need[open_].sum()
        take = np.minimum(share, room - given)
        given += take
        total -= take.sum()
        open_ &= given < room - 1e-9
    return given


def _exit_schedule(row: Row, threshold: float, scenario: Scenario) -> tuple[int, float | None]:
    """The year a poor county's exit plan (摘帽计划) aims at, and the incidence its schedule
    reaches then: the first year, from ``first_exit_year``, that its incidence at the start
    as drawn, cut every year from the start, is under its threshold; the national deadline
    (and no incidence) for the others and when no pace is set. A year's cut is
    ``exit_pace`` times that year's money (``geography.plan_money``, else ``budget.total``)
    over the mean of the years to the deadline: plans were drawn to the money, which grew
    every year (a year without a figure counts as the mean)."""
    geo = scenario.geography
    deadline = scenario.exit.plan_deadline
    if geo is None or geo.exit_pace is None or not row["poor"]:
        return deadline, None
    years = range(scenario.start_year, deadline + 1)
    path = geo.plan_money or scenario.budget.total
    money = [path[y] for y in years if y in path]
    mean = float(np.mean(money)) if money else 0.0
    left = row["under_line"]
    for year in years:
        weight = path.get(year, mean) / mean if mean > 0 else 1.0
        left *= max(0.0, 1.0 - geo.exit_pace * weight)
        if year >= geo.first_exit_year and left < threshold:
            return year, float(left)
    return max(deadline, geo.first_exit_year), None


def _income_curve(scenario: Scenario, seed: int) -> Curve:
    """The share of a county's people under a multiple of its mean income, as the model draws.

    Read off one sample of households drawn by the county profile's own income settings
    (the county level moves the mean, not the shape), on a stream of its own.
    """
    pop = scenario.population
    households = REFERENCE_HOUSEHOLDS
    reference = scenario.updated(
        {
            "geography": None,
            "population.households": households,
            "population.villages": max(1, round(households * pop.villages / pop.households)),
        }
    )
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(INCOME_CURVE_KEY,)))
    h, _ = build_population(reference, rng)
    people = h.weight * h.persons
    ratio = h.income / np.average(h.income, weights=people)
    order = np.argsort(ratio)
    below = np.cumsum(people[order]) / people.sum()
    return lambda multiples: np.interp(multiples, ratio[order], below)


def _solve_levels(rows: list[Row], scenario: Scenario, under: Curve) -> None:
    """Set the counties' incomes so each province holds NBS's share of the 2014 poor.

    A province keeps its mean income. Its poor counties' mean is the one free level: the
    lower it is, the more of the province's poor they hold and the richer the rest. Each
    province's level is solved, between a quarter of the province's mean and the mean itself
    (a poor county no richer than the rest), so that its people under the registration line
    are its NBS share of the nation's count. A province that cannot reach its share (over it
    even at its mean, under it even at a quarter, or without poor counties) stays at that
    bound (with deep-poverty areas, the top is as rich as the non-poor rest, which the areas
    leave richer than the mean). A province of poor counties alone
    (``geography.all_poor_provinces``) has no rest to keep its mean: its level is solved to
    its share where that means poorer than its mean, and its mean income falls with it. The
    nation's count is not fixed: it is solved with the levels, so provinces over their share
    even at their mean raise it (for the shipped table, by about a fifth over the count with
    every poor county at its province's mean), and the household spread, tuned against NBS's
    2014 incidence, sets its level.

    A deep-poverty area's poor counties (``geography.deep_areas``) have a level of their own,
    solved first in each round (within the same bounds) so that their incidence is the area's
    published multiple of the province's (its share, or what it holds with every poor county
    at its mean where that is more); the province's other poor counties then make up its
    share.
    """
    geo = scenario.geography
    assert geo is not None
    line = scenario.registration_line
    people = sum(r["people"] for r in rows)
    # county yuan (the table's) to the model's: the national mean is income.initial_mean
    to_model = (
        scenario.income.initial_mean
        * people
        / sum(
            p.rural_income * sum(r["people"] for r in rows if r["province"] is p)
            for p in geo.provinces
        )
    )
    ratios = {a.name: a.ratio for a in geo.deep_areas}
    provinces: list[
        tuple[ProvinceConfig, list[Row], list[Row], list[Row], dict[str, list[Row]]]
    ] = []
    for p in geo.provinces:
        mine = [r for r in rows if r["province"] is p]
        areas: dict[str, list[Row]] = {}
        for r in mine:
            if r["area"] is not None:
                areas.setdefault(r["area"].name, []).append(r)
        poor = [r for r in mine if r["poor"] and r["area"] is None]
        other = [r for r in mine if not r["poor"]]
        for group in (poor, other, *areas.values()):
            total = sum(r["people"] for r in group)
            mean_noise = sum(r["people"] * r["noise"] for r in group) / total if total else 1.0
            for r in group:
                r["shape"] = r["noise"] / mean_noise
        provinces.append((p, mine, poor, other, areas))
    levels: dict[str, float] = dict.fromkeys(ratios, 1.0)

    def settle(p: ProvinceConfig, mine: list[Row], other: list[Row], k: float) -> None:
        # the rest takes what the poor counties leave of the province's mean
        rest = sum(r["people"] for r in other)
        held: dict[float, list[float]] = {}  # the poor counties' people by level
        for r in mine:
            if r["poor"]:
                level = k if r["area"] is None else levels[r["area"].name]
                r["income"] = level * p.rural_income * r["shape"]
                held.setdefault(level, []).append(r["people"])
        lift = sum((1 - level) * (sum(n) / rest) for level, n in held.items()) if rest > 0 else 0.0
        for r in other:
            r["income"] = (1.0 + lift) * p.rural_income * r["shape"]

    def poor_people(group: list[Row]) -> float:
        incomes = np.array([r["income"] for r in group]) * to_model
        shares = under(line / incomes)
        for r, share in zip(group, shares, strict=True):
            r["under_line"] = float(share)
        return float(sum(r["people"] * r["under_line"] for r in group))

    def excess(
        k: float, p: ProvinceConfig, mine: list[Row], other: list[Row], target: float
    ) -> float:
        settle(p, mine, other, k)
        return poor_people(mine) - target

    def area_excess(
        level: float, name: str, p: ProvinceConfig, mine: list[Row], group: list[Row], target: float
    ) -> float:
        levels[name] = level
        settle(p, mine, [], 1.0)
        return poor_people(group) - target

    def bounded(f: Callable[..., float], args: tuple[Any, ...], top: float = 1.0) -> float:
        """The level in [LOWEST_LEVEL, top] that zeroes ``f``, or the bound it cannot pass."""
        if f(top, *args) >= 0:
            return top
        if f(LOWEST_LEVEL, *args) <= 0:
            return LOWEST_LEVEL
        return float(brentq(f, LOWEST_LEVEL, top, args=args, xtol=1e-4))

    def as_rich_as_the_rest(
        poor: list[Row], other: list[Row], areas: dict[str, list[Row]]
    ) -> float:
        """The other poor counties' level at which they are as rich as the non-poor rest: the
        province's mean (1) without deep areas, more with them, as the areas leave the rest
        richer."""
        rest = sum(r["people"] for r in other)
        held = sum(r["people"] for r in poor)
        left = sum(
            (1 - levels[name]) * sum(r["people"] for r in group) for name, group in areas.items()
        )
        return (rest + held + left) / (rest + held)

    for p, mine, _, other, _ in provinces:
        settle(p, mine, other, 1.0)
    # Only provinces with NBS poor scale the nation's count: a province with none that holds
    # some would otherwise raise it without end.
    counted = [r for p, mine, _, _, _ in provinces if p.poor_2014 > 0 for r in mine]
    nbs = sum(p.poor_2014 for p in geo.provinces)
    nation = poor_people(counted)
    for _ in range(LEVEL_ROUNDS):
        for p, mine, poor, other, areas in provinces:
            if nbs == 0:
                continue
            target = p.poor_2014 / nbs * nation
            if areas:
                # The areas' multiple is of the province's incidence: its share, or where it
                # holds more even with every poor county at its mean, that.
                for name in areas:
                    levels[name] = 1.0
                settle(p, mine, other, 1.0)
                incidence = max(target, poor_people(mine)) / sum(r["people"] for r in mine)
                for name, group in areas.items():
                    area_people = sum(r["people"] for r in group)
                    wanted = min(1.0, ratios[name] * incidence) * area_people
                    levels[name] = bounded(area_excess, (name, p, mine, group, wanted))
            if not poor or not other:
                # Without a rest to balance them, the poor counties' level is the province's:
                # solved to its share only where that means poorer than its mean.
                level = bounded(excess, (p, mine, other, target)) if poor else 1.0
                settle(p, mine, other, level)
                continue
            top = as_rich_as_the_rest(poor, other, areas)
            settle(p, mine, other, bounded(excess, (p, mine, other, target), top))
        settled = poor_people(counted)
        if abs(settled - nation) <= 1e-3 * nation:
            break
        nation = settled
    poor_people(rows)  # each county's share under the line at its final level


def _money_shares(rows: list[Row], geo: GeographyConfig) -> np.ndarray:
    """Each county's share of all the money: central by formula down two levels, plus local."""
    a = geo.allocation
    provinces = geo.provinces
    fiscal = np.array([a.fiscal_capacity[p.region] for p in provinces])
    province_share = _formula(
        {
            "poor": np.array([float(p.poor_2014) for p in provinces]),
            "incidence": np.array([p.incidence for p in provinces]),
            "income": np.array([1 / p.rural_income for p in provinces]),
            "fiscal": 1 / fiscal,
        },
        geo,
    )
    central = np.zeros(len(rows))
    for k, p in enumerate(provinces):
        idx = [i for i, r in enumerate(rows) if r["province"] is p]
        poor = np.array([rows[i]["expected_poor"] for i in idx])
        people = np.array([rows[i]["people"] for i in idx])
        within = _formula(
            {
                "poor": poor,
                "incidence": poor / people,
                "income": np.array([1 / rows[i]["income"] for i in idx]),
                "fiscal": np.ones(len(idx)),  # one fiscal capacity per province
            },
            geo,
        )
        central[idx] = province_share[k] * within
    # Local money: each county's own poor, by what its province can raise.
    local = np.array([r["expected_poor"] * a.fiscal_capacity[r["province"].region] for r in rows])
    local = local / local.sum() if local.sum() > 0 else np.full(len(rows), 1 / len(rows))
    return a.central_share * central + (1 - a.central_share) * local


def county_agents(scenario: Scenario, county: County, nation: Nation) -> int:
    """Agents of ``county``: shared by rural people, poor counties oversampled."""
    geo = scenario.geography
    assert geo is not None
    drawn = county.people * (geo.poor_oversampling if county.poor else 1.0)
    return max(geo.min_households, round(scenario.population.households * drawn / nation.drawn))


class SampleRaised(UserWarning):
    """A county-resolved run draws more agents than ``population.households`` asks for."""


def floor_note(scenario: Scenario, specs: Sequence[CountySpec]) -> str | None:
    """Why a county-resolved run draws more agents than ``population.households`` asks for,
    or None when the counties' floor (``geography.min_households``) adds under 5%."""
    geo = scenario.geography
    assert geo is not None
    asked = scenario.population.households
    drawn = sum(spec.agents for spec in specs)
    if drawn <= 1.05 * asked:
        return None
    floored = sum(spec.agents == geo.min_households for spec in specs)
    return (
        f"population.households {asked:,} draws {drawn:,} agents: {floored:,} of "
        f"{len(specs):,} counties get the fewest a county gets (geography.min_households, "
        f"{geo.min_households:,}), and the results shift with the size while many do"
    )


def check_memory(scenario: Scenario, specs: Sequence[CountySpec]) -> None:
    """Refuse a national run whose largest county would not fit in this machine's memory
    (a worker holds one county at a time): a sample of 5 bn agents passed ``povsim check``
    and died in NumPy's words once its counties were built.

    Raises:
        ScenarioError: at ``population.households``, with the county's size and the memory.
    """
    have = physical_memory()
    largest = max(specs, key=lambda spec: spec.agents, default=None)
    if largest is None or not have:
        return
    pop = scenario.population
    villages = max(1, round(largest.agents * pop.villages / pop.households))
    need = BYTES_PER_AGENT * (largest.agents + villages)
    if need > have:
        raise ScenarioError(
            [
                ScenarioProblem(
                    scenario.name,
                    "population.households",
                    f"{pop.households:,} agents put {largest.agents:,} in its largest county "
                    f"(a worker holds one county at a time), which needs about {size_text(need)} "
                    f"of memory; this machine has {size_text(have)}",
                )
            ]
        )


def county_scenario(scenario: Scenario, county: County, nation: Nation) -> Scenario:
    """The county scenario of ``county``: the national one scaled to the county.

    Agents are shared by rural people (poor counties oversampled, weights undo it), so
    are real households and villages; income is scaled to the county's level, village
    remoteness centred on the county's, every budget and every program's national total (the
    labourers away) scaled by its money share.
    """
    geo = scenario.geography
    assert geo is not None
    pop = scenario.population
    agents = county_agents(scenario, county, nation)
    per_village = pop.households / pop.villages
    share = county.people / nation.people
    mean_income = nation.income / nation.people
    # The non-poor counties' growth falls by the poor counties' extra, weighted by income,
    # so the national mean grows as the national profile's does.
    extra = geo.poor_area_growth * (
        1.0 if county.poor else -nation.poor_income / (nation.income - nation.poor_income)
    )
    k = scenario.villages.remoteness_alpha + scenario.villages.remoteness_beta
    s = county.money_share
    province = next(p for p in geo.provinces if p.name == county.province)
    changes: dict[str, Any] = {
        "name": f"{scenario.name}-{county.index:04d}",
        "geography": None,
        "population.households": agents,
        "population.villages": max(1, round(agents / per_village)),
        "population.represents": max(1, round((pop.represents or pop.households) * share)),
        "population.represents_villages": max(
            1, round((pop.represents_villages or pop.villages) * share)
        ),
        "income.initial_mean": scenario.income.initial_mean * county.income / mean_income,
        "income.growth": scenario.income.growth + extra,
        "villages.remoteness_alpha": max(0.05, county.remoteness * k),
        "villages.remoteness_beta": max(0.05, (1 - county.remoteness) * k),
        "exit.county_threshold": county.exit_threshold,
        # a scheduled poor county's plans bring it under its schedule's incidence by then
        "exit.plan_county_deadline": (
            None if county.scheduled_incidence is None else county.scheduled_exit
        ),
        "exit.plan_county_target": county.scheduled_incidence,
        "exit.plan_county_incidence": geo.exit_incidence,
        # its villages exit by its region's rule too (3% in the west)
        "villages.west_share": 1.0 if county.region == "west" else 0.0,
        # and are designated against its province's incidence (一高一低一无)
        "villages.designation_incidence": province.incidence,
        "villages.designation_quota": county.village_quota,
        "budget.total": {y: v * s for y, v in scenario.budget.total.items()},
    }
    if county.poor and (county.province in geo.deep_poverty_provinces or county.deep_area):
        changes["monitoring.deep_area"] = True
    if not county.poor:
        # deep-poverty counties were poor counties (贫困发生率超过18%的贫困县)
        changes["monitoring.deep_incidence"] = None
    if county.scheduled_incidence is not None:
        # The year's exiting counties were made sure of what these programs secure (安徽,
        # 2018: "确保今年全省18个摘帽贫困县农民居住安全"); a national year stays if earlier.
        for name in geo.guaranteed_in_exit_year:
            start = scenario.programs[name].guaranteed_from
            year = county.scheduled_exit if start is None else min(start, county.scheduled_exit)
            changes[f"programs.{name}.guaranteed_from"] = year
    for name, program in scenario.programs.items():
        for key in program.totals():
            total = getattr(program, key)
            if isinstance(total, dict):
                changes[f"programs.{name}.{key}"] = {y: v * s for y, v in total.items()}
            elif total is not None:
                changes[f"programs.{name}.{key}"] = total * s
    return scenario.updated(changes)


def county_specs(scenario: Scenario, seed: int) -> list[CountySpec]:
    """Every county of the national run with its scenario, in national order."""
    counties = draw_counties(scenario, seed)
    assert scenario.geography is not None  # draw_counties refuses a scenario without one
    nation = Nation.of(counties, scenario.geography)
    return [CountySpec(c, scenario, nation, seed) for c in counties]


def partitions(specs: Sequence[CountySpec], by: str | int = "province") -> list[list[CountySpec]]:
    """Groups of counties to run together: one per province, or ``by`` counties at a time."""
    if by == "province":
        groups: dict[str, list[CountySpec]] = {}
        for spec in specs:
            groups.setdefault(spec.county.province, []).append(spec)
        return list(groups.values())
    if isinstance(by, numbers.Integral) and not isinstance(by, bool) and by >= 1:
        size = int(by)
        return [list(specs[i : i + size]) for i in range(0, len(specs), size)]
    raise ValueError(f"partition by 'province' or a number of counties, not {by!r}")


COUNTY_COST_AGENTS = 6_400
"""What running one county costs over its agents, in agents: the county's steps, years and
programs cost the same whatever its size (about 0.18 s against 28 us an agent, fitted to
the 31 provinces' partitions timed one by one at 1 m and 4 m agents, stop 79)."""


def partition_cost(group: Sequence[CountySpec]) -> int:
    """A partition's expected run time in agents' worth (:data:`COUNTY_COST_AGENTS`): Tibet's
    74 counties holding 23,000 agents in all (at 4 m) take as long as Hebei's 46 of 226,000."""
    return sum(spec.agents + COUNTY_COST_AGENTS for spec in group)


def run_partition(specs: Sequence[CountySpec]) -> list[CountyRun]:
    """Run a group of counties one after another (module-level: executors send it).

    Only one county's households are in memory at a time.
    """
    out = []
    for spec in specs:
        seed = county_seed(spec.seed, spec.county.index)
        model = PovertyModel(spec.scenario, seed, sketches=True).run()
        out.append(
            CountyRun(
                spec.county.index,
                model.indicators(),
                model.spending(),
                model.pathways(),
                np.array(model.income_sketches),
            )
        )
    return out


def _exit_years(
    counties: Sequence[County], table: pd.DataFrame, geo: GeographyConfig
) -> np.ndarray:
    """The county rule, for every county: the first year, from ``first_exit_year``, its
    incidence (``exit_incidence``: comprehensive or registered) is under its threshold and,
    from ``verification_from``, its missed-poor and wrongful-exit rates under their limits
    (the county checks, 贫困县退出专项评估检查). With an ``exit_pace``, a county applies to
    exit (县级申请) in its scheduled year, not before. Non-poor counties never exit (NaN):
    they were never designated. ``table`` holds each county's years in order."""
    pick = table["county"].to_numpy()
    threshold = np.array([c.exit_threshold for c in counties])[pick]
    applies = np.array(
        [c.scheduled_exit if geo.exit_pace is not None else geo.first_exit_year for c in counties]
    )[pick]
    poor = np.array([c.poor for c in counties])
    year = table["year"].to_numpy()
    checked = year >= geo.verification_from
    ok = (
        (year >= np.maximum(geo.first_exit_year, applies))
        & ~(table[f"{geo.exit_incidence}_incidence"].to_numpy() >= threshold)
        # 漏评率、错退率低于2%: under the rate, as under the incidence threshold
        & ~(checked & (table["missed_poor_rate"].to_numpy() >= geo.max_missed_poor))
        & ~(checked & (table["wrongful_exit_rate"].to_numpy() >= geo.max_wrongful_exit))
    )
    first = pd.Series(np.where(ok, year, np.nan)).groupby(pick).min()
    years = first.reindex(range(len(counties))).to_numpy(dtype=float)
    return np.where(poor, years, np.nan)


def _county_table(
    counties: Sequence[County], stacked: pd.DataFrame, geo: GeographyConfig
) -> pd.DataFrame:
    """Each county's years (``stacked``: the counties' indicators, in county order)."""
    pick = stacked["county"].to_numpy()  # a county's index is its place in ``counties``

    def each(attribute: str) -> np.ndarray:
        return np.array([getattr(c, attribute) for c in counties])[pick]

    # People not on the register: the missed-poor rate's base (漏评率).
    never = stacked["population_people"] - stacked["registered_people"] - stacked["exited_people"]
    missed = stacked["missed_poor_people"] / never.where(never > 0)
    table = pd.DataFrame(
        {
            "county": stacked["county"].to_numpy(dtype=np.int32),
            "province": each("province"),
            "region": each("region"),
            "poor_county": each("poor"),
            "year": stacked["year"].to_numpy(dtype=np.int16),
            # A county's own indicators, as its run measured them.
            **{
                column: stacked[column].to_numpy()
                for column in COUNTY_COLUMNS
                if column in INDICATORS and column != "year"
            },
            "missed_poor_rate": missed.fillna(0.0).to_numpy(),
        }
    )
    exit_year = _exit_years(counties, table, geo)[pick]
    table["exited"] = table["year"].to_numpy() >= exit_year  # False while NaN
    table["scheduled_exit"] = np.where(each("poor"), each("scheduled_exit"), np.nan)
    table["scheduled_incidence"] = each("scheduled_incidence").astype(float)  # None: NaN
    table["exit_year"] = exit_year
    table["announced_year"] = exit_year + geo.announce_lag
    return table[list(COUNTY_COLUMNS)]


def _mean_income(table: pd.DataFrame, by: list[str]) -> pd.Series:
    """The counties' mean income over ``by`` groups (in order of appearance), by people."""
    people = table["population_people"]
    income = (table["mean_income"] * people).groupby([table[k] for k in by], sort=False).sum()
    return income / people.groupby([table[k] for k in by], sort=False).sum()


def _share(part: pd.Series, whole: pd.Series, none: float = 0.0) -> np.ndarray:
    """``part / whole``, ``none`` where ``whole`` is 0 (as the indicators table's rate)."""
    return np.where(whole > 0, part / whole.where(whole > 0, 1), none)


def _province_table(table: pd.DataFrame) -> pd.DataFrame:
    sums = [
        "population_people",
        "poor_people",
        "registered_people",
        "exits_people",
        "relapses_people",
        "spending_yuan",
        "deep_poverty_counties",
    ]
    grouped = table.groupby(["province", "year"], sort=False)
    out = grouped[sums].sum().reset_index()
    out["mean_income"] = _mean_income(table, ["province", "year"]).to_numpy()
    out["region"] = grouped["region"].first().to_numpy()
    rows = pd.MultiIndex.from_frame(out[["province", "year"]])

    def counties(frame: pd.DataFrame) -> np.ndarray:
        """Counties of ``frame`` in each of ``out``'s province-years."""
        counted = frame.groupby(["province", "year"])["county"].count()
        return counted.reindex(rows).fillna(0).to_numpy().astype(np.int32)

    poor = table[table["poor_county"]]
    # How much of a province's register lives in its poor counties, and so how much the
    # campaign's county-level exits (摘帽) leave out (非贫困县的贫困人口).
    in_poor = poor.groupby(["province", "year"])

    def in_poor_counties(column: str) -> np.ndarray:
        """The sum of ``column`` over each province-year's poor counties."""
        return in_poor[column].sum().reindex(rows).fillna(0.0).to_numpy()

    # The survey's poor of the poor counties: NBS's 贫困地区 series counts them.
    out["poor_county_population_people"] = in_poor_counties("population_people")
    out["poor_county_poor_people"] = in_poor_counties("poor_people")
    out["poor_county_incidence"] = _share(
        out["poor_county_poor_people"], out["poor_county_population_people"]
    )
    out["poor_county_registered_people"] = in_poor_counties("registered_people")
    out["poor_county_registered_share"] = _share(
        out["poor_county_registered_people"], out["registered_people"]
    )
    out["poor_counties"] = counties(poor)
    out["counties_exited"] = counties(poor[poor["year"] == poor["exit_year"]])
    out["poor_counties_remaining"] = (
        out["poor_counties"] - out.groupby("province", sort=False)["counties_exited"].cumsum()
    )
    out["incidence"] = out["poor_people"] / out["population_people"]
    out["registered_incidence"] = out["registered_people"] / out["population_people"]
    # A province is done when its last poor county exits (NaN: one never did, or it had none).
    last = poor.groupby("province")["exit_year"].agg(
        lambda s: s.max() if s.notna().all() else math.nan
    )
    out["exit_year"] = out["province"].map(last).astype(float)
    return out[list(PROVINCE_COLUMNS)]


def _national_indicators(
    stacked: pd.DataFrame, counties_table: pd.DataFrame, sketches: np.ndarray
) -> pd.DataFrame:
    """The weighted sum of the counties: counts add up, rates and means are recomputed,
    quantiles are taken over the counties' pooled income sketches (``sketches``: counties,
    years, all or registered, points)."""
    require_national_rules()
    first = stacked[stacked["county"] == stacked["county"].iloc[0]]
    out = pd.DataFrame(
        {"year": first["year"].to_numpy(), "poverty_line": first["poverty_line"].to_numpy()}
    )
    by_year = stacked.groupby("year", sort=True)
    for column in INDICATORS:
        if column in ("year", "poverty_line"):
            continue
        if column in _SUMMED:
            out[column] = by_year[column].sum().to_numpy()
        elif column in _MEANS:
            weight = stacked[_MEANS[column]]
            values = stacked[column].where(weight > 0, 0.0).fillna(0.0) * weight
            total = weight.groupby(stacked["year"]).sum().to_numpy()
            summed = values.groupby(stacked["year"]).sum().to_numpy()
            # a mean over nobody is missing, a share of an empty whole 0 (the cumulative
            # shares, NaN, are recomputed from counts as RATIOS), as in a county's table
            empty = 0.0 if column.endswith("_share") else np.nan
            out[column] = np.where(total > 0, summed / np.where(total > 0, total, 1), empty)
    counties, years, _, points = sketches.shape
    people = {
        0: stacked["population_people"].to_numpy().reshape(counties, years),
        1: stacked["registered_people"].to_numpy().reshape(counties, years),
    }

    def pooled(group: int, year: int) -> tuple[np.ndarray, np.ndarray]:
        """The year's sketch points of every county with people in ``group``, and weights."""
        weights = np.repeat(people[group][:, year], points)
        values = sketches[:, year, group].ravel().astype(np.float64)
        keep = weights > 0  # a county with nobody registered has an empty (NaN) sketch
        return values[keep], weights[keep]

    for column, (group, q) in _QUANTILES.items():
        out[column] = [weighted_quantiles(*pooled(group, y), [q])[0] for y in range(years)]
    out["mean_income_lowest_fifth"] = [lowest_share_mean(*pooled(0, y), 0.2) for y in range(years)]
    for column, (part, whole) in RATIOS.items():
        out[column] = _share(
            out[part], out[whole], np.nan if column in UNDEFINED_WHEN_EMPTY else 0.0
        )
    poor = counties_table[counties_table["poor_county"]]
    exits = poor[poor["year"] == poor["exit_year"]].groupby("year")["county"].count()
    out["counties_exited"] = out["year"].map(exits).fillna(0).astype(np.int32)
    designated = poor["county"].nunique()
    out["poor_counties_remaining"] = designated - out["counties_exited"].cumsum()
    # What the checks found in the counties exiting that year, as the published shares
    # of exiting counties with none found
    leaving = poor[poor["year"] == poor["exit_year"]]
    no_missed = leaving["missed_poor_people"] == 0
    no_wrongful = leaving["wrongly_exited_people"] == 0
    for column, clean in (
        ("exiting_counties_no_missed_share", no_missed),
        ("exiting_counties_no_wrongful_share", no_wrongful),
        ("exiting_counties_clean_share", no_missed & no_wrongful),
    ):
        out[column] = out["year"].map(clean.groupby(leaving["year"]).mean())
    out["mean_income_poor_counties"] = out["year"].map(_mean_income(poor, ["year"]))
    in_year = poor.groupby("year")
    out["poor_county_poor_people"] = out["year"].map(in_year["poor_people"].sum()).fillna(0.0)
    out["poor_county_incidence"] = _share(
        out["poor_county_poor_people"],
        out["year"].map(in_year["population_people"].sum()).fillna(0.0),
    )
    out["poor_county_registered_people"] = (
        out["year"].map(in_year["registered_people"].sum()).fillna(0.0)
    )
    out["poor_county_registered_share"] = _share(
        out["poor_county_registered_people"], out["registered_people"]
    )
    # The register's books in the poor counties, registered or exited: what the census of
    # 2020 counted there.
    in_poor = stacked["county"].isin(poor["county"].unique())
    books = (stacked["registered_people"] + stacked["exited_people"]).where(in_poor, 0.0)
    out["poor_county_register_people"] = books.groupby(stacked["year"]).sum().to_numpy()
    # Nationally, "the county has exited" reads: every poor county has.
    out["county_exited"] = out["poor_counties_remaining"] == 0
    return out[[*INDICATORS, *NATIONAL_INDICATORS]].astype(INDICATOR_TYPES)


def _combined(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Counties' spending or pathways tables summed by ``keys``."""
    present = [f for f in frames if len(f)]
    if not present:
        return frames[0] if frames else pd.DataFrame()
    stacked = pd.concat(present, ignore_index=True)
    numeric = [
        c for c in stacked.columns if c not in keys and pd.api.types.is_numeric_dtype(stacked[c])
    ]
    out = stacked.groupby(keys, sort=True)[numeric].sum().reset_index()
    if "primary_share" in out:  # a share does not add up: recompute it
        # of the year's exited households, as each county's is (pathway_rows): over the
        # people, a program whose exits were larger households took a larger share
        total = out.groupby("year")["primary_households"].transform("sum")
        out["primary_share"] = np.where(
            total > 0, out["primary_households"] / total.where(total > 0, 1), 0.0
        )
    return out[list(frames[0].columns)]


@dataclass
class NationalResult:
    """A county-resolved national run: national indicators and per-county tables.

    It offers what :func:`povsim.runs.store.write_run` and the summary need, like a
    :class:`~povsim.runs.runner.RunResult`; ``counterfactual`` is not run (it would double
    the work of hundreds of counties for the summary's comparisons only).
    """

    scenario: Scenario
    seed: int
    indicators: pd.DataFrame
    counties: pd.DataFrame
    provinces: pd.DataFrame
    spending: pd.DataFrame
    pathways: pd.DataFrame
    started: datetime
    finished: datetime
    wall_seconds: float
    partitions: int
    agents: int
    """Agents drawn over all counties: ``population.households`` or more, since every county
    gets at least ``geography.min_households`` (:func:`floor_note`)."""
    path: Path | None = field(default=None)
    counterfactual: None = None
    panel: None = None
    replication: None = None
    executor: dict[str, Any] = field(default_factory=dict)
    """Where the partitions ran and how they were cut, for the manifest."""

    @property
    def replications(self) -> int:
        return 1

    def summary(self) -> dict[str, float]:
        return metrics.summary(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "indicators": self.indicators,
            "counties": self.counties,
            "provinces": self.provinces,
            "spending": self.spending,
            "pathways": self.pathways,
        }

    def __repr__(self) -> str:
        years = self.scenario.years
        return result_repr(
            type(self).__name__,
            f"{self.scenario.name!r}, seed {self.seed}, "
            f"{self.counties['county'].nunique()} counties, {self.agents:,} agents, "
            f"{years[0]}-{years[-1]}, "
            f"{self.wall_seconds:.1f} s",
            {name: shape(*frame.shape) for name, frame in self.tables().items()},
            ".summary(): every outcome; .counties, .provinces: one row per year each",
            self.path,
        )

    def manifest_fields(self) -> dict[str, Any]:
        return {
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "wall_seconds": round(self.wall_seconds, 4),
            "counties": int(self.counties["county"].nunique()),
            "partitions": self.partitions,
            "agents": self.agents,
            **self.executor,
        }


def aggregate(
    scenario: Scenario,
    seed: int,
    specs: Sequence[CountySpec],
    runs: Sequence[CountyRun],
    *,
    started: datetime,
    clock: float,
    partitions: int = 1,
) -> NationalResult:
    """Apply the county exit rule and sum the counties' runs into the national result."""
    geo = scenario.geography
    assert geo is not None
    ordered = sorted(runs, key=lambda r: r.index)
    counties = [s.county for s in specs]
    if [r.index for r in ordered] != [c.index for c in counties]:
        raise ValueError("a county's run is missing or repeated")
    stacked = pd.concat([r.indicators.assign(county=r.index) for r in ordered], ignore_index=True)
    table = _county_table(counties, stacked, geo)
    return NationalResult(
        scenario=scenario,
        seed=seed,
        indicators=_national_indicators(stacked, table, np.stack([r.sketches for r in ordered])),
        counties=table,
        provinces=_province_table(table),
        spending=_combined([r.spending for r in ordered], ["year", "program", "unit"]),
        pathways=_combined([r.pathways for r in ordered], ["year", "program"]),
        started=started,
        finished=datetime.now(UTC),
        wall_seconds=time.perf_counter() - clock,
        partitions=partitions,
        agents=sum(spec.agents for spec in specs),
    )


def simulate_counties(scenario: Scenario, seed: int | None = None) -> NationalResult:
    """A county-resolved national run in this process (see :mod:`povsim.experiments.national`
    for partitions on an executor)."""
    arguments.loaded("scenario", scenario)
    seed = run_seed(seed, scenario.seed)
    started, clock = datetime.now(UTC), time.perf_counter()
    specs = county_specs(scenario, seed)
    check_memory(scenario, specs)
    return aggregate(scenario, seed, specs, run_partition(specs), started=started, clock=clock)
