"""Register dynamics on hand-built households: jobs that outlive training, exits on a
stable income, and registered households served before exited ones."""

from __future__ import annotations

import numpy as np
import pytest

from povsim import Scenario, Status
from povsim.sim.assessment import close_year
from povsim.sim.streams import Streams

from .conftest import set_year_income
from .test_programs import LINE_2014, start_year, with_program

REG = {"status": Status.REGISTERED, "size": 4, "labour": 2, "land": 1.0}


# -- a placed worker keeps the job after the training's support period ------------------------
def test_a_job_outlives_the_training_and_its_wage_grows(bare: Scenario) -> None:
    scenario = with_program(
        bare,
        "employment",
        placement_rate=1.0,
        wage=24000,
        wage_growth=0.06,
        job_loss=0.0,
        duration_years=1,
        unit_cost=3000,
        once=False,
    )
    model, employment = start_year(scenario, REG)
    assert employment.income[0] == pytest.approx(24000 / 4)
    for year in (2015, 2016, 2017):
        model.year = year
        employment.begin_year(year)
    assert not employment.enrolled[0]  # the training's support ended long ago
    assert employment.employed[0]  # the job did not
    assert employment.income[0] == pytest.approx(24000 / 4 * 1.06**3)
    assert employment.ledger[-1]["new_enrolments"] == 0  # a worker in a job is not retrained


def test_only_losing_the_job_ends_its_wage(bare: Scenario) -> None:
    scenario = with_program(bare, "employment", placement_rate=1.0, job_loss=1.0, duration_years=3)
    model, employment = start_year(scenario, REG)
    assert employment.income[0] > 0
    model.year = 2015
    employment.begin_year(2015)  # lost for sure, within the support period
    assert not employment.employed[0]
    assert employment.income[0] == 0.0
    again = with_program(bare, "employment", placement_rate=1.0, job_loss=1.0, once=False)
    model, employment = start_year(again, REG)
    model.year = 2015
    employment.begin_year(2015)
    assert employment.ledger[-1]["new_enrolments"] == 1  # trained and placed again
    assert employment.employed[0]
    assert employment.income[0] > 0


def test_unplaced_trainees_earn_nothing_from_the_program(bare: Scenario) -> None:
    scenario = with_program(bare, "employment", placement_rate=0.0)
    _, employment = start_year(scenario, REG)
    assert employment.enrolled[0]
    assert not employment.employed[0]
    assert employment.income[0] == 0.0


# -- exit needs a stable income ---------------------------------------------------------------
def _close(model, scenario: Scenario, year: int, income: float):
    h = model.households
    set_year_income(h, np.full(h.n, income))
    h.transfer_year[:] = 0.0
    return close_year(h, model.villages, scenario, year, model.streams, model.programs)


def test_exit_waits_for_income_over_the_line_at_successive_assessments(
    rules: Scenario,
) -> None:
    scenario = rules.updated({"exit.stable_years": 2})
    model, _ = start_year(scenario, REG)
    _close(model, scenario, 2014, 1.2 * LINE_2014)
    assert model.households.status[0] == Status.REGISTERED  # once over is not stably over
    _close(model, scenario, 2015, 2000.0)
    _close(model, scenario, 2016, 1.2 * scenario.line(2016))
    assert model.households.status[0] == Status.REGISTERED  # the count starts again
    _close(model, scenario, 2017, 1.2 * scenario.line(2017))
    assert model.households.status[0] == Status.EXITED
    one = rules.updated({"exit.stable_years": 1})
    model, _ = start_year(one, REG)
    _close(model, one, 2014, 1.2 * LINE_2014)
    assert model.households.status[0] == Status.EXITED


def test_income_the_floor_holds_at_the_line_counts_as_stable(rules: Scenario) -> None:
    scenario = with_program(
        rules.updated({"exit.stable_years": 3}),
        "social_security",
        two_lines_in_one=True,
        max_labour=None,
    )
    model, dibao = start_year(scenario, {**REG, "labour": 0})
    _close(model, scenario, 2014, 1000.0)
    assert dibao.enrolled[0]
    assert model.households.income[0] == pytest.approx(LINE_2014)
    assert model.households.status[0] == Status.EXITED


