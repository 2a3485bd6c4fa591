"""Village infrastructure (基础设施): roads, water, power and broadband for poor villages.

Acts on villages, not households: an upgraded village gets better infrastructure,
less remoteness (roads) and a higher growth trend for all its households. Seed 004:
at least 2 million yuan per poor village in Jiangjin; seed 000: 12,400
infrastructure projects in Chongzuo since 2011.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.config.fields import Probability, setting
from povsim.config.program import ProgramConfig
from povsim.sim.programs.base import Index, Mask, Money, VillageProgram

__all__ = ["Infrastructure", "InfrastructureConfig"]


class InfrastructureConfig(ProgramConfig):
    unit_cost: float = setting(2_000_000.0, "cost of upgrading one village", "yuan", ge=0.0)
    poor_villages_only: bool = setting(True, "only designated poor villages")
    infrastructure_gain: Probability = setting(0.3, "rise in the infrastructure index", "index")
    remoteness_cut: Probability = setting(0.15, "fall in remoteness (new roads)", "index")
    growth_gain: float = setting(
        0.01, "growth added to the village trend", "1/year", ge=0.0, le=0.5
    )


class Infrastructure(VillageProgram):
    """Upgrade villages, least infrastructure first, while the budget lasts."""

    Config: ClassVar = InfrastructureConfig

    def candidates(self, year: int) -> Mask:
        candidates = super().candidates(year)
        if self.config.poor_villages_only:
            candidates &= self.context.villages.poor_village
        return candidates

    def priority_key(self, idx: Index) -> Money:
        return self.context.villages.infrastructure[idx]

    def upgrade(self, idx: Index, year: int) -> None:
        v, c = self.context.villages, self.config
        v.infrastructure[idx] = np.minimum(v.infrastructure[idx] + c.infrastructure_gain, 1.0)
        v.remoteness[idx] = np.maximum(v.remoteness[idx] - c.remoteness_cut, 0.0)
        v.growth[idx] += c.growth_gain
