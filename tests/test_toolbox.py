"""The rest of the toolbox on hand-built households: microcredit, mutual-aid funds,
public-welfare jobs, asset income, pairing assistance and consumption support."""

from __future__ import annotations

import numpy as np
import pytest

from povsim import Scenario, ScenarioError, Status
from povsim.sim.assessment import close_year
from povsim.sim.pathways import pathway_rows
from povsim.sim.programs.base import record_support_reach

from .conftest import set_year_income
from .test_programs import AMPLE, LINE_2014, start_year, with_program

REG = {"status": Status.REGISTERED, "size": 4, "labour": 2, "land": 1.0}
YEARS = range(2014, 2021)


def budget(yuan: float) -> dict[int, float]:
    return dict.fromkeys(YEARS, yuan)


def exit_rows(model, scenario: Scenario, income: float) -> dict[str, dict]:
    """Close 2014 with every household's own income at ``income`` plus what programs add."""
    h = model.households
    set_year_income(h, income + h.support_farm + h.support_wage + h.support_remitted)
    h.transfer_year = model.households.support_transfer.copy()
    t = close_year(h, model.villages, scenario, 2014, model.streams, model.programs)
    rows = pathway_rows(h, model.programs, t.exited, 2014, LINE_2014)
    return {r["program"]: r for r in rows}


# -- microcredit ---------------------------------------------------------------------------
def test_microcredit_lends_to_labour_and_pays_interest_and_risk_fund(bare: Scenario) -> None:
    loan, rate, risk = 40000.0, 0.0475, 0.1
    cost_first = loan * (rate + risk)
    scenario = with_program(
        bare, "microcredit", budget=budget(cost_first * 1.5), failure=0.0, return_rate=0.12
    )
    rows = [REG, {**REG, "labour": 0}, REG]
    _model, credit = start_year(scenario, *rows)
    assert credit.enrolled.tolist().count(True) == 1  # money for one loan, not two
    assert not credit.enrolled[1]  # no labour, no loan
    row = credit.ledger[-1]
    assert row["spent_yuan"] == pytest.approx(cost_first)  # interest and risk fund, no principal
    assert row["spent_yuan"] <= row["budget_yuan"]
    taken = int(np.flatnonzero(credit.enrolled)[0])
    # Half the return in the loan's year (a production cycle), all of it from the next.
    assert credit.income[taken] == pytest.approx(loan * 0.12 / 4 / 2)
    assert credit.channel == "farm"  # the activity's return moves with prices and shocks
    credit.begin_year(2015)
    assert credit.income[taken] == pytest.approx(loan * 0.12 / 4)
    assert credit.ledger[-1]["spent_yuan"] >= loan * rate  # interest in later years


def test_a_failed_activity_stops_the_return(bare: Scenario) -> None:
    scenario = with_program(bare, "microcredit", failure=1.0)
    _model, credit = start_year(scenario, REG)
    assert credit.income[0] > 0  # the first year's return
    credit.begin_year(2015)
    assert not credit.enrolled[0]
    assert credit.income[0] == 0.0
    credit.begin_year(2016)
    assert not credit.enrolled[0]  # one loan per household


def test_a_running_activity_is_refinanced_at_the_term_and_ends_without(bare: Scenario) -> None:
    loan, rate = 40000.0, 0.0475
    scenario = with_program(bare, "microcredit", budget=budget(1e6), failure=0.0, loan=loan)
    settings = {"budget": budget(1e6), "failure": 0.0, "loan": loan, "ramp_years": 1}
    renewing = with_program(bare, "microcredit", renewal=1.0, **settings)
    ending = with_program(bare, "microcredit", renewal=0.0, **settings)
    assert scenario.programs["microcredit"].renewal == 1.0  # the policy's default
    for chosen, runs in ((renewing, True), (ending, False)):
        _model, credit = start_year(chosen, REG)
        gain = credit.income[0]
        for year in (2015, 2016):
            credit.begin_year(year)
        assert credit.income[0] == pytest.approx(gain)  # the three-year term
        credit.begin_year(2017)  # the loan falls due
        assert bool(credit.enrolled[0]) is runs
        assert credit.income[0] == pytest.approx(gain if runs else 0.0)
        # A renewed loan costs its interest as a continuing one, not a new risk fund.
        assert credit.ledger[-1]["spent_yuan"] == pytest.approx(loan * rate if runs else 0.0)


