"""Shocks: illness, disasters and farm prices, drawn each step and what they do.

Every step draws the same arrays for every household and village, whatever the policy,
from the stream of each source (common random numbers): two scenarios run with one seed
face the same illnesses, disasters and prices, and their difference is the policy's.
:func:`povsim.sim.income.step_income` calls them in the income step, and takes off income
the earnings an illness stops and the costs these functions set.
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
    "ar_coefficients",
    "disaster_hits",
    "draw_shocks",
    "fall_ill",
    "illness_duration_steps",
    "move_prices",
    "per_step_probability",
    "suffer_disasters",
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


def move_prices(v: VillageState, scenario: Scenario, draws: StepShocks) -> None:
    """Farm prices: an AR(1) index per village, partly common to the county."""
    mkt = scenario.shocks.market
    rho, sd = ar_coefficients(mkt.persistence, mkt.sd, scenario.steps_per_year)
    v.market = rho * v.market + sd * (
        np.sqrt(mkt.common_share) * draws.market_common
        + np.sqrt(1.0 - mkt.common_share) * draws.market_village
    )


def disaster_hits(v: VillageState, scenario: Scenario, draws: StepShocks) -> np.ndarray:
    """Which villages a disaster hits this step (fragile villages more often)."""
    dis = scenario.shocks.disaster
    annual = dis.annual_probability * np.where(v.fragile, dis.fragile_multiplier, 1.0)
    return draws.disaster < per_step_probability(annual, scenario.steps_per_year)


def fall_ill(h: HouseholdState, scenario: Scenario, draws: StepShocks) -> None:
    """Illness onsets: risk higher with a chronically ill or elderly member; an episode's
    out-of-pocket cost, less the insured and program-reimbursed share, spread over its
    steps; a chance of becoming chronic, which cuts the household's earning bases.

    ``scenario.shocks.illness.annual_probability`` is the yearly rate of a household not
    already ill: the household holds one episode at a time (its cost and its lost months), so
    an episode under way holds off the next, and the yearly chance of an onset is a little
    under the setting (0.3% under at 0.06 with four-month episodes, 1% under at 0.27, the
    riskiest group at the baseline's multipliers)."""
    ill = scenario.shocks.illness
    # Four risks (chronic x elderly) looked up by group: a power per household would cost
    # the step's time for four distinct values.
    multipliers = [1.0, ill.elderly_multiplier, ill.chronic_multiplier]
    multipliers.append(ill.chronic_multiplier * ill.elderly_multiplier)
    risk = per_step_probability(
        ill.annual_probability * np.array(multipliers), scenario.steps_per_year
    )
    group = 2 * h.chronic.view(np.uint8) + (h.elderly > 0)
    onset = np.flatnonzero((h.ill_steps == 0) & (draws.illness < risk[group]))
    if not onset.size:
        return
    duration = illness_duration_steps(scenario)
    mu = np.log(max(ill.oop_cost_mean, 1e-9)) - ill.oop_cost_sd**2 / 2
    # A uniform per household (cheap) keeps the stream aligned; only onsets need the normal.
    cost = np.exp(mu + ill.oop_cost_sd * ndtri(draws.illness_cost[onset]))
    covered = ill.insured_reimbursement * h.medical_ok[onset] + h.extra_reimbursement[onset]
    paid = cost * (1.0 - np.minimum(covered, 1.0))
    h.ill_cost[onset] = paid / h.size[onset] / duration
    h.ill_steps[onset] = duration
    h.ill_year[onset] = True
    chronic = onset[~h.chronic[onset] & (draws.chronic_onset[onset] < ill.chronic_onset)]
    h.chronic[chronic] = True
    keep = 1.0 - scenario.population.chronic_income_loss
    h.farm_base[chronic] *= keep
    h.wage_base[chronic] *= keep


def suffer_disasters(
    h: HouseholdState,
    scenario: Scenario,
    draws: StepShocks,
    hit: np.ndarray,
    farm: np.ndarray,
    net: np.ndarray,
) -> None:
    """The households of hit villages lose a share of a year's farm income at once (from
    ``net``, this step's income), and a safe house may be made dangerous."""
    if not hit.any():
        return
    dis = scenario.shocks.disaster
    village = h.village
    hit_h = np.flatnonzero(hit[village])
    severity = draws.disaster_severity[village[hit_h]]
    loss = dis.farm_loss * severity * farm[hit_h] * scenario.steps_per_year
    h.loss_year[hit_h] += loss
    net[hit_h] -= loss
    h.disaster_year[hit_h] = True
    damaged = hit_h[
        (h.housing_grade[hit_h] < SAFE_HOUSING_GRADES)
        & (draws.housing_damage[hit_h] < dis.housing_damage)
    ]
    h.housing_grade[damaged] = SAFE_HOUSING_GRADES
