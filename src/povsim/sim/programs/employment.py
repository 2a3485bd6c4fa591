"""Employment transfer (转移就业): skills training (雨露计划) and job placement.

Households with working-age labour willing to move for work. Training is paid
for every trainee; only a share are placed. A placed worker adds a wage, shared
over the household's members, and may lose the job each year. Seed 002 (Shandan):
15,000 trained and 4,300 placed a year, so about 29% of trainees are placed.
Seed 004: employment transfer was the pathway of 1,549 exited households in 2015.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.config.program import EmploymentConfig
from povsim.sim.programs.base import Index, SupportProgram

__all__ = ["Employment", "EmploymentConfig"]


class Employment(SupportProgram):
    """Training for every trainee; a wage for the households whose worker is placed."""

    Config: ClassVar = EmploymentConfig
    channel: ClassVar = "wage"

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        placed = self.context.rng.random(idx.size) < self.config.placement_rate
        self.magnitude[idx] = np.where(placed, self.config.wage / h.size[idx], 0.0)

    def begin_year(self, year: int) -> None:
        draws = self.context.rng.random(self.enrolled.size)
        self.end_support(self.enrolled & (draws < self.config.job_loss), year)
        super().begin_year(year)
