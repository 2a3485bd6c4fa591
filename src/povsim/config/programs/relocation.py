"""Settings of relocation (易地扶贫搬迁).

What the program does, with its sources: :mod:`povsim.sim.programs.relocation`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostBasis, ProgramConfig, unshaped

__all__ = ["RelocationConfig"]


class RelocationConfig(ProgramConfig):
    fixed: ClassVar = unshaped(
        "a move changes the household's wage and farm bases at once, and its new house stays"
    )

    min_remoteness: Probability = setting(0.6, "village remoteness at least this", "index")
    fragile_villages: bool = setting(True, "also admit households of fragile villages")
    cost_basis: CostBasis = setting("person", "unit_cost is per household or per person")
    unit_cost: float = setting(60000.0, "cost of moving and new housing", "yuan", ge=0.0)
    farm_kept: Probability = setting(
        0.5, "share of farm income kept after moving away from the land", "share"
    )
    transition_loss: float = setting(
        1000.0, "income lost in the year of the move", "yuan/person", ge=0.0
    )
    duration_years: int = setting(1, "years of support", "years", ge=1)
