"""Settings of pairing assistance (东西部扶贫协作, 定点帮扶).

What the program does, with its sources: :mod:`povsim.sim.programs.pairing`.
"""

from __future__ import annotations

from povsim.config.fields import Probability, setting
from povsim.config.programs.employment import EmploymentConfig

__all__ = ["PairingConfig"]


class PairingConfig(EmploymentConfig):
    """Employment transfer to the paired province: its placement, job loss and wage growth."""

    placement_rate: Probability = setting(
        0.5, "share of enrolled households with a worker placed in the paired province", "share"
    )
    wage: float = setting(
        36000.0, "yearly wage in the paired province", "yuan/worker/year", ge=0.0, le=1e6
    )
    remittance_share: Probability = setting(
        1.0, "share of the wage that counts as the household's income", "share"
    )
    unit_cost: float = setting(3000.0, "organised placement: training and travel", "yuan", ge=0.0)
    work_teams: float = setting(
        0.0,
        "villages a year given a work team by helping units, beyond the poor villages",
        "villages/year",
        ge=0.0,
        le=1e6,
    )

    def without_support(self) -> dict[str, object]:
        # The helping units' teams are support as the poor villages' are (which the
        # counterfactual's villages.work_teams = false removes).
        return {**super().without_support(), "work_teams": 0.0}

    def support_besides_money(self) -> bool:
        return self.work_teams > 0
