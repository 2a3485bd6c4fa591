"""A run's figures: headcounts, exits and relapses, income bands, pathways, spending."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from povsim.config import Scenario, arguments
from povsim.config.vocabulary import JOINT_PATHWAY, NO_PATHWAY
from povsim.plots.common import (
    Figure,
    _legend_below,
    _line,
    _stacked_bars,
    _yearly_means,
    program_colours,
)
from povsim.runs.display import money_unit
from povsim.runs.store import RunOutput

__all__ = [
    "draw_income_bands",
    "exits_relapses",
    "income_fan",
    "pathways",
    "poverty_headcount",
    "run_figures",
    "spending",
]

_INDICATORS = "a run's indicators (result.indicators)"
FEW_REGISTERED = 20
"""Registered agents under which the income fan leaves out the registered poor's median."""

_INCOME_BANDS = (
    "year", "income_p05", "income_p25", "income_p50", "income_p75", "income_p95", "poverty_line"
)  # fmt: skip


def _checked(
    name: str, table: object, columns: tuple[str, ...], hint: str, scenario: object
) -> None:
    """Name a wrong table or scenario at the call: a run given for its indicators, another
    table, or a scenario file ended in pandas' KeyError or an AttributeError deep inside."""
    arguments.table(name, table, columns, hint)
    arguments.loaded("scenario", scenario)


def _named(scenario: Scenario, frame: pd.DataFrame, *, banded: bool = False) -> str:
    """The scenario's name, and with replications that the figure shows their means (and
    what its bands are): bare means read as one run's values."""
    if "replication" not in frame or (n := frame["replication"].nunique()) < 2:
        return scenario.name
    bands = ", shaded: 95% intervals" if banded else ""
    return f"{scenario.name} (means of {n} replications{bands})"


def poverty_headcount(
    ind: pd.DataFrame, scenario: Scenario, without: pd.DataFrame | None = None
) -> Figure:
    """Poor and registered people, and the incidences against the county's exit threshold
    (a county scenario's).

    ``without`` (the counterfactual's indicators) adds the incidence without support.
    """
    _checked(
        "ind",
        ind,
        ("year", "poor_people", "registered_people", "incidence", "registered_incidence"),
        _INDICATORS,
        scenario,
    )
    if without is not None:
        hint = "the counterfactual's indicators (result.counterfactual) or None"
        arguments.table("without", without, ("year", "incidence"), hint)
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    # A nation's millions, not "people" under a 1e7 offset
    per, unit = (1e-6, "million people") if ind["poor_people"].max() >= 1e6 else (1, "people")
    _line(left, ind, "poor_people", per, marker="o", label="poor (income below line)")
    _line(left, ind, "registered_people", per, marker="s", label="registered poor")
    left.set(title="Poverty headcount", xlabel="year", ylabel=unit)
    left.set_ylim(bottom=0)
    # Lines through the yearly means (bands with replications), never through the rows
    # of every replication in turn.
    # The same two groups as on the left, as shares: one legend entry each.
    _line(right, ind, "incidence", 100, marker="o", label="poor (income below line)")
    _line(right, ind, "registered_incidence", 100, marker="s", label="registered poor")
    if without is not None:
        _line(
            right,
            without,
            "incidence",
            100,
            color="grey",
            ls=":",
            marker=".",
            label="incidence without support",
        )
    if scenario.geography is None:
        # A national run's counties each have their own threshold (2% or 3%), tested on
        # their own incidence: one line on the nation's would mislead.
        right.axhline(
            100 * scenario.exit.county_threshold,
            color="grey",
            ls="--",
            label="county exit threshold",
        )
    right.set(title="Poverty incidence", xlabel="year", ylabel="% of people")
    right.set_ylim(bottom=0)
    _legend_below(fig, left, right)
    fig.suptitle(_named(scenario, ind, banded=True))
    return fig


