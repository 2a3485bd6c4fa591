"""What a support program may see and change: the narrow view programs get of the model."""

from __future__ import annotations

from dataclasses import dataclass

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

    A program's draws come from its own streams (``Program.stream``), never the shocks'.
    """

    households: HouseholdState
    villages: VillageState
    scenario: Scenario

    @property
    def rng(self) -> None:
        """Removed: a program of one's own that drew from the context's shared stream moved
        every other program's draws. Kept to say so to code written against it."""
        raise AttributeError(
            "ProgramContext.rng was removed: draw from the program's own streams, "
            "self.draws(purpose) (one uniform per household a year) or self.stream(purpose)"
        )

    def line(self, year: int) -> float:
        """The poverty line in ``year``, yuan per person per year."""
        return self.scenario.line(year)

    def funds(self, year: int) -> float:
        """Total program funds in ``year``, yuan."""
        return self.scenario.funds(year)
