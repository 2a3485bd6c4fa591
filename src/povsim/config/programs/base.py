"""What every program's settings have: who may enrol, what support costs, how it lasts.

A program table in a scenario is validated by the ``Config`` class of its ``kind``
(:mod:`povsim.config.registry`), a subclass of :class:`ProgramConfig`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from povsim.config.fields import Probability, StrictNumbers, Year, setting
from povsim.config.vocabulary import CAUSE_NAMES

__all__ = [
    "Channel",
    "CostBasis",
    "CostTiming",
    "Priority",
    "ProgramConfig",
    "StatusName",
    "unshaped",
]

Channel = Literal["farm", "wage", "transfer"]
StatusName = Literal["registered", "exited", "unregistered"]
Priority = Literal["hardship", "gap", "random", "cost", "exit_plan"]
CostBasis = Literal["household", "person"]
CostTiming = Literal["once", "yearly"]


def unshaped(why: str) -> dict[str, str]:
    """The :attr:`ProgramConfig.fixed` entries of a program whose effect the base timing
    (``lag_years``, ``ramp_years``, ``decay``) does not shape, each with ``why``."""
    return dict.fromkeys(("lag_years", "ramp_years", "decay"), why)


def _shown(value: object) -> str:
    """A setting's value as an error message shows it: text quoted, numbers plain."""
    return f"{value:g}" if isinstance(value, float) else repr(value)


class ProgramConfig(StrictNumbers):
    """Settings every program has. Subclasses add the fields of their effect."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    for_villages: ClassVar[bool] = False
    """The program upgrades villages, not households: no household's support names it."""
    fixed: ClassVar[dict[str, str]] = {}
    """Settings the program does not read as others do, each with why: only the field's
    default is accepted (a ``cost_timing`` where its cost is not ``unit_cost`` paid at
    enrolment or yearly; a setting its mechanism has no room for)."""

    kind: str = setting("", "program type: a built-in name or 'package.module:Class'")
    share: Probability = setting(0.0, "share of budget.total this program gets", "share")
    budget: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] | None = setting(
        None, "the program's own yearly budget instead of a share", "yuan/year"
    )
    first_year: int | None = setting(None, "first year the program enrols (default: start)", "year")
    last_year: int | None = setting(
        None,
        "last year the program enrols; households enrolled keep their support after it, for its "
        "term (default: end)",
        "year",
    )
    # who is eligible
    statuses: tuple[StatusName, ...] = setting(
        ("registered",),
        "register statuses that may enrol (once guaranteed, a program that secures a "
        "guarantee also reaches the exited short of it)",
    )
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
        "random, cheapest, or exit_plan (the households nearest the exit test's income first)",
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
    support: str | None = setting(
        None,
        "the kind of support census reports count this program under (labour export and "
        "public-welfare posts under 'employment', credit under 'industry'): programs of one "
        "kind count a household once in spending.parquet's support_reached and in the "
        "targets files' program_reach_share, among the households on the register "
        "(registered or exited) "
        "(unset: the program's own name)",
    )
    guaranteed_from: int | None = setting(
        None,
        "from this year every eligible household that takes the program up is enrolled, "
        "whatever the budget: what the campaign had to guarantee by its end, paid from "
        "other budgets when this one runs short; a program that secures a guarantee "
        "reaches every household on the books (registered or exited, its statuses aside) "
        "short of it that it otherwise admits, take-up and once aside (unset: never)",
        "year",
    )

    def references(self) -> dict[str, str]:
        """Fields naming another program of the scenario: field -> program name."""
        return {}

    def without_support(self) -> dict[str, object]:
        """Field changes that leave this program without support (the counterfactual)."""
        return {"share": 0.0, "budget": None}

    def support_besides_money(self) -> bool:
        """Whether the program gives support its money does not measure (pairing's work
        teams), which :meth:`without_support` also takes away: a scenario with it has a
        counterfactual to run though no program has money."""
        return False

    def totals(self) -> tuple[str, ...]:
        """Fields that are totals for the scenario's whole population (yuan, people; a number
        or one by year): a county's share of a national run takes its share of them."""
        return ("budget",)

    @field_validator("*")
    @classmethod
    def _fixed_settings(cls, value: Any, info: ValidationInfo) -> Any:
        # Accepting another value would run exactly as the default: a setting that changes
        # nothing, which a sweep or a sensitivity analysis would report as having no effect.
        name = info.field_name or ""
        why = cls.fixed.get(name)
        default = cls.model_fields[name].default if why else None
        if why and value != default:
            raise ValueError(f"{why}: {_shown(default)}, not {_shown(value)}")
        return value

    @field_validator("causes")
    @classmethod
    def _known_causes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in CAUSE_NAMES]
        if unknown:
            raise ValueError(f"unknown cause(s) {unknown}; choose from {list(CAUSE_NAMES)}")
        return value

    @model_validator(mode="after")
    def _could_enrol(self) -> ProgramConfig:
        first, last = self.first_year, self.last_year
        if first is not None and last is not None and first > last:
            raise ValueError(
                f"first_year ({first}) is after last_year ({last}): the program would never enrol"
            )
        # Subclasses redeclare these with their own defaults, so the check reads them here.
        fewest, most = getattr(self, "min_labour", None), getattr(self, "max_labour", None)
        if fewest is not None and most is not None and fewest > most:
            raise ValueError(
                f"min_labour ({fewest}) is more than max_labour ({most}): no household could enrol"
            )
        if not getattr(self, "statuses", ("registered",)):
            raise ValueError("statuses is empty: no household could enrol")
        return self
