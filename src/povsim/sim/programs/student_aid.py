"""Student aid (学生资助) for every registered pupil, apart from the schooling guarantee.

The aid reached every registered household with a child in school: "实现家庭经济困难学生资助
全覆盖", starting with the registered (the 2015 plenum's proposal; the education plan of 2016,
教发〔2016〕18号), which the census of the 832 counties found in 8.071 m of its 14.822 m
registered households (54.5%) since registration (docs/register-sources.md section 55). It was
paid from the education budgets, not the poverty funds, and most of it predates the
campaign: free tuition and textbooks for every rural pupil (2006-2007) and the living
allowance of poor boarders (1,000 yuan a year in primary school, 1,250 in junior secondary,
since 2011) are in the incomes the model draws for 2013. What the campaign added to a pupil's
cash is ``allowance``, by year (from autumn 2019 registered non-boarders get half a boarder's
allowance).

Aid is not the schooling guarantee (义务教育有保障): registered pupils still dropped out until
the drive of 2019-2020 (控辍保学), which education support (:mod:`.education`) holds up.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.config.fields import in_force
from povsim.config.programs import StudentAidConfig
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

__all__ = ["StudentAid", "StudentAidConfig"]


class StudentAid(SupportProgram):
    """Aid for each pupil of a household on the register, as long as it has one."""

    Config: ClassVar = StudentAidConfig
    channel: ClassVar = "transfer"

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.context.households.pupils > 0)

    def _per_pupil(self, year: int) -> float:
        return in_force(self.config.allowance, year)

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        # The ledger counts what the campaign added, as the income does.
        return self._per_pupil(year) * self.context.households.pupils[idx].astype(np.float64)

    def continuing_cost(self, idx: Index, year: int) -> Money:
        return self.enrolment_cost(idx, year)

    def _support_over(self, year: int) -> Mask:
        # A household whose last pupil has left school has no one to aid; a child who
        # starts school later brings it back.
        pupils = self.context.households.pupils
        return super()._support_over(year) | (self.enrolled & (pupils == 0))

    def effect(self, year: int) -> Money:
        h = self.context.households
        per_person = self._per_pupil(year) * h.pupils / np.maximum(h.size, 1)
        return np.where(self.enrolled, per_person, 0.0)