# -- registered households first; exited ones keep the policies ---------------------------------
def _industry_for_one(bare: Scenario) -> Scenario:
    """Industry open to registered and exited households, with money for one of them a year."""
    return with_program(
        bare,
        "industry",
        statuses=("registered", "exited"),
        unit_cost=1000,
        budget=dict.fromkeys(range(2014, 2021), 1000.0),
    )


def test_exited_households_may_take_support_up_after_the_registered(bare: Scenario) -> None:
    scenario = _industry_for_one(bare)
    # Both of the same grade: only the register's turn puts the richer first.
    exited = {**REG, "status": Status.EXITED, "ever_exited": True, "income": 1000.0}
    registered = {**REG, "income": 2500.0}
    model, industry = start_year(scenario, exited, registered)
    model.households.hardship[:] = 2
    industry.enrolled[:] = False
    industry.since[:] = 0
    industry.begin_year(2015)
    # The exited household is the poorer, but the register goes first.
    assert industry.enrolled.tolist() == [False, True]
    scenario = with_program(bare, "industry", statuses=("registered", "exited"), unit_cost=1000)
    _, industry = start_year(scenario, exited, registered)
    assert industry.enrolled.tolist() == [True, True]  # with money enough, both


# -- the low tail checked against the NBS low-income group ------------------------------------
def test_mean_income_of_the_lowest_fifth_weighs_people() -> None:
    from povsim.sim.indicators import lowest_share_mean

    incomes = np.array([5000.0, 1000.0, 3000.0, 9000.0])
    assert lowest_share_mean(incomes, np.ones(4), 0.5) == pytest.approx(2000.0)
    # Four people of 1,000 and one of 3,000 among ten: the fifth is two people at 1,000.
    assert lowest_share_mean(incomes, np.array([1.0, 4.0, 1.0, 4.0]), 0.2) == 1000.0
    # Half of the boundary household's weight falls inside the group.
    assert lowest_share_mean(incomes, np.array([1.0, 1.0, 1.0, 1.0]), 0.375) == pytest.approx(
        (1000.0 + 0.5 * 3000.0) / 1.5
    )


def test_the_floor_lets_a_household_exit_whatever_the_exit_margin(
    rules: Scenario,
) -> None:
    scenario = with_program(
        rules.updated({"exit.income_margin": 0.3}),
        "social_security",
        two_lines_in_one=True,
        max_labour=None,
    )
    model, dibao = start_year(scenario, {**REG, "labour": 0}, {**REG, "labour": 2})
    dibao.enrolled[1] = False  # no allowance for the second: its own income must clear the margin
    h = model.households
    set_year_income(h, np.array([1000.0, 1.1 * LINE_2014]))
    h.transfer_year[:] = 0.0
    close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income[0] == pytest.approx(LINE_2014)  # held at the line by the allowance
    assert h.status.tolist() == [Status.EXITED, Status.REGISTERED]


def test_an_entitled_allowance_is_not_held_back_by_its_budget(rules: Scenario) -> None:
    budget = dict.fromkeys(range(2014, 2021), 1.0)
    row = {"status": Status.EXITED, "ever_exited": True, "size": 2, "labour": 2, "income": 5000.0}
    for entitled, expected in ((None, [2000.0, 2500.0]), (2014, [LINE_2014, LINE_2014])):
        scenario = with_program(
            rules,
            "social_security",
            two_lines_in_one=True,
            budget=budget,
            entitlement_from=entitled,
        )
        model, _ = start_year(scenario, row, row)
        h = model.households
        set_year_income(h, np.array([2000.0, 2500.0]))
        h.transfer_year[:] = 0.0
        close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
        assert h.income.tolist() == pytest.approx(expected)


