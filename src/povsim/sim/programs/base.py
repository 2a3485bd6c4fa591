"""Support programs as Mesa agents: the shared money logic, household and village programs.

A program owns one row per household of its own arrays (enrolled, since, until,
magnitude) and acts once a year, at the start of the year (:meth:`Program.begin_year`):

1. support ends for households whose support period is over, who exited more than
   ``support_after_exit_years`` ago, or who were taken off the register;
2. households that are eligible, not enrolled, and take the program up (a draw from
   the program's take-up stream, raised by a village work team) queue by ``priority``; the queue
   is enrolled in order while this year's budget, less what continuing households
   cost, covers them — never more;
3. state that support changes over time moves on (:meth:`advance`: pupils finish school);
4. the program's effect for the year is computed (:meth:`effect`, which changes
   nothing): an income gain in yuan per person per year through one channel (farm
   income, wages or transfers), shaped by ``lag_years``, ``ramp_years`` and, once
   support ends, ``decay``; any guarantee it secures; any illness cover it adds.

Programs see the county's state through a :class:`~povsim.sim.context.ProgramContext`
(households, villages, the scenario); the base class reads the model's year and random
streams for them, and a program that works with another (consumption's seller) finds it
among the model's programs. Everything is a vectorised mask or sort: no Python loop over
households.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

import mesa
import numpy as np
from numpy.typing import NDArray

from povsim.config.programs import Channel, ProgramConfig
from povsim.config.vocabulary import Cause, Hardship, Status
from povsim.sim.context import ProgramContext
from povsim.sim.households import HouseholdState
from povsim.sim.queue import fit_queue

if TYPE_CHECKING:
    from povsim.sim.agents import County
    from povsim.sim.guarantees import Background

__all__ = [
    "SPENDING_COLUMNS",
    "IllnessCover",
    "LedgerRow",
    "Program",
    "ProgramConfig",
    "SupportProgram",
    "VillageProgram",
    "channel_totals",
    "labour_admits",
    "record_support_reach",
    "status_mask",
    "unreached",
]

Mask = NDArray[np.bool_]
Index = NDArray[np.intp]
Money = NDArray[np.float64]


def labour_admits(config: ProgramConfig, h: HouseholdState) -> Mask:
    """The households whose workers a program's labour test admits (``min_labour``,
    ``max_labour``)."""
    mask = h.labour >= config.min_labour
    if config.max_labour is not None:
        mask &= h.labour <= config.max_labour
    return mask


def status_mask(status: NDArray[Any], statuses: Sequence[str]) -> Mask:
    """The households whose register status is one of ``statuses``, as scenario files name
    them (``"registered"``, ``"exited"``, ``"unregistered"``)."""
    # A lookup by status code: np.isin sorts its arguments, a cost every program pays
    # every year in every county.
    chosen = np.zeros(len(Status), dtype=bool)
    chosen[[Status[s.upper()] for s in statuses]] = True
    return chosen[status]


@dataclass(frozen=True)
class IllnessCover:
    """What a program adds to a household's protection against illness this year."""

    reimbursement: Money
    """Extra share of an illness's cost reimbursed."""
    protection: Money
    """Share of the income lost while ill that is avoided."""


class LedgerRow(TypedDict):
    """A program's spending row for one year: a row of ``spending.parquet``, whose columns
    are these keys in this order (:data:`SPENDING_COLUMNS`), so a key cannot be written
    here and lost there. Money in yuan; counts of real households (or villages) and
    people, the model's weights applied."""

    year: int
    program: str
    unit: str
    budget_yuan: float
    spent_yuan: float
    unspent_yuan: float
    enrolled: float
    new_enrolments: float
    waiting: float
    enrolled_people: float
    new_people: float
    reached: float
    support_reached: float
    register_enrolled: float
    register_enrolled_people: float


SPENDING_COLUMNS: tuple[str, ...] = tuple(LedgerRow.__annotations__)
"""The columns of ``spending.parquet``, in order."""


