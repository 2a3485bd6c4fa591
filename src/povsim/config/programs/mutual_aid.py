"""Settings of village mutual-aid funds (扶贫互助资金).

What the program does, with its sources: :mod:`povsim.sim.programs.mutual_aid`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import ProgramConfig

__all__ = ["MutualAidConfig"]


class MutualAidConfig(ProgramConfig):
    # unit_cost only ordered the queue under priority = "cost": the budget never paid it.
    fixed: ClassVar = {
        "unit_cost": "the budget pays each fund's seed capital (fund) and the loans revolve, "
        "so a loan costs it nothing"
    }

    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    fund: float = setting(
        236000.0, "seed capital of one village's fund", "yuan/village", ge=0.0, le=1e8
    )
    loan: float = setting(5000.0, "loan per household", "yuan", ge=0.0, le=1e6)
    return_rate: float = setting(
        0.12, "net yearly return of the funded activity on the loan", "1/year", ge=0.0, le=1.0
    )
    failure: Probability = setting(
        0.08, "chance a loan's activity fails and the loan is lost to the fund", "1/year"
    )
    poor_villages_only: bool = setting(True, "funds only in designated poor villages")
    unit_cost: float = setting(
        0.0,
        "none: the budget pays the funds' seed capital (fund) and the loans revolve (a cost "
        "of a loan is refused)",
        "yuan",
        ge=0.0,
    )
    duration_years: int = setting(1, "loan term", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after the loan ends", "1/year")
