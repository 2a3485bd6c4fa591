"""How the register behaved (issue 12), on hand-built households: each test fails on the
rules the model had before — dibao paid on last year's shortfall, exits credited to the
largest income effect, relapse on one noisy year, new entrants from every year's survey,
support ending a fixed time after exit, no monitoring."""

from __future__ import annotations

import numpy as np
import pytest

from povsim import PovertyModel, Scenario, Status
from povsim.config.errors import ScenarioError
from povsim.config.vocabulary import SAFE_HOUSING_GRADES, Hardship
from povsim.sim.assessment import close_year
from povsim.sim.income import gross_income
from povsim.sim.pathways import pathway_rows
from povsim.sim.population import live_reference_years
from povsim.sim.programs.base import record_support_reach
from povsim.sim.streams import Streams

from .conftest import hand_built, set_year_income
from .test_programs import start_year, with_program

LINE_2014 = 2800.0


# -- 1. dibao is re-assessed and brings the household to the standard ----------------------
def test_dibao_tops_up_a_shock_within_the_year(rules: Scenario) -> None:
    scenario = with_program(rules, "social_security", two_lines_in_one=True, max_labour=None)
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0}
    model, dibao = start_year(scenario, row, {**row, "status": Status.REGISTERED})
    h = model.households
    dibao.enrolled[:] = True
    dibao.income[:] = 500.0  # paid through the year on last year's gap
    set_year_income(h, [1500.0, 1500.0])  # a shock: own income fell to 1,000 a person
    h.transfer_year[:] = 0.0
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    # Both end the year at the line: the exited one stays out, the registered one exits.
    assert h.income == pytest.approx([LINE_2014, LINE_2014])
    assert h.status.tolist() == [Status.EXITED, Status.EXITED]


def test_dibao_catches_whoever_falls_back_under_two_lines_in_one(rules: Scenario) -> None:
    scenario = with_program(rules, "social_security", two_lines_in_one=True)
    row = {"status": Status.EXITED, "ever_exited": True, "size": 3, "labour": 2, "income": 5000.0}
    model, dibao = start_year(scenario, row)
    h = model.households
    assert not dibao.enrolled[0]  # above the line last year: not on dibao
    set_year_income(h, [2000.0])
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income[0] == pytest.approx(LINE_2014)
    assert dibao.enrolled[0]
    assert dibao.ledger[-1]["spent_yuan"] == pytest.approx((LINE_2014 - 2000.0) * 3)


def test_the_dibao_standard_is_the_counties_where_it_stands_over_the_line(
    rules: Scenario,
) -> None:
    """Two lines in one put the standard at or over the poverty line, not at it."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: 2000.0, 2014: 3500.0}
    )
    row = {"status": Status.REGISTERED, "size": 1, "labour": 0, "income": 3000.0}
    model, dibao = start_year(scenario, row)
    h = model.households
    assert dibao.enrolled[0]  # over the line, under the county's standard
    set_year_income(h, [3000.0])
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income[0] == pytest.approx(3500.0)


@pytest.mark.parametrize(
    ("grades", "paid"),
    [
        ((0.0, 0.0, 0.0), [1000.0, 1000.0, 3500.0, 1000.0]),
        ((1.0, 0.58, 0.41), [4000.0, 2320.0, 3500.0, 1640.0]),
    ],
)
def test_dibao_by_grade_pays_at_least_the_grades_share_of_the_standard(
    rules: Scenario, grades: tuple[float, float, float], paid: list[float]
) -> None:
    """分档发放: a household under the standard is paid its grade's share of it, or its whole
    gap where that is larger; without grades, the gap alone."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        max_labour=None,
        standard={2013: 4000.0},
        grades=grades,
    )
    row = {"status": Status.REGISTERED, "size": 1, "labour": 0, "income": 3000.0}
    rows = (
        {**row, "severe": True},  # grade A: without a worker, seriously ill
        {**row, "elderly": 1},  # grade B: without a worker
        {**row, "elderly": 1, "income": 500.0},  # grade B, its gap over the grade's share
        {**row, "labour": 1, "size": 2},  # grade C: a worker
    )
    model, dibao = start_year(scenario, *rows)
    h = model.households
    assert dibao.enrolled.all()
    own = np.array([3000.0, 3000.0, 500.0, 3000.0])
    set_year_income(h, own + dibao.income)  # the year's flows: own income and what was paid
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income.tolist() == pytest.approx([o + p for o, p in zip(own, paid, strict=True)])
    spent = sum(p * s for p, s in zip(paid, [1, 1, 1, 2], strict=True))
    assert dibao.ledger[-1]["spent_yuan"] == pytest.approx(spent)


def test_a_household_with_workers_is_caught_under_the_line_not_the_standard(
    rules: Scenario,
) -> None:
    """The floor takes a household that can work only once it falls back under the line."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: 4000.0}
    )
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 3500.0}
    model, dibao = start_year(scenario, row, {**row, "labour": 0})
    assert dibao.enrolled.tolist() == [False, True]
    h = model.households
    set_year_income(h, [3500.0, 3500.0])
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income.tolist() == pytest.approx([3500.0, 4000.0])


@pytest.mark.parametrize(("second_year", "relapsed"), [(2000.0, True), (5000.0, False)])
def test_a_fall_the_floor_catches_is_verified_as_a_relapse(
    rules: Scenario, second_year: float, relapsed: bool
) -> None:
    """只要返贫,马上纳入低保 (seed 003): the allowance catches the fall at once, and the
    relapse is recorded once the household's own income has stayed under the line at the
    verification's successive assessments; a dip it recovers from is not a relapse, nor is
    staying on the floor after an exit through it."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True).updated(
        {"exit.relapse_years": 2}
    )
    fell = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    through = {**fell, "labour": 0, "income": 1000.0}
    model, dibao = start_year(scenario, fell, through)
    h = model.households
    assert dibao.enrolled.tolist() == [False, True]
    set_year_income(h, [2000.0, 1000.0])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income.tolist() == pytest.approx([LINE_2014, LINE_2014])  # caught at once
    assert t.relapsed.tolist() == [False, False]
    model.year = 2015
    for program in model.programs:
        program.begin_year(2015)
    line = scenario.line(2015)
    set_year_income(h, [second_year, 1000.0])
    t = close_year(h, model.villages, scenario, 2015, model.streams, model.programs)
    assert t.relapsed.tolist() == [relapsed, False]
    assert h.income[1] == pytest.approx(line)


def _assess(model: PovertyModel, year: int, own: list[float]):
    """One year of hand-built households whose own income is ``own`` (the allowance on top)."""
    scenario = model.config
    if year > scenario.start_year:
        model.year = year
        for program in model.programs:
            program.begin_year(year)
    dibao = model.programs[0]
    set_year_income(model.households, np.asarray(own) + dibao.income)
    return close_year(
        model.households, model.villages, scenario, year, model.streams, model.programs
    )


def test_a_fall_is_one_the_floor_did_not_already_hold(rules: Scenario) -> None:
    """A fall is the household's own income crossing under the line while the allowance
    did not hold it: caught as it fell, it relapses once verified, and once registered again
    exits through the floor, which is no second fall. Already on the floor (its own income
    between the line and the standard), the allowance is re-assessed and holds it at the
    standard through the shock: no relapse (issue 12, cause 1)."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: 4000.0}
    ).updated({"exit.relapse_years": 2})
    exited = {"status": Status.EXITED, "ever_exited": True, "size": 2}
    model, dibao = start_year(
        scenario,
        {**exited, "labour": 0, "income": 3500.0},  # on the floor, over the line
        {**exited, "labour": 0, "income": 6000.0},  # over the standard
        {**exited, "labour": 2, "income": 3500.0},  # a worker: the floor takes it at the line
    )
    assert dibao.enrolled.tolist() == [True, False, False]
    relapsed = [
        _assess(model, y, own).relapsed.tolist()
        for y, own in [(2014, [3500.0, 6000.0, 3500.0]), (2015, [2000.0] * 3), (2016, [2000.0] * 3)]
    ]
    assert relapsed == [[False] * 3, [False] * 3, [False, True, True]]
    h = model.households
    assert h.income[0] == pytest.approx(4000.0)  # held at the standard throughout
    exits = _assess(model, 2017, [2000.0] * 3).exited
    assert exits.tolist() == [False, True, True]  # the relapses, through the floor
    assert not _assess(model, 2018, [2000.0] * 3).relapsed.any()
    assert (h.status == Status.EXITED).all()


def test_a_household_the_rising_line_passes_is_caught_as_it_falls(rules: Scenario) -> None:
    """Its own income over last year's line and under this year's, the allowance takes it on
    at the year's start: caught as it fell (seed 003), not held by the floor before a shock,
    so its fall counts (a review found every fall the new rule spared in the county mixes to
    be of this kind)."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True).updated(
        {"exit.relapse_years": 2}
    )
    between = (scenario.line(2014) + scenario.line(2015)) / 2
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    model, dibao = start_year(scenario, row)
    got = [bool(_assess(model, y, [between]).relapsed[0]) for y in (2014, 2015, 2016)]
    assert dibao.enrolled[0]
    assert got == [False, False, True]


