"""Figures of comparisons and sensitivity analyses."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from povsim.config import arguments
from povsim.plots.common import Figure, _legend_below, _line, _yearly_means
from povsim.runs.metrics import is_known, label, outcome
from povsim.runs.stats import mean_interval

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.axes import Axes

__all__ = [
    "comparison_bars",
    "comparison_trajectories",
    "sensitivity_bars",
    "sweep_outcomes",
    "time_varying_indices",
]


def comparison_trajectories(trajectories: pd.DataFrame) -> Figure:
    """Incidence and registered incidence of every scenario, and with replications each
    one's paired difference from the first, with 95% bands.

    Mixes run on the same seeds differ far more surely than their own bands suggest: eight
    mixes' bands piled into one smear while their paired differences stood apart. So the
    levels carry bands for up to :data:`MAX_BANDS` mixes, and a second row shows each mix's
    difference from the first, replication by replication, with its paired band.
    """
    arguments.table(
        "trajectories",
        trajectories,
        ("scenario", "year", "incidence", "registered_incidence"),
        "a comparison's trajectories (comparison.trajectories)",
    )
    names = list(dict.fromkeys(trajectories["scenario"]))
    paired = (
        len(names) > 1
        and "replication" in trajectories
        and trajectories["replication"].nunique() > 1
    )
    fig = Figure(figsize=(11, 8.0 if paired else 4.5), layout="constrained")
    axes = fig.subplots(2 if paired else 1, 2, sharey="row", squeeze=False)
    (left, right) = axes[0]
    columns = (("incidence", "o"), ("registered_incidence", "s"))
    bands = len(names) <= MAX_BANDS
    frames = dict(tuple(trajectories.groupby("scenario", sort=False)))
    for i, name in enumerate(names):
        # without a band, the mean over replications alone
        frame = frames[name] if bands else _yearly_means(frames[name].drop(columns="scenario"))
        for ax, (column, marker) in zip((left, right), columns, strict=True):
            _line(ax, frame, column, 100, marker=marker, label=_short(name), color=f"C{i}")
    left.set(title="Poverty incidence", xlabel="year", ylabel="% of people")
    right.set(title="Registered incidence", xlabel="year")
    left.set_ylim(bottom=0)
    if not bands:
        left.set_title(f"Poverty incidence (means; bands for up to {MAX_BANDS} mixes)")
    if paired:
        reference = frames[names[0]].set_index(["year", "replication"])
        for ax, (column, marker) in zip(axes[1], columns, strict=True):
            ax.axhline(0.0, color="0.5", linewidth=1.0)
            for i, name in enumerate(names[1:], start=1):
                other = frames[name].set_index(["year", "replication"])
                difference = (other[column] - reference[column]).dropna().reset_index()
                # Not cut at 0 as a share's band is: a band that stopped at the zero line
                # read as an interval excluding 0 where the table's Δ did not.
                _line(ax, difference, column, 100, floor=False, marker=marker, color=f"C{i}")
            ax.set(xlabel="year")
        # The reference named once, up the side: in both titles a long name ran one into
        # the other.
        axes[1][0].set(
            title="Poverty incidence: difference",
            ylabel=f"pp, minus {_short(names[0])} (paired)",
        )
        axes[1][1].set(title="Registered incidence: difference")
    # Beside the panels: seven mixes' legend inside one would hide its lines.
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize="small", loc="outside right upper", title="scenario")
    return fig


NAME_MOST = 32
"""The longest a mix's name is drawn; a longer one is cut with an ellipsis (a 300-character
name pushed the legend over the panels and collapsed the layout)."""


def _short(name: str) -> str:
    """A mix's name as drawn: at most :data:`NAME_MOST` characters."""
    return name if len(name) <= NAME_MOST else name[: NAME_MOST - 1] + "…"


MAX_BANDS = 4
"""Mixes whose levels still carry their 95% bands (more pile up into one smear)."""


