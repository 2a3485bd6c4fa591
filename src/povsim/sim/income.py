"""The vectorised income step: trends, transitory income, program income and the shocks.

The shocks themselves (illness, disasters, farm prices) are drawn and applied in
:mod:`povsim.sim.shocks`; this step moves the trends and adds up the year's flows.
"""

from __future__ import annotations

import numpy as np

from povsim.config import Scenario
from povsim.sim.households import HouseholdState
from povsim.sim.shocks import (
    StepShocks,
    ar_coefficients,
    disaster_hits,
    fall_ill,
    move_prices,
    suffer_disasters,
)
from povsim.sim.villages import VillageState

__all__ = ["advance_villages", "step_income"]


def advance_villages(v: VillageState, scenario: Scenario, shocks: StepShocks) -> np.ndarray:
    """Move village trends and prices one step; return which villages a disaster hits."""
    v.trend += v.growth / scenario.steps_per_year
    v.wage_trend += (v.growth + scenario.income.wage_premium) / scenario.steps_per_year
    move_prices(v, scenario, shocks)
    return disaster_hits(v, scenario, shocks)


def step_income(
    h: HouseholdState, v: VillageState, scenario: Scenario, year: int, shocks: StepShocks
) -> None:
    """Advance incomes by one step and add the step's flows to the year's totals."""
    spy = scenario.steps_per_year
    inc, ill = scenario.income, scenario.shocks.illness
    hit = advance_villages(v, scenario, shocks)
    rho, sd = ar_coefficients(inc.transitory_persistence, inc.transitory_sd, spy)
    h.transitory *= rho
    h.transitory += sd * shocks.transitory

    fall_ill(h, scenario, shocks)
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
    wages *= np.exp(v.wage_trend - v.trend)[village]
    wages += h.support_wage * working / spy
    transfers = h.transfer_base * (np.exp(v.trend) / spy)[village]
    transfers += h.support_transfer / spy

    net = farm + wages
    net += transfers
    net += prop
    medical = h.ill_cost[ill_now]
    net[ill_now] -= medical
    h.medical_year[ill_now] += medical
    suffer_disasters(h, scenario, shocks, hit, farm, net)

    h.farm_year += farm
    h.wage_year += wages
    h.transfer_year += transfers
    h.property_year += prop
    h.hungry_steps += net < scenario.guarantees.food_floor * scenario.line(year) / spy
    h.ill_steps[ill_now] -= 1
