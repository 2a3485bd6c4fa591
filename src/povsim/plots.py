"""Figures for a run, drawn with matplotlib's object API (no global pyplot state)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from povsim.scenario import Scenario

if TYPE_CHECKING:
    from povsim.experiments.ensemble import Ensemble
    from povsim.runner import RunResult

__all__ = [
    "calibration_history",
    "comparison_bars",
    "comparison_trajectories",
    "draw_income_bands",
    "exits_relapses",
    "income_fan",
    "pathways",
    "poverty_headcount",
    "save_run_figures",
    "sensitivity_bars",
    "spending",
    "target_fit",
    "time_varying_indices",
]


def _yearly(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, ...]:
    """Years, mean, and a 95% interval when ``frame`` holds several replications."""
    if "replication" not in frame or frame["replication"].nunique() < 2:
        values = frame[column].to_numpy(dtype=float)
        return frame["year"].to_numpy(), values, None, None
    from povsim.experiments.stats import mean_interval

    years, stats = zip(
        *((y, mean_interval(g)) for y, g in frame.groupby("year")[column]), strict=True
    )
    mean, low, high = (np.array(s) for s in zip(*stats, strict=True))
    return np.array(years), mean, low, high


def _line(ax, frame: pd.DataFrame, column: str, scale: float = 1.0, **style) -> None:
    """Plot a yearly mean, with its 95% band when there are replications."""
    years, mean, low, high = _yearly(frame, column)
    (line,) = ax.plot(years, scale * mean, **style)
    if low is not None:
        ax.fill_between(years, scale * low, scale * high, color=line.get_color(), alpha=0.2)


def _yearly_means(frame: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Average replications away (a single run passes through unchanged)."""
    if "replication" not in frame:
        return frame
    keys = by or ["year"]
    return frame.drop(columns="replication").groupby(keys, as_index=False).mean(numeric_only=True)


def poverty_headcount(
    ind: pd.DataFrame, scenario: Scenario, without: pd.DataFrame | None = None
) -> Figure:
    """Poor and registered people, and the incidences against the exit threshold.

    ``without`` (the counterfactual's indicators) adds the incidence without support.
    """
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    _line(left, ind, "poor_people", marker="o", label="poor (income below line)")
    _line(left, ind, "registered_people", marker="s", label="registered poor")
    left.set(title="Poverty headcount", xlabel="year", ylabel="people")
    left.set_ylim(bottom=0)
    left.legend()
    right.plot(ind["year"], 100 * ind["incidence"], marker="o", label="incidence")
    right.plot(
        ind["year"], 100 * ind["registered_incidence"], marker="s", label="registered incidence"
    )
    if without is not None:
        right.plot(
            without["year"],
            100 * without["incidence"],
            color="grey",
            ls=":",
            marker=".",
            label="incidence without support",
        )
    right.axhline(
        100 * scenario.exit.county_threshold, color="grey", ls="--", label="county exit threshold"
    )
    right.set(title="Poverty incidence", xlabel="year", ylabel="% of people")
    right.set_ylim(bottom=0)
    right.legend()
    fig.suptitle(scenario.name)
    return fig


def exits_relapses(ind: pd.DataFrame, scenario: Scenario) -> Figure:
    """Flows through the register each year (means over replications)."""
    ind = _yearly_means(ind)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    flows = {
        "exits": ind["exits_households"],
        "relapses": ind["relapses_households"],
        "new entrants": ind["new_entrants_households"],
        "removed": ind["removed_households"],
    }
    width = 0.8 / len(flows)
    x = np.arange(len(ind))
    for i, (label, values) in enumerate(flows.items()):
        ax.bar(x + (i - (len(flows) - 1) / 2) * width, values, width, label=label)
    ax.set_xticks(x, ind["year"].astype(int).astype(str))
    ax.set(title=f"Exits and relapses — {scenario.name}", xlabel="year", ylabel="households")
    ax.legend()
    return fig


def draw_income_bands(ax, ind: pd.DataFrame, **median_style) -> None:
    """5th-95th and 25th-75th percentile bands, the median and the poverty line by year."""
    years = ind["year"]
    ax.fill_between(
        years,
        ind["income_p05"],
        ind["income_p95"],
        alpha=0.2,
        color="C0",
        label="5th–95th percentile",
    )
    ax.fill_between(
        years,
        ind["income_p25"],
        ind["income_p75"],
        alpha=0.4,
        color="C0",
        label="25th–75th percentile",
    )
    ax.plot(years, ind["income_p50"], color="C0", label="median", **median_style)
    ax.step(years, ind["poverty_line"], where="mid", color="C3", lw=2, label="poverty line")


