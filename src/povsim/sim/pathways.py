"""Exit pathways: which support programs an exit is credited to (``pathways.parquet``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY
from povsim.sim.households import HouseholdState
from povsim.sim.programs.base import Program

__all__ = ["JOINT_PATHWAY", "NO_PATHWAY", "PATHWAY_COLUMNS", "pathway_rows"]


PATHWAY_COLUMNS = (
    "year",
    "program",
    "exited_households",
    "exited_people",
    "necessary_households",
    "necessary_people",
    "primary_households",
    "primary_people",
    "primary_share",
)


def pathway_rows(
    h: HouseholdState,
    programs: Sequence[Program],
    exited: NDArray[np.bool_],
    year: int,
    threshold: float | NDArray[np.float64],
) -> list[dict[str, Any]]:
    """Credit each exit to the programs that helped it and to those it needed.

    * **helped** (``exited_*``): the program raised the household's income or secured a
      guarantee this year; several programs may share one exit.
    * **necessary** (``necessary_*``): without the program's contribution — its income
      (:meth:`~povsim.sim.programs.base.Program.contribution`) or a guarantee that holds
      only because of it (:attr:`~povsim.sim.programs.base.Program.made`) — the household
      would not have passed the exit test this year (income at least ``threshold``, every
      guarantee met). Counterfactual, one program at a time; several may be necessary.
    * **primary** (``primary_*``): of the necessary programs, the one with the largest
      contribution (a guarantee-only one counts as contributing nothing; ties go to the
      program listed first). When none is necessary alone, the exit is ``combined`` if
      without the contributions of all the programs that helped it together it would not
      have passed, and ``none`` otherwise: growth and the household's own effort.

    The ``combined`` row counts its exits in every column (helped, necessary and primary);
    the ``none`` row counts as helped the exits no program helped and as necessary and
    primary those that needed no program, alone or together.

    Args:
        h: the households, read only: weights, people and the register's income.
        programs: the scenario's programs, in its order (which breaks ties).
        exited: boolean mask, shape (n,): the year's exits.
        year: written in each row.
        threshold: the exit income each exit was judged at, yuan per person per year: one
            figure, or one per household, shape (n,)
            (:func:`povsim.sim.exits.exit_thresholds`).

    Returns:
        One row per program, then ``combined`` and ``none``: dicts keyed by
        :data:`PATHWAY_COLUMNS`. Households are real ones (weights); ``primary_share`` is
        of the year's exited households (0.0 without exits).
    """
    idx = np.flatnonzero(exited)
    weight, persons = h.weight[idx], h.persons[idx]
    total = weight.sum()
    k_programs = len(programs)
    helped = np.zeros((k_programs, idx.size), dtype=bool)
    necessary = np.zeros((k_programs, idx.size), dtype=bool)
    score = np.full((k_programs, idx.size), -np.inf)
    together = np.zeros(idx.size)  # the helping programs' contributions, summed
    income = h.register_income()[idx]  # the exit test is the register's
    # The exit income each household had to reach: one figure, or one per household.
    needed_income = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (h.n,))[idx]
    for k, program in enumerate(programs):
        contribution = program.contribution()[idx]
        helped[k] = program.helped()[idx]
        necessary[k] = helped[k] & ((income - contribution < needed_income) | program.made[idx])
        together += np.where(helped[k], np.maximum(contribution, 0.0), 0.0)
        bonus = (k_programs - k) * 1e-9  # earlier in the scenario wins ties
        score[k] = np.where(necessary[k], np.maximum(contribution, 0.0) + bonus, -np.inf)
    any_necessary = necessary.any(axis=0)
    # A guarantee a program made already makes it necessary alone, so only income pools.
    joint = ~any_necessary & (income - together < needed_income)
    unneeded = ~any_necessary & ~joint
    primary = np.full(idx.size, k_programs + 1)  # none
    primary[joint] = k_programs
    if k_programs:
        primary = np.where(any_necessary, score.argmax(axis=0), primary)
    names = [p.name for p in programs] + [JOINT_PATHWAY, NO_PATHWAY]
    rows = []
    for k, name in enumerate(names):
        if k < k_programs:
            credited, needed = helped[k], necessary[k]
        elif name == JOINT_PATHWAY:
            credited = needed = joint
        else:
            credited, needed = ~helped.any(axis=0), unneeded
        first = primary == k
        rows.append(
            {
                "year": year,
                "program": name,
                "exited_households": float(weight[credited].sum()),
                "exited_people": float(persons[credited].sum()),
                "necessary_households": float(weight[needed].sum()),
                "necessary_people": float(persons[needed].sum()),
                "primary_households": float(weight[first].sum()),
                "primary_people": float(persons[first].sum()),
                "primary_share": float(weight[first].sum() / total) if total else 0.0,
            }
        )
    return rows
