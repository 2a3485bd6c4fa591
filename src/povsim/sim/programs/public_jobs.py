"""Public-welfare jobs (公益岗位) and ecological forest rangers (生态护林员).

Village posts — cleaners, road and water keepers, guards, forest rangers — paid from
poverty funds to registered households whose labour is weak or partial: the jobs a
household without a full worker can take, held by an older or partly able member. The
post pays a wage for as long as it is held, lost in part while its holder is ill.
Nationally 4.10 m households held public-welfare posts and 1.1 m registered poor were
hired as ecological rangers by 2020 (domain.md, "Program reach by 2020"). Rangers are the
same kind with their own table (a higher pay, forest villages).
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.programs import PublicJobsConfig
from povsim.sim.programs.base import Index, Mask, SupportProgram

__all__ = ["PublicJobs", "PublicJobsConfig"]


class PublicJobs(SupportProgram):
    """A village post's wage for a household with weak or part labour."""

    Config: ClassVar = PublicJobsConfig
    channel: ClassVar = "wage"

    def eligible(self, year: int) -> Mask:
        # Someone must be able to hold the post: a worker, or an older member who can
        # do light work (posts went above all to the over-sixties of poor households).
        h = self.context.households
        return super().eligible(year) & ((h.labour > 0) | (h.elderly > 0))

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        self.magnitude[idx] = self.config.wage / h.size[idx]
