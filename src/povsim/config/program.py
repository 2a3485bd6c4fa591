"""Program settings: what every program has, and what each built-in kind adds.

A program table in a scenario is validated by the ``Config`` class of its ``kind``
(:mod:`povsim.config.registry`), a subclass of :class:`ProgramConfig`. The settings of
the built-in kinds live here, beside the scenario schema, so that reading and checking
a scenario never loads the simulation; what each program does, with its sources, is in
its module under :mod:`povsim.sim.programs`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from povsim.config.fields import Probability, StrictNumbers, Year, setting
from povsim.config.vocabulary import CAUSE_NAMES

__all__ = [
    "AssetIncomeConfig",
    "Channel",
    "ConsumptionConfig",
    "CostBasis",
    "CostTiming",
    "EducationConfig",
    "EmploymentConfig",
    "HealthConfig",
    "HousingConfig",
    "IndustryConfig",
    "InfrastructureConfig",
    "MicrocreditConfig",
    "MutualAidConfig",
    "PairingConfig",
    "Priority",
    "ProgramConfig",
    "PublicJobsConfig",
    "RelocationConfig",
    "SocialSecurityConfig",
    "StatusName",
    "WorkAwayConfig",
]

Channel = Literal["farm", "wage", "transfer"]
StatusName = Literal["registered", "exited", "unregistered"]
Priority = Literal["hardship", "gap", "random", "cost", "exit_plan"]
CostBasis = Literal["household", "person"]
CostTiming = Literal["once", "yearly"]


class ProgramConfig(StrictNumbers):
    """Settings every program has. Subclasses add the fields of their effect."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    for_villages: ClassVar[bool] = False
    """The program upgrades villages, not households: no household's support names it."""

    kind: str = setting("", "program type: a built-in name or 'package.module:Class'")
    share: Probability = setting(0.0, "share of budget.total this program gets", "share")
    budget: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] | None = setting(
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
        "kind count a household once in spending.parquet's support_reached and in "
        "program_reach_share, among the households on the register (registered or exited) "
        "(unset: the program's own name)",
    )
    guaranteed_from: int | None = setting(
        None,
        "from this year every eligible household that takes the program up is enrolled, "
        "whatever the budget: what the campaign had to guarantee by its end, paid from "
        "other budgets when this one runs short; a program that secures a guarantee "
        "reaches every eligible registered household short of it, take-up and once aside "
        "(unset: never)",
        "year",
    )

    def references(self) -> dict[str, str]:
        """Fields naming another program of the scenario: field -> program name."""
        return {}

    def without_support(self) -> dict[str, object]:
        """Field changes that leave this program without support (the counterfactual)."""
        return {"share": 0.0, "budget": None}

    def totals(self) -> tuple[str, ...]:
        """Fields that are totals for the scenario's whole population (yuan, people; a number
        or one by year): a county's share of a national run takes its share of them."""
        return ("budget",)

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


class IndustryConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    min_land: float = setting(0.1, "farmland a household needs", "mu/person", ge=0.0)
    gain: float = setting(
        3000.0, "farm and business income gained at full effect", "yuan/person/year", ge=0.0
    )
    unit_cost: float = setting(10000.0, "cost of support", "yuan", ge=0.0)
    ramp_years: int = setting(2, "years from first effect to full effect", "years", ge=1)
    decay: float = setting(
        0.2, "share of the effect lost each year after support ends", "1/year", ge=0.0, le=1.0
    )


class EmploymentConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    placement_rate: Probability = setting(
        0.29, "share of trained households with a worker placed in a job", "share"
    )
    wage: float = setting(
        24000.0,
        "yearly wage of a placed worker in the first simulated year (grows by wage_growth)",
        "yuan/worker/year",
        ge=0.0,
    )
    wage_growth: float = setting(
        0.06,
        "yearly growth of a placed worker's wage (NBS migrant-worker monitoring survey: "
        "2,864 yuan a month in 2014, 4,072 in 2020)",
        "1/year",
        ge=-0.5,
        le=0.5,
    )
    job_loss: Probability = setting(0.15, "yearly chance a placed worker loses the job", "1/year")
    unit_cost: float = setting(3000.0, "training cost", "yuan", ge=0.0)
    decay: float = setting(
        0.0,
        "share of a held job's wage lost each year after the training's support ends "
        "(0: the job goes on until the worker loses it)",
        "1/year",
        ge=0.0,
        le=1.0,
    )


