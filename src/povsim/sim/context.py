"""What a support program may see and change: the narrow view programs get of the model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from povsim.config import Scenario
from povsim.sim.households import HouseholdState
from povsim.sim.villages import VillageState

__all__ = ["ProgramContext"]


@dataclass(frozen=True)
class ProgramContext:
    """The county a program works in.

    Attributes:
        households: every household's state (programs read it and, when they enrol a
            household, change what enrolment changes: a house, a village, a wage base).
        villages: every village's state.
        scenario: the rules, the money and the poverty line.
        rng: the take-up stream, for every draw a program makes (who takes it up,
            who is placed in a job), so programs never disturb the shock streams.
        queue_rng: the stream of the weighted queues' last agents (``fit_queue``), drawn
            only where the money runs out part-way through an agent's households: its own,
            so a mix that moves where that happens leaves the take-up draws as they were.
    """

    households: HouseholdState
    villages: VillageState
    scenario: Scenario
    rng: np.random.Generator
    queue_rng: np.random.Generator

    def line(self, year: int) -> float:
        """The poverty line in ``year``, yuan per person per year."""
        return self.scenario.line(year)

    def funds(self, year: int) -> float:
        """Total program funds in ``year``, yuan."""
        return self.scenario.funds(year)
