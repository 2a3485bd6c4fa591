"""Registration (建档立卡): who goes on the register, and what the register records.

The first drive judges a year's incomes through a survey with error (log-normal,
``registration.income_error_sd``), which makes both missed poor and wrongly registered
households; with a ``quota`` (规模控制) it fills the statistical estimate split down to the
county, poorest first. Later additions (the re-check's review, then village review and
public notice) and relapses are registered by :func:`register`, which records the hardship
grade and the causes of poverty. The year end (:mod:`povsim.sim.assessment`) decides who is
added, removed or re-registered.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.schema import RegistrationConfig
from povsim.config.vocabulary import Cause, Hardship, Status
from povsim.sim.households import HouseholdState
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState

__all__ = [
    "identified",
    "observed_income",
    "recheck",
    "register",
    "register_initial",
    "survey_judges_poor",
]


def observed_income(income: np.ndarray, scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Incomes as the register's survey saw them: with log-normal error
    (``registration.income_error_sd``), which makes both missed and wrongly registered poor.

    Args:
        income: the incomes surveyed, yuan per person per year, shape (n,); not changed.
        scenario: the run's scenario (``registration.income_error_sd``).
        rng: draws one standard normal per household.

    Returns:
        The incomes as seen, yuan per person per year, shape (n,).
    """
    return income * np.exp(scenario.registration.income_error_sd * rng.standard_normal(income.size))


def survey_judges_poor(
    h: HouseholdState, scenario: Scenario, line: float, rng: np.random.Generator
) -> np.ndarray:
    """Which households the year's survey judges under ``line`` (the register's income).

    Args:
        h: the households, read only.
        scenario: the run's scenario (the survey's error).
        line: the income judged against, yuan per person per year.
        rng: draws one standard normal per household.

    Returns:
        Boolean mask, shape (n,).
    """
    return observed_income(h.register_income(), scenario, rng) < line


def _past_the_recheck(reg: RegistrationConfig, year: int) -> bool:
    """Whether ``year`` comes after the re-check years (none: the re-check never ends)."""
    return bool(reg.recheck_years) and year > max(reg.recheck_years)


