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

__all__ = ["food_secure", "update_guarantees"]


def food_secure(h: HouseholdState, scenario: Scenario) -> NDArray[np.bool_]:
    """Whether each household had enough to eat this year: hungry for fewer steps than
    ``guarantees.food_months`` of the year."""
    return h.hungry_steps < scenario.guarantees.food_months * scenario.steps_per_year / 12


def update_guarantees(
    h: HouseholdState, scenario: Scenario, line: float, rng: np.random.Generator
) -> None:
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
    """
    g = scenario.guarantees
    u = rng.random((4, h.n))
    poor = h.income < line
    h.food_ok = food_secure(h, scenario)
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
