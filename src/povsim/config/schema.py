"""The scenario schema: every section and field, with defaults, units and bounds.

A :class:`Scenario` is frozen; derive variants with :meth:`Scenario.updated`. Loading
files (``extends``, ``--set``) is :mod:`povsim.config.loader`'s job.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    NonNegativeFloat,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from povsim.config.errors import (
    PROGRAM_NOT_A_TABLE,
    ScenarioError,
    did_you_mean,
    problems_from,
    year_runs,
)
from povsim.config.fields import (
    Probability,
    Section,
    Year,
    repeated,
    setting,
)
from povsim.config.geography import GeographyConfig
from povsim.config.limits import MAX_SEED
from povsim.config.paths import set_path
from povsim.config.programs import (
    EmploymentConfig,
    ProgramConfig,
    SocialSecurityConfig,
    WorkAwayConfig,
)
from povsim.config.registry import BUILTIN_PROGRAMS, program_config_class
from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY

_PROGRAM_NAME_BREAKS = re.compile(r"[.:@\s\x00-\x1f\x7f]")

__all__ = [
    "BudgetConfig",
    "DisasterConfig",
    "ExitConfig",
    "GuaranteesConfig",
    "IllnessConfig",
    "IncomeConfig",
    "MarketConfig",
    "MonitoringConfig",
    "PopulationConfig",
    "RegistrationConfig",
    "Scenario",
    "ShocksConfig",
    "VillagesConfig",
    "small_household_people",
]


def _distribution(values: tuple[float, ...]) -> tuple[float, ...]:
    if any(v < 0 for v in values):
        raise ValueError("shares must not be negative")
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1 (they sum to {sum(values):.6g})")
    return values


BYTES_PER_AGENT = 1_000
"""Memory a household or a village takes while a model runs (measured: about 760 bytes)."""


def physical_memory() -> int:
    """This machine's memory in bytes (0 if the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 0


