"""Settings of employment transfer (转移就业).

What the program does, with its sources: :mod:`povsim.sim.programs.employment`.
"""

from __future__ import annotations

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import ProgramConfig

__all__ = ["EmploymentConfig"]


class EmploymentConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    placement_rate: Probability = setting(
        0.29,
        "share of trained households with a worker placed in a job (an assumption: no stored "
        "source gives it)",
        "share",
    )
    wage: float = setting(
        24000.0,
        "yearly wage of a placed worker in the first simulated year (grows by wage_growth)",
        "yuan/worker/year",
        ge=0.0,
    )
    wage_growth: float = setting(
        0.06,
        "yearly growth of a placed worker's wage (NBS migrant-worker monitoring survey: "
        "2,864 yuan a month in 2014, 4,072 in 2020)",
        "1/year",
        ge=-0.5,
        le=0.5,
    )
    job_loss: Probability = setting(0.15, "yearly chance a placed worker loses the job", "1/year")
    unit_cost: float = setting(3000.0, "training cost", "yuan", ge=0.0)
    decay: float = setting(
        0.0,
        "share of a held job's wage lost each year after the training's support ends "
        "(0: the job goes on until the worker loses it)",
        "1/year",
        ge=0.0,
        le=1.0,
    )
