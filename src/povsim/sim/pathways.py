"""Exit pathways: which support programs an exit is credited to (``pathways.parquet``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from povsim.sim.households import HouseholdState
from povsim.sim.programs.base import Program

__all__ = ["NO_PATHWAY", "PATHWAY_COLUMNS", "pathway_rows"]

NO_PATHWAY = "none"
"""The pathway of an exit no program helped: growth and the household's own effort."""

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
      program listed first); ``none`` when no program was necessary: growth and the
      household's own effort.
    """
    idx = np.flatnonzero(exited)
    weight, persons = h.weight[idx], h.persons[idx]
    total = weight.sum()
    k_programs = len(programs)
    helped = np.zeros((k_programs, idx.size), dtype=bool)
    necessary = np.zeros((k_programs, idx.size), dtype=bool)
    score = np.full((k_programs, idx.size), -np.inf)
    income = h.register_income()[idx]  # the exit test is the register's
    # The exit income each household had to reach: one figure, or one per household.
    needed_income = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (h.n,))[idx]
    for k, program in enumerate(programs):
        contribution = program.contribution()[idx]
        helped[k] = program.helped()[idx]
        necessary[k] = helped[k] & ((income - contribution < needed_income) | program.made[idx])
        bonus = (k_programs - k) * 1e-9  # earlier in the scenario wins ties
        score[k] = np.where(necessary[k], np.maximum(contribution, 0.0) + bonus, -np.inf)
    any_necessary = necessary.any(axis=0)
    primary = np.full(idx.size, k_programs)
    if k_programs:
        primary = np.where(any_necessary, score.argmax(axis=0), k_programs)
    names = [p.name for p in programs] + [NO_PATHWAY]
    rows = []
    for k, name in enumerate(names):
        credited = helped[k] if k < k_programs else ~helped.any(axis=0)
        needed = necessary[k] if k < k_programs else ~any_necessary
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
