"""The tables commands print, every figure formatted by the outcome registry."""

from __future__ import annotations

import math
import re
import textwrap
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from povsim.experiments.compare import COMPARED, COUNTED, COUNTED_NOTE
from povsim.runs.display import format_value
from povsim.runs.metrics import is_known, label, outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import pandas as pd

    from povsim.experiments.compare import Comparison
    from povsim.experiments.ensemble import Ensemble
    from povsim.runs.runner import RunResult

__all__ = [
    "comparison_table",
    "headline_table",
    "indices_table",
    "intervals_table",
    "label",
    "miss_reasons",
    "summary_table",
    "sweep_table",
    "targets_table",
]

HEADLINE_ROWS = (
    "incidence_end",
    "incidence_end_without_support",
    "registered_households_end",
    "registered_people_end",
    "exits_households",
    "relapses_households",
    "cumulative_exit_share",
    "cumulative_relapse_share",
    "county_exited_share",
    "county_exit_year",
    "villages_exited",
    "budget_yuan",
    "spending_yuan",
    "unspent_yuan",
    "cost_per_exit",
    "additional_exits",
    "cost_per_additional_exit",
    "relapses_avoided",
    "cost_per_relapse_avoided",
)
"""Outcomes the tables of a single run and of replications show, in order (those it has)."""


_COUNTS = ("households", "people", "person-years", "villages", "counties")


def _counted(target: str) -> bool:
    """Whether a target (``deep_poverty_counties[Tibet]@2017``) is a count of something."""
    name = re.sub(r"\[[^\]]*\]", "", target)
    return is_known(name) and outcome(name).unit in _COUNTS


def _number(value: float, like: float | None = None, *, count: bool = False) -> str:
    """``value`` in three figures or whole numbers; ``like``: a value it is the spread of,
    whose precision it takes (a count of 520 ±0, not ±0.000); a ``count`` under 100 in three
    figures (0 counties, not 0.000)."""
    if math.isnan(value):
        return "-"
    if like is not None and abs(like) >= 100:
        return f"{value:,.0f}"
    if abs(value) < 1 and not count:
        return f"{value:.3f}"
    # three figures for small numbers: 3.04 people a household is not 3
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"


def summary_table(result: RunResult, width: int | None = None) -> RenderableType:
    """One row per simulated year: the register and the poor.

    Args:
        width: the terminal's columns: where the table is wider, its columns are split
            among tables stacked one under another, each with the years (at 50 columns a
            terminal cut every number to "2,…").
    """
    title = f"{result.scenario.name} (seed {result.seed})"
    columns = ("year", "line", "poor", "incid.", "reg.", "exits", "relapse", "new", "removed")
    headers = (*columns, "villages")
    # A nation's counts in thousands: in full they took the table past 80 columns, where
    # a terminal cut every number to "75,160…".
    scale = 1_000 if result.indicators["poor_people"].max() >= 10_000_000 else 1
    # and a nation's villages (53,351/128,035 still ran 3 past 80)
    villages = 1_000 if result.indicators["poor_villages"].max() >= 10_000 else 1
    shown = "{:,.1f}" if villages > 1 else "{:,.0f}"
    rows = []
    for row in result.indicators.itertuples():
        rows.append(
            [
                str(row.year),
                f"{row.poverty_line:,.0f}",
                f"{row.poor_people / scale:,.0f}",
                format_value("incidence_end", float(row.incidence)),
                *(
                    f"{value / scale:,.0f}"
                    for value in (
                        row.registered_households,
                        row.exits_households,
                        row.relapses_households,
                        row.new_entrants_households,
                        row.removed_households,
                    )
                ),
                f"{shown.format(row.villages_exited / villages)}/"
                f"{shown.format(row.poor_villages / villages)}",
            ]
        )
    # Lines within the table's 72 columns: a longer one wraps mid-phrase.
    thousands = ", thousands" if scale > 1 else ""
    caption = (
        f"line: yuan/person/year; poor: people below{thousands}; incid.: their share\n"
        f"reg., exits, relapse, new, removed: households{thousands}; reg.: not exited\n"
        "new, removed: put on, taken off (not poor)\n"
        f"villages: exited/designated{', thousands' if villages > 1 else ''}"
    )

    def table_of(shown: list[int], first: bool, last: bool) -> Table:
        table = Table(
            title=title if first else None,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
        )
        for i in shown:
            table.add_column(headers[i], justify="right", no_wrap=True)
        for cells in rows:
            table.add_row(*(cells[i] for i in shown))
        if last:
            table.caption = caption
        return table

    every = list(range(len(headers)))
    whole = table_of(every, True, True)
    if width is None or _table_width(whole) <= width:
        return whole
    # Rich fits a table by cutting its columns, numbers and all: the years go with each part.
    groups = _packed(
        [[i] for i in every[1:]],
        lambda group: _table_width(table_of([0, *group], False, False)) <= width,
    )
    parts: list[RenderableType] = []
    for k, group in enumerate(groups):
        parts += [table_of([0, *group], k == 0, False), Text()]
    # The legend under them all, in lines of the terminal's width: a part's narrow
    # caption broke every phrase.
    return Group(*parts, Text(caption))