@pytest.mark.parametrize(("second_year", "relapsed"), [(2000.0, True), (5000.0, False)])
def test_a_fall_found_before_the_floor_caught_it_is_still_verified(
    rules: Scenario, second_year: float, relapsed: bool
) -> None:
    """Under the line at one assessment, before two lines in one let the floor take a
    household that can work, and caught by it at the next with its own income still under:
    two successive assessments under the line, a relapse: the fall is tracked from the
    first assessment, whether or not the floor could take the household then, so the
    allowance that starts paying in the second year does not hide it. A household that
    recovers by then is no relapse."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, two_lines_from=2015
    ).updated({"exit.relapse_years": 2})
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    model, dibao = start_year(scenario, row)
    first = _assess(model, 2014, [2000.0])
    assert not dibao.enrolled[0]  # the floor does not take a worker yet
    assert model.households.income[0] == pytest.approx(2000.0)
    assert not first.relapsed[0]
    second = _assess(model, 2015, [second_year])
    assert bool(second.relapsed[0]) is relapsed
    if relapsed:
        assert dibao.enrolled[0]  # caught, and the fall recorded


def test_a_fall_the_floor_cannot_pay_for_is_a_fall(rules: Scenario) -> None:
    """On the floor over the line, its re-assessment after a shock unpaid for want of money:
    the household ends the year under the line, and the fall counts."""
    budget = {2014: 1e9, 2015: 1500.0, **dict.fromkeys(range(2016, 2021), 1e9)}
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: 4000.0}, budget=budget
    ).updated({"exit.relapse_years": 2})
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0, "income": 3500.0}
    model, _ = start_year(scenario, row)
    got = [
        bool(_assess(model, y, [own]).relapsed[0])
        for y, own in [(2014, 3500.0), (2015, 2000.0), (2016, 2000.0)]
    ]
    assert model.households.income[0] == pytest.approx(4000.0)  # paid again in 2016
    assert got == [False, False, True]


def test_a_relapse_the_floor_caught_is_registered_on_its_own_income(rules: Scenario) -> None:
    """The register judges a relapse on the household's own income: with the allowance that
    holds it at the line it would be graded as registered in error, and a later re-check
    would take it off the register instead of seeing it exit."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True).updated(
        {"exit.relapse_years": 1}
    )
    fell = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    model, _ = start_year(scenario, fell)
    t = _assess(model, 2014, [2000.0])
    h = model.households
    assert t.relapsed[0]
    assert h.income[0] == pytest.approx(LINE_2014)  # the allowance holds it at the line
    assert h.status[0] == Status.REGISTERED
    assert not h.wrongly_registered[0]
    assert h.hardship[0] == Hardship.B  # 2,000 of 2,800: between half and 0.8 of the line


@pytest.mark.parametrize(("monitoring_from", "exits_again"), [(2014, True), (2015, False)])
def test_a_relapse_the_monitoring_finds_exits_again_through_the_floor(
    rules: Scenario, monitoring_from: int, exits_again: bool
) -> None:
    """一旦出现返贫,及时纳入建档立卡 (Guiding Opinion, Mar 2020): while the monitoring
    mechanism runs its checks find a relapse during the year and the household is
    registered then, so the year's assessment judges it with the register, and the floor
    that holds it at the line takes it out again (兜底). Before the monitoring a relapse
    was found at the assessment and stayed registered to the next; a relapse of 2020
    stayed registered at the end."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: 3500.0}
    ).updated(
        {
            "exit.relapse_years": 1,
            "monitoring.enabled": True,
            "monitoring.from_year": monitoring_from,
            "monitoring.coverage": 0.0,  # not among those it follows: the fall is a relapse
        }
    )
    exited = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0}
    model, _ = start_year(scenario, {**exited, "income": 6000.0})
    t = _assess(model, 2014, [2000.0])
    h = model.households
    assert t.relapsed[0]
    assert bool(t.exited[0]) is exits_again
    assert h.status[0] == (Status.EXITED if exits_again else Status.REGISTERED)
    assert h.relapses[0] == 1
    # Its own income stays under the line on the floor: that is how it exited, no new fall.
    assert not _assess(model, 2015, [2000.0]).relapsed[0]


def test_a_relapse_the_floor_holds_is_put_down_to_the_floor_not_a_lost_guarantee(
    rules: Scenario,
) -> None:
    """The allowance holds a fallen household at the line with every guarantee in place:
    its relapse is of its own income (the floor's cause), not of a guarantee it kept."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True).updated(
        {"exit.relapse_years": 2}
    )
    exited = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2}
    model, _ = start_year(scenario, {**exited, "income": 5000.0}, {**exited, "income": 5000.0})
    model.households.medical_ok[1] = False
    causes = [_assess(model, year, [2000.0, 2000.0]).relapse_causes for year in (2014, 2015)]
    assert causes[1]["floor"].tolist() == [True, True]
    assert causes[1]["guarantee"].tolist() == [False, True]
    assert not causes[1]["other"].any()


def test_a_relapse_is_put_down_to_support_lost_this_year_or_last(rules: Scenario) -> None:
    """Relapse is recorded at the second assessment under the line, so support lost at the
    start of last year caused it; the cause counted only support lost this year."""
    from povsim.sim.relapse import relapse_causes

    rows = [
        {"status": Status.EXITED, "ever_exited": True, "support_ended": last}
        for last in (
            2016,  # lost at the start of 2017
            2015,  # lost at the start of 2016: the first of the two years under the line
            2014,  # lost three years before
            0,  # never lost any
        )
    ]
    h, v = hand_built(*rows)
    relapsed = np.ones(h.n, dtype=bool)
    two = rules.updated({"exit.relapse_years": 2})
    causes = relapse_causes(h, v, two, 2017, relapsed, np.zeros(h.n, dtype=bool))
    assert causes["support_ended"].tolist() == [True, True, False, False]
    # recorded at the first assessment under the line, only this year's loss led to it
    one = rules.updated({"exit.relapse_years": 1})
    causes = relapse_causes(h, v, one, 2017, relapsed, np.zeros(h.n, dtype=bool))
    assert causes["support_ended"].tolist() == [True, False, False, False]


def test_a_relapse_on_a_lost_guarantee_is_not_put_down_to_the_floor(rules: Scenario) -> None:
    scenario = rules.updated({"exit.relapse_on_guarantee_loss": True})
    h, v = hand_built({"status": Status.EXITED, "ever_exited": True, "medical_ok": False})
    set_year_income(h, [9000.0])
    t = close_year(h, v, scenario, 2015, Streams(0))
    assert t.relapsed[0]
    assert (t.relapse_causes["floor"][0], t.relapse_causes["guarantee"][0]) == (False, True)


@pytest.mark.parametrize(("year", "relapsed"), [(2016, False), (2017, True)])
def test_the_2017_reverification_marks_an_exit_short_of_a_guarantee_as_a_relapse(
    rules: Scenario, year: int, relapsed: bool
) -> None:
    """对2014至2016年认定脱贫的建档立卡贫困人口再行核实，凡未实现'两不愁、三保障'的，标注为
    脱贫返贫人口 (county plans of Aug 2017): in a re-verification year an exited household
    in a dangerous house relapses, whatever its income; a hungry spell does not, as food is
    judged by the income's own verification (two assessments), and in other years a lost
    guarantee marks no relapse (relapse_on_guarantee_loss is off)."""
    scenario = rules.updated({"exit.reverify_years": [2017]})
    exited = {"status": Status.EXITED, "ever_exited": True, "exit_year": 2015}
    h, v = hand_built(
        {**exited, "housing_grade": SAFE_HOUSING_GRADES},
        {**exited, "hungry_steps": scenario.steps_per_year},
        exited,
    )
    set_year_income(h, [9000.0, 9000.0, 9000.0])
    t = close_year(h, v, scenario, year, Streams(0))
    assert not h.food_ok[1]
    assert t.relapsed.tolist() == [relapsed, False, False]
    assert t.relapse_causes["guarantee"].tolist() == [relapsed, False, False]
    assert t.relapse_causes["reverified"].tolist() == [relapsed, False, False]
    assert h.status[0] == (Status.REGISTERED if relapsed else Status.EXITED)


def test_a_fall_in_the_withdrawal_period_is_held_by_the_floor(rules: Scenario) -> None:
    """The withdrawal (渐退期) keeps the allowance until a recovery is stable ("实现稳定脱贫后
    再退出低保范围", MCA, MOF and LGOP, 2018): a fall within it is re-assessed and held at
    the standard, no relapse."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        withdrawal_years=1,
        standard={2013: 4000.0},
    ).updated({"exit.relapse_years": 2})
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0, "income": 2000.0}
    model, dibao = start_year(scenario, row)
    got = []
    for year, own in [(2014, 2000.0), (2015, 6000.0), (2016, 2000.0), (2017, 2000.0)]:
        got.append(bool(_assess(model, year, [own]).relapsed[0]))
        assert dibao.enrolled[0]  # held through the recovery by the withdrawal
    # Exited through the floor (2014) is no fall, nor is the fall of 2016 in the withdrawal.
    assert got == [False, False, False, False]
    assert model.households.income[0] == pytest.approx(4000.0)


def test_a_fall_the_budget_could_not_pay_at_once_is_still_a_fall(rules: Scenario) -> None:
    """A floor short of money catches the household a year late: the fall still counts."""
    budget = {2014: 1.0, **dict.fromkeys(range(2015, 2021), 1e9)}
    scenario = with_program(rules, "social_security", two_lines_in_one=True, budget=budget)
    scenario = scenario.updated({"exit.relapse_years": 2})
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    model, dibao = start_year(scenario, row)
    assert not _assess(model, 2014, [2000.0]).relapsed[0]
    assert not dibao.enrolled[0]  # no money this year
    t = _assess(model, 2015, [2000.0])
    assert dibao.enrolled[0]
    assert t.relapsed[0]


def test_an_exit_through_the_floor_is_no_fall(rules: Scenario) -> None:
    """A registered household the floor catches exits through it; its own income staying
    under the line afterwards is how it exited, not a relapse."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True)
    scenario = scenario.updated({"exit.relapse_years": 2})
    row = {"status": Status.REGISTERED, "size": 2, "labour": 0, "income": 5000.0}
    model, _ = start_year(scenario, row)
    assert _assess(model, 2014, [2000.0]).exited[0]
    for year in (2015, 2016, 2017):
        assert not _assess(model, year, [2000.0]).relapsed[0]


