"""Figures of the dashboard (matplotlib): the live run's indicators so far against the
mix's projection to the last year, and the villages of the live model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from povsim.plots import draw_income_bands
from povsim.sim.model import PovertyModel

__all__ = ["exits_chart", "income_chart", "poverty_chart", "village_grid"]

LIVE: dict[str, Any] = {"marker": "o", "linewidth": 2}
PROJECTED: dict[str, Any] = {"linestyle": "--", "alpha": 0.6}


def _span(years: range) -> tuple[float, float]:
    return years.start - 0.5, years.stop - 0.5


def poverty_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> Figure:
    """Registered poor people and incidence by year: the live run and the projection."""
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    left = fig.add_subplot()
    right = left.twinx()
    for frame, style, tag in ((projected, PROJECTED, "projected"), (live, LIVE, "")):
        if frame is None or frame.empty:
            continue
        suffix = f" ({tag})" if tag else ""
        left.plot(
            frame["year"],
            frame["registered_people"],
            color="tab:blue",
            label=f"registered poor{suffix}",
            **style,
        )
        right.plot(
            frame["year"],
            100 * frame["incidence"],
            color="tab:red",
            label=f"incidence{suffix}",
            **style,
        )
    left.set(xlim=_span(years), xlabel="year", ylabel="registered poor (people)")
    right.set_ylabel("incidence (% of people)", color="tab:red")
    left.set_ylim(bottom=0)
    right.set_ylim(bottom=0)
    left.set_title("Registered poor and incidence")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if handles:
        left.legend(handles=handles, fontsize="x-small", loc="upper right")
    return fig


def exits_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> Figure:
    """Exits and relapses (households) per year; the projection as outlines."""
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.add_subplot()
    if projected is not None and not projected.empty:
        ax.bar(
            projected["year"] - 0.2,
            projected["exits_households"],
            0.4,
            fill=False,
            edgecolor="tab:green",
            linestyle="--",
            label="exits (projected)",
        )
        ax.bar(
            projected["year"] + 0.2,
            projected["relapses_households"],
            0.4,
            fill=False,
            edgecolor="tab:orange",
            linestyle="--",
            label="relapses (projected)",
        )
    if not live.empty:
        ax.bar(live["year"] - 0.2, live["exits_households"], 0.4, color="tab:green", label="exits")
        ax.bar(
            live["year"] + 0.2,
            live["relapses_households"],
            0.4,
            color="tab:orange",
            label="relapses",
        )
    ax.set(xlim=_span(years), xlabel="year", ylabel="households", title="Exits and relapses")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small")
    return fig


def income_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> Figure:
    """Income percentiles (5-95) against the poverty line, yuan per person per year; the
    projection until the live run has a year."""
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.add_subplot()
    frame = live if not live.empty else projected
    if frame is not None and not frame.empty:
        draw_income_bands(ax, frame, **(LIVE if frame is live else PROJECTED))
        ax.set_yscale("log")
    title = "Income percentiles and the line" + ("" if frame is live else " (projected)")
    ax.set(xlim=_span(years), xlabel="year", ylabel="yuan/person/year", title=title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small", loc="upper left")
    return fig


def village_grid(model: PovertyModel, assessed: int | None) -> Figure:
    """Every village as a cell coloured by incidence; exited poor villages ticked."""
    v = model.villages
    n = v.n
    side = int(np.ceil(np.sqrt(n)))
    values = np.full(side * side, np.nan)
    values[:n] = 100 * v.incidence
    fig = Figure(figsize=(5.0, 4.0), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(
        values.reshape(side, side),
        cmap=colormaps["YlOrRd"],
        vmin=0,
        vmax=max(20.0, float(np.nanmax(values)) if n else 20.0),
    )
    rows, cols = np.divmod(np.arange(n), side)
    poor = v.poor_village & ~v.exited
    ax.scatter(cols[poor], rows[poor], marker="s", s=60, facecolors="none", edgecolors="black")
    ax.scatter(cols[v.exited], rows[v.exited], marker="$✓$", s=70, color="tab:green")
    ax.set(xticks=[], yticks=[])
    exited, designated = int(v.exited.sum()), int(v.poor_village.sum())
    ax.set_title(
        f"Villages by incidence (%), {assessed or '-'}\n"
        f"□ poor village, ✓ exited ({exited} of {designated})",
        fontsize="small",
    )
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig
