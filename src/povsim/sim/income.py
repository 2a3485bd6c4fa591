"""The vectorised income step: trends, transitory income, prices, illness and disasters.

Every step draws the same shock arrays for every household and village, whatever
the policy, from the stream of its source (common random numbers): two scenarios
run with one seed face the same illnesses, disasters and prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from povsim.config import Scenario
from povsim.config.vocabulary import SAFE_HOUSING_GRADES
from povsim.sim.households import HouseholdState
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState

__all__ = [
    "StepShocks",
    "advance_villages",
    "ar_coefficients",
    "draw_shocks",
    "illness_duration_steps",
    "per_step_probability",
    "step_income",
]


@dataclass(frozen=True)
class StepShocks:
    """One step's draws; shapes depend only on the population, never on policy."""

    transitory: np.ndarray  # (n,) standard normal
    illness: np.ndarray  # (n,) uniform: onset
    illness_cost: np.ndarray  # (n,) uniform: quantile of an episode's cost
    chronic_onset: np.ndarray  # (n,) uniform
    disaster: np.ndarray  # (m,) uniform: village hit
    disaster_severity: np.ndarray  # (m,) uniform on [0.5, 1.5)
    housing_damage: np.ndarray  # (n,) uniform
    market_common: float  # standard normal
    market_village: np.ndarray  # (m,) standard normal


def draw_shocks(streams: Streams, n: int, m: int) -> StepShocks:
    """One step's draws for ``n`` households and ``m`` villages, each from its own stream."""
    return StepShocks(
        transitory=streams.income.standard_normal(n),
        illness=streams.illness.random(n),
        illness_cost=streams.illness.random(n),
        chronic_onset=streams.illness.random(n),
        disaster=streams.disaster.random(m),
        disaster_severity=streams.disaster.uniform(0.5, 1.5, m),
        housing_damage=streams.disaster.random(n),
        market_common=float(streams.market.standard_normal()),
        market_village=streams.market.standard_normal(m),
    )


def ar_coefficients(persistence: float, sd: float, steps_per_year: int) -> tuple[float, float]:
    """Per-step AR(1) coefficient and innovation sd keeping the annual persistence and sd."""
    rho = persistence ** (1.0 / steps_per_year)
    return rho, sd * np.sqrt(1.0 - rho**2)


def per_step_probability(annual_probability: np.ndarray | float, steps_per_year: int) -> np.ndarray:
    """The chance per step that makes ``annual_probability`` over a year."""
    return 1.0 - (1.0 - np.minimum(annual_probability, 1.0)) ** (1.0 / steps_per_year)


def illness_duration_steps(scenario: Scenario) -> int:
    """How many steps an illness episode lasts (at least one)."""
    return max(1, round(scenario.shocks.illness.duration_months * scenario.steps_per_year / 12))


def advance_villages(v: VillageState, scenario: Scenario, shocks: StepShocks) -> np.ndarray:
    """Move village trends and prices one step; return which villages a disaster hits."""
    spy, mkt, dis = scenario.steps_per_year, scenario.shocks.market, scenario.shocks.disaster
    v.trend += v.growth / spy
    rho, sd = ar_coefficients(mkt.persistence, mkt.sd, spy)
    v.market = rho * v.market + sd * (
        np.sqrt(mkt.common_share) * shocks.market_common
        + np.sqrt(1.0 - mkt.common_share) * shocks.market_village
    )
    annual = dis.annual_probability * np.where(v.fragile, dis.fragile_multiplier, 1.0)
    return shocks.disaster < per_step_probability(annual, spy)


