"""Relocation (易地扶贫搬迁): moving households out of places that cannot feed them.

For households in remote or ecologically fragile villages. A relocated household
moves to the county's resettlement village (near town, good infrastructure, safe
new housing): it keeps part of its farm income (the land is now far away), gains
wage access (no remoteness penalty), and suffers a one-year transition dip.
"Move out, stay, develop, prosper" (domain.md). Seed 004: 535 people relocated
from high mountains in Jiangjin in 2015; nationally about 9.6 million people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import ProgramConfig, RelocationConfig
from povsim.config.vocabulary import SAFE_HOUSING_GRADES
from povsim.sim.income import base_flows
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.agents import County
    from povsim.sim.guarantees import Background
    from povsim.sim.households import HouseholdState

__all__ = ["Relocation", "RelocationConfig"]


class Relocation(SupportProgram):
    """Move to the resettlement village: safe house, wage access, less farm income."""

    Config: ClassVar = RelocationConfig
    channel: ClassVar = "transfer"
    secures: ClassVar = ("housing",)
    # The household stays moved, in its safe house, once the move is done.
    outlasts_support: ClassVar = True

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        resettlement = np.flatnonzero(model.villages.resettlement)
        if resettlement.size == 0:
            raise ValueError(f"program {name!r}: relocation needs a resettlement village")
        self.destination = int(resettlement[0])
        n = model.households.n
        self.gain: Money = np.zeros(n)
        self.was_dangerous: Mask = np.zeros(n, dtype=bool)

    def eligible(self, year: int) -> Mask:
        h = self.context.households
        return super().eligible(year) & (h.village != self.destination)

    def on_enrol(self, idx: Index, year: int) -> None:
        h, v = self.context.households, self.context.villages
        penalty = self.context.scenario.income.remoteness_wage_penalty
        before = 1.0 - penalty * v.remoteness[h.village[idx]]
        after = 1.0 - penalty * v.remoteness[self.destination]
        # What the move does to earned income, in today's yuan: the sources at today's
        # levels, scaled to the household's last assessed income.
        flows = base_flows(h, v)
        wages, farm = flows.wages[idx], flows.farm[idx]
        scale = np.maximum(h.income[idx], 0.0) / np.maximum(flows.total()[idx], 1e-9)
        ratio = after / np.maximum(before, 1e-9)
        self.gain[idx] = scale * ((ratio - 1.0) * wages - (1.0 - self.config.farm_kept) * farm)
        self.was_dangerous[idx] = h.housing_grade[idx] >= SAFE_HOUSING_GRADES
        h.wage_base[idx] *= ratio
        h.farm_base[idx] *= self.config.farm_kept
        h.village[idx] = self.destination
        h.housing_grade[idx] = 0
        self.magnitude[idx] = -self.config.transition_loss

    def effect(self, year: int) -> Money:
        return np.where(self.since == year, self.magnitude, 0.0)

    def secure(self, h: HouseholdState, background: Background | None = None) -> None:
        moved = self.since > 0
        h.housing_grade[moved & (h.housing_grade >= SAFE_HOUSING_GRADES)] = 0
        self.made = moved & self.was_dangerous

    def contribution(self) -> Money:
        """The move's effect on earned income (wage access less farm income left behind)."""
        return np.where(self.since > 0, self.gain, 0.0) + np.minimum(self.income, 0.0)

    def helped(self) -> Mask:
        return self.since > 0