def comparison_bars(table: pd.DataFrame) -> Figure:
    """Cumulative exit and relapse shares and cost per exit per scenario, with 95% intervals."""
    arguments.table(
        "table",
        table,
        (
            "scenario",
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "diff_mean",
            "diff_ci_low",
            "diff_ci_high",
        ),
        "a comparison's table (comparison.table)",
    )
    scenarios = list(dict.fromkeys(table["scenario"]))
    # One row per mix, its name level to the left and its Δ at the row's right end: eight
    # mixes' Δ labels over upright bars ran into each other, and their names were slanted.
    fig = Figure(figsize=(12, 1.4 + 0.42 * len(scenarios)), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    # (metric, scale, title, axis unit, a difference's unit: shares differ in points)
    panels = (
        ("cumulative_exit_share", 100, "Cumulative exit share", "% of registered households", "pp"),
        (
            "cumulative_relapse_share",
            100,
            "Cumulative relapse share",
            "% of exited households",
            "pp",
        ),
        ("cost_per_exit", 1e-3, "Cost per exit", "thousand yuan", "k yuan"),
    )
    reference = scenarios[0]
    y = np.arange(len(scenarios))
    tops: list[float] = []
    for ax, (metric, scale, title, unit, per) in zip(axes, panels, strict=True):
        rows = table[table["metric"] == metric].set_index("scenario").reindex(scenarios)
        mean = scale * rows["mean"].to_numpy(dtype=float)
        error = scale * np.vstack([rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]])
        # A t-interval of a few replications can reach past what the outcome can be (under
        # 0, a share over 100%): the bar's whisker stops there.
        least, most = outcome(metric).least, outcome(metric).most
        if least is not None:
            error[0] = np.minimum(error[0], mean - scale * least)
        if most is not None:
            error[1] = np.minimum(error[1], scale * most - mean)
        ax.barh(y, mean, xerr=np.nan_to_num(error), capsize=3, color=[f"C{i}" for i in y])
        # The bars' intervals are each mix's own; two mixes on the same seeds differ far more
        # surely than overlapping bars suggest, so each bar carries its paired difference.
        top = np.nanmax(np.append(mean + np.nan_to_num(error[1]), 0.0))
        tops.append(top)
        for i, row in enumerate(rows.itertuples()):
            if row.Index == reference or np.isnan(row.diff_mean):
                continue
            label = "Δ " + _signed(scale * row.diff_mean)
            half = scale * (row.diff_ci_high - row.diff_ci_low) / 2
            if not np.isnan(half):
                label += f" ±{half:.1f}"
            label += f" {per}"
            # in its row at the panel's right edge, in the room the axis leaves there
            ax.annotate(
                label,
                (1.0, i),
                xycoords=("axes fraction", "data"),
                xytext=(-3, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize="x-small",
            )
        if top > 0:
            # the scale only as far as the bars go
            ticks = MaxNLocator(5, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top)
            ax.set_xticks([t for t in ticks if 0 <= t <= 1.02 * top])
            ax.set_xlim(0, top / 0.6)
        ax.set_yticks(y, [_short(s) for s in scenarios])
        ax.set(title=title, xlabel=unit)
    axes[0].invert_yaxis()  # the reference first, at the top, as in the table (shared)
    _room_for_labels(fig, axes, tops)
    fig.suptitle(
        f"Each mix's mean with its 95% interval; Δ: paired difference from {_short(reference)} "
        "(the same seeds) with its 95% interval, of shares in percentage points (pp)",
        fontsize="small",
    )
    return fig


def _signed(value: float) -> str:
    """A difference with its sign, one that rounds to nothing without a sign."""
    shown = f"{value:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown


def _room_for_labels(fig: Figure, axes: Sequence[Axes], tops: Sequence[float]) -> None:
    """Each panel's scale long enough that its bars end left of its Δ labels.

    The labels sit at the panel's right edge, a width fixed in points, and the bars had
    three fifths of the panel: a cost's "Δ +6.3 ±0.1 k yuan" ran over the longest bars.
    """
    # Twice: a new scale brings new tick labels, and the layout narrows the panels again
    # (a whisker had run into its label by a few pixels).
    for _ in range(2):
        fig.draw_without_rendering()  # the layout, which sets the panels' widths
        for ax, top in zip(axes, tops, strict=True):
            if top <= 0 or not ax.texts:
                continue
            panel = ax.get_window_extent().width
            label = max(t.get_window_extent().width for t in ax.texts)
            # the share of the panel left of the widest label, less its offset, a cap, a gap
            free = 1 - (label + 20) / panel
            ax.set_xlim(0, top / max(min(free, 0.9), 0.3))


_MAIN_INDICES = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu_star", "sigma")}


def sensitivity_bars(
    indices: pd.DataFrame, method: str, no_indices: Mapping[str, str] | None = None
) -> Figure:
    """First-order and total indices (Morris: mu* and sigma) of each input, per output;
    ``no_indices``: why an output has none (``PovsimProblemSpec.no_indices()``)."""
    arguments.table(
        "indices",
        indices,
        ("output", "input", "input2", "index", "value", "conf", "listed"),
        "a sensitivity analysis's indices (indices_table(sp))",
    )
    first, second = _MAIN_INDICES[_method_of(indices, method, "indices")]
    scalar = indices[indices["listed"] & indices["input2"].isna()]
    outputs = list(dict.fromkeys(scalar["output"]))
    fig = Figure(figsize=(4.2 * max(len(outputs), 1), 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(len(outputs), 1), squeeze=False)[0])
    unmeasured: set[str] = set()
    for ax, output in zip(axes, outputs, strict=False):
        rows = scalar[scalar["output"] == output]
        inputs = list(dict.fromkeys(rows["input"]))
        x = np.arange(len(inputs))
        parts = {}
        for offset, index in ((-0.2, first), (0.2, second)):
            part = parts[index] = rows[rows["index"] == index].set_index("input").reindex(inputs)
            ax.bar(
                x + offset,
                part["value"],
                0.4,
                # no whisker where the index has no interval (Morris's sigma): one of
                # length 0 read as an index known exactly
                yerr=part["conf"].to_numpy(dtype=float),
                capsize=2,
                label=index,
            )
        # A group's missing sigma (SALib measures a Morris group's mu* only) drew no bar,
        # read as a sigma of 0: it is marked where the bar would stand, and said below.
        missing = parts[second]["value"].isna() & parts[first]["value"].notna()
        for position in x[missing.to_numpy()]:
            ax.annotate(
                NO_INDEX,
                (position + 0.2, 0),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="small",
            )
            unmeasured.add(second)
        ax.set_xticks(x, inputs, rotation=40, ha="right", fontsize="small")
        ax.set_title(output)
        if rows["value"].isna().all():
            # e.g. cost per exit where nothing is spent: an empty panel would say nothing
            why = (no_indices or {}).get(output, "no value in the runs: undefined here")
            ax.text(
                0.5,
                0.5,
                why.replace(": ", ":\n", 1),
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_yticks([])  # an axis with no bars on it has no scale to read
            continue
        ax.set_ylabel(_index_axis(method, output, index=None))
        ax.legend(fontsize="small")
    fig.suptitle(f"{method} sensitivity indices")
    if unmeasured:
        fig.supxlabel(
            f"{NO_INDEX}: no {', '.join(sorted(unmeasured))}: SALib measures a group of inputs' "
            f"{first} only",
            fontsize="small",
        )
    return fig


NO_INDEX = "n/a"
"""How a bar chart marks an index SALib does not estimate (a Morris group's sigma)."""


_METHOD_OF = {"mu_star": "morris", "S1": "sobol"}
"""An index each method's table holds and the others' do not (FAST's are Sobol's names)."""


def _method_of(indices: pd.DataFrame, method: str, argument: str) -> str:
    """``method``, checked against the indices the table holds: a Sobol' table drawn as
    Morris's drew empty panels without a word.

    Raises:
        ValueError: an unknown method, or one whose indices the table does not hold.
    """
    method = arguments.one_of("method", method, tuple(_MAIN_INDICES))
    held = set(indices["index"].dropna().astype(str))
    found = [m for index, m in _METHOD_OF.items() if index in held]
    wanted = _MAIN_INDICES[method][0]
    if found and wanted not in held:
        shown = ", ".join(sorted(held))
        other = "sobol or fast" if found[0] == "sobol" else found[0]
        raise ValueError(
            f"method: {argument} holds {shown}, a {other} analysis's indices, not {method}'s "
            f"({', '.join(_MAIN_INDICES[method])}): give method={other.split()[0]!r}"
        )
    return method


def _index_axis(method: str, output: str, index: str | None) -> str:
    """An index's axis label with its unit, on two lines: on one, Morris's ran past the
    panel's height, over the figure's title."""
    name = f"{index}, " if index else ""
    if method == "morris":
        return f"{name}elementary effect\n({_effect_unit(output)})"
    return f"{name}share of the\noutput's variance"


def _effect_unit(output: str) -> str:
    """The unit a Morris effect on ``output`` is in: the output's own (a share as a fraction,
    0.01 is one point), per the input's whole range."""
    if not is_known(output):
        return "output's units"
    unit = outcome(output).unit
    return "share, 0.01 = 1 point" if unit == "share" else unit


INDEX_AXIS = (-0.1, 1.1)
"""The axis of Sobol' and FAST indices year by year; estimates beyond it are marked at its
edge with their value."""


def _mark_off_axis(
    ax: Axes, line: pd.DataFrame, colour: str, marked: Counter[tuple[object, float]]
) -> None:
    """Mark at the axis's edge, with its value, each year's index beyond :data:`INDEX_AXIS`;
    ``marked`` counts the panel's marks at each year and edge, so a second input's value
    stands under the first's, not over it ("2.6" and "2.5" were printed on each other)."""
    low, high = INDEX_AXIS
    for year, value in zip(line["year"], line["value"], strict=True):
        if not (value > high or value < low):
            continue
        edge, marker, offset, inward = (high, "^", -11, -8) if value > high else (low, "v", 5, 8)
        earlier = marked[year, edge]
        marked[year, edge] += 1
        ax.plot([year], [edge], marker=marker, color=colour, clip_on=False)
        ax.annotate(
            f"{value:.2g}",
            (year, edge),
            xytext=(-5, offset + inward * earlier),
            textcoords="offset points",
            ha="right",  # inside the axis: the last year's stood past its edge
            fontsize="x-small",
            color=colour,
        )


def time_varying_indices(yearly: pd.DataFrame, method: str) -> Figure:
    """Each input's total index (Morris: mu*) for each year's value of each indicator."""
    arguments.table(
        "yearly",
        yearly,
        ("column", "year", "input", "index", "value", "conf"),
        "the indices year by year (time_varying_table(indices))",
    )
    method = _method_of(yearly, method, "yearly")
    index = _MAIN_INDICES[method][1 if method != "morris" else 0]
    columns = list(dict.fromkeys(yearly["column"])) or ["(none)"]
    # The legend goes under the panels, as many names a row as their width allows (a small
    # label's letter is about 0.055 in, its marker and gap 0.55 in): beside them, it covered
    # the right panel's title, or the title above a single panel.
    names = list(dict.fromkeys(yearly.loc[yearly["index"] == index, "input"]))
    width = 6 * len(columns)
    per_row = max(1, min(len(names), int(width / (0.55 + 0.055 * max(map(len, names), default=0)))))
    legend_rows = -(-len(names) // per_row)
    fig = Figure(figsize=(width, 4.2 + 0.25 * legend_rows), layout="constrained")
    fig.suptitle(f"{index} of each input, year by year")
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    drawn = False
    for ax, column in zip(axes, columns, strict=True):
        rows = yearly[(yearly["column"] == column) & (yearly["index"] == index)]
        marked: Counter[tuple[object, float]] = Counter()
        for name, line in rows.groupby("input", sort=False):
            line = line.sort_values("year")
            (plotted,) = ax.plot(line["year"], line["value"], marker="o", label=name)
            ax.fill_between(
                line["year"],
                line["value"] - line["conf"].fillna(0),
                line["value"] + line["conf"].fillna(0),
                alpha=0.15,
                color=plotted.get_color(),
            )
            if method != "morris":
                _mark_off_axis(ax, line, plotted.get_color(), marked)
        # the column alone: the whole sentence ran past the panel, cut off at the figure's
        # edge or under the legend; what is shown is said once, above the panels
        ax.set(title=column, xlabel="year", ylabel=_index_axis(method, f"{column}@0", index))
        if len(rows) and rows["value"].notna().any():
            drawn = True
            if method != "morris":
                # A year whose output hardly varies (the register's incidence of 2020, near
                # 0 in every run) has estimates of several times 1, ± more: they set the
                # axis and flattened every other year. Indices are shares of variance.
                ax.set_ylim(*INDEX_AXIS)
        elif len(rows):
            # the same (or missing) in every run, every year: nothing to draw
            ax.text(
                0.5,
                0.5,
                "no year has indices:\nthe same or missing in every run",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_yticks([])
        else:
            ax.text(0.5, 0.5, "no time-varying indicators", ha="center", transform=ax.transAxes)
    if drawn:
        # one legend for every panel, outside them: inside, it covered the highest points
        # (from the first panel with lines: a first indicator without indices has none)
        handles, labels = next(
            (h, lab) for h, lab in (ax.get_legend_handles_labels() for ax in axes) if h
        )
        fig.legend(handles, labels, fontsize="small", loc="outside lower center", ncols=per_row)
    return fig


SWEEP_OUTCOMES = (
    "incidence_end",
    "cumulative_exit_share",
    "cumulative_relapse_share",
    "cost_per_exit",
)
"""The headline outcomes a sweep's figure shows, where its summary has them."""


def _grid_points(summary: pd.DataFrame, fields: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The fields a grid's points differ in, as an axis names them (``plan_unit,
    work_teams``: the shortest ending of each path no other shares), and each point's
    name (g0000) -> its values of them (``household, True``). A field of one value at
    every point is left out where another varies."""
    varying = [f for f in fields if summary[f].nunique(dropna=False) > 1] or list(fields)
    parts = [f.split(".") for f in varying]
    short = []
    for mine in parts:
        k = next(
            k
            for k in range(1, len(mine) + 1)
            if all(other[-k:] != mine[-k:] for other in parts if other is not mine)
        )
        short.append(".".join(mine[-k:]))
    named = {}
    for name, rows in summary.groupby("point_name", sort=False):
        first = rows.iloc[0]
        named[str(name)] = ", ".join(
            "unset" if pd.isna(first[f]) else _value(first[f]) for f in varying
        )
    return ", ".join(short), named


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_outcomes(
    summary: pd.DataFrame, varied: Sequence[str] = (), kind: str = "variants"
) -> Figure:
    """Each headline outcome's mean over the replications, with its 95% interval, at each
    point of a sweep. A grid's points are drawn against its first field that is a number, a
    line for each combination of its other fields; a Latin hypercube's against its first
    range, unjoined; named variants a point for each variant, and a grid of no number a
    point for each of its points, named by its values.

    Args:
        summary: a sweep's ``summary.parquet`` (``sweep_summary``): its plan with each
            finished run's headline figures.
        varied: the design's fields, in its order (empty for variants).
        kind: the design's: ``"grid"``, ``"lhs"`` or ``"variants"``.
    """
    kind = arguments.one_of("kind", kind, ("grid", "lhs", "variants"))
    arguments.table("summary", summary, ("point", "point_name"), "a sweep's summary.parquet")
    shown = [m for m in SWEEP_OUTCOMES if m in summary and summary[m].notna().any()]
    fields = [f for f in varied if f in summary] if kind != "variants" else []
    # The axis is a field of numbers the points vary (a bool's 0 and 1 read as a scale, and
    # a field of one value draws every point at one x)
    number = [
        f
        for f in fields
        if pd.api.types.is_numeric_dtype(summary[f])
        and not pd.api.types.is_bool_dtype(summary[f])
        and summary[f].nunique() > 1
    ]
    numeric = bool(number)
    x_field = number[0] if numeric else "point_name"
    series_fields = [f for f in fields if f != x_field] if kind == "grid" and numeric else []
    # A grid's point without a number to draw it at is named by its values: g0000 said
    # nothing of which point it was.
    grid_axis, named_points = (
        _grid_points(summary, fields) if kind == "grid" and not numeric and fields else ("", {})
    )
    fig = Figure(figsize=(4.2 * max(len(shown), 1), 3.8), layout="constrained")
    axes = fig.subplots(1, max(len(shown), 1), squeeze=False).ravel()
    if not shown:
        axes[0].text(0.5, 0.5, "no run has finished", ha="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return fig
    # dropna=False: a point that leaves a field unset is a line of its own, not dropped
    groups = (
        summary.groupby(series_fields, sort=True, dropna=False)
        if series_fields
        else [((), summary)]
    )
    for ax, metric in zip(axes, shown, strict=True):
        scale = 100.0 if outcome(metric).unit == "share" else 1.0
        for key, rows in groups:
            key = key if isinstance(key, tuple) else (key,)
            points = [
                (x, *mean_interval(part[metric])) for x, part in rows.groupby(x_field, sort=numeric)
            ]
            if not numeric:  # variants in the design's order, not the alphabet's
                order = dict.fromkeys(summary.sort_values("point")["point_name"])
                points.sort(key=lambda p: list(order).index(p[0]))
            x = [named_points.get(p[0], p[0]) for p in points]
            mean = scale * np.array([p[1] for p in points])
            low = scale * np.array([p[2] for p in points])
            high = scale * np.array([p[3] for p in points])
            # a few replications' t-interval reached past what the outcome can be (108%)
            least, most = outcome(metric).least, outcome(metric).most
            if least is not None:
                low = np.maximum(low, scale * least)
            if most is not None:
                high = np.minimum(high, scale * most)
            named = ", ".join(
                f"{f} unset"
                if pd.isna(v)
                else f"{f} = {v:g}"
                if isinstance(v, float)
                else f"{f} = {v}"
                for f, v in zip(series_fields, key, strict=True)
            )
            ax.errorbar(
                x,
                mean,
                yerr=np.nan_to_num(np.vstack([mean - low, high - mean])),
                marker="o",
                capsize=3,
                ls="-" if kind == "grid" and numeric else "none",
                label=named or None,
            )
        unit = "%" if scale == 100 else outcome(metric).unit
        xlabel = x_field if numeric else "variant" if kind == "variants" else grid_axis or "point"
        ax.set(title=label(metric).removesuffix(" (yuan)"), ylabel=unit, xlabel=xlabel)
        if unit == "yuan":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if not numeric:
            ax.tick_params(axis="x", labelrotation=30)
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
        if outcome(metric).least == 0:
            # from 0, with room over the highest point (a share of 90% sat on the frame)
            ax.set_ylim(0, 1.08 * ax.get_ylim()[1])
    if axes[0].get_legend_handles_labels()[1]:
        _legend_below(fig, axes[0])
    replications = int(summary["replication"].nunique()) if "replication" in summary else 1
    fig.suptitle(
        "Sweep: one replication a point (no interval)"
        if replications == 1
        else f"Sweep: means of {replications} replications with their 95% intervals"
    )
    return fig