def size_text(n: float) -> str:
    """An amount of memory in bytes as a person reads it ("37 GB")."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}"
        n /= 1024
    return f"{n:,.0f} PB"  # pragma: no cover


def small_household_people(mean_household_size: float) -> float:
    """People per household who live in one- and two-person households, by the size law
    (1 + Poisson with mean ``mean_household_size``)."""
    lam = mean_household_size - 1.0
    return math.exp(-lam) * (1.0 + 2.0 * lam)


class PopulationConfig(Section):
    """Households and their members, as drawn by :mod:`povsim.sim.population`."""

    households: int = setting(5000, "number of household agents", "households", ge=1)
    villages: int = setting(50, "number of villages the households live in", "villages", ge=1)
    represents: int | None = setting(
        None,
        "real households the agents are a sample of (unset: the agents are the population)",
        "households",
        ge=1,
    )
    represents_villages: int | None = setting(
        None,
        "real villages the villages stand for (unset: the villages are all of them)",
        "villages",
        ge=1,
    )
    remote_oversampling: float = setting(
        1.0,
        "in a sample, how much likelier a household in the most remote village is drawn "
        "than one in the least remote; weights undo it",
        "ratio",
        ge=1.0,
        le=20.0,
    )
    mean_household_size: float = setting(
        3.3, "mean members per household (1 + Poisson)", "people", ge=1.0, le=10.0
    )
    max_household_size: int = setting(
        9, "largest household drawn", "people", ge=1, le=20, validate_default=True
    )
    elderly_share: Probability = setting(0.16, "share of people 60 or older", "share")
    elderly_alone_share: Probability = setting(
        0.414,
        "share of the elderly living alone or only with a spouse (空巢): their households "
        "have no other members",
        "share",
        validate_default=True,
    )
    school_share: Probability = setting(
        0.22, "chance a member under 60 is a child in school", "share"
    )
    school_years: int = setting(
        12,
        "years a pupil spends in school: primary 6, junior 3, senior 3; the eldest pupil "
        "has between 1 and this many left at the start",
        "years",
        ge=1,
        le=20,
    )
    sibling_gap_years: int = setting(
        3,
        "years between one pupil leaving school and the next, and between one child "
        "starting school and the next",
        "years",
        ge=1,
        le=10,
    )
    preschool_years: int = setting(
        6,
        "years a child lives at home before it starts school: as many children under school "
        "age are drawn, for each year, as pupils for each year of school (cohorts of equal "
        "size), and they start school one a sibling gap apart; 0: none, the pupils drawn at "
        "the start are the only ones",
        "years",
        ge=0,
        le=10,
    )
    chronic_illness_rate: Probability = setting(
        0.25, "share of households with a chronically ill member", "share"
    )
    chronic_income_loss: Probability = setting(
        0.35, "share of earned income a household loses to a chronic illness", "share"
    )
    disability_rate: Probability = setting(
        0.06, "share of households with a disabled member (one less worker)", "share"
    )
    severe_disability_share: Probability = setting(
        0.56,
        "share of households with a disabled member whose member is severely disabled "
        "(重度残疾人: grades 1-2, or grade 3 intellectual or psychiatric)",
        "share",
    )
    serious_illness_share: Probability = setting(
        0.45,
        "share of households with a chronically ill member whose member is seriously ill "
        "(重病患者, a major illness rather than a long-term chronic one)",
        "share",
    )
    education_probs: tuple[float, float, float, float] = setting(
        (0.35, 0.45, 0.15, 0.05),
        "education of the household's workers: primary or less, junior secondary, "
        "senior secondary, tertiary",
        "shares",
    )
    land_per_person: float = setting(1.5, "mean farmland per member", "mu/person", gt=0.0)
    land_sd: float = setting(0.7, "log standard deviation of farmland per member", "log", ge=0.0)
    housing_grade_probs: tuple[float, float, float, float] = setting(
        (0.55, 0.30, 0.10, 0.05),
        "housing safety grades A, B (safe), C, D (dangerous)",
        "shares",
    )
    housing_income_correlation: float = setting(
        0.5, "correlation between income rank and housing grade", "", ge=0.0, le=1.0
    )

    _shares = field_validator("education_probs", "housing_grade_probs")(_distribution)

    @field_validator("education_probs", "housing_grade_probs", mode="before")
    @classmethod
    def _four_shares(cls, value: object, info: ValidationInfo) -> object:
        # pydantic would say "education_probs.2: Field required" of a list of two
        if isinstance(value, list | tuple) and len(value) != 4:
            assert info.field_name is not None
            field = cls.model_fields[info.field_name]
            raise ValueError(f"needs 4 shares ({field.description}), not {len(value)}")
        return value

    @field_validator("max_household_size")
    @classmethod
    def _max_size(cls, value: int, info: ValidationInfo) -> int:
        mean = info.data.get("mean_household_size")
        if mean is not None and value < mean:
            raise ValueError(f"is below mean_household_size ({mean})")
        return value

    @field_validator("elderly_alone_share")
    @classmethod
    def _room_alone(cls, value: float, info: ValidationInfo) -> float:
        mean, elderly = info.data.get("mean_household_size"), info.data.get("elderly_share")
        if mean is None or elderly is None or elderly == 0:
            return value
        most = small_household_people(mean) / (elderly * mean)
        if value > most:
            raise ValueError(
                f"{value} of the elderly cannot live alone or in couples: with "
                f"mean_household_size {mean} and elderly_share {elderly} the one- and "
                f"two-person households hold at most {min(most, 1.0):.3f} of them"
            )
        return value


class VillagesConfig(Section):
    """Village attributes drawn at start-up."""

    remoteness_alpha: float = setting(
        2.0, "Beta(alpha, beta) shape of remoteness in [0, 1]", "", gt=0, le=1000
    )
    remoteness_beta: float = setting(
        3.0, "Beta(alpha, beta) shape of remoteness in [0, 1]", "", gt=0, le=1000
    )
    west_share: Probability = setting(
        0.0,
        "share of the villages in the western provinces: the most remote (a sample "
        "without geography; a county-resolved run sets it by the county's region)",
        "share",
    )
    fragile_share: Probability = setting(
        0.2, "share of villages that are ecologically fragile", "share"
    )
    infrastructure_mean: Probability = setting(
        0.5, "mean infrastructure level (roads, water, power) in [0, 1]", "index"
    )
    infrastructure_sd: float = setting(0.15, "spread of infrastructure level", "index", ge=0.0)
    designation_multiple: float = setting(
        2.0,
        "a village is designated poor when its incidence is at least this multiple of "
        "designation_incidence",
        "ratio",
        gt=0.0,
    )
    designation_quota: float | None = setting(
        None,
        "real villages designated, the likeliest poor first (规模控制: a quota handed down); "
        "unset: every village the rule (designation_multiple) picks",
        "villages",
        ge=0.0,
    )
    designation_incidence: Probability | Literal["county"] = setting(
        "county",
        "the incidence a village's is compared with: the province's (一高一低一无, 2014), or "
        "\"county\": the county's own at registration, where the province's is not given",
        "share",
    )
    work_teams: bool = setting(
        False, "poor villages get a resident work team and first secretary (驻村工作队)"
    )
    work_teams_from: int = setting(2015, "year the work teams are sent", "year")
    work_team_takeup: Probability = setting(
        0.1, "take-up of every program rises by this much in a village with a work team", "share"
    )
    work_team_growth: float = setting(
        0.005,
        "growth added to a village's trend by its work team: to what it earns, not to its "
        "transfers",
        "1/year",
        ge=0.0,
        le=0.5,
    )

    @field_validator("designation_incidence", mode="wrap")
    @classmethod
    def _a_share_or_county(cls, value: Any, handler: Any) -> Any:
        # One message, not one for each arm of the union.
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f'a share from 0 to 1, or "county"; not {value!r}') from None


class IncomeConfig(Section):
    """The income process: components, household level, village trends."""

    initial_mean: float = setting(
        6079.0, "mean per-capita disposable income at the start", "yuan/person/year", gt=0.0
    )
    component_shares: tuple[float, float, float, float] = setting(
        (0.404, 0.396, 0.179, 0.021),
        "shares of farm/business, wages, transfers and property in initial income",
        "shares",
    )
    growth: float = setting(
        0.073,
        "nominal log growth of farm and business income and transfers, the county's mean "
        "(wages: plus wage_premium); a village's trend is lower by "
        "remoteness_growth_penalty times its remoteness over the mean of the villages' "
        "remoteness distribution, higher under it",
        "1/year",
        ge=-0.5,
        le=1.0,
    )
    village_sd: float = setting(
        0.3, "log standard deviation of the persistent village income level", "log", ge=0.0
    )
    village_growth_sd: float = setting(
        0.02, "spread of village growth trends around their remoteness's", "1/year", ge=0.0
    )
    remoteness_growth_penalty: float = setting(
        0.03,
        "growth a village loses per unit of remoteness (from 0, near the town, to 1, the most "
        "remote), around the county's mean",
        "1/year",
        ge=0.0,
    )
    household_sd: float = setting(
        0.55, "log standard deviation of the persistent household level", "log", ge=0.0
    )
    transitory_sd: float = setting(
        0.2, "stationary log standard deviation of transitory income", "log", ge=0.0
    )
    transitory_persistence: Probability = setting(
        0.5, "annual autocorrelation of transitory income", ""
    )
    wage_by_education: tuple[
        NonNegativeFloat, NonNegativeFloat, NonNegativeFloat, NonNegativeFloat
    ] = setting((1.0, 1.25, 1.55, 2.0), "relative wage of a worker by education level", "ratio")
    wage_premium: float = setting(
        0.0,
        "growth of wage income over growth: rural wages outgrew farm income "
        "(docs/register-sources.md section 33); a village's own deviation applies to both",
        "1/year",
        ge=-0.2,
        le=0.2,
    )
    _shares = field_validator("component_shares")(_distribution)

    remoteness_wage_penalty: Probability = setting(
        0.4, "share of wages lost by the most remote village", "share"
    )
    elderly_transfer_weight: float = setting(
        3.0, "transfers to an elderly member relative to another member", "ratio", ge=0.0
    )
    transfer_elasticity: float = setting(
        0.0,
        "elasticity of a household's transfers to its persistent earning level (its own and "
        "its village's): remittances and pensions from past employment follow earnings, a "
        "flat pension or subsidy does not (0: every member alike, at the elderly weight)",
        "",
        ge=0.0,
        le=1.0,
    )
    transfer_sd: float = setting(
        0.0,
        "spread of a household's transfers apart from its earnings (log scale, the mean kept): "
        "what children away send and what pension a member draws differ from one household "
        "to the next (0: households of one earning level alike)",
        "log",
        ge=0.0,
        le=2.0,
    )


class IllnessConfig(Section):
    """Serious illness (因病致贫): its onset, the lost earnings of its months, its out-of-pocket
    cost net of insurance, and chronic illness, which cuts the household's earning bases for
    good (:func:`povsim.sim.shocks.fall_ill`; the loss: ``population.chronic_income_loss``)."""

    annual_probability: Probability = setting(
        0.06,
        "chance a household not already ill falls seriously ill, as a yearly rate (spread "
        "evenly over the steps; an episode under way holds off another until it ends)",
        "1/year",
    )
    chronic_multiplier: float = setting(
        3.0, "risk multiplier with a chronically ill member", "ratio", ge=0
    )
    elderly_multiplier: float = setting(
        1.5, "risk multiplier with an elderly member", "ratio", ge=0
    )
    oop_cost_mean: float = setting(
        6000.0, "mean medical cost of an episode before reimbursement", "yuan/episode", ge=0
    )
    oop_cost_sd: float = setting(0.8, "log standard deviation of episode cost", "log", ge=0)
    insured_reimbursement: Probability = setting(
        0.5, "share of the cost reimbursed when the household is insured", "share"
    )
    duration_months: int = setting(4, "months of lost work per episode", "months", ge=1, le=36)
    lost_income_share: Probability = setting(0.35, "share of earned income lost while ill", "share")
    chronic_onset: Probability = setting(
        0.1, "chance an episode leaves a chronic condition", "share"
    )


class DisasterConfig(Section):
    annual_probability: Probability = setting(
        0.05, "chance a village is hit by a disaster in a year", "1/year"
    )
    fragile_multiplier: float = setting(
        2.0, "risk multiplier for ecologically fragile villages", "ratio", ge=0
    )
    farm_loss: Probability = setting(0.3, "mean share of a year's farm income destroyed", "share")
    housing_damage: Probability = setting(
        0.05, "chance a safe house in a hit village becomes dangerous (grade C)", "share"
    )


class MarketConfig(Section):
    sd: float = setting(0.12, "stationary log standard deviation of farm prices", "log", ge=0)
    persistence: Probability = setting(0.5, "annual autocorrelation of farm prices", "")
    common_share: Probability = setting(
        0.7, "share of price variance common to all villages", "share"
    )
    bad_year_drop: Probability = setting(
        0.05,
        "a village's year counts as a market shock when its mean farm price is this far "
        "below normal (used to attribute relapses)",
        "share",
    )


class ShocksConfig(Section):
    """Sources of chance that hit incomes, each with its own random stream."""

    illness: IllnessConfig = IllnessConfig()
    disaster: DisasterConfig = DisasterConfig()
    market: MarketConfig = MarketConfig()


class RegistrationConfig(Section):
    """Identification of the poor (建档立卡) and the annual re-check (动态调整)."""

    coverage: Probability = setting(
        0.9, "chance a household the survey judges poor is registered in the first year", "share"
    )
    income_error_sd: float = setting(
        0.25, "log standard deviation of the survey's income estimate", "log", ge=0
    )
    completed_month: int = setting(
        0,
        "months of the first year the first registration drive took; support reaches "
        "households only for the rest of that year (0: a register stands at the start)",
        "months",
        ge=0,
        le=12,
    )
    quota: float | None = setting(
        None,
        "scale control (规模控制): the first registration takes the households the survey "
        "judges poorest until it holds this multiple of the people under the line "
        "(unset: everyone judged poor, at ``coverage``)",
        "ratio",
        gt=0.0,
        le=5.0,
    )
    income_year: int | None = setting(
        None,
        "the year whose incomes and line the first registration judged, when before "
        "start_year (2014's drive judged 2013 incomes, seed 002): the initial incomes stand "
        "for that year (unset: start_year)",
        "year",
    )
    recheck_years: tuple[int, ...] = setting(
        (),
        "years of the thorough re-check (回头看) that removes wrongly registered households "
        "and adds missed ones at the rates below (empty: every year)",
        "years",
    )
    review_coverage: Probability = setting(
        0.5,
        "chance the review registers an unregistered household it judges poor (in a "
        "re-check year, or every year without recheck_years)",
        "share",
    )
    recheck_detection: Probability = setting(
        0.5,
        "chance the re-check finds and removes a wrongly registered household (in a "
        "re-check year, or every year without recheck_years)",
        "share",
    )
    later_review_coverage: Probability = setting(
        0.05,
        "after the re-check years: chance a household judged poor passes village review and "
        "public notice onto the register",
        "share",
    )
    later_detection: Probability = setting(
        0.2, "after the re-check years: chance a wrongly registered household is removed", "share"
    )
    later_needs_guarantee_gap: bool = setting(
        True,
        "after the re-check years: a household the survey judges poor is newly identified "
        "only when one of the three guarantees (school, medical cover, a safe house) is also "
        "missing; a program's referral (应扶尽扶) needs its income alone",
        "flag",
    )
    hardship_cutoffs: tuple[float, float] = setting(
        (0.5, 0.8),
        "income as a share of the line below which a household is graded A, then B; else C",
        "share of line",
    )
    land_cause_below: float = setting(
        0.5, "farmland below which 'lack of land' is recorded", "mu/person", ge=0
    )
    transport_cause_above: Probability = setting(
        0.7, "village remoteness above which 'poor transport' is recorded", "index"
    )
    water_cause_below: Probability = setting(
        0.3, "village infrastructure below which 'lack of water' is recorded", "index"
    )
    capital_cause_rate: Probability = setting(
        0.35, "chance 'lack of capital' is recorded (no asset data to decide it)", "share"
    )
    marriage_cause_rate: Probability = setting(0.02, "chance 'marriage' is recorded", "share")
    motivation_cause_rate: Probability = setting(
        0.05, "chance 'lack of own motivation' is recorded", "share"
    )

    @field_validator("hardship_cutoffs")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] < value[1]:
            raise ValueError("cutoffs must be positive and increasing")
        return value


class GuaranteesConfig(Section):
    """The two no-worries and three guarantees (两不愁三保障)."""

    food_floor: Probability = setting(
        0.5,
        "a step is a hungry one when its income net of medical costs and disaster losses, "
        "as a yearly rate, is below this share of the line",
        "share of line",
    )
    food_months: float = setting(
        3.0,
        "food and clothing fail in a year with at least this many hungry months",
        "months",
        gt=0.0,
        le=12.0,
    )
    schooling_gap_poor: Probability = setting(
        0.10, "share of poor households with pupils whose schooling is not secured", "share"
    )
    schooling_gap_nonpoor: Probability = setting(
        0.02, "the same share among non-poor households", "share"
    )
    schooling_new_gap: Probability = setting(
        0.02, "yearly chance a poor household with pupils loses the schooling guarantee", "1/year"
    )
    schooling_annual_fix: Probability = setting(
        0.3, "yearly chance a schooling gap is closed without a program", "1/year"
    )
    medical_coverage: Probability = setting(
        0.989, "share of households insured at the start", "share"
    )
    medical_annual_fix: Probability = setting(
        0.5, "yearly chance an uninsured household enrols", "1/year"
    )
    self_renovation: Probability = setting(
        0.1, "yearly chance a household above the line makes a dangerous house safe", "1/year"
    )


class ExitConfig(Section):
    """Exit (脱贫) of households, villages and the county, and relapse (返贫)."""

    income_margin: float = setting(
        0.0,
        "exit needs income at least (1 + margin) times the exit standard",
        "share",
        ge=0.0,
        le=2.0,
    )
    standard_growth: float | None = setting(
        None,
        "the exit standard as the start year's line carried forward at this rate a year, "
        "as the register's exit test was (about 4,000 yuan in 2020 from 2,800 in 2014), "
        "never under the year's line; unset: each year's poverty line",
        "1/year",
        ge=0.0,
        le=0.2,
    )
    stable_years: int = setting(
        1,
        "exit needs income over the exit income at this many successive assessments while "
        "registered (年人均纯收入稳定超过; 1: this year's alone); income the floor guarantees "
        "counts as stable",
        "years",
        ge=1,
        le=5,
    )
    require_guarantees: bool = setting(
        True, "exit also needs food, schooling, medical care and safe housing", ""
    )
    reverify_years: tuple[int, ...] = setting(
        (),
        "years the register re-verified earlier exits: an exited household short of one of "
        "the three guarantees (schooling, medical cover, safe housing) is marked as relapsed "
        "(标注为脱贫返贫人口), whatever its income",
        "years",
    )

    @field_validator("reverify_years")
    @classmethod
    def _each_year_once(cls, years: tuple[int, ...]) -> tuple[int, ...]:
        twice = repeated(years)
        if twice:
            raise ValueError(f"{', '.join(map(str, twice))} listed more than once")
        return years

    plan_from: int | None = setting(
        None,
        "from this year exits follow annual exit plans (年度脱贫计划): each year at most the "
        "plan's share of the registered people exit, those furthest over the exit income "
        "first (unset: every household that passes the test exits)",
        "year",
    )
    plan_deadline: int = setting(
        2020, "the year by which the plans were to clear the register", "year"
    )
    plan_county_deadline: int | None = setting(
        None,
        "the year by which a county's plans were to bring its incidence "
        "(plan_county_incidence) under plan_county_target, its scheduled exit (摘帽计划: the "
        "county exits under its threshold, not at zero); until then a year's plan takes at "
        "least what is over the target over the years left to it, with no lead (the "
        "schedule is what finishes early), the rest by plan_deadline (unset: plan_deadline "
        "alone)",
        "year",
    )
    plan_county_target: Probability | None = setting(
        None,
        "the incidence a county's plans aim under by plan_county_deadline (a county-resolved "
        "run sets the incidence the county's exit schedule reaches that year, under its "
        "threshold; unset: county_threshold)",
        "share",
    )
    plan_county_incidence: Literal["comprehensive", "registered"] = setting(
        "comprehensive",
        "what the county's plans count against plan_county_target: 'comprehensive' "
        "(综合贫困发生率: registered, missed poor and wrongly exited people, the county checks' "
        "measure) or 'registered'; a county-resolved run sets geography.exit_incidence",
        "",
    )
    plan_unit: Literal["household", "village"] = setting(
        "household",
        "what a year's plan takes: 'household', the registered households furthest over "
        "the exit income wherever they live; 'village', the listed poor villages first "
        "(贫困村出列), those the plan can bring lowest in registered incidence, within a "
        "village the surest first, then households elsewhere",
        "",
    )
    plan_lead_years: float = setting(
        0.0,
        "how far ahead of the deadline the plans aimed to finish: a year's plan is the "
        "registered people over the years left to (deadline - lead), all of them in the "
        "last",
        "years",
        ge=0.0,
        le=3.0,
    )
    relapse_on_guarantee_loss: bool = setting(
        False,
        "an exited household that loses a guarantee relapses (off: the programs that stay "
        "after exit restore it, 不摘帮扶)",
        "",
    )
    relapse_years: int = setting(
        2,
        "a relapse is recorded once income has been under the exit standard (the year's line "
        "unless exit.standard_growth sets the register's own) at this many successive "
        "assessments since exit (verification; 1: any single year)",
        "years",
        ge=1,
        le=5,
    )
    relapse_on_shock: bool = setting(
        False,
        "an exited household under the exit standard in a year it fell gravely ill or was hit "
        "by a disaster relapses at that assessment, without waiting for relapse_years (it "
        "applies and is re-identified at once, 可申请返贫)",
        "",
    )
    keep_policies: bool = setting(
        True,
        "support for exited households continues at least to the end of policies_kept_until "
        "(摘帽不摘政策); off: only for each program's support_after_exit_years",
        "",
    )
    policies_kept_until: int = setting(
        2020, "last year of support kept after exit (the end of the campaign)", "year"
    )
    village_threshold: Probability = setting(
        0.02, "a poor village exits when its registered incidence falls below this", "share"
    )
    village_threshold_west: Probability | None = setting(
        None,
        "a poor village of a western province (villages.west_share) exits below this "
        "(unset: village_threshold)",
        "share",
    )
    county_threshold: Probability = setting(
        0.03, "the county exits when its registered incidence falls below this", "share"
    )


class MonitoringConfig(Section):
    """Relapse monitoring and help (防止返贫监测和帮扶, 2019-2020).

    Exited households and unregistered households at the margin are monitored when their
    income is under ``income_multiple`` times the exit standard (the register's measure, the
    line where no standard of its own is set) or a large spending shock hits; those found are
    helped up to the standard before they fall back. A household found stays
    monitored until its risk is cleared; the number monitored may be capped (``scale``).
    """

    enabled: bool = setting(True, "exited and marginal households are monitored and helped", "")
    from_year: int = setting(2019, "first year of monitoring", "year")
    income_multiple: float = setting(
        1.5,
        "monitored when income is under this multiple of the exit standard",
        "ratio",
        gt=0.0,
    )
    spending_share: float = setting(
        0.5,
        "also monitored when medical costs and disaster losses exceed this share of income",
        "share",
        gt=0.0,
    )
    coverage: Probability = setting(
        0.8, "chance a household that should be monitored is found and helped", "share"
    )
    scale: Probability | None = setting(
        None,
        "most people monitored, as a share of the people on the register's books (规模控制: "
        "exited households under the exit standard first, then the others under it, then those "
        "already followed; unset, or --set ...=none: no limit)",
        "share",
    )
    deep_scale: Probability | None = setting(
        None,
        "most people monitored in a deep-poverty county (深度贫困地区), as scale; unset: "
        "scale in every county",
        "share",
    )
    deep_incidence: Probability | None = setting(
        None,
        "a county is a deep-poverty county when its registered incidence at the end of "
        "deep_year is over this (unset: only by deep_area)",
        "share",
    )
    deep_year: int = setting(
        2016, "the year whose registered incidence designates deep-poverty counties", "year"
    )
    deep_area: bool = setting(
        False,
        "the county lies in a deep-poverty area by designation (三区三州), whatever its incidence",
        "",
    )

    def active(self, year: int) -> bool:
        """Whether the monitoring runs in ``year``."""
        return self.enabled and year >= self.from_year

    def places(self, deep_poverty: bool) -> float | None:
        """The scale that holds in a county: ``deep_scale`` in a deep-poverty one."""
        return self.deep_scale if deep_poverty and self.deep_scale is not None else self.scale


class BudgetConfig(Section):
    """Money for support programs; each program takes a share of ``total`` (or its own schedule)."""

    total: dict[Year, Annotated[float, Field(ge=0.0, le=1e13)]] = setting(
        {},
        "poverty-alleviation funds for each year (none before the first year given or "
        "after the last; a year missing between two is refused: write 0)",
        "yuan/year",
    )
    scale: float = setting(
        1.0,
        "multiplies every year of total: the share of the named funds that reaches "
        "programs, or a what-if on the money",
        "ratio",
        ge=0.0,
    )


def _program_config(value: Any, handler: Any) -> Any:
    """Validate a program table with the config class of its ``kind``."""
    if isinstance(value, ProgramConfig):
        return value
    if not isinstance(value, dict):
        raise ValueError(PROGRAM_NOT_A_TABLE)
    try:
        cls = program_config_class(str(value.get("kind", "")))
    except (LookupError, ImportError, AttributeError, TypeError) as err:
        raise ValueError(str(err)) from None
    return cls.model_validate(value)


ProgramEntry = Annotated[SerializeAsAny[Any], WrapValidator(_program_config)]


_ENDS_A_LEVER = ("_until", "last_year")
"""Year settings that end a lever rather than start it: after the run, it is on throughout."""


class Scenario(Section):
    """A fully validated scenario. Frozen: derive variants with :meth:`updated`."""

    _file_notes: list[str] = PrivateAttr(default_factory=list)
    """How its files combined, where that may not be what was meant (the loader's)."""

    name: str = setting("scenario", "short name used for the run directory", "")
    description: str = setting("", "what question this scenario answers", "")
    start_year: int = setting(2014, "first simulated year", "year", ge=1980, le=2100)
    end_year: int = setting(
        2020, "last simulated year", "year", ge=1980, le=2100, validate_default=True
    )
    steps_per_year: int = setting(
        12, "model steps per year (12 = monthly)", "steps/year", ge=1, le=365
    )
    seed: int = setting(20140101, "default seed when none is given", "", ge=0, le=MAX_SEED)
    poverty_line: dict[Year, Annotated[float, Field(gt=0.0, le=1e6)]] = setting(
        {
            2014: 2800.0,
            2015: 2855.0,
            2016: 2952.0,
            2017: 2952.0,
            2018: 2995.0,
            2019: 3218.0,
            2020: 3300.0,
        },
        "poverty line for each simulated year, current prices",
        "yuan/person/year",
        validate_default=True,
    )
    population: PopulationConfig = PopulationConfig()
    villages: VillagesConfig = VillagesConfig()
    income: IncomeConfig = IncomeConfig()
    shocks: ShocksConfig = ShocksConfig()
    registration: RegistrationConfig = RegistrationConfig()
    guarantees: GuaranteesConfig = GuaranteesConfig()
    exit: ExitConfig = ExitConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    budget: BudgetConfig = BudgetConfig()
    programs: dict[str, ProgramEntry] = setting(
        {},
        "support programs by name; each table's fields are listed under Programs",
        "",
    )
    geography: GeographyConfig | None = setting(
        None,
        "provinces and their counties: a national, county-resolved run (unset: one county)",
        "",
    )

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
            raise ValueError("holds a control character (a NUL byte, say)")
        return value

    @field_validator("programs", mode="before")
    @classmethod
    def _kind_defaults_to_name(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for name in value:
                # A name is a dotted path's part (--set programs.NAME.share=...), a kind's
                # default (an import path has a colon) and a part of outcome names
                # (exited_people:NAME, COLUMN@YEAR).
                bad = sorted({repr(c) for c in _PROGRAM_NAME_BREAKS.findall(str(name))})
                if bad:
                    raise ValueError(
                        f"program name {name!r}: may not hold {', '.join(bad)} (a name is "
                        "part of dotted paths such as programs.NAME.share and of outcome names)"
                    )
                if not str(name):
                    raise ValueError("a program's name is empty")
            return {
                name: {"kind": name, **entry} if isinstance(entry, dict) else entry
                for name, entry in value.items()
            }
        return value

    @field_validator("programs")
    @classmethod
    def _shares_fit_the_budget(cls, value: dict[str, Any]) -> dict[str, Any]:
        shares = {name: p.share for name, p in value.items() if p.budget is None}
        total = sum(shares.values())
        if total > 1.0 + 1e-9:
            # with extends, the shares come from several files: each is named
            parts = " + ".join(f"{name} {share:g}" for name, share in shares.items() if share)
            raise ValueError(
                f"program shares of budget.total add up to {total:.4g}, more than 1 ({parts})"
            )
        return value

    @field_validator("programs")
    @classmethod
    def _references_exist(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, program in value.items():
            for field, other in program.references().items():
                target = value.get(other)
                if target is None or other == name:
                    raise ValueError(
                        f"{name}.{field} names {other!r}, which is not another program of "
                        f"the scenario ({', '.join(n for n in value if n != name) or 'none'})"
                    )
                if target.for_villages:
                    raise ValueError(f"{name}.{field} names {other!r}, a village program")
        return value

    @field_validator("end_year")
    @classmethod
    def _end_after_start(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("start_year")
        if start is not None and value < start:
            raise ValueError(f"{value} is before start_year ({start})")
        return value

    @field_validator("poverty_line")
    @classmethod
    def _line_covers_years(cls, value: dict[int, float], info: ValidationInfo) -> dict[int, float]:
        # A file that extends another may add earlier years after the inherited ones.
        value = dict(sorted(value.items()))
        start, end = info.data.get("start_year"), info.data.get("end_year")
        if start is not None and end is not None:
            missing = [y for y in range(start, end + 1) if y not in value]
            if missing:
                raise ValueError(f"no value for {year_runs(missing)} (the run is {start}-{end})")
        return value

    @field_validator("registration")
    @classmethod
    def _registration_year_has_a_line(
        cls, value: RegistrationConfig, info: ValidationInfo
    ) -> RegistrationConfig:
        year, lines = value.income_year, info.data.get("poverty_line")
        start = info.data.get("start_year")
        if year is not None and start is not None and year > start:
            raise ValueError(f"income_year {year} is after start_year ({start})")
        if year is not None and lines is not None and year not in lines:
            raise ValueError(f"income_year {year} has no poverty_line value")
        return value

    @model_validator(mode="after")
    def _program_names_are_not_pathways(self) -> Scenario:
        # A whole-scenario check, so the error names the file that set the program.
        for name in self.programs:
            if name in (NO_PATHWAY, JOINT_PATHWAY):
                meaning = (
                    "exits that needed no program"
                    if name == NO_PATHWAY
                    else "exits that needed the programs together, none alone"
                )
                raise ValueError(
                    f"programs.{name}: a program may not be called {name!r}; the exit "
                    f"pathways use the name for {meaning}"
                )
        return self

    @model_validator(mode="after")
    def _allowance_before_start_has_a_reference_year(self) -> Scenario:
        # Without a year lived before the start, or with no one off the register eligible,
        # the allowance before the campaign would pay no one: a setting that does nothing.
        year = self.registration.income_year
        before = [
            name
            for name, config in self.programs.items()
            if isinstance(config, SocialSecurityConfig) and config.paid_before_start
        ]
        if len(before) > 1:
            # Each would take what the reference year paid as its own.
            raise ValueError(
                f"programs.{before[1]}.paid_before_start: programs.{before[0]} already stands "
                "for the allowance before the campaign; set it in one program only"
            )
        for name in before:
            config = self.programs[name]
            assert isinstance(config, SocialSecurityConfig)
            if year is None or year >= self.start_year:
                raise ValueError(
                    f"programs.{name}.paid_before_start: no reference year to pay it in: set "
                    f"registration.income_year before start_year ({self.start_year})"
                )
            if "unregistered" not in config.statuses:
                raise ValueError(
                    f"programs.{name}.paid_before_start: before the register everyone is "
                    f"unregistered, and its statuses leave them out: add 'unregistered'"
                )
        return self

    @model_validator(mode="after")
    def _placements_are_not_counted_twice(self) -> Scenario:
        # work_away's labourers are every registered labourer away from home, however each
        # found the job (SCIO's counts); a placement program beside it adds the same
        # workers again.
        away = [n for n, c in self.programs.items() if isinstance(c, WorkAwayConfig)]
        if not away:
            return self
        for name, config in self.programs.items():
            out_of_the_mix = (
                config.share == 0 and config.budget is None and config.guaranteed_from is None
            )
            if isinstance(config, EmploymentConfig) and config.placement_rate > 0:
                if out_of_the_mix:
                    continue  # it places no one
                # Named at the labourers away, the table that adds the count: a file that
                # adds work_away to a mix was told its parent's employment was at fault.
                raise ValueError(
                    f"programs.{away[0]}: counts the labourers away however they found work, "
                    f"whom programs.{name} places again (placement_rate "
                    f"{config.placement_rate:g}); set programs.{name}.placement_rate = 0 "
                    "(training and job services stay) or leave one of the two out"
                )
        return self

    @model_validator(mode="after")
    def _money_in_the_simulated_years(self) -> Scenario:
        # A year left out of a budget has no money; but a budget none of whose years is
        # simulated, or with a year missing between two it gives, is a typo, not a plan.
        # Its years outside the run are allowed: a scenario may be run over fewer years.
        series = {"budget.total": self.budget.total}
        series |= {f"programs.{n}.budget": p.budget for n, p in self.programs.items() if p.budget}
        if self.geography is not None:
            series["geography.plan_money"] = self.geography.plan_money
        simulated = self.years
        for field, money in series.items():
            if not money:
                continue
            given = [y for y in simulated if y in money]
            if not given:
                raise ValueError(
                    f"{field}: none of its years ({year_runs(money)}) is simulated "
                    f"({self.start_year}-{self.end_year}): give the simulated years' money "
                    f"(or {self.start_year} = 0 for none)"
                )
            # Over all its years, simulated or not: 2002 for 2020 leaves 2003-2013 out.
            holes = [y for y in range(min(money), max(money) + 1) if y not in money]
            if holes:
                raise ValueError(
                    f"{field}: no value for {year_runs(holes)}, between years it gives "
                    f"(write {holes[0]} = 0 for a year without money, or mend a mistyped year)"
                )
        plan = self.geography.plan_money if self.geography is not None else {}
        if plan and not any(plan.get(y, 0.0) > 0 for y in simulated):
            # the schedules' weights are each year's money over the mean year's
            raise ValueError(
                "geography.plan_money: no money in any simulated year: the county exit "
                "schedules are drawn to each year's share of it (leave it out to draw them "
                "to budget.total)"
            )
        return self

    @model_validator(mode="after")
    def _counties_can_exit(self) -> Scenario:
        geo = self.geography
        if geo is not None and geo.first_exit_year > self.end_year:
            raise ValueError(
                f"geography.first_exit_year: {geo.first_exit_year} is after end_year "
                f"({self.end_year}): no county could exit"
            )
        if geo is not None:
            unknown = [n for n in geo.guaranteed_in_exit_year if n not in self.programs]
            if unknown:
                raise ValueError(
                    f"geography.guaranteed_in_exit_year: {', '.join(unknown)} "
                    f"{'is not a program' if len(unknown) == 1 else 'are not programs'} "
                    "of this scenario"
                )
        return self

    @model_validator(mode="after")
    def _fits_in_memory(self) -> Scenario:
        if self.geography is not None:
            # A national run holds one county at a time per worker: each county's scenario
            # is checked on its own when it is derived.
            return self
        have = physical_memory()
        pop = self.population
        need = BYTES_PER_AGENT * (pop.households + pop.villages)
        if have and need > have:
            field = "households" if pop.households >= pop.villages else "villages"
            raise PydanticCustomError(
                "too_large",
                "population.{field}: {households} households in {villages} villages need "
                "about {need} of memory; this machine has {have}",
                {
                    "field": field,
                    "households": f"{pop.households:,}",
                    "villages": f"{pop.villages:,}",
                    "need": size_text(need),
                    "have": size_text(have),
                },
            )
        return self

    @property
    def registration_line(self) -> float:
        """The line the first registration and poor-village designation judged by."""
        year = self.registration.income_year
        return self.line(self.start_year if year is None else year)

    @property
    def years(self) -> range:
        """The simulated years, first to last."""
        return range(self.start_year, self.end_year + 1)

    def funds(self, year: int) -> float:
        """Total program funds in ``year``, yuan."""
        return self.budget.scale * self.budget.total.get(year, 0.0)

    def without_support(self) -> Scenario:
        """The same county with no program money, work teams or monitoring: the counterfactual."""
        changes: dict[str, Any] = {
            "villages.work_teams": False,
            "budget.total": {},
            "monitoring.enabled": False,
        }
        for name, program in self.programs.items():
            for key, value in program.without_support().items():
                changes[f"programs.{name}.{key}"] = value
        return self.updated(changes)

    def has_support(self) -> bool:
        """Whether any program has money in any year, work teams are sent (the poor villages'
        or a program's: :meth:`ProgramConfig.support_besides_money`), or households are
        monitored within the simulated years: what :meth:`without_support` takes away."""
        if self.villages.work_teams or self.monitoring.active(self.end_year):
            return True
        for program in self.programs.values():
            if program.support_besides_money():
                return True
            if program.budget is not None:
                if any(v > 0 for v in program.budget.values()):
                    return True
            elif program.share > 0 and any(self.funds(y) > 0 for y in self.years):
                return True
        return False

    def line(self, year: int) -> float:
        """The poverty line in ``year``, yuan per person per year."""
        return self.poverty_line[year]

    def exit_standard(self, year: int) -> float:
        """The exit standard in ``year`` before the margin, yuan per person per year: the
        year's line, or the start year's carried forward at ``exit.standard_growth``."""
        line, growth = self.line(year), self.exit.standard_growth
        if growth is None:
            return line
        # Never under the year's line: exit is out of poverty on the line's own measure.
        return max(line, self.line(self.start_year) * (1.0 + growth) ** (year - self.start_year))

    def exit_income(self, year: int) -> float:
        """The income a registered household must reach to exit in ``year`` by its own
        income, yuan per person per year (the floor's households exit through it whatever the
        margin)."""
        return self.exit_standard(year) * (1.0 + self.exit.income_margin)

    def notes(self) -> list[str]:
        """What is valid but likely not meant, one sentence each (``povsim check`` and
        ``povsim run`` print them).

        A year setting (``unit`` "year") after the last simulated year switches its lever
        off for the whole run, as a typo (2040 for 2014) would do silently (one that ends a
        lever, such as ``exit.policies_kept_until``, keeps it on instead: no note; a plan's
        deadline slows the plans); a list of years
        with one after the run never reaches it; then the loader's notes: years of a table by
        year (``poverty_line``, ``budget.total``...) after the run, and how the files
        combined; a deep-poverty year before the run, more villages than households, figures
        in the wrong unit (a mean income under the line, a line that moves more than twofold
        in a year, a year's budget in which no program buys one unit), a designation rule no
        village can meet, no program at all, a ``share`` beside a
        program's own budget, programs with no money in any year (and the guaranteed ones
        among them, which still spend), a ``support`` that names nothing, and a setting of
        the exit plans in a scenario without them.
        """
        found: list[str] = []
        end = self.end_year

        def walk(model: BaseModel, prefix: str) -> None:
            for name, info in type(model).model_fields.items():
                value = getattr(model, name)
                path = f"{prefix}{name}"
                extra = info.json_schema_extra
                unit = extra.get("unit") if isinstance(extra, dict) else None
                if (
                    unit == "year"
                    and isinstance(value, int)
                    and value > end
                    and not name.endswith(_ENDS_A_LEVER)
                ):
                    effect = (
                        "the plans aim at a year the run never reaches, so they go slower"
                        if name.endswith("deadline")
                        else "the lever is off for the whole run"
                    )
                    found.append(f"{path} ({value}) is after the run's last year ({end}): {effect}")
                elif unit == "years" and isinstance(value, tuple):
                    late = [y for y in value if isinstance(y, int) and y > end]
                    if late:
                        found.append(
                            f"{path} gives {year_runs(late)}, after the run's last year ({end}): "
                            "never reached"
                        )
                    # (exit.reverify_years has a note of its own, below)
                    early = [y for y in value if isinstance(y, int) and y < self.start_year]
                    if early and path != "exit.reverify_years":
                        found.append(
                            f"{path} gives {year_runs(early)}, before the run's first year "
                            f"({self.start_year}): never reached"
                        )
                elif isinstance(value, BaseModel):
                    walk(value, f"{path}.")
                elif isinstance(value, dict):
                    for key, item in value.items():
                        if isinstance(item, BaseModel):
                            walk(item, f"{path}.{key}.")

        walk(self, "")
        found += self._file_notes
        early = [y for y in self.exit.reverify_years if y <= self.start_year]
        if early:
            found.append(
                f"exit.reverify_years gives {year_runs(early)}, not after the run's first year "
                f"({self.start_year}): no household has exited by then, so none is re-verified"
            )
        m = self.monitoring
        if m.deep_incidence is not None and m.deep_year < self.start_year:
            found.append(
                f"monitoring.deep_year ({m.deep_year}) is before the run's first year "
                f"({self.start_year}): no county is a deep-poverty county by its incidence "
                "(only monitoring.deep_area makes one)"
            )
        # Money that stops before the run ends (a run taken past 2020 with the campaign's
        # budget) or starts after it begins (a table of one year meant to change that year)
        # leaves the programs idle in silence; a table that ends in 0 meant it.
        total = self.budget.total
        first, last = min(total, default=None), max(total, default=None)
        # A table with no money at all has a note of its own (_moneyless_notes).
        unfunded = (
            []
            if first is None or last is None or not any(v > 0 for v in total.values())
            else [y for y in self.years if y < first or (y > last and total[last] > 0)]
        )

        def bound(program: ProgramConfig, year: int) -> bool:
            # a guarantee or an entitlement is paid whatever the budget
            since = [getattr(program, f, None) for f in ("guaranteed_from", "entitlement_from")]
            return not any(y is not None and y <= year for y in since)

        sharing = [
            n
            for n, p in self.programs.items()
            if p.budget is None and p.share > 0 and any(bound(p, y) for y in unfunded)
        ]
        if unfunded and sharing:
            found.append(
                f"budget.total gives nothing for {year_runs(unfunded)}: "
                f"{', '.join(sharing)} spend nothing then, guarantees aside (give those "
                "years to fund them)"
            )
        found += self._moneyless_notes()
        found += self._support_notes()
        found += self._plan_notes()
        pop = self.population
        if pop.villages > pop.households:
            # a smaller sample by --set population.households=N keeps the villages
            found.append(
                f"population.villages ({pop.villages:,}) outnumber population.households "
                f"({pop.households:,}): some villages hold no household (set villages too)"
            )
        found += self._province_notes()
        found += self._unit_notes()
        found += self._designation_notes()
        if not self.programs:
            # an empty file, or one that forgot its `extends`, ran the default county with
            # no support at all and said nothing
            found.append(
                "no support programs: the register and its rules run without any "
                "(name them under [programs], or extend a scenario that has them, e.g. "
                'extends = "baseline.toml")'
            )
        for name, program in self.programs.items():
            if program.budget is not None and program.share > 0:
                found.append(
                    f"programs.{name}.share ({program.share:g}) is not used: the program has "
                    f"a budget of its own (programs.{name}.budget; set share = 0 to say so)"
                )
        return found

    def _unit_notes(self) -> list[str]:
        """Figures in the wrong unit: a month's income or line for a year's, a budget in
        10,000s of yuan (万元).

        Each ran without a word: a mean income of 540 yuan (a month's) made nine in ten
        poor, a line of 233 for 2014 among lines near 2,900, and a budget of 2,400 for
        24,000,000 bought nothing.
        """
        found: list[str] = []
        year = self.registration.income_year or self.start_year
        mean, line = self.income.initial_mean, self.line(year)
        if mean < line:
            found.append(
                f"income.initial_mean ({mean:,.0f} yuan a person a year) is under the "
                f"poverty line of {year} ({line:,.0f}): the county's average person would be "
                f"poor (is it a month's income? a year's would be {12 * mean:,.0f})"
            )
        lines = sorted(self.poverty_line.items())
        moves = [
            f"{v0:,.0f} in {y0} to {v1:,.0f} in {y1}"
            for (y0, v0), (y1, v1) in itertools.pairwise(lines)
            if not 0.5 <= v1 / v0 <= 2.0
        ]
        if moves:
            found.append(
                f"poverty_line moves more than twofold from one year it gives to the next "
                f"({'; '.join(moves)}): is a year's value a month's line, or in other units? "
                "(the line is yuan a person a year)"
            )
        shared = [
            (n, p)
            for n, p in self.programs.items()
            if p.budget is None and p.share > 0 and p.unit_cost > 0
        ]
        # Every program short of one unit in a year is the mark of a unit typo (one alone is
        # not: a few years of a village program's share can be under one village); 600 for
        # 6,000,000 (a budget typed in 10,000s of yuan) ran without a word, and so did 2,400
        # for 24,000,000 as long as one program's share bought a unit in the richest year.
        short = [
            y
            for y in self.years
            if self.funds(y) > 0 and all(p.share * self.funds(y) < p.unit_cost for _, p in shared)
        ]
        if shared and short:
            most = max(self.funds(y) for y in short)
            found.append(
                f"budget.total comes to at most {most:,.0f} yuan a year in {year_runs(short)}: "
                f"the shares of {', '.join(n for n, _ in shared)} buy less than one unit_cost "
                "each (is it in yuan? not 10,000s)"
            )
        return found

    def _designation_notes(self) -> list[str]:
        """A designation rule no village can meet: the multiple times the province's rate at
        or over 100%. (Over the county's own rate, "county", it is known only once the
        villages are drawn: :func:`povsim.runs.runner.designation_note` says it after a run.)
        """
        found: list[str] = []
        rule = self.villages
        reference = rule.designation_incidence
        if (
            reference != "county"
            and rule.designation_quota is None
            and self.geography is None  # a national run compares with each county's province
            and rule.designation_multiple * reference >= 1
        ):
            found.append(
                f"villages.designation_multiple ({rule.designation_multiple:g}) times "
                f"villages.designation_incidence ({reference:g}) is "
                f"{rule.designation_multiple * reference:.0%}: only a village where everyone is "
                "poor could be designated, so none is (set the two together)"
            )
        return found

    def _plan_notes(self) -> list[str]:
        """Settings of the exit plans changed in a scenario without them.

        Only the plans (``exit.plan_from``) and a county-resolved run's schedules read them:
        a sweep over ``exit.plan_unit`` on the county baseline gave every point the same
        outcomes, without a word.
        """
        if self.exit.plan_from is not None or self.geography is not None:
            return []
        fields = type(self.exit).model_fields
        idle = [
            f"exit.{name}"
            for name, info in fields.items()
            if name.startswith("plan_") and getattr(self.exit, name) != info.default
        ]
        if not idle:
            return []
        one = len(idle) == 1
        return [
            f"{', '.join(idle)} {'is' if one else 'are'} read only by the exit plans, which "
            f"exit.plan_from does not start: nothing follows from {'it' if one else 'them'} "
            "(set exit.plan_from, e.g. 2016)"
        ]

    def _support_notes(self) -> list[str]:
        """A program's ``support`` that names neither a program of the scenario nor a kind.

        Programs of one support are counted once in reach; a misspelt one made a kind of
        its own, which moved the reach targets in silence.
        """
        known = set(self.programs) | set(BUILTIN_PROGRAMS)
        found = []
        for name, p in self.programs.items():
            if p.support is None or p.support in known:
                continue
            hint = did_you_mean(p.support, sorted(known), quoted=True)
            found.append(
                f"programs.{name}.support {p.support!r} names no program of the scenario and "
                f"no program kind{hint}: the program is a kind of support of its own"
            )
        return found

    def _moneyless_notes(self) -> list[str]:
        """Programs in the mix with no money in any simulated year.

        No money (an empty ``budget.total``, ``budget.scale`` 0, a program's own table of
        zeros) does not take a program out of the mix: one that is guaranteed still spends
        from its year, paid from other budgets, so "zero budget" is not "no support" and its
        cost per exit is the guarantees' alone. ``share = 0`` (and no own budget) takes a
        program out. An own budget with no years at all (``budget = {}``, student aid's) is an
        entitlement paid from elsewhere by design, and is not noted.
        """
        idle: dict[str, list[str]] = {}
        kept: dict[str, list[str]] = {}
        for name, p in self.programs.items():
            if p.budget is not None:
                if not p.budget or any(p.budget.get(y, 0.0) > 0 for y in self.years):
                    continue
                source = f"programs.{name}.budget"
            elif p.share > 0:
                if any(self.funds(y) > 0 for y in self.years):
                    continue
                source = "budget.total" + (
                    " times budget.scale 0" if self.budget.scale == 0 else ""
                )
            else:
                continue
            since = [
                y
                for y in (getattr(p, f, None) for f in ("guaranteed_from", "entitlement_from"))
                if y is not None and y <= self.end_year
            ]
            if since:
                kept.setdefault(source, []).append(
                    f"{name} (from {max(min(since), self.start_year)})"
                )
            else:
                idle.setdefault(source, []).append(name)
        found: list[str] = []
        for source in {**idle, **kept}:
            said = []
            if source in idle:
                names = idle[source]
                said.append(f"{', '.join(names)} {'enrols' if len(names) == 1 else 'enrol'} no one")
            if source in kept:
                names = kept[source]
                one = len(names) == 1
                said.append(
                    f"{', '.join(names)} {'is' if one else 'are'} guaranteed and "
                    f"{'spends' if one else 'spend'} whatever the budget (a program with "
                    "share = 0 and no budget of its own is out of the mix)"
                )
            found.append(f"{source} gives nothing in any year: {'; '.join(said)}")
        return found

    def _province_notes(self) -> list[str]:
        """A province table's figures that are valid but not likely meant: a national run of
        Tibet at 10 people and 74 poor counties ran without a word."""
        found: list[str] = []
        geo = self.geography
        if geo is not None and geo.first_exit_year < self.start_year:
            found.append(
                f"geography.first_exit_year: {geo.first_exit_year} is before the run starts "
                f"({self.start_year}): counties may exit from {self.start_year} (the exit "
                "mechanism's first year was 2016)"
            )
        for p in self.geography.provinces if self.geography is not None else ():
            if p.poor_counties and not p.poor_2014:
                found.append(
                    f"geography: {p.name} has {p.poor_counties} poor "
                    f"count{'ies' if p.poor_counties > 1 else 'y'} and no poor of 2014 "
                    "(poor_2014 = 0): none is poorer than the rest"
                )
            if p.poor_counties and p.rural_population < 1_000 * p.poor_counties:
                found.append(
                    f"geography: {p.name}'s {p.poor_counties} poor counties share "
                    f"{p.rural_population:,} rural people, under 1,000 each (is it in people?)"
                )
            if p.rural_income < 1_000:
                found.append(
                    f"geography: {p.name}'s rural income is {p.rural_income:g} yuan a year, "
                    "far under the poverty line (is it in yuan per person per year?)"
                )
        return found

    def updated(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with dotted-path fields replaced, e.g. ``{"income.growth": 0.05}``."""
        if not isinstance(changes, Mapping) or not all(isinstance(p, str) for p in changes):
            raise TypeError(
                "changes: a mapping of dotted paths to values, e.g. {'income.growth': 0.05}, "
                f"not {type(changes).__name__}"
            )
        raw = self.model_dump(mode="python")
        for path, value in changes.items():
            set_path(raw, path.split("."), value)
        try:
            return Scenario.model_validate(raw)
        except ValidationError as err:
            source = f"{self.name} as changed"  # not a file: the changes made to it
            raise ScenarioError(problems_from(err, {}, source, Scenario)) from None
