"""Weighted households: a sample stands for a population and reports its figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from povsim import simulate
from povsim.sim.model import PovertyModel
from povsim.sim.population import build_population
from povsim.sim.programs.base import SupportProgram
from povsim.sim.queue import fit_queue
from povsim.sim.streams import Streams

ROOT = Path(__file__).resolve().parents[1]
FULL = 20_000
SAMPLE = 4_000


@pytest.fixture(scope="module")
def pair(bare):
    """A county whose remote villages are much poorer, in full and as a one-in-five sample
    that draws remote households eight times as often as those near town."""
    county = bare.updated(
        {
            "population.households": FULL,
            "population.represents": None,
            "population.villages": 40,
            "population.represents_villages": None,
            "income.village_sd": 0.5,
            "income.remoteness_wage_penalty": 0.9,
            "income.remoteness_growth_penalty": 0.15,
        }
    )
    sample = county.updated(
        {
            "population.households": SAMPLE,
            "population.represents": FULL,
            "population.remote_oversampling": 8.0,
        }
    )
    full_run = simulate(county, seed=3, panel=True, counterfactual=False)
    sample_run = simulate(sample, seed=3, panel=True, counterfactual=False)
    return full_run, sample_run


def test_weights_add_up_and_favour_remote_villages(bare) -> None:
    scenario = bare.updated(
        {
            "population.households": 3_000,
            "population.represents": 50_000,
            "population.remote_oversampling": 5.0,
        }
    )
    h, v = build_population(scenario, Streams(1).population)
    assert h.weight.sum() == pytest.approx(50_000)
    remote = v.remoteness[h.village]
    # Agents in remote villages were likelier to be drawn, so each stands for fewer.
    assert np.corrcoef(remote, h.weight)[0, 1] < -0.9


def _ratio_se(panel, year: int, numerator: str) -> float:
    """Linearised standard error of a person-weighted share in one year's sample."""
    rows = panel[panel["year"] == year]
    w, size = rows["weight"].to_numpy(), rows["size"].to_numpy()
    y = size * rows[numerator].to_numpy()
    share = (w * y).sum() / (w * size).sum()
    z = w * (y - share * size)
    n = len(rows)
    return float(np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum()) / (w * size).sum())


def test_a_weighted_sample_agrees_with_the_full_population(pair) -> None:
    full, sample = pair
    for frame in (full.panel, sample.panel):
        frame["registered"] = frame["status"] == 1
    f, s = full.indicators.set_index("year"), sample.indicators.set_index("year")
    assert s["population_households"].iloc[0] == pytest.approx(FULL)
    assert s["population_people"].iloc[0] == pytest.approx(f["population_people"].iloc[0], 0.03)
    for column, indicator in (("registered", "registered_incidence"),):
        for year in f.index:
            se = np.hypot(
                _ratio_se(sample.panel, year, column), _ratio_se(full.panel, year, column)
            )
            assert abs(s.at[year, indicator] - f.at[year, indicator]) < 4 * se, (indicator, year)
    # Income-based incidence, from the income column against each year's line.
    for frame, run in ((full.panel, full), (sample.panel, sample)):
        lines = run.indicators.set_index("year")["poverty_line"]
        frame["poor"] = frame["income"] < frame["year"].map(lines)
    for year in f.index:
        se = np.hypot(_ratio_se(sample.panel, year, "poor"), _ratio_se(full.panel, year, "poor"))
        assert abs(s.at[year, "incidence"] - f.at[year, "incidence"]) < 4 * se, year
        # Totals scale with the population: the sample's count of the poor is not ~1/5 of it.
        assert s.at[year, "poor_people"] == pytest.approx(f.at[year, "poor_people"], rel=0.15)
    # The test has power: ignoring the weights overstates incidence in every year, and in
    # some year by more than the four standard errors the checks above allow, so a sample
    # read without its weights would fail them.
    margins = []
    for year in f.index:
        rows = sample.panel[sample.panel["year"] == year]
        unweighted = (rows["size"] * rows["poor"]).sum() / rows["size"].sum()
        se = np.hypot(_ratio_se(sample.panel, year, "poor"), _ratio_se(full.panel, year, "poor"))
        margins.append((unweighted - f.at[year, "incidence"]) / se)
    assert min(margins) > 0, margins
    assert max(margins) > 4, margins


def test_weights_change_only_the_scale_when_uniform(small) -> None:
    """An agent standing for 10 households counts, and costs, 10 times (with money for
    everyone, so no queue stops part-way through an agent's households)."""
    pop = small.population
    plenty = small.updated({"budget.scale": 50.0})
    scaled = plenty.updated(
        {
            "population.represents": 10 * pop.households,
            "population.represents_villages": 10 * pop.villages,
            "budget.total": {year: 10 * money for year, money in plenty.budget.total.items()},
        }
    )
    one = simulate(plenty, seed=5, counterfactual=False)
    ten = simulate(scaled, seed=5, counterfactual=False)
    assert one.indicators["spending_yuan"].sum() > 0
    for column in ("registered_people", "exits_households", "poor_people", "spending_yuan"):
        np.testing.assert_allclose(ten.indicators[column], 10 * one.indicators[column])
    for column in ("incidence", "cumulative_exit_share", "mean_income"):
        np.testing.assert_allclose(ten.indicators[column], one.indicators[column])
    np.testing.assert_allclose(ten.spending["spent_yuan"], 10 * one.spending["spent_yuan"])
    np.testing.assert_allclose(ten.pathways["exited_people"], 10 * one.pathways["exited_people"])


