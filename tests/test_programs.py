"""Support programs on hand-built households: eligibility, effects, budgets, transitions."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import povsim
from povsim import PovertyModel, Scenario, ScenarioError, Status, load_scenario, simulate
from povsim.cli import app
from povsim.config.errors import ScenarioProblem
from povsim.config.vocabulary import Cause
from povsim.sim.income import step_income
from povsim.sim.programs.base import record_support_reach
from povsim.sim.shocks import draw_shocks

from .conftest import SCENARIOS, hand_built

AMPLE = dict.fromkeys(range(2014, 2021), 1e12)
LINE_2014 = 2800.0


def with_program(bare: Scenario, kind: str, **settings) -> Scenario:
    table = {"kind": kind, "budget": AMPLE, "take_up": 1.0, **settings}
    # The hand-built register stands at the start: support reaches it from January.
    return bare.updated({"programs": {kind: table}, "registration.completed_month": 0})


def start_year(scenario: Scenario, *rows: dict, villages: int = 2, seed: int = 0):
    """A model of hand-built households, run to the start of its first year's support."""
    h, v = hand_built(*rows, villages=villages)
    v.resettlement[-1] = True
    v.remoteness[-1] = 0.05
    model = PovertyModel(scenario, seed, population=(h, v))
    # The hand-built register stands; undo what the first registration drive changed.
    model.households.status[:] = [r.get("status", Status.REGISTERED) for r in rows]
    model.households.causes[:] = [r.get("causes", 0) for r in rows]
    model._begin_year()
    return model, model.programs[0] if model.programs else None


REG = {"status": Status.REGISTERED, "size": 4, "labour": 2, "land": 1.0}


def test_industry_eligibility_and_ramped_farm_gain(bare: Scenario) -> None:
    scenario = with_program(bare, "industry", gain=3000, ramp_years=2, duration_years=3, decay=0.2)
    rows = [REG, {**REG, "labour": 0}, {**REG, "land": 0.0}, {**REG, "status": Status.UNREGISTERED}]
    model, industry = start_year(scenario, *rows)
    assert industry.enrolled.tolist() == [True, False, False, False]
    assert industry.income[0] == pytest.approx(1500)  # half way up a two-year ramp
    assert model.households.support_farm[0] == pytest.approx(1500)
    model.year = 2015
    industry.begin_year(2015)
    assert industry.income[0] == pytest.approx(3000)
    industry.begin_year(2016)
    industry.begin_year(2017)  # support ended after three years: the gain decays
    assert not industry.enrolled[0]
    assert industry.income[0] == pytest.approx(3000 * 0.8)


def test_a_queue_makes_its_stream_only_when_it_draws(bare: Scenario) -> None:
    """Most years' queues are paid in full and draw nothing: their streams are not made
    (each costs about 40 µs, a tenth of a program's year in a small county), and the one draw a
    queue makes is its stream's first, as if the stream had been made beforehand."""
    model, industry = start_year(with_program(bare, "industry", gain=3000), REG)
    assert not any(purpose.startswith("queue") for purpose, _ in industry._streams)
    draw = industry.uniform("queue_new")
    assert ("queue_new", model.year) not in industry._streams
    first = model.streams.program("industry", "queue_new", model.year).random()
    assert draw() == first
    assert ("queue_new", model.year) in industry._streams


def test_an_effect_stops_ramping_when_support_ends(bare: Scenario) -> None:
    scenario = with_program(bare, "industry", gain=3000, ramp_years=3, duration_years=1, decay=0.2)
    model, industry = start_year(scenario, REG)
    assert industry.income[0] == pytest.approx(1000)  # a third of the way up
    model.year = 2015
    industry.begin_year(2015)
    assert not industry.enrolled[0]
    assert industry.income[0] == pytest.approx(1000 * 0.8)  # what was built decays
    industry.begin_year(2016)
    assert industry.income[0] == pytest.approx(1000 * 0.8**2)


@pytest.mark.parametrize(
    ("lag", "ramp", "duration", "incomes"),
    [
        (1, 1, 1, [0, 3000, 3000, 3000]),  # the one year's effect comes after the lag
        (1, 2, 2, [0, 1500, 3000, 3000]),  # two years of support build the whole ramp
        (1, 3, 1, [0, 1000, 1000, 1000]),  # one year builds a third of it
    ],
)
def test_support_that_ended_within_the_lag_still_brings_its_effect(
    bare: Scenario, lag: int, ramp: int, duration: int, incomes: list[float]
) -> None:
    scenario = with_program(
        bare,
        "industry",
        gain=3000,
        lag_years=lag,
        ramp_years=ramp,
        duration_years=duration,
        decay=0.0,
    )
    model, industry = start_year(scenario, REG)
    seen = [float(industry.income[0])]
    for year in range(2015, 2018):
        model.year = year
        industry.begin_year(year)
        seen.append(float(industry.income[0]))
    assert seen == pytest.approx(incomes)


def test_industry_gain_moves_with_farm_prices(bare: Scenario) -> None:
    scenario = with_program(bare, "industry", gain=3000, ramp_years=1)
    model, _ = start_year(scenario, REG)
    model.villages.market[:] = np.log(0.5)  # prices halve; keep them there
    model.config = model.config.updated({"shocks.market.persistence": 1.0, "shocks.market.sd": 0.0})
    farm_before = model.households.farm_year.copy()
    model.step()
    gained = model.households.farm_year - farm_before
    base = model.households.farm_base * np.exp(model.households.level + model.households.transitory)
    assert gained[0] > 0
    assert gained[0] < (3000 + base[0] * 2) / 12  # the gain is paid at half price too


@pytest.mark.parametrize("kind", ["employment", "pairing"])
def test_a_placed_worker_no_longer_earns_wages_at_home(rules: Scenario, kind: str) -> None:
    """Employment transfer (转移就业) and pairing place a worker away: the wage away replaces
    the worker's wages at home (employment placed without it until stop 66)."""
    scenario = with_program(rules, kind, placement_rate=1.0, wage=0.0, job_loss=0.0)
    home = {**REG, "wage_base": 1.0}
    model, placing = start_year(scenario, home, {**home, "labour": 0})
    h = model.households
    assert placing.employed.tolist() == [True, False]
    h.wage_year[:] = 0.0
    step_income(h, model.villages, scenario, 2014, draw_shocks(model.streams, h.n, 2))
    unplaced, _ = start_year(with_program(rules, kind, placement_rate=0.0), home)
    u = unplaced.households
    u.wage_year[:] = 0.0
    step_income(u, unplaced.villages, scenario, 2014, draw_shocks(unplaced.streams, u.n, 2))
    # Two workers, one of them away: half the wages at home of the same household unplaced.
    assert h.wage_year[0] == pytest.approx(u.wage_year[0] / 2)
    assert h.labour_away.tolist() == [1, 0]


def test_employment_placement_wage_and_job_loss(bare: Scenario) -> None:
    placed = with_program(
        bare, "employment", placement_rate=1.0, wage=24000, job_loss=1.0, unit_cost=3000
    )
    model, employment = start_year(placed, REG, {**REG, "labour": 0})
    assert employment.enrolled.tolist() == [True, False]
    assert employment.income[0] == pytest.approx(24000 / 4)
    # earned away: an illness at home does not cut it (support_remitted, not support_wage)
    assert model.households.support_remitted[0] == pytest.approx(6000)
    assert model.households.support_wage[0] == 0
    assert employment.ledger[-1]["spent_yuan"] == 3000
    employment.begin_year(2015)  # the job is lost for sure
    assert employment.ledger[-1]["new_enrolments"] == 0
    assert employment.income[0] == 0
    unplaced = with_program(bare, "employment", placement_rate=0.0)
    _, employment = start_year(unplaced, REG)
    assert employment.enrolled[0]
    assert employment.income[0] == 0
    assert employment.ledger[-1]["spent_yuan"] > 0  # training is paid for either way


