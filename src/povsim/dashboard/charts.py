"""Charts of the dashboard as ECharts options: the live run's indicators so far against
the mix's projection to the last year, and the villages of the live model.

The browser draws them (Solara ships ECharts with its offline assets), so a change sends
a few kilobytes of numbers instead of redrawing images on the server. Each function
returns a plain dict (JSON-ready: no NaN, only floats, ints, strings and None).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from povsim.sim.model import PovertyModel
from povsim.sim.villages import as_real_villages, village_people, village_share

__all__ = [
    "GRID_VILLAGES",
    "exits_chart",
    "income_chart",
    "poverty_chart",
    "village_chart",
    "village_scale",
]

GRID_VILLAGES = 150
"""Up to this many villages are drawn one cell each; more become a histogram (a grid of
hundreds of cells is too small to read)."""

RED, BLUE, GREEN, ORANGE, GREY = "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9e9e9e"
INCIDENCE_COLOURS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]  # YlOrRd
INCIDENCE_BINS = (0.0, 2.0, 5.0, 10.0, 20.0, 40.0, math.inf)
"""Village incidence bands (%) of the histogram."""


def _number(value: Any) -> float | None:
    """A JSON number, or None for a missing value (ECharts leaves a gap)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _by_year(frame: pd.DataFrame | None, column: str, years: range, scale: float = 1.0) -> list:
    """One value per year of ``years`` (None where the frame has no row yet)."""
    if frame is None or frame.empty:
        return [None] * len(years)
    values = dict(zip(frame["year"].astype(int), frame[column], strict=True))
    return [_number(values[y] * scale) if y in values else None for y in years]


NARROW_CHART = 560
"""The widest chart, in pixels, whose legend wraps instead of paging."""


def _frame(title: str, years: range, legend: bool = True) -> dict[str, Any]:
    """What every chart shares: the title, no animation (a change shows at once), a
    legend under the plot on one line (never over the data; wrapped in a narrow window it
    ran over the axis's name, so it pages instead) and one category per year."""
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        # small marks and gaps: at a laptop's width the pager hid the live incidence and
        # the poverty line on its second page
        "legend": {
            "show": legend,
            "type": "scroll",
            "bottom": 0,
            "itemWidth": 16,
            "itemHeight": 10,
            "itemGap": 6,
            "textStyle": {"fontSize": 10},
        },
        "grid": {"left": 70, "right": 60, "top": 45, "bottom": 75},
        "xAxis": {
            "type": "category",
            "data": [str(y) for y in years],
            "name": "year",
            "nameLocation": "middle",
            "nameGap": 25,
        },
    }


def _wraps_when_narrow(option: dict[str, Any]) -> dict[str, Any]:
    """``option`` with its legend wrapped under the plot, with room for it, in a chart at
    most :data:`NARROW_CHART` wide (a phone's, or a laptop's column): paged, the live
    incidence and the poverty line were out of sight. Given whole: a legend of another
    type is a new one, which would lose the entries the chart chose (``data``)."""
    wrapped = {"legend": {**option["legend"], "type": "plain"}, "grid": {"bottom": 110}}
    return {**option, "media": [{"query": {"maxWidth": NARROW_CHART}, "option": wrapped}]}


def _people_scale(
    *frames: pd.DataFrame | None, column: str, unit: str = "people"
) -> tuple[float, str]:
    """Thousands for large counts, so the axis reads "1,200" rather than "1,200,000"; a
    nation's in millions (its "86,000" thousand pushed the axis's name out of the chart)."""
    peak = max(
        (float(f[column].max()) for f in frames if f is not None and not f.empty), default=0.0
    )
    if peak >= 10_000_000:
        return 1e-6, f"million {unit}"
    return (1e-3, f"thousand {unit}") if peak >= 100_000 else (1.0, unit)


def _line(name: str, data: list, colour: str, projected: bool, **extra: Any) -> dict[str, Any]:
    style = {"type": "dashed", "width": 1.5} if projected else {"width": 2.5}
    return {
        "name": name,
        "type": "line",
        "data": data,
        "color": colour,
        "lineStyle": style,
        "symbol": "none" if projected else "circle",
        "connectNulls": False,
        **extra,
    }


def poverty_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> dict:
    """Registered poor people (left axis) and incidence (right axis, %) by year."""
    scale, unit = _people_scale(live, projected, column="registered_people")
    option = _frame("Registered poor and incidence", years)
    # The names run inward from their axes: centred on the left axis, "registered poor
    # (thousand people)" ran off the chart's edge ("stered poor ...").
    option["yAxis"] = [
        {
            "type": "value",
            "name": f"registered poor ({unit})",
            "min": 0,
            "nameTextStyle": {"align": "left"},
        },
        {
            "type": "value",
            "name": "incidence (%)",
            "min": 0,
            "splitLine": {"show": False},
            "nameTextStyle": {"align": "right"},
        },
    ]
    option["series"] = [
        _line(
            "registered (projected)",
            _by_year(projected, "registered_people", years, scale),
            BLUE,
            projected=True,
        ),
        _line(
            "incidence (projected)",
            _by_year(projected, "incidence", years, 100),
            RED,
            projected=True,
            yAxisIndex=1,
        ),
        _line("registered", _by_year(live, "registered_people", years, scale), BLUE, False),
        _line("incidence", _by_year(live, "incidence", years, 100), RED, False, yAxisIndex=1),
    ]
    return _wraps_when_narrow(option)