def test_renewal_is_a_chance_and_ends_with_the_support_after_exit(bare: Scenario) -> None:
    scenario = with_program(
        bare, "microcredit", budget=budget(1e9), failure=0.0, renewal=0.5
    ).updated({"exit.keep_policies": False})
    _model, credit = start_year(scenario, *[REG] * 400)
    for year in (2015, 2016, 2017):
        credit.begin_year(year)
    assert 0.4 < credit.enrolled.mean() < 0.6  # about half borrow again
    # A household that exited long ago loses the renewed loan with the rest of its support.
    h = credit.context.households
    renewed = np.flatnonzero(credit.enrolled)
    h.status[renewed[:10]] = Status.EXITED
    h.exit_year[renewed[:10]] = 2014
    credit.begin_year(2018)
    assert not credit.enrolled[renewed[:10]].any()
    assert credit.enrolled[renewed[10:]].all()


def test_a_loan_is_necessary_for_the_exit_its_return_made(rules: Scenario) -> None:
    scenario = with_program(
        rules, "microcredit", failure=0.0, loan=40000.0, return_rate=0.12, ramp_years=1
    )
    model, credit = start_year(scenario, {**REG, "size": 2})
    gain = credit.income[0]
    assert gain == pytest.approx(2400.0)
    rows = exit_rows(model, scenario, LINE_2014 - gain / 2)
    assert rows["microcredit"]["necessary_households"] == 1
    assert rows["microcredit"]["primary_households"] == 1


# -- mutual-aid funds ------------------------------------------------------------------------
def village_fund(bare: Scenario, fund: float, **settings) -> Scenario:
    """A scenario of village funds open to every village, lending 50,000 yuan a loan that
    never fails, with a budget of one fund a year (unless ``settings`` say otherwise)."""
    table = {"budget": budget(fund), "fund": fund, "loan": 50000.0, "poor_villages_only": False}
    return with_program(bare, "mutual_aid", **{**table, "failure": 0.0, **settings})


def test_a_village_fund_lends_what_it_holds(bare: Scenario) -> None:
    scenario = village_fund(bare, fund=236000.0)
    rows = [{**REG, "village": 0}] * 6 + [{**REG, "village": 1}] * 2
    _model, aid = start_year(scenario, *rows, villages=3)
    assert aid.ledger[-1]["spent_yuan"] == pytest.approx(236000.0)  # one fund: the seed capital
    funded = np.flatnonzero(aid.pool > 0)
    assert funded.tolist() == [0]  # the village with the most registered households
    assert aid.enrolled.sum() == 4  # 236,000 lends four loans of 50,000
    assert not aid.enrolled[6:].any()  # no fund in their village
    assert aid.income[aid.enrolled] == pytest.approx(50000.0 * 0.12 / 4)


def test_failed_loans_are_lost_to_the_fund_and_loans_revolve(bare: Scenario) -> None:
    scenario = village_fund(bare, fund=200000.0, budget=budget(236000.0), failure=1.0)
    _model, aid = start_year(scenario, *[REG] * 4, villages=2)
    assert aid.enrolled.sum() == 4
    aid.begin_year(2015)  # every loan failed: the fund is empty, and is not seeded again
    assert aid.pool[0] == 0.0
    assert not aid.enrolled[:4].any()
    ok = village_fund(bare, fund=200000.0)
    _model, aid = start_year(ok, *[REG] * 4, villages=2)
    aid.begin_year(2015)
    assert aid.pool[0] == 200000.0
    assert aid.enrolled.sum() == 4  # repaid and lent again
    assert aid.ledger[-1]["spent_yuan"] == 0.0  # the second village has no households


@pytest.mark.parametrize("once", [True, False])
def test_a_household_borrows_from_a_fund_once_when_enrolled_once(
    bare: Scenario, once: bool
) -> None:
    """With ``once`` a household is enrolled at most once: the fund's own year ignored it, so
    a household borrowed again every year whatever the setting."""
    scenario = village_fund(bare, fund=200000.0, once=once)
    _model, aid = start_year(scenario, *[REG] * 4, villages=2)
    assert aid.enrolled[:4].all()
    aid.begin_year(2015)
    assert aid.enrolled[:4].tolist() == [not once] * 4
    assert aid.pool[0] == 200000.0  # repaid: the fund has money, the households had their loan


