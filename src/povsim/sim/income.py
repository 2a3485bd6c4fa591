"""The vectorised income step: trends, transitory income, program income and the shocks;
and the formula building income from its bases, which the initial incomes use too.

The shocks themselves (illness, disasters, farm prices), and what each costs, are drawn in
:mod:`povsim.sim.shocks`; this step calls them, moves the trends, takes off the earnings an
illness stops and its cost, and adds up the year's flows.
"""

from __future__ import annotations

from typing import NamedTuple

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

__all__ = [
    "IncomeFlows",
    "advance_villages",
    "base_flows",
    "gross_income",
    "income_flows",
    "step_income",
]


def advance_villages(v: VillageState, scenario: Scenario, draws: StepShocks) -> np.ndarray:
    """Move village trends and prices one step, adding the step's price to the year's
    average; return which villages a disaster hits.

    Args:
        v: the villages, changed in place: ``trend``, ``wage_trend``, ``earned_trend``,
            ``market`` and ``price_year``.
        scenario: the run's scenario (steps per year, ``income.wage_premium``, the price and
            disaster shocks).
        draws: the step's draws.

    Returns:
        Boolean mask over villages, shape (m,).
    """
    v.trend += v.growth / scenario.steps_per_year
    v.earned_trend += v.earned_growth / scenario.steps_per_year
    v.wage_trend += (v.growth + scenario.income.wage_premium) / scenario.steps_per_year
    move_prices(v, scenario, draws)
    v.price_year += np.exp(v.market) / scenario.steps_per_year
    return disaster_hits(v, scenario, draws)


class IncomeFlows(NamedTuple):
    """A household's income by source over a period, yuan per person, and the wages at home
    its workers sent away by programs would have earned (``forgone``: no income)."""

    farm: np.ndarray
    wages: np.ndarray
    transfers: np.ndarray
    prop: np.ndarray
    forgone: np.ndarray | float = 0.0

    def total(self) -> np.ndarray:
        """The sources added up."""
        net = self.farm + self.wages
        net += self.transfers
        net += self.prop
        return net


def income_flows(
    h: HouseholdState,
    v: VillageState,
    earned: np.ndarray,
    periods: int = 1,
    *,
    working: np.ndarray | float = 1.0,
    at_home: np.ndarray | float = 1.0,
    farm_support: np.ndarray | float = 0.0,
    wage_support: np.ndarray | float = 0.0,
    transfer_support: np.ndarray | float = 0.0,
) -> IncomeFlows:
    """Income by source: each base at its village's farm price, wage trend or trend.

    The one formula for the initial incomes and every step's. The defaults leave out the
    step's extras and change no bit (multiplying by 1.0 and adding 0.0 are exact).

    Args:
        h: households; their bases and village.
        v: villages; trend, wage trend, the earned trend (what work teams and
            infrastructure added, which transfers leave out) and market.
        earned: each household's earning level for the period before illness,
            exp(household level + transitory + village level + trend) / ``periods``.
        periods: the year's parts the flow is for: 1 for a year's rate, the steps per
            year for one step's.
        working: share of its earning each household keeps through illness.
        at_home: share of its workers earning the household's wages at home.
        farm_support: program farm income for the period, sold at the farm price.
        wage_support: program wage income for the period.
        transfer_support: program transfers for the period.

    Returns:
        Farm, wage, transfer and property income for the period.
    """
    village = h.village
    prop = h.property_base * earned  # rents and dividends do not stop when someone falls ill
    earned = earned * working
    farm = (h.farm_base * earned + farm_support) * np.exp(v.market)[village]
    wage_trend = np.exp(v.wage_trend - v.trend)[village]
    wages = h.wage_base * earned * at_home
    wages *= wage_trend
    # What a program that sent a worker away gave up at home: its exit attribution nets it
    # out (without the program the worker earns these wages again).
    forgone: np.ndarray | float = 0.0
    if not np.isscalar(at_home):
        forgone = h.wage_base * earned * (1.0 - at_home)
        forgone *= wage_trend
    wages += wage_support
    # Transfers (pensions, remittances, the state's) grow with the economy, not with what a
    # village's work team or new infrastructure added to its earnings.
    transfers = h.transfer_base * (np.exp(v.trend - v.earned_trend) / periods)[village]
    transfers += transfer_support
    return IncomeFlows(farm, wages, transfers, prop, forgone)


