"""Settings of consumption support (消费扶贫).

What the program does, with its sources: :mod:`povsim.sim.programs.consumption`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostTiming, ProgramConfig

__all__ = ["ConsumptionConfig"]


class ConsumptionConfig(ProgramConfig):
    fixed: ClassVar = {"cost_timing": "the buyers pay the premium every year they buy"}

    seller: str = setting(
        "industry", "the industry program whose enrolled households sell to the buyers"
    )
    price_premium: float = setting(
        0.15, "rise in what the buyers pay over the market price", "share", ge=0.0, le=2.0
    )
    cost_timing: CostTiming = setting(
        "yearly", "the premium is paid every year of support (another timing is refused)"
    )
    duration_years: int = setting(3, "years of support", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after support ends", "1/year")

    def references(self) -> dict[str, str]:
        return {"seller": self.seller}
