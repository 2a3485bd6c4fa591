"""The guarantees (两不愁三保障): food and clothing secure, and compulsory schooling, basic
medical cover and safe housing assured (the 2016 exit Opinion's test beside income).

Each household's four are columns of :class:`~povsim.sim.households.HouseholdState`
(``food_ok``, ``schooling_ok``, ``medical_ok``, ``housing_grade``); this module changes them
by themselves each year end. Programs hold up the ones they secure afterwards
(``Program.secure``), and the exit and relapse tests read them
(:meth:`HouseholdState.guarantees_ok`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import SAFE_HOUSING_GRADES
from povsim.sim.households import HouseholdState

__all__ = ["Background", "food_secure", "update_guarantees"]


def food_secure(h: HouseholdState, scenario: Scenario) -> NDArray[np.bool_]:
    """Whether each household had enough to eat this year: hungry for fewer steps than
    ``guarantees.food_months`` of the year."""
    return h.hungry_steps < scenario.guarantees.food_months * scenario.steps_per_year / 12


class Background:
    """The year's background changes to schooling and medical cover, replayable: a program
    asks what a guarantee would have been had it never secured it (exit attribution), and
    the same draws give the same year.

    Args:
        h: the households at the year end (their pupils and income).
        scenario: the run's scenario (its ``guarantees``).
        line: the poverty line, yuan per person per year.
        draws: uniforms, shape (3 or more, n): dropping out, going back, medical cover.
    """

    def __init__(
        self, h: HouseholdState, scenario: Scenario, line: float, draws: NDArray[np.float64]
    ):
        self._g = scenario.guarantees
        self._pupils = h.pupils > 0
        self._poor = h.income < line
        self._draws = draws

    def schooling(self, ok: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Schooling after the year from ``ok`` before it: a household with pupils under the
        line loses it at ``schooling_new_gap``, one without it regains it at
        ``schooling_annual_fix``; a household without pupils has nothing to secure."""
        g, u = self._g, self._draws
        dropped = self._pupils & self._poor & (u[0] < g.schooling_new_gap)
        return np.where(ok, ~dropped, u[1] < g.schooling_annual_fix) | ~self._pupils

    def medical(self, ok: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Medical cover after the year from ``ok`` before it: gained at
        ``medical_annual_fix``, never lost."""
        return ok | (self._draws[2] < self._g.medical_annual_fix)


def update_guarantees(
    h: HouseholdState, scenario: Scenario, line: float, rng: np.random.Generator
) -> Background:
    """The year's changes to the guarantees, before the programs hold up those they secure.

    Food follows the year's hungry steps (:func:`food_secure`); the others change at the
    scenario's background rates: a household with pupils under the line loses schooling
    (dropping out) at ``schooling_new_gap`` and one without it regains it at
    ``schooling_annual_fix``; medical cover is gained at ``medical_annual_fix``; a
    household over the line renovates an unsafe house itself at ``self_renovation``.

    Args:
        h: the households, changed in place: ``food_ok``, ``schooling_ok``, ``medical_ok``,
            ``housing_grade``.
        scenario: the run's scenario (its ``guarantees``).
        line: the poverty line, yuan per person per year, against the year's ``income``.
        rng: the run's ``guarantees`` stream (four uniforms a household).

    Returns:
        The year's background changes, for the programs' counterfactuals.
    """
    g = scenario.guarantees
    u = rng.random((4, h.n))
    poor = h.income < line
    h.food_ok = food_secure(h, scenario)
    background = Background(h, scenario, line, u)
    h.schooling_ok = background.schooling(h.schooling_ok)
    h.medical_ok = background.medical(h.medical_ok)
    renovated = (h.housing_grade >= SAFE_HOUSING_GRADES) & ~poor & (u[3] < g.self_renovation)
    h.housing_grade[renovated] = SAFE_HOUSING_GRADES - 1
    return background