class Program(mesa.Agent):
    """What every program has: a name, settings, a budget, a ledger and an effect.

    Attributes:
        name: the program's table name in the scenario.
        config: its validated settings.
        context: the county it works in.
        income: this year's income effect per household, yuan per person per year.
        labour_away: this year's workers each household has working away through the
            program.
        labour_left: of them, those who left home's work since the incomes were drawn
            (their wages at home stop).
        away_income: this year's earnings away from home not sent home, yuan per person
            per year: income the register counts and the survey does not.
        forgone: this year's wages at home that the workers the program sent away
            (:attr:`labour_left`) would have earned, yuan per person per year, set at the
            assessment (:func:`povsim.sim.assessment.share_forgone_wages`).
        remitted: this year's wages sent home by members working away whom past support
            put there (education's school leavers), beside :attr:`income`, yuan per person
            per year: earned away, like an :attr:`earned_away` program's income.
        made: the households whose guarantee holds this year only because of the program
            (set by :meth:`secure`; exit attribution reads it).
        ledger: one spending row per year.
    """

    Config: ClassVar[type[ProgramConfig]] = ProgramConfig
    channel: ClassVar[Channel] = "transfer"
    secures: ClassVar[tuple[str, ...]] = ()
    unit: ClassVar[str] = "household"
    earned_away: ClassVar[bool] = False
    """Its wages are earned by members working away from home (:attr:`labour_away`) and sent
    home: an illness of the household at home does not cut them, as it cuts the wages
    earned at home (``shocks.illness.lost_income_share``)."""

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model)
        self.name = name
        self.config: Any = config
        self.income: Money = np.zeros(model.households.n)
        self.labour_away = np.zeros(model.households.n, dtype=np.int64)
        self.labour_left: Money = np.zeros(model.households.n)
        self.away_income: Money = np.zeros(model.households.n)
        self.remitted: Money = np.zeros(model.households.n)
        self.forgone: Money = np.zeros(model.households.n)
        self.made: Mask = np.zeros(model.households.n, dtype=bool)
        # Each guarantee it secures as it would stand had it never secured it (secure).
        self._without: dict[str, Mask] = {}
        self.ledger: list[LedgerRow] = []
        self._streams: dict[tuple[str, int], np.random.Generator] = {}
        self._draws: dict[str, tuple[int, NDArray[np.float64]]] = {}

    @property
    def context(self) -> ProgramContext:
        context: ProgramContext = self.model.context
        return context

    def stream(self, purpose: str) -> np.random.Generator:
        """This year's generator of the program's draws for ``purpose`` (``"take_up"``...).

        Its own, keyed by the program's name, the purpose and the year: one mix's
        enrolments in a program never move another program's draws, nor the program's own
        in another year, so paired mixes differ by policy, not by where a stream stood.
        """
        year = self.model.year
        rng = self._streams.get((purpose, year))
        if rng is None:
            self._streams = {k: g for k, g in self._streams.items() if k[1] == year}
            rng = self.model.streams.program(self.name, purpose, year)
            self._streams[purpose, year] = rng
        return rng

    def uniform(self, purpose: str) -> Callable[[], float]:
        """A callable giving the next uniform draw of this year's stream for ``purpose``; the
        stream is made at the first call, not now: a queue draws only where its money runs
        out part-way through a weighted agent, and most years' queues never do (a stream
        costs about 40 µs to make, in every program, county and year)."""
        return lambda: float(self.stream(purpose).random())

    def draws(self, purpose: str) -> NDArray[np.float64]:
        """This year's uniform draw of every household for ``purpose``: the same array
        however often the year asks (a random priority ranks the continuing and the new
        households alike), and one draw a household whoever is eligible."""
        year = self.model.year
        cached = self._draws.get(purpose)
        if cached is None or cached[0] != year:
            cached = (year, self.stream(purpose).random(self.context.households.n))
            self._draws[purpose] = cached
        return cached[1]

    def budget(self, year: int) -> float:
        """This year's budget, yuan."""
        if self.config.budget is not None:
            return float(self.config.budget.get(year, 0.0))
        return float(self.config.share * self.context.funds(year))

    def money(self, year: int) -> float:
        """What this year's support may spend: the budget, or without limit once the
        program is unlimited (:meth:`unlimited`); none before its first year. After its
        last year it still pays the households it enrolled (:meth:`active`)."""
        if not self.started(year):
            return 0.0
        # A program left out of the mix (no share, no budget) guarantees nothing.
        funded = self.config.budget is not None or self.config.share > 0
        return np.inf if funded and self.unlimited(year) else self.budget(year)

    def unlimited(self, year: int) -> bool:
        """Whether this year's money has no limit: the program is guaranteed
        (``guaranteed_from``)."""
        start = self.config.guaranteed_from
        return start is not None and year >= start

    def active(self, year: int) -> bool:
        """Whether the program enrols in ``year``: within its first and last years.

        ``last_year`` ends enrolment, not support: after it no household is enrolled (nor
        lent to, nor caught by the allowance, nor sent away), while those enrolled keep
        their support for its term, a yearly cost paid from the year's budget as before.
        A post, an allowance, a loan's interest did not stop because a program took no
        one more on.
        """
        c, s = self.config, self.context.scenario
        return bool(self.started(year) and year <= (c.last_year or s.end_year))

    def started(self, year: int) -> bool:
        """Whether the program has begun by ``year`` (``first_year``): its money and support
        run from then, after its last year of enrolment too."""
        return year >= (self.config.first_year or self.context.scenario.start_year)

    def begin_year(self, year: int) -> None:
        """Act for the year: end, enrol, pay, and set :attr:`income`."""
        raise NotImplementedError

    def helped(self) -> Mask:
        """Households this program raised income for or secured a guarantee for this year."""
        raise NotImplementedError

    def secure(self, h: HouseholdState, background: Background | None = None) -> None:
        """Hold up the guarantees this program secures, after the year's background changes
        (``background``: the year's, to replay; None, none).

        Sets :attr:`made`: the households whose guarantee holds this year only because of
        this program (exit attribution asks whether they would pass without it).
        """

    def contribution(self) -> Money:
        """This year's income the household would lack without this program, yuan/person/year:
        what it paid or sent home, less the wages at home the workers it sent away gave up
        (:attr:`forgone`), which they would have earned without it.

        Exit attribution (:mod:`povsim.sim.pathways`) uses it to decide whether a program
        was necessary for an exit.
        """
        return np.maximum(self.income, 0.0) + self.remitted - self.forgone

    def floored(self, year: int) -> Mask:
        """Households whose income this program holds at the poverty line for good this year.

        The exit rule takes such income as stable (稳定超过): the guarantee stands.
        """
        return np.zeros(self.context.households.n, dtype=bool)

    def tops_up(self, year: int) -> bool:
        """Whether, for a household it holds at the line (:meth:`floored`), the program would
        have paid this year the larger gap another program's absence left: exit attribution
        (:mod:`povsim.sim.pathways`) asks it."""
        return False

    def propped(self, year: int) -> Mask:
        """Exited households whose own income fell under the line and stays there while
        the program holds them at or over it: for the relapse test they are under the line."""
        return np.zeros(self.context.households.n, dtype=bool)

    def referred(self, year: int) -> Mask:
        """Households never registered that this program puts forward for the register,
        judged on their income without its support (:attr:`income`)."""
        return np.zeros(self.context.households.n, dtype=bool)

    def settle(self, year: int) -> None:
        """At the year-end assessment, before exits: settle what depends on the year's income
        (the minimum living allowance tops income up to its standard)."""

    def illness_cover(self) -> IllnessCover | None:
        """Illness cover this program adds this year (None: none)."""
        return None

    def reach_part_of_year(self, share: float) -> None:
        """Support reaches households for only ``share`` of this year (a first year spent
        registering them): :attr:`income`, :attr:`away_income` and :attr:`remitted` become
        what the year brings them, and the year's spending on support paid by the year
        (:meth:`yearly_spending`) only what that part of the year costs.

        The model calls it after :meth:`begin_year`. What reads these arrays later in the
        year (the attribution's :meth:`contribution`, the allowance's own-income test)
        takes them off the year's income, which holds only that share: a whole year's
        rate took more off than the year had brought. :meth:`begin_year` filled the
        year's places at a whole year of support each, as programs planned them, and booked
        that as spent; the part not paid goes back to the year's money, which does not carry
        over to the next year (what spends from it later in the year, the allowance's
        year-end top-ups, has it). The places stay as filled: priced at the part year, the
        queue would take about six times as many households, whom the next year's money,
        paying whole years, could not keep. So in the first year ``waiting`` counts those
        left without a place, beside money left unspent.

        Args:
            share: the part of the year support reaches households, in [0, 1].
        """
        self.income = self.income * share
        self.away_income = self.away_income * share
        self.remitted = self.remitted * share
        if self.ledger and self.ledger[-1]["year"] == self.model.year:
            row = self.ledger[-1]
            unpaid = (1.0 - share) * min(self.yearly_spending(), row["spent_yuan"])
            row["spent_yuan"] -= unpaid
            row["unspent_yuan"] += unpaid

    def yearly_spending(self) -> float:
        """Of this year's spending booked so far, what pays for a year of support (a post's
        wage, a premium, an allowance, a loan's interest), yuan: a part year's reach pays
        only its part (:meth:`reach_part_of_year`). What is paid once when incurred — a
        house, a move, a course, a fund's or a village's capital — is paid in full."""
        return 0.0

    def record(
        self,
        year: int,
        budget: float,
        spent: float,
        enrolled: float,
        new: float,
        waiting: float,
        enrolled_people: float = 0.0,
        new_people: float = 0.0,
        reached: float | None = None,
    ) -> None:
        """Add this year's row to the spending ledger (``spending.parquet``).

        ``enrolled``, ``new`` and ``waiting`` count real households (or villages);
        ``enrolled_people`` and ``new_people`` the people in those households; ``reached``
        the households (or villages) ever enrolled by the year's end, each once (default
        ``enrolled``, for programs whose enrolments are never ended).
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
                "enrolled_people": enrolled_people,
                "new_people": new_people,
                "reached": enrolled if reached is None else reached,
                "support_reached": enrolled if reached is None else reached,
                "register_enrolled": enrolled,
                "register_enrolled_people": enrolled_people,
            }
        )


class SupportProgram(Program):
    """A program for households: eligibility, a queue, enrolment and an income effect.

    Subclass it to add a program of your own: set ``Config`` to a
    :class:`ProgramConfig` subclass with your fields, then override any of
    :meth:`eligible`, :meth:`enrolment_cost`, :meth:`on_enrol`, :meth:`advance`,
    :meth:`effect`, :meth:`secure` or :meth:`illness_cover` (docs/programs.md, "Your own
    program"). Name the class in a scenario as ``kind = "package.module:Class"``.

    Attributes:
        enrolled: households receiving support this year.
        since: year each household was last enrolled (0 never).
        until: last year of support for households whose support ended (0 open).
        magnitude: full effect per household, yuan per person per year.
        ended: households whose support ended as this year began (:meth:`end_support`).
    """

    registered_first: ClassVar[bool] = True
    outlasts_support: ClassVar[bool] = False
    """What support gave stays once it ends, but for what ``decay`` wears away (a house
    renovated, a move made, an asset's dividend, a job found, a farm activity's gain): with
    ``decay`` 0 its end takes nothing from the household (:meth:`record_lost_support`)."""

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        n = model.households.n
        self.enrolled: Mask = np.zeros(n, dtype=bool)
        self.since = np.zeros(n, dtype=np.int16)
        self.until = np.zeros(n, dtype=np.int16)
        self.magnitude: Money = np.zeros(n, dtype=np.float64)
        self.ended: Mask = np.zeros(n, dtype=bool)

    def _one_a_household(self, values: NDArray[Any], method: str, year: int) -> NDArray[Any]:
        """``values`` as :meth:`eligible` (a mask) or :meth:`effect` (yuan) must give them:
        one a household, and a number each. A program of one's own that gave NaN ran to the
        end as if no one were poor; one of the wrong length failed in NumPy's words."""
        n = self.context.households.n
        values = np.asarray(values)
        if values.shape != (n,):
            raise ValueError(
                f"{method}({year}) returned shape {values.shape}: one value a household, ({n},)"
            )
        if method == "eligible":
            if values.dtype != np.bool_:
                raise ValueError(f"eligible({year}) returned {values.dtype}: a mask of bools")
        elif not np.issubdtype(values.dtype, np.number):
            raise ValueError(f"{method}({year}) returned {values.dtype}: yuan, a number each")
        elif (bad := int((~np.isfinite(values)).sum())) > 0:
            raise ValueError(
                f"{method}({year}) returned {bad:,} values that are not finite numbers "
                "(yuan per person per year)"
            )
        return values

    # -- money --------------------------------------------------------------------------
    def _per_unit(self, idx: Index) -> Money:
        if self.config.cost_basis == "person":
            return self.config.unit_cost * self.context.households.size[idx].astype(np.float64)
        return np.full(idx.size, self.config.unit_cost)

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        """Cost in ``year`` of enrolling households ``idx`` (yuan each)."""
        return self._per_unit(idx)

    def continuing_cost(self, idx: Index, year: int) -> Money:
        """Cost in ``year`` of households ``idx`` enrolled in earlier years (yuan each)."""
        if self.config.cost_timing == "yearly":
            return self._per_unit(idx)
        return np.zeros(idx.size)

    def yearly_spending(self) -> float:
        """A year of support costs what it costs a household enrolled before
        (:meth:`continuing_cost`); what enrolment costs over that is paid once (the risk
        fund of a loan, a course, a house)."""
        h = self.context.households
        idx = np.flatnonzero(self.enrolled)
        return float((self.continuing_cost(idx, self.model.year) * h.weight[idx]).sum())

    # -- who ----------------------------------------------------------------------------
    def eligible(self, year: int) -> Mask:
        """Households that may enrol this year (before take-up and budget)."""
        c, h, v = self.config, self.context.households, self.context.villages
        mask = status_mask(h.status, c.statuses) | self._short_of_guarantee(year)
        mask &= ~self._exited_long_ago(year)
        if c.causes:
            wanted = 0
            for name in c.causes:
                wanted |= Cause[name.upper()]
            mask &= (h.causes & wanted) > 0
        mask &= self.labour_ok(year)
        if c.hardship:
            mask &= np.isin(h.hardship, [Hardship[g] for g in c.hardship])
        if c.min_remoteness > 0:
            placed = v.remoteness[h.village] >= c.min_remoteness
            if c.fragile_villages:
                placed |= v.fragile[h.village]
            mask &= placed
        if c.poor_villages_only:
            mask &= v.poor_village[h.village]
        if c.max_income_ratio is not None:
            mask &= h.register_income() <= c.max_income_ratio * self.context.line(year)
        return mask

    def labour_ok(self, year: int) -> Mask:
        """Households whose workers the program's labour test admits (:func:`labour_admits`)."""
        return labour_admits(self.config, self.context.households)

    def priority_key(self, idx: Index, year: int, costs: Money) -> NDArray[np.float64]:
        """Sort key for candidates ``idx``: lower goes first.

        Registered households come before exited ones whatever the priority
        (``registered_first``): exited households keep the policies (摘帽不摘政策) and are
        served with what is left.
        """
        h = self.context.households
        match self.config.priority:
            case "hardship":
                grade = np.where(h.hardship[idx] > 0, h.hardship[idx], 4)
                key = grade + h.register_income()[idx] / (self.context.line(year) * 100.0)
            case "gap":
                key = h.register_income()[idx]
            case "cost":
                key = costs.astype(np.float64)
            case "exit_plan":
                # Annual exit plans (2016 exit mechanism) scheduled households by readiness:
                # a guarantee is fixed first where it is all that stands between a
                # household and exit.
                key = -h.register_income()[idx]
            case _:
                key = self.draws("priority")[idx]
        return self.registered_before_exited(idx, key)

    def registered_before_exited(self, idx: Index, key: NDArray[Any]) -> NDArray[np.float64]:
        """``key`` as ranks, exited households after every registered one (``registered_first``).

        Ranks keep the order within each group exactly (an offset added to the keys would
        swallow their small differences in floating point)."""
        ranks = np.empty(idx.size, dtype=np.float64)
        ranks[np.argsort(key, kind="stable")] = np.arange(idx.size)
        if not self.registered_first:
            return ranks
        exited = self.context.households.status[idx] == Status.EXITED
        return ranks + exited * float(idx.size)

    def _short_of_guarantee(self, year: int) -> Mask:
        """Households on the register's books, registered or exited, short of a guarantee
        this program secures, once it is guaranteed (``guaranteed_from``): the final checks
        saw to each one's guarantee, so declining was no outcome, nor was support given
        before (a house renovated and then damaged by a disaster was made safe again). They
        went over every household on the books, whatever the program's ``statuses``: by 30
        Jun 2020 the houses of more than 23.4 m registered households, the exited among
        them, were checked and made safe, by renovation, relocation, village rental housing
        "and similar routes" (Ni Hong, SCIO, 23 Sep 2020; docs/register-sources.md section
        4). The program's other tests still apply (:meth:`eligible`): an exited household
        is reached while support after exit is kept (:meth:`_exited_long_ago`)."""
        h = self.context.households
        short = np.zeros(h.n, dtype=bool)
        if not (self.secures and self.unlimited(year)):
            return short
        for guarantee in self.secures:
            short |= ~getattr(h, f"{guarantee}_ok")
        return short & (h.status != Status.UNREGISTERED)

    def take_up(self, year: int) -> NDArray[np.float64]:
        """Each household's chance of taking the program up, with work teams' help; certain
        for a household on the books short of a guarantee the program secures once it is
        guaranteed (:meth:`_short_of_guarantee`)."""
        h, v = self.context.households, self.context.villages
        boost = self.context.scenario.villages.work_team_takeup * v.work_team[h.village]
        chance = np.minimum(self.config.take_up + boost, 1.0)
        return np.where(self._short_of_guarantee(year), 1.0, chance)

    # -- what ---------------------------------------------------------------------------
    def on_enrol(self, idx: Index, year: int) -> None:
        """Start support for households ``idx`` (set their magnitude, change their state)."""

    def advance(self, year: int) -> None:
        """Move on what support changes over the years (e.g. pupils finishing school)."""

    def timing(self, year: int) -> NDArray[np.float64]:
        """Share of the full effect each household gets this year (lag, ramp-up, decay)."""
        c = self.config
        started = self.since > 0
        ended = (self.until > 0) & ~self.enrolled
        years_in = year - self.since.astype(np.int64)
        # Support that ended stops the ramp where its last year left it, that year's effect
        # coming after the lag as every year's does: what decays is what was built, not the
        # full effect it would have grown to.
        built = self.until.astype(np.int64) + c.lag_years
        grown = np.where(ended, np.minimum(built, year), year)
        ramp = np.clip((grown - self.since.astype(np.int64) - c.lag_years + 1) / c.ramp_years, 0, 1)
        if c.decay > 0:
            after = np.maximum(year - built, 0)
            ramp = np.where(ended, ramp * (1.0 - c.decay) ** after, ramp)
        return np.where(started & (years_in >= c.lag_years), ramp, 0.0)

    def effect(self, year: int) -> Money:
        """This year's income effect per household, yuan per person per year.

        It reads state and changes nothing: what support changes is done in
        :meth:`on_enrol` and :meth:`advance`.
        """
        return self.magnitude * self.timing(year)

    def secure(self, h: HouseholdState, background: Background | None = None) -> None:
        """Secure the guarantees this program secures for households it supports.

        What it made (:attr:`made`) is judged against the guarantee as the year's background
        changes would have left it had the program never secured it: a pupil kept in school
        last year might have dropped out or gone back since, and cover bought once is kept
        (judged against this year's column alone, the program was credited only in the year
        it first secured a guarantee, while a house renovated years ago stayed credited).
        """
        self.made = np.zeros(h.n, dtype=bool)
        for guarantee in self.secures:
            column = getattr(h, f"{guarantee}_ok")
            without = self._without.get(guarantee)
            if without is None:  # the first year end: nothing secured before it
                without = column.copy()
            elif background is not None:
                without = getattr(background, guarantee)(without)
            self._without[guarantee] = without
            self.made |= self.enrolled & ~without
            column |= self.enrolled

    def covered(self) -> Mask:
        """Households this program supports now, whole or in part."""
        return self.enrolled

    def ever_covered(self) -> Mask:
        """Households this program has supported at some time (its reach)."""
        return self.since > 0

    def supported(self, mask: Mask) -> tuple[float, float]:
        """Real households and people this program supports among the households ``mask``
        (its published counts)."""
        h, chosen = self.context.households, self.enrolled & mask
        return h.count(chosen), h.people(chosen)

    def helped(self) -> Mask:
        helped = self.income > 0
        if self.secures:
            helped |= self.enrolled
        return helped

    # -- the year -----------------------------------------------------------------------
    def end_support(self, ending: Mask, year: int) -> None:
        """Stop supporting ``ending`` households: their support's last year was the last."""
        self.enrolled &= ~ending
        self.until[ending] = year - 1
        self.ended |= ending

    def record_lost_support(self, year: int) -> None:
        """Record, for the relapse causes (``support_ended``), the households that lost this
        program's support as the year began: those whose support ended and was not renewed
        in the same enrolment (a post or a term of cover taken up again goes on), unless what
        support gave outlasts it and nothing wears it away (:attr:`outlasts_support`: a
        house renovated is not lost when the work is done)."""
        lost = self.ended & ~self.enrolled
        if not self.outlasts_support or self.config.decay > 0:
            self.context.households.support_ended[lost] = year - 1
        self.ended[:] = False

    def _exited_long_ago(self, year: int) -> Mask:
        """Exited households past the support kept after exit: ``support_after_exit_years``,
        and in the campaign at least until ``policies_kept_until``
        (摘帽不摘责任、不摘政策、不摘帮扶、不摘监管)."""
        h = self.context.households
        kept = h.exit_year.astype(np.int64) + self.config.support_after_exit_years
        rules = self.context.scenario.exit
        if rules.keep_policies:
            kept = np.maximum(kept, rules.policies_kept_until)
        return (h.status == Status.EXITED) & (year > kept)

    def term_end(self) -> NDArray[np.int64]:
        """The last year of each household's support period."""
        return self.since.astype(np.int64) + self.config.duration_years - 1

    def _support_over(self, year: int) -> Mask:
        """Enrolled households whose support ends this year: past their support period,
        exited longer ago than support is kept (:meth:`_exited_long_ago`), or taken off the
        register, unless the program serves households never registered too (the minimum
        living allowance with ``"unregistered"`` among its ``statuses``)."""
        h, c = self.context.households, self.config
        over = year > self.term_end()
        exited_long_ago = self._exited_long_ago(year)
        removed = h.status == Status.UNREGISTERED
        if "unregistered" in c.statuses:
            removed = np.zeros_like(removed)
        return self.enrolled & (over | exited_long_ago | removed)

    def may_enrol(self, year: int, *, renewing: bool = False) -> Mask:
        """Households the program may take on this year, before take-up and money: those
        :meth:`eligible` admits, while it enrols (:meth:`active`: after its last year it
        takes no one more on, nor lends again), and, for a program taken ``once``, only
        those it never had, or one short of a guarantee it secures (a house a disaster
        damaged after its renovation was made safe again). ``renewing``: a term renewed for
        a household enrolled now, which ``once`` does not bar.
        """
        mask = self._one_a_household(self.eligible(year), "eligible", year) & self.active(year)
        if self.config.once and not renewing:
            mask &= (self.since == 0) | self._short_of_guarantee(year)
        return mask

    def begin_year(self, year: int) -> None:
        """End, enrol, pay and set this year's effect (see the module docstring).

        Costs are per household; an agent standing for ``weight`` real households
        costs ``weight`` times as much, so budgets stay in real yuan.
        """
        h = self.context.households
        self.end_support(self._support_over(year), year)
        money = self.money(year)
        budget = self.budget(year) if self.started(year) else 0.0
        continuing = np.flatnonzero(self.enrolled)
        costs = self.continuing_cost(continuing, year)
        if (costs * h.weight[continuing]).sum() > money:
            keys = self.priority_key(continuing, year, costs)
            kept = fit_queue(
                costs * h.weight[continuing],
                keys,
                money,
                units=h.weight[continuing],
                draw=self.uniform("queue_continuing"),
            )
            dropped = self.enrolled.copy()
            dropped[continuing[kept]] = False
            self.end_support(dropped, year)
            continuing, costs = continuing[kept], costs[kept]
        spent = float((costs * h.weight[continuing]).sum())
        draws = self.draws("take_up")
        eligible = self.may_enrol(year)
        candidates = np.flatnonzero(eligible & ~self.enrolled & (draws < self.take_up(year)))
        new = np.empty(0, dtype=np.intp)
        if candidates.size and money > spent:
            costs = self.enrolment_cost(candidates, year)
            keys = self.priority_key(candidates, year, costs)
            weighted = costs * h.weight[candidates]
            take = fit_queue(
                weighted,
                keys,
                money - spent,
                units=h.weight[candidates],
                draw=self.uniform("queue_new"),
            )
            new = candidates[take]
            spent += float(weighted[take].sum())
            self.enrol(new, year)
        self.advance(year)
        self.close(year, budget, spent, new, unreached(candidates, new, h.n))

    def enrol(self, new: Index, year: int) -> None:
        """Start support for households ``new`` this year."""
        self.enrolled[new] = True
        self.since[new] = year
        self.until[new] = 0
        self.on_enrol(new, year)

    def close(self, year: int, budget: float, spent: float, new: Index, waiting: Mask) -> None:
        """Record the support households lost as the year began (:meth:`record_lost_support`:
        after the year's enrolment, which may renew it), set this year's effect and write
        the year's ledger row; ``waiting`` are the households that would have taken support
        up this year and were not reached (:func:`unreached`): not every eligible household,
        which counted those that turned support down as short of money."""
        h = self.context.households
        self.record_lost_support(year)
        self.income = self._one_a_household(self.effect(year), "effect", year)
        self.record(
            year,
            budget,
            spent,
            h.count(self.enrolled),
            h.count(new),
            h.count(waiting),
            h.people(self.enrolled),
            h.people(new),
            h.count(self.ever_covered()),
        )


class VillageProgram(Program):
    """A program for villages: the budget upgrades villages in a queue, once each.

    Subclasses say which villages are candidates (:meth:`candidates`), their order
    (:meth:`priority_key`) and what an upgrade does (:meth:`upgrade`); it costs
    ``config.unit_cost`` a village. Every household of an upgraded village counts as helped.

    Attributes:
        improved: villages upgraded so far.
    """

    unit: ClassVar[str] = "village"

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.improved: Mask = np.zeros(model.villages.n, dtype=bool)

    def candidates(self, year: int) -> Mask:
        """Villages that may be upgraded this year."""
        return ~self.improved & ~self.context.villages.resettlement

    def priority_key(self, idx: Index) -> NDArray[np.float64]:
        """Sort key for candidate villages ``idx``: lower goes first."""
        return np.zeros(idx.size)

    def upgrade(self, idx: Index, year: int) -> None:
        """Upgrade villages ``idx``."""

    def begin_year(self, year: int) -> None:
        v = self.context.villages
        budget = self.budget(year) if self.active(year) else 0.0
        idx = np.flatnonzero(self.candidates(year))
        # A sample village stands for ``weight`` real ones and costs that many upgrades.
        costs = self.config.unit_cost * v.weight[idx]
        take = fit_queue(
            costs,
            self.priority_key(idx),
            budget,
            units=v.weight[idx],
            draw=self.uniform("queue_villages"),
        )
        new = idx[take]
        self.improved[new] = True
        self.upgrade(new, year)
        waiting = np.setdiff1d(idx, new)
        self.record(
            year,
            budget,
            float(self.config.unit_cost * v.weight[new].sum()),
            float(v.weight[self.improved].sum()),
            float(v.weight[new].sum()),
            float(v.weight[waiting].sum()),
        )

    def helped(self) -> Mask:
        return self.improved[self.context.households.village]


def record_support_reach(programs: Sequence[Program], h: HouseholdState) -> None:
    """Complete the year's ledger rows of the household programs with the register's counts.

    The households on the register's books (registered or exited) each program supports at
    the year's end (``register_enrolled``: published counts of a program's households are
    the register's, and the minimum living allowance also keeps households never
    registered), and those ever reached by any program of each kind of support, each once
    (``support_reached``): the 2020 census gave a kind's reach so, over the registered
    households, exited or not (employment support: labour export, posts, training). A
    household the register removed is no longer counted.

    A village program's households are those of the villages it upgraded (its other
    columns count villages): every household of an upgraded village is helped.

    Args:
        programs: the scenario's programs.
        h: the households, read only.
    """
    on_books = h.status != Status.UNREGISTERED
    kinds: dict[str, list[SupportProgram]] = {}
    for program in programs:
        if isinstance(program, VillageProgram) and program.ledger:
            helped = program.helped() & on_books
            row = program.ledger[-1]
            row["register_enrolled"], row["register_enrolled_people"] = (
                h.count(helped),
                h.people(helped),
            )
            row["support_reached"] = row["register_enrolled"]
        if isinstance(program, SupportProgram) and program.ledger:
            kinds.setdefault(program.config.support or program.name, []).append(program)
            row = program.ledger[-1]
            row["register_enrolled"], row["register_enrolled_people"] = program.supported(on_books)
    for members in kinds.values():
        reached = np.zeros(h.n, dtype=bool)
        for program in members:
            reached |= program.ever_covered()
        reached &= on_books
        for program in members:
            program.ledger[-1]["support_reached"] = h.count(reached)


def unreached(candidates: Index, new: Index, n: int) -> Mask:
    """The households of a queue (``candidates``, who would take support up) that were not
    enrolled (``new``): those the money, or the program's places, ran out on."""
    waiting = np.zeros(n, dtype=bool)
    waiting[candidates] = True
    waiting[new] = False
    return waiting


def channel_totals(programs: Sequence[Program], n: int) -> dict[str, Money]:
    """This year's program income by channel, yuan per person per year.

    ``"wage"`` holds the wages earned at home; ``"remitted"`` the wages of members working
    away (:attr:`Program.earned_away`, and any program's :attr:`Program.remitted`), which
    the income step does not cut for an illness at home.
    """
    totals = {channel: np.zeros(n) for channel in ("farm", "wage", "transfer", "remitted")}
    for program in programs:
        away = program.channel == "wage" and program.earned_away
        totals["remitted" if away else program.channel] += program.income
        totals["remitted"] += program.remitted
    return totals
