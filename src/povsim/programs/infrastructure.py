"""Village infrastructure (基础设施): roads, water, power and broadband for poor villages.

Acts on villages, not households: an upgraded village gets better infrastructure,
less remoteness (roads) and a higher growth trend for all its households. Seed 004:
at least 2 million yuan per poor village in Jiangjin; seed 000: 12,400
infrastructure projects in Chongzuo since 2011.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.programs.base import ProgramConfig, SupportProgram
from povsim.settings import Probability, setting

__all__ = ["Infrastructure", "InfrastructureConfig"]


class InfrastructureConfig(ProgramConfig):
    unit_cost: float = setting(2_000_000.0, "cost of upgrading one village", "yuan", ge=0.0)
    poor_villages_only: bool = setting(True, "only designated poor villages")
    infrastructure_gain: Probability = setting(0.3, "rise in the infrastructure index", "index")
    remoteness_cut: Probability = setting(0.15, "fall in remoteness (new roads)", "index")
    growth_gain: float = setting(
        0.01, "growth added to the village trend", "1/year", ge=0.0, le=0.5
    )


class Infrastructure(SupportProgram):
    """Upgrade villages, least infrastructure first, while the budget lasts."""

    Config: ClassVar = InfrastructureConfig
    unit: ClassVar = "village"

    def __init__(self, model, name, config):
        super().__init__(model, name, config)
        self.improved = np.zeros(model.villages.n, dtype=bool)

    def begin_year(self, year: int) -> None:
        v, c = self.model.villages, self.config
        budget = self.budget(year) if self.active(year) else 0.0
        candidates = ~self.improved & ~v.resettlement
        if c.poor_villages_only:
            candidates &= v.poor_village
        idx = np.flatnonzero(candidates)
        # A sample village stands for ``weight`` real ones and costs that many upgrades.
        costs = c.unit_cost * v.weight[idx]
        new = idx[self._fit(idx, costs, v.infrastructure[idx], budget)] if idx.size else idx
        self.improved[new] = True
        v.infrastructure[new] = np.minimum(v.infrastructure[new] + c.infrastructure_gain, 1.0)
        v.remoteness[new] = np.maximum(v.remoteness[new] - c.remoteness_cut, 0.0)
        v.growth[new] += c.growth_gain
        spent = float(c.unit_cost * v.weight[new].sum())
        self.income = np.zeros(self.model.households.n)
        waiting = np.setdiff1d(idx, new)
        self.record(
            year,
            budget,
            spent,
            v.weight[self.improved].sum(),
            v.weight[new].sum(),
            v.weight[waiting].sum(),
        )

    def helped(self) -> np.ndarray:
        return self.improved[self.model.households.village]