def test_relocation_moves_remote_households(bare: Scenario) -> None:
    scenario = with_program(
        bare, "relocation", min_remoteness=0.6, unit_cost=60000, farm_kept=0.5, transition_loss=1000
    )
    rows = [
        {**REG, "village": 0, "housing_grade": 3, "farm_base": 2000.0, "wage_base": 1000.0},
        {**REG, "village": 1, "housing_grade": 3},
    ]
    h, v = hand_built(*rows, villages=3)
    v.remoteness[:] = [0.9, 0.2, 0.05]
    v.resettlement[2] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    h.status[:] = Status.REGISTERED
    # poorer than its bases, with transfers that do not follow its level
    h.level[0], h.transfer_base[0], h.income[0] = -0.5, 1000.0, 3000.0
    model._begin_year()
    relocation = model.programs[0]
    assert relocation.enrolled.tolist() == [True, False]
    assert h.village.tolist() == [2, 1]
    assert h.housing_grade.tolist() == [0, 3]
    assert h.farm_base[0] == pytest.approx(1000.0)
    penalty = scenario.income.remoteness_wage_penalty
    ratio = (1 - penalty * 0.05) / (1 - penalty * 0.9)
    assert h.wage_base[0] == pytest.approx(1000.0 * ratio)
    # what the move does to its earnings, at its level, in its last assessed income's yuan
    earned = np.exp(-0.5) * np.array([2000.0, 1000.0])  # farm, wages
    scale = 3000.0 / (earned.sum() + 1000.0)
    assert relocation.gain[0] == pytest.approx(scale * ((ratio - 1) * earned[1] - 0.5 * earned[0]))
    assert relocation.income[0] == -1000  # the transition dip, this year only
    assert relocation.ledger[-1]["spent_yuan"] == 60000 * 4
    relocation.begin_year(2015)
    assert relocation.income[0] == 0


@pytest.mark.parametrize("goes_back", [False, True])
def test_a_guarantee_a_program_secured_is_its_own_while_it_would_not_hold_without_it(
    rules: Scenario, goes_back: bool
) -> None:
    """A pupil kept in school by the program in 2014 and still in school in 2015: without
    the program the gap would still be open, unless the year's background would have closed
    it (``schooling_annual_fix``). Judged on the year's column alone, the program was
    credited with the guarantee only in the year it first secured it."""
    from povsim.sim.guarantees import update_guarantees

    scenario = with_program(
        rules.updated({"guarantees.schooling_annual_fix": float(goes_back)}),
        "education",
        allowance=1000,
        duration_years=9,
    )
    pupils = {**REG, "pupils": 1, "school_years_left": 9, "schooling_ok": False}
    model, education = start_year(scenario, pupils)
    h = model.households
    for year in (2014, 2015):
        background = update_guarantees(h, scenario, scenario.line(year), model.streams.guarantees)
        education.secure(h, background)
        assert h.schooling_ok[0]
    # 2014's year end: the gap was open before the program; 2015's, it stayed open without it
    # or the background closed it
    assert bool(education.made[0]) == (not goes_back)


def test_education_secures_schooling_then_a_school_leaver_works(bare: Scenario) -> None:
    scenario = with_program(
        bare, "education", allowance=1000, graduate_wage=20000, leaves_home=0.0, duration_years=9
    )
    rows = [
        {**REG, "pupils": 2, "school_years_left": 2, "schooling_ok": False},
        {**REG, "pupils": 1, "school_years_left": 9},  # a young pupil: years of school ahead
        {**REG, "pupils": 0},
    ]
    model, education = start_year(scenario, *rows)
    h = model.households
    assert education.enrolled.tolist() == [True, True, False]
    assert education.income[0] == pytest.approx(1000 * 2 / 4)
    education.secure(h)
    assert h.schooling_ok[0]
    wages_before = h.wage_base.copy()
    model.run()
    # The eldest pupil leaves school at the end of 2015 and the next three years later
    # (2018): each works from the following year. The young pupil is still at school in
    # 2020, so the program has not raised that household's wages.
    assert education.graduates.tolist() == [2, 0, 0]
    assert (h.pupils[0], h.labour[0]) == (0, 4)
    assert h.wage_base[0] == pytest.approx(wages_before[0] + 2 * 20000 / 4)
    assert h.wage_base[1] == pytest.approx(wages_before[1])
    assert h.pupils[1] == 1


def test_education_pays_for_the_pupils_a_household_has_at_school_each_year(
    bare: Scenario,
) -> None:
    """The allowance is per pupil (``allowance``, yuan/pupil/year) and its cost counts the
    pupils at school each year; the allowance was fixed at enrolment, so a household kept it
    after its last pupil left school and a child who started school later brought nothing.
    Support ends with the last pupil; the school leaver's wage still comes."""
    scenario = with_program(bare, "education", allowance=1000, unit_cost=1500, leaves_home=0.0)
    rows = [
        {**REG, "pupils": 1, "school_years_left": 1},
        {**REG, "pupils": 1, "school_years_left": 9},
    ]
    model, education = start_year(scenario, *rows)
    h = model.households
    assert education.income.tolist() == pytest.approx([1000 / 4, 1000 / 4])
    # The first household's pupil leaves school at the end of 2014; the second's sibling
    # starts.
    h.pupils[:] = [0, 2]
    h.left_school_year[0] = 2014
    model.year = 2015
    education.begin_year(2015)
    assert education.enrolled.tolist() == [False, True]
    assert education.income.tolist() == pytest.approx([0.0, 1000 * 2 / 4])
    assert education.ledger[-1]["spent_yuan"] == pytest.approx(1500 * 2 * h.weight[1])
    assert education.graduates.tolist() == [1, 0]


def test_student_aid_reaches_every_registered_pupil_and_secures_no_schooling(
    bare: Scenario,
) -> None:
    """Aid is an entitlement outside the poverty funds: every registered or exited household
    with a pupil, whatever the budget, paid what the campaign added in the year; it is not
    the schooling guarantee, and it ends with the household's last pupil."""
    table = {"guaranteed_from": 2014, "allowance": {2014: 0.0, 2016: 400.0}}
    scenario = bare.updated({"programs": {"student_aid": table}, "registration.completed_month": 0})
    rows = [
        {**REG, "pupils": 2, "school_years_left": 12, "schooling_ok": False},
        {**REG, "pupils": 1, "school_years_left": 1, "status": Status.EXITED, "exit_year": 2014},
        {**REG, "pupils": 0},
        {**REG, "pupils": 1, "school_years_left": 12, "status": Status.UNREGISTERED},
    ]
    model, aid = start_year(scenario, *rows)
    h = model.households
    assert aid.enrolled.tolist() == [True, True, False, False]  # no share, no budget: paid
    assert aid.income.tolist() == [0.0, 0.0, 0.0, 0.0]  # nothing added before 2016
    aid.secure(h)
    assert not h.schooling_ok[0]
    h.pupils[1] = 0  # the exited household's pupil leaves school at the end of 2014
    aid.begin_year(2015)
    aid.begin_year(2016)
    assert aid.enrolled.tolist() == [True, False, False, False]
    assert aid.income[0] == pytest.approx(400 * 2 / 4)
    assert aid.ledger[-1]["spent_yuan"] == pytest.approx(400 * 2)
    assert aid.helped().tolist() == [True, False, False, False]
    assert aid.ever_covered().tolist() == [True, True, False, False]


