"""Village infrastructure (基础设施): roads, water, power and broadband for poor villages.

Acts on villages, not households: an upgraded village gets better infrastructure,
less remoteness (roads) and a higher growth of what its households earn (not of their
transfers: pensions, remittances and the state's are set elsewhere). Seed 004:
at least 2 million yuan per poor village in Jiangjin; seed 000: 12,400
infrastructure projects in Chongzuo since 2011.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import InfrastructureConfig, ProgramConfig
from povsim.sim.income import base_flows
from povsim.sim.programs.base import Index, Mask, Money, VillageProgram
from povsim.sim.villages import add_earned_growth

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["Infrastructure", "InfrastructureConfig"]


class Infrastructure(VillageProgram):
    """Upgrade villages, least infrastructure first, while the budget lasts.

    Attributes:
        improved_year: the year each village was upgraded (0 never).
        year_now: the year the program last acted: the year-end attribution's
            :meth:`contribution` counts the added growth's years to it.
    """

    Config: ClassVar = InfrastructureConfig

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.improved_year = np.zeros(model.villages.n, dtype=np.int64)
        self.year_now = 0

    def begin_year(self, year: int) -> None:
        self.year_now = year
        super().begin_year(year)

    def candidates(self, year: int) -> Mask:
        candidates = super().candidates(year)
        if self.config.poor_villages_only:
            candidates &= self.context.villages.poor_village
        return candidates

    def priority_key(self, idx: Index) -> Money:
        return self.context.villages.infrastructure[idx]

    def contribution(self) -> Money:
        """What the added growth has added to earned income since the upgrade."""
        h, v = self.context.households, self.context.villages
        village = h.village
        years = np.where(self.improved, self.year_now - self.improved_year + 1, 0)[village]
        # The earned share of income at today's levels (transfers do not follow what a team
        # or infrastructure added).
        flows = base_flows(h, v)
        total = flows.total()
        share = (total - flows.transfers) / np.maximum(total, 1e-9)
        added = 1.0 - np.exp(-self.config.growth_gain * years)
        return np.maximum(h.income, 0.0) * share * added

    def upgrade(self, idx: Index, year: int) -> None:
        self.improved_year[idx] = year
        v, c = self.context.villages, self.config
        v.infrastructure[idx] = np.minimum(v.infrastructure[idx] + c.infrastructure_gain, 1.0)
        v.remoteness[idx] = np.maximum(v.remoteness[idx] - c.remoteness_cut, 0.0)
        add_earned_growth(v, idx, c.growth_gain)