def test_within_a_grade_exited_households_keep_their_order(bare: Scenario) -> None:
    scenario = _industry_for_one(bare)
    exited = {**REG, "status": Status.EXITED, "ever_exited": True}
    model, industry = start_year(scenario, exited, exited)
    h = model.households
    h.hardship[:] = 2
    h.income[:] = [2600.0, 2500.0]  # the same grade; the poorer is second in the table
    industry.enrolled[:] = False
    industry.since[:] = 0
    industry.begin_year(2015)
    assert industry.enrolled.tolist() == [False, True]


def _floor_with_margin(base: Scenario) -> Scenario:
    """Two lines in one for every household, and an exit standard 30% over the line."""
    return with_program(
        base.updated({"exit.income_margin": 0.3}),
        "social_security",
        two_lines_in_one=True,
        max_labour=None,
    )


@pytest.mark.parametrize(
    ("own", "standard"), [(1000.0, None), (1.1 * LINE_2014, {2014: 1.5 * LINE_2014})]
)
def test_an_exit_through_the_floor_needs_the_floor(
    rules: Scenario, own: float, standard: dict[int, float] | None
) -> None:
    """Without the floor that held it, an exit through the floor needs the exit income: one
    judged at the line, as until stop 68, did not need the floor with its own income between
    the line and the exit income (the second case; 212,519 national exits of 2017)."""
    from povsim.sim.pathways import pathway_rows

    scenario = _floor_with_margin(rules)
    if standard is not None:
        scenario = scenario.updated({"programs.social_security.standard": standard})
    model, _ = start_year(scenario, {**REG, "labour": 0})
    t = _close(model, scenario, 2014, own)
    assert t.floored_by["social_security"][0]
    assert t.exited[0]
    h = model.households
    rows = pathway_rows(
        h, model.programs, t.exited, 2014, 1.3 * LINE_2014, line=LINE_2014, floored_by=t.floored_by
    )
    rows = {r["program"]: r for r in rows}
    assert rows["social_security"]["necessary_households"] == 1
    assert rows["social_security"]["primary_households"] == 1


def test_the_floor_tops_up_what_another_program_did_not_pay(rules: Scenario) -> None:
    """An exit through the floor credited any other program whose income it had as
    necessary, though without it the floor would have paid the larger gap."""
    from povsim.sim.pathways import pathway_rows

    from .test_programs import AMPLE

    floor = {"kind": "social_security", "budget": AMPLE, "take_up": 1.0}
    floor |= {"two_lines_in_one": True, "max_labour": None}
    industry = {"kind": "industry", "budget": AMPLE, "take_up": 1.0, "gain": 400}
    scenario = rules.updated(
        {
            "programs": {"social_security": floor, "industry": industry},
            "registration.completed_month": 0,
        }
    )
    model, _ = start_year(scenario, REG)
    t = _close(model, scenario, 2014, 1000.0)  # the industry's 400 a person among it
    assert t.floored_by["social_security"][0]
    assert t.exited[0]
    h = model.households
    industry_program = model.programs[1]
    assert industry_program.helped()[0]
    assert industry_program.contribution()[0] > 0
    rows = pathway_rows(
        h, model.programs, t.exited, 2014, LINE_2014, line=LINE_2014, floored_by=t.floored_by
    )
    rows = {r["program"]: r for r in rows}
    assert rows["industry"]["necessary_households"] == 0
    assert rows["social_security"]["primary_households"] == 1


def test_the_floor_does_not_hold_a_household_it_pays_nothing(rules: Scenario) -> None:
    scenario = _floor_with_margin(rules)
    model, dibao = start_year(scenario, {**REG, "labour": 0})
    dibao.enrolled[0] = True  # enrolled, but its own income is over the line this year
    dibao.income[0] = 0.0
    _close(model, scenario, 2014, 1.1 * LINE_2014)
    assert model.households.status[0] == Status.REGISTERED  # under the standard, not floored


