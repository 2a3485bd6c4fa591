"""Settings of public-welfare jobs (公益岗位) and ecological forest rangers (生态护林员).

What the program does, with its sources: :mod:`povsim.sim.programs.public_jobs`.
"""

from __future__ import annotations

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostTiming, ProgramConfig, StatusName

__all__ = ["PublicJobsConfig"]


class PublicJobsConfig(ProgramConfig):
    max_labour: int | None = setting(
        1, "most full workers a household may have (the posts are for weak labour)", "people", ge=0
    )
    wage: float = setting(6000.0, "yearly pay of one post", "yuan/post/year", ge=0.0, le=1e6)
    unit_cost: float = setting(6000.0, "cost of one post a year (the wage)", "yuan", ge=0.0)
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid every year of support")
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    duration_years: int = setting(3, "years a post is held", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after the post ends", "1/year")