def test_a_loan_from_a_fund_has_no_unit_cost(bare: Scenario) -> None:
    """The budget pays the funds' seed capital, never ``unit_cost``: it only ordered the queue
    under ``priority = "cost"``, so a cost of a loan is refused, not taken and ignored."""
    with pytest.raises(ScenarioError, match=r"programs\.mutual_aid\.unit_cost: .*0, not 500"):
        with_program(bare, "mutual_aid", unit_cost=500.0)


# -- public-welfare jobs -----------------------------------------------------------------------
def test_posts_go_to_households_with_weak_or_part_labour(bare: Scenario) -> None:
    scenario = with_program(bare, "public_jobs", wage=6000.0, unit_cost=6000.0)
    rows = [
        {**REG, "labour": 0, "elderly": 1},  # an older member takes the post
        {**REG, "labour": 0, "elderly": 0},  # no one to hold it
        {**REG, "labour": 1},
        {**REG, "labour": 3},  # full labour: other programs
    ]
    _model, jobs = start_year(scenario, *rows)
    assert jobs.enrolled.tolist() == [True, False, True, False]
    assert jobs.income[0] == pytest.approx(6000.0 / 4)
    assert jobs.ledger[-1]["spent_yuan"] == pytest.approx(12000.0)
    jobs.begin_year(2015)
    assert jobs.ledger[-1]["spent_yuan"] == pytest.approx(12000.0)  # the wage every year


def test_a_post_is_necessary_for_the_exit_of_a_household_that_cannot_work(
    rules: Scenario,
) -> None:
    scenario = with_program(rules, "public_jobs", wage=6000.0)
    model, _jobs = start_year(scenario, {**REG, "labour": 0, "elderly": 1, "size": 2})
    rows = exit_rows(model, scenario, LINE_2014 - 1000.0)
    assert rows["public_jobs"]["necessary_households"] == 1


# -- asset income ------------------------------------------------------------------------------
def test_dividends_go_first_to_households_without_labour_and_outlast_exit(bare: Scenario) -> None:
    scenario = with_program(
        bare, "asset_income", budget=budget(24000.0), capital=24000.0, output_sd=0.0
    )
    model, assets = start_year(scenario, REG, {**REG, "labour": 0})
    assert assets.enrolled.tolist() == [False, True]  # one share: the household that cannot work
    assert assets.income[1] == pytest.approx(24000.0 * 0.11 / 4)
    assert assets.channel == "transfer"
    model.households.status[1] = Status.EXITED
    model.households.exit_year[1] = 2014
    for year in range(2015, 2021):
        assets.begin_year(year)
    assert assets.enrolled[1]
    assert assets.income[1] > 0
    assert assets.ledger[-1]["spent_yuan"] <= 24000.0


def member_shares(bare: Scenario, **settings) -> Scenario:
    """Equity quantified to members (折股量化): Sichuan's 7,246 yuan a member at 8.3%, for
    households without a worker."""
    return with_program(
        bare,
        "asset_income",
        capital=7246.0,
        cost_basis="person",
        dividend_rate=0.083,
        max_labour=0,
        output_sd=0.0,
        **settings,
    )


def test_equity_quantified_to_members_pays_each_member_a_share(bare: Scenario) -> None:
    # A household with a worker has its own production instead.
    scenario = member_shares(bare)
    small = {**REG, "labour": 0, "size": 1}
    _model, equity = start_year(scenario, REG, {**REG, "labour": 0, "size": 3}, small)
    assert equity.enrolled.tolist() == [False, True, True]
    # the same dividend a person whatever the household's size: a member's share each
    assert equity.income[1] == pytest.approx(7246.0 * 0.083)
    assert equity.income[2] == pytest.approx(7246.0 * 0.083)
    assert equity.ledger[-1]["spent_yuan"] == pytest.approx(4 * 7246.0)


def test_a_share_taken_back_at_the_end_of_support_pays_nothing_after(bare: Scenario) -> None:
    # Sichuan's and Fujian's shares leave with the household (脱贫后退出扶贫股): decay = 1.
    scenario = member_shares(bare, decay=1.0, support_after_exit_years=0).updated(
        {"exit.keep_policies": False}
    )
    model, equity = start_year(scenario, {**REG, "labour": 0})
    assert equity.income[0] > 0
    model.households.status[0] = Status.EXITED
    model.households.exit_year[0] = 2014
    equity.begin_year(2015)
    assert not equity.enrolled[0]
    assert equity.income[0] == 0.0