def test_a_weighted_agent_costs_its_weight(small) -> None:
    """A year's spending overruns its money by less than the last agent's households:
    the queue's last agent is taken only for the real households the money left covers
    (and then whole, as a sample's agent is)."""
    model = PovertyModel(small.updated({"population.represents": 3 * 600}), 1)
    assert model.households.weight == pytest.approx(np.full(600, 3.0))
    model.run()
    everyone = np.arange(600)
    for program in model.programs:
        if isinstance(program, SupportProgram):
            most = 3.0 * max(
                max(
                    program.enrolment_cost(everyone, y).max(),
                    program.continuing_cost(everyone, y).max(),
                )
                for y in range(2014, 2021)
            )
        else:
            most = program.config.unit_cost * model.villages.weight.max()
        for row in program.ledger:
            # health, the allowance and equity dividends pay what is owed (claims, top-ups,
            # dividends) whatever their budget: only the budget-bound are held to it
            if program.name not in {"health", "social_security", "equity_dividends"}:
                assert row["spent_yuan"] <= row["budget_yuan"] + most, (program.name, row["year"])


def test_the_queue_buys_on_average_what_the_real_queue_would() -> None:
    """The agent at which the money runs out stands for real households some of which the
    money left pays for: it is taken with that share's probability, so a sample spends its
    money on average. A run of real households (weight 1) draws nothing."""
    costs = np.array([400.0, 400.0, 400.0])  # three agents of 10 households at 40 yuan
    units = np.full(3, 10.0)
    rng = np.random.default_rng(1)
    taken = [
        fit_queue(costs, np.arange(3), 1_000.0, units=units, draw=rng.random).size
        for _ in range(4_000)
    ]
    # 1,000 yuan buys 25 real households: two whole agents, then the third with chance 0.5.
    assert set(taken) == {2, 3}
    assert np.mean(taken) == pytest.approx(2.5, abs=0.03)
    assert fit_queue(costs, np.arange(3), 1_000.0).size == 2  # without units, the plain queue
    state = rng.bit_generator.state
    ones = fit_queue(np.full(3, 40.0), np.arange(3), 100.0, units=np.ones(3), draw=rng.random)
    assert ones.size == 2
    assert rng.bit_generator.state == state  # nothing drawn


def test_a_weighted_county_upgrades_villages_it_pays_for_in_part(small) -> None:
    """A county whose sample villages each stand for 20 real ones, each costing more than
    a year's infrastructure money, still upgrades villages: on average the whole real
    villages the money buys. Before, the queue stopped at the first and it upgraded none."""
    scenario = small.updated(
        {
            "population.represents": 20 * small.population.households,
            "population.represents_villages": 20 * small.population.villages,
            "programs.infrastructure.poor_villages_only": False,
            "budget.scale": 5.0,
        }
    )
    unit = scenario.programs["infrastructure"].unit_cost
    spent = expected = variance = 0.0
    for seed in range(8):
        model = PovertyModel(scenario, seed).run()
        infra = next(p for p in model.programs if p.name == "infrastructure")
        assert all(row["budget_yuan"] < 20 * unit for row in infra.ledger)  # no whole one
        spent += sum(row["spent_yuan"] for row in infra.ledger)
        for row in infra.ledger:  # one sample village, taken with chance whole / 20
            chance = (row["budget_yuan"] // unit) / 20
            expected += chance * 20 * unit
            variance += chance * (1 - chance) * (20 * unit) ** 2
    assert expected > 0
    assert abs(spent - expected) < 4 * np.sqrt(variance)


def test_a_smaller_sample_of_a_shipped_county_keeps_its_budget_per_household() -> None:
    """Shrinking a shipped scenario's agents samples the same county: each agent stands for
    more households and the budget per household stays, so mixes still differ. Before, 500
    agents were a county of 500 households with the 5,000-household county's budget: no
    program ran short, and industry-led and health-first gave identical results."""
    from povsim import load_scenario

    small = ["population.households=500", "population.villages=10"]
    runs = {
        name: simulate(load_scenario(ROOT / "scenarios" / f"{name}.toml", small), seed=1)
        for name in ("industry_led", "health_first")
    }
    for run in runs.values():
        assert run.indicators["population_households"].iloc[0] == pytest.approx(5_000)
    spent = {n: r.indicators["spending_yuan"].sum() for n, r in runs.items()}
    assert spent["industry_led"] != pytest.approx(spent["health_first"], rel=0.01)


def test_weighted_quantiles_are_numpys_and_skip_what_weighs_nothing() -> None:
    """The quantiles were hand-written; numpy's inverted CDF gives them, and no longer
    takes a value of no weight for the least."""
    from povsim.sim.indicators import weighted_quantiles

    values = np.array([1.0, -2.7, 0.0, -1.6])
    weights = np.array([1.0, 0.0, 2.0, 0.0])
    # as if each value were repeated its weight's times: 0, 0, 1
    assert weighted_quantiles(values, weights, [0.0, 0.5, 0.66, 0.67, 1.0]).tolist() == [
        0.0,
        0.0,
        0.0,
        1.0,
        1.0,
    ]
    assert np.isnan(weighted_quantiles(values, np.zeros(4), [0.5])).all()
    assert np.isnan(weighted_quantiles(np.array([]), np.array([]), [0.5])).all()
