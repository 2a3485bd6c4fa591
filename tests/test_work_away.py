"""Work away from home (外出务工) and the two income concepts; annual exit plans.

Hand-built households: the published count of the register's labourers away is filled
every household's first labourer first; the survey counts what is sent home, the register
all of the earnings; and exits follow the year's plan, the surest first.
"""

from __future__ import annotations

import numpy as np
import pytest

from povsim import PovertyModel, Scenario, Status
from povsim.config.fields import in_force
from povsim.sim.assessment import close_year
from povsim.sim.exits import plan_share
from povsim.sim.income import step_income
from povsim.sim.indicators import annual_indicators
from povsim.sim.pathways import pathway_rows
from povsim.sim.programs.base import record_support_reach
from povsim.sim.shocks import draw_shocks
from povsim.sim.streams import Streams

from .conftest import hand_built, set_year_income
from .test_programs import start_year, with_program

LINE_2014 = 2800.0

REG = {"status": Status.REGISTERED, "size": 2, "labour": 2}


def away(rules: Scenario, labourers: float, earnings: float = 12_000.0, **settings) -> Scenario:
    return with_program(
        rules,
        "work_away",
        labourers={2014: labourers},
        earnings={2014: earnings},
        remitted_share=0.5,
        **settings,
    )


@pytest.mark.parametrize(("count", "expected"), [(3, [1, 1, 1]), (4, [2, 1, 1])])
def test_every_households_first_labourer_goes_before_anyones_second(
    rules: Scenario,
    count: float,
    expected: list[int],
) -> None:
    """At least one worker in work in every household with labour (至少一人就业)."""
    scenario = away(rules, count)
    rows = [REG, {**REG, "labour": 1}, {**REG, "status": Status.EXITED, "ever_exited": True}]
    model, program = start_year(scenario, *rows, seed=3)
    got = sorted(program.labour_away.tolist(), reverse=True)
    assert got == sorted(expected, reverse=True)
    assert model.households.labour_away.tolist() == program.labour_away.tolist()


def test_only_the_registers_labourers_are_counted(rules: Scenario) -> None:
    scenario = away(rules, 10)
    rows = [REG, {**REG, "status": Status.UNREGISTERED}, {**REG, "labour": 0}]
    _, program = start_year(scenario, *rows)
    assert program.labour_away.tolist() == [2, 0, 0]
    assert program.ledger[-1]["reached"] == 1


def test_the_survey_counts_what_is_sent_home_the_register_all_of_it(
    rules: Scenario,
) -> None:
    scenario = away(rules, 1, earnings=12_000.0)
    model, program = start_year(scenario, REG)
    h = model.households
    # 12,000 yuan shared by two members: half sent home, half kept away.
    assert program.income[0] == pytest.approx(3000.0)
    assert h.away_income[0] == pytest.approx(3000.0)
    set_year_income(h, [2000.0])  # under the line as the survey sees it
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.income[0] == pytest.approx(2000.0)
    assert h.register_income()[0] == pytest.approx(5000.0)
    assert t.exited[0]  # the register's test counts the earnings away
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["work_away"]["primary_households"] == 1


def test_a_register_that_counts_only_what_is_sent_home(rules: Scenario) -> None:
    scenario = away(rules, 1, register_counts="remitted")
    model, _ = start_year(scenario, REG)
    h = model.households
    assert h.away_income[0] == 0.0
    set_year_income(h, [2000.0])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert not t.exited[0]


def test_a_worker_away_earns_no_wages_at_home(rules: Scenario) -> None:
    scenario = away(rules, 1, earnings=0.0)
    model, _ = start_year(scenario, {**REG, "wage_base": 1.0}, {**REG, "wage_base": 1.0})
    h = model.households
    assert h.labour_away.tolist() == [1, 0] or h.labour_away.tolist() == [0, 1]
    h.wage_year[:] = 0.0
    step_income(h, model.villages, scenario, 2014, draw_shocks(model.streams, h.n, 2))
    going = np.argmax(h.labour_away)
    assert h.wage_year[going] == pytest.approx(h.wage_year[1 - going] / 2)


