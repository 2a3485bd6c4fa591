"""Work away from home (外出务工): the employment drive's labour export, at its published scale.

The campaign's employment drive (就业扶贫: organised labour export, east-west labour
cooperation, transport subsidies) sent the register's labourers to work away: 15.27 m in
2016, 27.29 m in 2019, 29.73 m by October 2020, earning 12,451 yuan a year each in 2016 and
26,544 in 2019; work income was about two-thirds of these households' income (SCIO, 19 Nov
2020; docs/register-sources.md section 12). Its aim was at least one worker in stable work in
every registered household with labour (有劳动能力的贫困户至少一人稳定就业), so every
household's first labourer goes before anyone's second.

The scale is the published count, not a budget: the program fills the count each year
with labourers of registered and exited households, in a fixed order of each household's
readiness to go (a draw made once), so those away stay away while the count grows.

Two income concepts. The survey behind the incidence series counts a household's members
living at home and what those away send or bring home (``remitted_share``); the register's
income accounting counted a member working away with all of the earnings
(``register_counts = "full"``): 27.29 m labourers × 26,544 yuan is about 7,300 yuan for each
of the roughly 99 m people ever registered, and work income was 68.8% of 9,808 yuan, about
6,750 — the register counted earnings in full, not a remitted share (our arithmetic,
docs/register-sources.md section 12), as its income forms did: all of every member's wages,
at home or away, less production costs alone (section 80). The part not sent home goes to
:attr:`~povsim.sim.households.HouseholdState.away_income`, which the register's tests (exit,
relapse, monitoring, the minimum living allowance) add to the survey's income.

The incomes the population is drawn with already hold what the labourers away at the time
sent home (``drawn_labourers``), and none of their wages at home. They are the first in the
order of going: only the labourers after them add remittances to the survey's income and
take wages from home, while the register counts the earnings away of all of them, from the
first year the scenario gives their earnings: before the drive's first count (``first_year``)
those already away were away all the same, and the register counted them from registration
(docs/register-sources.md section 84), though they are not the drive's help until it counts
them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.fields import in_force
from povsim.config.programs import ProgramConfig, WorkAwayConfig
from povsim.sim.programs.base import Mask, Money, SupportProgram
from povsim.sim.queue import fit_queue

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["WorkAway", "WorkAwayConfig"]


class WorkAway(SupportProgram):
    """Labourers of the register working away, filled to the published count each year.

    Attributes:
        labour_away: each household's labourers working away this year.
        readiness: each household's place in the order of going (lower goes first).
        away_income: this year's earnings not sent home, yuan per person per year; the
            register counts them (``register_counts = "full"``), the survey does not.
    """

    Config: ClassVar = WorkAwayConfig
    channel: ClassVar = "wage"
    earned_away: ClassVar = True

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        n = model.households.n
        self.labour_away = np.zeros(n, dtype=np.int64)
        # Drawn once, in the first year: a household's readiness to go is its own.
        self.readiness = self.stream("readiness").random(n)
        self.away_income: Money = np.zeros(n)
        # The place in the order of going of the last labourer already away when the
        # incomes were drawn, fixed the first year the program sends anyone: a labourer's
        # being already away is its own, and does not pass to the next in line when a
        # household ahead leaves the register.
        self.drawn_cutoff: float | None = None

    def begin_year(self, year: int) -> None:
        h, c = self.context.households, self.config
        eligible = self._one_a_household(self.eligible(year), "eligible", year)
        started = self.started(year)
        if started:
            target = in_force(c.labourers, year)
        else:
            # Before the drive's first count the labourers already away when the incomes
            # were drawn were away all the same, and the register counted their earnings
            # (docs/register-sources.md sections 80 and 84), at the year's earnings where
            # the scenario gives them.
            target = c.drawn_labourers if in_force(c.earnings, year) > 0 else 0.0
        idx = np.flatnonzero(eligible)
        # One slot per labourer; slot k of every household comes before slot k + 1 of any.
        slots = h.labour[idx].astype(np.int64)
        owner = np.repeat(idx, slots)
        rank = np.arange(owner.size) - np.repeat(np.cumsum(slots) - slots, slots)
        keys = rank + self.readiness[owner]
        # The drawn incomes hold what the labourers already away then sent home, and no
        # wages of theirs at home. They are the first in the order of going: only those
        # after them are new to the survey's income.
        if self.drawn_cutoff is None and target > 0:
            drawn = fit_queue(h.weight[owner], keys, c.drawn_labourers)
            self.drawn_cutoff = float(keys[drawn].max()) if drawn.size else -np.inf
        if not self.active(year):
            # After its last year no one new goes: those away stay, as the count holds them,
            # and so do those away before it began (the drawn incomes'), whom it never sent.
            cutoff = -np.inf if self.drawn_cutoff is None else self.drawn_cutoff
            stays = (rank < self.labour_away[owner]) | (keys <= cutoff)
            owner, keys = owner[stays], keys[stays]
        taken = fit_queue(h.weight[owner], keys, target)
        before = self.labour_away
        self.labour_away = np.bincount(owner[taken], minlength=h.n)
        went = self.labour_away > 0
        new = np.zeros(0, dtype=np.intp)
        if started:  # before it, those away are not the drive's to enrol
            # A household whose labourers all came home has lost the work (a relapse cause).
            self.end_support(self.enrolled & ~went, year)
            new = np.flatnonzero(went & ~self.enrolled)
            self.enrol(new, year)
        cutoff = -np.inf if self.drawn_cutoff is None else self.drawn_cutoff
        already = np.bincount(owner[keys <= cutoff], minlength=h.n)
        self.labour_left = np.maximum(self.labour_away - already, 0).astype(np.float64)
        # Placement is paid for a labourer newly away: not one away last year, nor one away
        # before the program began (the first year's ``before`` is empty).
        newly = np.maximum(self.labour_away - np.maximum(before, already), 0)
        spent = float(c.unit_cost * (newly * h.weight).sum())
        wage = in_force(c.earnings, year)
        self.magnitude = c.remitted_share * wage * self.labour_left / h.size
        kept = (1.0 - c.remitted_share) * wage * self.labour_away / h.size
        self.away_income = kept if c.register_counts == "full" else np.zeros(h.n)
        # Who goes is the published count's, not a queue for money: no one waits.
        self.close(year, spent, spent, new, np.zeros(h.n, dtype=bool))

    def effect(self, year: int) -> Money:
        """What the labourers away send or bring home, yuan per person per year."""
        return self.magnitude.copy()

    def helped(self) -> Mask:
        """Households with a labourer away that the drive counts: the register counts
        their earnings. Before its first year those already away are not its help."""
        return (self.labour_away > 0) & self.enrolled

    def contribution(self) -> Money:
        """All the earnings the register counts (the exit test is the register's), less the
        wages at home its labourers gave up."""
        return np.maximum(self.income + self.away_income, 0.0) - self.forgone
