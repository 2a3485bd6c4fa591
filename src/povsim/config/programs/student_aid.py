"""Settings of student aid (学生资助) for every registered pupil.

What the program does, with its sources: :mod:`povsim.sim.programs.student_aid`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from povsim.config.fields import Probability, Year, setting
from povsim.config.programs.base import CostTiming, ProgramConfig, StatusName, unshaped

__all__ = ["StudentAidConfig"]


class StudentAidConfig(ProgramConfig):
    fixed: ClassVar = {"cost_timing": "the aid is paid every school year"} | unshaped(
        "the aid is paid in full each school year"
    )

    budget: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] | None = setting(
        {},
        "none of the poverty funds (empty): once guaranteed it is paid from the education "
        "budgets, and no share of budget.total moves it",
        "yuan/year",
    )
    allowance: dict[Year, Annotated[float, Field(ge=0.0, le=1e6)]] = setting(
        {},
        "what the campaign added to a pupil's aid, by year (a year not given takes the last "
        "given before it; none: the aid predates the campaign and is in the drawn incomes)",
        "yuan/pupil/year",
    )
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    take_up: Probability = setting(1.0, "chance an eligible household takes the aid up", "share")
    unit_cost: float = setting(
        0.0,
        "none: the ledger counts the allowance paid (a cost of its own is refused)",
        "yuan",
        ge=0.0,
        le=0.0,
    )
    cost_timing: CostTiming = setting(
        "yearly", "the aid is paid every school year (another timing is refused)"
    )
    duration_years: int = setting(
        12, "most years of aid before a household is assessed anew", "years", ge=1
    )
    once: bool = setting(False, "a household is enrolled at most once")
    support: str | None = setting("education", "census reports count it as education support")
