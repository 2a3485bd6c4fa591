"""Settings of health support (健康扶贫, 医疗救助).

What the program does, with its sources: :mod:`povsim.sim.programs.health`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostBasis, CostTiming, Priority, ProgramConfig, unshaped

__all__ = ["HealthConfig"]


class HealthConfig(ProgramConfig):
    fixed: ClassVar = unshaped(
        "health support adds no income to shape: it covers illness while enrolled"
    )

    extra_reimbursement: Probability = setting(
        0.35, "extra share of an illness's cost reimbursed", "share"
    )
    income_protection: Probability = setting(
        0.3, "share of the income lost while ill that support avoids", "share"
    )
    priority: Priority = setting("hardship", "who is enrolled first when money runs short")
    unit_cost: float = setting(300.0, "premium subsidy and assistance", "yuan", ge=0.0)
    cost_basis: CostBasis = setting("person", "unit_cost is per household or per person")
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid at enrolment or every year")
    duration_years: int = setting(5, "years of support", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
