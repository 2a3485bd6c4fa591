"""Education support (教育扶贫): fee waivers, living allowances, free lunches.

For households with children in school. Now: an allowance per pupil (a transfer)
and the schooling guarantee secured. Later: after ``lag_years`` a pupil finishes
school and becomes a worker whose wage raises household income for good — the
long-run return that blocks the inter-generational transfer of poverty
(domain.md). Seed 004: education was the pathway of 1,040 exited households in
Jiangjin in 2015; nationally 8.07 million households had student aid by 2020.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.program import EducationConfig, ProgramConfig
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.model import PovertyModel

__all__ = ["Education", "EducationConfig"]


class Education(SupportProgram):
    """Allowances and the schooling guarantee now; a graduate's wage later."""

    Config: ClassVar = EducationConfig
    channel: ClassVar = "transfer"
    secures: ClassVar = ("schooling",)

    def __init__(self, model: PovertyModel, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.graduated = np.zeros(model.households.n, dtype=bool)

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.context.households.pupils > 0)

    def _per_unit(self, idx: Index) -> Money:
        return self.config.unit_cost * self.context.households.pupils[idx].astype(np.float64)

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        self.magnitude[idx] = self.config.allowance * h.pupils[idx] / h.size[idx]

    def advance(self, year: int) -> None:
        """Supported pupils who have had ``lag_years`` of support finish and start work."""
        h = self.context.households
        finishing = np.flatnonzero(
            (self.since > 0)
            & ~self.graduated
            & (year - self.since.astype(np.int64) >= self.config.lag_years)
            & (h.pupils > 0)
        )
        if finishing.size:
            self.graduated[finishing] = True
            h.pupils[finishing] -= 1
            h.labour[finishing] += 1
            h.wage_base[finishing] += self.config.graduate_wage / h.size[finishing]

    def effect(self, year: int) -> Money:
        return np.where(self.enrolled, self.magnitude, 0.0)

    def contribution(self) -> Money:
        """Allowances now, and a graduate's wage share later."""
        h = self.context.households
        wage = np.where(self.graduated, self.config.graduate_wage / np.maximum(h.size, 1), 0.0)
        return np.maximum(self.income, 0.0) + wage

    def helped(self) -> Mask:
        return self.enrolled | self.graduated