def test_a_school_leaver_earns_the_same_wage_whatever_the_households_level(
    rules: Scenario,
) -> None:
    """The graduate's wage is the labour market's: a poor household's persistent level (its
    land, skills and health) does not shrink it, as it did when the wage joined the base."""
    scenario = with_program(
        rules, "education", allowance=0, graduate_wage=20000, leaves_home=0.0, duration_years=9
    )
    pupil = {**REG, "pupils": 1, "school_years_left": 1}
    model, education = start_year(scenario, {**pupil, "level": 0.0}, {**pupil, "level": -1.0})
    v = model.villages
    v.growth[:] = 0.05
    model.run()
    h = model.households
    assert education.graduates.tolist() == [1, 1]
    # They left school at the end of 2014 and work from 2015: six years of the trend since.
    paid = h.wage_base * np.exp(h.level + v.wage_trend[h.village])  # the step's scale, no noise
    assert paid == pytest.approx([20000 / 4 * np.exp(0.05 * 6)] * 2)
    assert education.contribution() == pytest.approx(paid)  # the wage as it has grown


def test_a_school_leaver_away_sends_home_a_wage_no_illness_at_home_cuts(
    rules: Scenario,
) -> None:
    """One who works away sends ``remittance_share`` of the labour market's wage home, which
    grows with the county's wages (``income.growth`` plus ``income.wage_premium``): it is
    earned away, so it stays out of the household's wage base, and neither an illness at
    home, nor the household's transitory income, nor its village's own trend moves it, as
    they did while it was in the base."""
    scenario = with_program(
        rules,
        "education",
        allowance=0,
        graduate_wage=20000,
        leaves_home=1.0,
        remittance_share=0.3,
        duration_years=9,
    ).updated(
        {
            "shocks.illness.annual_probability": 1.0,
            "shocks.illness.lost_income_share": 1.0,
            "shocks.illness.duration_months": 36,
            "shocks.illness.oop_cost_mean": 0.0,
            "income.transitory_sd": 0.3,
            "income.wage_premium": 0.03,
        }
    )
    # No earnings or transfers of its own: the household's income is what the school
    # leaver sends home.
    pupil = {**REG, "pupils": 1, "school_years_left": 1}
    model, education = start_year(
        scenario, {**pupil, "level": 0.0, "village": 0}, {**pupil, "level": -1.0, "village": 1}
    )
    h, v = model.households, model.villages
    v.growth[:] = [0.01, 0.09]
    wage_base = h.wage_base.copy()
    model.run()
    assert education.graduates.tolist() == [1, 1]
    assert h.wage_base == pytest.approx(wage_base)  # not a worker at home
    # They left school at the end of 2014 and work away from 2015: five years' growth by 2020.
    inc = scenario.income
    sent = 0.3 * 20000 / 4 * np.exp((inc.growth + inc.wage_premium) * 5)
    assert education.remitted == pytest.approx([sent, sent])
    assert h.support_remitted == pytest.approx([sent, sent])
    # Ill nearly all year, with all of home's earnings lost, the remittance is still whole.
    assert h.income == pytest.approx([sent, sent])
    assert education.contribution() == pytest.approx([sent, sent])


def test_health_cuts_the_cost_of_illness(bare: Scenario) -> None:
    sick = bare.updated({"shocks.illness.annual_probability": 1.0})
    rows = [{**REG, "medical_ok": False}] * 200
    plain, _ = start_year(sick, *rows)
    covered, health = start_year(with_program(sick, "health", extra_reimbursement=0.5), *rows)
    assert health.enrolled.all()
    # uninsured until the year end records the guarantee: support insures them from the start
    insured = sick.shocks.illness.insured_reimbursement
    assert covered.households.extra_reimbursement == pytest.approx(0.5 + insured)
    for model in (plain, covered):
        for _ in range(6):
            model.step()
    assert covered.households.medical_year.sum() < 0.6 * plain.households.medical_year.sum()
    health.secure(covered.households)
    assert covered.households.medical_ok.all()


def test_social_security_tops_up_households_without_labour(bare: Scenario) -> None:
    scenario = with_program(bare, "social_security", threshold=0.9)
    rows = [
        {**REG, "labour": 0, "income": 1000.0},
        {**REG, "labour": 2, "income": 1000.0},
        {**REG, "labour": 0, "income": 2600.0},
    ]
    _, dibao = start_year(scenario, *rows)
    assert dibao.enrolled.tolist() == [True, False, False]
    assert dibao.income[0] == pytest.approx(0.9 * LINE_2014 - 1000)
    assert dibao.ledger[-1]["spent_yuan"] == pytest.approx((0.9 * LINE_2014 - 1000) * 4)
    two_lines = with_program(bare, "social_security", two_lines_in_one=True)
    _, dibao = start_year(two_lines, *rows)
    # The poverty line is the dibao line, but a worker's earnings still count against it.
    assert dibao.enrolled.tolist() == [True, False, True]
    assert dibao.income[2] == pytest.approx(LINE_2014 - 2600)


def test_housing_pays_by_grade_and_stops_at_the_budget(bare: Scenario) -> None:
    rows = [{**REG, "housing_grade": 2}, {**REG, "housing_grade": 3}, {**REG, "housing_grade": 0}]
    model, housing = start_year(with_program(bare, "housing"), *rows)
    assert housing.enrolled.tolist() == [True, True, False]
    assert housing.ledger[-1]["spent_yuan"] == 15000 + 35000
    assert (model.households.housing_grade == 0).all()
    tight = bare.updated(
        {
            "programs": {
                "housing": {"budget": dict.fromkeys(range(2014, 2021), 40000.0), "take_up": 1.0}
            }
        }
    )
    model, housing = start_year(tight, *rows)
    assert housing.ledger[-1]["spent_yuan"] <= 40000
    assert housing.enrolled.sum() == 1


@pytest.mark.parametrize(("guaranteed_from", "again"), [(2015, True), (2016, False)])
def test_a_guaranteed_house_is_made_safe_again_after_a_disaster(
    bare: Scenario, guaranteed_from: int, again: bool
) -> None:
    """The housing check of 2020 made every registered household's house safe, whatever had
    been done before (docs/register-sources.md section 4): a house renovated once and
    damaged since is renovated again once safe housing is guaranteed, not before (the
    program enrols a household once)."""
    scenario = with_program(bare, "housing", guaranteed_from=guaranteed_from)
    model, _ = start_year(scenario, {**REG, "housing_grade": 2})
    h = model.households
    assert h.housing_grade[0] == 0
    h.housing_grade[0] = 2  # a disaster damaged it
    model.year = 2015
    model._begin_year()
    assert bool(h.housing_grade[0] == 0) is again


