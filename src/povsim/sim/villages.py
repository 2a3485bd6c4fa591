"""Villages: their state (the model-owned arrays that the :class:`~povsim.sim.agents.Village`
agents view, one row each) and the village rules: designation as a poor village and exit from
the list (贫困村出列)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Status
from povsim.sim.state import ArrayColumn, ArrayState

if TYPE_CHECKING:
    from povsim.sim.households import HouseholdState

__all__ = [
    "VILLAGES_A_PREDICTOR",
    "VILLAGE_COLUMNS",
    "VillageState",
    "add_earned_growth",
    "as_real_villages",
    "designate_poor_villages",
    "station_teams",
    "update_villages",
    "village_people",
    "village_share",
    "village_thresholds",
]


class VillageState(ArrayState):
    """Every village's state, one row per village, owned by the model."""

    weight = ArrayColumn(
        np.float64, "real villages this village stands for (1 in a full population)", default=1.0
    )
    remoteness = ArrayColumn(np.float64, "0 near town .. 1 remote mountains")
    fragile = ArrayColumn(np.bool_, "ecologically fragile ('the land cannot feed its people')")
    infrastructure = ArrayColumn(np.float64, "roads, water, power: 0 none .. 1 complete")
    level = ArrayColumn(np.float64, "persistent log income level of the village")
    growth = ArrayColumn(np.float64, "trend growth of earned income but wages, 1/year")
    trend = ArrayColumn(np.float64, "cumulative log growth since the start")
    wage_trend = ArrayColumn(
        np.float64, "cumulative log growth of wages (trend plus income.wage_premium)"
    )
    earned_growth = ArrayColumn(
        np.float64,
        "the part of growth a work team or new infrastructure added, 1/year (earnings', "
        "not transfers')",
    )
    earned_trend = ArrayColumn(
        np.float64,
        "cumulative log growth work teams and infrastructure added (in trend; transfers leave "
        "it out)",
    )
    market = ArrayColumn(np.float64, "log farm price index (AR(1))")
    price_year = ArrayColumn(np.float64, "mean farm price factor so far this year")
    resettlement = ArrayColumn(np.bool_, "the resettlement village relocated households move to")
    west = ArrayColumn(np.bool_, "in a western province (exit.village_threshold_west)")
    poor_village = ArrayColumn(np.bool_, "designated poor village")
    work_team = ArrayColumn(np.bool_, "a resident work team and first secretary are stationed here")
    exited = ArrayColumn(np.bool_, "poor village that has exited (摘帽)")
    exit_year = ArrayColumn(
        np.int16, "year the village exited (until it does: empty in villages.parquet, 0 here)"
    )
    incidence = ArrayColumn(np.float64, "poor people / people, last year end")
    registered_incidence = ArrayColumn(np.float64, "registered poor people / people, last year end")


VILLAGE_COLUMNS = tuple(c for c in VillageState.COLUMNS if c != "price_year")
"""Village columns written to ``villages.parquet`` at the end of a run: all but the year's
running farm price, which the year end clears (the column read 0 in every village)."""


def send_work_teams(v: VillageState, scenario: Scenario, year: int) -> None:
    """Give each poor village without one its resident work team (驻村工作队) and the growth
    the team brings, once teams are sent (``villages.work_teams_from``).

    Args:
        v: the villages, changed in place.
        scenario: the run's scenario (its ``villages`` settings).
        year: the year beginning.
    """
    settings = scenario.villages
    if not settings.work_teams or year < settings.work_teams_from:
        return
    new = v.poor_village & ~v.work_team
    station_teams(v, new, settings.work_team_growth)


def station_teams(v: VillageState, villages: np.ndarray, growth: float) -> None:
    """Station a work team in ``villages`` and add the growth it brings to their trend.

    A team raised what the village earned: its industries, collective economy and jobs
    (驻村帮扶). Pensions, remittances from members working elsewhere and the state's transfers
    are set by others, so transfers do not follow it (:func:`add_earned_growth`).

    Args:
        v: the villages, changed in place: ``work_team``, ``growth`` and ``earned_growth``.
        villages: boolean mask, or indices, of the villages a team goes to.
        growth: the growth a team adds, 1/year (``villages.work_team_growth``).
    """
    v.work_team[villages] = True
    add_earned_growth(v, villages, growth)


def add_earned_growth(v: VillageState, villages: np.ndarray, growth: float) -> None:
    """Add ``growth`` to what ``villages`` earn (a work team's, new roads' and water's).

    Earnings and property follow it; transfers do not (:func:`povsim.sim.income.income_flows`),
    so it is also kept apart in ``earned_growth``.

    Args:
        v: the villages, changed in place: ``growth`` and ``earned_growth``.
        villages: boolean mask, or indices, of the villages.
        growth: 1/year.
    """
    v.growth[villages] += growth
    v.earned_growth[villages] += growth


def village_people(
    h: HouseholdState, v: VillageState, mask: np.ndarray | None = None
) -> np.ndarray:
    """Real people per village, counting only households in ``mask`` when given."""
    weights = h.persons if mask is None else h.persons * mask
    return np.bincount(h.village, weights=weights, minlength=v.n)


