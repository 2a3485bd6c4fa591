"""The :class:`PovertyModel`: households and villages as Mesa agents over NumPy state."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import mesa
import numpy as np
import pandas as pd

from povsim.assessment import (
    close_year,
    designate_poor_villages,
    register_initial,
    update_villages,
)
from povsim.households import Household, HouseholdState, Status
from povsim.income import draw_shocks, step_income
from povsim.indicators import INDICATORS, annual_indicators
from povsim.population import build_population
from povsim.programs import SupportProgram, channel_totals, program_class
from povsim.scenario import Scenario
from povsim.streams import Streams
from povsim.villages import Village, VillageState

__all__ = ["NO_PATHWAY", "PANEL_COLUMNS", "PATHWAY_COLUMNS", "SPENDING_COLUMNS", "PovertyModel"]

NO_PATHWAY = "none"
"""The pathway of an exit no program helped: growth and the household's own effort."""

PATHWAY_COLUMNS = (
    "year",
    "program",
    "exited_households",
    "exited_people",
    "primary_households",
    "primary_people",
    "primary_share",
)
SPENDING_COLUMNS = (
    "year",
    "program",
    "unit",
    "budget_yuan",
    "spent_yuan",
    "unspent_yuan",
    "enrolled",
    "new_enrolments",
    "waiting",
)

PANEL_COLUMNS = (
    "weight",
    "village",
    "size",
    "labour",
    "elderly",
    "pupils",
    "chronic",
    "disabled",
    "education",
    "housing_grade",
    "income",
    "food_ok",
    "schooling_ok",
    "medical_ok",
    "status",
    "wrongly_registered",
    "causes",
    "hardship",
    "ever_exited",
    "relapses",
)
"""Household columns written to ``households.parquet`` each year when a panel is asked for."""


def _report(name: str, model: PovertyModel):
    return model.year_indicators[name]


