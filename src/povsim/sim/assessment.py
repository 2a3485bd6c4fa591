"""Year-end assessment of households: register (建档立卡), exit (脱贫) and relapse (返贫).

The order each year end, every household making at most one move (but a relapse found
while the monitoring runs may exit again through the floor, step 7):

1. the year's net income is totalled (flows minus medical costs and disaster losses);
2. the guarantees are updated (food from the count of hungry steps; schooling, medical cover
   and housing change by themselves at the scenario's background rates), and the programs
   hold up the ones they secure;
3. programs settle what depends on the year's income: the minimum living allowance (低保)
   tops its households up to its standard, which under two lines in one is the line;
4. relapse monitoring (防止返贫监测, from ``monitoring.from_year``) finds exited and marginal
   households at risk, follows them until their risk is cleared, at most ``monitoring.scale``
   of the people ever registered, and helps those under the line up to it;
5. the re-check removes wrongly registered households it finds (``removed``): thoroughly in
   the re-check years (回头看), rarely after;
6. exited households relapse once verified: under the line at ``exit.relapse_years``
   successive assessments (or, optionally, on losing a guarantee); in a re-verification
   year (``exit.reverify_years``) also short of one of the three guarantees;
7. registered households stably over the line (``exit.stable_years`` successive assessments,
   or held at it by the floor) with every guarantee met exit (``exits``); while the
   monitoring runs, a relapse is registered as it is found, during the year, and is judged
   with them;
8. the review registers unregistered households its survey judges poor
   (``new_entrants``): widely in the re-check years, after that only the few who pass
   village review and public notice, and none once monitoring runs (it takes them); the
   survey sees income with log-normal error, which makes both missed poor and wrongly
   registered households;

Then villages leave the list (:func:`povsim.sim.villages.update_villages`) and the county
exits (:class:`povsim.sim.model.PovertyModel`) when their registered incidence is under
their threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import SAFE_HOUSING_GRADES, Cause, Hardship, Status
from povsim.sim.households import YEAR_FLOWS, HouseholdState
from povsim.sim.queue import fit_queue
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState, village_people, village_share, village_thresholds

if TYPE_CHECKING:
    from povsim.sim.programs.base import Program

__all__ = [
    "Transitions",
    "close_reference_year",
    "close_year",
    "register",
    "register_initial",
    "reset_year",
]


@dataclass(frozen=True)
class Transitions:
    """Who moved in the register at one year end (boolean masks over households)."""

    registered_start: np.ndarray
    removed: np.ndarray
    exited: np.ndarray
    relapsed: np.ndarray
    entered: np.ndarray
    ill: np.ndarray
    hit_by_disaster: np.ndarray
    exited_start: np.ndarray
    relapse_causes: dict[str, np.ndarray]
    monitored: np.ndarray
    monitoring_yuan: float
    floored: np.ndarray
    """Households the floor held at the line this year (they exit through it)."""


def _observed(income: np.ndarray, scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Incomes as the register's survey saw them: with log-normal error
    (``registration.income_error_sd``), which makes both missed and wrongly registered poor."""
    return income * np.exp(scenario.registration.income_error_sd * rng.standard_normal(income.size))


def _survey_judges_poor(
    h: HouseholdState, scenario: Scenario, line: float, rng: np.random.Generator
) -> np.ndarray:
    """Which households the year's survey judges under ``line`` (the register's income)."""
    return _observed(h.register_income(), scenario, rng) < line