def exits_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> dict:
    """Exits and relapses (households) per year: bars so far, the projection as dashes."""
    option = _frame("Exits and relapses", years)
    scale, unit = _people_scale(live, projected, column="exits_households", unit="households")
    option["yAxis"] = {"type": "value", "name": unit, "min": 0}
    option["series"] = [
        {"name": "exits", "type": "bar", "color": GREEN},
        {"name": "relapses", "type": "bar", "color": ORANGE},
        _line("exits (projected)", [], GREEN, projected=True),
        _line("relapses (projected)", [], ORANGE, projected=True),
    ]
    columns = ("exits_households", "relapses_households")
    for series, column in zip(option["series"][:2], columns, strict=True):
        series["data"] = _by_year(live, column, years, scale)
    for series, column in zip(option["series"][2:], columns, strict=True):
        series["data"] = _by_year(projected, column, years, scale)
    return _wraps_when_narrow(option)


def _band(name: str, low: list, high: list, opacity: float, stack: str) -> list[dict]:
    """A filled band between two series: an invisible base and the gap stacked on it."""
    gap = [None if a is None or b is None else b - a for a, b in zip(low, high, strict=True)]
    base = {
        "type": "line",
        "data": low,
        "stack": stack,
        "symbol": "none",
        "lineStyle": {"opacity": 0},
    }
    return [
        {**base, "name": f"{name} (base)", "tooltip": {"show": False}},
        {
            **base,
            "name": name,
            "data": gap,
            # the legend's swatch as light as the band: two bands of one solid blue read
            # as one
            "color": _translucent(BLUE, opacity),
            "areaStyle": {"opacity": opacity, "color": BLUE},
        },
    ]