class WorkAwayConfig(ProgramConfig):
    """Work away from home (外出务工): how many of the register's labourers work away, and
    what they earn, as the employment drive reported it."""

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


class RelocationConfig(ProgramConfig):
    min_remoteness: Probability = setting(0.6, "village remoteness at least this", "index")
    fragile_villages: bool = setting(True, "also admit households of fragile villages")
    cost_basis: CostBasis = setting("person", "unit_cost is per household or per person")
    unit_cost: float = setting(60000.0, "cost of moving and new housing", "yuan", ge=0.0)
    farm_kept: Probability = setting(
        0.5, "share of farm income kept after moving away from the land", "share"
    )
    transition_loss: float = setting(
        1000.0, "income lost in the year of the move", "yuan/person", ge=0.0
    )
    duration_years: int = setting(1, "years of support", "years", ge=1)


class EducationConfig(ProgramConfig):
    allowance: float = setting(1000.0, "allowance per pupil", "yuan/pupil/year", ge=0.0)
    graduate_wage: float = setting(
        20000.0,
        "yearly wage of a pupil who finished school with support, above what the household's "
        "own workers earn",
        "yuan/year",
        ge=0.0,
    )
    leaves_home: Probability = setting(
        0.6, "chance a supported school leaver works away from home (a migrant worker)", "share"
    )
    remittance_share: Probability = setting(
        0.3, "share of the wage a worker away from home sends back", "share"
    )
    unit_cost: float = setting(1500.0, "cost per pupil-year with administration", "yuan", ge=0.0)
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid at enrolment or every year")
    duration_years: int = setting(3, "years of support", "years", ge=1)


class StudentAidConfig(ProgramConfig):
    budget: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] | None = setting(
        {},
        "none of the poverty funds (empty): once guaranteed it is paid from the education "
        "budgets, and no share of budget.total moves it",
        "yuan/year",
    )
    allowance: dict[Year, Annotated[float, Field(ge=0.0, le=1e6)]] = setting(
        {},
        "what the campaign added to a pupil's aid, by year (a year not given takes the last "
        "given before it; none: the aid predates the campaign and is in the drawn incomes)",
        "yuan/pupil/year",
    )
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    take_up: Probability = setting(1.0, "chance an eligible household takes the aid up", "share")
    unit_cost: float = setting(
        0.0,
        "none: the ledger counts the allowance paid (a cost of its own is refused)",
        "yuan",
        ge=0.0,
        le=0.0,
    )
    cost_timing: CostTiming = setting("yearly", "the aid is paid every school year")
    duration_years: int = setting(
        12, "most years of aid before a household is assessed anew", "years", ge=1
    )
    once: bool = setting(False, "a household is enrolled at most once")
    support: str | None = setting("education", "census reports count it as education support")


