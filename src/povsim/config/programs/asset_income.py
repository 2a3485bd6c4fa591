"""Settings of asset income (资产收益扶贫).

What the program does, with its sources: :mod:`povsim.sim.programs.asset_income`.
"""

from __future__ import annotations

from typing import ClassVar

from povsim.config.fields import setting
from povsim.config.programs.base import CostBasis, Priority, ProgramConfig

__all__ = ["AssetIncomeConfig"]


class AssetIncomeConfig(ProgramConfig):
    fixed: ClassVar = {"cost_timing": "a share is bought once, its capital paid then"}

    capital: float = setting(
        24000.0,
        "asset bought for one share (a household's 3 kW of PV, or a member's equity)",
        "yuan",
        ge=0.0,
        le=1e7,
    )
    cost_basis: CostBasis = setting(
        "household", "a share for each household, or for each member (equity quantified to members)"
    )
    dividend_rate: float = setting(
        0.11, "yearly dividend on the asset in a normal year", "1/year", ge=0.0, le=1.0
    )
    output_sd: float = setting(
        0.1,
        "year-to-year variation of the asset's output (sun, curtailment, prices)",
        "ratio",
        ge=0.0,
        le=1.0,
    )
    duration_years: int = setting(20, "years the dividends are paid", "years", ge=1)
    support_after_exit_years: int = setting(
        20, "years dividends continue after a household exits", "years", ge=0
    )
    priority: Priority = setting("hardship", "who is enrolled first when money runs short")
