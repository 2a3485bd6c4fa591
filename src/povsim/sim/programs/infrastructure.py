"""Village infrastructure (基础设施): roads, water, power and broadband for poor villages.

Acts on villages, not households: an upgraded village gets better infrastructure,
less remoteness (roads) and a higher growth trend for all its households. Seed 004:
at least 2 million yuan per poor village in Jiangjin; seed 000: 12,400
infrastructure projects in Chongzuo since 2011.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.config.program import InfrastructureConfig
from povsim.sim.programs.base import Index, Mask, Money, VillageProgram

__all__ = ["Infrastructure", "InfrastructureConfig"]


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

    def contribution(self) -> Money:
        """What the added growth has added to income since the upgrade."""
        h = self.context.households
        village = h.village
        years = np.where(self.improved, self.year_now - self.improved_year + 1, 0)[village]
        return np.maximum(h.income, 0.0) * (1.0 - np.exp(-self.config.growth_gain * years))

    def upgrade(self, idx: Index, year: int) -> None:
        self.improved_year[idx] = year
        v, c = self.context.villages, self.config
        v.infrastructure[idx] = np.minimum(v.infrastructure[idx] + c.infrastructure_gain, 1.0)
        v.remoteness[idx] = np.maximum(v.remoteness[idx] - c.remoteness_cut, 0.0)
        v.growth[idx] += c.growth_gain
