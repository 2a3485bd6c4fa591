"""Relapse (返贫): an exited household back under the register's standard, verified before it
is recorded.

An exited household relapses once its income has been under the standard its exit was judged
by (:meth:`~povsim.config.Scenario.exit_standard`: "已经标注脱贫，但未稳定达到国家脱贫标准的按照
程序返贫", docs/register-sources.md section 56) at ``exit.relapse_years`` successive year-end
assessments (the verification: a single noisy year is no relapse), optionally at once on a
fall in a year of illness or disaster (``exit.relapse_on_shock``, the identification
procedure's one visit: docs/register-sources.md section 71) or on losing a guarantee, and in
a re-verification year
(``exit.reverify_years``: 2017's of the exits of 2014-2016) when short of one of the three
guarantees. A relapse goes back on the register (:mod:`povsim.sim.registration`); what it is
put down to is :func:`relapse_causes`. docs/concepts.md, "Relapse, precisely", defines the
rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Status
from povsim.sim.households import HouseholdState
from povsim.sim.villages import VillageState

if TYPE_CHECKING:
    from povsim.sim.programs.base import Program

__all__ = ["relapse_causes", "relapses"]


def relapses(
    h: HouseholdState,
    scenario: Scenario,
    year: int,
    programs: Sequence[Program],
    assessed: NDArray[np.float64],
    monitored: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """The exited households whose relapse is recorded this year.

    A relapse is recorded after verification: income under the register's standard (the
    exit standard, before the exit test's margin) at ``exit.relapse_years`` successive
    assessments since exit; an allowance that caught the
    fall does not hide it (:meth:`SocialSecurity.propped`), unless the monitoring follows the
    household or has cleared its risk: the floor is one of the monitoring's measures (综合保障),
    the help that keeps a household at risk from falling back. Risk cleared (风险消除): while
    the monitoring runs, a household the floor holds over the monitoring range is not at risk
    of falling back, so it is not followed, and its fall is no relapse either.

    Args:
        h: the households; ``below_line_years`` (the successive assessments fallen since
            exit) moves on in place; the status does not (the caller moves it).
        scenario: the run's scenario (its ``exit`` and ``monitoring`` rules).
        year: the year assessed.
        programs: the support programs; a household one props over the line
            (:meth:`~povsim.sim.programs.base.Program.propped`) counts as fallen.
        assessed: the register's income at the assessment, yuan per person per year,
            shape (n,).
        monitored: boolean mask, shape (n,): followed by the monitoring this year
            (:func:`povsim.sim.monitoring.monitor`); a prop is no fall for them.

    Returns:
        Who relapses, and who has fallen this year (under the standard by ``assessed``, or
        held over it by an allowance that caught the fall).
        Boolean masks, shape (n,); the second is over all households, exited or not.
    """
    rules, m = scenario.exit, scenario.monitoring
    exited = h.status == Status.EXITED
    standard = scenario.exit_standard(year)
    # The monitoring's range is a multiple of the same standard (monitoring.monitor).
    cleared = m.active(year) & (assessed >= m.income_multiple * standard)
    fallen = assessed < standard
    for program in programs:
        fallen |= program.propped(year) & ~monitored & ~cleared
    h.below_line_years = np.where(exited & fallen, h.below_line_years + 1, 0)
    relapse = exited & (h.below_line_years >= rules.relapse_years)
    if rules.relapse_on_shock:
        # A household struck by a grave illness or a disaster applied (可申请返贫) and was
        # re-identified by the identification procedure, one assessment (Shidian's rule:
        # docs/register-sources.md sections 64 and 71).
        relapse |= exited & fallen & (h.ill_year | h.disaster_year)
    if rules.relapse_on_guarantee_loss:
        relapse |= exited & ~h.guarantees_ok()
    if year in rules.reverify_years:
        # The re-verification of earlier exits (2017, after the 2016 assessment) checked
        # the three guarantees as facts (house, school, insurance) and marked an exit short
        # of one as a relapse; food and clothing follow the income, which the successive
        # assessments above verify.
        relapse |= exited & ~h.three_guarantees_ok()
    return relapse, fallen


def relapse_causes(
    h: HouseholdState,
    v: VillageState,
    scenario: Scenario,
    year: int,
    relapse: np.ndarray,
    held: np.ndarray,
) -> dict[str, np.ndarray]:
    """What each relapse is put down to. ``held``: households whose own income fell under
    the register's standard while an allowance holds them over it.

    Args:
        h: the households, read only: the year's illness, disaster and farm income, ended
            support, guarantees.
        v: the villages, read only: the year's farm price (``price_year``).
        scenario: the run's scenario (a bad price year, ``exit.relapse_years``,
            ``exit.reverify_years``).
        year: the year assessed.
        relapse: boolean mask, shape (n,): the year's relapses (:func:`relapses`).
        held: boolean mask, shape (n,).

    Returns:
        One boolean mask, shape (n,), per cause: ``illness``, ``disaster``, ``market``,
        ``support_ended``, ``floor``, ``guarantee``, ``reverified`` and ``other`` (none of
        the others); a relapse may have several.
    """
    bad_prices = v.price_year < 1.0 - scenario.shocks.market.bad_year_drop
    causes = {
        "illness": relapse & h.ill_year,
        "disaster": relapse & h.disaster_year,
        "market": relapse & bad_prices[h.village] & (h.farm_year > 0),
        # Lost within the relapse's verification: recorded at the ``relapse_years``-th
        # assessment under the line, a relapse may follow a loss at the start of the
        # first of those years (two, as run: this year or last).
        "support_ended": relapse
        & (h.support_ended > 0)
        & (h.support_ended >= year - scenario.exit.relapse_years),
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