def headline_table(result: RunResult) -> Table:
    """The run's outcomes, by name (see ``povsim outcomes``)."""
    summary = result.summary()
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    # A narrow terminal folds the names between their words; a number is never cut.
    table.add_column(justify="right", no_wrap=True)
    ind = result.indicators
    national = "poor_counties_remaining" in ind
    for name in HEADLINE_ROWS:
        if name == "county_exited_share":
            continue  # of one run, 0 or 1: its exit year, or "-", says it
        if national and name == "county_exit_year":
            # Nationally the counties' exits, not the year the last one left (often never).
            exited = int(ind["counties_exited"].sum())
            designated = exited + int(ind["poor_counties_remaining"].iloc[-1])
            table.add_row("poor counties exited", f"{exited:,} of {designated:,}")
        elif name in summary:
            table.add_row(label(name), format_value(name, summary[name]))
        if name == "registered_households_end" and (short := _held_by(ind)):
            table.add_row("  short of (households)", short)
        if name == "spending_yuan" and name in summary and "monitoring_yuan" in ind:
            # Paid outside the programs' budgets: without it the rows did not add up
            # (budget less spending is not what was left unspent).
            helped = float(ind["monitoring_yuan"].sum())
            if helped > 0:
                table.add_row(
                    "  of which monitoring's help (yuan)",
                    format_value(name, helped),
                )
    return table


_GAPS = {
    "registered_housing_gap": "safe housing",
    "registered_schooling_gap": "schooling",
    "registered_medical_gap": "medical cover",
    "registered_food_gap": "food",
}
"""The guarantees a registered household can be short of at the end, as the table says them."""


def _held_by(ind: pd.DataFrame) -> str:
    """What the households still registered at the end are short of, the largest first: a
    register that does not clear is most often held by one guarantee, which the yearly
    table does not show (a household may be short of several, or of none but its income)."""
    if not {"registered_households", *_GAPS} <= set(ind.columns) or ind.empty:
        return ""
    last = ind.iloc[-1]
    if not last["registered_households"] > 0:
        return ""
    gaps = sorted(
        ((float(last[c]), words) for c, words in _GAPS.items() if last[c] > 0), reverse=True
    )
    return ", ".join(f"{words} {count:,.0f}" for count, words in gaps)


