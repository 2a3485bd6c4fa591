"""Education support (教育扶贫): fee waivers, living allowances, free lunches.

For households with children in school. Now: an allowance for each pupil the household
has at school that year (a transfer), as long as it has one, and the schooling guarantee
secured. Later, only when a supported pupil leaves school
(the household's school clock, ``population.school_years``): the school leaver works,
at home, adding a wage, or away as a migrant worker, sending part of it back — the
long-run return that blocks the inter-generational transfer of poverty (domain.md).
Seed 004: education was the pathway of 1,040 exited households in
Jiangjin in 2015; nationally 8.07 million households had student aid by 2020.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import EducationConfig, ProgramConfig
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["Education", "EducationConfig"]


class Education(SupportProgram):
    """Allowances and the schooling guarantee now; a graduate's wage later."""

    Config: ClassVar = EducationConfig
    channel: ClassVar = "transfer"
    secures: ClassVar = ("schooling",)

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.graduates = np.zeros(model.households.n, dtype=np.int16)
        self.graduate_base: Money = np.zeros(model.households.n)
        # What the school leavers away send home at a whole year's wages: ``remitted`` is
        # its copy, which a first year's part reach scales.
        self.sent_home: Money = np.zeros(model.households.n)

    @property
    def graduated(self) -> Mask:
        return self.graduates > 0

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.context.households.pupils > 0)

    def _per_unit(self, idx: Index) -> Money:
        return self.config.unit_cost * self.context.households.pupils[idx].astype(np.float64)

    def _support_over(self, year: int) -> Mask:
        # Support is for a household with pupils (:meth:`eligible`): once its last pupil has
        # left school there is no allowance to pay, nor schooling to secure.
        pupils = self.context.households.pupils
        return super()._support_over(year) | (self.enrolled & (pupils == 0))

    def advance(self, year: int) -> None:
        """Pupils who left school last year while supported start work, at home or away.

        One at home joins the household's workers: the wage is in its wage base, earned
        at home, and an illness of the household cuts it. One away earns the labour
        market's wage where they work and sends ``remittance_share`` of it home
        (:attr:`remitted`): neither an illness at home, nor the household's own level or
        its village's remoteness, touches it, and it grows with the county's wages
        (``income.growth`` plus ``income.wage_premium``)."""
        h, c = self.context.households, self.config
        growth = self.context.scenario.income.growth + self.context.scenario.income.wage_premium
        self.sent_home *= np.exp(growth)
        leaving = (self.since > 0) & (self.since < year) & (h.left_school_year == year - 1)
        away = self.draws("leaves_home") < c.leaves_home
        wage = c.graduate_wage / np.maximum(h.size, 1)
        self.graduates[leaving] += 1
        home = np.flatnonzero(leaving & ~away)
        # A school leaver earns the labour market's wage, not the household's: the base is
        # scaled by the household's and village's levels and the wage trend in the income
        # step, so it is added net of them (the wage then grows with the trend from here).
        base = wage[home] / self._wage_scale(home)
        self.graduate_base[home] += base
        h.wage_base[home] += base
        gone = leaving & away
        self.sent_home[gone] += c.remittance_share * wage[gone]
        self.remitted = self.sent_home.copy()

    def _wage_scale(self, idx: Index) -> Money:
        """What the income step multiplies a household's wage base by, but for its noise."""
        h, v = self.context.households, self.context.villages
        village = h.village[idx]
        return np.exp(h.level[idx] + v.level[village] + v.wage_trend[village])

    def effect(self, year: int) -> Money:
        """The allowance for the pupils the household has at school this year, as its cost
        (:meth:`_per_unit`) counts them: a pupil who starts school while the household is
        supported is paid for, one who has left is not. It is paid from the first year and
        in full while enrolled (the registration year's months aside), so ``lag_years``,
        ``ramp_years`` and ``decay`` (the base :meth:`timing`) do not shape it: what comes
        later is the graduates' wages."""
        h = self.context.households
        per_person = self.config.allowance * h.pupils / np.maximum(h.size, 1)
        return np.where(self.enrolled, per_person, 0.0)

    def contribution(self) -> Money:
        """Allowances now, and later the school leavers' wages at home and what those away
        send home, as they have grown since."""
        everyone = np.arange(self.context.households.n)
        at_home = self.graduate_base * self._wage_scale(everyone)
        return np.maximum(self.income, 0.0) + at_home + self.remitted

    def helped(self) -> Mask:
        return self.enrolled | self.graduated