def exits_relapses(ind: pd.DataFrame, scenario: Scenario) -> Figure:
    """Flows through the register each year (means over replications)."""
    counts = ("exits_households", "relapses_households", "new_entrants_households")
    _checked("ind", ind, ("year", *counts, "removed_households"), _INDICATORS, scenario)
    name = _named(scenario, ind)
    ind = _yearly_means(ind)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    flows = {
        "exits": ind["exits_households"],
        "relapses": ind["relapses_households"],
        "new entrants": ind["new_entrants_households"],
        "removed": ind["removed_households"],
    }
    # A nation's millions, not "households" under a 1e7 offset, as the headcount's people
    largest = max(float(values.max()) for values in flows.values())
    per, unit = (1e-6, "million households") if largest >= 1e6 else (1, "households")
    width = 0.8 / len(flows)
    x = np.arange(len(ind))
    for i, (label, values) in enumerate(flows.items()):
        ax.bar(x + (i - (len(flows) - 1) / 2) * width, values * per, width, label=label)
    ax.set_xticks(x, ind["year"].astype(int).astype(str))
    ax.set(title=f"Exits and relapses — {name}", xlabel="year", ylabel=unit)
    _legend_below(fig, ax, ncols=4)
    return fig


def draw_income_bands(ax: Axes, ind: pd.DataFrame, **median_style) -> None:
    """5th-95th and 25th-75th percentile bands, the median and the poverty line by year."""
    arguments.instance("ax", ax, Axes, "a matplotlib Axes (fig.subplots())")
    arguments.table("ind", ind, _INCOME_BANDS, _INDICATORS)
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
    registered = ("median_income_registered", "registered_households", "population_households")
    _checked("ind", ind, (*_INCOME_BANDS, *registered), _INDICATORS, scenario)
    name = _named(scenario, ind)
    ind = _yearly_means(ind)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    draw_income_bands(ax, ind)
    # The median of the last few registered agents is one household's luck (7,500 yuan with
    # two left): drawn only while enough agents, not weighted households, stand behind it.
    agents = ind["registered_households"] * scenario.population.households
    enough = agents >= FEW_REGISTERED * ind["population_households"]
    ax.plot(
        ind["year"],
        ind["median_income_registered"].where(enough),
        color="C2",
        ls=":",
        label="median, registered poor"
        + ("" if enough.all() else f" (years with {FEW_REGISTERED} or more agents)"),
    )
    ax.set(
        title=f"Income per person — {name}",
        xlabel="year",
        ylabel="yuan per person per year",
    )
    ax.set_ylim(bottom=0)
    _legend_below(fig, ax)
    return fig


