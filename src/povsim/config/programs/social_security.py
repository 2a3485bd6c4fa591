"""Settings of social security (社会保障兜底).

What the program does, with its sources: :mod:`povsim.sim.programs.social_security`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from povsim.config.fields import Probability, Year, setting
from povsim.config.programs.base import CostTiming, Priority, ProgramConfig, StatusName

__all__ = ["SocialSecurityConfig"]


# A grade's least payment as a share of the standard (Gansu paid its first class 1.2 times it).
GradeShare = Annotated[float, Field(ge=0.0, le=2.0)]


class SocialSecurityConfig(ProgramConfig):
    """The floor (兜底): the rural minimum living allowance (低保, dibao) and extreme-poverty
    support (特困), which top a household's income up to a standard: a multiple of the line
    (``threshold``) before two lines in one (两线合一), the dibao standard (``standard``) from
    then; with the members enrolled alone (``single_member_from``) and the withdrawal period
    (渐退) of a household that recovers."""

    fixed: ClassVar = {
        "cost_timing": "the allowance is paid every year it is due",
        # Dibao's rules reviewed a household without labour once a year and others more
        # often, paying more or less as its income changed (docs/register-sources.md section
        # 66): the model's yearly assessment is the longest term there was.
        "duration_years": "the allowance is re-assessed every year (a household without "
        "labour was reviewed yearly, others more often)",
    }

    max_labour: int | None = setting(0, "most workers a household may have", "people", ge=0)
    statuses: tuple[StatusName, ...] = setting(
        ("registered", "exited"), "register statuses that may enrol"
    )
    threshold: float = setting(
        0.9,
        "income is topped up to this multiple of the poverty line before the lines merge "
        "(not read under two lines in one, whose standard is the dibao standard)",
        "ratio",
        gt=0.0,
    )
    two_lines_in_one: bool = setting(
        False,
        "the dibao line is the poverty line: households under it that cannot work are "
        "covered at once, and any exited household that falls back (max_labour unset: "
        "every household under it)",
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
    grades: tuple[GradeShare, GradeShare, GradeShare] = setting(
        (0.0, 0.0, 0.0),
        "paid by grade (分档发放): the least a household under its standard is paid, as a "
        "share of the standard, in grade A (without a worker, a member severely disabled or "
        "seriously ill), B (without a worker, or with an old, disabled or chronically ill "
        "member) and C (the rest); a larger gap is paid in full (0, 0, 0: the gap alone, 按差额)",
        "ratio",
    )
    paid_before_start: bool = setting(
        False,
        "the allowance already ran in the registration's reference years (rural dibao "
        "nationwide since 2007, 国发〔2007〕19号): they are lived with it, its recipients go "
        "on into the first year, and the first drive judges them on their income without it "
        "(低保贫困户); needs registration.income_year before start_year and 'unregistered' "
        "among the statuses",
    )
    priority: Priority = setting("gap", "who is enrolled first when money runs short")
    take_up: Probability = setting(0.95, "chance an eligible household takes it up", "share")
    cost_timing: CostTiming = setting(
        "yearly", "the allowance is paid every year it is due (another timing is refused)"
    )
    duration_years: int = setting(
        1,
        "years between re-assessments: 1, the allowance is re-assessed every year (no other "
        "value is taken)",
        "years",
        ge=1,
    )
    decay: Probability = setting(1.0, "share of the effect lost after support ends", "1/year")
    once: bool = setting(False, "a household is enrolled at most once")
