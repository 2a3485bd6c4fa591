"""Figures of a county-resolved national run: county exits by year, provinces' register."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps

from povsim.plots.common import Figure
from povsim.plots.run import exits_relapses, income_fan, poverty_headcount

if TYPE_CHECKING:
    from povsim.runs.counties import NationalResult

__all__ = ["county_exits", "national_figures", "provinces_registered"]

REGIONS = ("east", "centre", "west")
"""NBS's regions, in the order the exits are stacked."""

_LABELLED = 10
"""Provinces named in the register figure (those with the most registered poor in the
first year); the others are drawn in grey, as 31 coloured lines could not be told apart."""


def county_exits(result: NationalResult) -> Figure:
    """Poor counties exiting each year, simulated by NBS region (which parts of the country
    finish when) beside the published batches."""
    ind, geo = result.indicators, result.scenario.geography
    published = geo.published_exits if geo is not None else {}
    years = ind["year"].to_numpy()
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    width = 0.4 if published else 0.8
    offset = width / 2 if published else 0.0
    by_region = result.provinces.pivot_table(
        index="year", columns="region", values="counties_exited", aggfunc="sum"
    ).reindex(years, fill_value=0)
    bottom = np.zeros(len(years))
    palette = colormaps["tab10"]
    for i, region in enumerate(r for r in REGIONS if r in by_region.columns):
        counts = by_region[region].to_numpy()
        ax.bar(
            years - offset,
            counts,
            width,
            bottom=bottom,
            color=palette(i),
            label=f"simulated: {region}",
        )
        bottom += counts
    if published:
        ax.bar(
            np.array(list(published)) + offset,
            list(published.values()),
            width,
            color="grey",
            label="published (all regions)",
        )
    ax.set(
        title=f"Poor counties exiting per year — {result.scenario.name}",
        xlabel="year",
        ylabel="counties",
    )
    ax.legend()
    return fig


def provinces_registered(result: NationalResult) -> Figure:
    """Each province's registered poor over time (millions of people)."""
    table = result.provinces
    first = table[table["year"] == table["year"].min()]
    order = first.sort_values("registered_people", ascending=False)["province"].tolist()
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.subplots()
    palette = colormaps["tab10"]
    for rank, province in enumerate(order):
        rows = table[table["province"] == province]
        if rank < _LABELLED:
            ax.plot(
                rows["year"],
                rows["registered_people"] / 1e6,
                marker="o",
                ms=3,
                color=palette(rank),
                label=province,
            )
        else:
            others = len(order) - _LABELLED
            ax.plot(
                rows["year"],
                rows["registered_people"] / 1e6,
                color="lightgrey",
                lw=1,
                # one entry for them all
                label=f"the other {others} provinces" if rank == _LABELLED else None,
            )
    ax.set(
        title="Registered poor by province",
        xlabel="year",
        ylabel="million people",
    )
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", ncols=2)
    return fig


def national_figures(result: NationalResult) -> dict[str, Figure]:
    """Every figure of a county-resolved run, by file name."""
    ind, scenario = result.indicators, result.scenario
    return {
        "poverty_headcount": poverty_headcount(ind, scenario),
        "exits_relapses": exits_relapses(ind, scenario),
        "income_fan": income_fan(ind, scenario),
        "county_exits": county_exits(result),
        "provinces_registered": provinces_registered(result),
    }
