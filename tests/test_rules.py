"""The register's rules on hand-built households: exit, relapse, removal, entry, village exit."""

from __future__ import annotations

import numpy as np
import pytest

from povsim import Cause, Hardship, PovertyModel, Scenario, Status
from povsim.sim.assessment import close_year
from povsim.sim.streams import Streams
from povsim.sim.villages import update_villages

from .conftest import hand_built, set_year_income

YEAR = 2015
LINE = 2855.0


@pytest.fixture
def rules(bare: Scenario) -> Scenario:
    """Deterministic rules: no survey error, every review and re-check finds its household,
    and no background change to the guarantees."""
    return bare.updated(
        {
            "registration.income_error_sd": 0.0,
            "registration.review_coverage": 1.0,
            "registration.recheck_detection": 1.0,
            "guarantees.schooling_new_gap": 0.0,
            "guarantees.schooling_annual_fix": 0.0,
            "guarantees.medical_annual_fix": 0.0,
            "guarantees.self_renovation": 0.0,
        }
    )


def assess(scenario: Scenario, rows: list[dict], incomes: list[float]):
    h, v = hand_built(*rows)
    set_year_income(h, incomes)
    t = close_year(h, v, scenario, YEAR, Streams(0))
    return h, t


def test_registered_household_over_the_line_with_guarantees_exits(rules: Scenario) -> None:
    h, t = assess(rules, [{"status": Status.REGISTERED}], [LINE + 1])
    assert t.exited.tolist() == [True]
    assert h.status[0] == Status.EXITED
    assert h.exit_year[0] == YEAR
    assert h.ever_exited[0]


@pytest.mark.parametrize(
    "missing",
    [
        {"housing_grade": 2},  # dangerous house (grade C)
        {"housing_grade": 3},  # grade D
        {"medical_ok": False},
        {"pupils": 1, "schooling_ok": False},
        {"hungry_steps": 3},  # three hungry months in a monthly year
    ],
    ids=["house C", "house D", "no medical", "schooling", "food"],
)
def test_no_exit_without_every_guarantee(rules: Scenario, missing: dict) -> None:
    h, t = assess(rules, [{"status": Status.REGISTERED, **missing}], [LINE * 3])
    assert not t.exited.any()
    assert h.status[0] == Status.REGISTERED


def test_guarantees_can_be_waived(rules: Scenario) -> None:
    waived = rules.updated({"exit.require_guarantees": False})
    _, t = assess(waived, [{"status": Status.REGISTERED, "housing_grade": 3}], [LINE * 3])
    assert t.exited.all()


def test_no_exit_below_the_line_or_margin(rules: Scenario) -> None:
    _, t = assess(rules, [{"status": Status.REGISTERED}], [LINE - 1])
    assert not t.exited.any()
    margin = rules.updated({"exit.income_margin": 0.1})
    _, t = assess(margin, [{"status": Status.REGISTERED}] * 2, [LINE * 1.05, LINE * 1.11])
    assert t.exited.tolist() == [False, True]


def test_the_exit_standard_can_grow_from_the_first_years_line(rules: Scenario) -> None:
    # 2,800 yuan in 2014 carried forward at 6% is 2,968 in 2015, over that year's 2,855.
    projected = rules.updated({"exit.standard_growth": 0.06})
    assert projected.exit_income(2014) == pytest.approx(projected.line(2014))
    assert projected.exit_income(YEAR) == pytest.approx(projected.line(2014) * 1.06)
    rows = [{"status": Status.REGISTERED}] * 2
    _, t = assess(projected, rows, [LINE * 1.03, LINE * 1.05])
    assert t.exited.tolist() == [False, True]
    _, t = assess(rules, rows, [LINE * 1.03, LINE * 1.05])  # unset: the year's line
    assert t.exited.all()
    flat = rules.updated({"exit.standard_growth": 0.0})  # a path under the line: the line
    assert flat.exit_income(YEAR) == pytest.approx(LINE)