class HealthConfig(ProgramConfig):
    extra_reimbursement: Probability = setting(
        0.35, "extra share of an illness's cost reimbursed", "share"
    )
    income_protection: Probability = setting(
        0.3, "share of the income lost while ill that support avoids", "share"
    )
    priority: Priority = setting("hardship", "who is enrolled first when money runs short")
    unit_cost: float = setting(300.0, "premium subsidy and assistance", "yuan", ge=0.0)
    cost_basis: CostBasis = setting("person", "unit_cost is per household or per person")
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid at enrolment or every year")
    duration_years: int = setting(5, "years of support", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")


class SocialSecurityConfig(ProgramConfig):
    max_labour: int | None = setting(0, "most workers a household may have", "people", ge=0)
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    threshold: float = setting(
        0.9, "income is topped up to this multiple of the poverty line", "ratio", gt=0.0
    )
    two_lines_in_one: bool = setting(
        False, "the dibao line is the poverty line; anyone below it is eligible at once"
    )
    two_lines_from: int | None = setting(
        None, "first year of two lines in one (unset: every year)", "year"
    )
    standard: dict[Year, Annotated[float, Field(ge=0.0, le=1e6)]] | None = setting(
        None,
        "the rural dibao standard by year; under two lines in one the allowance tops up to "
        "the higher of it and the poverty line (a year not given takes the last given before "
        "it; unset: the poverty line)",
        "yuan/person/year",
    )
    entitlement_from: int | None = setting(
        None,
        "from this year the allowance is paid to every eligible household whatever the "
        "budget (dibao as an entitlement paid from civil-affairs money, 应保尽保); who is "
        "eligible does not change",
        "year",
    )
    withdrawal_years: int = setting(
        0,
        "years the allowance continues, at its last amount, once a household's income "
        "without it has reached the standard (低保渐退期; 0: it ends at the next assessment)",
        "years",
        ge=0,
        le=5,
    )
    withdrawal_from: int | None = setting(
        None,
        "first year a household whose income has reached the standard may be in its "
        "withdrawal period (the national rule came with the 2018 opinion of MCA, MOF and "
        "LGOP; unset: every year)",
        "year",
    )
    partial_capacity_from: int | None = setting(
        None,
        "from this year registered households whose labour capacity is partly lost may "
        "enrol as well (完全或部分丧失劳动能力, 2018): a chronically ill or disabled member "
        "and at most partial_capacity_max_labour workers (unset: never)",
        "year",
    )
    partial_capacity_max_labour: int = setting(
        1, "most workers a household whose capacity is partly lost has", "people", ge=0
    )
    single_member_from: int | None = setting(
        None,
        "from this year a registered household not on the allowance whose member is severely "
        "disabled or seriously ill has that member enrolled as a household of one, paid the "
        "standard, and keeps it after the household's exit (参照单人户纳入低保, 2018; unset: "
        "never)",
        "year",
    )
    refers_from: int | None = setting(
        None,
        "from this year a household never registered that is on the allowance, its income "
        "without it under the poverty line, is put forward for the register and enters by "
        "its review of additions (应扶尽扶: 符合扶贫条件的农村低保家庭按规定程序纳入建档立卡"
        "范围, 国办发〔2016〕70号; unset: never)",
        "year",
    )
    priority: Priority = setting("gap", "who is enrolled first when money runs short")
    take_up: Probability = setting(0.95, "chance an eligible household takes it up", "share")
    duration_years: int = setting(1, "years between re-assessments", "years", ge=1)
    decay: Probability = setting(1.0, "share of the effect lost after support ends", "1/year")
    once: bool = setting(False, "a household is enrolled at most once")


class HousingConfig(ProgramConfig):
    cost_grade_c: float = setting(15000.0, "renovation of a grade C house", "yuan", ge=0.0)
    cost_grade_d: float = setting(35000.0, "renovation of a grade D house", "yuan", ge=0.0)
    take_up: Probability = setting(0.9, "chance an eligible household takes it up", "share")
    duration_years: int = setting(1, "years of support", "years", ge=1)


class InfrastructureConfig(ProgramConfig):
    for_villages: ClassVar[bool] = True
    unit_cost: float = setting(2_000_000.0, "cost of upgrading one village", "yuan", ge=0.0)
    poor_villages_only: bool = setting(True, "only designated poor villages")
    infrastructure_gain: Probability = setting(0.3, "rise in the infrastructure index", "index")
    remoteness_cut: Probability = setting(0.15, "fall in remoteness (new roads)", "index")
    growth_gain: float = setting(
        0.01, "growth added to the village trend", "1/year", ge=0.0, le=0.5
    )


class MicrocreditConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"),
        "register statuses that may borrow (exited households kept the policy to 2020)",
    )
    loan: float = setting(
        40000.0, "loan per household (the policy's ceiling is 50,000)", "yuan", ge=0.0, le=50000.0
    )
    interest_rate: Probability = setting(
        0.0435, "benchmark lending rate, paid by the budget for the borrower", "1/year"
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
    cost_timing: CostTiming = setting("yearly", "the interest is paid every year of the loan")
    decay: Probability = setting(1.0, "share of the effect lost after the loan ends", "1/year")


class MutualAidConfig(ProgramConfig):
    min_labour: int = setting(1, "fewest workers a household needs", "people", ge=0)
    fund: float = setting(
        236000.0, "seed capital of one village's fund", "yuan/village", ge=0.0, le=1e8
    )
    loan: float = setting(5000.0, "loan per household", "yuan", ge=0.0, le=1e6)
    return_rate: float = setting(
        0.12, "net yearly return of the funded activity on the loan", "1/year", ge=0.0, le=1.0
    )
    failure: Probability = setting(
        0.08, "chance a loan's activity fails and the loan is lost to the fund", "1/year"
    )
    poor_villages_only: bool = setting(True, "funds only in designated poor villages")
    duration_years: int = setting(1, "loan term", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after the loan ends", "1/year")


class PublicJobsConfig(ProgramConfig):
    max_labour: int | None = setting(
        1, "most full workers a household may have (the posts are for weak labour)", "people", ge=0
    )
    wage: float = setting(6000.0, "yearly pay of one post", "yuan/post/year", ge=0.0, le=1e6)
    unit_cost: float = setting(6000.0, "cost of one post a year (the wage)", "yuan", ge=0.0)
    cost_timing: CostTiming = setting("yearly", "unit_cost is paid every year of support")
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    duration_years: int = setting(3, "years a post is held", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after the post ends", "1/year")


class AssetIncomeConfig(ProgramConfig):
    capital: float = setting(
        24000.0,
        "asset bought for one share (a household's 3 kW of PV, or a member's equity)",
        "yuan",
        ge=0.0,
        le=1e7,
    )
    cost_basis: CostBasis = setting(
        "household", "a share for each household, or for each member (equity quantified to members)"
    )
    dividend_rate: float = setting(
        0.11, "yearly dividend on the asset in a normal year", "1/year", ge=0.0, le=1.0
    )
    output_sd: float = setting(
        0.1,
        "year-to-year variation of the asset's output (sun, curtailment, prices)",
        "ratio",
        ge=0.0,
        le=1.0,
    )
    duration_years: int = setting(20, "years the dividends are paid", "years", ge=1)
    support_after_exit_years: int = setting(
        20, "years dividends continue after a household exits", "years", ge=0
    )
    priority: Priority = setting("hardship", "who is enrolled first when money runs short")


class PairingConfig(EmploymentConfig):
    """Employment transfer to the paired province: its placement, job loss and wage growth."""

    placement_rate: Probability = setting(
        0.5, "share of enrolled households with a worker placed in the paired province", "share"
    )
    wage: float = setting(
        36000.0, "yearly wage in the paired province", "yuan/worker/year", ge=0.0, le=1e6
    )
    remittance_share: Probability = setting(
        1.0, "share of the wage that counts as the household's income", "share"
    )
    unit_cost: float = setting(3000.0, "organised placement: training and travel", "yuan", ge=0.0)
    work_teams: float = setting(
        0.0,
        "villages a year given a work team by helping units, beyond the poor villages",
        "villages/year",
        ge=0.0,
        le=1e6,
    )


class ConsumptionConfig(ProgramConfig):
    seller: str = setting(
        "industry", "the industry program whose enrolled households sell to the buyers"
    )
    price_premium: float = setting(
        0.15, "rise in what the buyers pay over the market price", "share", ge=0.0, le=2.0
    )
    cost_timing: CostTiming = setting("yearly", "the premium is paid every year of support")
    duration_years: int = setting(3, "years of support", "years", ge=1)
    once: bool = setting(False, "a household is enrolled at most once")
    decay: Probability = setting(1.0, "share of the effect lost after support ends", "1/year")

    def references(self) -> dict[str, str]:
        return {"seller": self.seller}