def test_an_illness_at_home_does_not_cut_what_a_worker_away_sends_home(rules: Scenario) -> None:
    """An illness cuts the work of those at home; a migrant's job and remittance go on."""
    scenario = away(rules, 1, earnings=12_000.0)
    home = {**REG, "labour": 1, "wage_base": 0.0}
    model, _ = start_year(scenario, home, home)
    h = model.households
    going = int(np.argmax(h.labour_away))
    h.ill_steps[:] = 4  # both households ill the whole step, at no cost
    h.ill_cost[:] = 0.0
    h.wage_year[:] = 0.0
    step_income(h, model.villages, scenario, 2014, draw_shocks(model.streams, h.n, 2))
    # 12,000 yuan over two members, half sent home: 3,000 a person a year, a twelfth a step.
    assert h.wage_year[going] == pytest.approx(3000.0 / 12)
    assert h.wage_year[1 - going] == 0.0


def test_a_year_not_given_takes_the_last_given_before_it() -> None:
    series = {2016: 10.0, 2019: 40.0}
    assert [in_force(series, y) for y in (2015, 2016, 2018, 2019, 2020)] == [0, 10, 10, 40, 40]


# -- annual exit plans ---------------------------------------------------------------------
def planned(rules: Scenario, lead: float = 0.0) -> Scenario:
    return rules.updated(
        {"exit.plan_from": 2014, "exit.plan_deadline": 2016, "exit.plan_lead_years": lead}
    )


def test_the_plan_spreads_the_register_over_the_years_left(rules: Scenario) -> None:
    on_time, early = planned(rules), planned(rules, lead=0.5)
    assert [plan_share(on_time, y) for y in (2014, 2015, 2016)] == pytest.approx([1 / 3, 1 / 2, 1])
    assert [plan_share(early, y) for y in (2014, 2015, 2016)] == pytest.approx([0.4, 2 / 3, 1])


def test_the_years_plan_takes_the_surest_first_and_the_deadline_takes_all(
    rules: Scenario,
) -> None:
    scenario = planned(rules)
    h, v = hand_built(*[{"status": Status.REGISTERED, "size": 1}] * 6)
    incomes = [5000.0, 9000.0, 6000.0, 8000.0, 7000.0, 1000.0]
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2014, Streams(0))
    # A third of the six registered people; the two furthest over the exit income.
    assert np.flatnonzero(t.exited).tolist() == [1, 3]
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2015, Streams(0))
    assert np.flatnonzero(t.exited).tolist() == [2, 4]  # half of the four left
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2016, Streams(0))
    assert np.flatnonzero(t.exited).tolist() == [0]  # the deadline: all who pass the test
    assert h.status[5] == Status.REGISTERED


def test_a_county_plans_to_its_threshold_by_its_scheduled_year_not_to_zero(
    rules: Scenario,
) -> None:
    """摘帽计划: a county scheduled to exit in 2015 brings its comprehensive incidence
    (registered, missed poor and wrongly exited) under its target by then, and no further:
    the rest of its register exits by the national deadline. Before, the scheduled year was
    the county's deadline for its whole register, so the early counties cleared theirs and
    the register of 2019 (5.51 m, most of it in exited counties) was half what it was."""
    scenario = planned(rules).updated(
        {
            "exit.plan_deadline": 2017,
            "exit.plan_county_deadline": 2015,
            "exit.plan_county_target": 0.25,
        }
    )
    # Eight people: six registered who all pass the exit test, one never registered and
    # poor (missed), one not poor.
    rows = [
        *[{"status": Status.REGISTERED, "size": 1}] * 6,
        {"status": Status.UNREGISTERED, "size": 1},
        {"status": Status.UNREGISTERED, "size": 1},
    ]
    h, v = hand_built(*rows)
    incomes = [5000.0, 9000.0, 6000.0, 8000.0, 7000.0, 5500.0, 100.0, 20000.0]
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2014, Streams(0))
    # Over the target: 6 registered + 1 missed - 0.25 * 8 = 5 people, over the two years
    # to 2015: half (2.5 places: two people). The national plan alone (deadline 2017) has
    # a quarter of the six, 1.5 places: one person.
    assert t.exited.sum() == 2
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2015, Streams(0))
    # The scheduled year: everything over the target, 4 + 1 - 2 = 3 people.
    assert t.exited.sum() == 3
    assert (h.status == Status.REGISTERED).sum() == 1  # 2 of 8 comprehensive: the target
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2016, Streams(0))
    assert t.exited.sum() == 0  # the national plan (deadline 2017) has 1/2 a place
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, 2017, Streams(0))
    assert t.exited.sum() == 1  # the national deadline takes the rest
    # Counting the register alone (exit_incidence "registered"), the missed poor person
    # is not the plan's: 6 - 2 = 4 over, two a year.
    registered = scenario.updated({"exit.plan_county_incidence": "registered"})
    h, v = hand_built(*rows)
    exits = []
    for year in (2014, 2015):
        set_year_income(h, incomes)
        exits.append(int(close_year(h, v, registered, year, Streams(0)).exited.sum()))
    assert exits == [2, 2]


