"""Household state (model-owned arrays) and the :class:`Household` agent that views one row.

Money is yuan per person per year unless a name says otherwise.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from povsim.state import ArrayState, Column

if TYPE_CHECKING:
    from povsim.model import PovertyModel
    from povsim.villages import Village

__all__ = ["SAFE_HOUSING_GRADES", "Cause", "Hardship", "Household", "HouseholdState", "Status"]

YEAR_FLOWS = (
    "farm_year",
    "wage_year",
    "transfer_year",
    "property_year",
    "medical_year",
    "loss_year",
)
"""Money flows totalled over a year, yuan per person; net income is the first four less the rest."""

SAFE_HOUSING_GRADES = 2
"""Grades below this (A = 0, B = 1) are safe; C = 2 and D = 3 are dangerous houses."""


class Status(IntEnum):
    """Where a household stands in the register (建档立卡)."""

    UNREGISTERED = 0
    REGISTERED = 1
    EXITED = 2


class Hardship(IntEnum):
    """Hardship grade given at registration (seed 004: A, B, C; A is the hardest)."""

    NONE = 0
    A = 1
    B = 2
    C = 3


class Cause(IntFlag):
    """Causes of poverty as the national register records them (a household may have several)."""

    ILLNESS = 1 << 0
    DISABILITY = 1 << 1
    SCHOOLING = 1 << 2
    DISASTER = 1 << 3
    MARRIAGE = 1 << 4
    LAND = 1 << 5
    WATER = 1 << 6
    SKILLS = 1 << 7
    CAPITAL = 1 << 8
    LABOUR = 1 << 9
    TRANSPORT = 1 << 10
    MOTIVATION = 1 << 11
    OTHER = 1 << 12


class HouseholdState(ArrayState):
    """Every household's state, one row per household, owned by the model."""

    COLUMNS: ClassVar[dict[str, tuple[str, str]]] = {
        # who lives there
        "weight": ("float64", "real households this agent stands for (1 in a full population)"),
        "village": ("int32", "index of the household's village"),
        "size": ("int16", "members"),
        "labour": ("int16", "working-age members able to work"),
        "elderly": ("int16", "members aged 60 or more"),
        "pupils": ("int16", "children in school"),
        "chronic": ("bool", "a member is chronically ill"),
        "disabled": ("bool", "a member is disabled"),
        "education": ("int8", "workers' education: 0 primary or less .. 3 tertiary"),
        "housing_grade": ("int8", "house safety: 0 A, 1 B, 2 C, 3 D (C, D dangerous)"),
        "land": ("float64", "farmland, mu per person"),
        # income process; bases are yuan per person per year at start-up prices
        "farm_base": ("float64", "farm and business income before household level"),
        "wage_base": ("float64", "wage income before household level"),
        "transfer_base": ("float64", "transfers (pensions, subsidies)"),
        "property_base": ("float64", "property income before household level"),
        "level": ("float64", "persistent log income level"),
        "transitory": ("float64", "transitory log income (AR(1))"),
        "ill_steps": ("int16", "steps of the current illness left"),
        "ill_cost": ("float64", "out-of-pocket cost per step while ill, yuan per person"),
        # support programs' effects this year, set at the start of the year
        "support_farm": ("float64", "program farm income, yuan/person/year"),
        "support_wage": ("float64", "program wage income, yuan/person/year"),
        "support_transfer": ("float64", "program transfers, yuan/person/year"),
        "extra_reimbursement": ("float64", "extra share of illness costs reimbursed"),
        "illness_protection": ("float64", "share of income lost while ill that is avoided"),
        "support_ended": ("int16", "last year of the most recent support that ended (0 none)"),
        # this year's flows, yuan per person, reset at year end
        "farm_year": ("float64", "farm and business income so far this year"),
        "wage_year": ("float64", "wages so far this year"),
        "transfer_year": ("float64", "transfers so far this year"),
        "property_year": ("float64", "property income so far this year"),
        "medical_year": ("float64", "out-of-pocket medical spending so far this year"),
        "loss_year": ("float64", "disaster losses so far this year"),
        "hungry_steps": ("int16", "steps this year with net income below the food floor"),
        "ill_year": ("bool", "an illness episode began this year"),
        "disaster_year": ("bool", "the village was hit by a disaster this year"),
        # assessed at year end
        "income": ("float64", "last assessed net income, yuan per person per year"),
        "food_ok": ("bool", "food and clothing secure last year"),
        "schooling_ok": ("bool", "compulsory schooling secured (true without pupils)"),
        "medical_ok": ("bool", "basic medical insurance"),
        # the register
        "status": ("int8", "Status: 0 unregistered, 1 registered poor, 2 exited"),
        "wrongly_registered": ("bool", "registered while not poor"),
        "causes": ("uint16", "Cause flags recorded at registration"),
        "hardship": ("int8", "Hardship grade: 0 none, 1 A, 2 B, 3 C"),
        "registered_year": ("int16", "year last registered (0 never)"),
        "exit_year": ("int16", "year of last exit (0 never)"),
        "ever_registered": ("bool", "has been on the register"),
        "ever_exited": ("bool", "has exited at least once"),
        "relapses": ("int16", "times fallen back after exit"),
    }
    DEFAULTS: ClassVar[dict[str, float]] = {"weight": 1.0}

    @property
    def housing_ok(self) -> np.ndarray:
        return self.housing_grade < SAFE_HOUSING_GRADES

    def guarantees_ok(self) -> np.ndarray:
        """Two no-worries and three guarantees: food, schooling, medical care, safe housing."""
        return self.food_ok & self.schooling_ok & self.medical_ok & self.housing_ok

    @property
    def persons(self) -> np.ndarray:
        """Real people each agent stands for: members times weight."""
        return self.size * self.weight

    def count(self, mask: np.ndarray) -> float:
        """Real households selected by ``mask`` (the sum of their weights)."""
        return float(self.weight[mask].sum())

    def people(self, mask: np.ndarray) -> float:
        """Real people in the households selected by ``mask``."""
        return float(self.persons[mask].sum())


def _h(name: str | None = None) -> Column:
    return Column("households", name)


class Household(mesa.Agent):
    """A rural household: a thin view onto row ``index`` of the model's :class:`HouseholdState`.

    Reading or writing an attribute reads or writes the model's arrays, so the
    vectorised step and per-agent code see the same household.
    """

    village_id = _h("village")
    size = _h()
    labour = _h()
    elderly = _h()
    pupils = _h()
    chronic = _h()
    disabled = _h()
    education = _h()
    housing_grade = _h()
    land = _h()
    income = _h()
    food_ok = _h()
    schooling_ok = _h()
    medical_ok = _h()
    wrongly_registered = _h()
    registered_year = _h()
    exit_year = _h()
    relapses = _h()

    def __init__(self, model: PovertyModel, index: int):
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
        """Last assessed income is below this year's poverty line."""
        return self.income < self.model.poverty_line

    @property
    def guarantees_ok(self) -> bool:
        return bool(self.model.households.guarantees_ok()[self.index])

    def __repr__(self) -> str:
        return (
            f"Household({self.index}, size={self.size}, income={self.income:.0f}, "
            f"status={self.status.name})"
        )