def identified(
    h: HouseholdState, scenario: Scenario, year: int, judged: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Who of those the survey judges poor meets the standard of a new identification.

    After the re-check (回头看) had looked at every household, a household never registered
    was added (新识别) when its income was under the line and, besides, one of the three
    guarantees was missing: "2016年家庭年人均纯收入低于2952元…且满足以下任一条件的，按程序
    纳入建档立卡贫困对象管理" (a C- or D-grade house it cannot renovate, a member ill and
    uninsured, a pupil out of school for poverty), while a dibao household under the
    national standard was registered on its income (Shidian county, Yunnan, Feb 2019:
    shidian.gov.cn/info/39268/1086063.htm; docs/register-sources.md section 62). The
    referrals are the programs' (:meth:`~povsim.sim.programs.base.Program.referred`).

    Args:
        h: the households, read only: the three guarantees.
        scenario: the run's scenario (``registration.later_needs_guarantee_gap`` and the
            re-check years).
        year: the year assessed.
        judged: boolean mask, shape (n,): judged under the line by the survey.

    Returns:
        Boolean mask, shape (n,): ``judged``, less those the rule leaves off this year.
    """
    reg = scenario.registration
    if not (reg.later_needs_guarantee_gap and _past_the_recheck(reg, year)):
        return judged
    return judged & ~h.three_guarantees_ok()


def register(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    mask: np.ndarray,
    year: int,
    line: float | NDArray[np.float64],
    rng: np.random.Generator,
    income: NDArray[np.float64] | None = None,
) -> None:
    """Put ``mask`` on the register: status, year, hardship grade and causes of poverty.

    ``income`` is what the register judges (default: the register's income); a household a
    program referred is judged without that program's support.

    Args:
        h: the households, changed in place for ``mask``: ``status``, ``ever_registered``,
            ``registered_year``, ``rechecked``, ``wrongly_registered``, ``hardship`` and
            ``causes``.
        v: the villages, read only: remoteness and infrastructure, as causes (transport,
            water).
        scenario: the run's scenario (``registration``: the grades' cutoffs, the causes).
        mask: boolean mask, shape (n,): the households registered.
        year: recorded as ``registered_year``.
        line: the standard judged by, yuan per person per year, one for all or one a
            household (shape (n,)): income at or over it with every guarantee met is
            registered in error; income / line, against ``registration.hardship_cutoffs``,
            sets the grade.
        rng: draws three uniforms per household, for the causes no household data show
            (marriage, capital, motivation).
        income: yuan per person per year, shape (n,); None: ``h.register_income()``.
    """
    reg = scenario.registration
    # Draw for everybody so the stream's position does not depend on who registers.
    u = rng.random((3, h.n))
    h.status[mask] = Status.REGISTERED
    h.ever_registered |= mask
    h.registered_year[mask] = year
    # Registered anew (an entrant, a relapse): the re-check has yet to look at this entry.
    h.rechecked[mask] = False
    # Not poor and nothing missing: the household should not be on the register.
    if income is None:
        income = h.register_income()
    h.wrongly_registered[mask] = (income >= line)[mask] & h.guarantees_ok()[mask]
    ratio = income / line
    grade = np.where(
        ratio < reg.hardship_cutoffs[0],
        Hardship.A,
        np.where(ratio < reg.hardship_cutoffs[1], Hardship.B, Hardship.C),
    )
    h.hardship[mask] = grade[mask]

    village_remote = v.remoteness[h.village]
    village_infra = v.infrastructure[h.village]
    flags = (
        (Cause.ILLNESS, h.chronic | h.ill_year),
        (Cause.DISABILITY, h.disabled),
        (Cause.SCHOOLING, (h.pupils > 0) & ((3 * h.pupils >= h.size) | ~h.schooling_ok)),
        (Cause.DISASTER, h.disaster_year),
        (Cause.MARRIAGE, u[0] < reg.marriage_cause_rate),
        (Cause.LAND, h.land < reg.land_cause_below),
        (Cause.WATER, village_infra < reg.water_cause_below),
        (Cause.SKILLS, (h.education == 0) & (h.labour > 0)),
        (Cause.CAPITAL, u[1] < reg.capital_cause_rate),
        (Cause.LABOUR, 4 * h.labour < h.size),
        (Cause.TRANSPORT, village_remote > reg.transport_cause_above),
        (Cause.MOTIVATION, u[2] < reg.motivation_cause_rate),
    )
    causes = np.zeros(h.n, dtype=np.uint16)
    for cause, present in flags:
        causes |= np.where(present, np.uint16(cause), np.uint16(0))
    causes[causes == 0] = Cause.OTHER
    h.causes[mask] = causes[mask]


def register_initial(
    h: HouseholdState, v: VillageState, scenario: Scenario, streams: Streams
) -> None:
    """The first registration drive, at the start of ``start_year``.

    With a ``quota`` (规模控制: the statistical estimate of the poor split into quotas), the
    drive registers the households its survey judges poorest until the register holds
    ``quota`` times the people under the line; otherwise everyone it judges poor, at
    ``coverage``. The survey judges ``h.income`` as it stands against
    ``scenario.registration_line`` (the line of ``registration.income_year``): with an
    ``income_year`` before the start, the income of the last year lived
    (:func:`povsim.sim.population.live_reference_years`), else the income drawn. An
    allowance paid in that year (``h.support_transfer``:
    :func:`~povsim.sim.programs.social_security.pay_before_start`) is taken off: the register
    took its recipients as 低保贫困户, judged on their own income, as its later additions did
    (应扶尽扶, :meth:`~povsim.sim.programs.social_security.SocialSecurity.referred`), while the
    quota's estimate counts the people under the line with it, as NBS's survey counted them.

    Args:
        h: the households, registered in place (:func:`register`).
        v: the villages, read only (causes of poverty).
        scenario: the run's scenario (``registration``, ``start_year``).
        streams: the run's streams; the drive draws from ``streams.registration``.
    """
    reg = scenario.registration
    line = scenario.registration_line
    rng = streams.registration
    own = h.income - h.support_transfer
    observed = observed_income(own, scenario, rng)
    found = (observed < line) & (rng.random(h.n) < reg.coverage)
    if reg.quota is not None:
        places = reg.quota * h.people(h.income < line)
        order = np.argsort(observed, kind="stable")
        filled = np.cumsum(h.persons[order]) <= places
        found = np.zeros(h.n, dtype=bool)
        found[order[filled]] = True
    judged = h.register_income() - h.support_transfer
    register(h, v, scenario, found, scenario.start_year, line, rng, income=judged)


def recheck(
    h: HouseholdState,
    scenario: Scenario,
    year: int,
    u_recheck: NDArray[np.float64],
    u_reach: NDArray[np.float64],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_] | bool, float]:
    """The year's re-check of the register and how widely its review adds households.

    The thorough re-check (回头看) removes and adds at its own rates; afterwards a household
    is added only after village review and public notice, and none once the monitoring runs
    (it takes the households newly at risk: SCIO, 18 May 2020, 380,000 newly at risk
    "included in the monitoring and assistance system"; docs/register-sources.md section 2).

    Args:
        h: the households; in a re-check year ``rechecked`` marks, in place, the registered
            households it looks at.
        scenario: the run's scenario (``registration``'s re-check settings; ``monitoring``).
        year: the year assessed.
        u_recheck: uniform draws, shape (n,): a wrongly registered household the re-check
            looks at this year is removed when its draw is under the year's detection rate.
        u_reach: uniform draws, shape (n,): which of the households not yet looked at a
            re-check year looks at.

    Returns:
        The households removed as wrongly registered; those the re-check has looked at, this
        year or in an earlier re-check year (True: all); and the share of those the survey
        judges poor that the review registers. The masks are boolean, shape (n,); the
        second holds none before the first re-check year.
    """
    reg = scenario.registration
    registered = h.status == Status.REGISTERED
    looked: NDArray[np.bool_] | bool = True
    reached: NDArray[np.bool_] | bool = True
    if not reg.recheck_years:  # a re-check every year, of every household
        detection, review = reg.recheck_detection, reg.review_coverage
    elif year in reg.recheck_years:
        detection, review = reg.recheck_detection, reg.review_coverage
        # It went village by village (Aug 2015 - Jun 2016): each re-check year looks at an
        # even share of the households it has not yet looked at, and at each once (a fresh
        # draw over all of them looked again at those an earlier year had looked at and
        # missed, a second chance to find them).
        left = sum(1 for y in reg.recheck_years if y >= year)
        reached = registered & ~h.rechecked & (u_reach * left < 1.0)
        h.rechecked |= reached
        # A household looked at and missed is no longer held for the re-check: it may exit.
        looked = registered & h.rechecked
    elif _past_the_recheck(reg, year):
        detection, review = reg.later_detection, reg.later_review_coverage
    else:
        # The register stands as first drawn until the re-check, and between its years: no
        # one is removed or added. A household an earlier re-check year looked at and missed
        # stays free to exit (none before the first re-check year: none looked at yet).
        detection = review = 0.0
        reached = False
        looked = registered & h.rechecked
    removed = registered & h.wrongly_registered & reached & (u_recheck < detection)
    if scenario.monitoring.active(year):
        review = 0.0
    return removed, looked, review