def register(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    mask: np.ndarray,
    year: int,
    line: float,
    rng: np.random.Generator,
    income: NDArray[np.float64] | None = None,
) -> None:
    """Put ``mask`` on the register: status, year, hardship grade and causes of poverty.

    ``income`` is what the register judges (default: the register's income); a household a
    program referred is judged without that program's support.
    """
    reg = scenario.registration
    # Draw for everybody so the stream's position does not depend on who registers.
    u = rng.random((3, h.n))
    h.status[mask] = Status.REGISTERED
    h.ever_registered |= mask
    h.registered_year[mask] = year
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
    ``coverage``. The survey judges the incomes the population starts with against
    ``scenario.registration_line`` (the line of ``registration.income_year``).
    """
    reg = scenario.registration
    line = scenario.registration_line
    rng = streams.registration
    observed = _observed(h.income, scenario, rng)
    found = (observed < line) & (rng.random(h.n) < reg.coverage)
    if reg.quota is not None:
        places = reg.quota * h.people(h.income < line)
        order = np.argsort(observed, kind="stable")
        filled = np.cumsum(h.persons[order]) <= places
        found = np.zeros(h.n, dtype=bool)
        found[order[filled]] = True
    register(h, v, scenario, found, scenario.start_year, line, rng)


def _update_guarantees(
    h: HouseholdState, scenario: Scenario, line: float, rng: np.random.Generator
) -> None:
    g = scenario.guarantees
    u = rng.random((4, h.n))
    poor = h.income < line
    h.food_ok = h.hungry_steps < g.food_months * scenario.steps_per_year / 12
    has_pupils = h.pupils > 0
    h.schooling_ok = (
        np.where(
            h.schooling_ok,
            ~(has_pupils & poor & (u[0] < g.schooling_new_gap)),
            u[1] < g.schooling_annual_fix,
        )
        | ~has_pupils
    )
    h.medical_ok |= u[2] < g.medical_annual_fix
    renovated = (h.housing_grade >= SAFE_HOUSING_GRADES) & ~poor & (u[3] < g.self_renovation)
    h.housing_grade[renovated] = SAFE_HOUSING_GRADES - 1


def _school_year(h: HouseholdState, scenario: Scenario, year: int) -> None:
    """A school year passes: the eldest pupil who finishes school becomes a worker."""
    in_school = h.pupils > 0
    h.school_years_left = np.where(in_school, h.school_years_left - 1, 0)
    done = in_school & (h.school_years_left <= 0)
    h.pupils[done] -= 1
    h.labour[done] += 1
    h.left_school_year[done] = year
    gap = scenario.population.sibling_gap_years
    h.school_years_left = np.where(h.pupils > 0, np.where(done, gap, h.school_years_left), 0)


def reset_year(h: HouseholdState, v: VillageState) -> None:
    """Clear the year's flows and flags before the next year's steps."""
    v.price_year[:] = 0.0
    for name in YEAR_FLOWS:
        getattr(h, name)[:] = 0.0
    h.hungry_steps[:] = 0
    h.ill_year[:] = False
    h.disaster_year[:] = False


def _year_income(h: HouseholdState) -> None:
    h.income = (
        h.farm_year + h.wage_year + h.transfer_year + h.property_year - h.medical_year - h.loss_year
    )


def close_reference_year(h: HouseholdState, scenario: Scenario) -> None:
    """Total a year lived before ``start_year`` (no register, no programs yet).

    The first registration judged the income of a whole year (2014's drive judged 2013's):
    net of that year's medical costs and disaster losses, with its transitory spread, like
    every later assessment, and not the income the population is drawn with. The year's
    illness and disaster flags stay for the registration to record as causes; call
    :func:`reset_year` after it.
    """
    _year_income(h)
    h.food_ok = h.hungry_steps < scenario.guarantees.food_months * scenario.steps_per_year / 12


def _relapse_causes(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    relapse: np.ndarray,
    held: np.ndarray,
) -> dict[str, np.ndarray]:
    """What each relapse is put down to. ``held``: households whose own income fell under
    the line while an allowance holds them over it."""
    bad_prices = v.price_year < 1.0 - scenario.shocks.market.bad_year_drop
    causes = {
        "illness": relapse & h.ill_year,
        "disaster": relapse & h.disaster_year,
        "market": relapse & bad_prices[h.village] & (h.farm_year > 0),
        "support_ended": relapse & (h.support_ended > 0) & (h.support_ended >= year - 1),
        # Over the line only because the allowance caught the fall (只要返贫,马上纳入低保:
        # seed 003): the relapse is of the household's own income.
        "floor": relapse & held,
        "guarantee": relapse & ~h.guarantees_ok(),
        # marked at a re-verification of earlier exits, whatever the income
        "reverified": relapse & (year in scenario.exit.reverify_years) & ~h.three_guarantees_ok(),
    }
    explained = np.zeros_like(relapse)
    for mask in causes.values():
        explained |= mask
    causes["other"] = relapse & ~explained
    return causes


def plan_share(scenario: Scenario, year: int) -> float:
    """The share of the registered people a year's exit plan takes off the register.

    Rolling plans (脱贫滚动规划) spread what is left over the years to the deadline, less
    the lead the plans aimed to finish by; the last year takes everyone left.
    """
    rules = scenario.exit
    return _rolling_share(rules.plan_deadline - rules.plan_lead_years, year)


def _rolling_share(finish: float, year: int) -> float:
    """The share of what is left a plan finishing at ``finish`` takes in ``year``."""
    left = finish - year + 1
    return 1.0 if left <= 1.0 else 1.0 / left


def _planned_exits(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    passing: NDArray[np.bool_],
    registered: NDArray[np.bool_],
    income: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Exits as the year's plan schedules them (yearly targets from 2014; 2016 exit mechanism).

    Provinces set yearly exit plans and counties filled them household by household from
    those that met the standards (中办发〔2016〕16号, 关于建立贫困退出机制的意见: 制定脱贫滚动规划和
    年度计划). A household that passes the test beyond the plan stays registered, and
    supported, until a later year's plan takes it. The plan takes those furthest over the
    exit income first: the surest to stay out; with ``exit.plan_unit`` "village", the
    listed poor villages it can bring lowest in registered incidence first.
    """
    places = plan_share(scenario, year) * h.people(registered)
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
        counted = registered
        if rules.plan_county_incidence == "comprehensive":
            poor = income < scenario.line(year)
            counted = registered | (poor & (h.status != Status.REGISTERED))
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
        after = village_share(village_people(h, v, registered & ~passing), village_people(h, v))
        listed = v.poor_village & ~v.exited
        # incomes stay under 1e9 yuan a person, so the tier and the share order first;
        # a share is judged against the village's own threshold (3% in the west)
        tier = np.where(listed, after - village_thresholds(v, scenario), 2.0)
        key = tier[h.village[idx]] * 1e12 + key
    take = idx[fit_queue(h.persons[idx], key, places)]
    planned = np.zeros(h.n, dtype=bool)
    planned[take] = True
    return planned


