"""The vectorised income step: trends, transitory income, prices, illness and disasters.

Every step draws the same shock arrays for every household and village, whatever
the policy, from the stream of its source (common random numbers): two scenarios
run with one seed face the same illnesses, disasters and prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from povsim.households import SAFE_HOUSING_GRADES, HouseholdState
from povsim.scenario import Scenario
from povsim.streams import Streams
from povsim.villages import VillageState

__all__ = ["StepShocks", "draw_shocks", "step_income"]


@dataclass(frozen=True)
class StepShocks:
    """One step's draws; shapes depend only on the population, never on policy."""

    transitory: np.ndarray  # (n,) standard normal
    illness: np.ndarray  # (n,) uniform: onset
    illness_cost: np.ndarray  # (n,) standard normal: cost of an episode
    chronic_onset: np.ndarray  # (n,) uniform
    disaster: np.ndarray  # (m,) uniform: village hit
    disaster_severity: np.ndarray  # (m,) uniform on [0.5, 1.5)
    housing_damage: np.ndarray  # (n,) uniform
    market_common: float  # standard normal
    market_village: np.ndarray  # (m,) standard normal


def draw_shocks(streams: Streams, n: int, m: int) -> StepShocks:
    return StepShocks(
        transitory=streams.income.standard_normal(n),
        illness=streams.illness.random(n),
        illness_cost=streams.illness.standard_normal(n),
        chronic_onset=streams.illness.random(n),
        disaster=streams.disaster.random(m),
        disaster_severity=streams.disaster.uniform(0.5, 1.5, m),
        housing_damage=streams.disaster.random(n),
        market_common=float(streams.market.standard_normal()),
        market_village=streams.market.standard_normal(m),
    )


def _ar_step(persistence: float, sd: float, steps_per_year: int) -> tuple[float, float]:
    """Per-step AR(1) coefficient and innovation sd keeping the annual persistence and sd."""
    rho = persistence ** (1.0 / steps_per_year)
    return rho, sd * np.sqrt(1.0 - rho**2)


def _per_step(annual_probability: np.ndarray | float, steps_per_year: int) -> np.ndarray:
    return 1.0 - (1.0 - np.minimum(annual_probability, 1.0)) ** (1.0 / steps_per_year)


def step_income(
    h: HouseholdState, v: VillageState, scenario: Scenario, year: int, shocks: StepShocks
) -> None:
    """Advance incomes by one step and add the step's flows to the year's totals."""
    spy = scenario.steps_per_year
    inc, ill, dis, mkt = (
        scenario.income,
        scenario.shocks.illness,
        scenario.shocks.disaster,
        scenario.shocks.market,
    )

    v.trend += v.growth / spy
    rho, sd = _ar_step(mkt.persistence, mkt.sd, spy)
    v.market = rho * v.market + sd * (
        np.sqrt(mkt.common_share) * shocks.market_common
        + np.sqrt(1.0 - mkt.common_share) * shocks.market_village
    )
    rho, sd = _ar_step(inc.transitory_persistence, inc.transitory_sd, spy)
    h.transitory = rho * h.transitory + sd * shocks.transitory

    # Illness: a new episode only for those not already ill.
    risk = ill.annual_probability * np.where(h.chronic, ill.chronic_multiplier, 1.0)
    risk = risk * np.where(h.elderly > 0, ill.elderly_multiplier, 1.0)
    onset = (h.ill_steps == 0) & (shocks.illness < _per_step(risk, spy))
    if onset.any():
        duration = max(1, round(ill.duration_months * spy / 12))
        mu = np.log(max(ill.oop_cost_mean, 1e-9)) - ill.oop_cost_sd**2 / 2
        cost = np.exp(mu + ill.oop_cost_sd * shocks.illness_cost[onset])
        paid = cost * (1.0 - ill.insured_reimbursement * h.medical_ok[onset])
        h.ill_cost[onset] = paid / h.size[onset] / duration
        h.ill_steps[onset] = duration
        h.ill_year |= onset
        new_chronic = onset & ~h.chronic & (shocks.chronic_onset < ill.chronic_onset)
        if new_chronic.any():
            h.chronic |= new_chronic
            keep = 1.0 - scenario.population.chronic_income_loss
            h.farm_base[new_chronic] *= keep
            h.wage_base[new_chronic] *= keep
    ill_now = h.ill_steps > 0

    hit = shocks.disaster < _per_step(
        dis.annual_probability * np.where(v.fragile, dis.fragile_multiplier, 1.0), spy
    )

    trend = v.trend[h.village]
    level = np.exp(h.level + h.transitory + v.level[h.village] + trend)
    working = np.where(ill_now, 1.0 - ill.lost_income_share, 1.0)
    farm = h.farm_base * level * np.exp(v.market[h.village]) * working / spy
    wages = h.wage_base * level * working / spy
    transfers = h.transfer_base * np.exp(trend) / spy
    prop = h.property_base * level / spy
    medical = np.where(ill_now, h.ill_cost, 0.0)

    net = farm + wages + transfers + prop - medical
    if hit.any():
        hit_h = hit[h.village]
        # A disaster destroys a share of a year's farm income at once.
        severity = dis.farm_loss * shocks.disaster_severity[h.village]
        loss = np.where(hit_h, severity * farm * spy, 0.0)
        h.loss_year += loss
        net -= loss
        h.disaster_year |= hit_h
        damaged = (
            hit_h
            & (h.housing_grade < SAFE_HOUSING_GRADES)
            & (shocks.housing_damage < dis.housing_damage)
        )
        h.housing_grade[damaged] = SAFE_HOUSING_GRADES

    h.farm_year += farm
    h.wage_year += wages
    h.transfer_year += transfers
    h.property_year += prop
    h.medical_year += medical
    h.hungry_steps += net * spy < scenario.guarantees.food_floor * scenario.line(year)
    h.ill_steps[ill_now] -= 1
