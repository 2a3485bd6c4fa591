"""Dangerous-house renovation (危房改造): secures the safe-housing guarantee.

For registered households in grade C or D houses (once guaranteed, every household on the
register's books in one). Seed 004 (Jiangjin): a subsidy
of 15,000 yuan for a C-grade house and 35,000 for a D-grade one; 330 dangerous
houses renovated in 2015.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import HousingConfig
from povsim.config.vocabulary import SAFE_HOUSING_GRADES
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.guarantees import Background
    from povsim.sim.households import HouseholdState

__all__ = ["Housing", "HousingConfig"]


class Housing(SupportProgram):
    """Renovate dangerous houses, paying by grade."""

    Config: ClassVar = HousingConfig
    secures: ClassVar = ("housing",)
    # The house stays renovated once the work is done.
    outlasts_support: ClassVar = True

    def eligible(self, year: int) -> Mask:
        h = self.context.households
        return super().eligible(year) & (h.housing_grade >= SAFE_HOUSING_GRADES)

    def _per_unit(self, idx: Index) -> Money:
        grade = self.context.households.housing_grade[idx]
        return np.where(grade >= 3, self.config.cost_grade_d, self.config.cost_grade_c)

    def on_enrol(self, idx: Index, year: int) -> None:
        self.context.households.housing_grade[idx] = 0

    def secure(self, h: HouseholdState, background: Background | None = None) -> None:
        """Renovation is done at enrolment; without it the house would still be dangerous."""
        self.made = self.since > 0

    def helped(self) -> Mask:
        return self.since > 0