def test_exited_household_below_the_line_relapses(rules: Scenario) -> None:
    single = rules.updated({"exit.relapse_years": 1})
    h, t = assess(
        single, [{"status": Status.EXITED, "ever_exited": True}] * 2, [LINE - 1, LINE + 1]
    )
    assert t.relapsed.tolist() == [True, False]
    assert h.status.tolist() == [Status.REGISTERED, Status.EXITED]
    assert h.relapses.tolist() == [1, 0]
    assert h.ever_exited.all()


def test_an_exited_household_relapses_under_the_standard_its_exit_was_judged_by(
    rules: Scenario,
) -> None:
    """Exit was judged against the register's standard (2,968 yuan in 2015 at 6% a year from
    2,800) and relapse against the year's line (2,855): a household between the two had not
    fallen back. "已经标注脱贫，但未稳定达到国家脱贫标准的按照程序返贫"."""
    projected = rules.updated({"exit.relapse_years": 1, "exit.standard_growth": 0.06})
    row = {"status": Status.EXITED, "ever_exited": True}
    _, t = assess(projected, [row] * 2, [LINE * 1.03, LINE * 1.05])
    assert t.relapsed.tolist() == [True, False]
    _, t = assess(rules.updated({"exit.relapse_years": 1}), [row], [LINE * 1.03])
    assert not t.relapsed.any()  # unset: the year's line, which it is over


def test_relapse_on_losing_a_guarantee_is_configurable(rules: Scenario) -> None:
    row = {"status": Status.EXITED, "housing_grade": 3}
    strict = rules.updated({"exit.relapse_on_guarantee_loss": True})
    _, t = assess(strict, [row], [LINE * 2])
    assert t.relapsed.all()
    _, t = assess(rules, [row], [LINE * 2])  # the default: programs restore it
    assert not t.relapsed.any()


def test_wrongly_registered_household_is_removed_not_exited(rules: Scenario) -> None:
    h, t = assess(rules, [{"status": Status.REGISTERED, "wrongly_registered": True}], [LINE * 3])
    assert t.removed.all()
    assert not t.exited.any()
    assert h.status[0] == Status.UNREGISTERED
    assert not h.wrongly_registered[0]


def test_review_registers_the_poor_with_causes_and_grade(rules: Scenario) -> None:
    rows = [
        {"chronic": True},
        {"labour": 0, "size": 2, "elderly": 2},
        {},
    ]
    h, t = assess(rules, rows, [LINE * 0.3, LINE * 0.7, LINE * 1.5])
    assert t.entered.tolist() == [True, True, False]
    assert h.status.tolist() == [Status.REGISTERED, Status.REGISTERED, Status.UNREGISTERED]
    assert h.hardship.tolist() == [Hardship.A, Hardship.B, Hardship.NONE]
    assert Cause(int(h.causes[0])) & Cause.ILLNESS
    assert Cause(int(h.causes[1])) & Cause.LABOUR
    assert not h.wrongly_registered[:2].any()


def test_survey_error_makes_inclusion_errors(rules: Scenario) -> None:
    noisy = rules.updated({"registration.income_error_sd": 0.5})
    h, t = assess(noisy, [{}] * 4000, [LINE * 1.1] * 4000)
    # Nobody is poor, but a noisy survey judges some of them poor and registers them.
    assert 0 < t.entered.sum() < 4000
    assert h.wrongly_registered[t.entered].all()


def test_each_household_moves_at_most_once_a_year(rules: Scenario) -> None:
    statuses = [Status.UNREGISTERED, Status.REGISTERED, Status.EXITED] * 200
    rows = [{"status": s, "wrongly_registered": i % 2 == 0} for i, s in enumerate(statuses)]
    incomes = np.linspace(0.2, 2.0, len(rows)) * LINE
    _, t = assess(rules, rows, incomes)
    moves = t.removed.astype(int) + t.exited + t.relapsed + t.entered
    assert moves.max() == 1