class PovertyModel(mesa.Model):
    """Targeted poverty alleviation in one county, stepped ``steps_per_year`` times a year.

    Household and village state live in NumPy arrays owned by the model
    (:attr:`households`, :attr:`villages`); :class:`Household` and :class:`Village`
    agents are views onto their rows. A step is vectorised over all households; the
    last step of each year runs the assessment and collects one row of indicators.

    Args:
        scenario: the validated scenario.
        seed: an integer or a ``SeedSequence``; defaults to ``scenario.seed``.
        population: household and village state to start from instead of drawing
            one (for hand-built test cases); it is used as given, not copied.
        panel: keep one row per household per year for ``households.parquet``.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        *,
        population: tuple[HouseholdState, VillageState] | None = None,
        panel: bool = False,
    ):
        self.seed_value = scenario.seed if seed is None else seed
        self.streams = Streams(self.seed_value)
        super().__init__(rng=self.streams.model)
        self.config = scenario
        self.year = scenario.start_year
        self.step_in_year = 0
        self.county_exit_year: int | None = None

        self.households, self.villages = population or build_population(
            scenario, self.streams.population
        )
        h, v = self.households, self.villages
        if len(h) and (h.village.max() >= len(v) or h.village.min() < 0):
            raise ValueError("a household's village index is out of range")

        self.village_agents = [Village(self, i) for i in range(len(v))]
        self.household_agents = [Household(self, i) for i in range(len(h))]

        start_line = scenario.line(scenario.start_year)
        designate_poor_villages(h, v, scenario, start_line)
        register_initial(h, v, scenario, self.streams)
        self.programs: list[SupportProgram] = [
            program_class(config.kind)(self, name, config)
            for name, config in scenario.programs.items()
        ]
        self._pathways: list[dict] = []
        self.year_indicators: dict = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_report, name) for name in INDICATORS}
        )
        self._panel: list[pd.DataFrame] | None = [] if panel else None
        self.step_listeners: list[Callable[[PovertyModel], None]] = []

    @property
    def poverty_line(self) -> float:
        """This year's poverty line, yuan per person per year."""
        return self.config.line(min(self.year, self.config.end_year))

    @property
    def total_steps(self) -> int:
        return len(self.config.years) * self.config.steps_per_year

    def step(self) -> None:
        """One step of every household's income; the year's last step also assesses."""
        h, v = self.households, self.villages
        if self.step_in_year == 0:
            self._begin_year()
        step_income(h, v, self.config, self.year, draw_shocks(self.streams, len(h), len(v)))
        self.step_in_year += 1
        if self.step_in_year == self.config.steps_per_year:
            self._close_year()
        for listener in self.step_listeners:
            listener(self)

    def _begin_year(self) -> None:
        """Villages act, then every program ends, enrols, pays and sets its effect."""
        h = self.households
        self.agents_by_type[Village].do("begin_year", self.year)
        h.extra_reimbursement[:] = 0.0
        h.illness_protection[:] = 0.0
        for program in self.programs:
            program.begin_year(self.year)
        totals = channel_totals(self.programs, h.n)
        h.support_farm, h.support_wage, h.support_transfer = (
            totals["farm"],
            totals["wage"],
            totals["transfer"],
        )

    def _spending_this_year(self) -> tuple[float, int]:
        spent = sum(p.ledger[-1]["spent_yuan"] for p in self.programs if p.ledger)
        supported = np.zeros(self.households.n, dtype=bool)
        for program in self.programs:
            if program.unit == "household":
                supported |= program.enrolled
        return spent, self.households.count(supported)

    def _record_pathways(self, exited: np.ndarray) -> None:
        """Credit each exit to every program that helped it, and to one primary pathway.

        The primary pathway is the helping program with the largest income effect
        (ties and guarantee-only help go to the program listed first in the scenario),
        or ``none`` when no program helped.
        """
        idx = np.flatnonzero(exited)
        weight, persons = self.households.weight[idx], self.households.persons[idx]
        total = weight.sum()
        n_programs = len(self.programs)
        helped = np.zeros((n_programs, idx.size), dtype=bool)
        score = np.full((n_programs, idx.size), -np.inf)
        for k, program in enumerate(self.programs):
            helped[k] = program.helped()[idx]
            bonus = (n_programs - k) * 1e-9  # earlier in the scenario wins ties
            score[k] = np.where(helped[k], np.maximum(program.income[idx], 0.0) + bonus, -np.inf)
        primary = np.full(idx.size, n_programs)
        if n_programs:
            primary = np.where(helped.any(axis=0), score.argmax(axis=0), n_programs)
        names = [p.name for p in self.programs] + [NO_PATHWAY]
        for k, name in enumerate(names):
            credited = helped[k] if k < n_programs else ~helped.any(axis=0)
            first = primary == k
            self._pathways.append(
                {
                    "year": self.year,
                    "program": name,
                    "exited_households": float(weight[credited].sum()),
                    "exited_people": float(persons[credited].sum()),
                    "primary_households": float(weight[first].sum()),
                    "primary_people": float(persons[first].sum()),
                    "primary_share": float(weight[first].sum() / total) if total else 0.0,
                }
            )

    def _close_year(self) -> None:
        h, v, scenario = self.households, self.villages, self.config
        line = scenario.line(self.year)
        transitions = close_year(h, v, scenario, self.year, self.streams, self.programs)
        self._record_pathways(transitions.exited)
        spent, supported = self._spending_this_year()
        update_villages(h, v, scenario, self.year)
        people = h.people(slice(None))
        registered_share = h.people(h.status == Status.REGISTERED) / people if people else 0.0
        if self.county_exit_year is None and registered_share < scenario.exit.county_threshold:
            self.county_exit_year = self.year
        self.year_indicators = annual_indicators(
            h, v, self.year, line, transitions, self.county_exit_year is not None, spent, supported
        )
        self.datacollector.collect(self)
        if self._panel is not None:
            frame = h.frame(PANEL_COLUMNS)
            frame.insert(0, "household", np.arange(len(h), dtype=np.int32))
            frame.insert(0, "year", np.int16(self.year))
            self._panel.append(frame)
        self.year += 1
        self.step_in_year = 0
        if self.year > scenario.end_year:
            self.running = False

    def run(self) -> PovertyModel:
        """Step until the last simulated year has been assessed."""
        while self.running:
            self.step()
        return self

    def indicators(self) -> pd.DataFrame:
        """One row per assessed year (see :data:`povsim.indicators.INDICATORS`)."""
        if not self.datacollector.model_vars.get("year"):
            return pd.DataFrame({name: [] for name in INDICATORS})
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def pathways(self) -> pd.DataFrame:
        """Exits credited to each program (several may share one) and primary pathways."""
        return pd.DataFrame(self._pathways, columns=list(PATHWAY_COLUMNS))

    def spending(self) -> pd.DataFrame:
        """Per year and program: budget, money spent, unspent, enrolments, waiting list."""
        rows = [row for program in self.programs for row in program.ledger]
        frame = pd.DataFrame(rows, columns=list(SPENDING_COLUMNS))
        return frame.sort_values(["year"], kind="stable").reset_index(drop=True)

    def panel(self) -> pd.DataFrame | None:
        """One row per household per assessed year, if the model was built with ``panel=True``."""
        return pd.concat(self._panel, ignore_index=True) if self._panel else None