def village_share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part`` over ``whole`` village by village; 0 in a village without people."""
    return np.divide(part, whole, out=np.zeros(len(whole)), where=whole > 0)


def designate_poor_villages(
    h: HouseholdState, v: VillageState, scenario: Scenario, line: float
) -> None:
    """Flag villages whose incidence is at least ``designation_multiple`` times the
    province's (``designation_incidence``; the county's own where it is ``"county"``), or,
    with ``designation_quota``, the villages likeliest poor until their real villages make
    up the quota (规模控制), rounded to whole sample villages.

    The 2014 rule (一高一低一无) compared a village with its province: within a county run
    alone the county stands in, but in a county-resolved run a poor county's villages
    measured against its own high rate were seldom designated, a rich county's often. The
    count was held to quotas handed down the hierarchy, which put many more villages in the
    western provinces than the rule does (docs/register-sources.md section 51).
    """
    people = village_people(h, v)
    poor = village_people(h, v, h.income < line)
    reference = scenario.villages.designation_incidence
    if reference == "county":
        reference = poor.sum() / people.sum() if people.sum() else 0.0
    incidence = as_real_villages(h, v, village_share(poor, people))
    quota = scenario.villages.designation_quota
    if quota is None:
        v.poor_village = (incidence > 0) & (
            incidence >= scenario.villages.designation_multiple * reference
        )
        return
    # 规模控制: the quota goes to the villages likeliest poor, each standing for its weight in
    # real villages, until their real villages make up the quota (to the nearest village).
    order = np.argsort(-incidence, kind="stable")
    order = order[incidence[order] > 0]
    before = np.cumsum(v.weight[order]) - v.weight[order]
    v.poor_village = np.zeros(v.n, dtype=bool)
    v.poor_village[order[before + v.weight[order] / 2 <= quota]] = True


VILLAGES_A_PREDICTOR = 10
"""Villages the regression of :func:`as_real_villages` needs for each predictor: through
fewer, a line would keep much of their counting noise, and the mean stands alone."""


def as_real_villages(
    h: HouseholdState, v: VillageState, incidence: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Village incidences read at the spread real villages would show.

    A sample village stands for ``v.weight`` real villages, but its incidence is counted on
    its few agents and scatters more than theirs, so a rule on it (at least a multiple of
    the province's rate) picked more villages the smaller the sample.

    What the village's drawn level and remoteness predict (a weighted regression, with
    :data:`VILLAGES_A_PREDICTOR` villages a predictor or more) is kept; the rest is scaled
    so that its spread is what villages of the real size would show (variance matching, as
    small-area estimates pool a direct and a regression estimate). The villages' own spread
    is the method of moments': the rest's variance less the agents' counting variance,
    binomial over each village's effective number of households (persons-weighted, Kish);
    a real village's counting variance is that over its real households. Where a sample
    village has as many agents as a real village has households, nothing changes.

    Args:
        h: the households (their village, people and weights).
        v: the villages (their weights, level and remoteness).
        incidence: each village's incidence as its agents count it, persons-weighted.

    Returns:
        Each village's incidence as real villages would show it, in [0, 1].
    """
    village, persons = h.village, h.persons
    sum_p = np.bincount(village, weights=persons, minlength=v.n)
    sum_p2 = np.bincount(village, weights=persons**2, minlength=v.n)
    agents = np.bincount(village, minlength=v.n)
    real = np.bincount(village, weights=h.weight, minlength=v.n)
    lived = agents > 0
    if not lived.any():
        return incidence
    weights = v.weight[lived]
    per_agent = real[lived] / agents[lived] / weights  # real households an agent counts for
    seen = incidence[lived]
    if np.allclose(per_agent, 1.0) or np.ptp(seen) == 0:
        return incidence
    columns = [np.ones(len(seen))]
    if len(seen) >= 3 * VILLAGES_A_PREDICTOR:
        columns += [v.level[lived], v.remoteness[lived]]
    known = np.column_stack(columns)
    root = np.sqrt(weights)
    coef, _, rank, _ = np.linalg.lstsq(known * root[:, None], seen * root, rcond=None)
    predicted = known @ coef
    rest = seen - predicted
    kish = sum_p2[lived] / sum_p[lived] ** 2
    likely = np.clip(predicted, 0.0, 1.0)
    binomial = likely * (1.0 - likely)
    # A village's counting variance is E[q(1 - q)] over its own deviation, p(1 - p) less
    # the own spread: solved together with the rest's variance.
    spread = np.average(rest**2, weights=weights) * len(seen) / max(len(seen) - int(rank), 1)
    unknown = 1.0 - np.average(kish, weights=weights)
    own = 0.0
    if unknown > 0:
        own = max((spread - np.average(binomial * kish, weights=weights)) / unknown, 0.0)
    counted = np.maximum(binomial - own, 0.0) * kish
    whole = own + counted
    scale = np.sqrt(
        np.divide(own + counted / per_agent, whole, out=np.ones(len(seen)), where=whole > 0)
    )
    out = incidence.copy()
    out[lived] = np.clip(predicted + scale * rest, 0.0, 1.0)
    return out


def village_thresholds(v: VillageState, scenario: Scenario) -> NDArray[np.float64]:
    """Each village's exit threshold: registered incidence under 2%, under 3% in the western
    provinces (中办发〔2016〕16号, 关于建立贫困退出机制的意见: 贫困村退出以贫困发生率为主要衡量标准,
    原则上降至2%以下(西部地区降至3%以下); domain.md, exit rules)."""
    rules = scenario.exit
    west = (
        rules.village_threshold
        if rules.village_threshold_west is None
        else rules.village_threshold_west
    )
    return np.where(v.west, west, rules.village_threshold)


def update_villages(h: HouseholdState, v: VillageState, scenario: Scenario, year: int) -> None:
    """Recompute village incidences and let poor villages below the threshold exit."""
    line = scenario.line(year)
    people = village_people(h, v)
    v.incidence = village_share(village_people(h, v, h.income < line), people)
    v.registered_incidence = village_share(
        village_people(h, v, h.status == Status.REGISTERED), people
    )
    exits = v.poor_village & ~v.exited & (v.registered_incidence < village_thresholds(v, scenario))
    v.exited |= exits
    v.exit_year[exits] = year