def intervals_table(ensemble: Ensemble, width: int | None = None) -> Table:
    """Each outcome's mean over the replications with its 95% interval.

    Args:
        width: the terminal's columns: where the table is wider, each interval goes under
            its mean and the outcomes' names fold between their words (at 30 columns a
            terminal cut the budget to "83,50…").
    """
    title = (
        f"{ensemble.scenario.name}: {ensemble.replications} replications "
        f"(seed {ensemble.seed}), means with 95% intervals"
    )
    summary = ensemble.summary_intervals().set_index("metric")
    total = ensemble.replications
    # a mean of fewer than all (a county exit year: of the runs in which it exited)
    counts = {
        name: COUNTED.format(n=int(n), total=total)
        for name, n in summary["n"].items()
        if name in HEADLINE_ROWS and 0 < n < total
    }
    rows = [
        (
            label(name),
            format_value(name, summary.loc[name, "mean"]) + counts.get(name, ""),
            format_value(name, summary.loc[name, "ci_low"]),
            format_value(name, summary.loc[name, "ci_high"]),
        )
        for name in HEADLINE_ROWS
        if name in summary.index
    ]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("outcome", "mean", "95% interval"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    for name, mean, low, high in rows:
        table.add_row(name, mean, f"{low} .. {high}")
    if width is not None and _table_width(table) > width:
        table = _stacked_intervals(title, rows, width)
    notes = []
    if "spending_yuan" in summary.index:
        notes.append("spending includes the monitoring's help, paid outside the budgets")
    if counts:
        notes.append("(k of N): the mean of the k replications with a value")
    if notes:
        table.caption = "\n".join(notes)
        table.caption_justify = "left"
    return table


def _stacked_intervals(title: str, rows: list[tuple[str, str, str, str]], width: int) -> Table:
    """The intervals table with each interval's ends under its mean, in lines of their own,
    and the names folded to what is left: no cell needs rich to wrap or cut it."""
    longest = max(len(word) for name, *_ in rows for word in name.split())
    fold = longest

    def laid(fold: int) -> Table:
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("outcome", no_wrap=True)
        table.add_column("mean\n95% interval", justify="right", no_wrap=True)
        for name, mean, low, high in rows:
            table.add_row(_folded(name, fold), f"{mean}\n{low} ..\n{high}")
        return table

    # the names as wide as the terminal leaves them, never under their longest word
    while _table_width(laid(fold + 1)) <= width and fold < max(len(r[0]) for r in rows):
        fold += 1
    return laid(fold)


COST_NOTE = (
    "cost per exit: spending over every exit, those that needed no program too, so money left "
    "unspent lowers it: read it with spending and poor person-years (povsim outcomes defines "
    "each)"
)
"""Under a comparison: a lower cost per exit had read as a better mix where half the budget
was left unspent."""


def comparison_table(comparison: Comparison, width: int | None = None) -> RenderableType:
    """Each scenario's means with 95% intervals; under each but the reference, a Δ row of
    paired differences from it.

    Args:
        width: the terminal's columns: where the table is wider, the outcomes go down the
            rows and the scenarios across (an 80-column terminal cut the last outcomes off),
            the scenarios by letter where their names are what does not fit, and where that
            is still wider, the scenarios are split among tables stacked one under another,
            each with the outcomes. Rich fits a table too wide by cutting columns, numbers
            and all ("+40" for +400), even where its cells could wrap: no layout relies on it.
    """
    reference = comparison.scenarios[0].name
    title = (
        f"{comparison.replications} replications each (seed {comparison.seed}); "
        "means ±95% interval (≤x or ≥x: its other end, where cut at 0 or 100%); "
        f"Δ: paired difference from {reference} (*: its 95% interval excludes 0)"
        + (f"; {COUNTED_NOTE}" if comparison.counted() else "")
        + "".join(f"; --set {o}" for o in comparison.overrides)
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.caption, table.caption_justify = COST_NOTE, "left"
    table.add_column("scenario", no_wrap=True)
    shown = comparison.shown()
    for header in shown.values():
        words = header.split()
        # At least its longest word wide: a narrow terminal wraps headers between words.
        table.add_column(header, justify="right", min_width=max(map(len, words)))
    rows = comparison.cells()
    for scenario, difference, cells in rows:
        if difference:
            table.add_row("  Δ", *cells, style="dim")
        else:
            table.add_row(scenario, *cells)
    if width is None or _table_width(table) <= width:
        return table
    caption = COST_NOTE
    every = list(range(len(rows)))
    tall = _tall_comparison(title, shown, rows, every, caption)
    if _table_width(tall) <= width:
        return tall
    # Names longer than their numbers were cut to "industry_…" alike: letters stand for
    # them, and the title says which is which.
    keys = {s.name: _letters(i) for i, s in enumerate(comparison.scenarios)}
    legend = ", ".join(f"{key} {name}" for name, key in keys.items())
    lettered = f"{title}\n{legend}"
    if _table_width(_tall_comparison(title, shown, rows, every, caption, keys)) < _table_width(
        tall
    ):
        title, named = lettered, keys
    else:
        named = None
    # A scenario and its Δ column go together where they fit.
    units: list[list[int]] = []
    for i, (_, difference, _) in enumerate(rows):
        if difference and units:
            units[-1].append(i)
        else:
            units.append([i])
    groups = _packed(units, lambda group: _fits(shown, rows, group, width))
    if len(groups) == 1:
        return _tall_comparison(title, shown, rows, groups[0], caption, named)
    # The title and the note over and under them all, in lines of the terminal's width: a
    # part's narrower width broke every phrase.
    parts: list[RenderableType] = [Text(title), Text()]
    for group in groups:
        parts += [_tall_comparison("", shown, rows, group, "", named), Text()]
    return Group(*parts, Text(caption))


def _fits(
    shown: Mapping[str, str],
    rows: list[tuple[str, bool, list[str]]],
    columns: list[int],
    width: int,
) -> bool:
    """Whether the outcomes and these scenario columns fit ``width`` unwrapped, by letter."""
    keys = {scenario: "" for scenario, _, _ in rows}
    return _table_width(_tall_comparison("", shown, rows, columns, "", keys)) <= width


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: a scenario's key in a table too narrow for its name."""
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        key = chr(ord("A") + rest) + key
    return key


def _tall_comparison(
    title: str,
    shown: Mapping[str, str],
    rows: list[tuple[str, bool, list[str]]],
    columns: list[int],
    caption: str,
    keys: Mapping[str, str] | None = None,
) -> Table:
    """The comparison with the outcomes down the rows and the scenarios of ``columns``
    (indices into ``rows``) across, each headed by its name or by its letter in ``keys``."""
    tall = Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD)
    if caption:
        tall.caption, tall.caption_justify = caption, "left"
    # The outcomes' names wrap between their words: the numbers' columns take the room.
    longest = max(len(w) for h in shown.values() for w in h.split())
    tall.add_column("outcome", min_width=longest, max_width=longest)
    for i in columns:
        scenario, difference, cells = rows[i]
        name = keys[scenario] if keys is not None else scenario
        # a value and its interval may part at their space, never inside either
        tall.add_column(
            f"Δ {name}" if difference else name,
            justify="right",
            min_width=max(len(word) for cell in cells for word in cell.split()),
        )
    for j, header in enumerate(shown.values()):
        tall.add_row(header, *(rows[i][2][j] for i in columns))
    return tall


SWEPT = ("incidence_end", "cumulative_exit_share", "cumulative_relapse_share", "cost_per_exit")
"""What a sweep's table shows of each design point (the rest is in summary.parquet)."""


def sweep_table(summary: pd.DataFrame, width: int | None = None) -> RenderableType:
    """Each design point's mean outcomes over its finished replications.

    Args:
        width: the terminal's columns: where the table is wider, headers fold between their
            words, then the columns are split among tables stacked one under another, each
            with the points' names (an 80-column terminal cut every cost per exit to "30,7…").
    """
    title = "means over each point's finished replications (all runs: summary.parquet)"
    caption = None
    # The varied fields are the plan's dotted columns: a grid's or a sample's point is named
    # g0000 or h0000, so its values say which it is. A named variant says it itself, and its
    # settings (often several fields, some programs' each) would only widen the table.
    varied = [c for c in summary.columns if "." in c]
    named = not summary["point_name"].astype(str).str.fullmatch(r"[gh]\d+").all()
    if named and len(varied) > 2:
        varied = []
        caption = "each variant's settings: the design file, or summary.parquet's columns"
    headers = [*_short_paths(varied), "runs", *(COMPARED[name] for name in SWEPT)]
    names, rows = [], []
    finished = summary[summary["cumulative_exit_share"].notna()]
    for _, point in summary.groupby("point", sort=False):
        done = finished[finished["point"] == point["point"].iloc[0]]
        values = [_setting(point[field].iloc[0]) for field in varied]
        means = [format_value(n, done[n].mean() if len(done) else None) for n in SWEPT]
        names.append(str(point["point_name"].iloc[0]))
        rows.append([*values, f"{len(done)} of {len(point)}", *means])
    # Rich fits a table by cutting its widest columns, numbers and all: every column here is
    # as wide as its widest cell, and only the headers fold, here.
    floors = [
        max(max(len(word) for word in header.split()), *(len(row[i]) for row in rows))
        for i, header in enumerate(headers)
    ]

    # Measured on one row of each column's widest cell: a sweep of thousands of points is
    # laid out as quickly as one of ten.
    widest = [
        max(names, key=len, default=""),
        *(max((r[i] for r in rows), key=len, default="") for i in range(len(headers))),
    ]

    def table_of(
        columns: list[int], widths: dict[int, int], first: bool, last: bool, probe: bool = False
    ) -> Table:
        table = Table(title=title if first else None, title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("point", no_wrap=True)
        for i in columns:
            table.add_column(Text(_folded(headers[i], widths[i])), justify="right", no_wrap=True)
        for name, cells in [(widest[0], widest[1:])] if probe else zip(names, rows, strict=True):
            table.add_row(Text(name), *(Text(cells[i]) for i in columns))
        if last and caption is not None:
            table.caption, table.caption_justify = caption, "left"
        return table

    def fold(columns: list[int]) -> tuple[dict[int, int], int]:
        """How far each header of ``columns`` folds, the widest first, to fit ``width``; and
        the columns the table then takes."""
        widths = {i: len(headers[i]) for i in columns}
        taken = _table_width(table_of(columns, widths, False, False, probe=True))
        while width is not None and taken > width:
            narrower = {i: _folded_width(headers[i], widths[i] - 1, floors[i]) for i in columns}
            foldable = [i for i in columns if narrower[i] < widths[i]]
            if not foldable:
                break
            most = max(foldable, key=lambda i: max(widths[i], floors[i]))
            widths[most] = narrower[most]
            taken = _table_width(table_of(columns, widths, False, False, probe=True))
        return widths, taken

    every = list(range(len(headers)))
    widths, taken = fold(every)
    if width is None or taken <= width:
        return table_of(every, widths, True, True)
    groups = _packed([[i] for i in every], lambda group: fold(group)[1] <= width)
    return Group(
        *(table_of(g, fold(g)[0], k == 0, k == len(groups) - 1) for k, g in enumerate(groups))
    )


def _packed(units: list[list[int]], fits: Callable[[list[int]], bool]) -> list[list[int]]:
    """Columns in ``units`` (kept together where they ``fits`` alone) packed in order into
    as few groups as ``fits``, for tables stacked one under another."""
    groups: list[list[int]] = []
    for unit in units:
        for part in [unit] if fits(unit) else [[i] for i in unit]:
            if groups and fits([*groups[-1], *part]):
                groups[-1] += part
            else:
                groups.append(part)
    return groups


def _folded(header: str, width: int) -> str:
    """``header`` in lines of at most ``width`` characters, broken between words only."""
    return "\n".join(textwrap.wrap(header, width, break_long_words=False, break_on_hyphens=False))


def _folded_width(header: str, width: int, floor: int) -> int:
    """The columns a header folded at ``width`` takes, in a column ``floor`` wide at least."""
    return max(floor, *(len(line) for line in _folded(header, width).splitlines()))


def _short_paths(paths: list[str]) -> list[str]:
    """Each dotted path cut to its shortest ending that no other path shares
    (``programs.industry.gain`` and ``income.growth`` become ``gain`` and ``growth``)."""
    parts = [p.split(".") for p in paths]
    short = []
    for mine in parts:
        for k in range(1, len(mine) + 1):
            ending = mine[-k:]
            if all(other[-k:] != ending for other in parts if other is not mine):
                break
        short.append(".".join(ending))
    return short


def _setting(value: object) -> str:
    """A varied field's value as a scenario file would give it."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table_width(table: Table, wrapped: bool = False) -> int:
    """Columns the table takes unwrapped (or wrapped as far as its cells allow)."""
    probe = Console(width=10_000)
    measured = Measurement.get(probe, probe.options, table)
    return measured.minimum if wrapped else measured.maximum


def _with_interval(value: float, half: float) -> str:
    """``value±half`` in the same decimals, or the value alone where the index has no
    interval (Morris's sigma)."""
    if math.isnan(half):
        return _number(value)
    # Each in its own figures read unevenly (1.2±0.440): the larger of the two decides
    # both, three decimals under 10 as for an index in [0, 1].
    largest = max(abs(value), abs(half)) if math.isfinite(value) else abs(half)
    decimals = 3 if largest < 10 else 1 if largest < 100 else 0
    return "±".join(f"{x:,.{decimals}f}" if math.isfinite(x) else "-" for x in (value, half))


def indices_table(
    indices: pd.DataFrame, method: str, no_indices: Mapping[str, str] | None = None
) -> Table:
    """Each listed output's indices, largest first; an output with none gets one line
    saying why (``no_indices``: ``PovsimProblemSpec.no_indices()``)."""
    first, main = ("S1", "ST") if method != "morris" else ("sigma", "mu_star")
    scalar = indices[indices["listed"] & indices["input2"].isna()]
    table = Table(
        title=f"{method} indices ± 95% interval", title_justify="left", box=box.SIMPLE_HEAD
    )
    table.add_column("output / input", no_wrap=True)
    for column in (main, first):
        table.add_column(column, justify="right", no_wrap=True)
    for output, rows in scalar.groupby("output", sort=False):
        table.add_row(f"[bold]{output}[/]", "", "")
        if rows["value"].isna().all():
            why = (no_indices or {}).get(str(output), "no value in the runs: undefined here")
            table.add_row(f"  [dim]{escape(why)}[/]", "", "")
            continue
        wide = rows.pivot(index="input", columns="index", values=["value", "conf"])
        wide = wide.sort_values(("value", main), ascending=False)
        for name, r in wide.iterrows():
            cells = [_with_interval(r[("value", k)], r[("conf", k)]) for k in (main, first)]
            table.add_row(f"  {name}", *cells)
    # Morris's sigma never has an interval (nor its mu, not shown); any other index shown
    # without one would read as certain.
    shown = scalar[scalar["value"].notna() & scalar["index"].isin({main, first} - {"sigma"})]
    captions = []
    if shown["conf"].isna().any():
        captions.append("a value without ± has no interval: SALib's bootstrap gave none for it")
    # A sample too small to rank the inputs still prints indices that look like findings (a
    # total index of 1.7 with ±23): say so where the table is read, not only in the docs.
    mains = shown[shown["index"] == main].dropna(subset=["conf"])
    typical = mains.assign(size=mains["value"].abs()).groupby("output", sort=False)
    noisy = [str(o) for o, g in typical if g["conf"].median() > g["size"].median()]
    if noisy:
        captions.append(
            f"{', '.join(noisy)}: the typical {main} interval is wider than the typical "
            f"{main}, so the sample is too small to rank the inputs (raise -N)"
        )
    if captions:
        table.caption = "\n".join(captions)
        table.caption_justify = "left"
    return table


def _target_interval(row: Any, half: float, count: bool) -> str:
    """A target's simulated interval: ``±half``, or where it was cut at what the figure can
    be (0 people, a share of 1) its other end, as ``compare`` shows it."""
    if math.isnan(half):
        return ""
    below, above = row.simulated - row.ci_low, row.ci_high - row.simulated
    if math.isclose(below, above, rel_tol=1e-6, abs_tol=1e-12):
        return f" ±{_number(half, like=row.simulated, count=count)}"
    end, mark = (row.ci_high, "≤") if below < above else (row.ci_low, "≥")
    return f" ({mark}{_number(end, like=row.simulated, count=count)})"


_VERDICTS = {
    "pass": "[green]pass[/]",
    "fail": "[bold red]FAIL[/]",
    "undefined": "[bold yellow]undefined[/]",
}
"""A target's verdict as the table shows it: one without a value in some replications is
neither passed nor failed (its note says in how many)."""


def targets_table(table: pd.DataFrame, title: str, width: int | None = None) -> RenderableType:
    """Published against simulated values; with several regions, each under its name.

    Target names have no spaces (``mean_income_ever_registered@2017``) and are never
    broken; at a narrow terminal the simulated value and its interval fold at the space.

    Args:
        width: the terminal's columns: where the table is wider, each target's name takes
            a line of its own with its figures under it (an 80-column terminal cut the
            header to "simulat…" and the intervals to "(≥10,90…"); where that is wider
            too, each target is a line of words.
    """
    regions = "region" in table.columns
    cells = []
    for row in table.itertuples():
        half = (row.ci_high - row.ci_low) / 2
        count = _counted(str(row.target))
        interval = _number(row.simulated, count=count) + _target_interval(row, half, count)
        verdict = _VERDICTS[getattr(row, "verdict", "pass" if row.passed else "fail")]
        name = ("  " if regions else "") + escape(str(row.target))
        published = _number(row.published, count=count)
        region = row.region if regions else None
        cells.append((region, name, published, interval, str(row.tolerance), verdict))
    # One replication has no interval: a "±95%" over bare figures promised one.
    shown = (table["ci_high"] - table["ci_low"]).notna().any()
    simulated = "simulated ±95%" if shown else "simulated"

    def table_of(stacked: bool) -> Table:
        out = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        out.add_column("target\n  published" if stacked else "target", no_wrap=True)
        if not stacked:
            out.add_column("published", justify="right", no_wrap=True)
        # The interval folds at its space, never inside a number or "simulated".
        longest = max((len(w) for c in cells for w in c[3].split()), default=0)
        out.add_column(simulated, justify="right", min_width=max(longest, 9))
        out.add_column("tolerance", justify="right", no_wrap=True)
        out.add_column("", no_wrap=True)
        shown = None
        for region, name, published, interval, tolerance, verdict in cells:
            if regions and region != shown:
                shown = region
                out.add_row(f"[bold]{escape(str(region))}[/]")
            if stacked:
                out.add_row(name)
                out.add_row(Text(published, justify="right"), interval, tolerance, verdict)
            else:
                out.add_row(name, published, interval, tolerance, verdict)
        return out

    for stacked in (False, True):
        laid = table_of(stacked)
        if width is None or _table_width(laid, wrapped=True) <= width:
            return laid
    # Lines of words fold between them, at any width, and never inside a number.
    lines: list[RenderableType] = [Text(title), Text()]
    shown = None
    indent = "  " if regions else ""
    assert width is not None  # without a width the first table was returned
    for target, (region, _, published, interval, tolerance, verdict) in zip(
        table["target"], cells, strict=True
    ):
        if regions and region != shown:
            shown = region
            lines.append(Text(str(region), style="bold"))
        # A name wider than the terminal broke at its last column ("...@201" over "5:"):
        # it folds after a "[" or a "," or before the "@", each line as indented.
        folded = _folded_name(str(target), width - len(indent))
        said = Text.from_markup(f"{escape(folded[-1])}: {verdict}")
        if len(indent) + len(said.plain) > width:  # the verdict under the name
            said = Text.from_markup(verdict)
        else:
            folded.pop()
        lines.extend(Text(f"{indent}{part}") for part in folded)
        lines.append(Text(indent) + said)
        figures = f"published {published}; simulated {interval}; tolerance {tolerance}"
        lines.append(Padding(Text(figures), (0, 0, 0, 4 if regions else 2)))
    return Group(*lines)


def _folded_name(name: str, width: int) -> list[str]:
    """A target's name in lines of at most ``width`` characters where it can be, broken
    after a "[" or a "," or before the "@" (a part wider than ``width`` is a line of its own)."""
    lines = [""]
    for part in re.findall(r"[^\[,@]*[\[,]|@?[^\[,@]+|@", name):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return lines


def miss_reasons(table: pd.DataFrame) -> list[str]:
    """One line for each reason a target is outside its tolerance: the targets file's
    ``note``, which for a known miss says why (a miss is reported, never tuned away), after
    the names of the targets that miss for it, in the table's order. Targets sharing a note
    share its line: the county profile's 17 missed checks of where counties exited printed
    three paragraphs 5, 4 and 8 times."""
    reasons: dict[str, list[str]] = {}
    regions = "region" in table.columns and table["region"].nunique() > 1
    for row in table[~table["passed"]].itertuples():
        name = f"{row.region} {row.target}" if regions else str(row.target)
        note = str(getattr(row, "note", "") or "").strip()
        reasons.setdefault(note or "no reason recorded in the targets file", []).append(name)
    return [f"{', '.join(names)}: {note}" for note, names in reasons.items()]