@pytest.mark.parametrize(("guaranteed_from", "reached"), [(2014, True), (2015, False)])
def test_a_guarantee_reaches_every_household_on_the_books_once_guaranteed(
    bare: Scenario, guaranteed_from: int, reached: bool
) -> None:
    """Declining is no outcome once a guarantee is the program's to secure: the final checks
    saw to the house of each household on the register's books, the exited among them (more
    than 23.4 m households by 30 Jun 2020, when 5.51 m people were still registered: by
    renovation, relocation, village rental housing "and similar routes"), though the
    program's ``statuses`` admit only registered households; a household never registered
    is not the campaign's."""
    scenario = with_program(bare, "housing", guaranteed_from=guaranteed_from, take_up=0.0)
    exited = {**REG, "status": Status.EXITED, "housing_grade": 2}
    never = {**REG, "status": Status.UNREGISTERED, "housing_grade": 2}
    _, housing = start_year(scenario, {**REG, "housing_grade": 2}, exited, never)
    assert housing.config.statuses == ("registered",)
    assert housing.enrolled.tolist() == [reached, reached, False]


def test_a_guarantee_already_held_leaves_take_up_as_it_was(bare: Scenario) -> None:
    """Only a household on the books short of the guarantee is certain to be reached: one
    whose medical cover holds takes health support up, or not, at its own rate."""
    scenario = with_program(bare, "health", guaranteed_from=2014, take_up=0.0)
    rows = [{**REG, "medical_ok": False}, {**REG, "medical_ok": True}]
    _, health = start_year(scenario, *rows)
    assert health.enrolled.tolist() == [True, False]


@pytest.fixture
def trusted() -> Iterator[None]:
    """Trust the test suite's own program module, for one test."""
    from povsim.config import registry

    registry.trust_imports("tests.custom_program")
    yield
    registry._TRUSTED.discard("tests.custom_program")


def test_custom_program_runs_from_a_scenario_file(tmp_path: Path, trusted: None) -> None:
    scenario_file = tmp_path / "custom.toml"
    scenario_file.write_text(
        f'extends = "{SCENARIOS / "no_intervention.toml"}"\n'
        'name = "cash"\n'
        "[population]\nhouseholds = 300\nvillages = 6\n"
        '[programs.cash]\nkind = "tests.custom_program:CashTransfer"\nshare = 0.5\namount = 800\n'
        "unit_cost = 100\n",
        encoding="utf-8",
    )
    scenario = load_scenario(scenario_file)
    assert scenario.programs["cash"].amount == 800
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(scenario_file), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    spending = pd.read_parquet(out / "spending.parquet")
    assert (spending["program"] == "cash").any()
    assert spending.loc[spending.program == "cash", "spent_yuan"].sum() > 0


def test_a_module_trusted_in_python_is_trusted_in_worker_processes(
    tmp_path: Path, trusted: None
) -> None:
    """povsim.config.trust_imports before a run on processes: each worker refused the module,
    and the error came back one character a line (ScenarioError lost its pickled problems)."""
    scenario = tmp_path / "cash.toml"
    scenario.write_text(
        f'extends = "{SCENARIOS / "no_intervention.toml"}"\n'
        "[population]\nhouseholds = 200\nvillages = 4\n"
        '[programs.cash]\nkind = "tests.custom_program:CashTransfer"\nshare = 0.5\n'
        "unit_cost = 100\n",
        encoding="utf-8",
    )
    serial = povsim.run(scenario, seed=3, replications=2)
    parallel = povsim.run(scenario, seed=3, replications=2, executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial.indicators, parallel.indicators)


def test_a_scenario_error_from_a_worker_keeps_its_problems() -> None:
    error = ScenarioError([ScenarioProblem("a.toml", "income.growth", "must be a number")])
    error.add_note("in county 3")
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems
    assert again.__notes__ == ["in county 3"]
    assert str(again) == "a.toml: income.growth: must be a number"


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("NotAProgram", r"is not a Program subclass"),
        # told it was no program at all
        ("PlainSettings", r"Config = 'BaseModel'.*must subclass.*ProgramConfig"),
        # channel = "wages" passed `povsim check` and ended the run in a KeyError
        ("MisspeltChannel", r"channel 'wages'.*farm, wage, transfer"),
    ],
)
def test_a_class_that_cannot_run_as_a_program_is_refused_when_read(
    tmp_path: Path, trusted: None, kind: str, said: str
) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'[programs.cash]\nkind = "tests.custom_program:{kind}"\n')
    with pytest.raises(ScenarioError, match=rf"programs\.cash.*{said}"):
        load_scenario(scenario)


def test_custom_program_fields_are_validated(tmp_path: Path, trusted: None) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[programs.cash]\nkind = "tests.custom_program:CashTransfer"\namount = "lots"\n')
    with pytest.raises(ScenarioError, match=r"programs\.cash\.amount"):
        load_scenario(bad)


