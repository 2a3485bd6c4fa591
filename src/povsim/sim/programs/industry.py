"""Industry support (产业扶贫): cooperatives, specialty crops, livestock, equity in firms.

For households with labour that stay on the land. The gain is farm and business
income, so it moves with farm prices and is hit by disasters and illness like the
household's own farming. Seed 004 (Jiangjin): cooperative members gain at least
3,000 yuan per person a year; industry was the pathway of 4,246 of 7,354 exited
households in 2015. Nationally industry support reached 98.9% of registered
households by 2020 (domain.md).
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import setting
from povsim.config.program import ProgramConfig
from povsim.sim.programs.base import Index, Mask, SupportProgram

__all__ = ["Industry", "IndustryConfig"]


class IndustryConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    min_land: float = setting(0.1, "farmland a household needs", "mu/person", ge=0.0)
    gain: float = setting(
        3000.0, "farm and business income gained at full effect", "yuan/person/year", ge=0.0
    )
    unit_cost: float = setting(10000.0, "cost of support", "yuan", ge=0.0)
    ramp_years: int = setting(2, "years from first effect to full effect", "years", ge=1)
    decay: float = setting(
        0.2, "share of the effect lost each year after support ends", "1/year", ge=0.0, le=1.0
    )


class Industry(SupportProgram):
    """Industry support: a farm-income gain for households with labour and land."""

    Config: ClassVar = IndustryConfig
    channel: ClassVar = "farm"

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.context.households.land >= self.config.min_land)

    def on_enrol(self, idx: Index, year: int) -> None:
        self.magnitude[idx] = self.config.gain
