"""Asset income (资产收益扶贫): PV stations and collective assets paying dividends.

Poverty funds buy an asset — above all village photovoltaic stations — whose yield is
assigned to registered households, first to those without labour, who cannot be helped
by work. A household's dividend is its share's yield: a normal year's dividend rate on
the capital, varied each year with the asset's output (sun, grid curtailment, the feed-in
price), the same for every share in the county. The share stays with an exited household:
dividends continue after exit for the asset's life (``support_after_exit_years``). It is the
register's poor's, though, not the household's whatever its status: a household the re-check
removes as registered in error has its share taken back, so its dividend stops, as the
shares of households that exit do in the schemes that end them then (Sichuan, Fujian:
docs/register-sources.md section 16). Sichuan's "ten
special programs" include solar PV (seed 001); PV poverty alleviation is one of the ten
projects of the national plan (domain.md). A 3 kW household share cost about 24,000 yuan
and yields about 1,100 full-load hours at about 0.8 yuan/kWh: 2,600 yuan, 11% a year.

Equity in cooperatives and firms bought with project money (折股量化) was quantified to
members rather than to households (Sichuan: 7,246 yuan for each poor member of a
cooperative; docs/register-sources.md section 16): with ``cost_basis = "person"`` the
capital is per member, so a household's share grows with its size.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from povsim.config.programs import AssetIncomeConfig
from povsim.config.vocabulary import Status
from povsim.sim.programs.base import Index, Money, SupportProgram

__all__ = ["AssetIncome", "AssetIncomeConfig"]


class AssetIncome(SupportProgram):
    """A share of an asset bought once; its dividend every year, beyond exit."""

    Config: ClassVar = AssetIncomeConfig
    channel: ClassVar = "transfer"
    # The share is owned: its dividend goes on after the support period.
    outlasts_support: ClassVar = True

    output: float = 1.0
    """This year's output of the assets against a normal year."""

    def _shares(self, idx: Index) -> NDArray[np.float64]:
        """Shares each household holds: one, or one a member (``cost_basis``)."""
        if self.config.cost_basis == "person":
            return self.context.households.size[idx].astype(np.float64)
        return np.ones(idx.size)

    def enrolment_cost(self, idx: Index, year: int) -> Money:
        return self.config.capital * self._shares(idx)

    def priority_key(self, idx: Index, year: int, costs: Money) -> NDArray[np.float64]:
        # Households that cannot work come first; within each group, the usual order.
        within = np.argsort(np.argsort(super().priority_key(idx, year, costs), kind="stable"))
        works = self.context.households.labour[idx] > 0
        return self.registered_before_exited(idx, works * idx.size + within)

    def on_enrol(self, idx: Index, year: int) -> None:
        h = self.context.households
        dividend = self.config.capital * self.config.dividend_rate * self._shares(idx)
        self.magnitude[idx] = dividend / h.size[idx]

    def advance(self, year: int) -> None:
        """The assets' output this year; a household taken off the register loses its share.

        What support gave outlasts it (:attr:`outlasts_support`: the share is owned after
        exit), but a household removed as registered in error (剔除) was never the register's
        poor the share was bought for: the share goes back and its dividend stops, whatever
        ``decay``, and whether its support was still running or had ended. A program that
        serves households never registered too (``"unregistered"`` among its ``statuses``)
        keeps them.
        """
        if "unregistered" not in self.config.statuses:
            self.magnitude[self.context.households.status == Status.UNREGISTERED] = 0.0
        self.output = max(
            0.0, 1.0 + self.config.output_sd * self.stream("output").standard_normal()
        )

    def effect(self, year: int) -> Money:
        return self.magnitude * self.timing(year) * self.output