def test_a_village_plan_takes_the_places_where_they_empty_a_listed_village_first(
    rules: Scenario,
) -> None:
    """贫困村出列: with plans by village, the year's places go to the listed poor villages,
    first where they leave the fewest registered people, though households elsewhere are
    further over the line."""
    reg = {"status": Status.REGISTERED, "size": 1}
    rows = [
        {**reg, "village": 0},  # both of a listed village's registered households pass
        {**reg, "village": 0},
        {**reg, "village": 1},  # a listed village with a neighbour that cannot pass
        {**reg, "village": 1},
        {**reg, "village": 2},  # the surest of all, in a village never listed
        *[{"status": Status.UNREGISTERED, "size": 1, "village": i % 3} for i in range(6)],
    ]
    incomes = [5000.0, 4000.0, 9000.0, 1000.0, 9500.0] + [9000.0] * 6
    exited = {}
    for unit in ("household", "village"):
        h, v = hand_built(*rows, villages=3)
        v.poor_village[:2] = True
        set_year_income(h, incomes)
        scenario = planned(rules).updated({"exit.plan_unit": unit})
        t = close_year(h, v, scenario, 2014, Streams(0))
        exited[unit] = np.flatnonzero(t.exited).tolist()  # a third of 5 people: one
    assert exited == {"household": [4], "village": [0]}


def test_a_kind_of_support_counts_a_household_once(rules: Scenario) -> None:
    """Census reach is by kind of support: a household in two employment programs is one."""
    posts = {"kind": "public_jobs", "budget": {2014: 1e9}, "take_up": 1.0, "support": "work"}
    table = {"labourers": {2014: 2.0}, "earnings": {2014: 1.0}, "support": "work"}
    scenario = away(rules, 1).updated(
        {
            "programs.posts": posts,
            **{f"programs.work_away.{k}": v for k, v in table.items()},
            "end_year": 2014,
        }
    )
    elder = {"status": Status.REGISTERED, "size": 2, "labour": 0, "elderly": 1}
    h, v = hand_built(elder, {**REG, "labour": 1}, {**REG, "labour": 2})
    model = PovertyModel(scenario, 0, population=(h, v))
    model.households.status[:] = Status.REGISTERED
    spending = model.run().spending().set_index("program")
    reached = {p.name: p.since > 0 for p in model.programs}
    # Posts go to weak labour (the elder, the one-worker household), work away to workers.
    assert reached["posts"].tolist() == [True, True, False]
    assert reached["work_away"].tolist() == [False, True, True]
    assert spending.at["posts", "reached"] == 2
    assert spending.at["work_away", "reached"] == 2
    assert spending.at["posts", "support_reached"] == 3  # each household once
    assert spending.at["work_away", "support_reached"] == 3
    # The census counted the register's households, exited or not: one that exited still
    # counts, one the register removed does not (on every program of the kind).
    model.households.status[0] = Status.EXITED
    model.households.status[1] = Status.UNREGISTERED
    record_support_reach(model.programs, model.households)
    for name in ("posts", "work_away"):
        program = next(p for p in model.programs if p.name == name)
        assert program.ledger[-1]["support_reached"] == 2


def test_labourers_already_away_in_the_drawn_incomes_add_nothing_new_to_the_survey(
    rules: Scenario,
) -> None:
    """Their remittances are in the incomes drawn, and they earned no wages at home."""
    scenario = away(rules, 2, earnings=12_000.0, drawn_labourers=1.0)
    model, program = start_year(scenario, REG, REG)
    h = model.households
    assert program.labour_away.tolist() == [1, 1]
    # The first to go was already away; the second is new to the survey.
    first = int(np.argmin(program.readiness))
    new = np.arange(2) != first
    assert h.labour_left.tolist() == new.astype(float).tolist()
    # Sent home by the new one: 0.5 x 12,000 / 2 members; kept away, all of it.
    assert program.income.tolist() == pytest.approx(np.where(new, 3000.0, 0.0).tolist())
    assert h.away_income.tolist() == pytest.approx([3000.0, 3000.0])


