"""The :class:`SupportProgram` agent and the settings every program shares.

A program is a Mesa agent that owns one row per household of its own arrays
(enrolled, since, until, magnitude) and acts once a year, at the start of the year:

1. support ends for households whose support period is over, who exited more than
   ``support_after_exit_years`` ago, or who were taken off the register;
2. households that are eligible, not enrolled, and take the program up (a draw from
   the take-up stream, raised by a village work team) queue by ``priority``; the queue
   is enrolled in order while this year's budget, less what continuing households
   cost, covers them — never more;
3. the program sets this year's effect: an income gain in yuan per person per year
   through one channel (farm income, wages or transfers), shaped by ``lag_years``,
   ``ramp_years`` and, once support ends, ``decay``; and any guarantee it secures.

Everything is a vectorised mask or sort: no Python loop over households.
Subclasses change who is eligible, what enrolment costs and does, and the effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import mesa
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from povsim.households import Cause, HouseholdState, Status
from povsim.settings import Probability, setting

if TYPE_CHECKING:
    from povsim.model import PovertyModel

__all__ = [
    "CAUSE_NAMES",
    "CostBasis",
    "CostTiming",
    "Priority",
    "Probability",
    "ProgramConfig",
    "StatusName",
    "SupportProgram",
]

CAUSE_NAMES = tuple(c.name.lower() for c in Cause)
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


_STATUS = {
    "registered": Status.REGISTERED,
    "exited": Status.EXITED,
    "unregistered": Status.UNREGISTERED,
}
_HARDSHIP = {"A": 1, "B": 2, "C": 3}


class SupportProgram(mesa.Agent):
    """A support program: a Mesa agent acting on households through vectorised masks.

    Subclass it to add a program of your own: set ``Config`` to a
    :class:`ProgramConfig` subclass with your fields, then override any of
    :meth:`eligible`, :meth:`enrolment_cost`, :meth:`on_enrol`, :meth:`effect`.
    Name the class in a scenario as ``kind = "package.module:Class"``.

    Attributes:
        name: the program's table name in the scenario.
        config: its validated settings.
        enrolled: households receiving support this year.
        since: year each household was last enrolled (0 never).
        until: last year of support for households whose support ended (0 open).
        magnitude: full effect per household, yuan per person per year.
        income: this year's effect, yuan per person per year.
        ledger: one spending row per year.
    """

    Config: ClassVar[type[ProgramConfig]] = ProgramConfig
    channel: ClassVar[Channel] = "transfer"
    secures: ClassVar[tuple[str, ...]] = ()
    unit: ClassVar[str] = "household"

    def __init__(self, model: PovertyModel, name: str, config: ProgramConfig):
        super().__init__(model)
        self.name = name
        self.config = config
        n = model.households.n
        self.enrolled = np.zeros(n, dtype=bool)
        self.since = np.zeros(n, dtype=np.int16)
        self.until = np.zeros(n, dtype=np.int16)
        self.magnitude = np.zeros(n, dtype=np.float64)
        self.income = np.zeros(n, dtype=np.float64)
        self.ledger: list[dict] = []

    # -- money --------------------------------------------------------------------------
    def budget(self, year: int) -> float:
        """This year's budget, yuan."""
        if self.config.budget is not None:
            return self.config.budget.get(year, 0.0)
        return self.config.share * self.model.config.funds(year)

    def active(self, year: int) -> bool:
        c, s = self.config, self.model.config
        return (c.first_year or s.start_year) <= year <= (c.last_year or s.end_year)

    def _per_unit(self, idx: np.ndarray) -> np.ndarray:
        if self.config.cost_basis == "person":
            return self.config.unit_cost * self.model.households.size[idx].astype(np.float64)
        return np.full(idx.size, self.config.unit_cost)

    def enrolment_cost(self, idx: np.ndarray, year: int) -> np.ndarray:
        """Cost in ``year`` of enrolling households ``idx`` (yuan each)."""
        return self._per_unit(idx)

    def continuing_cost(self, idx: np.ndarray, year: int) -> np.ndarray:
        """Cost in ``year`` of households ``idx`` enrolled in earlier years (yuan each)."""
        if self.config.cost_timing == "yearly":
            return self._per_unit(idx)
        return np.zeros(idx.size)

    # -- who ----------------------------------------------------------------------------
    def eligible(self, year: int) -> np.ndarray:
        """Households that may enrol this year (before take-up and budget)."""
        c, h, v = self.config, self.model.households, self.model.villages
        mask = np.isin(h.status, [_STATUS[s] for s in c.statuses])
        if c.causes:
            wanted = 0
            for name in c.causes:
                wanted |= Cause[name.upper()]
            mask &= (h.causes & wanted) > 0
        mask &= h.labour >= c.min_labour
        if c.max_labour is not None:
            mask &= h.labour <= c.max_labour
        if c.hardship:
            mask &= np.isin(h.hardship, [_HARDSHIP[g] for g in c.hardship])
        if c.min_remoteness > 0:
            placed = v.remoteness[h.village] >= c.min_remoteness
            if c.fragile_villages:
                placed |= v.fragile[h.village]
            mask &= placed
        if c.poor_villages_only:
            mask &= v.poor_village[h.village]
        if c.max_income_ratio is not None:
            mask &= h.income <= c.max_income_ratio * self.model.config.line(year)
        return mask

    def priority_key(self, idx: np.ndarray, year: int, costs: np.ndarray) -> np.ndarray:
        """Sort key for candidates ``idx``: lower goes first."""
        h = self.model.households
        match self.config.priority:
            case "hardship":
                grade = np.where(h.hardship[idx] > 0, h.hardship[idx], 4)
                return grade + h.income[idx] / (self.model.config.line(year) * 100.0)
            case "gap":
                return h.income[idx]
            case "cost":
                return costs
            case _:
                return self.model.streams.takeup.random(idx.size)

    # -- what ---------------------------------------------------------------------------
    def on_enrol(self, idx: np.ndarray, year: int) -> None:
        """Start support for households ``idx`` (set their magnitude, change their state)."""

    def timing(self, year: int) -> np.ndarray:
        """Share of the full effect each household gets this year (lag, ramp-up, decay)."""
        c = self.config
        started = self.since > 0
        years_in = year - self.since.astype(np.int64)
        ramp = np.clip((years_in - c.lag_years + 1) / c.ramp_years, 0.0, 1.0)
        ended = (self.until > 0) & ~self.enrolled
        if c.decay > 0:
            after = np.maximum(year - self.until.astype(np.int64), 0)
            ramp = np.where(ended, ramp * (1.0 - c.decay) ** after, ramp)
        return np.where(started & (years_in >= c.lag_years), ramp, 0.0)

    def effect(self, year: int) -> np.ndarray:
        """This year's income effect per household, yuan per person per year."""
        return self.magnitude * self.timing(year)

    def secure(self, h: HouseholdState) -> None:
        """Secure the guarantees this program secures for households it supports."""
        for guarantee in self.secures:
            column = getattr(h, f"{guarantee}_ok")
            column |= self.enrolled

    def helped(self) -> np.ndarray:
        """Households this program raised income for or secured a guarantee for this year."""
        helped = self.income > 0
        if self.secures:
            helped |= self.enrolled
        return helped

    # -- the year -----------------------------------------------------------------------
    def end_support(self, ending: np.ndarray, year: int) -> None:
        self.enrolled &= ~ending
        self.until[ending] = year - 1
        h = self.model.households
        h.support_ended[ending] = year - 1

    def _support_over(self, year: int) -> np.ndarray:
        h, c = self.model.households, self.config
        over = year > self.since.astype(np.int64) + c.duration_years - 1
        exited_long_ago = (h.status == Status.EXITED) & (
            year > h.exit_year.astype(np.int64) + c.support_after_exit_years
        )
        removed = h.status == Status.UNREGISTERED
        if "unregistered" in c.statuses:
            removed = np.zeros_like(removed)
        return self.enrolled & (over | exited_long_ago | removed)

    def take_up(self) -> np.ndarray:
        """Each household's chance of taking the program up, with work teams' help."""
        h, v, villages = self.model.households, self.model.villages, self.model.config.villages
        boost = villages.work_team_takeup * v.work_team[h.village]
        return np.minimum(self.config.take_up + boost, 1.0)

    def _fit(
        self, idx: np.ndarray, costs: np.ndarray, keys: np.ndarray, money: float
    ) -> np.ndarray:
        """Positions in ``idx`` that the queue ordered by ``keys`` can pay for with ``money``."""
        order = np.argsort(keys, kind="stable")
        affordable = np.cumsum(costs[order]) <= money
        # Stop at the first the money cannot cover: a queue, not a knapsack.
        return order[: order.size if affordable.all() else int(np.argmin(affordable))]

    def begin_year(self, year: int) -> None:
        """End, enrol, pay and set this year's effect (see the module docstring).

        Costs are per household; an agent standing for ``weight`` real households
        costs ``weight`` times as much, so budgets stay in real yuan.
        """
        h = self.model.households
        self.end_support(self._support_over(year), year)
        budget = self.budget(year) if self.active(year) else 0.0
        continuing = np.flatnonzero(self.enrolled)
        costs = self.continuing_cost(continuing, year)
        if (costs * h.weight[continuing]).sum() > budget:
            keys = self.priority_key(continuing, year, costs)
            kept = self._fit(continuing, costs * h.weight[continuing], keys, budget)
            dropped = self.enrolled.copy()
            dropped[continuing[kept]] = False
            self.end_support(dropped, year)
            continuing, costs = continuing[kept], costs[kept]
        spent = float((costs * h.weight[continuing]).sum())
        draws = self.model.streams.takeup.random(self.enrolled.size)
        eligible = self.eligible(year)
        if self.config.once:
            eligible &= self.since == 0
        candidates = np.flatnonzero(eligible & ~self.enrolled & (draws < self.take_up()))
        new = np.empty(0, dtype=np.int64)
        if candidates.size and budget > spent:
            costs = self.enrolment_cost(candidates, year)
            keys = self.priority_key(candidates, year, costs)
            weighted = costs * h.weight[candidates]
            take = self._fit(candidates, weighted, keys, budget - spent)
            new = candidates[take]
            spent += float(weighted[take].sum())
            self.enrolled[new] = True
            self.since[new] = year
            self.until[new] = 0
            self.on_enrol(new, year)
        self.income = self.effect(year)
        self.record(
            year,
            budget,
            spent,
            h.count(self.enrolled),
            h.count(new),
            h.count(eligible & ~self.enrolled),
        )

    def record(
        self, year: int, budget: float, spent: float, enrolled: float, new: float, waiting: float
    ) -> None:
        """Add this year's row to the spending ledger (``spending.parquet``).

        ``enrolled``, ``new`` and ``waiting`` count real households (or villages).
        """
        self.ledger.append(
            {
                "year": year,
                "program": self.name,
                "unit": self.unit,
                "budget_yuan": budget,
                "spent_yuan": spent,
                "unspent_yuan": budget - spent,
                "enrolled": enrolled,
                "new_enrolments": new,
                "waiting": waiting,
            }
        )


def channel_totals(programs: Sequence[SupportProgram], n: int) -> dict[str, np.ndarray]:
    """This year's program income by channel, yuan per person per year."""
    totals = {channel: np.zeros(n) for channel in ("farm", "wage", "transfer")}
    for program in programs:
        totals[program.channel] += program.income
    return totals