def test_a_monitored_household_the_floor_holds_has_not_fallen_back(rules: Scenario) -> None:
    """The floor is one of the monitoring's measures (防止返贫监测: 综合保障): a household the
    monitoring follows and the floor holds at the line is helped, not relapsed."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True).updated(
        {
            "exit.relapse_years": 1,
            "monitoring.enabled": True,
            "monitoring.from_year": 2014,
            "monitoring.coverage": 1.0,
            "monitoring.scale": None,
        }
    )
    fell = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    model, _ = start_year(scenario, fell)
    h = model.households
    set_year_income(h, [2000.0])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.monitored[0]
    assert not t.relapsed[0]
    assert h.income[0] == pytest.approx(LINE_2014)


def test_a_fall_the_floor_caught_comes_first_for_the_monitoring(rules: Scenario) -> None:
    """防止返贫监测 looks first for exited households that have fallen (脱贫不稳定户): one whose
    fall the allowance caught is under the line on its own income, though the floor holds it
    at the line. It waited behind households never registered under the line, and with the
    places full its fall was recorded as a relapse (the county baseline's relapses of 2020,
    2.8 times 2019's; issue 12, cause 4)."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, statuses=["registered", "exited"]
    ).updated(
        {
            "exit.relapse_years": 1,
            "monitoring.enabled": True,
            "monitoring.from_year": 2014,
            "monitoring.coverage": 1.0,
            "monitoring.scale": 1.0,  # two places: one household of two
        }
    )
    fell = {
        "status": Status.EXITED,
        "ever_exited": True,
        "ever_registered": True,
        "size": 2,
        "labour": 2,
        "income": 5000.0,
    }
    never = {"status": Status.UNREGISTERED, "size": 2, "labour": 2, "income": 5000.0}
    model, dibao = start_year(scenario, fell, never)
    t = _assess(model, 2014, [LINE_2014 - 800, LINE_2014 - 100])
    assert dibao.enrolled.tolist() == [True, False]  # caught as it fell
    assert model.households.income[0] == pytest.approx(LINE_2014)
    assert t.monitored.tolist() == [True, False]
    assert not t.relapsed[0]


def test_an_exited_household_that_fell_takes_a_place_before_a_poorer_one_never_registered(
    rules: Scenario,
) -> None:
    """The monitoring is to prevent relapse (防止返贫监测): its objects are exited households
    that are unstable (脱贫不稳定户) and marginal ones just over the registered poor's income
    (边缘户, 国开发〔2020〕6号). With the places full, an exited household that fell under the
    standard is followed before a household never registered, even a poorer one, whose way
    onto the books is the identification (新致贫, 及时纳入建档立卡). Lowest incomes first,
    the never-registered poor took nearly every place (3.9 of 4.0 m people, national
    profile, 2019), and the falls it missed were recorded as relapse."""
    scenario = watching(rules, scale=1.0).updated({"exit.relapse_years": 1})
    fell = {
        "status": Status.EXITED,
        "ever_exited": True,
        "ever_registered": True,
        "size": 1,
        "labour": 1,
    }
    never = {"status": Status.UNREGISTERED, "size": 1, "labour": 1}
    h, v = hand_built(fell, never)
    line = scenario.line(2019)
    set_year_income(h, line * np.array([0.95, 0.6]))
    t = close_year(h, v, scenario, 2019, Streams(0))  # one place: one person on the books
    assert t.monitored.tolist() == [True, False]
    assert not t.relapsed[0]
    assert h.income[0] == pytest.approx(line)


@pytest.mark.parametrize(("standard", "relapsed"), [(5000.0, False), (3500.0, True)])
def test_a_fall_the_floor_holds_over_the_monitoring_range_is_no_relapse(
    rules: Scenario, standard: float, relapsed: bool
) -> None:
    """风险消除: once the monitoring runs, a household without labour that the floor holds at
    a dibao standard over the monitoring range (1.5 times the line) is not at risk, so the
    monitoring does not follow it and its fall is no relapse; held under the range and
    missed by the monitoring, it relapses."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, standard={2013: standard}
    ).updated(
        {
            "exit.relapse_years": 1,
            "monitoring.enabled": True,
            "monitoring.from_year": 2014,
            "monitoring.coverage": 0.0,
        }
    )
    exited = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0}
    model, dibao = start_year(scenario, {**exited, "income": 6000.0})
    t = _assess(model, 2014, [2000.0])
    assert dibao.enrolled[0]
    assert model.households.income[0] == pytest.approx(standard)
    assert not model.households.monitored[0]
    assert bool(t.relapsed[0]) is relapsed


def test_dibao_settles_within_its_budget(rules: Scenario) -> None:
    budget = dict.fromkeys(range(2014, 2021), 1000.0)
    scenario = with_program(rules, "social_security", two_lines_in_one=True, budget=budget)
    row = {"status": Status.EXITED, "ever_exited": True, "size": 1, "income": 5000.0}
    model, dibao = start_year(scenario, row, row)
    h = model.households
    set_year_income(h, [2000.0, 2500.0])
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert dibao.ledger[-1]["spent_yuan"] == pytest.approx(800.0)
    # The poorer is caught first; the money left does not reach the second's gap.
    assert h.income.tolist() == [LINE_2014, 2500.0]


@pytest.mark.parametrize("withdrawal_years", [0, 1, 2])
def test_dibao_withdraws_only_after_the_recovery_has_lasted(
    rules: Scenario, withdrawal_years: int
) -> None:
    """低保渐退期: a household whose own income reaches the standard keeps its last
    allowance for ``withdrawal_years``, then leaves the floor."""
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, withdrawal_years=withdrawal_years
    )
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0}
    model, dibao = start_year(scenario, {**row, "income": 2000.0})
    h = model.households
    assert dibao.income[0] == pytest.approx(LINE_2014 - 2000.0)
    kept = []
    for year in range(2015, 2019):
        h.income[:] = 6000.0 + dibao.income  # own income well over the line from 2015
        dibao.begin_year(year)
        kept.append(bool(dibao.enrolled[0]))
        if dibao.enrolled[0]:
            # The allowance stays at what it last paid, and costs that.
            assert dibao.income[0] == pytest.approx(LINE_2014 - 2000.0)
            assert dibao.ledger[-1]["spent_yuan"] == pytest.approx((LINE_2014 - 2000.0) * 2)
    assert kept == [year < 2015 + withdrawal_years for year in range(2015, 2019)]
    assert dibao.until[0] == 2014 + withdrawal_years


@pytest.mark.parametrize(
    ("withdrawal_from", "own", "kept"),
    [
        (2016, [6000.0], [False]),
        (2015, [6000.0, 6000.0], [True, False]),
        # over before the rule: gone at once, and not back once the rule is in force
        (2016, [6000.0, 6000.0, 6000.0], [False, False, False]),
        # over once the rule is in force: a year's withdrawal
        (2016, [1000.0, 6000.0, 6000.0], [True, True, False]),
    ],
)
def test_the_withdrawal_period_begins_with_its_rule(
    rules: Scenario, withdrawal_from: int, own: list[float], kept: list[bool]
) -> None:
    """渐退期 came nationally with the 2018 opinion: before ``withdrawal_from`` a household
    whose own income reaches the standard leaves at that assessment."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        withdrawal_years=1,
        withdrawal_from=withdrawal_from,
    )
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 0}
    model, dibao = start_year(scenario, {**row, "income": 2000.0})
    h = model.households
    seen = []
    for year, income in zip(range(2015, 2015 + len(own)), own, strict=True):
        h.income[:] = income + dibao.income
        dibao.begin_year(year)
        seen.append(bool(dibao.enrolled[0]))
    assert seen == kept


def test_a_fall_in_the_withdrawal_period_starts_it_again(rules: Scenario) -> None:
    """The withdrawal counts years in a row over the standard: a fall back resets it."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True, withdrawal_years=1)
    row = {"status": Status.REGISTERED, "size": 1, "labour": 0, "income": 2000.0}
    model, dibao = start_year(scenario, row)
    h = model.households
    own = {2015: 6000.0, 2016: 1000.0, 2017: 6000.0, 2018: 6000.0}
    kept = []
    for year, income in own.items():
        h.income[:] = income + dibao.income
        dibao.begin_year(year)
        kept.append(bool(dibao.enrolled[0]))
    assert kept == [True, True, True, False]


def test_a_household_taken_off_the_register_leaves_the_floor_at_once(rules: Scenario) -> None:
    """The withdrawal is for a recovery; a household the register removed may not claim."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True, withdrawal_years=2)
    row = {"status": Status.REGISTERED, "size": 1, "labour": 0, "income": 2000.0}
    model, dibao = start_year(scenario, row)
    h = model.households
    h.status[0] = Status.UNREGISTERED
    h.income[:] = 6000.0 + dibao.income
    dibao.begin_year(2015)
    assert not dibao.enrolled[0]


