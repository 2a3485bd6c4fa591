"""Settings every support program has; each program kind adds its own fields.

A program table in a scenario is validated by the ``Config`` class of its ``kind``
(:mod:`povsim.config.registry`), a subclass of :class:`ProgramConfig`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from povsim.config.fields import Probability, setting
from povsim.config.vocabulary import CAUSE_NAMES

__all__ = [
    "Channel",
    "CostBasis",
    "CostTiming",
    "Priority",
    "ProgramConfig",
    "StatusName",
]

Channel = Literal["farm", "wage", "transfer"]
StatusName = Literal["registered", "exited", "unregistered"]
Priority = Literal["hardship", "gap", "random", "cost"]
CostBasis = Literal["household", "person"]
CostTiming = Literal["once", "yearly"]


class ProgramConfig(BaseModel):
    """Settings every program has. Subclasses add the fields of their effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = setting("", "program type: a built-in name or 'package.module:Class'")
    share: Probability = setting(0.0, "share of budget.total this program gets", "share")
    budget: dict[int, Annotated[float, Field(ge=0.0)]] | None = setting(
        None, "the program's own yearly budget instead of a share", "yuan/year"
    )
    first_year: int | None = setting(None, "first year the program enrols (default: start)", "year")
    last_year: int | None = setting(None, "last year the program enrols (default: end)", "year")
    # who is eligible
    statuses: tuple[StatusName, ...] = setting(("registered",), "register statuses that may enrol")
    causes: tuple[str, ...] = setting((), "recorded causes of poverty, any of (empty: any)")
    min_labour: int = setting(0, "fewest workers a household needs", "people", ge=0)
    max_labour: int | None = setting(None, "most workers a household may have", "people", ge=0)
    hardship: tuple[Literal["A", "B", "C"], ...] = setting((), "hardship grades (empty: any)")
    min_remoteness: Probability = setting(0.0, "village remoteness at least this", "index")
    fragile_villages: bool = setting(
        False, "also admit households of fragile villages below min_remoteness"
    )
    poor_villages_only: bool = setting(False, "only households of designated poor villages")
    max_income_ratio: float | None = setting(
        None, "income at most this multiple of the line (the income gap)", "ratio", gt=0.0
    )
    # delivery
    priority: Priority = setting(
        "hardship",
        "who is enrolled first when money runs short: hardest grade, largest income gap, "
        "random, or cheapest",
    )
    take_up: Probability = setting(
        0.8, "chance an eligible household takes the program up", "share"
    )
    unit_cost: float = setting(0.0, "cost of support", "yuan", ge=0.0)
    cost_basis: CostBasis = setting("household", "unit_cost is per household or per person")
    cost_timing: CostTiming = setting(
        "once", "unit_cost is paid at enrolment or every year of support"
    )
    # effect over time
    lag_years: int = setting(0, "years from enrolment until the effect starts", "years", ge=0)
    ramp_years: int = setting(1, "years from first effect to full effect", "years", ge=1)
    duration_years: int = setting(3, "years of support", "years", ge=1)
    decay: Probability = setting(
        0.0, "share of the effect lost each year after support ends (1: stops at once)", "1/year"
    )
    support_after_exit_years: int = setting(
        0, "years support continues after a household exits (脱贫不脱钩)", "years", ge=0
    )
    once: bool = setting(True, "a household is enrolled at most once")

    @field_validator("causes")
    @classmethod
    def _known_causes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in CAUSE_NAMES]
        if unknown:
            raise ValueError(f"unknown cause(s) {unknown}; choose from {list(CAUSE_NAMES)}")
        return value
