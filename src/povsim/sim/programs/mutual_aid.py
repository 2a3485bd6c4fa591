"""Village mutual-aid funds (扶贫互助资金): small loans from a revolving village fund.

Poverty funds seed a fund in a village; member households — registered households with
labour first — borrow small sums for a year, repay with a small occupancy fee, and the
fund lends the money again. The budget pays the seed capital once per village; the loans
revolve, so a fund lends each year what it holds, less what failed activities lost it.
A loan funds the household's own activity: a year's return on farm and business income.
Seed 002 (Shandan): 110 mutual-aid societies with 26 m yuan in all, about 236,000 yuan a
village.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import MutualAidConfig, ProgramConfig
from povsim.config.vocabulary import Status
from povsim.sim.programs.base import Index, Mask, SupportProgram, fit_queue, unreached

if TYPE_CHECKING:
    from povsim.sim.agents import County

__all__ = ["MutualAid", "MutualAidConfig"]


class MutualAid(SupportProgram):
    """Seed capital for village funds; a year's loan for households where a fund has money.

    Attributes:
        pool: capital of the funds of the real villages each village row stands for, yuan.
        founded: villages whose fund was seeded (once: a fund that lost its capital
            is not seeded again).
    """

    Config: ClassVar = MutualAidConfig
    channel: ClassVar = "farm"

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        self.pool = np.zeros(model.villages.n)
        self.founded = np.zeros(model.villages.n, dtype=bool)

    def eligible(self, year: int) -> Mask:
        return super().eligible(year) & (self.pool[self.context.households.village] > 0)

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        self.magnitude[idx] = self.config.loan * self.config.return_rate / h.size[idx]

    def begin_year(self, year: int) -> None:
        c, h, v = self.config, self.context.households, self.context.villages
        ending = self._support_over(year)
        failed = ending & (self.draws("failure") < c.failure)
        self.pool -= np.bincount(
            h.village[failed], weights=c.loan * h.weight[failed], minlength=v.n
        )
        np.maximum(self.pool, 0.0, out=self.pool)
        self.end_support(ending, year)

        budget = self.budget(year) if self.active(year) else 0.0
        spent = self._seed_funds(budget)

        draws = self.draws("take_up")
        # A loan is an enrolment: after the program's last year the funds lend no more, and
        # the year's loans already out run to their term (``last_year``, as every kind).
        eligible = self.may_enrol(year)
        candidates = np.flatnonzero(eligible & ~self.enrolled & (draws < self.take_up(year)))
        new = self._lend(candidates, year)
        self.enrol(new, year)
        self.close(year, budget, spent, new, unreached(candidates, new, h.n))

    def _seed_funds(self, budget: float) -> float:
        """Found funds in the villages with the most registered households; their cost."""
        c, h, v = self.config, self.context.households, self.context.villages
        open_ = ~self.founded & ~v.resettlement
        if c.poor_villages_only:
            open_ &= v.poor_village
        idx = np.flatnonzero(open_)
        if not idx.size or budget <= 0:
            return 0.0
        poor = np.bincount(
            h.village, weights=h.weight * (h.status == Status.REGISTERED), minlength=v.n
        )
        costs = c.fund * v.weight[idx]
        take = fit_queue(
            costs,
            -poor[idx] / v.weight[idx],
            budget,
            units=v.weight[idx],
            draw=self.uniform("queue_new"),
        )
        self.pool[idx[take]] = costs[take]
        self.founded[idx[take]] = True
        return float(costs[take].sum())

    def _lend(self, candidates: Index, year: int) -> Index:
        """The candidates each village's fund can lend to, in priority order within it."""
        c, h, v = self.config, self.context.households, self.context.villages
        if not candidates.size:
            return candidates
        lent = np.bincount(
            h.village[self.enrolled], weights=c.loan * h.weight[self.enrolled], minlength=v.n
        )
        room = np.maximum(self.pool - lent, 0.0)
        costs = self.enrolment_cost(candidates, year)
        village = h.village[candidates]
        order = np.lexsort((self.priority_key(candidates, year, costs), village))
        loans = c.loan * h.weight[candidates[order]]
        running = np.cumsum(loans)
        starts = np.searchsorted(village[order], village[order], side="left")
        within = running - (running[starts] - loans[starts])
        fits = within <= room[village[order]] * (1.0 + 1e-9)
        return candidates[order][fits]