def scoped(
    rules: Scenario, partial_from: int | None = 2014, two_lines: bool = True, **settings
) -> Scenario:
    """The floor with the 2018 scope from ``partial_from`` and a dibao standard of 3,500."""
    return with_program(
        rules,
        "social_security",
        two_lines_in_one=two_lines,
        standard={2013: 3500.0},
        partial_capacity_from=partial_from,
        **settings,
    )


@pytest.mark.parametrize(("partial_from", "taken"), [(2014, True), (2015, False), (None, False)])
def test_the_2018_scope_takes_households_whose_capacity_is_partly_lost(
    rules: Scenario, partial_from: int | None, taken: bool
) -> None:
    """完全或部分丧失劳动能力 (MCA, MOF, LGOP, 2018): from ``partial_capacity_from`` a registered
    household with a chronically ill or disabled member and one worker enters the floor at
    the dibao standard; two workers, no ill member, or already exited, it does not."""
    scenario = scoped(rules, partial_from)
    row = {"status": Status.REGISTERED, "size": 3, "labour": 1, "income": 3000.0}
    exited = {**row, "status": Status.EXITED, "ever_exited": True}
    _, dibao = start_year(
        scenario,
        {**row, "chronic": True},
        {**row, "disabled": True},
        {**row, "chronic": True, "labour": 2},
        row,
        {**exited, "chronic": True},  # over the line, under the standard: no fall back
    )
    assert dibao.enrolled.tolist() == [taken, taken, False, False, False]
    if taken:
        assert dibao.income[:2] == pytest.approx([500.0, 500.0])  # to the standard, not the line


def test_a_household_of_the_2018_scope_keeps_the_floor_after_its_exit(rules: Scenario) -> None:
    """Admitted while registered, it stays on the floor while the allowance is due."""
    scenario = scoped(rules)
    row = {"status": Status.REGISTERED, "size": 2, "labour": 1, "chronic": True, "income": 2000.0}
    model, dibao = start_year(scenario, row)
    h = model.households
    assert dibao.enrolled[0]
    h.status[0] = Status.EXITED  # exited through the floor
    h.ever_exited[0] = True
    h.income[:] = 2500.0 + dibao.income  # still under the standard by its own income
    dibao.begin_year(2015)
    assert dibao.enrolled[0]
    assert dibao.income[0] == pytest.approx(1000.0)


def test_a_household_caught_as_it_fell_back_is_not_of_the_2018_scope(rules: Scenario) -> None:
    """An exited household with an ill member and a worker, caught under the line, is
    topped up to the line, not to the dibao standard, whatever the year."""
    scenario = scoped(rules)
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 1, "chronic": True}
    model, dibao = start_year(scenario, {**row, "income": 2000.0})
    h = model.households
    assert dibao.enrolled[0]
    assert dibao.income[0] == pytest.approx(LINE_2014 - 2000.0)
    h.income[:] = 2000.0 + dibao.income
    dibao.begin_year(2015)
    assert dibao.income[0] == pytest.approx(scenario.line(2015) - 2000.0)


def single_members(rules: Scenario, start: int | None = 2014) -> Scenario:
    """The floor with 参照单人户 from ``start`` and a dibao standard of 3,500."""
    return scoped(rules, partial_from=None, single_member_from=start)


@pytest.mark.parametrize(("start", "taken"), [(2014, True), (2015, False), (None, False)])
def test_a_severely_disabled_or_seriously_ill_member_is_enrolled_as_a_household_of_one(
    rules: Scenario, start: int | None, taken: bool
) -> None:
    """参照单人户纳入低保 (2018 opinion): a registered household over the standard, its
    member severely disabled or seriously ill, has that member on the allowance, paid the
    standard in full and counted as one person; not a household with no such member, not
    one the allowance takes whole, not one that had exited before the rule."""
    scenario = single_members(rules, start)
    row = {"status": Status.REGISTERED, "size": 4, "labour": 2, "income": 6000.0, "severe": True}
    model, dibao = start_year(
        scenario,
        row,
        {**row, "severe": False},
        {**row, "labour": 0, "size": 2, "income": 1000.0},  # on the floor whole
        {**row, "status": Status.EXITED, "ever_exited": True},
    )
    assert dibao.enrolled.tolist() == [False, False, True, False]
    assert dibao.single.tolist() == [taken, False, False, False]
    assert dibao.income[0] == pytest.approx(3500.0 / 4 if taken else 0.0)
    assert dibao.income[2] == pytest.approx(2500.0)  # to the standard, once, not again
    row_ = dibao.ledger[-1]
    assert row_["enrolled_people"] == (3 if taken else 2)  # the household of two, and one
    assert row_["spent_yuan"] == pytest.approx(2500.0 * 2 + (3500.0 if taken else 0.0))
    assert row_["reached"] == (2 if taken else 1)  # each household once, alone or whole
    record_support_reach(model.programs, model.households)
    assert dibao.ledger[-1]["register_enrolled_people"] == (3 if taken else 2)


def test_a_member_enrolled_alone_whose_household_falls_is_taken_whole_once(
    rules: Scenario,
) -> None:
    """Admitted alone at the year's start, its household under the standard by the year's
    end is taken whole: one new enrolment of all its people, not two, and not alone too."""
    scenario = single_members(rules)
    row = {"status": Status.REGISTERED, "size": 2, "labour": 0, "income": 6000.0, "severe": True}
    model, dibao = start_year(scenario, row)
    assert dibao.single.tolist() == [True]
    _assess(model, 2014, [1000.0])  # own income fell under the standard: the floor catches it
    assert dibao.enrolled.tolist() == [True]
    assert dibao.single.tolist() == [False]
    ledger = dibao.ledger[-1]
    assert (ledger["new_enrolments"], ledger["new_people"]) == (1, 2)
    assert (ledger["enrolled"], ledger["enrolled_people"]) == (1, 2)


def test_a_member_enrolled_alone_keeps_the_allowance_after_the_households_exit(
    rules: Scenario,
) -> None:
    """Admitted while the household was registered (未脱贫), the member keeps it once the
    household exits (摘帽不摘政策), not once the register removes it; a household the
    allowance takes whole leaves the form."""
    scenario = single_members(rules)
    row = {"status": Status.REGISTERED, "size": 2, "labour": 1, "income": 6000.0, "severe": True}
    model, dibao = start_year(scenario, row, row, row)
    h = model.households
    assert dibao.single.tolist() == [True, True, True]
    h.status[:] = [Status.EXITED, Status.UNREGISTERED, Status.EXITED]
    h.ever_exited[[0, 2]] = True
    h.income[:] = np.array([6000.0, 6000.0, 1000.0]) + dibao.income
    model.year = 2015
    dibao.begin_year(2015)
    assert dibao.single.tolist() == [True, False, False]
    assert dibao.enrolled.tolist() == [False, False, True]
    assert dibao.income[0] == pytest.approx(3500.0 / 2)


@pytest.mark.parametrize("two_lines", [True, False])
def test_a_household_of_the_2018_scope_taken_off_the_register_leaves_the_floor(
    rules: Scenario, two_lines: bool
) -> None:
    """Kept after its exit, not after the register removed it: before two lines in one
    as under them."""
    scenario = scoped(rules, two_lines=two_lines)
    row = {"status": Status.REGISTERED, "size": 2, "labour": 1, "chronic": True, "income": 1000.0}
    model, dibao = start_year(scenario, row, row)
    h = model.households
    assert dibao.enrolled.tolist() == [True, True]
    h.status[:] = [Status.EXITED, Status.UNREGISTERED]
    h.ever_exited[0] = True
    h.income[:] = 1500.0 + dibao.income
    dibao.begin_year(2015)
    assert dibao.enrolled.tolist() == [True, False]


# -- 3. attribution is counterfactual --------------------------------------------------------
def test_the_floor_is_for_households_that_cannot_work(rules: Scenario) -> None:
    """Two lines in one merged the income standard, not the labour test (20 m on the floor)."""
    scenario = with_program(rules, "social_security", two_lines_in_one=True)
    registered = {"status": Status.REGISTERED, "size": 2, "income": 1000.0}
    fell_back = {"status": Status.EXITED, "ever_exited": True, "size": 2, "income": 1000.0}
    _, dibao = start_year(
        scenario,
        {**registered, "labour": 0},
        {**registered, "labour": 2},
        {**fell_back, "labour": 2},
    )
    assert dibao.enrolled.tolist() == [True, False, True]


