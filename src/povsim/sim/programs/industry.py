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

from povsim.config.programs import IndustryConfig
from povsim.sim.programs.base import Index, Mask, SupportProgram

__all__ = ["Industry", "IndustryConfig"]


class Industry(SupportProgram):
    """Industry support: a farm-income gain for households with labour and land."""

    Config: ClassVar = IndustryConfig
    channel: ClassVar = "farm"
    # The activity goes on after support, worn away by ``decay``.
    outlasts_support: ClassVar = True

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.context.households.land >= self.config.min_land)

    def on_enrol(self, idx: Index, year: int) -> None:
        self.magnitude[idx] = self.config.gain