def pathways(table: pd.DataFrame, scenario: Scenario) -> Figure:
    """Each year's exits by primary pathway (left), and the share of them each program
    helped (right).

    The primary pathways partition the exits, so they stack; the programs an exit was
    helped by overlap (a household may count under several), so each is a share of the
    year's exits in a cell of its own, where stacked bars would add credits up to no total.
    """
    columns = ("year", "program", "primary_households", "exited_households")
    _checked("table", table, columns, "a run's pathways (result.pathways)", scenario)
    name = _named(scenario, table)
    table = _yearly_means(table, ["year", "program"])
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    colours = program_colours([*scenario.programs, *table["program"]])
    primary = table.pivot(index="year", columns="program", values="primary_households")
    exits = primary.sum(axis=1)
    # A nation's millions, read off the axis, not an offset of 1e6 or 1e7 beside it
    per, unit = (
        (1e6, "million households") if float(exits.max() or 0.0) >= 1e6 else (1.0, "households")
    )
    _stacked_bars(left, primary / per, colours)
    if len(primary):  # the tallest bar clear of the frame
        left.set_ylim(top=1.05 * float(exits.max()) / per or None)
    left.set(
        title="Exits by primary pathway (none: no one program needed)", xlabel="year", ylabel=unit
    )
    # The programs an exit needed only together are each credited on their own already.
    credited = table[table["program"] != JOINT_PATHWAY]
    helped = credited.pivot(index="year", columns="program", values="exited_households")
    shares = helped.div(exits.where(exits > 0), axis=0)  # a year without exits has no share
    shares = shares.T.sort_index()  # a program a row, a year a column
    # "none" here is the exits no program helped; in the bars, those no one program was
    # needed for, about twice as many: one label for both read as a contradiction.
    shares.index = [f"({NO_PATHWAY}: not helped)" if p == NO_PATHWAY else p for p in shares.index]
    right.imshow(shares.to_numpy(dtype=float), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (row, col), share in np.ndenumerate(shares.to_numpy(dtype=float)):
        if np.isfinite(share):  # dark cells take white figures
            tone = "white" if share > 0.6 else "black"
            right.text(col, row, f"{share:.0%}", ha="center", va="center", fontsize=7, color=tone)
    right.set_xticks(range(len(shares.columns)), [str(y) for y in shares.columns])
    right.set_yticks(range(len(shares.index)), list(shares.index), fontsize="small")
    right.set(title="Share of the year's exits each program helped", xlabel="year")
    # Beside the panels: inside, the legend of eight programs hides the early years' bars.
    handles, labels = left.get_legend_handles_labels()  # every pathway, "combined" too
    fig.legend(handles, labels, fontsize="small", loc="outside right upper", title="program")
    fig.suptitle(name)
    return fig


def spending(table: pd.DataFrame, scenario: Scenario) -> Figure:
    """Money spent by each program per year against the year's total budget, the money left
    unspent hatched above the bars and its total noted (it does not carry over)."""
    columns = ("year", "program", "spent_yuan", "budget_yuan")
    _checked("table", table, columns, "a run's spending (result.spending)", scenario)
    name = _named(scenario, table)
    table = _yearly_means(table, ["year", "program"])
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    colours = program_colours([*scenario.programs, *table["program"]])  # as in pathways.png
    by_year = table.groupby("year")[["budget_yuan", "spent_yuan"]].sum()
    # A nation's money in billions, as the tables give it (350,000 "million yuan" ticks).
    per, word = money_unit(float(by_year.to_numpy().max()) if len(by_year) else 0.0)
    wide = table.pivot(index="year", columns="program", values="spent_yuan") / per
    _stacked_bars(ax, wide, colours)
    budget, spent = by_year["budget_yuan"] / per, by_year["spent_yuan"] / per
    # A guaranteed program may spend beyond its money: no year's gap is drawn below its bar.
    gap = (budget - spent).clip(lower=0)
    label = "unspent (not carried over)"
    if budget.sum() > 0:
        unspent = budget.sum() - spent.sum()
        label = (
            f"unspent: {unspent:,.1f} of {budget.sum():,.1f} {word} (not carried over)"
            if unspent >= 0
            else f"spent {-unspent:,.1f} {word} beyond the budgets of {budget.sum():,.1f} {word}"
        )
    ax.bar(by_year.index, gap, bottom=spent, fill=False, hatch="//", ec="0.6", lw=0, label=label)
    ax.plot(budget.index, budget, color="black", marker="_", ls="--", label="budget")
    if len(by_year):  # the tallest bar clear of the frame (the gaps' bottoms held it there)
        ax.set_ylim(top=1.06 * float(max(budget.max(), spent.max())))
    ax.set(
        title=f"Spending by program — {name}",
        xlabel="year",
        ylabel=f"{'million' if word == 'm' else 'billion'} yuan (the monitoring's help apart)",
    )
    _legend_below(fig, ax)
    return fig


def run_figures(result: RunOutput) -> dict[str, Figure]:
    """Every figure of a run (or of an ensemble of replications), by file name."""
    arguments.instance("result", result, RunOutput, "a run or an ensemble (povsim.run)")
    tables = result.tables()
    ind, scenario = tables["indicators"], result.scenario
    figures = {
        "poverty_headcount": poverty_headcount(ind, scenario, tables.get("counterfactual")),
        "exits_relapses": exits_relapses(ind, scenario),
        "income_fan": income_fan(ind, scenario),
    }
    if len(tables["spending"]):
        figures["pathways"] = pathways(tables["pathways"], scenario)
        figures["spending"] = spending(tables["spending"], scenario)
    return figures
