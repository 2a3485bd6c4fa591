"""The year end: every household assessed, and moved through the register.

Each rule lives in a module named for it: the guarantees (:mod:`povsim.sim.guarantees`),
registration and the re-check (:mod:`povsim.sim.registration`), relapse monitoring
(:mod:`povsim.sim.monitoring`), relapse (:mod:`povsim.sim.relapse`), exit with the yearly
plans (:mod:`povsim.sim.exits`) and the school year (:mod:`povsim.sim.schooling`); this
module holds their order and what passes between them (which income each judges, and
the relapses found in the year put back before the exit test). The order each year end,
every household making at most one move (but a relapse found while the monitoring runs may
exit again through the floor, step 7):

1. the year's net income is totalled (flows minus medical costs and disaster losses);
2. the guarantees are updated (food from the count of hungry steps; schooling, medical cover
   and housing change by themselves at the scenario's background rates), and the programs
   hold up the ones they secure;
3. programs settle what depends on the year's income: the minimum living allowance (低保)
   tops its households up to its standard, which under two lines in one the poverty line
   floors (the line itself for a household with workers);
4. relapse monitoring (防止返贫监测, from ``monitoring.from_year``) finds exited and marginal
   households at risk, follows them until their risk is cleared, at most ``monitoring.scale``
   of the people on the register's books, and helps those under the exit standard up to it
   (:meth:`~povsim.config.Scenario.exit_standard`: the line unless ``exit.standard_growth``
   carries the start's forward);
5. the re-check removes wrongly registered households it finds (``removed``): thoroughly in
   the re-check years (回头看), rarely after;
6. exited households relapse once verified: under the exit standard, or held over it by an
   allowance that caught the fall, at ``exit.relapse_years`` successive assessments (or,
   optionally, at once on a fall in a year of illness or disaster, ``exit.relapse_on_shock``,
   or on losing a guarantee); in a re-verification year (``exit.reverify_years``) also short
   of one of the three guarantees;
7. registered households stably over the exit income (the exit standard with
   ``exit.income_margin``, ``exit.stable_years`` successive assessments, or held at the
   line by the floor) with every guarantee met exit (``exits``); while the
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

from povsim.config import Scenario
from povsim.config.vocabulary import Hardship, Status
from povsim.sim.exits import exits, verification_findings
from povsim.sim.guarantees import food_secure, update_guarantees
from povsim.sim.households import YEAR_FLOWS, HouseholdState
from povsim.sim.monitoring import monitor
from povsim.sim.registration import identified, recheck, register, survey_judges_poor
from povsim.sim.relapse import relapse_causes, relapses
from povsim.sim.schooling import school_year
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState

if TYPE_CHECKING:
    from povsim.sim.programs.base import Program

__all__ = ["Transitions", "close_reference_year", "close_year", "reset_year", "share_forgone_wages"]


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
    floored_by: dict[str, np.ndarray]
    """Households each program that holds households at the line (the floor) held there this
    year, by its name, whatever their status: an exit among them passed through the floor
    (兜底脱贫), which its attribution reads (:func:`povsim.sim.pathways.pathway_rows`)."""
    missed_poor: np.ndarray
    """Never registered and meeting the identification standard at the year's end: the
    missed poor a county's check would find (:func:`povsim.sim.exits.verification_findings`)."""
    wrongly_exited: np.ndarray
    """Exited and, at the year's end, under the line or short of a guarantee: the check's
    wrongful exits."""


def reset_year(h: HouseholdState, v: VillageState) -> None:
    """Clear the year's flows and flags before the next year's steps.

    Args:
        h: the households, changed in place: the year's flows, ``hungry_steps``,
            ``ill_year`` and ``disaster_year``.
        v: the villages, changed in place: ``price_year``.
    """
    v.price_year[:] = 0.0
    for name in YEAR_FLOWS:
        getattr(h, name)[:] = 0.0
    h.hungry_steps[:] = 0
    h.ill_year[:] = False
    h.disaster_year[:] = False


