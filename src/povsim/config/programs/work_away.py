"""Settings of work away from home (外出务工).

What the program does, with its sources: :mod:`povsim.sim.programs.work_away`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from povsim.config.fields import Probability, Year, setting
from povsim.config.programs.base import CostTiming, ProgramConfig, StatusName, unshaped

__all__ = ["WorkAwayConfig"]


class WorkAwayConfig(ProgramConfig):
    """Work away from home (外出务工): how many of the register's labourers work away, and
    what they earn, as the employment drive reported it."""

    fixed: ClassVar = {"cost_timing": "placement is paid once, as a labourer goes"} | unshaped(
        "what a labourer away sends home follows the published earnings, not a ramp"
    )

    labourers: dict[Year, Annotated[float, Field(ge=0.0, le=1e9)]] = setting(
        ...,
        "labourers of registered households (exited included) working away from home, by "
        "year; a year not given takes the last year given before it (none before the first)",
        "people",
    )
    earnings: dict[Year, Annotated[float, Field(ge=0.0, le=1e6)]] = setting(
        ...,
        "a labourer's yearly earnings away from home, by year; a year not given takes the "
        "last year given before it",
        "yuan/worker/year",
    )
    remitted_share: Probability = setting(
        0.5,
        "share of the earnings sent or brought home: what the survey's household income counts",
        "share",
    )
    drawn_labourers: float = setting(
        0.0,
        "labourers already away in the incomes the population is drawn with: the survey's "
        "incomes hold what they send home, and they earned no wages at home, so only the "
        "labourers beyond them add to the survey's income and take wages from home",
        "people",
        ge=0.0,
        le=1e9,
    )
    register_counts: Literal["full", "remitted"] = setting(
        "full",
        "what the register's income counts of a member working away: all the earnings, or "
        "what is sent home (the exit, relapse and monitoring tests use the register's income)",
    )
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses whose labourers are counted"
    )
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    support_after_exit_years: int = setting(
        20, "years after exit a household's labourers are still counted", "years", ge=0
    )
    unit_cost: float = setting(
        0.0, "organised placement (transport, job fairs) per labourer newly away", "yuan", ge=0.0
    )
    cost_timing: CostTiming = setting(
        "once", "unit_cost is paid as a labourer goes (another timing is refused)"
    )

    def totals(self) -> tuple[str, ...]:
        return ("budget", "labourers", "drawn_labourers")

    def without_support(self) -> dict[str, object]:
        # Without the employment drive those already away stay away; no one more goes.
        return {
            **super().without_support(),
            "labourers": {min(self.labourers): self.drawn_labourers},
        }

    @field_validator("labourers", "earnings")
    @classmethod
    def _some_years(cls, value: dict[int, float]) -> dict[int, float]:
        if not value:
            raise ValueError("give at least one year")
        return value
