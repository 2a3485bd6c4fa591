"""Settings of poverty-alleviation microcredit (扶贫小额信贷).

What the program does, with its sources: :mod:`povsim.sim.programs.microcredit`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import Probability, setting
from povsim.config.programs.base import CostTiming, ProgramConfig, StatusName

__all__ = ["MicrocreditConfig"]


class MicrocreditConfig(ProgramConfig):
    fixed: ClassVar = {"cost_timing": "the budget pays the interest every year of the loan"}

    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"),
        "register statuses that may borrow (exited households kept the policy to 2020)",
    )
    loan: float = setting(
        40000.0, "loan per household (the policy's ceiling is 50,000)", "yuan", ge=0.0, le=50000.0
    )
    interest_rate: Probability = setting(
        0.0475,
        "benchmark lending rate, paid by the budget for the borrower: PBoC's for one to five "
        "years from 24 Oct 2015 (4.35% to one year), as the loans ran three years "
        "(docs/register-sources.md section 59)",
        "1/year",
    )
    risk_fund_share: Probability = setting(
        0.1, "share of each loan set aside in the county's risk compensation fund", "share"
    )
    return_rate: float = setting(
        0.075,
        "net yearly return of the funded activity on the loan: the median of five stored "
        "county cases of 2016-2018, 4-10% (fixed dividends of loans pooled in firms, 6-10%; "
        "own activities about 7.5%: docs/register-sources.md section 21)",
        "1/year",
        ge=0.0,
        le=1.0,
    )
    failure: Probability = setting(0.08, "yearly chance the funded activity fails", "1/year")
    ramp_years: int = setting(
        2,
        "years from the loan to the activity's full return: half in the loan's year (an "
        "assumption: the commonest uses, livestock and shares in firms, pay after a "
        "production cycle or at the year's end; loans went out through the year)",
        "years",
        ge=1,
    )
    duration_years: int = setting(3, "loan term", "years", ge=1, le=3)
    renewal: Probability = setting(
        1.0,
        "chance a borrower whose activity still runs borrows again at the loan's term "
        "(续贷, 展期), for another term, while its status may borrow (banks were to lend "
        "to every eligible household that asked, renewals included: Xinhua, 3 Jul 2020)",
        "share",
    )
    cost_timing: CostTiming = setting(
        "yearly", "the interest is paid every year of the loan (another timing is refused)"
    )
    decay: Probability = setting(1.0, "share of the effect lost after the loan ends", "1/year")
