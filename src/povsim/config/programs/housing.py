"""Settings of dangerous-house renovation (危房改造).

What the program does, with its sources: :mod:`povsim.sim.programs.housing`.
"""

from __future__ import annotations

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import ProgramConfig

__all__ = ["HousingConfig"]


class HousingConfig(ProgramConfig):
    cost_grade_c: float = setting(15000.0, "renovation of a grade C house", "yuan", ge=0.0)
    cost_grade_d: float = setting(35000.0, "renovation of a grade D house", "yuan", ge=0.0)
    take_up: Probability = setting(0.9, "chance an eligible household takes it up", "share")
    duration_years: int = setting(1, "years of support", "years", ge=1)
