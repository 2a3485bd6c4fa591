"""Poverty-alleviation microcredit (扶贫小额信贷): loans that fund a household's own activity.

Registered households with labour borrow up to 50,000 yuan for up to three years, with no
collateral or guarantor and at the benchmark rate, which the budget pays; the county sets
aside a risk compensation fund for defaults. The budget therefore carries the interest
and the risk fund, not the principal. The loan funds an industry activity (livestock, a
shop, a greenhouse): its return is farm and business income, so it moves with prices and
is hit by disasters and illness like the household's own farming, and each year the
activity may fail, which ends its return (repaying the principal is a financial flow,
not a fall in disposable income). At the term the activity ends with the loan unless
the household borrows again (``renewal``: renewal and extension contracts stayed within
the policy through 2020, Xinhua, 3 Jul 2020). Nationally 674.7 bn yuan was lent in 17.03 m loans by
August 2020 (domain.md, "Program reach by 2020"), about 39,600 yuan a loan; the 17.03 m counts
renewals and extensions again, and 37.0% of the registered households ever borrowed (2020 census;
docs/register-sources.md sections 15 and 57).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from povsim.config.programs import MicrocreditConfig
from povsim.sim.programs.base import Index, Money, SupportProgram

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from povsim.sim.agents import County

__all__ = ["Microcredit", "MicrocreditConfig"]


class Microcredit(SupportProgram):
    """Interest-free loans: the activity's return while it lasts; interest and a risk fund."""

    Config: ClassVar = MicrocreditConfig
    channel: ClassVar = "farm"

    def __init__(self, model: County, name: str, config: MicrocreditConfig):
        super().__init__(model, name, config)
        self.renewals = np.zeros(model.households.n, dtype=np.int8)

    def term_end(self) -> NDArray[np.int64]:
        return super().term_end() + self.renewals.astype(np.int64) * self.config.duration_years

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        c = self.config
        return self._loans(idx) * (c.interest_rate + c.risk_fund_share)

    def continuing_cost(self, idx: Index, year: int) -> Money:
        return self._loans(idx) * self.config.interest_rate

    def _loans(self, idx: Index) -> Money:
        return np.full(idx.size, self.config.loan)

    def on_enrol(self, idx: Index, year: int) -> None:
        self.renewals[idx] = 0
        h = self.context.households
        self.magnitude[idx] = self.config.loan * self.config.return_rate / h.size[idx]

    def begin_year(self, year: int) -> None:
        # An activity that failed last year returns nothing more; the loan is written off
        # against the risk fund or repaid from savings, and the household does not borrow
        # again within this program (``once``).
        c = self.config
        failed = self.draws("failure") < c.failure
        self.end_support(self.enrolled & failed, year)
        # A running activity's loan falls due: a household that may still borrow may borrow
        # again for another term (the interest is paid as for any continuing loan), or it
        # repays and the activity ends with the loan.
        # A renewal is a loan lent again: none after the program's last year of lending.
        may = self.may_enrol(year, renewing=True)
        due = np.flatnonzero(self.enrolled & (year > self.term_end()) & may)
        if c.renewal > 0 and due.size:
            renew = self.draws("renewal")[due] < c.renewal
            self.renewals[due[renew]] += 1
        super().begin_year(year)