def test_dibao_is_every_rural_residents_and_the_campaigns_guarantee_the_registers(
    rules: Scenario,
) -> None:
    """应保尽保: a household never registered that cannot work is on the floor too; the last
    year's guarantee lifts the register's households whatever their labour, not the rest.
    The published floor (20 m) counts the register's people only."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        statuses=["registered", "exited", "unregistered"],
        guaranteed_from=2014,
    )
    never = {"status": Status.UNREGISTERED, "size": 2, "income": 1000.0}
    registered = {"status": Status.REGISTERED, "size": 3, "income": 1000.0, "labour": 2}
    model, dibao = start_year(scenario, {**never, "labour": 0}, {**never, "labour": 2}, registered)
    assert dibao.enrolled.tolist() == [True, False, True]
    record_support_reach(model.programs, model.households)
    row = dibao.ledger[-1]
    assert (row["enrolled_people"], row["register_enrolled_people"]) == (5.0, 3.0)


def test_a_household_never_registered_has_no_withdrawal_period(rules: Scenario) -> None:
    """The withdrawal period (低保渐退) is the register's households': one never registered
    leaves the allowance once its own income reaches the standard."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        withdrawal_years=1,
        statuses=["registered", "exited", "unregistered"],
    )
    row = {"size": 2, "labour": 0, "income": 2000.0}
    model, dibao = start_year(
        scenario, {**row, "status": Status.UNREGISTERED}, {**row, "status": Status.REGISTERED}
    )
    assert dibao.enrolled.tolist() == [True, True]
    model.households.income[:] = 6000.0 + dibao.income
    dibao.begin_year(2015)
    assert dibao.enrolled.tolist() == [False, True]


def test_a_renovation_is_necessary_for_an_exit_it_made_possible(rules: Scenario) -> None:
    scenario = with_program(rules, "housing")
    rich = {"status": Status.REGISTERED, "housing_grade": 3, "farm_base": 20000.0, "land": 2.0}
    model, housing = start_year(scenario, rich)
    assert housing.enrolled[0]
    assert model.households.housing_grade[0] == 0
    h = model.households
    set_year_income(h, [LINE_2014 * 3])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert t.exited[0]
    assert rows["housing"]["necessary_households"] == 1
    assert rows["housing"]["primary_households"] == 1  # it adds no income, yet it is primary
    assert rows["none"]["primary_households"] == 0


def test_a_program_that_was_not_needed_only_helped(rules: Scenario) -> None:
    scenario = with_program(rules, "industry", gain=100.0)
    model, industry = start_year(scenario, {"status": Status.REGISTERED, "labour": 2, "land": 1.0})
    h = model.households
    industry.income[:] = 100.0
    set_year_income(h, [LINE_2014 * 2])  # far over the line without the 100 yuan
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["industry"]["exited_households"] == 1  # helped
    assert rows["industry"]["necessary_households"] == 0
    assert rows["none"]["primary_households"] == 1


@pytest.mark.parametrize(
    ("over_the_line", "pathway"), [(400.0, "combined"), (700.0, "none"), (200.0, "industry")]
)
def test_an_exit_two_programs_were_needed_for_together_is_combined(
    rules: Scenario, over_the_line: float, pathway: str
) -> None:
    """Two programs of 300 yuan each: 400 yuan over the line, neither is needed alone but
    together they are; 700 over, the household needed neither; 200 over, each is needed
    (the first listed is primary)."""
    coop = {"kind": "industry", "budget": {"2014": 1e9}, "take_up": 1.0}
    scenario = rules.updated(
        {
            "programs": {"industry": coop, "dairy": coop},
            "registration.completed_month": 0,
        }
    )
    model, _ = start_year(scenario, {"status": Status.REGISTERED, "labour": 2, "land": 1.0})
    h = model.households
    for program in model.programs:
        program.income[:] = 300.0
    set_year_income(h, [LINE_2014 + over_the_line])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert t.exited[0]
    assert {name for name, row in rows.items() if row["primary_households"] == 1} == {pathway}
    assert rows["industry"]["exited_households"] == rows["dairy"]["exited_households"] == 1
    assert rows["none"]["exited_households"] == 0  # programs helped, whatever they were needed for
    assert rows["combined"]["necessary_households"] == (pathway == "combined")


def test_relocation_is_credited_through_the_wage_base_and_the_house(rules: Scenario) -> None:
    scenario = with_program(rules, "relocation", min_remoteness=0.0, transition_loss=0.0)
    remote = {
        "status": Status.REGISTERED,
        "housing_grade": 3,
        "wage_base": 2000.0,
        "farm_base": 200.0,
        "income": 2200.0,
    }
    model, relocation = start_year(scenario, remote)
    assert relocation.since[0] == 2014
    h = model.households
    assert relocation.contribution()[0] > 0  # wage access gained by the move
    set_year_income(h, [LINE_2014 + 10])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["relocation"]["primary_households"] == 1


# -- 4. relapse is verified; policies stay after exit; monitoring helps first ---------------
def test_one_bad_year_is_not_yet_a_relapse(rules: Scenario) -> None:
    h, v = hand_built({"status": Status.EXITED, "ever_exited": True})
    streams = Streams(0)
    for year, expected in ((2015, False), (2016, True)):
        set_year_income(h, [2000.0])
        t = close_year(h, v, rules, year, streams)
        assert bool(t.relapsed[0]) is expected
    assert h.status[0] == Status.REGISTERED


def test_a_relapse_is_graded_by_the_standard_its_fall_was_judged_by(rules: Scenario) -> None:
    """Judged under the register's exit standard, a relapse between the line and it was
    graded by the line, as registered in error, for the re-check to remove."""
    scenario = rules.updated({"exit.standard_growth": 0.2, "exit.relapse_years": 1})
    assert scenario.line(2016) < 3500 < scenario.exit_standard(2016)
    h, v = hand_built({"status": Status.EXITED, "ever_exited": True, "ever_registered": True})
    set_year_income(h, [3500.0])
    t = close_year(h, v, scenario, 2016, Streams(0))
    assert t.relapsed[0]
    assert h.status[0] == Status.REGISTERED
    assert not h.wrongly_registered[0]


def test_a_household_removed_as_registered_in_error_leaves_the_books(rules: Scenario) -> None:
    """The re-check's removals (剔除) kept counting among the people "ever registered": the
    register's poor's income, its exit share and the monitoring's places were over them."""
    scenario = rules.updated(
        {"registration.recheck_years": [2015], "registration.recheck_detection": 1.0}
    )
    rows = [{"status": Status.REGISTERED, "ever_registered": True, "wrongly_registered": True}]
    h, v = hand_built(*rows, {**rows[0], "wrongly_registered": False})
    set_year_income(h, [5000.0, 2000.0])
    t = close_year(h, v, scenario, 2015, Streams(0))
    assert t.removed.tolist() == [True, False]
    assert h.ever_registered.tolist() == [False, True]


def test_a_fall_in_a_year_of_illness_or_disaster_can_be_a_relapse_at_once(
    rules: Scenario,
) -> None:
    """Shidian's rule (可申请返贫): struck and under the standard, a household applies and is
    re-identified at that assessment; other falls wait for the verification."""
    rows = [{"status": Status.EXITED, "ever_exited": True}] * 4
    line = rules.line(2015)
    for on, expected in ((False, [False] * 4), (True, [True, True, False, False])):
        scenario = rules.updated({"exit.relapse_on_shock": on, "exit.relapse_years": 2})
        h, v = hand_built(*rows)
        set_year_income(h, [line - 300, line - 300, line - 300, line + 300])
        h.ill_year[:] = [True, False, False, True]  # the last is ill but not under
        h.disaster_year[:] = [False, True, False, False]
        t = close_year(h, v, scenario, 2015, Streams(0))
        assert t.relapsed.tolist() == expected


def test_a_recovery_resets_the_verification(rules: Scenario) -> None:
    h, v = hand_built({"status": Status.EXITED, "ever_exited": True})
    streams = Streams(0)
    for year, income in ((2015, 2000.0), (2016, 4000.0), (2017, 2000.0)):
        set_year_income(h, [income])
        t = close_year(h, v, rules, year, streams)
        assert not t.relapsed[0]


def watching(rules: Scenario, scale: float | None, from_year: int = 2019) -> Scenario:
    """The rules with monitoring on from ``from_year``, finding everyone at risk."""
    return rules.updated(
        {
            "monitoring.enabled": True,
            "monitoring.from_year": from_year,
            "monitoring.coverage": 1.0,
            "monitoring.scale": scale,
        }
    )


def test_monitoring_helps_an_exited_household_before_it_falls_back(rules: Scenario) -> None:
    monitored = watching(rules, scale=None)
    rows = [
        {"status": Status.EXITED, "ever_exited": True},  # under the line
        {"status": Status.EXITED, "ever_exited": True},  # under 1.5 lines: watched only
        {"status": Status.UNREGISTERED},  # marginal, never registered
        {"status": Status.EXITED, "ever_exited": True},  # well off
    ]
    h, v = hand_built(*rows)
    line = monitored.line(2019)
    set_year_income(h, [line - 500, line * 1.2, line - 100, line * 3])
    t = close_year(h, v, monitored, 2019, Streams(0))
    assert t.monitored.tolist() == [True, True, True, False]
    assert h.income[:3] == pytest.approx([line, line * 1.2, line])
    assert t.monitoring_yuan == pytest.approx(600.0)
    assert h.below_line_years.tolist() == [0, 0, 0, 0]
    # Before monitoring starts nobody is watched.
    h, v = hand_built(*rows)
    set_year_income(h, [line - 500, line * 1.2, line - 100, line * 3])
    t = close_year(h, v, monitored, 2018, Streams(0))
    assert not t.monitored.any()


