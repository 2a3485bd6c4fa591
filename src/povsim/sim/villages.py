"""Villages: their state (model-owned arrays), the :class:`Village` agent that views one row,
and the village rules: designation as a poor village and exit from the list (贫困村出列)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from povsim.config import Scenario
from povsim.config.vocabulary import Status
from povsim.sim.state import ArrayColumn, ArrayState, RowView

if TYPE_CHECKING:
    from povsim.sim.households import HouseholdState
    from povsim.sim.model import PovertyModel

__all__ = [
    "Village",
    "VillageState",
    "as_real_villages",
    "designate_poor_villages",
    "update_villages",
    "village_people",
    "village_share",
    "village_thresholds",
]


class VillageState(ArrayState):
    """Every village's state, one row per village, owned by the model."""

    weight = ArrayColumn(
        np.float64, "real villages this village stands for (1 in a full population)", default=1.0
    )
    remoteness = ArrayColumn(np.float64, "0 near town .. 1 remote mountains")
    fragile = ArrayColumn(np.bool_, "ecologically fragile ('the land cannot feed its people')")
    infrastructure = ArrayColumn(np.float64, "roads, water, power: 0 none .. 1 complete")
    level = ArrayColumn(np.float64, "persistent log income level of the village")
    growth = ArrayColumn(np.float64, "trend growth of earned income but wages, 1/year")
    trend = ArrayColumn(np.float64, "cumulative log growth since the start")
    wage_trend = ArrayColumn(
        np.float64, "cumulative log growth of wages (trend plus income.wage_premium)"
    )
    market = ArrayColumn(np.float64, "log farm price index (AR(1))")
    price_year = ArrayColumn(np.float64, "mean farm price factor so far this year")
    resettlement = ArrayColumn(np.bool_, "the resettlement village relocated households move to")
    west = ArrayColumn(np.bool_, "in a western province (exit.village_threshold_west)")
    poor_village = ArrayColumn(np.bool_, "designated poor village")
    work_team = ArrayColumn(np.bool_, "a resident work team and first secretary are stationed here")
    exited = ArrayColumn(np.bool_, "poor village that has exited (摘帽)")
    exit_year = ArrayColumn(np.int16, "year the village exited (0 not yet)")
    incidence = ArrayColumn(np.float64, "poor people / people, last year end")
    registered_incidence = ArrayColumn(np.float64, "registered poor people / people, last year end")


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

    def __init__(self, model: PovertyModel, index: int):
        super().__init__(model)
        self.index = index

    def begin_year(self, year: int) -> None:
        """A poor village gets its resident work team (驻村工作队) once they are sent."""
        settings = self.model.config.villages
        sent = settings.work_teams and year >= settings.work_teams_from
        if sent and self.poor_village and not self.work_team:
            self.work_team = True
            self.growth += settings.work_team_growth

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


def village_people(
    h: HouseholdState, v: VillageState, mask: np.ndarray | None = None
) -> np.ndarray:
    """Real people per village, counting only households in ``mask`` when given."""
    weights = h.persons if mask is None else h.persons * mask
    return np.bincount(h.village, weights=weights, minlength=v.n)