def income_fan(ind: pd.DataFrame, scenario: Scenario) -> Figure:
    """Percentiles of per-capita income each year against the poverty line."""
    ind = _yearly_means(ind)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    draw_income_bands(ax, ind)
    ax.plot(
        ind["year"],
        ind["median_income_registered"],
        color="C2",
        ls=":",
        label="median, registered poor",
    )
    ax.set(
        title=f"Household income — {scenario.name}",
        xlabel="year",
        ylabel="yuan per person per year",
    )
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    return fig


def _stacked_bars(ax, wide: pd.DataFrame) -> None:
    """One bar per row of ``wide``, stacked by column, each column labelled."""
    wide = wide.fillna(0)
    bottom = np.zeros(len(wide))
    for column in wide.columns:
        ax.bar(wide.index, wide[column], bottom=bottom, label=column)
        bottom += wide[column].to_numpy()


def pathways(table: pd.DataFrame, scenario: Scenario) -> Figure:
    """Each year's exits by primary pathway (left) and by every program credited (right)."""
    table = _yearly_means(table, ["year", "program"])
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, column, title in (
        (left, "primary_households", "Exits by primary pathway"),
        (right, "exited_households", "Exits crediting each program (may overlap)"),
    ):
        _stacked_bars(ax, table.pivot(index="year", columns="program", values=column))
        ax.set(title=title, xlabel="year", ylabel="households")
    right.legend(fontsize="small", loc="upper right")
    fig.suptitle(scenario.name)
    return fig


def spending(table: pd.DataFrame, scenario: Scenario) -> Figure:
    """Money spent by each program per year against the year's total budget."""
    table = _yearly_means(table, ["year", "program"])
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    _stacked_bars(ax, table.pivot(index="year", columns="program", values="spent_yuan") / 1e6)
    budget = table.groupby("year")["budget_yuan"].sum() / 1e6
    ax.plot(budget.index, budget, color="black", marker="_", ls="--", label="budget")
    ax.set(title=f"Spending by program — {scenario.name}", xlabel="year", ylabel="million yuan")
    ax.legend(fontsize="small", loc="upper left")
    return fig


def save_run_figures(result: RunResult | Ensemble, directory: Path) -> list[Path]:
    """Draw every figure of a run into ``directory`` as PNG; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    ind, scenario = result.indicators, result.scenario
    figures = {
        "poverty_headcount": poverty_headcount(ind, scenario, result.counterfactual),
        "exits_relapses": exits_relapses(ind, scenario),
        "income_fan": income_fan(ind, scenario),
    }
    if len(result.spending):
        figures["pathways"] = pathways(result.pathways, scenario)
        figures["spending"] = spending(result.spending, scenario)
    paths = []
    for name, fig in figures.items():
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=110, metadata={"Software": None})
        paths.append(path)
    return paths


def comparison_trajectories(trajectories: pd.DataFrame) -> Figure:
    """Incidence and registered incidence of every scenario, with 95% bands."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    for name, frame in trajectories.groupby("scenario", sort=False):
        _line(left, frame, "incidence", 100, marker="o", label=name)
        _line(right, frame, "registered_incidence", 100, marker="s", label=name)
    left.set(title="Poverty incidence", xlabel="year", ylabel="% of people")
    right.set(title="Registered incidence", xlabel="year")
    left.set_ylim(bottom=0)
    left.legend(fontsize="small")
    return fig


def comparison_bars(table: pd.DataFrame) -> Figure:
    """Cumulative exit and relapse shares and cost per exit per scenario, with 95% intervals."""
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = (
        ("cumulative_exit_share", 100, "Cumulative exit share", "% of registered households"),
        ("cumulative_relapse_share", 100, "Cumulative relapse share", "% of exited households"),
        ("cost_per_exit", 1e-3, "Cost per exit", "thousand yuan"),
    )
    for ax, (metric, scale, title, unit) in zip(axes, panels, strict=True):
        rows = table[table["metric"] == metric]
        x = np.arange(len(rows))
        mean = scale * rows["mean"].to_numpy()
        error = scale * np.vstack([rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]])
        ax.bar(x, mean, yerr=np.nan_to_num(error), capsize=3, color=[f"C{i}" for i in x])
        ax.set_xticks(x, rows["scenario"], rotation=35, ha="right", fontsize="small")
        ax.set(title=title, ylabel=unit)
    return fig