def test_a_custom_program_is_imported_only_from_a_trusted_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a kind naming any module ran it (``venv``, a module that calls sys.exit)."""
    from povsim.config import registry

    monkeypatch.setattr(registry, "_TRUSTED", set())  # --trust-imports below must not leak
    scenario = tmp_path / "s.toml"
    for kind in ("tests.custom_program:CashTransfer", "venv:EnvBuilder", "this:X"):
        scenario.write_text(f'[programs.x]\nkind = "{kind}"\n')
        result = CliRunner().invoke(app, ["check", str(scenario)])
        assert result.exit_code == 2
        assert "not trusted" in result.output
    assert "this" not in sys.modules  # nothing was imported
    scenario.write_text('[programs.cash]\nkind = "tests.custom_program:CashTransfer"\n')
    trusting = CliRunner().invoke(app, ["--trust-imports", "check", str(scenario)])
    assert trusting.exit_code == 0, trusting.output


def test_a_trusted_module_beside_the_scenario_is_found_from_the_working_directory(
    tmp_path: Path,
) -> None:
    """The documented walkthrough: mypolicies.py in the working directory, the console script."""
    (tmp_path / "mypolicies_here.py").write_text(
        (Path(__file__).parent / "custom_program.py").read_text(encoding="utf-8")
    )
    (tmp_path / "cash.toml").write_text(
        '[programs.cash]\nkind = "mypolicies_here:CashTransfer"\n', encoding="utf-8"
    )
    povsim = Path(sys.executable).parent / "povsim"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def check() -> subprocess.CompletedProcess[str]:
        argv = [povsim, "--trust-imports", "check", "cash.toml"]
        return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env=env)

    found = check()
    assert found.returncode == 0, found.stderr
    (tmp_path / "mypolicies_here.py").rename(tmp_path / "elsewhere.py")
    missing = check()
    assert missing.returncode == 2
    assert "No module named 'mypolicies_here'" in missing.stderr + missing.stdout
    assert "working directory" in missing.stderr + missing.stdout


@pytest.mark.parametrize(
    "source",
    [
        "def broken(:\n",
        "raise RuntimeError('boom at import')\n",
        "import sys\nsys.exit(0)\n",
    ],
)
def test_a_module_that_fails_on_import_is_a_scenario_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    from povsim.config import registry

    (tmp_path / "broken_kind.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_TRUSTED", {"broken_kind"})
    scenario = tmp_path / "s.toml"
    scenario.write_text('[programs.x]\nkind = "broken_kind:X"\n')
    with pytest.raises(ScenarioError, match="importing 'broken_kind' for program kind"):
        load_scenario(scenario)


@pytest.mark.parametrize(
    ("table", "path", "problem"),
    [
        ("[programs.industry]\ngian = 3000\n", "programs.industry.gian", "unknown field"),
        ("[programs.mystery]\nshare = 0.1\n", "programs.mystery", "unknown program kind"),
        ('[programs.x]\nkind = "nowhere.at_all:X"\n', "programs.x", "not trusted"),
        (
            '[programs.industry]\ncauses = ["bad_luck"]\n',
            "programs.industry.causes",
            "unknown cause",
        ),
        (
            "[programs.social_security]\nduration_years = 3\n",
            "programs.social_security.duration_years",
            "re-assessed every year",
        ),
        (
            "[programs.education]\nramp_years = 3\n",
            "programs.education.ramp_years",
            "paid in full each year a pupil is at school",
        ),
        (
            "[programs.relocation]\ndecay = 0.5\n",
            "programs.relocation.decay",
            "its new house stays: 0, not 0.5",
        ),
        (
            "[programs.industry]\nshare = 0.7\n[programs.health]\nshare = 0.6\n",
            "programs",
            "more than 1",
        ),
    ],
)
def test_bad_program_tables(tmp_path: Path, table: str, path: str, problem: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(table)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    assert f"{bad}: {path}" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "timing"),
    [
        ("microcredit", "once"),
        ("consumption", "once"),
        ("student_aid", "once"),
        ("social_security", "once"),
        ("work_away", "yearly"),
        ("infrastructure", "yearly"),
        ("asset_income", "yearly"),
    ],
)
def test_a_cost_timing_a_program_does_not_follow_is_refused(
    bare: Scenario, kind: str, timing: str
) -> None:
    """These programs pay on one timing whatever ``cost_timing`` said: the other was taken
    and changed nothing."""
    programs: dict[str, dict] = {
        "industry": {"kind": "industry"},
        kind: {"kind": kind, "cost_timing": timing},
    }
    if kind == "work_away":
        programs[kind] |= {"labourers": {2014: 1.0}, "earnings": {2014: 1.0}}
    with pytest.raises(ScenarioError, match=rf"programs\.{kind}\.cost_timing: .*not '{timing}'"):
        bare.updated({"programs": programs})
    programs[kind]["cost_timing"] = "yearly" if timing == "once" else "once"
    assert bare.updated({"programs": programs}).programs[kind].cost_timing != timing


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10**6),
    scale=st.floats(0.05, 3.0),
    shares=st.lists(st.floats(0, 1), min_size=8, max_size=8),
)
def test_budget_caps_are_never_exceeded(small: Scenario, seed: int, scale: float, shares) -> None:
    total = sum(shares) or 1.0
    changes = {
        f"programs.{name}.share": s / total for name, s in zip(small.programs, shares, strict=True)
    }
    changes["budget.total"] = {y: v * scale * 0.12 for y, v in small.budget.total.items()}
    # The caps hold for budgeted years; guaranteed ones (tested on their own) spend beyond.
    changes |= {f"programs.{name}.guaranteed_from": None for name in small.programs}
    model = PovertyModel(small.updated(changes), seed).run()
    spending = model.spending()
    assert (spending["spent_yuan"] <= spending["budget_yuan"] + 1e-6).all()
    assert (spending["unspent_yuan"] >= -1e-6).all()
    by_year = spending.groupby("year")["spent_yuan"].sum()
    assert (by_year <= pd.Series(changes["budget.total"]) + 1e-6).all()


def _exit_in_2014(bare: Scenario, after: int, keep_policies: bool = False):
    scenario = with_program(bare, "health", duration_years=5, support_after_exit_years=after)
    scenario = scenario.updated(
        {
            "shocks.illness.annual_probability": 0.0,
            "shocks.disaster.annual_probability": 0.0,
            "exit.keep_policies": keep_policies,
            "exit.policies_kept_until": 2018,
        }
    )
    rich = {**REG, "farm_base": 20000.0}
    model, health = start_year(scenario, rich)
    years = {}
    while model.running:
        model.step()
        if model.step_in_year == 0 and model.running:
            years[model.year] = None
        if model.step_in_year == 1:
            years[model.year] = bool(health.enrolled[0])
    return model, years


def test_support_continues_after_exit_for_n_years(bare: Scenario) -> None:
    model, years = _exit_in_2014(bare, after=0)
    assert model.households.exit_year[0] == 2014
    assert years[2015] is False
    model, years = _exit_in_2014(bare, after=2)
    assert [years[y] for y in (2015, 2016, 2017)] == [True, True, False]


def test_policies_stay_after_exit_until_the_end_of_the_campaign(bare: Scenario) -> None:
    """摘帽不摘政策: support lasts to policies_kept_until whatever support_after_exit_years."""
    _, years = _exit_in_2014(bare, after=0, keep_policies=True)
    assert [years[y] for y in (2015, 2016, 2017, 2018, 2019)] == [True, True, True, True, False]


def test_two_lines_in_one_leaves_no_exited_household_under_the_line(baseline: Scenario) -> None:
    """With money enough, whoever falls back under the line is caught by dibao at once (seed
    003: 只要返贫,马上纳入低保), so no exited household is assessed under the line, and every
    relapse on income is a fall the allowance caught; the others are 2017's re-verification
    of the three guarantees."""
    scenario = baseline.updated(
        {
            "population.households": 1500,
            "population.villages": 15,
            "programs.social_security.budget": AMPLE,
            "programs.social_security.two_lines_in_one": True,
            "monitoring.enabled": False,
        }
    )
    model = PovertyModel(scenario, 3)
    dibao = next(p for p in model.programs if p.name == "social_security")
    h = model.households
    exited_under = relapses = reverified = 0
    before = h.relapses.copy()
    while model.running:
        model.step()
        if model.step_in_year == 0:  # a year has just been assessed
            line = scenario.line(model.year - 1)
            exited_under += int(((h.status == Status.EXITED) & (h.income < line - 1e-6)).sum())
            relapsed = h.relapses > before
            short = relapsed & ~h.three_guarantees_ok() & (model.year - 1 == 2017)
            assert not (relapsed & ~short & ~dibao.after_fall).any()
            relapses += int((relapsed & ~short).sum())
            reverified += int(short.sum())
            before = h.relapses.copy()
    assert exited_under == 0
    assert relapses > 0
    assert reverified > 0


def test_pathways_shares_sum_to_one(baseline: Scenario) -> None:
    model = PovertyModel(baseline, 2).run()
    pathways = model.pathways()
    ind = model.indicators().set_index("year")
    for year, rows in pathways.groupby("year"):
        assert rows["primary_households"].sum() == ind.loc[year, "exits_households"]
        # A year without exits (the register already cleared) has no shares to split.
        shares = 1.0 if ind.loc[year, "exits_households"] > 0 else 0.0
        assert rows["primary_share"].sum() == pytest.approx(shares)
        programs = rows[rows["program"] != "none"]
        assert (programs["exited_households"] >= programs["necessary_households"]).all()
        assert (programs["necessary_households"] >= programs["primary_households"]).all()
        combined = rows[rows["program"] == "combined"].iloc[0]
        assert combined["exited_households"] == combined["primary_households"]
    assert set(pathways["program"]) == {*baseline.programs, "combined", "none"}


def test_relapse_measures(baseline: Scenario) -> None:
    model = PovertyModel(baseline, 4, panel=True).run()
    ind = model.indicators()
    started = ind["exited_households_start"].replace(0, np.nan)
    expected = (ind["relapses_households"] / started).fillna(0.0)
    assert np.allclose(ind["relapse_rate"], expected)
    panel = model.panel()
    exited = panel.groupby("household")["ever_exited"].max()
    relapsed = panel.groupby("household")["relapses"].max() > 0
    assert ind["cumulative_relapse_share"].iloc[-1] == pytest.approx(relapsed.sum() / exited.sum())
    causes = [
        c
        for c in ind.columns
        if c.startswith("relapses_") and c != "relapses_people" and c != "relapses_households"
    ]
    # Every relapse has at least one cause; several may apply.
    assert (ind[causes].sum(axis=1) >= ind["relapses_households"]).all()


def test_causes_filter(bare: Scenario) -> None:
    scenario = with_program(bare, "industry", causes=["illness"])
    rows = [{**REG, "causes": int(Cause.ILLNESS)}, {**REG, "causes": int(Cause.LAND)}]
    _, industry = start_year(scenario, *rows)
    assert industry.enrolled.tolist() == [True, False]


def test_infrastructure_upgrades_poor_villages_least_built_first(bare: Scenario) -> None:
    scenario = bare.updated(
        {
            "programs": {
                "roads": {
                    "kind": "infrastructure",
                    "budget": dict.fromkeys(range(2014, 2021), 1_000_000.0),
                    "unit_cost": 500_000,
                    "infrastructure_gain": 0.3,
                    "growth_gain": 0.01,
                }
            }
        }
    )
    h, v = hand_built(*[{**REG, "village": i} for i in range(4)], villages=5)
    v.resettlement[4] = True
    v.infrastructure[:] = [0.5, 0.2, 0.1, 0.4, 0.9]
    v.remoteness[:] = 0.5
    model = PovertyModel(scenario, 0, population=(h, v))
    v.poor_village[:] = [True, True, True, False, False]
    growth = v.growth.copy()
    model._begin_year()
    roads = model.programs[0]
    assert roads.improved.tolist() == [False, True, True, False, False]  # two fit the budget
    assert v.infrastructure[[1, 2]].tolist() == pytest.approx([0.5, 0.4])
    assert (v.growth[[1, 2]] - growth[[1, 2]]).tolist() == pytest.approx([0.01, 0.01])
    # roads and water raise what the village earns, not its pensions and remittances
    assert v.earned_growth.tolist() == pytest.approx([0.0, 0.01, 0.01, 0.0, 0.0])
    assert roads.ledger[-1]["spent_yuan"] == 1_000_000
    assert roads.helped().tolist() == [False, True, True, False]
    # The register's counts are of households (two, of 4 people each), the rest of villages.
    record_support_reach(model.programs, h)
    assert roads.ledger[-1]["enrolled"] == 2
    assert roads.ledger[-1]["register_enrolled"] == 2
    assert roads.ledger[-1]["register_enrolled_people"] == 8
    assert roads.ledger[-1]["support_reached"] == 2
    h.status[1] = Status.UNREGISTERED
    record_support_reach(model.programs, h)
    assert roads.ledger[-1]["support_reached"] == 1
    model.year = 2015
    roads.begin_year(2015)
    assert roads.improved.tolist() == [True, True, True, False, False]
    # Exit attribution credits the growth added since each upgrade, counted to this year, to
    # the earned part of income (a quarter of it is transfers here).
    h.income[:] = 1000.0
    h.farm_base[:], h.wage_base[:], h.property_base[:], h.transfer_base[:] = 600, 150, 0, 250
    years = np.array([1, 2, 2, 0])
    assert roads.contribution() == pytest.approx(750.0 * (1.0 - np.exp(-0.01 * years)))
    # at its own level: a household poorer than its bases earns less, its transfers the same
    h.level[1] = -0.5
    earned = 750.0 * np.exp(-0.5)
    assert roads.contribution()[1] == pytest.approx(
        1000.0 * earned / (earned + 250.0) * (1.0 - np.exp(-0.01 * 2))
    )


def test_work_teams_raise_take_up_and_growth(bare: Scenario) -> None:
    teams = bare.updated(
        {
            "villages.work_teams": True,
            "villages.work_teams_from": 2014,
            "villages.work_team_takeup": 0.5,
        }
    )
    scenario = with_program(teams, "industry", take_up=0.5)
    h, v = hand_built(*[{**REG, "village": i % 2} for i in range(2000)], villages=3)
    v.resettlement[2] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    h.status[:] = Status.REGISTERED
    v.poor_village[:] = [True, False, False]
    growth = v.growth.copy()
    model._begin_year()
    assert v.work_team.tolist() == [True, False, False]
    assert v.growth[0] - growth[0] == pytest.approx(teams.villages.work_team_growth)
    industry = model.programs[0]
    in_team_village = industry.enrolled[h.village == 0].mean()
    elsewhere = industry.enrolled[h.village == 1].mean()
    assert in_team_village == pytest.approx(1.0)
    assert elsewhere == pytest.approx(0.5, abs=0.05)


MIXES = [
    "no_intervention",
    "five_batches",
    "industry_led",
    "social_security_floor",
    "relocation_push",
    "education_long_run",
    "health_first",
]


def test_shipped_mixes_share_population_and_budget_and_differ() -> None:
    summaries, spending = {}, {}
    for name in MIXES:
        scenario = load_scenario(
            SCENARIOS / f"{name}.toml", ["population.households=2000", "population.villages=20"]
        )
        assert scenario.budget == load_scenario(SCENARIOS / "baseline.toml").budget
        assert sum(p.share for p in scenario.programs.values()) in (0, pytest.approx(1.0))
        result = simulate(scenario, seed=11)
        summaries[name] = result.summary()
        spending[name] = result.spending.groupby("program")[["budget_yuan", "spent_yuan"]].sum()
    assert summaries["no_intervention"]["spending_yuan"] == 0
    worst = max(summaries, key=lambda n: summaries[n]["incidence_end"])
    assert worst == "no_intervention"
    assert np.isnan(summaries["no_intervention"]["cost_per_exit"])
    outcomes = {
        (round(s["incidence_end"], 6), round(np.nan_to_num(s["cost_per_exit"])))
        for s in summaries.values()
    }
    assert len(outcomes) == len(MIXES)
    spent = {name: frame["spent_yuan"] for name, frame in spending.items()}
    assert spent["relocation_push"]["relocation"] > spent["five_batches"]["relocation"]
    # Education spends what its pupils need: a larger share buys a larger budget, not more pupils.
    budget = {name: frame["budget_yuan"] for name, frame in spending.items()}
    assert budget["education_long_run"]["education"] > budget["five_batches"]["education"]


def test_an_error_in_a_program_of_one_s_own_names_it(tmp_path: Path, trusted: None) -> None:
    scenario = load_scenario(SCENARIOS / "no_intervention.toml").updated(
        {
            "population.households": 200,
            "population.villages": 4,
            "programs.mine": {"kind": "tests.custom_program:Broken", "share": 0.5, "unit_cost": 1},
        }
    )
    with pytest.raises(ZeroDivisionError) as caught:
        PovertyModel(scenario, 1).run()
    assert "raised in program 'mine' (tests.custom_program:Broken)" in caught.value.__notes__[0]


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("NoNumbers", r"effect\(2014\) returned 200 values that are not finite numbers"),
        ("WrongLength", r"eligible\(2014\) returned shape \(3,\): one value a household"),
    ],
)
def test_what_a_program_of_one_s_own_returns_is_checked(
    kind: str, said: str, trusted: None
) -> None:
    scenario = load_scenario(SCENARIOS / "no_intervention.toml").updated(
        {
            "population.households": 200,
            "population.villages": 4,
            "programs.mine": {"kind": f"tests.custom_program:{kind}", "share": 0.5},
        }
    )
    with pytest.raises(ValueError, match=said) as caught:
        PovertyModel(scenario, 1).run()
    assert (
        f"program 'mine' (tests.custom_program:{kind}), a program of your own, in 2014"
        in (caught.value.__notes__[0])
    )


def test_an_own_program_s_error_is_named_as_it_is_built_and_without_its_source(
    trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a step's errors were named; and a class of a notebook's __main__, which has no
    source file, had its error replaced by inspect's OSError."""
    import inspect

    def none(obj: object) -> str:
        raise OSError("source code not available")

    scenario = load_scenario(SCENARIOS / "no_intervention.toml").updated(
        {"population.households": 200, "population.villages": 4}
    )
    built = scenario.updated(
        {"programs.mine": {"kind": "tests.custom_program:BrokenAtBirth", "share": 0.5}}
    )
    with pytest.raises(RuntimeError, match="a bug in the user's constructor") as caught:
        PovertyModel(built, 1)
    assert "program 'mine' (tests.custom_program:BrokenAtBirth)" in caught.value.__notes__[0]
    monkeypatch.setattr(inspect, "getsourcefile", none)
    stepped = scenario.updated(
        {"programs.mine": {"kind": "tests.custom_program:Broken", "share": 0.5, "unit_cost": 1}}
    )
    with pytest.raises(ZeroDivisionError) as caught:
        PovertyModel(stepped, 1).run()
    assert "program 'mine'" in caught.value.__notes__[0]