def test_monitoring_judges_and_helps_by_the_standard_a_fall_back_is_judged_by(
    rules: Scenario,
) -> None:
    """The monitoring's range is 1.5 times the national standard (国家扶贫标准1.5倍左右: about
    6,000 yuan in 2020, the register's "about 4,000"), and its help keeps a household from
    falling back under that standard, not only under the survey's line."""
    watched = watching(rules, scale=None).updated(
        {"exit.standard_growth": 0.06, "exit.relapse_years": 1}
    )
    line, standard = watched.line(2019), watched.exit_standard(2019)
    assert standard > 1.1 * line  # the register's standard has outgrown the survey's line
    h, v = hand_built(
        {"status": Status.EXITED, "ever_exited": True},  # over the line, under the standard
        {"status": Status.EXITED, "ever_exited": True},  # over 1.5 lines, under 1.5 standards
        {"status": Status.EXITED, "ever_exited": True},  # over 1.5 standards
    )
    set_year_income(h, [line * 1.05, line * 1.55, standard * 1.6])
    t = close_year(h, v, watched, 2019, Streams(0))
    assert t.monitored.tolist() == [True, True, False]
    assert h.income[0] == pytest.approx(standard)  # helped to the standard
    assert h.income[1] == pytest.approx(line * 1.55)  # watched, over the standard: no help
    assert t.monitoring_yuan == pytest.approx(standard - line * 1.05)
    assert not t.relapsed.any()  # the help kept the first from falling back
    assert h.below_line_years.tolist() == [0, 0, 0]


def test_a_monitored_household_is_followed_until_its_risk_is_cleared(rules: Scenario) -> None:
    """Found once, a household stays monitored and helped without being found again."""
    found = watching(rules, scale=None)
    h, v = hand_built(
        {"status": Status.EXITED, "ever_exited": True, "labour": 2},  # falls under next year
        {"status": Status.EXITED, "ever_exited": True, "labour": 2},  # recovers: risk cleared
        {"status": Status.EXITED, "ever_exited": True, "labour": 0},  # no labour: followed on
        {"status": Status.EXITED, "ever_exited": True, "labour": 2},  # never found
    )
    line = found.line(2019)
    set_year_income(h, [line * 1.2, line * 1.2, line * 1.2, line * 3])
    assert close_year(h, v, found, 2019, Streams(0)).monitored.tolist() == [1, 1, 1, 0]
    # In 2020 nobody new is found: only households already followed are watched.
    unseen = found.updated({"monitoring.coverage": 0.0})
    line = unseen.line(2020)
    set_year_income(h, [line - 400, line * 2, line * 2, line - 400])
    t = close_year(h, v, unseen, 2020, Streams(0))
    assert t.monitored.tolist() == [True, False, True, False]
    assert h.income[0] == pytest.approx(line)  # helped up to the line
    assert h.income[3] == pytest.approx(line - 400)  # never found: not helped


def test_monitoring_is_scale_controlled_lowest_incomes_first(rules: Scenario) -> None:
    """About 5% of the registered population (people), not everyone under 1.5 lines."""
    capped = watching(rules, scale=0.2)
    rows = [{"status": Status.EXITED, "ever_exited": True, "ever_registered": True, "size": 1}]
    h, v = hand_built(*rows * 10)
    h.size[1] = 4  # 13 people ever registered: 2.6 places
    line = capped.line(2019)
    set_year_income(h, line * np.array([1.4, 0.9, 1.3, 0.8, 1.2, 1.45, 3, 3, 3, 3]))
    t = close_year(h, v, capped, 2019, Streams(0))
    # The poorest (one person) fits; the next (four people) does not, and the queue stops.
    assert np.flatnonzero(t.monitored).tolist() == [3]
    assert h.income[3] == pytest.approx(line)
    assert h.income[1] == pytest.approx(line * 0.9)
    # No places, no monitoring.
    h, v = hand_built(*rows * 10)
    set_year_income(h, line * np.full(10, 0.8))
    t = close_year(h, v, capped.updated({"monitoring.scale": 0.0}), 2019, Streams(0))
    assert not t.monitored.any()


def test_a_deep_poverty_county_monitors_up_to_its_wider_scale(rules: Scenario) -> None:
    """深度贫困地区原则上不超过10% (国开发〔2020〕6号): the same households, 5% and 10%."""
    capped = watching(rules, scale=0.05).updated({"monitoring.deep_scale": 0.10})
    row = {"status": Status.EXITED, "ever_exited": True, "ever_registered": True, "size": 1}
    line = capped.line(2019)
    found = {}
    for deep in (False, True):
        h, v = hand_built(*[row] * 20)
        set_year_income(h, line * np.linspace(0.5, 0.9, 20))
        found[deep] = close_year(h, v, capped, 2019, Streams(0), deep_poverty=deep).monitored
    assert found[False].sum() == 1
    assert found[True].sum() == 2


def test_a_county_over_the_deep_poverty_incidence_is_designated(rules: Scenario) -> None:
    """Deep-poverty counties: 三区三州 by area, or registered incidence over 18% (2017)."""
    rows = [{"status": Status.REGISTERED, "ever_registered": True, "size": 1}] * 2
    rows += [{"status": Status.UNREGISTERED, "size": 1}] * 8
    rule = rules.updated(
        {"monitoring.deep_incidence": 0.18, "monitoring.deep_year": rules.start_year}
    )
    for scenario, deep in (
        (rule, True),
        (rule.updated({"monitoring.deep_year": rules.start_year + 1}), False),  # not yet
        (rule.updated({"monitoring.deep_incidence": None}), False),
        (rule.updated({"monitoring.deep_incidence": None, "monitoring.deep_area": True}), True),
    ):
        h, v = hand_built(*rows)
        set_year_income(h, np.full(10, 0.5 * scenario.line(scenario.start_year)))
        model = PovertyModel(scenario, 0, population=(h, v))
        for _ in range(scenario.steps_per_year):
            model.step()
        assert model.year_indicators["registered_incidence"] > 0.18
        assert model.deep_poverty is deep, scenario.monitoring
        assert model.year_indicators["deep_poverty_counties"] == int(deep)


def test_a_household_already_followed_keeps_its_place(rules: Scenario) -> None:
    followed = watching(rules, scale=0.5, from_year=2018)
    row = {"status": Status.EXITED, "ever_exited": True, "ever_registered": True, "size": 1}
    h, v = hand_built(row, row)
    line = followed.line(2018)
    set_year_income(h, [line * 1.2, line * 3])
    assert close_year(h, v, followed, 2018, Streams(0)).monitored.tolist() == [True, False]
    # The second falls nearer the line than the first, but one place is all there is.
    line = followed.line(2019)
    set_year_income(h, [line * 1.3, line * 1.05])
    assert close_year(h, v, followed, 2019, Streams(0)).monitored.tolist() == [True, False]
    # Under the line, it comes first: the place is for who needs the help.
    line = followed.line(2020)
    set_year_income(h, [line * 1.3, line * 0.5])
    assert close_year(h, v, followed, 2020, Streams(0)).monitored.tolist() == [False, True]


# -- 5. registration is scale-controlled ----------------------------------------------------
def test_the_first_registration_fills_its_quota_with_the_poorest(rules: Scenario) -> None:
    quota = rules.updated({"registration.quota": 1.5})
    rows = [{"status": Status.UNREGISTERED, "size": 1} for _ in range(100)]
    h, v = hand_built(*rows)
    line = quota.registration_line  # the line of the year the drive judged
    h.income = np.linspace(0.5, 2.0, 100) * line
    model = PovertyModel(quota, 0, population=(h, v))
    poor = int((np.linspace(0.5, 2.0, 100) < 1.0).sum())
    registered = model.households.status == Status.REGISTERED
    assert registered.sum() == int(1.5 * poor)
    assert registered[: int(1.5 * poor)].all()  # the poorest first


def test_the_first_registration_judges_the_reference_years_income(rules: Scenario) -> None:
    """2014's drive judged 2013's whole-year income (after its illness costs) by 2013's line."""
    scenario = rules.updated(
        {
            "poverty_line": {**rules.poverty_line, 2013: 2736.0},
            "registration.income_year": 2013,
            "registration.coverage": 1.0,
            "income.growth": 0.0,
            "income.village_growth_sd": 0.0,
            "shocks.illness.oop_cost_sd": 0.0,
            "shocks.illness.oop_cost_mean": 3000.0,
            "shocks.illness.insured_reimbursement": 0.0,
        }
    )

    def registered(scenario: Scenario, drawn: float, ill: bool) -> bool:
        h, v = hand_built({"status": Status.UNREGISTERED, "size": 1})
        h.farm_base[:], h.wage_base[:], h.transfer_base[:], h.property_base[:] = drawn, 0, 0, 0
        h.income = gross_income(h, v)
        scenario = scenario.updated({"shocks.illness.annual_probability": float(ill)})
        live_reference_years(h, v, scenario, Streams(0))
        model = PovertyModel(scenario, 0, population=(h, v))
        return bool(model.households.status[0] == Status.REGISTERED)

    start_line = scenario.updated({"registration.income_year": None})
    # Between 2013's line and 2014's: poor only by the line the drive did not use.
    assert not registered(scenario, 2770.0, ill=False)
    assert registered(start_line, 2770.0, ill=False)
    # Over both lines as drawn, under them after a year of medical costs.
    assert registered(scenario, 4000.0, ill=True)
    assert not registered(start_line, 4000.0, ill=True)


