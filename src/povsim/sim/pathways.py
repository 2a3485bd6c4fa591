"""Exit pathways: which support programs an exit is credited to (``pathways.parquet``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    exit_income: float | NDArray[np.float64],
    *,
    line: float | None = None,
    floored_by: Mapping[str, NDArray[np.bool_]] | None = None,
) -> list[dict[str, Any]]:
    """Credit each exit to the programs that helped it and to those it needed.

    * **helped** (``exited_*``): the program raised the household's income or secured a
      guarantee this year; several programs may share one exit.
    * **necessary** (``necessary_*``): without the program's contribution — its income
      (:meth:`~povsim.sim.programs.base.Program.contribution`) or a guarantee that holds
      only because of it (:attr:`~povsim.sim.programs.base.Program.made`) — the household
      would not have passed the exit test this year (every guarantee met, and income at
      least ``exit_income``, or held at the line by the floor). Counterfactual, one program
      at a time; several may be necessary. Without the floor that held it, an exit through
      the floor (兜底脱贫) needs the exit income like any other; without another program,
      the floor tops the larger gap up where it could (an entitlement, or money left:
      :meth:`~povsim.sim.programs.base.Program.tops_up`), so that program was not needed
      for the income, and where it could not, the household still had to stand at the
      line.
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
        exit_income: the income an exit by the household's own income needs, yuan per
            person per year (:meth:`~povsim.config.Scenario.exit_income`): one figure, or
            one per household, shape (n,).
        line: the year's poverty line, yuan per person per year, where the floor holds
            its households; needed with ``floored_by``.
        floored_by: who each program that holds households at the line held there this
            year, by its name (:func:`povsim.sim.exits.exits`); None: no one.

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
    needed_income = np.broadcast_to(np.asarray(exit_income, dtype=np.float64), (h.n,))[idx]
    held = {name: mask[idx] for name, mask in (floored_by or {}).items()}
    if held and line is None:
        raise ValueError("pathway_rows: floored_by needs the line the floor holds at")
    at_line = np.inf if line is None else line  # no one is held without one
    tops_up = {p.name: p.tops_up(year) for p in programs if p.name in held}
    for k, program in enumerate(programs):
        contribution = program.contribution()[idx]
        helped[k] = program.helped()[idx]
        without = income - contribution
        passes = without >= needed_income
        for name, mask in held.items():
            if name != program.name:  # the floor that held it stays, and holds it still
                passes |= mask & (tops_up[name] | (without >= at_line))
        necessary[k] = helped[k] & (~passes | program.made[idx])
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
