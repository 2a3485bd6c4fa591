"""Settings of education support (教育扶贫).

What the program does, with its sources: :mod:`povsim.sim.programs.education`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostTiming, ProgramConfig, unshaped

__all__ = ["EducationConfig"]


class EducationConfig(ProgramConfig):
    fixed: ClassVar = unshaped(
        "the allowance is paid in full each year a pupil is at school; what comes later is "
        "the graduates' wages"
    )

    allowance: float = setting(1000.0, "allowance per pupil", "yuan/pupil/year", ge=0.0)
    graduate_wage: float = setting(
        20000.0,
        "yearly wage of a pupil who finished school with support, above what the household's "
        "own workers earn",
        "yuan/year",
        ge=0.0,
    )
    leaves_home: Probability = setting(
        0.6, "chance a supported school leaver works away from home (a migrant worker)", "share"
    )
    remittance_share: Probability = setting(
        0.3, "share of the wage a worker away from home sends back", "share"
    )
    unit_cost: float = setting(1500.0, "cost per pupil-year with administration", "yuan", ge=0.0)
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid at enrolment or every year")
    duration_years: int = setting(3, "years of support", "years", ge=1)