def test_the_allowance_before_the_campaign_pays_in_the_reference_year(rules: Scenario) -> None:
    """Rural dibao ran from 2007: 2013 was lived with it, the drive judged its recipients on
    their own income (低保贫困户) while the quota's estimate counted incomes that held it, and
    its recipients went on into 2014 without being drawn again."""
    line_2013 = 2736.0
    scenario = with_program(
        rules,
        "social_security",
        paid_before_start=True,
        statuses=["registered", "exited", "unregistered"],
        grades=(1.0, 0.58, 0.41),
    ).updated(
        {
            "poverty_line": {**rules.poverty_line, 2013: line_2013},
            "registration.income_year": 2013,
            "registration.coverage": 1.0,
            "registration.quota": 1.0,
            "income.growth": 0.0,
            "income.village_growth_sd": 0.0,
        }
    )
    # Without a worker and seriously ill: grade A, paid the whole standard (0.9 of the line)
    # over an income of 2,000; with a worker: not the allowance's, 2,500 a person.
    rows = ({"size": 1, "labour": 0, "severe": True}, {"size": 1, "labour": 1})
    h, v = hand_built(*[{**r, "status": Status.UNREGISTERED} for r in rows])
    h.farm_base[:], h.wage_base[:], h.transfer_base[:], h.property_base[:] = 0, 0, 0, 0
    h.farm_base[:] = [2000.0, 2500.0]
    h.income = gross_income(h, v)
    live_reference_years(h, v, scenario, Streams(0))
    standard = 0.9 * line_2013
    assert h.income.tolist() == pytest.approx([2000.0 + standard, 2500.0])
    model = PovertyModel(scenario, 0, population=(h, v))
    # The estimate counts one person under the line, and the drive's one place goes to the
    # poorer by its own income: the allowance's recipient.
    assert model.households.status.tolist() == [Status.REGISTERED, Status.UNREGISTERED]
    dibao = model.programs[0]
    assert dibao.enrolled.tolist() == [True, False]
    assert dibao.since[0] == 2013
    # Re-assessed at 2014's start on its own income, it is paid the grade's share again.
    model._begin_year()
    assert dibao.income[0] == pytest.approx(0.9 * LINE_2014)
    without = scenario.updated({"programs.social_security.paid_before_start": False})
    h, v = hand_built(*[{**r, "status": Status.UNREGISTERED} for r in rows])
    h.farm_base[:], h.wage_base[:], h.transfer_base[:], h.property_base[:] = 0, 0, 0, 0
    h.farm_base[:] = [2000.0, 2500.0]
    h.income = gross_income(h, v)
    live_reference_years(h, v, without, Streams(0))
    assert h.income.tolist() == pytest.approx([2000.0, 2500.0])


def test_the_allowance_before_the_campaign_needs_a_reference_year(rules: Scenario) -> None:
    scenario = with_program(rules, "social_security", statuses=["unregistered"])
    with pytest.raises(ScenarioError, match="no reference year to pay it in"):
        scenario.updated(
            {
                "registration.income_year": None,
                "programs.social_security.paid_before_start": True,
            }
        )
    twice = {"kind": "social_security", "statuses": ["unregistered"], "paid_before_start": True}
    with pytest.raises(ScenarioError, match="set it in one program only"):
        rules.updated({"programs": {"dibao": twice, "wubao": twice}})
    with pytest.raises(ScenarioError, match="add 'unregistered'"):
        scenario.updated(
            {
                "poverty_line": {**rules.poverty_line, 2013: 2736.0},
                "registration.income_year": 2013,
                "programs.social_security.statuses": ["registered"],
                "programs.social_security.paid_before_start": True,
            }
        )


def test_a_household_registered_in_error_waits_for_the_recheck(rules: Scenario) -> None:
    """Registered in error, it has no exit to record: the re-check removes it or lets it go."""
    scenario = rules.updated(
        {"registration.recheck_years": [2015, 2016], "registration.recheck_detection": 0.0}
    )
    rows = [{"status": Status.REGISTERED, "wrongly_registered": w} for w in (True, False)]
    for year, exited in ((2014, [False, True]), (2016, [True, True]), (2017, [True, True])):
        h, v = hand_built(*rows)
        set_year_income(h, [5000.0, 5000.0])  # both over the line, every guarantee met
        t = close_year(h, v, scenario, year, Streams(0))
        assert t.exited.tolist() == exited
    # The re-check goes village by village: in the first of two years it looks at half.
    half = scenario.updated({"registration.recheck_detection": 0.5})
    h, v = hand_built(*[rows[0]] * 2000)
    set_year_income(h, [5000.0] * 2000)
    t = close_year(h, v, half, 2015, Streams(0))
    assert 400 < t.removed.sum() < 600
    assert 400 < t.exited.sum() < 600
    assert not (t.removed & t.exited).any()


def test_after_the_recheck_years_few_are_added(rules: Scenario) -> None:
    scenario = rules.updated(
        {
            "registration.recheck_years": [2015, 2016],
            "registration.review_coverage": 1.0,
            "registration.later_review_coverage": 0.05,
            "monitoring.enabled": True,
            "monitoring.from_year": 2019,
        }
    )
    # Uninsured: after the re-check a new identification needs a guarantee missing as well
    # (test_after_the_recheck_a_new_identification_needs_a_missing_guarantee).
    rows = [{"status": Status.UNREGISTERED, "medical_ok": False} for _ in range(2000)]
    # From the monitoring's first year (2019) those found at risk enter it, not the register.
    for year, low, high in ((2016, 2000, 2000), (2017, 60, 140), (2019, 0, 0)):
        h, v = hand_built(*rows)
        set_year_income(h, [LINE_2014] * 2000)  # all under the year's line
        t = close_year(h, v, scenario, year, Streams(1))
        assert low <= t.entered.sum() <= high


@pytest.mark.parametrize(
    ("refers_from", "year", "entered"),
    [(2015, 2015, True), (2016, 2015, False), (2015, 2019, False)],
)
def test_a_dibao_household_that_meets_the_poverty_conditions_is_registered(
    rules: Scenario, refers_from: int, year: int, entered: bool
) -> None:
    """应扶尽扶 (国办发〔2016〕70号): a household never registered that is on dibao with its own
    income under the poverty line is put on the register, judged without the allowance (the
    survey alone sees it at the standard, over the line); one on it between the line and
    the dibao standard is not. It enters by the register's procedure: not before the rule,
    and not once monitoring takes households newly at risk."""
    scenario = with_program(
        rules,
        "social_security",
        two_lines_in_one=True,
        statuses=["registered", "exited", "unregistered"],
        standard={2014: 5000.0},
        refers_from=refers_from,
    ).updated(
        {
            "registration.recheck_years": [2014],
            "registration.later_review_coverage": 1.0,
            "monitoring.enabled": True,
            "monitoring.from_year": 2019,
        }
    )
    never = {"status": Status.UNREGISTERED, "size": 2, "labour": 0}
    model, dibao = start_year(scenario, {**never, "income": 1000.0}, {**never, "income": 4000.0})
    t = _assess(model, year, [1000.0, 4000.0])
    assert dibao.enrolled.tolist() == [True, True]
    assert t.entered.tolist() == [entered, False]
    h = model.households
    assert h.status.tolist()[0] == (Status.REGISTERED if entered else Status.UNREGISTERED)
    if entered:
        assert not h.wrongly_registered[0]
        assert h.hardship[0] == Hardship.A  # judged on its own 1,000 yuan, not the allowance


def test_support_stops_no_sooner_than_the_campaign(bare: Scenario) -> None:
    scenario = with_program(bare, "industry", support_after_exit_years=0, duration_years=10)
    assert scenario.exit.keep_policies
    assert scenario.exit.policies_kept_until == 2020
    model, industry = start_year(scenario, {"status": Status.REGISTERED, "labour": 2, "land": 1.0})
    model.households.status[0] = Status.EXITED
    model.households.exit_year[0] = 2014
    assert not industry._support_over(2020)[0]
    assert industry._support_over(2021)[0]


# -- 6 and 8. what the campaign guaranteed by its end, whatever a program's budget ----------
def test_a_guaranteed_program_enrols_everyone_eligible(rules: Scenario) -> None:
    tiny = dict.fromkeys(range(2014, 2021), 1.0)
    dangerous = {"status": Status.REGISTERED, "housing_grade": 3}
    capped = with_program(rules, "housing", budget=tiny)
    _, housing = start_year(capped, dangerous, dangerous)
    assert not housing.enrolled.any()  # 1 yuan renovates nothing
    guaranteed = with_program(rules, "housing", budget=tiny, guaranteed_from=2014)
    _, housing = start_year(guaranteed, dangerous, dangerous)
    assert housing.enrolled.all()
    assert housing.ledger[-1]["spent_yuan"] == pytest.approx(2 * 35000)  # beyond the budget


