"""The household income step written the idiomatic Mesa way: one ``step()`` per agent.

It does the same work as :func:`povsim.sim.income.step_income` for the same shocks
(``tests/test_benchmark_reference.py`` checks they agree), so the benchmark
compares like with like: Python scalars per agent, called through the AgentSet.
"""

from __future__ import annotations

import math

import mesa
from scipy.special import ndtri

from povsim.config import Scenario
from povsim.config.vocabulary import SAFE_HOUSING_GRADES
from povsim.sim.households import YEAR_FLOWS
from povsim.sim.income import advance_villages
from povsim.sim.population import build_population
from povsim.sim.shocks import ar_coefficients, draw_shocks, illness_duration_steps
from povsim.sim.streams import Streams

ROW_FIELDS = (
    "support_farm",
    "support_wage",
    "support_transfer",
    "extra_reimbursement",
    "illness_protection",
    "village",
    "size",
    "elderly",
    "chronic",
    "medical_ok",
    "housing_grade",
    "farm_base",
    "wage_base",
    "transfer_base",
    "property_base",
    "level",
    "transitory",
    "ill_steps",
    "ill_cost",
)
YEAR_FIELDS = (*YEAR_FLOWS, "hungry_steps")


class ReferenceHousehold(mesa.Agent):
    """A household holding its own state as Python attributes."""

    def __init__(self, model: ReferenceModel, index: int, **state):
        super().__init__(model)
        self.index = index
        for name, value in state.items():
            setattr(self, name, value)
        for name in YEAR_FIELDS:
            setattr(self, name, 0)

    def step(self) -> None:
        m = self.model
        sc, shocks, v, i = m.scenario_spec, m.shocks, m.villages, self.index
        spy = sc.steps_per_year
        ill = sc.shocks.illness
        dis = sc.shocks.disaster
        self.transitory = m.rho * self.transitory + m.sd * shocks.transitory[i]

        risk = ill.annual_probability * (ill.chronic_multiplier if self.chronic else 1.0)
        risk *= ill.elderly_multiplier if self.elderly > 0 else 1.0
        p_step = 1.0 - (1.0 - min(risk, 1.0)) ** (1.0 / spy)
        if self.ill_steps == 0 and shocks.illness[i] < p_step:
            duration = m.duration
            mu = math.log(max(ill.oop_cost_mean, 1e-9)) - ill.oop_cost_sd**2 / 2
            cost = math.exp(mu + ill.oop_cost_sd * ndtri(shocks.illness_cost[i]))
            covered = ill.insured_reimbursement * self.medical_ok + self.extra_reimbursement
            paid = cost * (1.0 - min(covered, 1.0))
            self.ill_cost = paid / self.size / duration
            self.ill_steps = duration
            if not self.chronic and shocks.chronic_onset[i] < ill.chronic_onset:
                self.chronic = True
                keep = 1.0 - sc.population.chronic_income_loss
                self.farm_base *= keep
                self.wage_base *= keep
        ill_now = self.ill_steps > 0

        trend = v.trend[self.village]
        level = math.exp(self.level + self.transitory + v.level[self.village] + trend)
        protected = 1.0 - min(self.illness_protection, 1.0)
        working = 1.0 - ill.lost_income_share * protected if ill_now else 1.0
        price = math.exp(v.market[self.village])
        farm = (self.farm_base * level * working + self.support_farm * working) * price / spy
        premium = math.exp(v.wage_trend[self.village] - trend)
        wages = (self.wage_base * level * premium + self.support_wage) * working / spy
        transfers = (self.transfer_base * math.exp(trend) + self.support_transfer) / spy
        prop = self.property_base * level / spy
        medical = self.ill_cost if ill_now else 0.0
        net = farm + wages + transfers + prop - medical
        if m.hit[self.village]:
            loss = dis.farm_loss * shocks.disaster_severity[self.village] * farm * spy
            self.loss_year += loss
            net -= loss
            if (
                self.housing_grade < SAFE_HOUSING_GRADES
                and shocks.housing_damage[i] < dis.housing_damage
            ):
                self.housing_grade = SAFE_HOUSING_GRADES
        self.farm_year += farm
        self.wage_year += wages
        self.transfer_year += transfers
        self.property_year += prop
        self.medical_year += medical
        self.hungry_steps += net * spy < sc.guarantees.food_floor * m.line
        if ill_now:
            self.ill_steps -= 1


class ReferenceModel(mesa.Model):
    """The same population and shocks as :class:`povsim.PovertyModel`, stepped per agent."""

    def __init__(self, scenario: Scenario, seed: int, support: dict | None = None):
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.model)
        self.scenario_spec = scenario
        h, self.villages = build_population(scenario, self.streams.population)
        for name, values in (support or {}).items():
            setattr(h, name, values)
        self.rho, self.sd = ar_coefficients(
            scenario.income.transitory_persistence,
            scenario.income.transitory_sd,
            scenario.steps_per_year,
        )
        self.duration = illness_duration_steps(scenario)
        self.line = scenario.line(scenario.start_year)
        for index in range(h.n):
            ReferenceHousehold(self, index, **{f: getattr(h, f)[index].item() for f in ROW_FIELDS})

    def step(self) -> None:
        self.shocks = draw_shocks(self.streams, len(self.agents), self.villages.n)
        self.hit = advance_villages(self.villages, self.scenario_spec, self.shocks)
        self.agents.shuffle_do("step")
