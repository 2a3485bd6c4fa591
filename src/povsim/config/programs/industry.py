"""Settings of industry support (产业扶贫).

What the program does, with its sources: :mod:`povsim.sim.programs.industry`.
"""

from __future__ import annotations

from povsim.config.fields import setting
from povsim.config.programs.base import ProgramConfig

__all__ = ["IndustryConfig"]


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
