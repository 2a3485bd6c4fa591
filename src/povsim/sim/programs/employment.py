"""Employment transfer (转移就业): skills training (雨露计划) and job placement.

Households with working-age labour willing to move for work. Training is paid
for every trainee; only a share are placed. A placed worker adds a wage, shared
over the household's members, grows with migrant wages and lasts until the worker
loses the job (a yearly chance), beyond the training's support period. The worker has
moved for the job: the household's wages at home lose that worker, and an illness at home
does not cut the wage away (as for ``work_away``). Seed 002 (Shandan):
15,000 trained over the campaign and 4,300 poor labourers sent out to work a year; no stored
source gives the share of trainees placed (``placement_rate`` is an assumption).
Seed 004: employment transfer was the pathway of 1,549 exited households in 2015.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import EmploymentConfig, ProgramConfig
from povsim.sim.programs.base import Index, Mask, Money, SupportProgram

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["Employment", "EmploymentConfig"]


class Employment(SupportProgram):
    """Training for every trainee; a job, and its wage, for the households whose worker is placed.

    A job outlives the training that found it: it ends only when the worker loses it
    (``job_loss`` a year), not when the program's support period ends, and its wage
    follows migrant wages (``wage_growth``). A household holding a job is not trained again.

    Attributes:
        employed: households holding a job this program placed a worker in.
    """

    Config: ClassVar = EmploymentConfig
    channel: ClassVar = "wage"
    earned_away: ClassVar = True
    # A job outlives the training that found it; its loss is recorded as it comes.
    outlasts_support: ClassVar = True

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.employed: Mask = np.zeros(model.households.n, dtype=bool)

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & ~self.employed

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        placed = idx[self.draws("placement")[idx] < self.config.placement_rate]
        self.employed[placed] = True
        # The wage at the scenario's first-year level; effect() moves it on.
        self.magnitude[placed] = self.config.wage / h.size[placed]

    def begin_year(self, year: int) -> None:
        draws = self.draws("job_loss")
        lost = self.employed & (draws < self.config.job_loss)
        self.employed &= ~lost
        self.magnitude[lost] = 0.0
        self.end_support(self.enrolled & lost, year)
        # A job lost after the training ended is support ended too (relapse causes).
        self.context.households.support_ended[lost] = year - 1
        super().begin_year(year)
        # The placed worker lives where the job is: the household's wages at home lose that
        # worker, or the worker would earn twice, at home and away. Placements are new, none
        # of them in the incomes drawn, so each leaves home's work.
        self.labour_away = self.employed.astype(np.int64)
        self.labour_left = self.employed.astype(np.float64)

    def effect(self, year: int) -> Money:
        """The wage of each job held, shared over the household, at this year's wage level."""
        years = year - self.context.scenario.start_year
        level = (1.0 + self.config.wage_growth) ** years
        return np.where(self.employed, self.magnitude * level * self.timing(year), 0.0)
