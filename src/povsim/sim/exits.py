"""Exit (脱贫): the household exit test and the yearly exit plans.

A registered household exits once its income is stably over the exit income (2016 exit
mechanism, 中办发〔2016〕16号: ``exit.stable_years`` successive assessments) or the floor
holds it at the line (兜底脱贫), with its guarantees met (两不愁、三保障), and once the year's
plan takes it (yearly targets from 2014, rolling plans from 2016).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Status
from povsim.sim.households import HouseholdState
from povsim.sim.queue import fit_queue
from povsim.sim.registration import identified
from povsim.sim.villages import VillageState, village_people, village_share, village_thresholds

if TYPE_CHECKING:
    from povsim.sim.programs.base import Program

__all__ = [
    "county_exits",
    "exits",
    "plan_share",
    "registered_share",
    "verification_findings",
]


def exits(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    programs: Sequence[Program],
    candidates: NDArray[np.bool_],
    assessed: NDArray[np.float64],
    line: float,
    *,
    removed: NDArray[np.bool_],
    reached: NDArray[np.bool_] | bool,
    rejoined: NDArray[np.bool_],
    referred: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.bool_], dict[str, NDArray[np.bool_]]]:
    """The households among ``candidates`` (the registered, and relapses found during the
    year while the monitoring runs) that exit this year.

    Exit needs income "stably over the line" (2016 exit mechanism): over the exit income at
    ``exit.stable_years`` successive assessments while registered. Income the floor holds at
    the line passes whatever the margin: the household exits through the floor (兜底脱贫), a
    relapse the floor caught among them. ``removed``: taken off the register this year;
    ``reached``: looked at by the re-check; ``rejoined``: relapses registered this year.

    Args:
        h: the households; ``above_line_years`` (the successive assessments over the exit
            income) moves on in place; the status does not (the caller moves it).
        v: the villages, read only: they order the plan with ``exit.plan_unit`` "village".
        scenario: the run's scenario (its ``exit`` rules and exit income).
        year: the year assessed.
        programs: the support programs; a household one holds at the line
            (:meth:`~povsim.sim.programs.base.Program.floored`) passes through the floor.
        candidates: boolean mask, shape (n,): who may exit.
        assessed: the register's income at the assessment, yuan per person per year,
            shape (n,).
        line: the year's poverty line, yuan per person per year: the floor counts only at
            or over it.
        removed: boolean mask, shape (n,): these do not exit.
        reached: boolean mask, shape (n,), or True (all): a household registered in error
            exits only once the re-check has looked at it, this year or in an earlier
            re-check year (or rejoined).
        rejoined: boolean mask, shape (n,): graded afresh, so an old error does not hold
            them; not yet registered, they can pass only through the floor.
        referred: boolean mask, shape (n,): referred by a program this year, for the
            county's count of its missed poor (:func:`verification_findings`); None: none.

    Returns:
        Who exits (boolean mask, shape (n,)), and who each program that holds households at
        the line held there this year, by its name (boolean masks, shape (n,), over all
        households, candidates or not; only programs that held anyone).
    """
    rules = scenario.exit
    registered = h.status == Status.REGISTERED
    guarantees = h.guarantees_ok() if rules.require_guarantees else True
    over = assessed >= scenario.exit_income(year)
    h.above_line_years = np.where(registered & over, np.minimum(h.above_line_years + 1, 100), 0)
    held = {p.name: p.floored(year) & (assessed >= line) for p in programs}
    held = {name: mask for name, mask in held.items() if mask.any()}
    floored = np.logical_or.reduce([*held.values(), np.zeros(h.n, dtype=bool)])
    stable = (h.above_line_years >= rules.stable_years) | floored
    leaving = candidates & ~removed & (over | floored) & stable & guarantees
    # An exit was recorded when a poor household's income rose past the line with support;
    # a household registered in error had no such change to record, and stayed on the
    # register until the re-check looked at it (9.29 m removed in 2015-16,
    # docs/register-sources.md section 3): found, it is removed; missed, it exits. After the
    # re-check the 2016 exit mechanism tested every registered household alike. A relapse
    # is graded afresh when it is registered, so its old grade does not hold it.
    leaving &= ~h.wrongly_registered | reached | rejoined
    if rules.plan_from is not None and year >= rules.plan_from:
        leaving = planned_exits(
            h, v, scenario, year, leaving, candidates, assessed, referred=referred
        )
    return leaving, held


def plan_share(scenario: Scenario, year: int) -> float:
    """The share of the exit candidates' people (the registered, with the relapses put back
    on the register this year while the monitoring runs) a year's exit plan takes off.

    Rolling plans (脱贫滚动规划) spread what is left over the years to the deadline, less
    the lead the plans aimed to finish by; the last year takes everyone left.

    Args:
        scenario: the run's scenario (``exit.plan_deadline``, ``exit.plan_lead_years``).
        year: the plan's year.

    Returns:
        The share, in (0, 1]: 1.0 once ``year`` reaches the deadline less the lead.
    """
    rules = scenario.exit
    return _rolling_share(rules.plan_deadline - rules.plan_lead_years, year)


def _rolling_share(finish: float, year: int) -> float:
    """The share of what is left a plan finishing at ``finish`` takes in ``year``."""
    left = finish - year + 1
    return 1.0 if left <= 1.0 else 1.0 / left


def planned_exits(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    passing: NDArray[np.bool_],
    candidates: NDArray[np.bool_],
    income: NDArray[np.float64],
    *,
    referred: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """Exits as the year's plan schedules them (yearly targets from 2014; 2016 exit mechanism).

    ``passing``: the ``candidates`` (the registered, and relapses found during the year)
    that pass the exit test; the plan's places are a share of the candidates' people.

    Provinces set yearly exit plans and counties filled them household by household from
    those that met the standards (中办发〔2016〕16号, 关于建立贫困退出机制的意见: 制定脱贫滚动规划和
    年度计划). A household that passes the test beyond the plan stays registered, and
    supported, until a later year's plan takes it. The plan takes those furthest over the
    exit income first: the surest to stay out; with ``exit.plan_unit`` "village", the
    listed poor villages it can bring lowest in registered incidence first.

    Args:
        h: the households, read only.
        v: the villages, read only: with ``exit.plan_unit`` "village", their list
            (``poor_village``, ``exited``) and thresholds order the places.
        scenario: the run's scenario (the plan's share and unit, the county's schedule).
        year: the year assessed.
        passing: boolean mask, shape (n,): whom the plan may take.
        candidates: boolean mask, shape (n,): their people set the places, and they count
            as poor in the county's schedule.
        income: the register's income at the assessment, yuan per person per year,
            shape (n,): the plan's order; with ``exit.plan_county_incidence``
            "comprehensive", also who off the register counts as poor: the never
            registered meeting the identification standard, and the exited under the line
            or short of a guarantee (:func:`verification_findings`, at the assessment).
        referred: boolean mask, shape (n,): referred by a program this year, for the same
            count; None: none.

    Returns:
        Boolean mask, shape (n,): the exits the plan takes, within ``passing``.
    """
    places = plan_share(scenario, year) * h.people(candidates)
    rules = scenario.exit
    county = rules.plan_county_deadline
    if county is not None and year <= county:
        # A county scheduled to exit (摘帽计划) had to bring its incidence under its
        # threshold by then, not to zero: its households still registered after that
        # exited by the national deadline (5.51 m were registered at the end of 2019, when
        # 780 of the 832 poor counties had exited). The test was the comprehensive
        # incidence (综合贫困发生率: registered, missed poor and wrongly exited), which the
        # county's and province's checks before it applied (县级申请, 省级核查; 中办发〔2016〕16号)
        # measured as the assessment would.
        target = rules.plan_county_target
        if target is None:
            target = rules.county_threshold
        counted = candidates
        if rules.plan_county_incidence == "comprehensive":
            missed, wrongly_exited = verification_findings(h, scenario, year, income, referred)
            counted = candidates | missed | wrongly_exited
        over = h.people(counted) - target * h.people(slice(None))
        # No lead: the schedule is the county's plan, and it is what finishes early; the
        # national plans' lead (fitted to the national flows) stands for the schedules.
        places = max(places, _rolling_share(county, year) * over)
    idx = np.flatnonzero(passing)
    key = -income[idx]
    if scenario.exit.plan_unit == "village":
        # Plans named the poor villages to leave the list that year as well as the people,
        # and a village left it once its registered incidence was under the threshold: the
        # places go first to the listed villages, those left with the fewest registered
        # people (by share) once everyone passing has exited first; then to households
        # elsewhere (in villages never listed or already off the list), the surest first.
        after = village_share(village_people(h, v, candidates & ~passing), village_people(h, v))
        listed = v.poor_village & ~v.exited
        # incomes stay under 1e9 yuan a person, so the tier and the share order first;
        # a share is judged against the village's own threshold (3% in the west)
        tier = np.where(listed, after - village_thresholds(v, scenario), 2.0)
        key = tier[h.village[idx]] * 1e12 + key
    take = idx[fit_queue(h.persons[idx], key, places)]
    planned = np.zeros(h.n, dtype=bool)
    planned[take] = True
    return planned


def registered_share(h: HouseholdState) -> float:
    """The county's registered incidence: its people still registered over all its people.

    Args:
        h: the county's households, read only (people count their weight).

    Returns:
        The share; 0.0 for a county without people.
    """
    people = h.people(slice(None))
    return h.people(h.status == Status.REGISTERED) / people if people else 0.0


def verification_findings(
    h: HouseholdState,
    scenario: Scenario,
    year: int,
    income: NDArray[np.float64],
    referred: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """The poor a poor county's verification (third-party assessment) finds off the
    register: the missed poor (漏评), and the wrongful exits (错退), exited without meeting
    the exit standard (中办发〔2016〕16号): under the line, or short of one of the three
    guarantees (三保障: schooling, medical cover, safe housing), which it checked as facts,
    as the re-verification of 2017 did; food and clothing (两不愁) follow the income it
    judged.

    A missed poor person is one "符合国家识别标准但未纳入建档立卡" (the county checks' rule,
    docs/register-sources.md section 86): never registered, and meeting the identification
    standard in force that year, the one the register's own additions apply
    (:func:`povsim.sim.registration.identified`): under the line and, once the re-check
    years are past with ``registration.later_needs_guarantee_gap``, a guarantee missing too.
    A household a program referred needs no missing guarantee (a dibao household is
    identified on its income, section 62), but the check judges its income as the register
    counts it, the allowance included, as the checks' household survey counted transfers.

    Args:
        h: the households, read only: status and guarantees.
        scenario: the run's scenario: the year's line, the identification's rule.
        year: the year assessed.
        income: the register's income at the assessment, yuan per person per year,
            shape (n,).
        referred: boolean mask, shape (n,): referred by a program this year
            (:meth:`~povsim.sim.programs.base.Program.referred`); None: none.

    Returns:
        The missed poor and the wrongly exited, boolean masks of shape (n,).
    """
    under = income < scenario.line(year)
    meets = identified(h, scenario, year, under)
    if referred is not None:
        meets |= under & referred
    missed = meets & (h.status == Status.UNREGISTERED)
    wrongly_exited = (under | ~h.three_guarantees_ok()) & (h.status == Status.EXITED)
    return missed, wrongly_exited


def county_exits(h: HouseholdState, scenario: Scenario) -> bool:
    """The county rule (贫困县退出, 中办发〔2016〕16号): a poor county may take off its hat once
    its registered incidence is under ``exit.county_threshold`` (3% in the west, 2% in the
    centre and east). The county-resolved run adds the checks and the plans
    (:mod:`povsim.runs.counties`).

    Args:
        h: the county's households, read only.
        scenario: the run's scenario (``exit.county_threshold``).

    Returns:
        Whether its registered incidence is under the threshold now.
    """
    return registered_share(h) < scenario.exit.county_threshold