def test_industry_support_reaches_households_with_and_without_a_worker_once_each(
    bare: Scenario,
) -> None:
    # The census counts a kind of support once a household, whichever of its forms:
    # production support for a household with a worker, dividends for one without.
    scenario = bare.updated(
        {
            "programs": {
                "production": {
                    "kind": "industry",
                    "budget": AMPLE,
                    "take_up": 1.0,
                    "support": "industry",
                },
                "credit": {
                    "kind": "microcredit",
                    "budget": AMPLE,
                    "take_up": 1.0,
                    "support": "industry",
                },
                "equity": {
                    "kind": "asset_income",
                    "budget": AMPLE,
                    "take_up": 1.0,
                    "support": "industry",
                    "max_labour": 0,
                    "cost_basis": "person",
                },
            },
            "registration.completed_month": 0,
        }
    )
    model, _ = start_year(
        scenario, REG, {**REG, "labour": 0}, {**REG, "status": Status.UNREGISTERED}
    )
    record_support_reach(model.programs, model.households)
    reached = {p.name: p.ledger[-1]["support_reached"] for p in model.programs}
    assert reached == {"production": 2.0, "credit": 2.0, "equity": 2.0}


def test_dividends_move_with_the_assets_output(bare: Scenario) -> None:
    scenario = with_program(bare, "asset_income", output_sd=0.3)
    _model, assets = start_year(scenario, {**REG, "labour": 0})
    paid = []
    for year in range(2015, 2021):
        assets.begin_year(year)
        paid.append(assets.income[0])
    assert np.std(paid) > 0


@pytest.mark.parametrize("decay", [0.0, 1.0])
def test_a_household_removed_as_registered_in_error_loses_its_share(
    bare: Scenario, decay: float
) -> None:
    """The share is the register's poor's: the re-check's removal takes it back (a PV share,
    whose dividend outlasts support, as well as an equity share taken back at support's end)."""
    scenario = with_program(bare, "asset_income", capital=24000.0, output_sd=0.0, decay=decay)
    model, assets = start_year(scenario, REG, REG, REG)
    dividend = 24000.0 * 0.11 / 4
    assert assets.income.tolist() == pytest.approx([dividend] * 3)
    h = model.households
    h.status[0] = Status.UNREGISTERED  # removed at the year's re-check
    h.status[1] = Status.EXITED
    h.exit_year[1] = 2014
    model.year = 2015
    assets.begin_year(2015)
    assert assets.income[0] == 0.0
    assert assets.income[1] == pytest.approx(dividend)  # an exited household keeps it
    # a share whose support had ended (its dividend outlasting it) goes back on removal too
    assets.end_support(np.array([False, False, True]), 2015)
    h.status[2] = Status.UNREGISTERED
    model.year = 2016
    assets.begin_year(2016)
    assert assets.income[2] == 0.0


# -- a program's last year ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "settings", "yearly"),
    [
        ("public_jobs", {"wage": 6000.0, "unit_cost": 6000.0}, 6000.0),
        ("microcredit", {"loan": 40000.0, "failure": 0.0}, 40000.0 * 0.0475),
    ],
)
def test_last_year_ends_enrolment_not_the_support_of_those_enrolled(
    bare: Scenario, kind: str, settings: dict, yearly: float
) -> None:
    """``last_year`` is the last year a program enrols: a post held or a loan running goes on
    for its term, its yearly cost paid, while no household is taken on after it."""
    scenario = with_program(bare, kind, last_year=2014, **settings)
    row = {**REG, "labour": 1}  # weak labour for a post, a worker for a loan
    model, program = start_year(scenario, row, {**row, "status": Status.UNREGISTERED})
    assert program.enrolled.tolist() == [True, False]
    model.households.status[1] = Status.REGISTERED  # eligible from 2015, too late
    model.year = 2015
    program.begin_year(2015)
    assert program.enrolled.tolist() == [True, False]
    assert program.income[0] > 0
    assert program.ledger[-1]["spent_yuan"] == pytest.approx(yearly)
    assert program.ledger[-1]["new_enrolments"] == 0