def test_before_the_drives_first_count_the_register_counts_those_already_away(
    rules: Scenario,
) -> None:
    """The register's income forms counted a member's wages away in full from registration
    (docs/register-sources.md sections 80 and 84), so the labourers already away when the
    incomes were drawn add what they keep away to the register's income before the drive's
    first count too; they are not the drive's help until it counts them. Before, the register
    began to count them only in the drive's first year, a jump in the register's income."""
    scenario = with_program(
        rules,
        "work_away",
        first_year=2015,
        labourers={2015: 2},
        earnings={2014: 10_000.0, 2015: 12_000.0},
        remitted_share=0.5,
        drawn_labourers=1.0,
    )
    model, program = start_year(scenario, REG, REG)
    h = model.households
    first = int(np.argmin(program.readiness))
    already = np.arange(2) == first
    assert program.labour_away.tolist() == already.astype(int).tolist()
    # Kept away: 0.5 x 10,000 / 2 members; what it sends home is in the drawn incomes.
    assert h.away_income.tolist() == pytest.approx(np.where(already, 2500.0, 0.0).tolist())
    assert program.income.tolist() == [0.0, 0.0]
    assert program.ledger[-1]["spent_yuan"] == 0.0
    assert not program.enrolled.any()
    set_year_income(h, [2000.0, 2000.0])  # both under the line as the survey sees them
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert t.exited.tolist() == already.tolist()  # the register's test counts the earnings
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["work_away"]["exited_households"] == 0  # not the drive's help
    model.year = 2015
    program.begin_year(2015)
    assert program.labour_away.tolist() == [1, 1]
    assert program.enrolled.all()
    assert program.away_income.tolist() == pytest.approx([3000.0, 3000.0])


@pytest.mark.parametrize(("grade", "places"), [(0, 4), (3, 5)])
def test_a_county_plan_counts_an_exit_short_of_a_guarantee_as_poor(
    rules: Scenario, grade: int, places: int
) -> None:
    """The comprehensive incidence a scheduled county's plan brings under its target counts
    the wrongful exits as the verification finds them: an exited household in a dangerous
    house is one (docs/register-sources.md section 72), so the plan takes one more."""
    from povsim.sim.exits import planned_exits

    scenario = planned(rules).updated(
        {
            "exit.plan_county_deadline": 2015,
            "exit.plan_county_target": 0.25,
            "exit.plan_county_incidence": "comprehensive",
        }
    )
    # Eight people: six registered who pass, one exited (safe or not), one not poor.
    rows = [
        *[{"status": Status.REGISTERED, "size": 1}] * 6,
        {"status": Status.EXITED, "size": 1, "housing_grade": grade},
        {"status": Status.UNREGISTERED, "size": 1},
    ]
    h, v = hand_built(*rows)
    income = np.full(8, 9000.0)
    candidates = h.status == Status.REGISTERED
    take = planned_exits(h, v, scenario, 2015, candidates, candidates, income)
    # The scheduled year: all that is over the target, counted - 0.25 x 8 people.
    assert take.sum() == places


def test_the_verification_judges_the_registers_income(rules: Scenario) -> None:
    """Wrongful exits and missed poor are found as the register's tests judge income."""
    scenario = away(rules, 2, earnings=12_000.0)
    exited = {**REG, "status": Status.EXITED, "ever_exited": True, "ever_registered": True}
    model, _ = start_year(scenario, exited, {**REG, "status": Status.UNREGISTERED})
    h = model.households
    h.labour_away[:] = 1
    h.away_income[:] = 3000.0
    set_year_income(h, [2000.0, 2000.0])  # under the line as the survey sees it
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert h.register_income().tolist() == pytest.approx([5000.0, 5000.0])
    row = annual_indicators(h, model.villages, 2014, LINE_2014, t, False, 0.0, 0.0)
    assert row["poor_people"] == 4  # the survey's poor
    assert row["wrongly_exited_people"] == 0
    assert row["missed_poor_people"] == 0


def test_labourers_already_away_are_counted_against_those_found(rules: Scenario) -> None:
    """A count the register's labour cannot fill: those away are the ones already away."""
    scenario = away(rules, 10, drawn_labourers=3.0)
    model, program = start_year(scenario, REG)
    assert program.labour_away.tolist() == [2]
    assert model.households.labour_left.tolist() == [0.0]
    assert program.income.tolist() == [0.0]


