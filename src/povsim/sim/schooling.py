"""The school year: pupils finish school and become workers, and children reach school age.

Pupils are counted per household (``pupils``, ``young`` in
:class:`~povsim.sim.households.HouseholdState`), siblings a gap apart; the schooling
guarantee and the education programs read them (:mod:`povsim.sim.guarantees`,
:mod:`povsim.sim.programs.education`).
"""

from __future__ import annotations

import numpy as np

from povsim.config import Scenario
from povsim.sim.households import HouseholdState

__all__ = ["school_year"]


def school_year(h: HouseholdState, scenario: Scenario, year: int) -> None:
    """A school year passes: the eldest pupil who finishes school becomes a worker, and the
    eldest child under school age who reaches it starts school.

    Siblings are a gap apart, so a household's pupils leave school one a gap after the
    other. The pupils drawn at the start and those who start in the run are two such
    chains, each with its eldest's clock: a child who starts school beside older pupils
    leaves it ``school_years`` after it started, not a gap after the last of them.

    Args:
        h: the households, changed in place: ``pupils``, ``labour``, ``young``, the chains'
            clocks, ``entrants`` and ``left_school_year``.
        scenario: the run's scenario (``population.sibling_gap_years``, ``school_years``).
        year: the school year ending, recorded as a leaver's ``left_school_year``.
    """
    pop = scenario.population
    gap = pop.sibling_gap_years
    first_drawn = _leave_school(h.pupils - h.entrants, h.school_years_left, gap)
    started_in_run = _leave_school(h.entrants, h.entrant_years_left, gap)
    h.entrants -= started_in_run
    left = first_drawn.astype(np.int16) + started_in_run
    h.pupils -= left
    h.labour += left
    h.left_school_year[left > 0] = year
    waiting = h.young > 0
    h.school_entry_years = np.where(waiting, h.school_entry_years - 1, 0)
    starts = waiting & (h.school_entry_years <= 0)
    first = starts & (h.entrants == 0)
    h.young -= starts
    h.pupils += starts
    h.entrants += starts
    h.entrant_years_left[first] = pop.school_years
    h.school_entry_years = np.where(h.young > 0, np.where(starts, gap, h.school_entry_years), 0)


def _leave_school(chain: np.ndarray, clock: np.ndarray, gap: int) -> np.ndarray:
    """A year of one chain of pupils a gap apart (``clock``: years until its eldest leaves,
    moved on in place): whether its eldest left school."""
    in_school = chain > 0
    clock[:] = np.where(in_school, clock - 1, 0)
    done = in_school & (clock <= 0)
    clock[:] = np.where(chain - done > 0, np.where(done, gap, clock), 0)
    return done