def test_the_allowance_keeps_paying_after_its_last_year_and_takes_no_one_new(
    bare: Scenario,
) -> None:
    """The minimum living allowance after ``last_year``: a household it supports stays on it,
    one without labour registered later is not taken on."""
    scenario = with_program(bare, "social_security", last_year=2014)
    row = {**REG, "labour": 0, "farm_base": 0.0, "wage_base": 0.0}  # cannot work, no income
    model, program = start_year(scenario, row, {**row, "status": Status.UNREGISTERED})
    assert program.enrolled.tolist() == [True, False]
    model.households.status[1] = Status.REGISTERED
    model.year = 2015
    program.begin_year(2015)
    assert program.enrolled.tolist() == [True, False]
    assert program.income[0] > 0
    assert program.ledger[-1]["new_enrolments"] == 0


def test_a_mutual_aid_fund_lends_no_new_loan_after_the_programs_last_year(bare: Scenario) -> None:
    """A loan is an enrolment: after ``last_year`` the fund lends no more, as every kind
    enrols no more (its money, the fund's, is no reason to read the year otherwise)."""
    scenario = village_fund(bare, 50000.0, last_year=2014)
    model, aid = start_year(scenario, REG)
    assert aid.enrolled[0]
    model.year = 2015
    aid.begin_year(2015)  # the one-year loan is repaid
    assert not aid.enrolled[0]
    assert aid.income[0] == 0.0
    assert aid.ledger[-1]["new_enrolments"] == 0


# -- pairing assistance ---------------------------------------------------------------------
def test_pairing_places_workers_and_sends_work_teams(bare: Scenario) -> None:
    scenario = with_program(
        bare,
        "pairing",
        budget=budget(6000.0),
        placement_rate=1.0,
        wage=36000.0,
        unit_cost=3000.0,
        work_teams=1.0,
        job_loss=0.0,
    )
    rows = [{**REG, "village": 1}, {**REG, "village": 1}, {**REG, "village": 0, "labour": 0}]
    model, pairing = start_year(scenario, *rows, villages=3)
    assert pairing.enrolled.tolist() == [True, True, False]
    assert pairing.income[0] == pytest.approx(36000.0 / 4)
    assert pairing.ledger[-1]["spent_yuan"] == pytest.approx(6000.0)
    assert model.villages.work_team.tolist() == [False, True, False]  # most registered


def test_the_run_without_support_sends_no_pairing_teams(bare: Scenario) -> None:
    """The counterfactual has no work teams: it kept pairing's, which the program sent
    whatever its money (50 of 51 villages in plus_pairing with 10 teams a year)."""
    scenario = with_program(bare, "pairing", budget=budget(6000.0), work_teams=1.0)
    rows = [{**REG, "village": 1}, {**REG, "village": 0}]
    model, _ = start_year(scenario.without_support(), *rows, villages=3)
    assert not model.villages.work_team.any()
    # Teams alone, without money, are support: there is a counterfactual to run.
    assert with_program(bare, "pairing", budget=budget(0.0), work_teams=1.0).has_support()
    assert not with_program(bare, "pairing", budget=budget(0.0)).has_support()


# -- consumption support --------------------------------------------------------------------
def test_consumption_support_raises_what_industry_households_earn(bare: Scenario) -> None:
    scenario = bare.updated(
        {
            "programs": {
                "industry": {
                    "kind": "industry",
                    "budget": AMPLE,
                    "take_up": 1.0,
                    "gain": 3000.0,
                    "ramp_years": 1,
                },
                "consumption": {
                    "kind": "consumption",
                    "budget": AMPLE,
                    "take_up": 1.0,
                    "price_premium": 0.2,
                },
            },
            "registration.completed_month": 0,
        }
    )
    model, industry = start_year(scenario, REG, {**REG, "land": 0.0})
    consumption = model.programs[1]
    assert industry.enrolled.tolist() == [True, False]
    assert consumption.enrolled.tolist() == [True, False]
    assert consumption.income[0] == pytest.approx(0.2 * 3000.0)
    assert consumption.ledger[-1]["spent_yuan"] == pytest.approx(0.2 * 3000.0 * 4)


def test_consumption_support_must_name_a_program_of_the_scenario(bare: Scenario) -> None:
    with pytest.raises(ScenarioError, match="seller names 'crops'"):
        bare.updated({"programs": {"consumption": {"kind": "consumption", "seller": "crops"}}})