def test_a_worker_trusts_a_client_s_modules_for_that_client_s_work_alone() -> None:
    """On a shared cluster one client's --trust-imports stayed with the worker for the next."""
    from povsim.config import registry
    from povsim.experiments.executors import _run_chunk

    before = set(registry._TRUSTED)
    seen = _run_chunk(lambda task: set(registry._TRUSTED), [(0, None)], frozenset({"theirs"}))
    assert "theirs" in seen[0][1]
    assert before == registry._TRUSTED


def test_the_command_line_shows_an_own_program_s_error_by_its_own_lines(
    tmp_path: Path, trusted: None
) -> None:
    """Sixty lines of typer's, povsim's and Mesa's frames ended in the one that mattered."""
    scenario = tmp_path / "broken.toml"
    scenario.write_text(
        f'extends = "{SCENARIOS / "no_intervention.toml"}"\n'
        "[population]\nhouseholds = 200\nvillages = 4\n"
        '[programs.mine]\nkind = "tests.custom_program:Broken"\nshare = 0.5\nunit_cost = 1\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "error: ZeroDivisionError: a bug in the user's program" in result.output
    assert "program 'mine' (tests.custom_program:Broken), a program of your own, in 2014" in (
        result.output
    )
    assert "custom_program.py" in result.output
    assert "Traceback" not in result.output
    assert "mesa" not in result.output
    assert not (tmp_path / "r").exists()


def test_waiting_counts_the_queue_money_ran_out_on_not_households_that_said_no(
    bare: Scenario,
) -> None:
    """spending.parquet's `waiting` is documented as where money is short; it counted every
    eligible household not enrolled, those that turned support down too."""
    rows = [REG] * 4
    declined = with_program(bare, "industry", take_up=0.0)
    _, industry = start_year(declined, *rows)
    assert industry.ledger[-1]["enrolled"] == 0
    assert industry.ledger[-1]["waiting"] == 0  # money to spare: no one waits for it
    short = with_program(
        bare, "industry", unit_cost=1000, budget=dict.fromkeys(range(2014, 2021), 1000.0)
    )
    _, industry = start_year(short, *rows)
    assert industry.ledger[-1]["enrolled"] == 1
    assert industry.ledger[-1]["waiting"] == 3


def _first_year_of_months(rules: Scenario, kind: str, months: int, **settings) -> Scenario:
    """``kind`` alone on deterministic rules, its support reaching households only for the
    months of the first year the registration drive left."""
    return with_program(rules, kind, **settings).updated({"registration.completed_month": months})


def _run_year(model: PovertyModel) -> None:
    for _ in range(model.config.steps_per_year):
        model.step()


def test_a_first_year_of_part_support_is_what_reached_the_household(rules: Scenario) -> None:
    """Support reaches households only for the months the 2014 registration left (April to
    October: two of twelve), and the income the year brings holds that part; the program's
    own record of its income held the whole year's, so the allowance judged the household's
    own income five sixths of a year's allowance short of what it was and paid that over
    the standard the next year, and an exit's attribution credited a program with a whole
    year's income it had not brought."""
    row = {"size": 2, "labour": 0, "farm_base": 1000.0, "income": 1000.0}
    for months in (0, 10):
        scenario = _first_year_of_months(rules, "social_security", months, threshold=0.9)
        h, v = hand_built(row, villages=2)
        v.resettlement[-1] = True
        model = PovertyModel(scenario, 0, population=(h, v))
        model.households.status[:] = Status.REGISTERED
        dibao = model.programs[0]
        _run_year(model)
        standard = 0.9 * scenario.line(2014)
        assert model.households.income[0] == pytest.approx(standard)
        # The year's spending is what reached the household: the part year's allowance and
        # the year end's top-up, not a whole year's allowance besides.
        weight = model.households.weight[0]
        booked = dibao.ledger[0]
        assert booked["spent_yuan"] == pytest.approx((standard - 1000) * 2 * weight)
        assert booked["unspent_yuan"] == pytest.approx(booked["budget_yuan"] - booked["spent_yuan"])
        # what the allowance brought the household this year: its standard over its own 1,000
        assert dibao.contribution()[0] == pytest.approx(standard - 1000)
        model.step()  # 2015 begins: the allowance re-assessed on 2014's own income
        assert dibao.income[0] == pytest.approx(0.9 * scenario.line(2015) - 1000)
        for _ in range(scenario.steps_per_year - 1):
            model.step()
        assert model.households.income[0] == pytest.approx(0.9 * scenario.line(2015))
    scenario = _first_year_of_months(rules, "public_jobs", 10, wage=1200)
    h, v = hand_built({**REG, "size": 2, "labour": 1, "elderly": 0}, villages=2)
    v.resettlement[-1] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    model.households.status[:] = Status.REGISTERED
    jobs = model.programs[0]
    _run_year(model)
    assert jobs.contribution()[0] == pytest.approx(600 * 2 / 12)  # two months of the post


def test_support_is_lost_when_it_ends_unrenewed_and_takes_something_away(bare: Scenario) -> None:
    """The relapse cause ``support_ended`` reads the support a household lost: a post held
    for a year and taken up again as the next year begins goes on, a renovated house stays
    renovated, while a post not renewed and a farm activity's gain that wears away after
    support (``decay``) are lost. Every support that ended was recorded as lost."""
    jobs = with_program(bare, "public_jobs", duration_years=1)
    rows = [{**REG, "labour": 1, "elderly": 0}] * 2
    model, program = start_year(jobs, *rows)
    h = model.households
    h.labour[1] = 0  # no one left to hold the post: not taken up again
    model.year = 2015
    program.begin_year(2015)
    assert program.enrolled.tolist() == [True, False]
    assert h.support_ended.tolist() == [0, 2014]
    for kind, table, lost in (
        ("housing", {}, 0),
        ("industry", {"duration_years": 1, "decay": 0.0}, 0),
        ("industry", {"duration_years": 1, "decay": 0.2}, 2014),
    ):
        scenario = with_program(bare, kind, **table)
        model, program = start_year(scenario, {**REG, "housing_grade": 3})
        assert program.enrolled[0], kind
        model.year = 2015
        program.begin_year(2015)
        assert not program.enrolled[0], kind
        assert model.households.support_ended.tolist() == [lost], (kind, table)


def test_a_first_year_of_part_support_costs_its_part_of_a_year(rules: Scenario) -> None:
    """Support reaching households for two months of twelve (the 2014 registration) costs two
    months of what is paid by the year (a post's wage, a loan's interest) and all of what is
    paid once (a loan's risk fund, a house's renovation). The year's spending was booked for a
    whole year while the income the year brought held two months: a post's 6,000 yuan for
    1,000 paid."""
    row = {**REG, "size": 2, "labour": 1, "elderly": 0, "housing_grade": 3}
    loan = {"loan": 10000.0, "interest_rate": 0.05, "risk_fund_share": 0.1}
    for kind, table, once, yearly in (
        ("public_jobs", {"wage": 6000, "unit_cost": 6000}, 0.0, 6000.0),
        ("microcredit", loan, 10000.0 * 0.1, 10000.0 * 0.05),
        ("housing", {}, 35000.0, 0.0),
    ):
        scenario = _first_year_of_months(rules, kind, 10, **table)
        model, program = start_year(scenario, row)
        assert program.enrolled[0], kind
        booked = program.ledger[-1]
        weight = model.households.weight[0]
        assert booked["spent_yuan"] == pytest.approx((once + yearly * 2 / 12) * weight), kind
        assert booked["unspent_yuan"] == pytest.approx(booked["budget_yuan"] - booked["spent_yuan"])
        model.year = 2015
        program.begin_year(2015)  # a whole year of support, the one-off cost paid
        assert program.ledger[-1]["spent_yuan"] == pytest.approx(yearly * weight), kind


def test_health_support_insures_a_household_from_its_first_year(rules: Scenario) -> None:
    """While supported a household is insured (the medical guarantee): the year it is
    enrolled its illness costs are reimbursed at the insured share and the program's extra
    share. The guarantee is recorded at the year end (``secure``), so in that first year an
    uninsured household paid the insured share itself, which the attribution's saved costs
    (``contribution``) then read as the program's."""
    scenario = with_program(rules, "health", extra_reimbursement=0.35).updated(
        {
            "shocks.illness.annual_probability": 1.0,  # every household falls ill at once
            "shocks.illness.oop_cost_sd": 0.0,
        }
    )
    rows = [{**REG, "medical_ok": True}, {**REG, "medical_ok": False}]
    model, health = start_year(scenario, *rows)
    assert health.enrolled.all()
    for _ in range(scenario.steps_per_year - 1):  # stop before the year end resets the flows
        model.step()
    medical = model.households.medical_year
    assert medical[0] > 0
    assert medical[1] == pytest.approx(medical[0])
    model.step()
    # The program paid the uninsured household's insured share too: it saved it more.
    assert health.contribution()[1] == pytest.approx(health.contribution()[0] * 0.85 / 0.35)


def _medical_at_settle(model: PovertyModel) -> dict[str, np.ndarray]:
    """Keep the year's medical spending as the program settles (the year end resets it)."""
    seen: dict[str, np.ndarray] = {}
    program, settle = model.programs[0], model.programs[0].settle

    def keep(year: int) -> None:
        seen["medical"] = model.households.medical_year.copy()
        settle(year)

    program.settle = keep  # type: ignore[method-assign]
    return seen


def test_health_credits_what_its_part_year_and_insured_share_saved(rules: Scenario) -> None:
    """The saved costs an exit's attribution credits health support with are the costs it
    saved: in a first year it reaches only for the months the registration left (two of
    twelve), and it pays an uninsured household the insured share as well as its extra
    share. The credit once took the extra share for a whole year: some eighteen times what an
    insured household saved, under half of what an uninsured one saved in a full year."""
    illness = {
        "shocks.illness.annual_probability": 1.0,  # every household falls ill at once
        "shocks.illness.oop_cost_sd": 0.0,
    }
    rows = [{**REG, "medical_ok": True}, {**REG, "medical_ok": False}]
    for months in (0, 10):
        medical = {}
        for funded in (True, False):
            money = AMPLE if funded else dict.fromkeys(AMPLE, 0.0)
            scenario = _first_year_of_months(
                rules, "health", months, extra_reimbursement=0.35, budget=money
            ).updated(illness)
            h, v = hand_built(*rows, villages=2)
            v.resettlement[-1] = True
            model = PovertyModel(scenario, 0, population=(h, v))
            model.households.status[:] = Status.REGISTERED
            seen = _medical_at_settle(model)
            _run_year(model)
            assert model.programs[0].enrolled.all() == funded
            medical[funded] = seen["medical"]
            if funded:
                credited = model.programs[0].contribution()
        saved = medical[False] - medical[True]
        assert (saved > 0).all()
        assert credited == pytest.approx(saved)


def test_a_member_enrolled_alone_costs_what_the_part_year_paid(rules: Scenario) -> None:
    """A member enrolled alone (单人户施保) is booked a whole year's standard as the year
    begins and is never topped up at its end: in a first year that support reaches for two
    months of twelve, the allowance spends two twelfths of it."""
    scenario = _first_year_of_months(rules, "social_security", 10, single_member_from=2014)
    row = {**REG, "size": 3, "severe": True, "farm_base": 20000.0, "income": 20000.0}
    h, v = hand_built(row, villages=2)
    v.resettlement[-1] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    model.households.status[:] = Status.REGISTERED
    dibao = model.programs[0]
    _run_year(model)
    assert dibao.single[0]
    assert not dibao.enrolled[0]
    allowance = dibao.standard_for_one(2014) * 2 / 12
    assert dibao.income[0] == pytest.approx(allowance / 3)
    assert dibao.ledger[0]["spent_yuan"] == pytest.approx(allowance * model.households.weight[0])


def test_a_withdrawal_after_a_part_year_keeps_a_year_s_allowance(rules: Scenario) -> None:
    """A household whose own income reached the standard keeps the allowance through the
    withdrawal (渐退) at the yearly rate it was paid: after a first year that support reached
    for two months, at the whole year's top-up, not at the two months' part of it. The
    re-assessment still takes off the year's income only what reached the household."""
    scenario = _first_year_of_months(
        rules,
        "social_security",
        10,
        threshold=0.9,
        withdrawal_years=2,
        statuses=("registered", "exited"),
    )
    # Registered at 1,000 yuan, it earns 4,000 over the year: over the standard.
    row = {"size": 2, "labour": 0, "farm_base": 4000.0, "income": 1000.0}
    h, v = hand_built(row, villages=2)
    v.resettlement[-1] = True
    model = PovertyModel(scenario, 0, population=(h, v))
    model.households.status[:] = Status.REGISTERED
    dibao = model.programs[0]
    _run_year(model)
    rate = 0.9 * scenario.line(2014) - 1000
    assert dibao.income[0] == pytest.approx(rate * 2 / 12)
    model.step()  # 2015 begins: the own income of 2014 (4,000) is over the standard
    assert dibao.withdrawing[0]
    assert dibao.income[0] == pytest.approx(rate)
    spent = dibao.ledger[-1]["spent_yuan"]
    assert spent == pytest.approx(rate * 2 * model.households.weight[0])
