"""Household state: the model-owned arrays that the :class:`~povsim.sim.agents.Household`
agents view, one row each.

Money is yuan per person per year unless a name says otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from povsim.config.vocabulary import SAFE_HOUSING_GRADES, Cause
from povsim.sim.state import ArrayColumn, ArrayState

__all__ = ["PANEL_COLUMNS", "YEAR_FLOWS", "HouseholdState"]

YEAR_FLOWS = (
    "farm_year",
    "wage_year",
    "transfer_year",
    "property_year",
    "medical_year",
    "loss_year",
    "forgone_year",
)
"""Money flows totalled over a year, yuan per person: net income is the first four less the
medical costs and losses; the wages forgone are no income, what a counterfactual adds back."""


class HouseholdState(ArrayState):
    """Every household's state, one row per household, owned by the model."""

    # who lives there
    weight = ArrayColumn(
        np.float64, "real households this agent stands for (1 in a full population)", default=1.0
    )
    village = ArrayColumn(np.int32, "index of the household's village")
    size = ArrayColumn(np.int16, "members")
    labour = ArrayColumn(np.int16, "working-age members able to work")
    elderly = ArrayColumn(np.int16, "members aged 60 or more")
    pupils = ArrayColumn(np.int16, "children in school")
    school_years_left = ArrayColumn(
        np.int8, "years until the eldest of the pupils drawn at the start leaves school"
    )
    young = ArrayColumn(np.int16, "children not yet in school")
    school_entry_years = ArrayColumn(np.int8, "years until the eldest young child starts school")
    entrants = ArrayColumn(np.int16, "pupils who started school in the run (among pupils)")
    entrant_years_left = ArrayColumn(
        np.int8, "years until the eldest pupil who started school in the run leaves it"
    )
    left_school_year = ArrayColumn(np.int16, "year a pupil last left school (0 never)")
    chronic = ArrayColumn(np.bool_, "a member is chronically ill")
    disabled = ArrayColumn(np.bool_, "a member is disabled")
    severe = ArrayColumn(
        np.bool_, "a member is severely disabled or seriously ill (重度残疾人, 重病患者)"
    )
    education = ArrayColumn(np.int8, "workers' education: 0 primary or less .. 3 tertiary")
    housing_grade = ArrayColumn(np.int8, "house safety: 0 A, 1 B, 2 C, 3 D (C, D dangerous)")
    land = ArrayColumn(np.float64, "farmland, mu per person")
    # income process; bases are yuan per person per year at start-up prices
    farm_base = ArrayColumn(np.float64, "farm and business income before household level")
    wage_base = ArrayColumn(np.float64, "wage income before household level")
    transfer_base = ArrayColumn(np.float64, "transfers (pensions, subsidies)")
    property_base = ArrayColumn(np.float64, "property income before household level")
    level = ArrayColumn(np.float64, "persistent log income level")
    transitory = ArrayColumn(np.float64, "transitory log income (AR(1))")
    ill_steps = ArrayColumn(np.int16, "steps of the current illness left")
    ill_cost = ArrayColumn(np.float64, "out-of-pocket cost per step while ill, yuan per person")
    # support programs' effects this year, set at the start of the year
    support_farm = ArrayColumn(np.float64, "program farm income, yuan/person/year")
    support_wage = ArrayColumn(np.float64, "program wage income earned at home, yuan/person/year")
    support_remitted = ArrayColumn(
        np.float64,
        "program wages of members working away, sent home, yuan/person/year (an illness at "
        "home does not cut them)",
    )
    support_transfer = ArrayColumn(np.float64, "program transfers, yuan/person/year")
    labour_away = ArrayColumn(np.int16, "workers working away from home this year")
    labour_left = ArrayColumn(
        np.float64,
        "workers away beyond those the drawn incomes already had away: their wages at home stop",
    )
    away_income = ArrayColumn(
        np.float64,
        "earnings of members working away not sent home: counted by the register's income, "
        "not by the survey's, yuan/person/year",
    )
    extra_reimbursement = ArrayColumn(np.float64, "extra share of illness costs reimbursed")
    illness_protection = ArrayColumn(np.float64, "share of income lost while ill that is avoided")
    support_ended = ArrayColumn(
        np.int16,
        "last year of the most recent support the household lost: ended and not renewed, "
        "and not what outlasts it, as a renovated house (0 none)",
    )
    # this year's flows, yuan per person, reset at year end
    farm_year = ArrayColumn(np.float64, "farm and business income so far this year")
    wage_year = ArrayColumn(np.float64, "wages so far this year")
    transfer_year = ArrayColumn(np.float64, "transfers so far this year")
    property_year = ArrayColumn(np.float64, "property income so far this year")
    medical_year = ArrayColumn(np.float64, "out-of-pocket medical spending so far this year")
    loss_year = ArrayColumn(np.float64, "disaster losses so far this year")
    forgone_year = ArrayColumn(
        np.float64,
        "wages at home the workers programs sent away would have earned so far this year",
    )
    hungry_steps = ArrayColumn(np.int16, "steps this year with net income below the food floor")
    ill_year = ArrayColumn(np.bool_, "an illness episode began this year")
    disaster_year = ArrayColumn(np.bool_, "the village was hit by a disaster this year")
    # assessed at year end
    income = ArrayColumn(np.float64, "last assessed net income, yuan per person per year")
    food_ok = ArrayColumn(np.bool_, "food and clothing secure last year")
    schooling_ok = ArrayColumn(np.bool_, "compulsory schooling secured (true without pupils)")
    medical_ok = ArrayColumn(np.bool_, "basic medical insurance")
    # the register
    status = ArrayColumn(np.int8, "Status: 0 unregistered, 1 registered poor, 2 exited")
    wrongly_registered = ArrayColumn(np.bool_, "registered while not poor")
    rechecked = ArrayColumn(
        np.bool_, "looked at by the re-check (回头看) since last registered, in its years"
    )
    # The bits named: a panel's 4096 or 3 could not be read without the enum's source.
    causes = ArrayColumn(
        np.uint16,
        "Cause flags recorded at registration, summed (povsim.Cause): "
        + ", ".join(f"{int(c)} {str(c.name).lower()}" for c in Cause),
    )
    hardship = ArrayColumn(np.int8, "Hardship grade: 0 none, 1 A, 2 B, 3 C")
    registered_year = ArrayColumn(np.int16, "year last registered (0 never)")
    exit_year = ArrayColumn(np.int16, "year of last exit (0 never)")
    ever_registered = ArrayColumn(
        np.bool_,
        "on the register's books: registered now or before (exited, relapsed), not removed "
        "as registered in error",
    )
    ever_exited = ArrayColumn(np.bool_, "has exited at least once")
    relapses = ArrayColumn(np.int16, "times fallen back after exit")
    below_line_years = ArrayColumn(
        np.int8,
        "successive assessments since exit under the exit standard (the line unless "
        "exit.standard_growth carries the start's forward), or held over it by an allowance "
        "that caught the fall (relapse verification)",
    )
    above_line_years = ArrayColumn(
        np.int8,
        "successive assessments at or over the exit income (the exit standard with "
        "exit.income_margin) while registered (稳定超过)",
    )
    monitored = ArrayColumn(np.bool_, "under relapse monitoring (防止返贫监测) this year")

    @property
    def housing_ok(self) -> NDArray[np.bool_]:
        """Safe housing (grade A or B), derived from :attr:`housing_grade` so the two never
        disagree."""
        return self.housing_grade < SAFE_HOUSING_GRADES

    def guarantees_ok(self) -> NDArray[np.bool_]:
        """Two no-worries and three guarantees: food, schooling, medical care, safe housing."""
        return self.food_ok & self.three_guarantees_ok()

    def three_guarantees_ok(self) -> NDArray[np.bool_]:
        """The three guarantees (三保障): schooling, medical care and safe housing."""
        return self.schooling_ok & self.medical_ok & self.housing_ok

    def register_income(self) -> NDArray[np.float64]:
        """Last assessed income as the register counted it, yuan per person per year.

        The register's income accounting counted a member working away with all of the
        earnings (docs/register-sources.md section 12); the survey behind the incidence
        series (:attr:`income`) only what is sent or brought home.
        """
        return self.income + self.away_income

    @property
    def persons(self) -> NDArray[np.float64]:
        """Real people each agent stands for: members times weight."""
        return self.size * self.weight

    def count(self, mask: NDArray[Any] | slice) -> float:
        """Real households selected by ``mask`` (a mask, indices or a slice): their weights."""
        return float(self.weight[mask].sum())

    def people(self, mask: NDArray[Any] | slice) -> float:
        """Real people in the households selected by ``mask``."""
        return float(self.persons[mask].sum())


PANEL_COLUMNS = (
    "weight",
    "village",
    "size",
    "labour",
    "elderly",
    "pupils",
    "young",
    "chronic",
    "disabled",
    "severe",
    "education",
    "housing_grade",
    "income",
    "away_income",
    "labour_away",
    "food_ok",
    "schooling_ok",
    "medical_ok",
    "status",
    "wrongly_registered",
    "rechecked",
    "causes",
    "hardship",
    "ever_exited",
    "relapses",
)
"""Household columns written to ``households.parquet`` each year when a panel is asked for."""