def test_consumption_support_cannot_name_a_village_program(bare: Scenario) -> None:
    """A village program has no households whose produce is bought: refused by what the
    program is (its config's ``for_villages``), whatever the table is called."""
    programs = {
        "roads": {"kind": "infrastructure"},
        "consumption": {"kind": "consumption", "seller": "roads"},
    }
    with pytest.raises(ScenarioError, match="names 'roads', a village program"):
        bare.updated({"programs": programs})


@pytest.mark.parametrize(
    "kind", ["microcredit", "mutual_aid", "public_jobs", "asset_income", "pairing", "consumption"]
)
def test_every_new_kind_runs_in_a_county_within_its_budget(small: Scenario, kind: str) -> None:
    from povsim import simulate

    programs = {"industry": {"kind": "industry", "share": 0.3}, kind: {"kind": kind, "share": 0.2}}
    if kind == "pairing":
        programs[kind] = {"kind": kind, "budget": budget(5e5), "work_teams": 2.0}
    scenario = small.updated({"programs": programs})
    result = simulate(scenario, 1)
    spending = result.spending[result.spending.program == kind]
    assert (spending.spent_yuan <= spending.budget_yuan * (1 + 1e-9)).all()
    assert set(result.pathways.program) >= {kind}


# -- attribution, for every kind ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "settings", "row"),
    [
        (
            "mutual_aid",
            {"fund": 50000.0, "loan": 50000.0, "poor_villages_only": False, "failure": 0.0},
            REG,
        ),
        ("asset_income", {"capital": 24000.0, "output_sd": 0.0}, {**REG, "labour": 0}),
        ("pairing", {"placement_rate": 1.0, "job_loss": 0.0}, REG),
    ],
)
def test_each_kind_is_necessary_for_the_exit_its_income_made(
    rules: Scenario,
    kind: str,
    settings: dict,
    row: dict,
) -> None:
    scenario = with_program(rules, kind, **settings)
    model, program = start_year(scenario, row)
    gain = program.income[0]
    assert gain > 0
    rows = exit_rows(model, scenario, LINE_2014 - gain / 2)
    assert rows[kind]["necessary_households"] == 1
    assert rows[kind]["primary_households"] == 1
    rows = exit_rows(*start_year(scenario, row)[:1], scenario, LINE_2014 * 2)
    assert rows[kind]["necessary_households"] == 0  # far over the line: it only helped


def test_consumption_support_is_necessary_only_with_the_industry_it_adds_to(
    rules: Scenario,
) -> None:
    scenario = rules.updated(
        {
            "programs": {
                "industry": {"budget": AMPLE, "take_up": 1.0, "gain": 1000.0, "ramp_years": 1},
                "consumption": {"budget": AMPLE, "take_up": 1.0, "price_premium": 0.2},
            },
            "registration.completed_month": 0,
        }
    )
    model, _ = start_year(scenario, REG)
    # 1,000 from industry and its 200 premium on top: without the premium, 100 short
    rows = exit_rows(model, scenario, LINE_2014 - 1100.0)
    assert rows["consumption"]["necessary_households"] == 1
    assert rows["industry"]["primary_households"] == 1  # the larger contribution


# -- picked up without special cases -----------------------------------------------------------
def test_the_dashboard_and_sensitivity_take_the_new_kinds_as_they_are(tmp_path) -> None:
    from povsim.dashboard import Policy
    from povsim.experiments.problem import load_problem

    from .conftest import SCENARIOS

    policy = Policy.from_file(SCENARIOS / "full_toolbox.toml")
    assert {"microcredit", "consumption", "public_jobs", "asset_income"} <= set(policy.shares)
    moved = policy.with_share("public_jobs", 0.10)
    assert sum(moved.shares.values()) == pytest.approx(sum(policy.shares.values()))
    problem = tmp_path / "credit.toml"
    problem.write_text(
        f'base = "{(SCENARIOS / "full_toolbox.toml").as_posix()}"\n'
        'outputs = ["cumulative_exit_share"]\n'
        '[inputs."programs.microcredit.return_rate"]\nbounds = [0.0, 0.3]\n'
        '[inputs."programs.asset_income.dividend_rate"]\nbounds = [0.05, 0.15]\n',
        encoding="utf-8",
    )
    loaded = load_problem(problem)
    assert loaded.names == [
        "programs.microcredit.return_rate",
        "programs.asset_income.dividend_rate",
    ]