def share_forgone_wages(h: HouseholdState, programs: Sequence[Program]) -> None:
    """Give each program that sent workers away its part of the wages at home they gave up
    this year (:attr:`~povsim.sim.programs.base.Program.forgone`), in proportion to the
    workers it sent, for its contribution to an exit."""
    sent = sum((p.labour_left for p in programs), np.zeros(h.n))
    for program in programs:
        share = np.divide(program.labour_left, sent, out=np.zeros(h.n), where=sent > 0)
        program.forgone = share * h.forgone_year


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

    Args:
        h: the households, changed in place: ``income`` and ``food_ok``.
        scenario: the run's scenario (``guarantees.food_months``, steps per year).
    """
    _year_income(h)
    h.food_ok = food_secure(h, scenario)


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
        h: the households, changed in place: the year's income, guarantees, monitoring and
            register moves, and the school year; then the year's flows are cleared
            (:func:`reset_year`).
        v: the villages, read (causes of poverty and relapse, the village plan); then
            ``price_year`` is cleared in place.
        scenario: the run's scenario.
        year: the year closing.
        streams: the run's streams: ``guarantees`` for the background changes,
            ``registration`` for the survey, monitoring, re-check, review and registration.
        programs: support programs: ``secure(h)`` holds up the guarantees they secure after
            the year's background changes, ``settle(year)`` settles what depends on the
            year's income (the minimum living allowance). Their floor, props and referrals
            enter the exit, relapse and register tests.
        deep_poverty: the county is a deep-poverty county (its monitoring's wider scale).

    Returns:
        The masks of who was removed, exited, relapsed and newly registered.
        With them the year's illness, disasters, relapse causes, monitoring and floor,
        and what a county's check would find at the year's end (:class:`Transitions`);
        masks are boolean, shape (n,).
    """
    line = scenario.line(year)
    _year_income(h)
    background = update_guarantees(h, scenario, line, streams.guarantees)
    for program in programs:
        program.secure(h, background)
    for program in programs:
        program.settle(year)
    share_forgone_wages(h, programs)

    rng = streams.registration
    u_recheck, u_review, u_reach = rng.random((3, h.n))
    judged = survey_judges_poor(h, scenario, line, rng)
    # A fall the allowance caught is the monitoring's to find, as it is the relapse test's
    at_risk = h.register_income()
    for program in programs:
        at_risk = np.where(program.propped(year), at_risk - program.income, at_risk)
    standard = scenario.exit_standard(year)
    monitored, help_ = monitor(h, scenario, year, standard, rng, deep_poverty, at_risk)
    # Help lifts the register's income to the standard; the survey sees the same yuan.
    lifted = np.maximum(h.income + help_, standard - h.away_income)
    h.income = np.where(help_ > 0, lifted, h.income)
    h.monitored = monitored
    # The register's tests (exit, relapse) judge the register's income.
    assessed = h.register_income()

    registered = h.status == Status.REGISTERED
    exited_before = h.status == Status.EXITED
    unregistered = h.status == Status.UNREGISTERED
    removed, looked, review = recheck(h, scenario, year, u_recheck, u_reach)
    relapse, fallen = relapses(h, scenario, year, programs, assessed, monitored)
    # While the monitoring mechanism runs, its dynamic checks (动态监测: cadres' visits,
    # departments' data, applications) find a relapse during the year, and the
    # household goes back on the register then ("一旦出现返贫和新致贫，及时纳入建档立卡，享受
    # 脱贫攻坚相关政策", Guiding Opinion, Mar 2020): the year's exit test judges it with the
    # register. Before, a relapse was found at the year's assessment and could exit at the
    # next one at the earliest; a relapse of the campaign's last year stayed registered.
    rejoined = relapse if scenario.monitoring.active(year) else np.zeros(h.n, dtype=bool)
    candidates = registered | rejoined
    # Programs refer the households they cover that meet the poverty conditions (应扶尽扶:
    # dibao households, 国办发〔2016〕70号), judged on income without that support; they
    # enter by the same procedure (按规定程序: village review and public notice).
    referrals = [program.referred(year) & unregistered for program in programs]
    referred_any = np.logical_or.reduce([*referrals, np.zeros(h.n, dtype=bool)])
    leaving, floored_by = exits(
        h,
        v,
        scenario,
        year,
        programs,
        candidates,
        assessed,
        line,
        removed=removed,
        reached=looked,
        rejoined=rejoined,
        referred=referred_any,
    )
    judged_income = assessed.copy()
    judged = identified(h, scenario, year, judged)
    for program, referred in zip(programs, referrals, strict=True):
        judged_income[referred] -= program.income[referred]
        judged |= referred
        # A relapse the allowance caught is of the household's own income (seed 003), and
        # the register judges that: with the allowance the household is at the line, which
        # would grade it as registered in error.
        held = program.propped(year) & relapse
        judged_income[held] -= program.income[held]
    entered = unregistered & judged & (u_review < review)

    h.status[removed] = Status.UNREGISTERED
    # Removed as registered in error (剔除), the household leaves the register's books: the
    # people "建档立卡" counts (its income, the monitoring's scale) are those kept on them.
    h.ever_registered[removed] = False
    h.wrongly_registered[removed] = False
    h.hardship[removed] = Hardship.NONE
    h.causes[removed] = 0
    h.relapses[relapse] += 1
    h.below_line_years[relapse] = 0
    # A relapse is graded by the standard its fall was judged by, the register's exit
    # standard: by the line, one between the two read as registered in error.
    judged_line = np.where(relapse, scenario.exit_standard(year), line)
    register(h, v, scenario, relapse | entered, year, judged_line, rng, judged_income)
    h.status[leaving] = Status.EXITED
    h.exit_year[leaving] = year
    h.ever_exited |= leaving

    causes = relapse_causes(
        h, v, scenario, year, relapse, fallen & ~(assessed < scenario.exit_standard(year))
    )
    school_year(h, scenario, year)
    # What a county's check would find now, the register's moves and the school year done.
    missed, wrongly_exited = verification_findings(
        h, scenario, year, h.register_income(), referred_any
    )
    transitions = Transitions(
        registered_start=registered,
        removed=removed,
        exited=leaving,
        relapsed=relapse,
        entered=entered,
        ill=h.ill_year.copy(),
        hit_by_disaster=h.disaster_year.copy(),
        exited_start=exited_before,
        relapse_causes=causes,
        monitored=monitored,
        monitoring_yuan=float((help_ * h.persons).sum()),
        floored_by=floored_by,
        missed_poor=missed,
        wrongly_exited=wrongly_exited,
    )
    reset_year(h, v)
    return transitions
