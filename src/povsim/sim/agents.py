"""The Mesa agents of a county: households and villages, thin views over the model's arrays.

Each agent reads and writes one row of the arrays the model owns
(:class:`~povsim.sim.households.HouseholdState`, :class:`~povsim.sim.villages.VillageState`),
so the vectorised step and code that looks at one household see the same state. Support
programs are agents too (:mod:`povsim.sim.programs`). :class:`County` is the model as its
agents see it; :class:`~povsim.sim.model.PovertyModel` is the county model that runs.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Cause, Hardship, Status
from povsim.sim.context import ProgramContext
from povsim.sim.households import HouseholdState
from povsim.sim.state import RowView
from povsim.sim.streams import Streams
from povsim.sim.villages import VillageState

__all__ = ["County", "Household", "Village"]


class County(mesa.Model):
    """What the agents read of the model that owns them: its arrays, the year, its random
    streams, the scenario and the other agents. Declared here, below the agents and the
    programs, so that they name the model without importing it.

    Attributes:
        households: every household's state.
        villages: every village's state.
        context: what support programs see of the county.
        village_agents: one agent per row of :attr:`villages`.
        programs: the support programs, in the scenario's order.
        year: the year being simulated.
        streams: the run's random streams.
    """

    households: HouseholdState
    villages: VillageState
    context: ProgramContext
    village_agents: list[Village]
    programs: list[Any]  # povsim.sim.programs.Program, which imports this module
    year: int
    streams: Streams
    _config: Scenario

    @property
    def config(self) -> Scenario:
        """The scenario being run."""
        return self._config

    @config.setter
    def config(self, scenario: Scenario) -> None:
        # Programs see the scenario through the context: keep the two together.
        self._config = scenario
        self.context = ProgramContext(self.households, self.villages, scenario)

    @property
    def poverty_line(self) -> float:
        """This year's poverty line, yuan per person per year."""
        return self.config.line(min(self.year, self.config.end_year))

    @property
    def assessed_line(self) -> float:
        """The poverty line of the year households' incomes were last assessed (the start
        year before the first year end), yuan per person per year."""
        c = self.config
        return c.line(min(max(self.year - 1, c.start_year), c.end_year))


class Household(mesa.Agent):
    """A rural household: a thin view onto row ``index`` of the model's :class:`HouseholdState`.

    Reading or writing an attribute reads or writes the model's arrays, so the
    vectorised step and per-agent code see the same household.
    """

    village_id: RowView[int] = RowView("households", "village")
    size: RowView[int] = RowView("households")
    labour: RowView[int] = RowView("households")
    elderly: RowView[int] = RowView("households")
    pupils: RowView[int] = RowView("households")
    young: RowView[int] = RowView("households")
    chronic: RowView[bool] = RowView("households")
    disabled: RowView[bool] = RowView("households")
    education: RowView[int] = RowView("households")
    housing_grade: RowView[int] = RowView("households")
    land: RowView[float] = RowView("households")
    income: RowView[float] = RowView("households")
    food_ok: RowView[bool] = RowView("households")
    schooling_ok: RowView[bool] = RowView("households")
    medical_ok: RowView[bool] = RowView("households")
    wrongly_registered: RowView[bool] = RowView("households")
    rechecked: RowView[bool] = RowView("households")
    registered_year: RowView[int] = RowView("households")
    exit_year: RowView[int] = RowView("households")
    relapses: RowView[int] = RowView("households")

    def __init__(self, model: County, index: int):
        super().__init__(model)
        self.index = index

    @property
    def status(self) -> Status:
        return Status(self.model.households.status[self.index])

    @property
    def hardship(self) -> Hardship:
        return Hardship(self.model.households.hardship[self.index])

    @property
    def causes(self) -> Cause:
        return Cause(int(self.model.households.causes[self.index]))

    @property
    def village(self) -> Village:
        return self.model.village_agents[self.village_id]

    @property
    def poor(self) -> bool:
        """Last assessed income is below the line of the year it was assessed in: after a
        year end the model's year is already the next, whose line is higher."""
        return self.income < self.model.assessed_line

    @property
    def guarantees_ok(self) -> bool:
        return bool(self.model.households.guarantees_ok()[self.index])

    def __repr__(self) -> str:
        return (
            f"Household({self.index}, size={self.size}, income={self.income:.0f}, "
            f"status={self.status.name})"
        )


class Village(mesa.Agent):
    """An administrative village: a thin view onto row ``index`` of :class:`VillageState`."""

    remoteness: RowView[float] = RowView("villages")
    fragile: RowView[bool] = RowView("villages")
    infrastructure: RowView[float] = RowView("villages")
    growth: RowView[float] = RowView("villages")
    poor_village: RowView[bool] = RowView("villages")
    work_team: RowView[bool] = RowView("villages")
    resettlement: RowView[bool] = RowView("villages")
    exited: RowView[bool] = RowView("villages")
    exit_year: RowView[int] = RowView("villages")
    incidence: RowView[float] = RowView("villages")
    registered_incidence: RowView[float] = RowView("villages")

    def __init__(self, model: County, index: int):
        super().__init__(model)
        self.index = index

    @property
    def household_indices(self) -> NDArray[np.intp]:
        """Rows of the model's household arrays that live here."""
        return np.flatnonzero(self.model.households.village == self.index)

    @property
    def people(self) -> float:
        """Real people living here (agents count their weight)."""
        return self.model.households.people(self.model.households.village == self.index)

    def __repr__(self) -> str:
        return f"Village({self.index}, incidence={self.incidence:.3f}, poor={self.poor_village})"
