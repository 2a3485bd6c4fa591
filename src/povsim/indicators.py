"""Annual indicators computed from the model's arrays (never per agent).

Incomes are per-capita net incomes, yuan per person per year; means, medians and
percentiles are weighted by people, as per-capita income statistics are.
"""

from __future__ import annotations

import numpy as np

from povsim.assessment import Transitions
from povsim.households import Cause, HouseholdState, Status
from povsim.villages import VillageState

__all__ = ["INDICATORS", "annual_indicators", "weighted_quantiles"]

INDICATORS: dict[str, str] = {
    "year": "calendar year; every other column is measured at its end",
    "poverty_line": "poverty line, yuan/person/year",
    "population_households": "households (constant: none are created or lost)",
    "population_people": "people",
    "poor_households": "households with income below the line, registered or not",
    "poor_people": "people in those households",
    "incidence": "poor_people / population_people",
    "registered_households_start": "registered (not exited) households at the start of the year",
    "exits_households": "registered households that exited this year",
    "exits_people": "people in them",
    "relapses_households": "exited households that fell back onto the register this year",
    "relapses_people": "people in them",
    "new_entrants_households": "households newly registered by the annual review",
    "new_entrants_people": "people in them",
    "removed_households": "wrongly registered households taken off the register",
    "removed_people": "people in them",
    "exited_households_start": "households in the exited state at the start of the year",
    "relapse_rate": "relapses_households / exited_households_start",
    "registered_households": "registered households at year end = start - exits + relapses "
    "+ new entrants - removed",
    "registered_people": "people in them",
    "registered_incidence": "registered_people / population_people (the administrative rate)",
    "exited_households": "households in the exited state at year end",
    "ever_registered_households": "households that have been on the register",
    "ever_exited_households": "households that have exited at least once",
    "ever_relapsed_households": "households that have relapsed at least once",
    "cumulative_exit_share": "ever_exited_households / ever_registered_households",
    "cumulative_relapse_share": "ever_relapsed_households / ever_exited_households",
    "relapses_illness": "relapsed households with an illness episode this year",
    "relapses_disaster": "relapsed households whose village had a disaster this year",
    "relapses_market": "relapsed farming households whose village had a bad price year",
    "relapses_support_ended": "relapsed households whose support ended this or last year",
    "relapses_guarantee": "relapsed households above the line that lost a guarantee",
    "relapses_other": "relapsed households with none of the causes above",
    "missed_poor_households": "poor households not on the register (exclusion error)",
    "wrongly_registered_households": "registered households that were not poor when "
    "registered (inclusion error)",
    "mean_income_registered": "mean income of registered people, yuan/person/year",
    "median_income_registered": "median income of registered people, yuan/person/year",
    "mean_income": "mean income of everybody, yuan/person/year",
    "income_p05": "5th percentile of income, yuan/person/year",
    "income_p25": "25th percentile of income, yuan/person/year",
    "income_p50": "median income, yuan/person/year",
    "income_p75": "75th percentile of income, yuan/person/year",
    "income_p95": "95th percentile of income, yuan/person/year",
    "registered_food_gap": "registered households without food and clothing security",
    "registered_schooling_gap": "registered households whose schooling is not secured",
    "registered_medical_gap": "registered households without medical insurance",
    "registered_housing_gap": "registered households in dangerous (C, D) houses",
    "registered_illness_share": "share of registered households with illness among causes",
    "ill_households": "households with an illness episode this year",
    "disaster_households": "households whose village was hit by a disaster this year",
    "spending_yuan": "money spent by all support programs this year, yuan",
    "supported_households": "households any program supported this year",
    "work_team_villages": "villages with a resident work team",
    "poor_villages": "designated poor villages",
    "villages_exited": "poor villages that have exited by year end",
    "county_exited": "the county's registered incidence has fallen below its threshold",
}

_PERCENTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else 0.0


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of ``values`` where each value counts ``weights`` times (NaN when empty)."""
    qs = np.asarray(qs, dtype=float)
    if values.size == 0 or weights.sum() <= 0:
        return np.full(qs.shape, np.nan)
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order], dtype=np.float64)
    positions = np.searchsorted(cumulative, qs * cumulative[-1], side="left")
    return values[order][np.minimum(positions, values.size - 1)]


def annual_indicators(
    h: HouseholdState,
    v: VillageState,
    year: int,
    line: float,
    t: Transitions,
    county_exited: bool,
    spending: float = 0.0,
    supported: int = 0,
) -> dict[str, float | int | bool]:
    """One row of :data:`INDICATORS` for the year just assessed."""
    size = h.size.astype(np.float64)
    people = size.sum()
    poor = h.income < line
    registered = h.status == Status.REGISTERED
    reg_income, reg_size = h.income[registered], size[registered]

    row: dict[str, float | int | bool] = {
        "year": year,
        "poverty_line": line,
        "population_households": h.n,
        "population_people": int(people),
        "poor_households": int(poor.sum()),
        "poor_people": h.people(poor),
        "incidence": h.people(poor) / people if people else 0.0,
        "registered_households_start": int(t.registered_start.sum()),
    }
    for name, mask in (
        ("exits", t.exited),
        ("relapses", t.relapsed),
        ("new_entrants", t.entered),
        ("removed", t.removed),
        ("registered", registered),
    ):
        row[f"{name}_households"] = int(mask.sum())
        row[f"{name}_people"] = h.people(mask)
    row["registered_incidence"] = row["registered_people"] / people if people else 0.0
    row["exited_households_start"] = int(t.exited_start.sum())
    row["relapse_rate"] = _ratio(row["relapses_households"], row["exited_households_start"])
    row["exited_households"] = int((h.status == Status.EXITED).sum())
    row["ever_registered_households"] = int(h.ever_registered.sum())
    row["ever_exited_households"] = int(h.ever_exited.sum())
    row["ever_relapsed_households"] = int((h.relapses > 0).sum())
    row["cumulative_exit_share"] = _ratio(
        row["ever_exited_households"], row["ever_registered_households"]
    )
    row["cumulative_relapse_share"] = _ratio(
        row["ever_relapsed_households"], row["ever_exited_households"]
    )
    for cause, mask in t.relapse_causes.items():
        row[f"relapses_{cause}"] = int(mask.sum())
    row["missed_poor_households"] = int((poor & (h.status == Status.UNREGISTERED)).sum())
    row["wrongly_registered_households"] = int((registered & h.wrongly_registered).sum())
    row["mean_income_registered"] = (
        float(np.average(reg_income, weights=reg_size)) if reg_size.sum() else np.nan
    )
    row["median_income_registered"] = float(weighted_quantiles(reg_income, reg_size, [0.5])[0])
    row["mean_income"] = float(np.average(h.income, weights=size)) if people else np.nan
    for q, value in zip(
        _PERCENTILES, weighted_quantiles(h.income, size, _PERCENTILES), strict=True
    ):
        row[f"income_p{round(q * 100):02d}"] = float(value)
    row["registered_food_gap"] = int((registered & ~h.food_ok).sum())
    row["registered_schooling_gap"] = int((registered & ~h.schooling_ok).sum())
    row["registered_medical_gap"] = int((registered & ~h.medical_ok).sum())
    row["registered_housing_gap"] = int((registered & ~h.housing_ok).sum())
    n_registered = int(registered.sum())
    row["registered_illness_share"] = (
        float(((h.causes[registered] & Cause.ILLNESS) > 0).sum() / n_registered)
        if n_registered
        else 0.0
    )
    row["ill_households"] = int(t.ill.sum())
    row["disaster_households"] = int(t.hit_by_disaster.sum())
    row["spending_yuan"] = float(spending)
    row["supported_households"] = int(supported)
    row["work_team_villages"] = int(v.work_team.sum())
    row["poor_villages"] = int(v.poor_village.sum())
    row["villages_exited"] = int(v.exited.sum())
    row["county_exited"] = bool(county_exited)
    return row