def test_the_exit_plan_fixes_first_the_houses_that_stand_between_a_household_and_exit(
    rules: Scenario,
) -> None:
    one_house = dict.fromkeys(range(2014, 2021), 35000.0)
    dangerous = {"status": Status.REGISTERED, "housing_grade": 3}
    rows = ({**dangerous, "income": 1000.0}, {**dangerous, "income": 3500.0})
    for priority, fixed in (("hardship", [True, False]), ("exit_plan", [False, True])):
        scenario = with_program(rules, "housing", budget=one_house, priority=priority)
        _, housing = start_year(scenario, *rows)
        assert housing.enrolled.tolist() == fixed


def test_the_floor_catches_every_registered_household_in_the_last_year(rules: Scenario) -> None:
    tiny = dict.fromkeys(range(2014, 2021), 1.0)
    scenario = with_program(
        rules, "social_security", two_lines_in_one=True, budget=tiny, guaranteed_from=2020
    )
    rows = [{"status": Status.REGISTERED, "size": 2, "labour": 1, "hungry_steps": 12}] * 3
    model, dibao = start_year(scenario, *rows)
    h = model.households
    for year, exits in ((2019, 0), (2020, 3)):
        set_year_income(h, [1000.0, 2000.0, 3000.0])
        h.hungry_steps[:] = 12  # a year of hunger: the allowance restores food security
        dibao.ledger[-1]["year"] = year
        t = close_year(h, model.villages, scenario, year, model.streams, model.programs)
        assert int(t.exited.sum()) == exits
    assert (h.status == Status.EXITED).all()


def test_the_last_years_floor_lifts_households_to_the_exit_standard(rules: Scenario) -> None:
    """In 2020 the floor caught whoever could not reach the exit standard by work, not only
    those under the line: a household over the 2020 line (3,300 yuan) but under the exit
    standard carried forward from 2014 (2,800 at 6% a year: 3,972) exits through it."""
    tiny = dict.fromkeys(range(2014, 2021), 1.0)
    scenario = with_program(
        rules.updated({"exit.standard_growth": 0.06, "exit.income_margin": 0.0}),
        "social_security",
        two_lines_in_one=True,
        budget=tiny,
        guaranteed_from=2020,
    )
    registered = {"status": Status.REGISTERED, "size": 2, "labour": 1}
    exited = {**registered, "status": Status.EXITED, "ever_exited": True}
    model, dibao = start_year(scenario, registered, registered, exited)
    h = model.households
    set_year_income(h, [1000.0, 3600.0, 3600.0])
    dibao.ledger[-1]["year"] = 2020
    t = close_year(h, model.villages, scenario, 2020, model.streams, model.programs)
    assert t.exited.tolist() == [True, True, False]
    assert (h.income[:2] >= scenario.exit_standard(2020) - 1e-6).all()
    # An exited household over the line is the monitoring's, not lifted by the floor.
    assert h.status[2] == Status.EXITED
    assert h.income[2] == pytest.approx(3600.0)


def test_the_recheck_looks_at_each_household_once(rules: Scenario) -> None:
    """The re-check went village by village, each year an even share of the households it had
    not yet looked at: it looked at each once. A fresh draw each year looked again, in the
    second of two years, at the households the first had looked at and missed, giving them a
    second chance to be found (about 1,250 of 2,000 found at a detection of 0.5, not 1,000),
    and a household missed in an early year could exit only when a later year's draw
    happened to look at it again."""
    scenario = rules.updated(
        {"registration.recheck_years": [2015, 2016], "registration.recheck_detection": 0.5}
    )
    row = {"status": Status.REGISTERED, "wrongly_registered": True}
    h, v = hand_built(*[row] * 2000)
    streams, removed = Streams(0), 0
    for year in (2015, 2016):
        set_year_income(h, [1000.0] * 2000)  # under the line: none exits, all wait
        removed += close_year(h, v, scenario, year, streams).removed.sum()
    assert 920 < removed < 1080
    # Three re-check years: 2015 looks at a third (1,000) and finds half of them; 2016 at half
    # of the 2,000 not yet looked at, finding 500. Over the line in 2016, those missed in
    # 2015 exit, with those 2016 looks at and misses (1,000 in all).
    three = scenario.updated({"registration.recheck_years": [2015, 2016, 2017]})
    h, v = hand_built(*[row] * 3000)
    streams = Streams(0)
    set_year_income(h, [1000.0] * 3000)
    first = close_year(h, v, three, 2015, streams)
    assert 420 < first.removed.sum() < 580
    set_year_income(h, [5000.0] * 3000)
    second = close_year(h, v, three, 2016, streams)
    assert 420 < second.removed.sum() < 580
    assert 920 < second.exited.sum() < 1080


def test_a_household_the_recheck_missed_may_exit_between_its_years(rules: Scenario) -> None:
    """Between two re-check years (2015 and 2017) the register stands: no one is removed. A
    household the 2015 re-check looked at and missed is no longer held for it, so it exits in
    2016 once over the line; it was held again in the gap year, so none exited until 2017."""
    scenario = rules.updated(
        {"registration.recheck_years": [2015, 2017], "registration.recheck_detection": 0.5}
    )
    row = {"status": Status.REGISTERED, "wrongly_registered": True}
    h, v = hand_built(*[row] * 2000)
    streams = Streams(0)
    set_year_income(h, [1000.0] * 2000)  # under the line: none exits in 2015
    first = close_year(h, v, scenario, 2015, streams)
    looked = h.rechecked.copy()
    assert 900 < looked.sum() < 1100  # half looked at in the first of two years
    assert not first.exited.any()
    set_year_income(h, [5000.0] * 2000)
    gap = close_year(h, v, scenario, 2016, streams)
    assert not gap.removed.any()
    # Those looked at in 2015 and missed exit; those not yet looked at wait for 2017.
    missed = looked & ~first.removed
    assert missed.sum() > 300
    assert gap.exited.tolist() == missed.tolist()


def test_after_the_recheck_a_new_identification_needs_a_missing_guarantee(rules: Scenario) -> None:
    """After the re-check had looked at every household, a household never registered was
    newly identified when its income was under the line and one of the three guarantees was
    missing (Shidian county's rule: docs/register-sources.md section 62). Until stop 64 the
    review added any household the survey judged poor, at the same rate: about 0.7 m people a
    year in 2017-2018 against the published fall from 1 m to within 100,000."""
    scenario = rules.updated(
        {
            "registration.recheck_years": [2015, 2016],
            "registration.review_coverage": 1.0,
            "registration.later_review_coverage": 1.0,
        }
    )
    dangerous = {"status": Status.UNREGISTERED, "housing_grade": SAFE_HOUSING_GRADES}
    uninsured = {"status": Status.UNREGISTERED, "medical_ok": False}
    secure = {"status": Status.UNREGISTERED}
    for year, added in ((2016, [True] * 3), (2017, [True, True, False])):
        h, v = hand_built(dangerous, uninsured, secure)
        set_year_income(h, [1000.0] * 3)  # all under the line
        entered = close_year(h, v, scenario, year, Streams(0)).entered
        assert entered.tolist() == added, year
    # The rule is a scenario option: off, the review adds on income alone, as before.
    off = scenario.updated({"registration.later_needs_guarantee_gap": False})
    h, v = hand_built(dangerous, uninsured, secure)
    set_year_income(h, [1000.0] * 3)
    assert close_year(h, v, off, 2017, Streams(0)).entered.all()


def test_the_checks_missed_poor_meet_the_identification_standard_in_force(rules: Scenario) -> None:
    """The county checks counted as missed poor (漏评) the people "符合国家识别标准但未纳入建档立卡"
    (docs/register-sources.md section 86): after the re-check, a household under the line
    with every guarantee met would not have been identified, so it is not missed; one a
    program referred (a dibao household) needs no missing guarantee. Until stop 74 the check
    counted every never-registered household under the line, and 6-7% of the poor counties
    exiting in 2017-2018 had none against the published 85.5% and 90.46%."""
    from povsim.sim.exits import verification_findings
    from povsim.sim.indicators import annual_indicators

    scenario = rules.updated(
        {
            "registration.recheck_years": [2015, 2016],
            "registration.review_coverage": 0.0,  # nobody is added: all stay off the register
            "registration.later_review_coverage": 0.0,
        }
    )
    dangerous = {"status": Status.UNREGISTERED, "housing_grade": SAFE_HOUSING_GRADES}
    uninsured = {"status": Status.UNREGISTERED, "medical_ok": False}
    secure = {"status": Status.UNREGISTERED}
    for year, missed in ((2016, [True, True, True, False]), (2017, [True, True, False, False])):
        h, v = hand_built(dangerous, uninsured, secure, secure)
        line = scenario.line(year)
        set_year_income(h, [1000.0] * 3 + [2 * line])  # the last over the line
        t = close_year(h, v, scenario, year, Streams(0))
        assert not t.entered.any()
        assert t.missed_poor.tolist() == missed, year
        row = annual_indicators(h, v, year, line, t, False)
        assert row["missed_poor_households"] == sum(missed)
        assert row["comprehensive_poor_people"] == row["missed_poor_people"] == sum(missed)
    # referred by a program (a dibao household under the line): no missing guarantee needed
    h, _ = hand_built(secure, secure)
    income = np.array([1000.0, 1000.0])
    found, _ = verification_findings(h, scenario, 2017, income, referred=np.array([True, False]))
    assert found.tolist() == [True, False]
