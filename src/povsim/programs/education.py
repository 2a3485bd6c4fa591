"""Education support (教育扶贫): fee waivers, living allowances, free lunches.

For households with children in school. Now: an allowance per pupil (a transfer)
and the schooling guarantee secured. Later: after ``lag_years`` a pupil finishes
school and becomes a worker whose wage raises household income for good — the
long-run return that blocks the inter-generational transfer of poverty
(domain.md). Seed 004: education was the pathway of 1,040 exited households in
Jiangjin in 2015; nationally 8.07 million households had student aid by 2020.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.programs.base import CostTiming, ProgramConfig, SupportProgram
from povsim.settings import setting

__all__ = ["Education", "EducationConfig"]


class EducationConfig(ProgramConfig):
    allowance: float = setting(1000.0, "allowance per pupil", "yuan/pupil/year", ge=0.0)
    graduate_wage: float = setting(
        20000.0, "yearly wage of a pupil who finishes school with support", "yuan/year", ge=0.0
    )
    lag_years: int = setting(3, "years until a supported pupil finishes and works", "years", ge=0)
    unit_cost: float = setting(1500.0, "cost per pupil-year with administration", "yuan", ge=0.0)
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid at enrolment or every year")
    duration_years: int = setting(3, "years of support", "years", ge=1)


class Education(SupportProgram):
    """Allowances and the schooling guarantee now; a graduate's wage later."""

    Config: ClassVar = EducationConfig
    channel: ClassVar = "transfer"
    secures: ClassVar = ("schooling",)

    def __init__(self, model, name, config):
        super().__init__(model, name, config)
        self.graduated = np.zeros(model.households.n, dtype=bool)

    def eligible(self, year: int) -> np.ndarray:
        return super().eligible(year) & (self.model.households.pupils > 0)

    def _per_unit(self, idx: np.ndarray) -> np.ndarray:
        return self.config.unit_cost * self.model.households.pupils[idx].astype(np.float64)

    def on_enrol(self, idx: np.ndarray, year: int) -> None:
        h = self.model.households
        self.magnitude[idx] = self.config.allowance * h.pupils[idx] / h.size[idx]

    def effect(self, year: int) -> np.ndarray:
        h = self.model.households
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
        return np.where(self.enrolled, self.magnitude, 0.0)

    def helped(self) -> np.ndarray:
        return self.enrolled | self.graduated
