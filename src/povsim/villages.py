"""Village state (model-owned arrays) and the :class:`Village` agent that views one row."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from povsim.state import ArrayState, Column

if TYPE_CHECKING:
    from povsim.model import PovertyModel

__all__ = ["Village", "VillageState"]


class VillageState(ArrayState):
    """Every village's state, one row per village, owned by the model."""

    COLUMNS: ClassVar[dict[str, tuple[str, str]]] = {
        "weight": ("float64", "real villages this village stands for (1 in a full population)"),
        "remoteness": ("float64", "0 near town .. 1 remote mountains"),
        "fragile": ("bool", "ecologically fragile ('the land cannot feed its people')"),
        "infrastructure": ("float64", "roads, water, power: 0 none .. 1 complete"),
        "level": ("float64", "persistent log income level of the village"),
        "growth": ("float64", "trend growth of earned income, 1/year"),
        "trend": ("float64", "cumulative log growth since the start"),
        "market": ("float64", "log farm price index (AR(1))"),
        "price_year": ("float64", "mean farm price factor so far this year"),
        "resettlement": ("bool", "the resettlement village relocated households move to"),
        "poor_village": ("bool", "designated poor village"),
        "work_team": ("bool", "a resident work team and first secretary are stationed here"),
        "exited": ("bool", "poor village that has exited (摘帽)"),
        "exit_year": ("int16", "year the village exited (0 not yet)"),
        "incidence": ("float64", "poor people / people, last year end"),
        "registered_incidence": ("float64", "registered poor people / people, last year end"),
    }
    DEFAULTS: ClassVar[dict[str, float]] = {"weight": 1.0}


def _v(name: str | None = None) -> Column:
    return Column("villages", name)


class Village(mesa.Agent):
    """An administrative village: a thin view onto row ``index`` of :class:`VillageState`."""

    remoteness = _v()
    fragile = _v()
    infrastructure = _v()
    growth = _v()
    poor_village = _v()
    work_team = _v()
    resettlement = _v()
    exited = _v()
    exit_year = _v()
    incidence = _v()
    registered_incidence = _v()

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
    def household_indices(self) -> np.ndarray:
        """Rows of the model's household arrays that live here."""
        return np.flatnonzero(self.model.households.village == self.index)

    @property
    def people(self) -> float:
        """Real people living here (agents count their weight)."""
        return self.model.households.people(self.model.households.village == self.index)

    def __repr__(self) -> str:
        return f"Village({self.index}, incidence={self.incidence:.3f}, poor={self.poor_village})"