def _translucent(colour: str, opacity: float) -> str:
    """``#rrggbb`` at ``opacity``, as CSS rgba()."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {opacity:g})"


def income_chart(live: pd.DataFrame, projected: pd.DataFrame | None, years: range) -> dict:
    """Income percentiles (5-95) against the poverty line, yuan per person per year: the
    live run's so far with the projection's median as dashes to the last year, or the
    projection's bands until the live run has two years (a band of one year is no area).
    A run of one year shows its point as marks."""
    shown = live if len(live) > 1 or projected is None else projected
    tag = "" if shown is live else " (projected)"
    option = _frame(f"Income percentiles and the line{tag}", years)
    option["yAxis"] = {"type": "value", "name": "yuan per person per year", "min": 0}
    p = {q: _by_year(shown, f"income_p{q:02d}", years) for q in (5, 25, 50, 75, 95)}
    series = [
        *_band("5th–95th percentile", p[5], p[95], 0.2, "outer"),
        *_band("25th–75th percentile", p[25], p[75], 0.4, "inner"),
        _line(f"median{tag}", p[50], BLUE, projected=bool(tag)),
    ]
    if projected is not None and shown is live:
        median = _by_year(projected, "income_p50", years)
        series.append(_line("median (projected)", median, BLUE, projected=True))
    # the line to the last year: the projection has every year, the live run its own so far
    line = projected if projected is not None else shown
    series.append(
        {
            **_line("poverty line", _by_year(line, "poverty_line", years), RED, False),
            "step": "middle",
            "symbol": "none",
        }
    )
    if sum(v is not None for v in p[50]) == 1:
        # One year draws no line and no area: mark the point, the bands' ends and the line.
        for each in series:
            each.update(symbol="circle", symbolSize=7, showSymbol=True)
    option["series"] = series
    option["legend"]["data"] = [s["name"] for s in series if not s["name"].endswith("(base)")]
    return _wraps_when_narrow(option)


def village_chart(model: PovertyModel, assessed: int | None, top: float | None = None) -> dict:
    """The villages by incidence: a grid of cells (exited poor villages ticked, the
    resettlement site labelled) or, for many villages, a histogram by status.

    ``top`` is the grid's colour scale's top (% of people; :func:`village_scale` of the
    model as it was drawn): one scale for every year, so a colour means one incidence
    throughout the run. Without it the scale is the model's state now.
    """
    if model.villages.n > GRID_VILLAGES:
        return _village_histogram(model, assessed)
    return _village_grid(model, assessed, village_scale(model) if top is None else top)


def village_scale(model: PovertyModel) -> float:
    """The village grid's colour scale's top, % of people: the highest village incidence at
    registration, at least 20%, rounded up to a multiple of 10. Taken before the first year:
    a scale that followed each year's highest village turned a village at 10% from pale to
    dark as the others left poverty."""
    incidence = _village_incidence(model, None)
    highest = float(np.nanmax(incidence)) if incidence.size else 0.0
    return float(10 * math.ceil(max(20.0, highest) / 10))


def _village_incidence(model: PovertyModel, assessed: int | None) -> np.ndarray:
    """Each village's incidence, % of its people, read at the real villages' spread as the
    designation reads it (a sample village's few agents scatter more): at the last
    assessment, or before the first as the registration judged it (under the line it used);
    the model computes it only at a year's end."""
    v, h = model.villages, model.households
    if assessed is not None:
        counted = np.nan_to_num(np.asarray(v.incidence, dtype=float))
    else:
        poor = village_people(h, v, h.income < model.config.registration_line)
        counted = village_share(poor, village_people(h, v))
    return 100 * as_real_villages(h, v, counted)


def _village_status(model: PovertyModel) -> dict[str, np.ndarray]:
    v = model.villages
    poor = v.poor_village & ~v.exited & ~v.resettlement
    exited = v.exited & ~v.resettlement
    return {
        "poor village": poor,
        "exited poor village": exited,
        "other village": ~(poor | exited | v.resettlement),
    }


def _village_grid(model: PovertyModel, assessed: int | None, top: float) -> dict:
    v = model.villages
    n = v.n
    side = max(1, math.ceil(math.sqrt(n)))
    rows, cols = np.divmod(np.arange(n), side)
    incidence = _village_incidence(model, assessed)
    status = _village_status(model)
    option = _frame(f"Villages by incidence (%), {assessed or 'at registration'}", range(0))
    option["tooltip"] = {"trigger": "item"}
    axis = {"type": "category", "show": False, "splitArea": {"show": False}}
    option["xAxis"] = {**axis, "data": [str(c) for c in range(side)]}
    option["yAxis"] = {**axis, "data": [str(r) for r in range(side)], "inverse": True}
    option["grid"] = {"left": 10, "right": 90, "top": 45, "bottom": 60}
    cells = [
        [int(c), int(r), _number(x)]
        for c, r, x, site in zip(cols, rows, incidence, v.resettlement, strict=True)
        if not site
    ]
    option["visualMap"] = {
        "min": 0,
        "max": round(top),
        "calculable": False,
        "orient": "vertical",
        "right": 10,
        "top": "middle",
        "text": [f"{round(top)}%", "0%"],
        "inRange": {"color": INCIDENCE_COLOURS},
        "seriesIndex": 0,
    }
    marks = {"poor village": ("emptyRect", "#000000"), "exited poor village": ("circle", GREEN)}
    option["series"] = [
        {
            "name": "incidence (%)",
            "type": "heatmap",
            "data": cells,
            # the legend's swatch; the cells take theirs from the scale (ECharts' default
            # blue, which no cell has, read as a colour of its own)
            "color": INCIDENCE_COLOURS[2],
            "itemStyle": {"borderWidth": 1, "borderColor": "#ffffff"},
        },
        *(
            {
                "name": name,
                "type": "scatter",
                "symbol": symbol,
                "symbolSize": 12 if symbol == "emptyRect" else 7,
                "color": colour,
                "data": [[int(cols[i]), int(rows[i])] for i in np.flatnonzero(status[name])],
            }
            for name, (symbol, colour) in marks.items()
        ),
        {
            "name": "resettlement site (relocated households)",
            "type": "scatter",
            "symbol": "triangle",
            "symbolSize": 14,
            "color": GREY,
            "data": [[int(cols[i]), int(rows[i])] for i in np.flatnonzero(v.resettlement)],
        },
    ]
    return _wraps_when_narrow(option)


def _village_histogram(model: PovertyModel, assessed: int | None) -> dict:
    v = model.villages
    incidence = _village_incidence(model, assessed)
    bands = [
        f"{lo:g}–{hi:g}%" if math.isfinite(hi) else f"≥{lo:g}%"
        for lo, hi in itertools.pairwise(INCIDENCE_BINS)
    ]
    which = np.digitize(incidence, INCIDENCE_BINS[1:-1])
    when = assessed or "at registration"
    # real villages, as every other chart counts real people: a profile's sample villages
    # stand for many each (Sichuan's 2,000 for its 46,000)
    real = float(v.weight[~v.resettlement].sum())
    title = f"{real:,.0f} villages by incidence, {when}"
    option = _frame(title, range(0))
    option["xAxis"] = {
        "type": "category",
        "data": bands,
        "name": "incidence",
        "nameLocation": "middle",
        "nameGap": 25,
        # every band named: ECharts hides every other name where it judges them crowded
        "axisLabel": {"interval": 0, "fontSize": 10},
    }
    option["yAxis"] = {"type": "value", "name": "villages", "min": 0}
    colours = {"poor village": RED, "exited poor village": GREEN, "other village": GREY}
    option["series"] = [
        {
            "name": name,
            "type": "bar",
            "stack": "villages",
            "color": colours[name],
            "data": np.round(
                np.bincount(which[mask], weights=v.weight[mask], minlength=len(bands))
            ).tolist(),
        }
        for name, mask in _village_status(model).items()
    ]
    return _wraps_when_narrow(option)