def test_being_already_away_does_not_pass_down_the_line(rules: Scenario) -> None:
    """A labourer already away when the incomes were drawn is so for good: when a household
    ahead of it leaves the register, the next in line does not become one."""
    scenario = away(rules, 3, drawn_labourers=1.0)
    one = {**REG, "labour": 1}
    model, program = start_year(scenario, one, one, one, one)
    order = np.argsort(program.readiness)
    h = model.households
    assert h.labour_left[order].tolist() == [0.0, 1.0, 1.0, 0.0]
    h.status[order[0]] = Status.UNREGISTERED  # the first to go leaves the register
    model.year = 2015
    program.begin_year(2015)
    assert program.labour_away[order].tolist() == [0, 1, 1, 1]
    assert program.labour_left[order].tolist() == [0.0, 1.0, 1.0, 1.0]


def test_placement_is_paid_only_for_labourers_newly_away(rules: Scenario) -> None:
    """``unit_cost`` is per labourer newly away: the first year charged the labourers already
    away when the incomes were drawn as well, as if the program had sent them."""
    scenario = away(rules, 3, drawn_labourers=1.0, unit_cost=500.0)
    one = {**REG, "labour": 1}
    model, program = start_year(scenario, one, one, one, one)
    weight = model.households.weight[0]
    assert program.labour_away.sum() == 3
    assert program.ledger[-1]["spent_yuan"] == pytest.approx(2 * 500.0 * weight)
    model.year = 2015
    program.begin_year(2015)  # the same three away: no one new
    assert program.ledger[-1]["spent_yuan"] == 0.0


def test_after_its_last_year_a_household_newly_registered_keeps_those_already_away(
    rules: Scenario,
) -> None:
    """No one new is sent after ``last_year``; a labourer away before the program began was
    never the program's to send, so a household registered later still has them away."""
    scenario = away(rules, 2, drawn_labourers=2.0, last_year=2014)
    one = {**REG, "labour": 1}
    model, program = start_year(scenario, one, one, {**one, "status": Status.UNREGISTERED})
    h = model.households
    program.readiness[:] = [0.2, 0.6, 0.4]  # the third is as ready as the drawn ones
    program.drawn_cutoff = None
    program.begin_year(2014)
    assert program.labour_away.tolist() == [1, 1, 0]
    h.status[:] = [Status.UNREGISTERED, Status.REGISTERED, Status.REGISTERED]
    model.year = 2015
    program.begin_year(2015)
    assert program.labour_away.tolist() == [0, 1, 1]
    assert program.labour_left.tolist() == [0.0, 0.0, 0.0]  # all of them already away
    assert program.ledger[-1]["new_enrolments"] == 1  # newly counted, not newly sent


def test_without_support_those_already_away_stay_and_no_one_more_goes(rules: Scenario) -> None:
    scenario = away(rules, 10, drawn_labourers=4.0).without_support()
    assert scenario.programs["work_away"].labourers == {2014: 4.0}


def test_an_exit_the_earnings_away_made_is_the_labour_exports(rules: Scenario) -> None:
    """Credited to work away even when nothing new reaches the survey's income."""
    scenario = away(rules, 1, earnings=12_000.0, drawn_labourers=1.0)
    model, program = start_year(scenario, REG)
    h = model.households
    assert program.income[0] == 0.0
    set_year_income(h, [2000.0])
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert t.exited[0]
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["work_away"]["primary_households"] == 1


@pytest.mark.parametrize(("wage_base", "needed"), [(5000.0, False), (200.0, True)])
def test_work_away_is_credited_net_of_the_wages_at_home_its_labourer_gave_up(
    rules: Scenario, wage_base: float, needed: bool
) -> None:
    """Without the program the labourer works at home again: an exit its earnings away made
    only by replacing wages it gave up at home did not need it (stop 68's audit: 1.21 m
    national exits of 2017 credited to work away, 0.98 m net of the wages given up)."""
    scenario = away(rules, 1, earnings=8_000.0)
    model, program = start_year(scenario, {**REG, "size": 1, "labour": 1, "wage_base": wage_base})
    h = model.households
    assert h.labour_left[0] == 1
    for _ in range(scenario.steps_per_year):
        step_income(h, model.villages, scenario, 2014, draw_shocks(model.streams, h.n, 2))
    given_up = h.forgone_year[0]
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    assert t.exited[0]
    assert program.forgone[0] == pytest.approx(given_up)
    assert program.contribution()[0] == pytest.approx(8_000.0 - given_up)
    assert (given_up >= LINE_2014) is not needed
    rows = {r["program"]: r for r in pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)}
    assert rows["work_away"]["exited_households"] == 1
    assert rows["work_away"]["necessary_households"] == int(needed)