def base_flows(h: HouseholdState, v: VillageState) -> IncomeFlows:
    """Income by source at the current level, yuan per person per year, before shocks,
    costs and program income: what a program reads to tell earnings from transfers.

    Args:
        h: the households, read only: bases, levels and transitory income.
        v: the villages, read only: level, trends and farm price.

    Returns:
        Farm, wage, transfer and property income, float arrays of shape (n,).
    """
    # One exp of the sum where the step multiplies two: the step's rounding, up to 5 ulp
    # away, would move the initial incomes, and the last digits of runs whose register
    # judges them (sichuan's spending, a panel's incomes).
    village = h.village
    earned = np.exp(h.level + h.transitory + v.level[village] + v.trend[village])
    return income_flows(h, v, earned)


def gross_income(h: HouseholdState, v: VillageState) -> np.ndarray:
    """Income at the current level, yuan per person per year, before shocks and costs.

    Args:
        h: the households, read only: bases, levels and transitory income.
        v: the villages, read only: level, trends and farm price.

    Returns:
        Float array, shape (n,).
    """
    return base_flows(h, v).total()


def step_income(
    h: HouseholdState, v: VillageState, scenario: Scenario, year: int, draws: StepShocks
) -> None:
    """Advance incomes by one step and add the step's flows to the year's totals.

    Args:
        h: the households, changed in place: transitory income, illness (with the bases a
            chronic illness cuts), the year's flows, disaster flags, housing and
            ``hungry_steps``.
        v: the villages, changed in place (:func:`advance_villages`).
        scenario: the run's scenario (income process, shocks, food floor).
        year: the year the step is in: its line sets the food floor for ``hungry_steps``.
        draws: the step's draws (:func:`povsim.sim.shocks.draw_shocks`).
    """
    spy = scenario.steps_per_year
    inc, ill = scenario.income, scenario.shocks.illness
    hit = advance_villages(v, scenario, draws)
    rho, sd = ar_coefficients(inc.transitory_persistence, inc.transitory_sd, spy)
    h.transitory *= rho
    h.transitory += sd * draws.transitory

    fall_ill(h, scenario, draws)
    ill_now = np.flatnonzero(h.ill_steps)

    working = np.ones(h.n)
    working[ill_now] -= ill.lost_income_share * (
        1.0 - np.minimum(h.illness_protection[ill_now], 1.0)
    )
    # A worker sent away by a program no longer earns the household's wages at home (the
    # farm stays with those left behind); the program pays the wage away instead.
    at_home = 1.0 - h.labour_left / np.maximum(h.labour, 1)
    earned = np.exp(h.level + h.transitory)
    earned *= (np.exp(v.level + v.trend) / spy)[h.village]
    flows = income_flows(
        h,
        v,
        earned,
        spy,
        working=working,
        at_home=at_home,
        farm_support=h.support_farm * working / spy,
        # What members working away send home is earned away: an illness at home costs the
        # household its medical bill and the work of those at home, not a migrant's job.
        wage_support=(h.support_wage * working + h.support_remitted) / spy,
        transfer_support=h.support_transfer / spy,
    )
    net = flows.total()
    medical = h.ill_cost[ill_now]
    net[ill_now] -= medical
    h.medical_year[ill_now] += medical
    suffer_disasters(h, scenario, draws, hit, flows.farm, net)

    h.farm_year += flows.farm
    h.wage_year += flows.wages
    h.transfer_year += flows.transfers
    h.property_year += flows.prop
    h.forgone_year += flows.forgone
    h.hungry_steps += net < scenario.guarantees.food_floor * scenario.line(year) / spy
    h.ill_steps[ill_now] -= 1
