"""Settings of village infrastructure (基础设施).

What the program does, with its sources: :mod:`povsim.sim.programs.infrastructure`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostTiming, ProgramConfig

__all__ = ["InfrastructureConfig"]


class InfrastructureConfig(ProgramConfig):
    for_villages: ClassVar[bool] = True
    fixed: ClassVar = {"cost_timing": "a village is upgraded once and its cost paid then"}
    unit_cost: float = setting(2_000_000.0, "cost of upgrading one village", "yuan", ge=0.0)
    cost_timing: CostTiming = setting(
        "once", "unit_cost is paid as the village is upgraded (another timing is refused)"
    )
    poor_villages_only: bool = setting(True, "only designated poor villages")
    infrastructure_gain: Probability = setting(0.3, "rise in the infrastructure index", "index")
    remoteness_cut: Probability = setting(0.15, "fall in remoteness (new roads)", "index")
    growth_gain: float = setting(
        0.01,
        "growth added to what the village earns (its trend; not its transfers')",
        "1/year",
        ge=0.0,
        le=0.5,
    )
