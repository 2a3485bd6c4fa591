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
    "primary_households",
    "primary_people",
    "primary_share",
)


def pathway_rows(
    h: HouseholdState, programs: Sequence[Program], exited: NDArray[np.bool_], year: int
) -> list[dict[str, Any]]:
    """Credit each exit to every program that helped it, and to one primary pathway.

    The primary pathway is the helping program with the largest income effect
    (ties and guarantee-only help go to the program listed first in the scenario),
    or ``none`` when no program helped.
    """
    idx = np.flatnonzero(exited)
    weight, persons = h.weight[idx], h.persons[idx]
    total = weight.sum()
    n_programs = len(programs)
    helped = np.zeros((n_programs, idx.size), dtype=bool)
    score = np.full((n_programs, idx.size), -np.inf)
    for k, program in enumerate(programs):
        helped[k] = program.helped()[idx]
        bonus = (n_programs - k) * 1e-9  # earlier in the scenario wins ties
        score[k] = np.where(helped[k], np.maximum(program.income[idx], 0.0) + bonus, -np.inf)
    primary = np.full(idx.size, n_programs)
    if n_programs:
        primary = np.where(helped.any(axis=0), score.argmax(axis=0), n_programs)
    names = [p.name for p in programs] + [NO_PATHWAY]
    rows = []
    for k, name in enumerate(names):
        credited = helped[k] if k < n_programs else ~helped.any(axis=0)
        first = primary == k
        rows.append(
            {
                "year": year,
                "program": name,
                "exited_households": float(weight[credited].sum()),
                "exited_people": float(persons[credited].sum()),
                "primary_households": float(weight[first].sum()),
                "primary_people": float(persons[first].sum()),
                "primary_share": float(weight[first].sum() / total) if total else 0.0,
            }
        )
    return rows
