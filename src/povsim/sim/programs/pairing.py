"""Pairing assistance: east–west cooperation (东西部扶贫协作) and helping units (定点帮扶).

An eastern province or city paired with the county, and the central and provincial units
assigned to help it, bring money of their own, organise jobs in the paired province for
workers from registered households (transport, training, placement with firms), and staff
village work teams. The program's budget is theirs (``budget``, yuan a year), not a share
of the county's funds. A placed worker's wage counts as the household's income (remitted
or spent by a member living away) and the job may be lost each year; as for employment
transfer's, the worker, away, no longer earns the household's wages at home, and an illness
at home does not cut the wage away; helping units send
``work_teams`` teams a year to villages beyond the designated poor ones, which raise
take-up of every program and the village's growth as the poor villages' teams do.
Seed 002 (Shandan): 757 entrepreneurs paired with 2,674 households.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from povsim.config.programs import PairingConfig
from povsim.config.vocabulary import Status
from povsim.sim.programs.base import Index, fit_queue
from povsim.sim.programs.employment import Employment
from povsim.sim.villages import station_teams

__all__ = ["Pairing", "PairingConfig"]


class Pairing(Employment):
    """Jobs in the paired province (placement and job loss as employment transfer's) and
    work teams from helping units."""

    Config: ClassVar = PairingConfig

    def on_enrol(self, idx: Index, year: int) -> None:
        super().on_enrol(idx, year)
        self.magnitude[idx] *= self.config.remittance_share

    def begin_year(self, year: int) -> None:
        if self.active(year) and self.config.work_teams > 0:
            self._send_work_teams()
        super().begin_year(year)  # the placed worker leaves home's work (Employment)

    def _send_work_teams(self) -> None:
        """Teams go to the villages without one that hold the most registered households."""
        h, v = self.context.households, self.context.villages
        registered = np.bincount(
            h.village,
            weights=h.weight * (h.status == Status.REGISTERED),
            minlength=v.n,
        )
        idx = np.flatnonzero(~v.work_team & ~v.resettlement & (registered > 0))
        if not idx.size:
            return
        sent = idx[fit_queue(v.weight[idx], -registered[idx], self.config.work_teams)]
        station_teams(v, sent, self.context.scenario.villages.work_team_growth)