# -- income by source ---------------------------------------------------------------------
@pytest.mark.parametrize("premium", [0.0, 0.03])
def test_wages_outgrow_farm_income_by_the_wage_premium(rules: Scenario, premium: float) -> None:
    from povsim.sim.income import gross_income, step_income
    from povsim.sim.shocks import draw_shocks

    scenario = rules.updated({"income.wage_premium": premium})
    bases = ("wage_base", "farm_base", "transfer_base", "property_base")
    rows = [{"status": Status.UNREGISTERED, base: 1000.0} for base in bases]
    model, _ = start_year(scenario, *rows, villages=1)
    h, v = model.households, model.villages
    v.growth[:] = 0.05
    steps = 3 * scenario.steps_per_year
    for _ in range(steps):
        for flow in ("wage_year", "farm_year", "transfer_year", "property_year"):
            getattr(h, flow)[:] = 0.0  # keep the last step's flows only
        step_income(h, v, scenario, 2014, draw_shocks(model.streams, h.n, len(v)))
    # Every source follows the village's trend (0.05 a year); wages alone gain the premium.
    assert v.trend[0] == pytest.approx(0.05 * 3)
    farm = h.farm_year[1]
    assert h.wage_year[0] / farm == pytest.approx(np.exp(premium * 3))
    assert h.transfer_year[2] / farm == pytest.approx(1.0)
    assert h.property_year[3] / farm == pytest.approx(1.0)
    gross = gross_income(h, v)
    assert gross[0] / gross[1] == pytest.approx(np.exp(premium * 3))


def test_a_work_teams_growth_raises_earnings_not_transfers(rules: Scenario) -> None:
    from povsim import PovertyModel
    from povsim.sim.income import step_income
    from povsim.sim.shocks import draw_shocks

    from .conftest import hand_built

    scenario = rules.updated(
        {
            "villages.work_teams": True,
            "villages.work_teams_from": 2014,
            "villages.work_team_growth": 0.05,
            "income.wage_premium": 0.0,  # no shocks either: each flow shows its trend alone
        }
    )
    # The same farm and transfer households in a poor village (0) and another (1).
    bases = ("farm_base", "transfer_base")
    rows = [{base: 1000.0, "village": village} for village in (0, 1) for base in bases]
    h, v = hand_built(*rows, villages=3)
    v.resettlement[2] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    v.poor_village[:] = [True, False, False]
    v.growth[:] = 0.02
    model._begin_year()  # the poor village's team arrives
    assert v.work_team.tolist() == [True, False, False]
    for _ in range(3 * scenario.steps_per_year):
        for flow in ("farm_year", "transfer_year"):
            getattr(h, flow)[:] = 0.0  # keep the last step's flows only
        step_income(h, v, scenario, 2014, draw_shocks(model.streams, h.n, len(v)))
    # The team's village grows faster, and what it earns shows it...
    assert v.trend[0] - v.trend[1] == pytest.approx(0.05 * 3)
    assert h.farm_year[0] / h.farm_year[2] == pytest.approx(np.exp(0.05 * 3))
    # ...but pensions, remittances and the state's transfers are not the team's to raise.
    assert h.transfer_year[1] == pytest.approx(h.transfer_year[3])


# -- illness: one episode at a time ---------------------------------------------------------------
def test_an_episode_under_way_holds_off_another_onset(bare: Scenario) -> None:
    from dataclasses import replace

    from povsim.sim.shocks import draw_shocks, fall_ill, illness_duration_steps

    from .conftest import hand_built

    h, v = hand_built({"size": 2}, {"size": 2})
    h.ill_steps[:] = [2, 0]  # the first is two months into its last episode's four
    h.ill_cost[:] = [100.0, 0.0]
    sure = replace(draw_shocks(Streams(0), h.n, len(v)), illness=np.zeros(h.n))
    fall_ill(h, bare, sure)
    # The second falls ill; the first keeps its episode, its months and its cost, and the
    # yearly rate (shocks.illness.annual_probability) is of a household not already ill.
    assert h.ill_steps.tolist() == [2, illness_duration_steps(bare)]
    assert h.ill_cost[0] == 100.0
    assert h.ill_year.tolist() == [False, True]
