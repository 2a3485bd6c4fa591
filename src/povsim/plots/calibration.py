"""Figures of a calibration: the search history and the fit to targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from povsim.plots.common import Figure

__all__ = ["calibration_history", "target_fit"]


def calibration_history(history: pd.DataFrame, names: list[str]) -> Figure:
    """The objective of every evaluated point by generation, the best so far, and each
    free parameter's values (best point marked)."""
    panels = 1 + len(names)
    columns = min(panels, 4)
    rows = -(-panels // columns)
    fig = Figure(figsize=(4.0 * columns, 3.4 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for unused in axes[panels:]:
        unused.set_visible(False)
    objective = history["objective"].clip(lower=1e-6)
    axes[0].scatter(history["generation"], objective, s=8, alpha=0.4, label="point")
    best = history.groupby("generation")["objective"].min().cummin()
    axes[0].plot(best.index, best.to_numpy(), color="black", label="best so far")
    axes[0].axhline(1.0, color="grey", linestyle=":", label="within tolerance on average")
    axes[0].set(yscale="log", xlabel="generation", ylabel="objective", title="fit")
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))  # no generation 0.5
    # above the panels: inside, it covered the points of the first generations
    fig.legend(
        *axes[0].get_legend_handles_labels(), fontsize="small", loc="outside upper center", ncols=3
    )
    top = history.loc[history["objective"].idxmin()]
    for ax, name in zip(axes[1:panels], names, strict=True):
        ax.scatter(history[name], objective, s=8, alpha=0.4)
        ax.axvline(top[name], color="black", linestyle="--")
        ax.set(yscale="log", xlabel=name, title=f"best {top[name]:.4g}")
    return fig


TARGET_AXIS = 5.0
"""How many tolerances either side the targets figure shows; a point beyond is marked."""


TARGETS_A_COLUMN = 60
"""Most targets in one column of the figure: the county-resolved profile's 175 in one ran
6,000 px tall, its axis far below the first rows."""


def target_fit(table: pd.DataFrame) -> Figure:
    """Each target's simulated mean and 95% interval against its tolerance band,
    in units of tolerance (0 is the published figure, ±1 the band; a point more than
    :data:`TARGET_AXIS` away is drawn at the edge with its value).

    Many targets are drawn in columns of at most :data:`TARGETS_A_COLUMN`, each with its
    axis above and below; a missed target's label is red; one region's targets are named
    without it (the title says it)."""
    regions = table["region"].unique().tolist() if "region" in table else []
    if len(regions) > 1:
        labels = (table["region"] + ": " + table["target"]).tolist()
    else:
        labels = table["target"].tolist()
    columns = max(1, -(-len(labels) // TARGETS_A_COLUMN))
    rows = -(-len(labels) // columns)
    fig = Figure(figsize=(7.5 * columns, 1.2 + 0.3 * rows), layout="constrained")
    axes = fig.subplots(1, columns, squeeze=False, sharex=True).ravel()
    for k, ax in enumerate(axes):
        part = slice(k * rows, (k + 1) * rows)
        _targets_axis(ax, table.iloc[part].reset_index(drop=True), labels[part], rows)
    who = f"{regions[0]}: " if len(regions) == 1 else ""
    fig.suptitle(f"{who}targets, simulated vs published")
    # below the axes: inside, it covered the last target's interval
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize="small", loc="outside lower right")
    return fig


def _targets_axis(ax, table: pd.DataFrame, labels: list[str], rows: int) -> None:
    """One column of :func:`target_fit`: ``rows`` places, the targets from the top."""
    y = (rows - 1 - np.arange(len(labels))).astype(float)
    scale = (table["error"] / table["error_in_tolerances"]).replace([np.inf, -np.inf], np.nan)
    low = (table["ci_low"] - table["published"]) / scale
    high = (table["ci_high"] - table["published"]) / scale
    # One far miss (68 counties against 0, a tolerance of 2) stretched the axis until the
    # band was a hairline: the axis stops at TARGET_AXIS tolerances, and a point beyond is
    # drawn at its edge as an arrowhead with its value.
    mid = table["error_in_tolerances"].to_numpy(dtype=float)
    shown = np.clip(mid, -TARGET_AXIS, TARGET_AXIS)
    ax.axvspan(-1, 1, color="tab:green", alpha=0.15, label="tolerance")
    ax.axvline(0, color="tab:green")
    # A target undefined in some replications has no verdict: neither passed nor missed
    verdict = (
        table["verdict"].astype(str)
        if "verdict" in table
        else table["passed"].map({True: "pass", False: "fail"})
    ).to_numpy()
    colours = np.select(
        [verdict == "pass", verdict == "undefined"], ["tab:blue", "tab:orange"], "tab:red"
    )
    ends = [low.to_numpy(dtype=float), high.to_numpy(dtype=float)]
    low, high = (
        np.clip(ends[0], -TARGET_AXIS, TARGET_AXIS),
        np.clip(ends[1], -TARGET_AXIS, TARGET_AXIS),
    )
    ax.errorbar(
        shown,
        y,
        xerr=[
            np.nan_to_num(np.maximum(shown - low, 0)),
            np.nan_to_num(np.maximum(high - shown, 0)),
        ],
        fmt="none",
        ecolor="grey",
    )
    # An interval's end: a cap where it is, an arrowhead where it runs past the axis (capped
    # alike, a clipped interval read as ending at ±TARGET_AXIS).
    for end in ends:
        within = np.abs(end) <= TARGET_AXIS
        ax.scatter(end[within], y[within], marker="|", c="grey", s=30)
        for side, arrow in ((1, ">"), (-1, "<")):
            past = side * end > TARGET_AXIS
            ax.scatter(
                np.full(past.sum(), side * TARGET_AXIS), y[past], marker=arrow, c="grey", s=18
            )
    inside = np.abs(mid) <= TARGET_AXIS
    ax.scatter(shown[inside], y[inside], c=colours[inside], zorder=3)
    for side, marker in ((1, ">"), (-1, "<")):
        beyond = side * mid > TARGET_AXIS
        ax.scatter(shown[beyond], y[beyond], c=colours[beyond], marker=marker, s=60, zorder=3)
        for value, row in zip(mid[beyond], y[beyond], strict=True):
            ax.annotate(
                f"{value:+.0f}",
                (side * TARGET_AXIS, row),
                xytext=(-6 * side, 4),
                textcoords="offset points",
                ha="right" if side > 0 else "left",
                fontsize="x-small",
            )
    ax.set_xlim(-TARGET_AXIS - 0.5, TARGET_AXIS + 0.5)
    ax.set_ylim(-0.7, rows - 0.3)  # the rows, not the default margins' blank bands
    ax.set_yticks(y, labels, fontsize="small")
    for label, colour in zip(ax.get_yticklabels(), colours, strict=True):
        if colour != "tab:blue":
            label.set_color(colour)
    ax.tick_params(axis="x", top=True, labeltop=True)  # a long column reads from either end
    ax.set_xlabel("(simulated - published) / tolerance")