def test_village_exits_below_threshold(rules: Scenario) -> None:
    h, v = hand_built(
        *(
            [{"village": 0, "status": Status.EXITED}] * 99
            + [{"village": 0, "status": Status.REGISTERED}]
        ),
        *(
            [{"village": 1, "status": Status.EXITED}] * 90
            + [{"village": 1, "status": Status.REGISTERED}] * 10
        ),
        villages=2,
    )
    h.income[:] = LINE * 2
    v.poor_village[:] = True
    update_villages(h, v, rules, YEAR)
    assert v.registered_incidence.tolist() == pytest.approx([0.01, 0.10])
    assert v.exited.tolist() == [True, False]
    assert v.exit_year.tolist() == [YEAR, 0]


def test_a_western_village_exits_below_three_percent(rules: Scenario) -> None:
    # 中办发〔2016〕16号: a poor village leaves the list under 2%, under 3% in the west.
    rows = [{"village": i, "status": Status.EXITED} for i in range(2) for _ in range(195)]
    rows += [{"village": i, "status": Status.REGISTERED} for i in range(2) for _ in range(5)]
    h, v = hand_built(*rows, villages=2)
    h.income[:] = LINE * 2
    v.poor_village[:] = True
    v.west[:] = [True, False]
    update_villages(h, v, rules.updated({"exit.village_threshold_west": 0.03}), YEAR)
    assert v.registered_incidence.tolist() == pytest.approx([0.025, 0.025])
    assert v.exited.tolist() == [True, False]


def test_the_western_villages_of_a_sample_are_its_most_remote(bare: Scenario) -> None:
    scenario = bare.updated({"villages.west_share": 0.25, "population.villages": 40})
    v = PovertyModel(scenario, 3).villages
    drawn = ~v.resettlement
    assert v.west.sum() == 10
    assert v.remoteness[v.west].min() >= v.remoteness[drawn & ~v.west].max()


def test_county_exits_below_its_threshold(rules: Scenario) -> None:
    rich = rules.updated(
        {
            "start_year": 2014,
            "end_year": 2015,
            "shocks.illness.annual_probability": 0.0,
            "shocks.disaster.annual_probability": 0.0,
        }
    )
    h, v = hand_built(*([{"status": Status.REGISTERED, "farm_base": LINE * 2}] * 10))
    model = PovertyModel(rich, 1, population=(h, v)).run()
    ind = model.indicators()
    assert ind["exits_households"].iloc[0] == 10
    assert model.county_exit_year == 2014
    assert ind["county_exited"].tolist() == [True, True]


def test_villages_are_designated_against_their_province_not_their_county(rules: Scenario) -> None:
    """一高一低一无 (2014): a village is poor at double its province's incidence. Against its
    own county's rate a poor county's villages were seldom designated (both below: 40% and
    20% poor in a county of 30%), a rich county's often."""
    from povsim.sim.villages import designate_poor_villages

    line = rules.registration_line
    rows = [{"village": 0, "size": 1}] * 10 + [{"village": 1, "size": 1}] * 10
    h, v = hand_built(*rows, villages=2)
    h.income = np.where(np.arange(20) < 4, 0.5 * line, 2 * line)  # village 0: 40% poor
    h.income[10:12] = 0.5 * line  # village 1: 20% poor; the county 30%
    doubled = rules.updated(
        {"villages.designation_multiple": 2.0, "villages.designation_incidence": "county"}
    )
    designate_poor_villages(h, v, doubled, line)
    assert v.poor_village.tolist() == [False, False]  # not double the county's own 30%
    province = doubled.updated({"villages.designation_incidence": 0.15})
    designate_poor_villages(h, v, province, line)
    assert v.poor_village.tolist() == [True, False]  # 40% is double the province's 15%


def sampled_villages(counts: list[int], agents: int, stands_for: float):
    """Villages of ``agents`` one-person households each, ``counts[i]`` of them poor, each
    agent standing for ``stands_for`` real households of one real village."""
    rows = [
        {"village": i, "size": 1, "weight": stands_for, "farm_base": 0.0}
        for i in range(len(counts))
        for _ in range(agents)
    ]
    h, v = hand_built(*rows, villages=len(counts))
    poor = np.concatenate([np.arange(agents) < c for c in counts])
    return h, v, poor