_MAIN_INDICES = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu_star", "sigma")}


def sensitivity_bars(indices: pd.DataFrame, method: str) -> Figure:
    """First-order and total indices (Morris: mu* and sigma) of each input, per output."""
    first, second = _MAIN_INDICES[method]
    scalar = indices[~indices["output"].str.contains("@", regex=False) & indices["input2"].isna()]
    outputs = list(dict.fromkeys(scalar["output"]))
    fig = Figure(figsize=(4.2 * max(len(outputs), 1), 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(len(outputs), 1), squeeze=False)[0])
    for ax, output in zip(axes, outputs, strict=False):
        rows = scalar[scalar["output"] == output]
        inputs = list(dict.fromkeys(rows["input"]))
        x = np.arange(len(inputs))
        for offset, index in ((-0.2, first), (0.2, second)):
            part = rows[rows["index"] == index].set_index("input").reindex(inputs)
            ax.bar(
                x + offset,
                part["value"],
                0.4,
                yerr=np.nan_to_num(part["conf"]),
                capsize=2,
                label=index,
            )
        ax.set_xticks(x, inputs, rotation=40, ha="right", fontsize="small")
        ax.set_title(output)
        ax.legend(fontsize="small")
    fig.suptitle(f"{method} sensitivity indices")
    return fig


def time_varying_indices(yearly: pd.DataFrame, method: str) -> Figure:
    """Each input's total index (Morris: mu*) for each year's value of each indicator."""
    index = _MAIN_INDICES[method][1 if method != "morris" else 0]
    columns = list(dict.fromkeys(yearly["column"])) or ["(none)"]
    fig = Figure(figsize=(6 * len(columns), 4.2), layout="constrained")
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    for ax, column in zip(axes, columns, strict=True):
        rows = yearly[(yearly["column"] == column) & (yearly["index"] == index)]
        for name, line in rows.groupby("input", sort=False):
            line = line.sort_values("year")
            ax.plot(line["year"], line["value"], marker="o", label=name)
            ax.fill_between(
                line["year"],
                line["value"] - line["conf"].fillna(0),
                line["value"] + line["conf"].fillna(0),
                alpha=0.15,
            )
        ax.set(
            title=f"{index} of each input for {column}, year by year", xlabel="year", ylabel=index
        )
        ax.legend(fontsize="small")
    return fig


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
    axes[0].legend(fontsize="small")
    top = history.loc[history["objective"].idxmin()]
    for ax, name in zip(axes[1:panels], names, strict=True):
        ax.scatter(history[name], objective, s=8, alpha=0.4)
        ax.axvline(top[name], color="black", linestyle="--")
        ax.set(yscale="log", xlabel=name, title=f"best {top[name]:.4g}")
    return fig


def target_fit(table: pd.DataFrame) -> Figure:
    """Each target's simulated mean and 95% interval against its tolerance band,
    in units of tolerance (0 is the published figure, ±1 the band)."""
    labels = (
        table["region"] + ": " + table["target"] if "region" in table else table["target"]
    ).tolist()
    fig = Figure(figsize=(7.5, 0.9 + 0.32 * len(labels)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(labels))[::-1]
    scale = (table["error"] / table["error_in_tolerances"]).replace([np.inf, -np.inf], np.nan)
    low = (table["ci_low"] - table["published"]) / scale
    high = (table["ci_high"] - table["published"]) / scale
    mid = table["error_in_tolerances"]
    ax.axvspan(-1, 1, color="tab:green", alpha=0.15, label="tolerance")
    ax.axvline(0, color="tab:green")
    colours = np.where(table["passed"], "tab:blue", "tab:red")
    ax.errorbar(
        mid,
        y,
        xerr=[np.nan_to_num(mid - low), np.nan_to_num(high - mid)],
        fmt="none",
        ecolor="grey",
        capsize=2,
    )
    ax.scatter(mid, y, c=colours, zorder=3)
    ax.set_yticks(y, labels, fontsize="small")
    ax.set(xlabel="(simulated - published) / tolerance", title="targets: simulated vs published")
    ax.legend(fontsize="small", loc="lower right")
    return fig
