"""Figures of a policy search and of scenario discovery."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from povsim.config import arguments
from povsim.plots.common import Figure, program_colours

__all__ = ["front_pairs", "front_shares", "peeling_trajectory"]

_FRONT = "a policy search's front (result.front)"
_HISTORY = "a policy search's history (result.history)"
_TRAJECTORY = "a discovery's peeling trajectory (found.trajectory)"


SCORED = {
    "mean": ("mean {}", "each the mean over the uncertain draws"),
    "p90": ("bad tail of {}", "each the bad tail (90th percentile) of the uncertain draws"),
    "regret": (
        "regret in {}",
        "regrets, each the worst over the uncertain draws of how much worse than the base mix",
    ),
}
"""A robust search's statistic: how its scores are labelled, and what they are."""


def scored(label: str, statistic: str | None) -> str:
    """An objective's label as a search scored it: as run, or by a robust statistic (a
    regret labelled as the outcome read as the outcome itself)."""
    return label if statistic is None else SCORED[statistic][0].format(label)


def front_pairs(
    history: pd.DataFrame,
    front: pd.DataFrame,
    objectives: list[str],
    statistic: str | None = None,
) -> Figure:
    """Every pair of objectives: each evaluated point in grey, the front in colour, the
    base scenario's own mix (the first point evaluated) as a black cross. ``statistic``:
    a robust search's (``mean``, ``p90``, ``regret``), which labels the scores."""
    # Named at the call: a search result, another table or an objective the search did not
    # score ended in pandas' KeyError.
    objectives = arguments.names("objectives", objectives)
    if not objectives:
        raise ValueError("objectives: at least one, not none")
    arguments.table("history", history, objectives, _HISTORY)
    arguments.table("front", front, objectives, _FRONT)
    if len(objectives) == 1:
        return _one_objective(history, front, objectives[0], statistic)
    pairs = list(itertools.combinations(objectives, 2))
    columns = min(len(pairs), 3)
    rows = -(-len(pairs) // columns)
    fig = Figure(figsize=(4.2 * columns, 3.6 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for unused in axes[len(pairs) :]:
        unused.set_visible(False)
    within = _within(history)
    feasible, outside = history[within], history[~within]
    for ax, (x, y) in zip(axes, pairs, strict=False):
        (fx, xlabel), (fy, ylabel) = _axis(x, history[x]), _axis(y, history[y])
        ax.scatter(fx * feasible[x], fy * feasible[y], s=8, color="lightgrey", label="evaluated")
        if len(outside):
            ax.scatter(fx * outside[x], fy * outside[y], **_OUTSIDE)
        ax.scatter(fx * front[x], fy * front[y], s=22, color="tab:blue", label="front")
        if len(history):
            first = history.iloc[:1]
            ax.scatter(fx * first[x], fy * first[y], marker="x", color="black", label="base")
        ax.set(xlabel=scored(xlabel, statistic), ylabel=scored(ylabel, statistic))
        if statistic != "regret":  # a regret's differences may go under 0
            _not_under_zero(ax, x, y)
    axes[0].legend(fontsize="small")
    mixes = "mix" if len(front) == 1 else "mixes"
    title = f"Pareto front: {len(front)} {mixes} of {len(history)} evaluated"
    fig.suptitle(title if statistic is None else f"{title}\n(scores: {SCORED[statistic][1]})")
    return fig


# Drawn too: with constraints no mix met, a figure of the feasible points alone was empty
# beside a legend that promised every point evaluated.
_OUTSIDE: dict[str, Any] = {
    "s": 8,
    "facecolors": "none",
    "edgecolors": "darkgrey",
    "linewidths": 0.6,
    "label": "evaluated, outside the constraints",
}


def _within(history: pd.DataFrame) -> pd.Series:
    """The points evaluated that met the search's constraints (all, without a column)."""
    if "feasible" in history:
        return history["feasible"].astype(bool)
    return pd.Series(True, index=history.index)


def _one_objective(
    history: pd.DataFrame, front: pd.DataFrame, name: str, statistic: str | None
) -> Figure:
    """A search of one objective: each point's score in the order the search evaluated it,
    the best in colour (an objective against itself was a diagonal line)."""
    fig = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = fig.subplots()
    scale, label = _axis(name, history[name])
    order = pd.Series(range(1, len(history) + 1), index=history.index)
    feasible = _within(history)
    ax.scatter(order[feasible], scale * history.loc[feasible, name], s=8, color="lightgrey",
               label="evaluated")  # fmt: skip
    if not feasible.all():
        ax.scatter(order[~feasible], scale * history.loc[~feasible, name], **_OUTSIDE)
    best = history[name].isin(front[name]) & feasible
    ax.scatter(order[best], scale * history.loc[best, name], s=22, color="tab:blue", label="best")
    if len(history):
        ax.scatter([1], [scale * history[name].iloc[0]], marker="x", color="black", label="base")
    ax.set(xlabel="point evaluated, in order", ylabel=scored(label, statistic))
    if statistic != "regret":
        _not_under_zero(ax, None, name)  # the x axis is the points' order
    ax.legend(fontsize="small")
    title = f"Best of {len(history)} evaluated"
    fig.suptitle(title if statistic is None else f"{title}\n(scores: {SCORED[statistic][1]})")
    return fig


def _not_under_zero(ax, x: str | None, y: str) -> None:
    """An axis of an outcome that cannot go under 0 starts at 0 at the lowest: scores all 0
    centred it on 0 (-0.04 .. 0.04 % of people poor)."""
    from povsim.runs import metrics

    def never_negative(name: str | None) -> bool:
        return name is not None and metrics.is_known(name) and metrics.outcome(name).least == 0

    if never_negative(x) and ax.get_xlim()[0] < 0:
        ax.set_xlim(left=0)
    if never_negative(y) and ax.get_ylim()[0] < 0:
        ax.set_ylim(bottom=0)


def _axis(name: str, values: pd.Series) -> tuple[float, str]:
    """An objective's scale and label on an axis: a sum of money in millions of yuan (billions
    from 10 bn, :func:`~povsim.runs.display.money_unit`), a share in percent, as the
    comparison tables show them (the raw yuan came out as 1e7 offsets)."""
    from povsim.runs import metrics
    from povsim.runs.display import money_unit

    text = metrics.label(name)
    if name.endswith("_yuan"):
        largest = float(values.abs().max()) if values.notna().any() else 0.0
        unit, word = money_unit(largest)
        return 1 / unit, text.replace("(yuan)", f"({word} yuan)")
    if metrics.is_known(name) and metrics.outcome(name).unit == "share":
        return 100.0, f"{text} (%)"
    return 1.0, text


def _readable(value: float) -> str:
    """A value beside a bar: four figures, in full with thousands separators from 1,000
    (``.4g`` wrote 10,340 as 1.034e+04)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def front_shares(front: pd.DataFrame, order_by: str) -> Figure:
    """The budget shares of each front mix, one stacked bar per mix, ordered by
    ``order_by`` (shown beside each bar)."""
    arguments.table("front", front, ("member",), _FRONT)
    shares = [c for c in front.columns if c.startswith("programs.") and c.endswith(".share")]
    if not shares:
        raise ValueError(f"front: {_FRONT} of a search with levers=['shares']; it has no shares")
    arguments.one_of("order_by", order_by, [c for c in front.columns if c != "member"])
    frame = front.sort_values(order_by, kind="stable")
    wide = frame[shares].rename(
        columns=lambda c: c.removeprefix("programs.").removesuffix(".share")
    )
    fig = Figure(figsize=(8.0, 1.2 + 0.3 * max(len(frame), 1)), layout="constrained")
    ax = fig.add_subplot()
    scale, ordered = _axis(order_by, frame[order_by])
    labels = [
        f"{m} ({_readable(scale * v)})"
        for m, v in zip(frame["member"], frame[order_by], strict=True)
    ]
    y = np.arange(len(frame))[::-1]
    left = np.zeros(len(frame))
    colours = program_colours(wide.columns)  # each program as in a run's figures
    for column in wide.columns:
        values = wide[column].to_numpy(dtype=float)
        ax.barh(y, values, left=left, label=column, color=colours[column])
        left += values
    ax.set_yticks(y, labels, fontsize="small")
    ax.set(xlabel="share of the budget", title=f"Front mixes, ordered by {ordered}")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def peeling_trajectory(trajectory: pd.DataFrame, selected: pd.DataFrame) -> Figure:
    """PRIM's peeling trajectories: density against coverage of each box on the way,
    coloured by how many inputs it restricts; the selected boxes circled."""
    columns = ("box", "coverage", "density")
    arguments.table("trajectory", trajectory, (*columns, "res_dim"), _TRAJECTORY)
    arguments.table("selected", selected, columns, f"some rows of {_TRAJECTORY}")
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.add_subplot()
    # From no input restricted: a trajectory of the whole space alone had a scale of -0.1
    # to 0.1 inputs.
    most = max(1, int(trajectory["res_dim"].max())) if len(trajectory) else 1
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["res_dim"],
        cmap="viridis",
        s=14,
        vmin=0,
        vmax=most,
    )
    for box, rows in trajectory.groupby("box"):
        ax.plot(rows["coverage"], rows["density"], color="grey", linewidth=0.6, alpha=0.6)
        chosen = selected[selected["box"] == box]
        ax.scatter(
            chosen["coverage"],
            chosen["density"],
            s=120,
            facecolors="none",
            edgecolors="red",
            label=f"box {box}",
        )
        for _, row in chosen.iterrows():
            ax.annotate(f" {box}", (row["coverage"], row["density"]), color="red")
    bar = fig.colorbar(points, ax=ax, label="inputs restricted")
    bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no 0.5 ticks
    ax.set(xlabel="coverage", ylabel="density", xlim=(0, 1.02), ylim=(0, 1.02))
    if selected.empty:
        # "circled: the boxes reported" over no circle read as a figure gone wrong.
        ax.set_title("PRIM peeling trajectory: no box found")
        ax.text(
            0.5,
            0.5,
            "no box: no range of the inputs holds the runs\n"
            "meeting the condition significantly more\n"
            "densely than all the runs do",
            ha="center",
            va="center",
            transform=ax.transAxes,
            bbox={"facecolor": "white", "edgecolor": "grey"},
        )
    else:
        ax.set_title("PRIM peeling trajectory (circled: the boxes reported)")
    return fig