def test_a_sampled_village_is_designated_on_the_real_villages_spread(rules: Scenario) -> None:
    """Ten agents a village, each standing for 50 real households: a village whose four poor
    agents of ten are the counting noise of villages alike (20% poor on average, their
    spread no wider than ten agents' binomial noise) is not designated at double the
    county's rate; with the same agents as the whole population (one agent a household) it
    is, as the rule reads it."""
    from povsim.sim.villages import designate_poor_villages

    line = rules.registration_line
    doubled = rules.updated(
        {"villages.designation_multiple": 2.0, "villages.designation_incidence": "county"}
    )
    counts = [4, 0] + [2] * 8
    h, v, poor = sampled_villages(counts, agents=10, stands_for=50.0)
    h.income = np.where(poor, 0.5 * line, 2 * line)
    designate_poor_villages(h, v, doubled, line)
    assert not v.poor_village.any()

    h, v, poor = sampled_villages(counts, agents=10, stands_for=1.0)
    h.income = np.where(poor, 0.5 * line, 2 * line)
    designate_poor_villages(h, v, doubled, line)
    assert v.poor_village.tolist() == [True] + [False] * 9


def test_what_a_villages_level_predicts_is_kept_and_the_rest_shrunk(rules: Scenario) -> None:
    """Thirty villages of ten agents whose poor follow their drawn levels (six of ten in the
    poorest down to none in the richest, 25% in all), each agent standing for 50 real
    households: the poorest village, six poor of ten, is designated at double the county's
    rate as its level predicts; given the richest level instead, its six are counting noise
    around a prediction near none, and it is not, though its agents' 60% is double."""
    from povsim.sim.villages import designate_poor_villages

    line = rules.registration_line
    doubled = rules.updated(
        {"villages.designation_multiple": 2.0, "villages.designation_incidence": "county"}
    )
    levels = np.linspace(-0.6, 0.6, 30)
    counts = np.clip(np.round(10 * (0.25 - 0.5 * levels)), 0, 10).astype(int).tolist()
    assert counts[0] == 6
    h, v, poor = sampled_villages(counts, agents=10, stands_for=50.0)
    h.income = np.where(poor, 0.5 * line, 2 * line)
    v.level[:30] = levels
    designate_poor_villages(h, v, doubled, line)
    assert v.poor_village[0]
    v.level[0] = levels[-1]
    designate_poor_villages(h, v, doubled, line)
    assert not v.poor_village[0]


def test_the_villages_designated_do_not_depend_on_the_agents_a_village(rules: Scenario) -> None:
    """Real villages of 500 households whose incidences spread as Beta(2, 8): the rule
    (double the mean) designates the same share of them, within sampling error, whether
    each village is drawn with 10 agents or 100; on the agents' own incidences the smaller
    sample designated about twice the share."""
    from povsim.sim.villages import as_real_villages

    rng = np.random.default_rng(7)
    villages = 400
    true = rng.beta(2.0, 8.0, villages)
    real = rng.binomial(500, true) / 500
    expected = np.mean(real >= 2 * real.mean())
    shares, raw_shares = [], []
    for agents in (10, 100):
        h, v, _ = sampled_villages([0] * villages, agents=agents, stands_for=500 / agents)
        counted = rng.binomial(agents, true) / agents
        judged = as_real_villages(h, v, counted)
        shares.append(np.mean(judged >= 2 * counted.mean()))
        raw_shares.append(np.mean(counted >= 2 * counted.mean()))
    assert shares == pytest.approx([expected, expected], abs=0.02)
    assert raw_shares[0] > 1.5 * expected


def test_a_quota_of_villages_goes_to_the_likeliest_poor(rules: Scenario) -> None:
    """规模控制: with ``designation_quota`` the villages likeliest poor are designated until
    their real villages make up the quota, whatever the rule's multiple; none without poor."""
    from povsim.sim.villages import designate_poor_villages

    line = rules.registration_line
    counts = [1, 6, 3, 0, 2]
    h, v, poor = sampled_villages(counts, agents=10, stands_for=1.0)
    h.income = np.where(poor, 0.5 * line, 2 * line)
    v.weight[:] = 2.0  # each stands for two real villages
    quota = rules.updated(
        {"villages.designation_quota": 4.0, "villages.designation_multiple": 10.0}
    )
    designate_poor_villages(h, v, quota, line)
    assert v.poor_village.tolist() == [False, True, True, False, False]
    designate_poor_villages(h, v, quota.updated({"villages.designation_quota": 100.0}), line)
    assert v.poor_village.tolist() == [True, True, True, False, True]
    # to the nearest whole sample village: 2.9 real villages take one of two (2 is nearer
    # than 4), 3 take two (a tie goes up)
    designate_poor_villages(h, v, quota.updated({"villages.designation_quota": 3.0}), line)
    assert v.poor_village.tolist() == [False, True, True, False, False]
    designate_poor_villages(h, v, quota.updated({"villages.designation_quota": 2.9}), line)
    assert v.poor_village.tolist() == [False, True, False, False, False]


def test_the_verification_counts_an_exit_short_of_a_guarantee_as_wrongful(
    rules: Scenario,
) -> None:
    """错退 is an exit without the exit standard (中办发〔2016〕16号): the income over the line
    and the three guarantees, which the verification checked as facts (food and clothing
    follow the income). An exited household over the line in a dangerous house is a
    wrongful exit, one with hungry months over it is not; a never-registered one in a
    dangerous house and over the line is not missed poor, as identification went by income."""
    from povsim.sim.exits import verification_findings
    from povsim.sim.indicators import annual_indicators

    rows = [
        {"status": Status.EXITED, "ever_exited": True},  # over the line, every guarantee
        {"status": Status.EXITED, "ever_exited": True, "housing_grade": 3},
        {"status": Status.EXITED, "ever_exited": True, "medical_ok": False},
        {"status": Status.EXITED, "ever_exited": True},  # under the line
        {"status": Status.EXITED, "ever_exited": True, "hungry_steps": 3, "food_ok": False},
        {"status": Status.UNREGISTERED},  # under the line: missed
        {"status": Status.UNREGISTERED, "housing_grade": 3},  # over it
    ]
    h, v = hand_built(*rows)
    income = np.array([LINE * 2, LINE * 2, LINE * 2, LINE - 1, LINE * 2, LINE - 1, LINE * 2])
    missed, wrongly_exited = verification_findings(h, rules, YEAR, income)
    assert wrongly_exited.tolist() == [False, True, True, True, False, False, False]
    assert missed.tolist() == [False, False, False, False, False, True, False]
    set_year_income(h, income)
    t = close_year(h, v, rules.updated({"exit.relapse_years": 2}), YEAR, Streams(0))
    row = annual_indicators(h, v, YEAR, LINE, t, False)
    assert row["wrongly_exited_people"] == 3
    assert row["wrongful_exit_rate"] == pytest.approx(3 / 5)


def test_the_county_rule_reads_the_registered_incidence(rules: Scenario) -> None:
    """The county may exit under ``exit.county_threshold`` of its people still registered
    (3%), and a county named at ``monitoring.deep_year`` is deep-poverty over
    ``deep_incidence``."""
    from povsim.sim.exits import county_exits, registered_share
    from povsim.sim.monitoring import deep_poverty_designated

    # 100 people: 2 or 4 of them in registered households
    h, _ = hand_built(*[{"size": 1, "status": Status.EXITED} for _ in range(96)], {"size": 4})
    h.status[-1] = Status.REGISTERED
    assert registered_share(h) == pytest.approx(0.04)
    assert not county_exits(h, rules)
    h.size[-1] = 2
    h.status[:2] = Status.UNREGISTERED  # (the denominator is every person)
    assert registered_share(h) == pytest.approx(2 / 98)
    assert county_exits(h, rules)
    deep = rules.updated({"monitoring.deep_incidence": 0.01, "monitoring.deep_year": 2017})
    assert deep_poverty_designated(h, deep, 2017)
    assert not deep_poverty_designated(h, deep, 2018)  # named once, in its year
    assert not deep_poverty_designated(h, rules.updated({"monitoring.deep_incidence": None}), 2017)