def village_share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part`` over ``whole`` village by village; 0 in a village without people."""
    return np.divide(part, whole, out=np.zeros(len(whole)), where=whole > 0)


def designate_poor_villages(
    h: HouseholdState, v: VillageState, scenario: Scenario, line: float
) -> None:
    """Flag villages whose incidence is at least ``designation_multiple`` times the
    province's (``designation_incidence``; the county's own where it is ``"county"``).

    The 2014 rule (一高一低一无) compared a village with its province: within a county run
    alone the county stands in, but in a county-resolved run a poor county's villages
    measured against its own high rate were seldom designated, a rich county's often.
    """
    people = village_people(h, v)
    poor = village_people(h, v, h.income < line)
    reference = scenario.villages.designation_incidence
    if reference == "county":
        reference = poor.sum() / people.sum() if people.sum() else 0.0
    incidence = as_real_villages(h, v, village_share(poor, people))
    v.poor_village = (incidence > 0) & (
        incidence >= scenario.villages.designation_multiple * reference
    )


def as_real_villages(
    h: HouseholdState, v: VillageState, incidence: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Village incidences scattered as much as the real villages' would be.

    A sample village stands for ``v.weight`` real villages of many households each, but
    its incidence is counted on its few agents, so it scatters more, and a rule on it
    (double the province's rate) picked more villages the smaller the sample: at the
    multiple of 1.52 the national profile designated 158,000 villages at 50,000 agents,
    120,000 at 200,000 and 105,000 at 400,000 (now 97,000, 91,000 and 94,000).

    What the village's drawn level and remoteness predict (a weighted regression) is kept
    whole; the rest is scaled so that its spread across villages is what villages of the
    real size would show (variance matching, as small-area estimates pool a direct and a
    regression estimate). The villages' own spread is the method of moments' (the rest's
    variance less the agents' mean counting variance); the counting variance is binomial
    at the predicted incidence over the village's effective number of households
    (persons-weighted, Kish), and a real village's is that over its real households. A
    full population (one agent a real household) is left as it is.
    """
    persons = h.size.astype(np.float64)
    sum_p = np.bincount(h.village, weights=persons, minlength=v.n)
    sum_p2 = np.bincount(h.village, weights=persons**2, minlength=v.n)
    agents = np.bincount(h.village, minlength=v.n)
    real = np.bincount(h.village, weights=h.weight, minlength=v.n)
    lived = agents > 0
    if not lived.any():
        return incidence
    weights = v.weight[lived]
    # Real households a sample household stands for in its village, per real village.
    per_agent = real[lived] / agents[lived] / weights
    if np.allclose(per_agent, 1.0):
        return incidence
    seen = incidence[lived]
    mean = np.average(seen, weights=weights)
    binomial = mean * (1.0 - mean)
    if binomial <= 0.0:
        return incidence
    # What the village's drawn level and remoteness predict is no counting noise: only the
    # rest is matched (as small-area estimates pool a direct and a regression estimate).
    known = np.column_stack([np.ones(lived.sum()), v.level[lived], v.remoteness[lived]])
    if len(seen) <= known.shape[1]:
        known = known[:, :1]
    root = np.sqrt(weights)
    coef = np.linalg.lstsq(known * root[:, None], seen * root, rcond=None)[0]
    predicted = known @ coef
    rest = seen - predicted
    likely = np.clip(predicted, 0.5 / agents[lived], 1.0 - 0.5 / agents[lived])
    counted = likely * (1.0 - likely) * sum_p2[lived] / sum_p[lived] ** 2
    spread = np.average(rest**2, weights=weights) * len(seen) / max(len(seen) - known.shape[1], 1)
    own = max(spread - np.average(counted, weights=weights), 0.0)
    scale = np.sqrt((own + counted / per_agent) / (own + counted))
    out = incidence.copy()
    out[lived] = np.clip(predicted + scale * rest, 0.0, 1.0)
    return out


def village_thresholds(v: VillageState, scenario: Scenario) -> NDArray[np.float64]:
    """Each village's exit threshold: registered incidence under 2%, under 3% in the western
    provinces (中办发〔2016〕16号, 关于建立贫困退出机制的意见: 贫困村退出以贫困发生率为主要衡量标准,
    原则上降至2%以下(西部地区降至3%以下); domain.md, exit rules)."""
    rules = scenario.exit
    west = (
        rules.village_threshold
        if rules.village_threshold_west is None
        else rules.village_threshold_west
    )
    return np.where(v.west, west, rules.village_threshold)


def update_villages(h: HouseholdState, v: VillageState, scenario: Scenario, year: int) -> None:
    """Recompute village incidences and let poor villages below the threshold exit."""
    line = scenario.line(year)
    people = village_people(h, v)
    v.incidence = village_share(village_people(h, v, h.income < line), people)
    v.registered_incidence = village_share(
        village_people(h, v, h.status == Status.REGISTERED), people
    )
    exits = v.poor_village & ~v.exited & (v.registered_incidence < village_thresholds(v, scenario))
    v.exited |= exits
    v.exit_year[exits] = year