def step_income(
    h: HouseholdState, v: VillageState, scenario: Scenario, year: int, shocks: StepShocks
) -> None:
    """Advance incomes by one step and add the step's flows to the year's totals."""
    spy = scenario.steps_per_year
    inc, ill, dis = scenario.income, scenario.shocks.illness, scenario.shocks.disaster
    hit = advance_villages(v, scenario, shocks)
    rho, sd = ar_coefficients(inc.transitory_persistence, inc.transitory_sd, spy)
    h.transitory *= rho
    h.transitory += sd * shocks.transitory

    # Illness risk takes four values (chronic x elderly): compute them, then look up.
    risk = per_step_probability(
        ill.annual_probability
        * np.array(
            [
                1.0,
                ill.elderly_multiplier,
                ill.chronic_multiplier,
                ill.chronic_multiplier * ill.elderly_multiplier,
            ]
        ),
        spy,
    )
    group = 2 * h.chronic.view(np.uint8) + (h.elderly > 0)
    onset = np.flatnonzero((h.ill_steps == 0) & (shocks.illness < risk[group]))
    if onset.size:
        duration = illness_duration_steps(scenario)
        mu = np.log(max(ill.oop_cost_mean, 1e-9)) - ill.oop_cost_sd**2 / 2
        # A uniform per household (cheap) keeps the stream aligned; only onsets need the normal.
        cost = np.exp(mu + ill.oop_cost_sd * ndtri(shocks.illness_cost[onset]))
        covered = ill.insured_reimbursement * h.medical_ok[onset] + h.extra_reimbursement[onset]
        paid = cost * (1.0 - np.minimum(covered, 1.0))
        h.ill_cost[onset] = paid / h.size[onset] / duration
        h.ill_steps[onset] = duration
        h.ill_year[onset] = True
        chronic = onset[~h.chronic[onset] & (shocks.chronic_onset[onset] < ill.chronic_onset)]
        h.chronic[chronic] = True
        keep = 1.0 - scenario.population.chronic_income_loss
        h.farm_base[chronic] *= keep
        h.wage_base[chronic] *= keep
    ill_now = np.flatnonzero(h.ill_steps)

    village = h.village
    earned = np.exp(h.level + h.transitory)
    earned *= (np.exp(v.level + v.trend) / spy)[village]
    prop = h.property_base * earned  # rents and dividends do not stop when someone falls ill
    working = np.ones(h.n)
    working[ill_now] -= ill.lost_income_share * (
        1.0 - np.minimum(h.illness_protection[ill_now], 1.0)
    )
    earned *= working
    price = np.exp(v.market)
    v.price_year += price / spy
    farm = (h.farm_base * earned + h.support_farm * working / spy) * price[village]
    # A worker sent away by a program no longer earns the household's wages at home (the
    # farm stays with those left behind); the program pays the wage away instead.
    at_home = 1.0 - h.labour_left / np.maximum(h.labour, 1)
    wages = h.wage_base * earned * at_home
    wages += h.support_wage * working / spy
    transfers = h.transfer_base * (np.exp(v.trend) / spy)[village]
    transfers += h.support_transfer / spy

    net = farm + wages
    net += transfers
    net += prop
    medical = h.ill_cost[ill_now]
    net[ill_now] -= medical
    h.medical_year[ill_now] += medical
    if hit.any():
        hit_h = np.flatnonzero(hit[village])
        # A disaster destroys a share of a year's farm income at once.
        loss = dis.farm_loss * shocks.disaster_severity[village[hit_h]] * farm[hit_h] * spy
        h.loss_year[hit_h] += loss
        net[hit_h] -= loss
        h.disaster_year[hit_h] = True
        damaged = hit_h[
            (h.housing_grade[hit_h] < SAFE_HOUSING_GRADES)
            & (shocks.housing_damage[hit_h] < dis.housing_damage)
        ]
        h.housing_grade[damaged] = SAFE_HOUSING_GRADES

    h.farm_year += farm
    h.wage_year += wages
    h.transfer_year += transfers
    h.property_year += prop
    h.hungry_steps += net < scenario.guarantees.food_floor * scenario.line(year) / spy
    h.ill_steps[ill_now] -= 1
