"""Social security (社会保障兜底): the minimum living allowance (低保) and five guarantees (五保).

For households without labour (old, sick, disabled) by default, and from
``partial_capacity_from`` (2018) registered households whose capacity is partly lost. The
allowance tops income up to ``threshold`` times the poverty line, re-assessed every year from the
household's income without the allowance; it costs what it pays. With
``two_lines_in_one`` (两线合一, seeds 003 and 004) the poverty line floors the dibao
standard (``standard``, the county's own where set): a registered household below it that
cannot work is eligible, and an exited household
that falls back is caught at once whatever its labour, queued first. Once the floor is
guaranteed (the campaign's last year) it lifts every household still registered to the
exit standard (:meth:`SocialSecurity.threshold`).
A household whose income without the allowance reaches its standard keeps the allowance,
at its last amount, for ``withdrawal_years`` (低保渐退期, MCA, MOF and LGOP, 2018:
docs/register-sources.md section 14), so a recovery has to last before the floor lets go;
from ``withdrawal_from``, the year the rule came (before it the allowance ended at the
next assessment).
From ``refers_from`` a household never registered that the allowance covers, its own
income under the poverty line, is put forward for the register (应扶尽扶, 国办发〔2016〕70号:
:meth:`SocialSecurity.referred`): the survey alone sees it at the standard.
From ``single_member_from`` (2018) a registered household the allowance does not cover
whole has its severely disabled or seriously ill member enrolled as a household of one
(参照单人户纳入低保: :meth:`SocialSecurity.enrol_single_members`).
With ``grades`` the allowance pays by grade (分档发放, :meth:`SocialSecurity.due`): a household
under its standard is paid at least its grade's share of the standard.
With ``paid_before_start`` the allowance already ran in the registration's reference years
(:func:`pay_before_start`): rural dibao was nationwide from 2007, so the 2013 incomes the first
drive judged held it, and its recipients go on into the first year.
Seed 004: 1,162 households exited through dibao in Jiangjin in 2015; nationally
nearly 20 million people were covered by dibao or extreme-poverty support by 2020.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.fields import in_force
from povsim.config.programs import ProgramConfig, SocialSecurityConfig
from povsim.config.vocabulary import Status
from povsim.sim.households import HouseholdState
from povsim.sim.programs.base import (
    Index,
    Mask,
    Money,
    SupportProgram,
    fit_queue,
    labour_admits,
    status_mask,
)

if TYPE_CHECKING:
    from povsim.config import Scenario
    from povsim.sim.agents import County
    from povsim.sim.streams import Streams

__all__ = ["SocialSecurity", "SocialSecurityConfig", "allowance_due", "pay_before_start"]


# Larger than any priority key, so these go to the front of the queue.
_FIRST = 1e12


def allowance_due(
    h: HouseholdState,
    idx: Index,
    standard: Money,
    own: Money,
    grades: tuple[float, float, float],
) -> Money:
    """Yuan per person due to households ``idx`` with income ``own`` without the allowance:
    the gap to ``standard`` (按差额), or with ``grades`` at least their grade's share of it
    (分档发放), for a household under its standard.

    The national rule paid the gap "原则上", or "按照其家庭的困难程度和类别，分档发放"
    (国发〔2007〕19号); the centre and the west paid by grade, leaning on the village's
    review where incomes could not be checked, and MCA's average payment stood at 0.56
    of the average standard in 2014-2015 (docs/register-sources.md section 85).
    """
    gap = np.maximum(standard - own, 0.0)
    if not any(grades):
        return gap
    no_worker = h.labour[idx] == 0
    old_or_ill = (h.elderly[idx] > 0) | h.disabled[idx] | h.chronic[idx]
    share = np.where(
        no_worker & h.severe[idx],
        grades[0],
        np.where(no_worker | old_or_ill, grades[1], grades[2]),
    )
    return np.where(gap > 0.0, np.maximum(gap, share * standard), 0.0)


def two_lines_in_force(config: SocialSecurityConfig, year: int) -> bool:
    """Whether the dibao line is the poverty line in ``year`` (两线合一)."""
    start = config.two_lines_from
    return bool(config.two_lines_in_one and (start is None or year >= start))


def dibao_standard(config: SocialSecurityConfig, line: float, year: int) -> float:
    """Under two lines in one, the county's dibao standard (``standard``), floored by the
    poverty line ``line``; unset, the line itself. Two lines in one made the line the
    standard's floor; counties set the standard higher (MCA's national averages, 4,301 yuan
    in 2017 and 5,962 at the end of 2020; the poor provinces' about 0.8 of them:
    docs/register-sources.md sections 6, 45 and 75)."""
    dibao = in_force(config.standard, year) if config.standard else 0.0
    return max(line, dibao)


def standard_for_one(config: SocialSecurityConfig, line: float, year: int) -> float:
    """The standard of a household that cannot work, yuan per person a year: ``threshold``
    times the line before two lines in one, the dibao standard (:func:`dibao_standard`)
    from then."""
    if not two_lines_in_force(config, year):
        return config.threshold * line
    return dibao_standard(config, line, year)


def pay_before_start(h: HouseholdState, scenario: Scenario, year: int, streams: Streams) -> None:
    """Set the allowance a reference year (before ``start_year``) pays, as
    ``h.support_transfer``, yuan per person per year: zero without a program
    ``paid_before_start``.

    Rural dibao ran nationwide from 2007 (国发〔2007〕19号, docs/register-sources.md section
    85): the year the first drive judged (2013) was lived with it, and NBS's poor of that year
    (82.49 m, the estimate the register's quota split) were counted on incomes that held it.
    It is assessed as in the campaign's first years: households that pass the program's
    labour test, their income at the year's start without it under the standard, taking it
    up at ``take_up``; paid by ``grades`` where set (:func:`allowance_due`). The register's
    statuses do not enter: no household is registered yet.

    Args:
        h: the households: ``support_transfer`` is set in place; ``income`` and
            ``away_income`` as they stand (the year before's, the drawn ones in the first
            reference year) are the income assessed, with last year's allowance taken off.
        scenario: the run's scenario (its programs and lines).
        year: the reference year.
        streams: the take-up draws come from the program's own stream for the year.
    """
    paid = np.zeros(h.n)
    for name, c in scenario.programs.items():
        if not (isinstance(c, SocialSecurityConfig) and c.paid_before_start):
            continue
        standard = standard_for_one(c, scenario.line(year), year)
        own = h.register_income() - h.support_transfer
        takes = streams.program(name, "take_up_before_start", year).random(h.n) < c.take_up
        idx = np.flatnonzero(labour_admits(c, h) & takes & (own < standard))
        paid[idx] = allowance_due(h, idx, np.full(idx.size, standard), own[idx], c.grades)
    h.support_transfer = paid


class SocialSecurity(SupportProgram):
    """Top-ups to a standard for households who cannot work and, under two lines in one,
    for exited households that fall back (:meth:`may_claim`)."""

    Config: ClassVar = SocialSecurityConfig
    # An exited household that falls back is caught at once (seed 003), not after the register.
    registered_first: ClassVar = False

    def __init__(self, model: County, name: str, config: ProgramConfig):
        super().__init__(model, name, config)
        h = model.households
        # Paid before the start (:func:`pay_before_start`), its recipients of the last
        # reference year go on: re-assessed at the first year's start, not drawn anew.
        before = h.support_transfer.copy() if self.config.paid_before_start else np.zeros(h.n)
        self.paid_last_year = before
        # The yearly rate of what it last paid: what it paid, a part year's reach undone
        # (:meth:`reach_part_of_year`). The withdrawal continues this rate.
        self.rate_last_year = before.copy()
        self.enrolled |= before > 0
        self.since[before > 0] = self.context.scenario.start_year - 1
        # The withdrawal counts assessments in a row with income over the standard (one a
        # year, so 12 months is one): the first year of the current run (0: under it).
        self.over_from = np.zeros(model.households.n, dtype=np.int16)
        self.withdrawing: Mask = np.zeros(model.households.n, dtype=bool)
        # Households of the 2018 scope admitted while registered: they keep the allowance
        # at the dibao standard after their exit; one caught as it fell back is not of it.
        self.partial_admitted: Mask = np.zeros(model.households.n, dtype=bool)
        # Exited households whose own income fell under the line and has stayed there,
        # caught by the allowance as they fell (seed 003): the relapse test must see the
        # fall, though the allowance pays.
        self.after_fall: Mask = np.zeros(model.households.n, dtype=bool)
        # Each household's own income and the line at the last assessment: a fall is a
        # crossing, from at or over the line to under it. Before the first, the incomes
        # the population starts with, judged by the first year's line (a scenario's line
        # need not go back further).
        self.own_last: Money = h.register_income() - before
        self.line_last = self.context.line(self.context.scenario.start_year)
        # Households with one member on the allowance as a household of one (单人户施保),
        # now and ever.
        self.single: Mask = np.zeros(model.households.n, dtype=bool)
        self.single_ever: Mask = np.zeros(model.households.n, dtype=bool)
        self.single_new: Mask = np.zeros(model.households.n, dtype=bool)

    def own_income(self) -> Money:
        """The register's income without this year's allowance: what dibao assesses and
        what a fall is judged on."""
        return self.context.households.register_income() - self.income

    def unlimited(self, year: int) -> bool:
        """Guaranteed, or an entitlement (``entitlement_from``)."""
        start = self.config.entitlement_from
        return super().unlimited(year) or (start is not None and year >= start)

    def two_lines(self, year: int) -> bool:
        """Whether the dibao line is the poverty line in ``year`` (:func:`two_lines_in_force`)."""
        return two_lines_in_force(self.config, year)

    def threshold(self, year: int) -> Money:
        """Each household's standard, the income the allowance tops up to, yuan per person
        per year.

        Under two lines in one it is the county's dibao standard (``standard``), which the
        poverty line floors; a household with workers, which the floor takes only once it
        falls back (:meth:`may_claim`), is caught under the line itself. Once the floor is
        guaranteed (the campaign's last year) a household still registered is lifted to the
        register's exit standard where that is higher, so the floor catches every registered
        household that could not reach it by work: the rural dibao standard then stood above
        the exit test (4,876 yuan where the poor lived, 5,962 over all counties, against about
        4,000 in 2020; docs/register-sources.md, sections 1, 6 and 75).
        """
        h = self.context.households
        line = self.context.line(year)
        if not self.two_lines(year):
            return np.full(h.n, self.config.threshold * line)
        dibao = dibao_standard(self.config, line, year)
        standard = np.full(h.n, dibao)
        last = self.config.guaranteed_from
        if self.config.max_labour is not None:
            standard[~self.cannot_work(year)] = line
        if last is not None and year >= last:
            exit_standard = max(dibao, self.context.scenario.exit_standard(year))
            standard[h.status == Status.REGISTERED] = exit_standard
        return standard

    def top_up(self, idx: Index, year: int) -> Money:
        """Yuan per person the allowance pays (:meth:`due`), from income without it."""
        h = self.context.households
        own = h.register_income()[idx] - self.paid_last_year[idx]
        return self.due(self.threshold(year)[idx], own, idx)

    def due(self, standard: Money, own: Money, idx: Index) -> Money:
        """Yuan per person due to households ``idx`` with income ``own`` without the
        allowance, by the program's ``grades`` (:func:`allowance_due`)."""
        return allowance_due(self.context.households, idx, standard, own, self.config.grades)

    def partial_capacity(self, year: int) -> Mask:
        """Households whose labour capacity is partly lost, from ``partial_capacity_from``: a
        chronically ill or disabled member and at most ``partial_capacity_max_labour``
        workers. The 2018 opinion widened the floor to registered poor "完全丧失劳动能力和
        部分丧失劳动能力且无法依靠产业就业帮扶脱贫" (MCA, MOF, LGOP; docs/register-sources.md
        section 14): they enter while registered, not yet exited, and keep the allowance
        as long as it is due."""
        h, c = self.context.households, self.config
        if c.partial_capacity_from is None or year < c.partial_capacity_from:
            return np.zeros(h.n, dtype=bool)
        partly = (h.chronic | h.disabled) & (h.labour <= c.partial_capacity_max_labour)
        kept = self.enrolled & self.partial_admitted & (h.status == Status.EXITED)
        return partly & ((h.status == Status.REGISTERED) | kept)

    def _admit(self, year: int) -> None:
        """Record which households on the floor entered it by the 2018 scope."""
        registered = self.context.households.status == Status.REGISTERED
        admitted = self.enrolled & registered & self.partial_capacity(year)
        self.partial_admitted = (self.partial_admitted & self.enrolled) | admitted

    def cannot_work(self, year: int) -> Mask:
        """The households the floor (兜底) is for: without a worker (``max_labour``: dibao
        counts what a worker could earn) or with a partly lost capacity
        (:meth:`partial_capacity`)."""
        h = self.context.households
        if self.config.max_labour is None:
            return np.ones(h.n, dtype=bool)
        return (h.labour <= self.config.max_labour) | self.partial_capacity(year)

    def labour_ok(self, year: int) -> Mask:
        return (self.context.households.labour >= self.config.min_labour) & self.cannot_work(year)

    def may_claim(self, year: int) -> Mask:
        """Under two lines in one: the households the allowance may cover.

        Those who cannot work (:meth:`cannot_work`), and, whatever their labour, exited
        households that fall back (seed 003: 只要返贫,马上纳入低保). Once the floor is
        guaranteed (``guaranteed_from``: the campaign's last year) it catches every
        household of the register still under its standard (:meth:`threshold`). With
        "unregistered" among its ``statuses`` the allowance is every rural resident's
        entitlement (应保尽保): a household never registered is covered if it cannot work.
        """
        h = self.context.households
        mask = status_mask(h.status, self.config.statuses)
        if self.config.max_labour is None:
            return mask
        on_books = h.status != Status.UNREGISTERED
        last = self.config.guaranteed_from
        # The campaign's guarantee was the register's: a household never registered (dibao
        # is every rural resident's, 应保尽保) keeps the labour test.
        guaranteed = on_books if last is not None and year >= last else np.zeros_like(mask)
        fell_back = h.ever_exited & on_books
        return mask & (self.cannot_work(year) | fell_back | guaranteed)

    def eligible(self, year: int) -> Mask:
        h = self.context.households
        below = (h.register_income() - self.paid_last_year) < self.threshold(year)
        if self.two_lines(year):
            return below & self.may_claim(year)
        return super().eligible(year) & below

    def take_up(self, year: int) -> Money:
        if self.two_lines(year):
            return np.ones(self.enrolled.size)
        return super().take_up(year)

    def priority_key(self, idx: Index, year: int, costs: Money) -> Money:
        key = super().priority_key(idx, year, costs)
        if self.two_lines(year):
            # Relapsed households (registered again after an exit) are caught first.
            h = self.context.households
            relapsed = (h.status[idx] == Status.REGISTERED) & h.ever_exited[idx]
            key = np.where(relapsed, key - _FIRST, key)
        return key

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        """A year's top-up for the whole household: what the allowance pays out."""
        return self.top_up(idx, year) * self.context.households.size[idx]

    def continuing_cost(self, idx: Index, year: int) -> Money:
        # In the withdrawal period the household's own income is over the standard: it
        # is paid what it was last paid, not a top-up: at a year's rate, though the first
        # year's support reached it only for part of the year.
        paid = np.where(self.withdrawing[idx], self.rate_last_year[idx], self.top_up(idx, year))
        return paid * self.context.households.size[idx]

    def floored(self, year: int) -> Mask:
        """Under two lines in one the allowance holds the households it pays at the line,
        re-assessed every year: their income is stably at the line (兜底). A household
        whose own income reached the standard this year is not held by it."""
        if self.two_lines(year):
            own = self.own_income()
            return self.enrolled & (own < self.threshold(year))
        return super().floored(year)

    def tops_up(self, year: int) -> bool:
        """The allowance pays a household it holds the whole gap to its standard
        (按差额): a larger one too, as an entitlement or with this year's money not all
        spent (:meth:`settle`)."""
        row = self.ledger[-1] if self.ledger else None
        return self.unlimited(year) or (row is not None and row["unspent_yuan"] > 0)

    def _support_over(self, year: int) -> Mask:
        """Re-assessed every year: support ends once income without it has stayed at the
        standard for ``withdrawal_years`` (at once without a withdrawal period, or before
        ``withdrawal_from``), or once the household may no longer claim. The withdrawal
        period is the register's
        (纳入农村低保的建档立卡贫困户, MCA, MOF and LGOP, 2018): a household never registered
        leaves the allowance once its income reaches the standard."""
        h = self.context.households
        below = (h.register_income() - self.paid_last_year) < self.threshold(year)
        may = self.may_claim(year) if self.two_lines(year) else super().eligible(year)
        recovered = self.enrolled & may & ~below & (h.status != Status.UNREGISTERED)
        self.over_from[~recovered] = 0
        self.over_from[recovered & (self.over_from == 0)] = year
        start = self.config.withdrawal_from
        rule = start is None or year >= start
        self.withdrawing = recovered & rule & (year - self.over_from < self.config.withdrawal_years)
        return self.enrolled & ~(below & may) & ~self.withdrawing

    def propped(self, year: int) -> Mask:
        """只要返贫,马上纳入低保 (seed 003): an exited household whose own income fell under
        the line, caught by the allowance as it fell, is under it for the relapse test while
        that income stays there. A fall is a crossing of the line by the household's own
        income since the last assessment, while the allowance did not hold it: a household
        already on the floor (its own income between the line and the standard, or in its
        withdrawal) is re-assessed and held at the standard through the shock, and one that
        exited through the floor, its own income under the line all along, has not fallen
        back either."""
        own = self.own_income()
        return self.enrolled & self.after_fall & (own < self.context.line(year))

    def referred(self, year: int) -> Mask:
        """应扶尽扶 (国办发〔2016〕70号, from ``refers_from``): a household on the allowance
        that meets the poverty conditions, its own income under the poverty line, is put
        forward for the register, which admits it by its review of additions;
        "符合扶贫条件的农村低保家庭，按规定程序纳入建档立卡范围" (docs/register-sources.md section
        22). The allowance keeps paying: registered, the household is also open to the
        campaign's programs and its exit rules."""
        h, start = self.context.households, self.config.refers_from
        if start is None or year < start:
            return np.zeros(h.n, dtype=bool)
        own = self.own_income()
        return self.enrolled & (h.status == Status.UNREGISTERED) & (own < self.context.line(year))

    def standard_for_one(self, year: int) -> float:
        """The allowance of a household of one without income of its own (yuan a year):
        :func:`standard_for_one`."""
        return standard_for_one(self.config, self.context.line(year), year)

    def enrol_single_members(self, year: int) -> None:
        """参照单人户纳入低保 (from ``single_member_from``): a registered household not on the
        allowance whole has its severely disabled or seriously ill member (重度残疾人、重病
        患者) enrolled as a household of one, "不含整户纳入低保范围的贫困人口" (the 2018
        opinion of MCA, MOF and LGOP; docs/register-sources.md section 39).

        The member lives on the family (靠家庭供养), with no income of their own, so is
        paid the standard in full; the household's income per person rises by that over
        its members. Admitted while the household is still registered (未脱贫), the member
        keeps it after the household's exit: the campaign's policies stayed (摘帽不摘政策).
        A household the allowance takes whole leaves this form. The allowance is an
        entitlement where the program is one; otherwise members already on it are paid
        first from what the year's money has left after the year's whole households, then
        the newly admitted by income: with money short, a whole household admitted this
        year comes before a member kept alone.
        """
        h, start = self.context.households, self.config.single_member_from
        if start is None or year < start:
            return
        self.single_new[:] = False
        on_books = h.status != Status.UNREGISTERED
        kept = self.single & on_books & h.severe & ~self.enrolled
        admitted = h.severe & (h.status == Status.REGISTERED) & ~self.enrolled & ~kept
        admitted &= self.active(year)
        idx = np.flatnonzero(kept | admitted)
        self.single[:] = False
        row = self.ledger[-1] if self.ledger else None
        if not idx.size or row is None:
            return
        allowance = self.standard_for_one(year)
        costs = allowance * h.weight[idx]
        own = h.register_income()[idx] - self.paid_last_year[idx]  # last year's allowance out
        keys = np.where(kept[idx], -_FIRST, 0.0) + own
        left = max(self.money(year) - row["spent_yuan"], 0.0)
        paid = idx[fit_queue(costs, keys, left, units=h.weight[idx], draw=self.uniform("single"))]
        self.single[paid] = True
        self.single_ever[paid] = True
        per_person = allowance / h.size[paid]
        self.magnitude[paid] += per_person
        self.income[paid] += per_person
        new = paid[admitted[paid]]
        self.single_new[new] = True
        spent = float(allowance * h.weight[paid].sum())
        row["spent_yuan"] += spent
        row["unspent_yuan"] -= spent
        row["enrolled"] += h.count(paid)
        row["new_enrolments"] += h.count(new)
        row["enrolled_people"] += h.count(paid)  # one member each
        row["new_people"] += h.count(new)
        row["reached"] = h.count(self.ever_covered())

    def covered(self) -> Mask:
        return self.enrolled | self.single

    def ever_covered(self) -> Mask:
        return super().ever_covered() | self.single_ever

    def supported(self, mask: Mask) -> tuple[float, float]:
        """Real households and people the allowance supports among ``mask``: a household
        enrolled whole counts its members, one with a member enrolled alone counts one."""
        h = self.context.households
        whole, single = self.enrolled & mask, self.single & mask & ~self.enrolled
        return h.count(whole) + h.count(single), h.people(whole) + h.count(single)

    def begin_year(self, year: int) -> None:
        super().begin_year(year)
        self._admit(year)
        # Registered again (a relapse): its next exit starts a new record, as does an exit
        # at the last assessment (a relapse the monitoring found exits at once through the
        # floor).
        h = self.context.households
        self.after_fall &= (h.status == Status.EXITED) & (h.exit_year < year - 1)
        idx = np.flatnonzero(self.enrolled)
        self.magnitude[:] = 0.0
        self.magnitude[idx] = self.top_up(idx, year)
        # The withdrawal keeps the allowance rather than re-assessing it (渐退: it ends once
        # the recovery is stable), so it pays what it last paid.
        self.withdrawing &= self.enrolled  # the budget's queue may have dropped some
        self.magnitude[self.withdrawing] = self.rate_last_year[self.withdrawing]
        self.income = self.magnitude.copy()
        self.enrol_single_members(year)
        self.paid_last_year = self.income.copy()
        self.rate_last_year = self.income.copy()

    def reach_part_of_year(self, share: float) -> None:
        """What the allowance paid is what reached the household
        (:meth:`Program.reach_part_of_year`): the next re-assessment takes it off the year's
        income to find the household's own, and the year's spending is only that
        (:meth:`settle` tops up from the part not paid and books what it pays).

        Args:
            share: the part of the year support reaches households, in [0, 1].
        """
        super().reach_part_of_year(share)
        self.paid_last_year = self.income.copy()

    def yearly_spending(self) -> float:
        """All the allowance's spending is a year's: the households enrolled whole and the
        members enrolled alone alike."""
        return self.ledger[-1]["spent_yuan"] if self.ledger else 0.0

    def settle(self, year: int) -> None:
        """Re-assess the allowance on the year's own income and pay households what is due.

        The allowance is paid monthly on an assessed income gap (or by grade, at least the
        grade's share of the standard: :meth:`due`) and re-assessed when circumstances
        change, so a household it covers ends the year at its standard (over it, paid by
        grade), whatever shocks the year brought. Under two lines in one the standard is
        the dibao standard floored by the poverty line, the line itself for a household
        with workers (in the guaranteed years, the exit standard for households still
        registered: :meth:`threshold`), and a registered or exited household that fell
        under it this year is caught at once (seed 003: 只要返贫,马上纳入低保). Both are
        paid from what is left of this year's budget, households already covered first.
        """
        h = self.context.households
        standard = self.threshold(year)
        # Dibao counts a household's whole income, members working away included.
        own = self.own_income()
        line = self.context.line(year)
        fell = (h.status == Status.EXITED) & (own < line) & (self.own_last >= self.line_last)
        # A household the allowance was paying while its own income stood over this year's
        # line (between the line and the standard, or in its withdrawal) is re-assessed to
        # the standard, as before the shock: the floor held, and there is no fall to record
        # (the allowance is settled on the year's own income: docs/concepts.md, year-end
        # step 3). One the allowance took on because its income was under the line (the
        # line rose past it) was caught as it fell (seed 003), as is one whose
        # re-assessment this year's money cannot pay.
        held = self.enrolled & (self.income > 0) & (self.own_last >= line)
        self.after_fall = (self.after_fall & (own < line)) | (fell & ~held)
        self.own_last, self.line_last = own.copy(), line
        candidates = self.enrolled.copy()
        if self.two_lines(year) and self.active(year):
            candidates |= self.may_claim(year) & (own + self.income < standard)
        due = self.due(standard, own, np.arange(h.n))
        extra = np.where(candidates, np.maximum(due - self.income, 0.0), 0.0)
        unpaid = fell & held & (extra > 0)
        idx = np.flatnonzero(extra > 0)
        if not idx.size or not self.ledger:
            self.after_fall |= unpaid
            return
        row = self.ledger[-1]
        left = max(self.money(year) - row["spent_yuan"], 0.0)
        costs = extra[idx] * h.size[idx] * h.weight[idx]
        keys = np.where(self.enrolled[idx], -_FIRST, 0.0) + own[idx]
        paid = idx[
            fit_queue(costs, keys, left, units=h.weight[idx], draw=self.uniform("queue_allowance"))
        ]
        unpaid[paid] = False
        self.after_fall |= unpaid
        new = paid[~self.enrolled[paid]]
        # A household whose member was admitted alone this year, taken whole now, was
        # counted new then, with one person: now the rest of its people.
        again = new[self.single_new[new]]
        self.single[new] = False
        self.enrolled[new] = True
        self._admit(year)
        self.since[new] = np.where(self.since[new] == 0, year, self.since[new])
        self.until[new] = 0
        self.income[paid] += extra[paid]
        # Exactly the standard, so the exit test (income >= line) does not hinge on rounding.
        h.income[paid] = np.maximum(
            h.income[paid] + extra[paid], standard[paid] - h.away_income[paid]
        )
        # Paid monthly, the allowance keeps food and clothing secure (两不愁).
        h.food_ok[paid] = True
        self.paid_last_year = self.income.copy()
        self.rate_last_year[paid] += extra[paid]
        spent = float((extra[paid] * h.size[paid] * h.weight[paid]).sum())
        row["spent_yuan"] += spent
        row["unspent_yuan"] -= spent
        row["enrolled"], row["enrolled_people"] = self.supported(np.ones(h.n, dtype=bool))
        row["new_enrolments"] += h.count(new) - h.count(again)
        row["new_people"] += h.people(new) - h.count(again)
        row["reached"] = h.count(self.ever_covered())
