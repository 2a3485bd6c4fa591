"""Relapse monitoring (防止返贫监测, from ``monitoring.from_year``).

From 2019-2020 exited and marginal households at risk were found, recorded and helped
before they fell back, within a published scale (about 5% of the people on the register's books;
docs/register-sources.md sections 2, 8 and 25). The monitoring works on the register's measure:
its range is "国家扶贫标准1.5倍左右", the standard the register's exits were judged by ("about
4,000" yuan in 2020, so about 6,000: section 8), and its help keeps a household from falling
back under that standard (section 68).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Status
from povsim.sim.exits import registered_share
from povsim.sim.households import HouseholdState
from povsim.sim.queue import fit_queue

__all__ = ["deep_poverty_designated", "monitor"]


def monitor(
    h: HouseholdState,
    scenario: Scenario,
    year: int,
    standard: float,
    rng: np.random.Generator,
    deep_poverty: bool = False,
    judged: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Relapse monitoring (防止返贫监测): find households at risk and help them to the standard.

    Exited households are at risk when their income is under ``income_multiple`` times
    the standard or their medical costs and disaster losses exceed ``spending_share`` of their
    income; households never registered, when they are under ``income_multiple`` times the
    standard and such a shock strikes or they fall under it. A share ``coverage`` of
    them is found, at most ``scale`` of the people on the register's books (``deep_scale`` in a
    deep-poverty county: ``deep_poverty``; exited households under the standard first, then
    the others under it, then those already followed, then the lowest incomes); those found
    that are under the standard are helped up to it. A household found stays monitored, and
    is helped whenever it falls under the standard, until its risk is cleared (风险消除): an
    assessment finds its income over the monitoring threshold (a year's income, where county
    rules ask for at least half a year's), and never while it has no labour.

    Args:
        h: the households, read only; ``h.monitored`` (last year's) marks those followed
            already, and the caller records this year's.
        scenario: the run's scenario (its ``monitoring`` settings).
        year: the year assessed; before the monitoring runs, nobody is monitored.
        standard: the year's exit standard, yuan per person per year
            (:meth:`~povsim.config.Scenario.exit_standard`: the register's; the line where
            the scenario carries no standard of its own).
        rng: draws one uniform per household every year, for ``coverage``.
        deep_poverty: the county is a deep-poverty county.
        judged: the income the risk is judged on, yuan per person per year, shape (n,):
            the register's, less an allowance that caught a fall
            (:meth:`~povsim.sim.programs.base.Program.propped`); None, the register's.

    Returns:
        Who is monitored, and the help each got (yuan per person).
        A boolean mask and a float array, shape (n,); the help, yuan per person for the
        year, is the gap from the register's income up to the standard (0 when none).
    """
    m = scenario.monitoring
    u = rng.random(h.n)  # drawn every year, so the stream does not depend on the policy
    help_ = np.zeros(h.n)
    if not m.active(year):
        return np.zeros(h.n, dtype=bool), help_
    income = h.register_income()
    judged = income if judged is None else judged
    shock = h.medical_year + h.loss_year > m.spending_share * np.maximum(income, 0.0)
    near = judged < m.income_multiple * standard
    # Exited households are watched when near the standard or struck; households that were
    # never registered only when, at the margin, a shock strikes or they fall under the
    # standard (边缘户: flagged by departments, cadres' visits or their own application).
    exited = (h.status == Status.EXITED) & (near | shock)
    marginal = (h.status == Status.UNREGISTERED) & near & (shock | (judged < standard))
    found = (exited | marginal) & (u < m.coverage)
    # A monitoring object (监测对象) is recorded in the national system and followed until
    # the risk is marked cleared: income over the monitoring range for at least half a
    # year (here, one assessment), and for a household without labour not at all (风险消除
    # rules as counties publish them, e.g.
    # zongyang.gov.cn/openness/OpennessContent/show/913795.html and
    # yjq.gov.cn/openness/grassroots/6603431/39287644.html). A relapse puts it back on
    # the register, out of monitoring.
    kept = h.monitored & (h.status != Status.REGISTERED) & (near | (h.labour == 0))
    monitored = found | kept
    scale = m.places(deep_poverty)
    if scale is not None:
        # Scale control (规模控制), as for the register: at most a share of the people on the
        # register's books (the Guiding Opinion's "建档立卡人口"), not those removed as
        # registered in error.
        idx = np.flatnonzero(monitored)
        places = scale * h.people(h.ever_registered)
        # Exited households that fell under the standard come first: the mechanism is to
        # prevent relapse, and its first objects are the unstable exited (脱贫不稳定户).
        # A household never registered under the standard is new poor, whose way onto the
        # books is the identification (新致贫, 及时纳入建档立卡); its marginal objects stand
        # just over the registered poor's income (边缘户; docs/register-sources.md sections
        # 8 and 79). Then the others under the standard, then those already followed (they
        # keep their place until the risk is cleared), then the lowest incomes.
        under = judged[idx] < standard
        fell = under & (h.status[idx] == Status.EXITED)
        # Offsets far over any income (under 1e9 yuan), small enough that a double keeps
        # incomes' differences to a ten-thousandth of a yuan (at 2e15 it kept a quarter).
        keys = judged[idx] - np.where(
            fell, 3e12, np.where(under, 2e12, np.where(kept[idx], 1e12, 0.0))
        )
        take = idx[fit_queue(h.persons[idx], keys, places)]
        monitored = np.zeros(h.n, dtype=bool)
        monitored[take] = True
    help_[monitored] = np.maximum(standard - income[monitored], 0.0)
    return monitored, help_


def deep_poverty_designated(h: HouseholdState, scenario: Scenario, year: int) -> bool:
    """Whether the county is named a deep-poverty county at the end of ``year``: in
    ``monitoring.deep_year``, its registered incidence over ``monitoring.deep_incidence``
    (深度贫困县, 2017: over 18%; docs/register-sources.md section 29), which widens its
    monitoring's scale (``monitoring.deep_scale``).

    Args:
        h: the county's households, read only.
        scenario: the run's scenario (``monitoring.deep_year``, ``deep_incidence``).
        year: the year just assessed.

    Returns:
        Whether it is named now; False outside ``monitoring.deep_year`` (the caller keeps
        the name).
    """
    m = scenario.monitoring
    if year != m.deep_year or m.deep_incidence is None:
        return False
    return registered_share(h) > m.deep_incidence