def _monitor(
    h: HouseholdState,
    scenario: Scenario,
    year: int,
    line: float,
    rng: np.random.Generator,
    deep_poverty: bool = False,
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Relapse monitoring (防止返贫监测): find households at risk and help them to the line.

    Exited households are at risk when their income is under ``income_multiple`` times
    the line or their medical costs and disaster losses exceed ``spending_share`` of their
    income; households never registered, when they are under ``income_multiple`` times the
    line and such a shock strikes or they fall under the line. A share ``coverage`` of
    them is found, at most ``scale`` of the people ever registered (``deep_scale`` in a
    deep-poverty county: ``deep_poverty``; those under the line
    first, then those already followed, then the lowest incomes); those found that are
    under the line are helped up to it. A household found stays monitored, and is helped
    whenever it falls under the line, until its risk is cleared (风险消除): an assessment
    finds its income over the monitoring threshold (a year's income, where county rules ask
    for at least half a year's), and never while it has no labour.

    Returns:
        Who is monitored, and the help each got (yuan per person).
    """
    m = scenario.monitoring
    u = rng.random(h.n)  # drawn every year, so the stream does not depend on the policy
    help_ = np.zeros(h.n)
    if not m.active(year):
        return np.zeros(h.n, dtype=bool), help_
    income = h.register_income()
    shock = h.medical_year + h.loss_year > m.spending_share * np.maximum(income, 0.0)
    near = income < m.income_multiple * line
    # Exited households are watched when near the line or struck; households that were
    # never registered only when, at the margin, a shock strikes or they fall under the
    # line (边缘户: flagged by departments, cadres' visits or their own application).
    exited = (h.status == Status.EXITED) & (near | shock)
    marginal = (h.status == Status.UNREGISTERED) & near & (shock | (income < line))
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
        # Scale control (规模控制), as for the register: at most a share of the people ever
        # registered (the Guiding Opinion's "建档立卡人口").
        idx = np.flatnonzero(monitored)
        places = scale * h.people(h.ever_registered)
        # Households under the line come first, then those already followed (they keep
        # their place until the risk is cleared), then the lowest incomes.
        under = income[idx] < line
        keys = income[idx] - np.where(under, 2e15, np.where(kept[idx], 1e15, 0.0))
        take = idx[fit_queue(h.persons[idx], keys, places)]
        monitored = np.zeros(h.n, dtype=bool)
        monitored[take] = True
    help_[monitored] = np.maximum(line - income[monitored], 0.0)
    return monitored, help_


def close_year(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    streams: Streams,
    programs: Sequence[Program] = (),
    *,
    deep_poverty: bool = False,
) -> Transitions:
    """Total the year's income and move households through the register.

    Args:
        programs: support programs: ``secure(h)`` holds up the guarantees they secure after
            the year's background changes, ``settle(year)`` settles what depends on the
            year's income (the minimum living allowance).
        deep_poverty: the county is a deep-poverty county (its monitoring's wider scale).

    Returns:
        The masks of who was removed, exited, relapsed and newly registered.
    """
    reg, rules = scenario.registration, scenario.exit
    line = scenario.line(year)
    _year_income(h)
    _update_guarantees(h, scenario, line, streams.guarantees)
    for program in programs:
        program.secure(h)
    for program in programs:
        program.settle(year)

    rng = streams.registration
    u_recheck, u_review, u_reach = rng.random((3, h.n))
    judged = _survey_judges_poor(h, scenario, line, rng)
    monitored, help_ = _monitor(h, scenario, year, line, rng, deep_poverty)
    # Help lifts the register's income to the line; the survey sees the same yuan.
    lifted = np.maximum(h.income + help_, line - h.away_income)
    h.income = np.where(help_ > 0, lifted, h.income)
    h.monitored = monitored
    # The register's tests (exit, relapse) judge the register's income.
    assessed = h.register_income()

    registered = h.status == Status.REGISTERED
    exited_before = h.status == Status.EXITED
    unregistered = h.status == Status.UNREGISTERED
    guarantees = h.guarantees_ok() if rules.require_guarantees else True
    poor = assessed < line

    # The thorough re-check (回头看) removes and adds at its own rates; afterwards a
    # household is added only after village review and public notice.
    reached: NDArray[np.bool_] | bool = True
    if not reg.recheck_years or year in reg.recheck_years:
        detection, review = reg.recheck_detection, reg.review_coverage
        # It went village by village (Aug 2015 - Jun 2016): each re-check year looks at an
        # even share of the households it has not yet looked at.
        left = sum(1 for y in reg.recheck_years if y >= year)
        reached = u_reach * left < 1.0
    elif year > max(reg.recheck_years):
        detection, review = reg.later_detection, reg.later_review_coverage
    else:  # the register stands as first drawn until the re-check
        detection = review = 0.0
        reached = False
    removed = registered & h.wrongly_registered & reached & (u_recheck < detection)
    # A relapse is recorded after verification: income under the line at
    # ``relapse_years`` successive assessments since exit; an allowance that caught the
    # fall does not hide it (:meth:`SocialSecurity.propped`), unless the monitoring follows
    # the household or has cleared its risk: the floor is one of the monitoring's measures
    # (综合保障), the help that keeps a household at risk from falling back.
    # Risk cleared (风险消除): while the monitoring runs, a household the floor holds over
    # the monitoring range is not at risk of falling back, so it is not followed, and its
    # fall is no relapse either.
    m = scenario.monitoring
    cleared = m.active(year) & (assessed >= m.income_multiple * line)
    fallen = poor.copy()
    for program in programs:
        fallen |= program.propped(year) & ~monitored & ~cleared
    h.below_line_years = np.where(exited_before & fallen, h.below_line_years + 1, 0)
    relapse = exited_before & (h.below_line_years >= rules.relapse_years)
    if rules.relapse_on_guarantee_loss:
        relapse |= exited_before & ~h.guarantees_ok()
    if year in rules.reverify_years:
        # The re-verification of earlier exits (2017, after the 2016 assessment) checked
        # the three guarantees as facts (house, school, insurance) and marked an exit short
        # of one as a relapse; food and clothing follow the income, which the successive
        # assessments above verify.
        relapse |= exited_before & ~h.three_guarantees_ok()
    # While the monitoring mechanism runs, its dynamic checks (动态监测: cadres' visits,
    # departments' data, applications) find a relapse during the year, and the
    # household goes back on the register then ("一旦出现返贫和新致贫，及时纳入建档立卡，享受
    # 脱贫攻坚相关政策", Guiding Opinion, Mar 2020): the year's exit test judges it with the
    # register. Before, a relapse was found at the year's assessment and could exit at the
    # next one at the earliest; a relapse of the campaign's last year stayed registered.
    rejoined = relapse if m.active(year) else np.zeros(h.n, dtype=bool)
    candidates = registered | rejoined

    # Exit needs income "stably over the line" (2016 exit mechanism): over the exit income
    # at ``stable_years`` successive assessments while registered. Income the floor holds at
    # the line passes whatever the margin: the household exits through the floor (兜底脱贫),
    # a relapse the floor caught among them.
    over = assessed >= scenario.exit_income(year)
    h.above_line_years = np.where(registered & over, np.minimum(h.above_line_years + 1, 100), 0)
    floored = np.zeros(h.n, dtype=bool)
    for program in programs:
        floored |= program.floored(year)
    floored &= assessed >= line
    stable = (h.above_line_years >= rules.stable_years) | floored
    exits = candidates & ~removed & (over | floored) & stable & guarantees
    # An exit was recorded when a poor household's income rose past the line with support;
    # a household registered in error had no such change to record, and stayed on the
    # register until the re-check looked at it (9.29 m removed in 2015-16,
    # docs/register-sources.md section 3): found, it is removed; missed, it exits. After the
    # re-check the 2016 exit mechanism tested every registered household alike. A relapse
    # is graded afresh when it is registered below, so its old grade does not hold it.
    exits &= ~h.wrongly_registered | reached | rejoined
    if rules.plan_from is not None and year >= rules.plan_from:
        exits = _planned_exits(h, v, scenario, year, exits, candidates, assessed)
    # Once monitoring runs, households newly found at risk enter it, not the register
    # (SCIO, 18 May 2020: 380,000 newly at risk "included in the monitoring and assistance
    # system"; docs/register-sources.md section 2).
    if scenario.monitoring.active(year):
        review = 0.0
    # Programs refer the households they cover that meet the poverty conditions (应扶尽扶:
    # dibao households, 国办发〔2016〕70号), judged on income without that support; they
    # enter by the same procedure (按规定程序: village review and public notice).
    judged_income = assessed.copy()
    for program in programs:
        referred = program.referred(year) & unregistered
        judged_income[referred] -= program.income[referred]
        judged |= referred
        # A relapse the allowance caught is of the household's own income (seed 003), and
        # the register judges that: with the allowance the household is at the line, which
        # would grade it as registered in error.
        held = program.propped(year) & relapse
        judged_income[held] -= program.income[held]
    entered = unregistered & judged & (u_review < review)

    h.status[removed] = Status.UNREGISTERED
    h.wrongly_registered[removed] = False
    h.hardship[removed] = Hardship.NONE
    h.causes[removed] = 0
    h.relapses[relapse] += 1
    h.below_line_years[relapse] = 0
    register(h, v, scenario, relapse | entered, year, line, rng, judged_income)
    h.status[exits] = Status.EXITED
    h.exit_year[exits] = year
    h.ever_exited |= exits

    transitions = Transitions(
        registered_start=registered,
        removed=removed,
        exited=exits,
        relapsed=relapse,
        entered=entered,
        ill=h.ill_year.copy(),
        hit_by_disaster=h.disaster_year.copy(),
        exited_start=exited_before,
        relapse_causes=_relapse_causes(h, v, scenario, year, relapse, fallen & ~poor),
        monitored=monitored,
        monitoring_yuan=float((help_ * h.persons).sum()),
        floored=floored,
    )
    _school_year(h, scenario, year)
    reset_year(h, v)
    return transitions
