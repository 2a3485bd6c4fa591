"""Figures read right: lines through yearly means, legends beside the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from povsim import Scenario, simulate
from povsim.plots import (
    comparison_trajectories,
    exits_relapses,
    income_fan,
    pathways,
    poverty_headcount,
    spending,
)
from povsim.plots.common import program_colours


def _replications(scenario: Scenario, table: str, n: int = 3) -> pd.DataFrame:
    frames = []
    for r in range(n):
        result = simulate(scenario, replication=r, counterfactual=False)
        frames.append(result.tables()[table].assign(replication=r))
    return pd.concat(frames, ignore_index=True)


def _legend_overlaps_data(fig: Figure) -> bool:
    FigureCanvasAgg(fig).draw()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    boxes = [legend.get_window_extent() for legend in legends]
    return any(box.overlaps(ax.get_window_extent()) for box in boxes for ax in fig.axes)


def test_incidence_is_one_line_per_measure_with_replications(baseline: Scenario) -> None:
    small = baseline.updated({"population.households": 300})
    ind = _replications(small, "indicators")
    fig = poverty_headcount(ind, small)
    right = fig.axes[1]
    for line in right.get_lines():
        years = np.asarray(line.get_xdata(), dtype=float)
        assert np.all(np.diff(years) > 0), f"{line.get_label()} zig-zags through replications"


def test_the_headcount_s_legend_names_each_group_once(baseline: Scenario) -> None:
    """Four entries, two pairs of the same marker, for the same two groups in two units."""
    small = baseline.updated({"population.households": 300})
    fig = poverty_headcount(simulate(small, 1).indicators, small)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["poor (income below line)", "registered poor", "county exit threshold"]


def test_legends_do_not_cover_the_data(baseline: Scenario) -> None:
    small = baseline.updated({"population.households": 300})
    assert not _legend_overlaps_data(pathways(_replications(small, "pathways"), small))
    ind = _replications(small, "indicators").assign(scenario="baseline")
    assert not _legend_overlaps_data(comparison_trajectories(ind))
    # The incidence panel's legend sat over the incidence without support (17-20%).
    # So did the income fan's over its 95th percentile, and the spending's over the bars.
    without = _replications(small.updated({"programs": {}}), "indicators")
    assert not _legend_overlaps_data(poverty_headcount(ind, small, without))
    assert not _legend_overlaps_data(income_fan(ind, small))
    assert not _legend_overlaps_data(exits_relapses(ind, small))
    assert not _legend_overlaps_data(spending(_replications(small, "spending"), small))


def test_the_income_fan_leaves_out_the_median_of_a_few_registered_agents(
    baseline: Scenario,
) -> None:
    """Two registered households left in 2019 drew their median as the registered poor's."""
    small = baseline.updated({"population.households": 300})
    ind = _replications(small, "indicators")
    # weighted: two agents of 300 standing for 5,000 households are 33 households
    ind["registered_households"] = np.where(ind["year"] >= 2019, 2 * 5_000 / 300, 2_500.0)
    ind["median_income_registered"] = np.where(ind["year"] >= 2019, 7_500.0, 2_000.0)
    fig = income_fan(ind, small)
    (line,) = [li for li in fig.axes[0].get_lines() if "registered" in str(li.get_label())]
    drawn = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(drawn[-2:]).all()
    assert not np.isnan(drawn[:-2]).any()
    assert "20 or more agents" in str(line.get_label())


def test_a_program_never_takes_the_grey_of_a_pathway_that_is_not_one() -> None:
    """Fifteen programs take tab20, whose own greys would pass for "combined" or "none"."""
    names = [f"program_{i}" for i in range(15)] + ["combined", "none"]
    colours = program_colours(names)
    programs = [colours[f"program_{i}"] for i in range(15)]
    assert not any(r == g == b for r, g, b, _ in programs)
    assert len(set(programs)) == 15
    assert {colours["combined"], colours["none"]} == {"0.45", "0.75"}
    # Ten programs (the baseline's): tab10 has nine hues without its grey, and the tenth
    # had taken the first's (education and social_security were the same blue).
    ten = program_colours([f"program_{i}" for i in range(10)])
    assert len({ten[f"program_{i}"] for i in range(10)}) == 10


def test_a_light_hue_beside_its_dark_twin_is_dotted() -> None:
    """Work away's light pink stood on the floor's pink, microcredit's light blue on
    industry's blue, with nothing else between them."""
    from povsim.plots.common import Figure as PlotFigure
    from povsim.plots.common import _stacked_bars

    ax = PlotFigure().subplots()
    wide = pd.DataFrame({"social_security": [1.0, 2.0], "work_away": [1.0, 1.0]}, index=[1, 2])
    _stacked_bars(ax, wide)
    hatches = {bars.get_label(): bars.patches[0].get_hatch() for bars in ax.containers}
    assert hatches == {"social_security": None, "work_away": ".."}


def test_comparison_bars_carry_the_paired_differences() -> None:
    """Unpaired whiskers overlapped where the paired difference was clear: each bar but the
    reference's is labelled with its paired Δ, and no whisker reaches under 0."""
    from povsim.plots.experiments import comparison_bars

    rows = []
    for scenario, mean, diff in (("a", 0.02, np.nan), ("b", 0.03, 0.011)):
        for metric in ("cumulative_exit_share", "cumulative_relapse_share", "cost_per_exit"):
            rows.append(
                {
                    "scenario": scenario,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": mean - 0.04,  # a few replications' t-interval under 0
                    "ci_high": mean + 0.04,
                    "diff_mean": diff,
                    "diff_ci_low": diff - 0.006,
                    "diff_ci_high": diff + 0.006,
                }
            )
    fig = comparison_bars(pd.DataFrame(rows))
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert labels.count("Δ +1.1 ±0.6 pp") == 2  # the two share panels, in percentage points
    assert "Δ 0.0 ±0.0 k yuan" in labels  # cost per exit says its unit (it had none)
    for ax in fig.axes:
        assert ax.get_xlim()[0] >= 0


def test_comparison_bars_of_the_eight_shipped_mixes_keep_their_labels_apart() -> None:
    """With eight mixes the Δ labels over the bars ran into each other (Δ +41.3Δ +41.3 ...)
    and the names under them were slanted: every label needs a place of its own."""
    from povsim.plots.experiments import comparison_bars

    names = ["five_batches", "industry_led", "health_first", "relocation_push"]
    names += ["education_long_run", "social_security_floor", "full_toolbox", "no_intervention"]
    rows = [
        {
            "scenario": name,
            "metric": metric,
            "mean": 0.5 + 0.01 * i,
            "ci_low": 0.45,
            "ci_high": 0.55 + 0.01 * i,
            "diff_mean": np.nan if i == 0 else 0.413,
            "diff_ci_low": np.nan if i == 0 else 0.319,
            "diff_ci_high": np.nan if i == 0 else 0.507,
        }
        if metric != "cost_per_exit"
        else {  # yuan: the bars 27-38 thousand, the differences thousands
            "scenario": name,
            "metric": metric,
            "mean": 27_000.0 + 1_500 * i,
            "ci_low": 26_500.0 + 1_500 * i,
            "ci_high": 27_500.0 + 1_500 * i,
            "diff_mean": np.nan if i == 0 else 6_300.0,
            "diff_ci_low": np.nan if i == 0 else 6_200.0,
            "diff_ci_high": np.nan if i == 0 else 6_400.0,
        }
        for i, name in enumerate(names)
        for metric in ("cumulative_exit_share", "cumulative_relapse_share", "cost_per_exit")
    ]
    fig = comparison_bars(pd.DataFrame(rows))
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_text().startswith("Δ")]
        assert len(texts) == 7
        boxes = [t.get_window_extent(renderer) for t in texts]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        inside = ax.get_window_extent(renderer)
        assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 for b in boxes), "cut off"
        # nor over the bars and their whiskers (a cost's "+6.3 k yuan" label ran over them)
        ends = [line.get_window_extent(renderer).x1 for line in ax.lines]
        ends += [bar.get_window_extent(renderer).x1 for bar in ax.patches]
        # a whisker had ended a pixel or two short of its label: a visible gap
        assert max(ends) + 4 <= min(b.x0 for b in boxes), "a label over a bar"
        ticks = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text() in names]
        assert all(t.get_rotation() == 0 for t in ticks), "slanted names"
    everything = [t.get_window_extent(renderer) for ax in fig.axes for t in ax.get_yticklabels()]
    assert all(b.x0 >= 0 for b in everything), "a mix's name is cut off"


def test_comparison_whiskers_stop_where_the_outcome_does() -> None:
    """Three replications' t-interval of a 91% exit share reached 104% "of registered
    households": the whisker now stops at 100%, as it already stopped at 0."""
    from povsim.plots.experiments import comparison_bars

    rows = [
        {
            "scenario": scenario,
            "metric": metric,
            "mean": mean,
            "ci_low": mean - spread,
            "ci_high": mean + spread,
            "diff_mean": np.nan if scenario == "a" else 0.0,
            "diff_ci_low": np.nan if scenario == "a" else -0.01,
            "diff_ci_high": np.nan if scenario == "a" else 0.01,
        }
        for scenario in ("a", "b")
        for metric, mean, spread in (
            ("cumulative_exit_share", 0.912, 0.132),
            ("cumulative_relapse_share", 0.03, 0.04),
            ("cost_per_exit", 29_000.0, 9_000.0),
        )
    ]
    fig = comparison_bars(pd.DataFrame(rows))
    exits, relapses, cost = fig.axes
    # the bars lie along x, one mix a row
    tops = [segment[:, 0].max() for segment in exits.collections[0].get_segments()]
    assert max(tops) == pytest.approx(100.0)
    bottoms = [segment[:, 0].min() for segment in relapses.collections[0].get_segments()]
    assert min(bottoms) == pytest.approx(0.0)
    # an outcome with no upper end keeps its whole interval
    tops = [segment[:, 0].max() for segment in cost.collections[0].get_segments()]
    assert max(tops) == pytest.approx(38.0)


def test_an_index_without_an_interval_has_no_whisker() -> None:
    """Morris's sigma has no interval: its bars carried a cap of length 0, as if known
    exactly."""
    from povsim.plots.experiments import sensitivity_bars

    indices = pd.DataFrame(
        {
            "output": "incidence_end",
            "input": ["a", "b", "a", "b"],
            "input2": pd.Series([None] * 4, dtype="string"),
            "index": ["mu_star", "mu_star", "sigma", "sigma"],
            "value": [0.02, 0.01, 0.03, 0.005],
            "conf": [0.005, 0.004, np.nan, np.nan],
            "listed": True,
        }
    )
    ax = sensitivity_bars(indices, "morris").axes[0]
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    mu_star, sigma = (b.errorbar.lines[2][0].get_segments() for b in bars)
    assert all(len(segment) == 2 for segment in mu_star)
    assert all(len(segment) == 0 for segment in sigma)
    # the axis says what unit the effects are in ("in the output's units" said none)
    assert ax.get_ylabel() == "elementary effect\n(share, 0.01 = 1 point)"
    cost = sensitivity_bars(indices.assign(output="cost_per_exit"), "morris").axes[0]
    assert cost.get_ylabel() == "elementary effect\n(yuan)"
    # On one line it ran past the panel's height, over the title, where long input names
    # took the panel's height (shocks.illness.annual_probability...).
    named = indices.assign(input=["programs.health.extra_reimbursement", "b"] * 2)
    figure = sensitivity_bars(named, "morris")
    figure.draw_without_rendering()
    label = figure.axes[0].yaxis.label.get_window_extent()
    assert label.y1 <= figure.axes[0].get_window_extent().y1 + 1


def _indices(index: list[str], value: list[float]) -> pd.DataFrame:
    """A listed output's indices of inputs a and b (then a and b again, and so on)."""
    return pd.DataFrame(
        {
            "output": "incidence_end",
            "input": ["a", "b"] * (len(index) // 2),
            "input2": pd.Series([None] * len(index), dtype="string"),
            "index": index,
            "value": value,
            "conf": np.nan,
            "listed": True,
        }
    )


def test_a_method_whose_indices_the_table_does_not_hold_is_refused() -> None:
    """A Sobol' table drawn as Morris's drew empty panels without a word."""
    from povsim.plots.experiments import sensitivity_bars, time_varying_indices

    sobol = _indices(["S1", "S1", "ST", "ST"], [0.5, 0.2, 0.6, 0.3])
    morris = _indices(["mu_star", "mu_star", "sigma", "sigma"], [0.02, 0.01, 0.03, 0.005])
    with pytest.raises(
        ValueError,
        match=r"method: indices holds S1, ST, a sobol or fast analysis's indices, not "
        r"morris's \(mu_star, sigma\): give method='sobol'",
    ):
        sensitivity_bars(sobol, "morris")
    with pytest.raises(ValueError, match=r"a morris analysis's indices, not fast's .*'morris'"):
        sensitivity_bars(morris, "fast")
    sensitivity_bars(sobol, "fast")  # FAST's indices have Sobol's names
    yearly = morris.assign(column="incidence", year=2016)
    with pytest.raises(ValueError, match=r"method: yearly holds .*give method='morris'"):
        time_varying_indices(yearly, "sobol")


def test_a_groups_missing_sigma_is_marked_not_drawn_as_zero() -> None:
    """SALib gives a Morris group no sigma: its bar was simply absent, read as a sigma of 0
    in figures/indices.png."""
    from povsim.plots.experiments import NO_INDEX, sensitivity_bars

    grouped = _indices(["mu_star", "mu_star", "sigma", "sigma"], [0.02, 0.01, 0.03, np.nan])
    fig = sensitivity_bars(grouped, "morris")
    marks = [t for t in fig.axes[0].texts if t.get_text() == NO_INDEX]
    assert len(marks) == 1
    assert marks[0].xy == pytest.approx((1.2, 0.0))  # where b's sigma would stand
    assert fig.get_supxlabel() == "n/a: no sigma: SALib measures a group of inputs' mu_star only"
    whole = _indices(["mu_star", "mu_star", "sigma", "sigma"], [0.02, 0.01, 0.03, 0.01])
    assert not sensitivity_bars(whole, "morris").get_supxlabel()


def test_a_figure_names_a_wrong_table_or_method() -> None:
    """The notebooks' figures ended in pandas' KeyError ('metric', 'listed') or 'Comparison'
    object is not subscriptable when given another table or the comparison itself."""
    import pytest

    from povsim.experiments.compare import Comparison
    from povsim.plots import comparison_bars, sensitivity_bars, time_varying_indices

    comparison = Comparison([], 1, 2, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), 0.0)
    with pytest.raises(TypeError, match=r"table: a comparison's table \(comparison\.table\), "):
        comparison_bars(comparison)
    runs = pd.DataFrame({"scenario": ["a"], "incidence_end": [0.1]})
    with pytest.raises(ValueError, match=r"table: .*; this table has no 'metric', 'mean'"):
        comparison_bars(runs)
    with pytest.raises(ValueError, match=r"trajectories: .*this table has no 'year'"):
        comparison_trajectories(runs)
    with pytest.raises(ValueError, match=r"indices: .*\(indices_table\(sp\)\); this table"):
        sensitivity_bars(runs, "sobol")
    indices = pd.DataFrame(
        columns=["output", "input", "input2", "index", "value", "conf", "listed", "yearly"]
    )
    with pytest.raises(ValueError, match=r"method: one of sobol, fast, morris, not 'bogus'"):
        sensitivity_bars(indices, "bogus")
    yearly = pd.DataFrame(columns=["input", "input2", "index", "value", "conf", "column", "year"])
    with pytest.raises(TypeError, match=r"method: one of sobol, fast, morris, not NoneType"):
        time_varying_indices(yearly, None)


def test_a_run_or_search_figure_names_a_wrong_table(baseline: Scenario) -> None:
    """The quickstart's and policy search's figures ended in pandas' KeyError (or an
    AttributeError far inside) when given the run instead of its indicators, another table,
    a scenario file or an ``order_by`` the front has no column for."""
    from datetime import UTC, datetime

    import pytest
    from matplotlib.figure import Figure as PlainFigure

    from povsim.plots import (
        draw_income_bands,
        exits_relapses,
        front_pairs,
        front_shares,
        income_fan,
        peeling_trajectory,
        run_figures,
        spending,
    )
    from povsim.runs.runner import RunResult

    empty = pd.DataFrame()
    now = datetime.now(UTC)
    run = RunResult(baseline, 1, None, empty, empty, None, empty, empty, None, now, now, 0.0)
    with pytest.raises(TypeError, match=r"ind: a run's indicators \(result\.indicators\), not "):
        poverty_headcount(run, baseline)
    incidence = pd.DataFrame({"year": [2015], "incidence": [0.1]})
    with pytest.raises(ValueError, match=r"ind: .*; this table has no 'poor_people'"):
        poverty_headcount(incidence, baseline)
    with pytest.raises(ValueError, match=r"ind: .*; this table has no 'income_p05'"):
        income_fan(incidence, baseline)
    with pytest.raises(ValueError, match=r"ind: .*; this table has no 'exits_households'"):
        exits_relapses(incidence, baseline)
    with pytest.raises(ValueError, match=r"table: a run's spending \(result\.spending\); "):
        spending(incidence, baseline)
    with pytest.raises(TypeError, match=r"ax: a matplotlib Axes .*, not NoneType"):
        draw_income_bands(None, incidence)
    indicators = pd.DataFrame(
        columns=["year", "poor_people", "registered_people", "incidence", "registered_incidence"]
    )
    with pytest.raises(TypeError, match=r"scenario: a Scenario .*, not str"):
        poverty_headcount(indicators, "scenarios/baseline.toml")
    with pytest.raises(ValueError, match=r"without: the counterfactual's .*no 'year'"):
        poverty_headcount(indicators, baseline, without=pd.DataFrame({"incidence": [0.1]}))
    with pytest.raises(TypeError, match=r"result: a run or an ensemble \(povsim\.run\), not "):
        run_figures(indicators)

    front = pd.DataFrame(
        {
            "member": ["00", "01"],
            "programs.industry.share": [0.6, 0.4],
            "programs.health.share": [0.4, 0.6],
            "poor_person_years": [2.0, 1.0],
        }
    )
    with pytest.raises(ValueError, match=r"order_by: one of programs\..*, not 'bogus'"):
        front_shares(front, "bogus")
    with pytest.raises(ValueError, match=r"front: .* levers=\['shares'\]; it has no shares"):
        front_shares(front[["member", "poor_person_years"]], "poor_person_years")
    drawn = front_shares(front, "poor_person_years")
    assert isinstance(drawn, PlainFigure)
    labels = [t.get_text() for t in drawn.axes[0].get_yticklabels()]
    assert labels == ["01 (1)", "00 (2)"]  # the best first, at the top
    # thousands in full, not 1.034e+04
    larger = front_shares(front.assign(poor_person_years=[9964.0, 10340.0]), "poor_person_years")
    labels = [t.get_text() for t in larger.axes[0].get_yticklabels()]
    assert labels == ["00 (9,964)", "01 (10,340)"]
    with pytest.raises(TypeError, match=r"history: a policy search's history .*, not "):
        front_pairs(run, front, ["poor_person_years"])
    with pytest.raises(ValueError, match=r"front: .*; this table has no 'spending_yuan'"):
        front_pairs(front.assign(spending_yuan=1.0), front, ["poor_person_years", "spending_yuan"])
    with pytest.raises(ValueError, match=r"trajectory: .*\(found\.trajectory\); this table"):
        peeling_trajectory(front, front)


def test_the_spending_figure_shows_the_money_left_unspent(baseline: Scenario) -> None:
    from povsim.plots import spending

    small = baseline.updated({"population.households": 300})
    table = simulate(small, counterfactual=False).spending
    fig = spending(table, small)
    ax = fig.axes[0]
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    unspent = table["budget_yuan"].sum() - table["spent_yuan"].sum()
    budget = table["budget_yuan"].sum()
    assert f"unspent: {unspent / 1e6:,.1f} of {budget / 1e6:,.1f} m (not carried over)" in labels
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == table["year"].nunique()
    # A nation's money in billions, its spending beyond the budgets said as such, and the
    # tallest bar under the frame (350,000 "million yuan" ticks, "unspent: -266,875.0").
    nation = table.assign(
        spent_yuan=table["spent_yuan"] * 1e5, budget_yuan=table["budget_yuan"] * 3e4
    )
    fig = spending(nation, small)
    ax = fig.axes[0]
    assert ax.get_ylabel().startswith("billion yuan")
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert any(label.startswith("spent ") and "beyond the budgets" in label for label in labels)
    tallest = nation.groupby("year")["spent_yuan"].sum().max() / 1e9
    assert ax.get_ylim()[1] > 1.03 * tallest


def test_a_program_has_one_colour_in_every_figure_of_a_run(baseline: Scenario) -> None:
    """Industry was blue in pathways.png and purple in spending.png: each figure coloured
    the programs in the order its own table listed them."""
    from povsim.config.registry import BUILTIN_CONFIGS
    from povsim.plots import front_shares, spending

    small = baseline.updated({"population.households": 300})
    result = simulate(small, counterfactual=False)

    def colours(ax) -> dict[str, tuple]:
        return {
            bars.get_label(): tuple(bars.patches[0].get_facecolor())
            for bars in ax.containers
            if bars.get_label() in small.programs
        }

    left, _ = pathways(result.pathways, small).axes
    spent = spending(result.spending, small).axes[0]
    front = pd.DataFrame(
        {"member": [0], "cost": [1.0], **{f"programs.{p}.share": [0.1] for p in small.programs}}
    )
    shares = front_shares(front.iloc[:, ::-1], "cost").axes[0]
    by_figure = [colours(ax) for ax in (left, spent, shares)]
    assert len(by_figure[1]) == len(small.programs)
    for other in by_figure:
        assert {n: other[n] for n in other} == {n: by_figure[1][n] for n in other}
    # Built-in programs keep theirs whatever else a figure shows; each is distinct.
    everything = program_colours(BUILTIN_CONFIGS)
    assert len({everything[k] for k in BUILTIN_CONFIGS}) == len(BUILTIN_CONFIGS)
    assert program_colours(["health"])["health"] == everything["health"]
    assert program_colours(["mine", "health"])["health"] == everything["health"]


def _trajectories(names: list[str], step: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for r in range(3):
        noise = rng.normal(0.0, 0.02, 7)  # the replication's own luck, shared by the mixes
        for i, name in enumerate(names):
            for k, year in enumerate(range(2014, 2021)):
                value = 0.2 - 0.02 * k + noise[k] + step * i
                rows.append(
                    {
                        "scenario": name,
                        "replication": r,
                        "year": year,
                        "incidence": value,
                        "registered_incidence": value,
                    }
                )
    return pd.DataFrame(rows)


def test_comparison_trajectories_show_paired_differences() -> None:
    """Eight mixes' 95% bands piled into one smear while their paired differences, on the
    same seeds, stood apart: a second row shows each mix's difference from the first."""
    fig = comparison_trajectories(_trajectories(["a", "b", "c"]))
    assert len(fig.axes) == 4
    below = fig.axes[2]
    assert below.get_title() == "Poverty incidence: difference"
    assert below.get_ylabel() == "pp, minus a (paired)"
    lines = [ln for ln in below.get_lines() if ln.get_marker() == "o"]
    # b and c differ from a by 1 and 2 points in every replication: no spread at all
    assert [np.round(ln.get_ydata(), 6).tolist() for ln in lines] == [[1.0] * 7, [2.0] * 7]
    # the levels keep their bands for a few mixes, and lose them for many
    assert fig.axes[0].collections
    many = comparison_trajectories(_trajectories(list("abcdefgh")))
    assert not many.axes[0].collections
    for line in many.axes[0].get_lines():
        assert np.all(np.diff(np.asarray(line.get_xdata(), dtype=float)) > 0)
    # one scenario, or one replication: the levels alone
    assert len(comparison_trajectories(_trajectories(["a"])).axes) == 2
    # A 300-character name pushed the legend over the panels and collapsed the layout
    # (a warning, an error under filterwarnings); a realistic one ran the two lower
    # titles into each other.
    long = "x" * 300
    drawn = comparison_trajectories(_trajectories([long, "b"]))
    FigureCanvasAgg(drawn).draw()
    shown = [t.get_text() for t in drawn.legends[0].get_texts()]
    assert shown == ["x" * 31 + "…", "b"]
    assert long not in " ".join(ax.get_title() + ax.get_ylabel() for ax in drawn.axes)


def test_a_paired_difference_band_crosses_zero_where_its_interval_does() -> None:
    """b is above a in every replication, by 0.1, 0.2 and 3 points: the paired interval,
    as `povsim compare` prints it, runs from about -3 to +5 points. Cut at 0 like a share's
    band, the difference's band sat on the zero line, as if it excluded 0."""
    frame = _trajectories(["a", "b"], step=0.0)
    gap = frame["replication"].map({0: 0.001, 1: 0.002, 2: 0.03})
    for column in ("incidence", "registered_incidence"):
        frame.loc[frame["scenario"] == "b", column] += gap
    fig = comparison_trajectories(frame)
    low = fig.axes[2].collections[0].get_paths()[0].vertices[:, 1].min()
    gaps = np.array([0.001, 0.002, 0.03])
    half = stats.t.ppf(0.975, 2) * gaps.std(ddof=1) / np.sqrt(3)
    assert low == pytest.approx(100 * (gaps.mean() - half))
    assert low < -2.9
    # the levels' bands still stop at 0
    assert fig.axes[0].collections[0].get_paths()[0].vertices[:, 1].min() >= 0.0


def _chinese_title(draws: int = 2) -> object:
    from povsim.plots.common import Figure as PovsimFigure

    fig = PovsimFigure()
    ax = fig.add_subplot()
    ax.set_title("Spending by program — 精准扶贫 县")
    for _ in range(draws):
        FigureCanvasAgg(fig).draw()
    return ax.title


def test_a_chinese_name_is_drawn_in_an_installed_chinese_font(monkeypatch) -> None:
    """A Chinese scenario name drew as boxes, with a warning for every character."""
    from povsim.plots import common

    monkeypatch.setattr(common, "chinese_fonts", lambda: ("WenQuanYi Zen Hei",))
    title = _chinese_title()
    assert title.get_fontfamily()[-1] == "WenQuanYi Zen Hei"  # after the figure's own
    assert title.get_fontfamily().count("WenQuanYi Zen Hei") == 1  # not added at every draw


def test_without_a_chinese_font_it_is_said_once(monkeypatch) -> None:
    from povsim.plots import common

    monkeypatch.setattr(common, "chinese_fonts", lambda: ())
    monkeypatch.setattr(common, "_said", [])
    # once, however many characters and draws; matplotlib's warning a glyph is not raised
    # (filterwarnings = error would fail on it)
    with pytest.warns(common.NoChineseFont, match="fonts-noto-cjk") as said:
        [_chinese_title() for _ in range(2)]
    assert len(said) == 1


def test_a_log_axis_shows_powers_of_ten_and_a_name_stays_as_written() -> None:
    """Turning mathtext off for users' names turned it off for matplotlib's own log-axis
    ticks too: the calibration figure read "$\\mathdefault{10^{1}}$"."""
    from povsim.plots.common import Figure as PovsimFigure

    fig = PovsimFigure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.semilogy([1, 2, 3], [1, 10, 100])
    ax.set_title("a $5 and $6 mix")  # two dollar signs in a user's name
    fig.canvas.draw()
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    assert ticks
    assert all(t.get_text().startswith("$\\mathdefault") for t in ticks)
    assert all(t.get_parse_math() for t in ticks)  # drawn as 10¹, not as written
    assert not ax.title.get_parse_math()


def test_a_figure_of_replications_says_it_shows_their_means(baseline: Scenario) -> None:
    """Bars of the replications' means read as one run's values without a word."""
    several = _replications(baseline.updated({"population.households": 300}), "indicators")
    one = several[several["replication"] == 0].drop(columns="replication")
    title = exits_relapses(several, baseline).axes[0].get_title()
    assert title.endswith("(means of 3 replications)")
    assert "shaded: 95% intervals" in poverty_headcount(several, baseline).get_suptitle()
    assert exits_relapses(one, baseline).axes[0].get_title().endswith(baseline.name)


def test_a_searchs_front_shows_money_in_millions_and_shares_in_percent() -> None:
    """front.png plotted spending in raw yuan under a 1e7 offset and shares as fractions,
    where the comparison tables say m yuan and %."""
    from povsim.plots import front_pairs

    points = pd.DataFrame(
        {
            "spending_yuan": [2.0e7, 3.0e7, 4.0e7],
            "cumulative_relapse_share": [0.04, 0.03, 0.02],
            "poor_person_years": [900.0, 800.0, 700.0],
            "feasible": [True, True, True],
        }
    )
    objectives = ["spending_yuan", "cumulative_relapse_share", "poor_person_years"]
    fig = front_pairs(points, points.iloc[1:], objectives)
    first = fig.axes[0]
    assert (first.get_xlabel(), first.get_ylabel()) == (
        "spending (m yuan)",
        "cumulative relapse share (%)",
    )
    xy = first.collections[0].get_offsets()
    assert xy[:, 0].tolist() == pytest.approx([20.0, 30.0, 40.0])
    assert xy[:, 1].tolist() == pytest.approx([4.0, 3.0, 2.0])
    assert fig.axes[2].get_ylabel() == "poor person years"
    # a nation's front in billions, as the dashboard's table beside it (it said m yuan there)
    nation = points.assign(spending_yuan=points["spending_yuan"] * 1e5)
    first = front_pairs(nation, nation.iloc[1:], objectives).axes[0]
    assert first.get_xlabel() == "spending (bn yuan)"
    assert first.collections[0].get_offsets()[:, 0].tolist() == pytest.approx([2e3, 3e3, 4e3])


def test_many_targets_are_drawn_in_columns_and_misses_are_marked() -> None:
    """The county-resolved profile's 175 targets made one column 6,000 px tall, its only
    axis at the bottom, every label led by the one region's name."""
    from povsim.plots.calibration import TARGETS_A_COLUMN, target_fit

    n = 2 * TARGETS_A_COLUMN + 5
    table = pd.DataFrame(
        {
            "region": "nation",
            "target": [f"t{i}" for i in range(n)],
            "published": 1.0,
            "simulated": 1.0,
            "ci_low": 0.9,
            "ci_high": 1.1,
            "error": 0.1,
            "error_in_tolerances": 0.5,
            "passed": [i % 2 == 0 for i in range(n)],
        }
    )
    fig = target_fit(table)
    assert len(fig.axes) == 3
    first = fig.axes[0]
    labels = first.get_yticklabels()
    assert labels[0].get_text() == "t0"  # no "nation: " before each
    assert labels[1].get_color() == "tab:red"  # a miss
    assert fig.get_suptitle() == "nation: targets, simulated vs published"
    assert first.xaxis.get_tick_params(which="major")["labeltop"]
    assert fig.get_size_inches()[1] < 20


def test_a_target_without_a_verdict_is_not_drawn_as_a_miss() -> None:
    """validate's table said `undefined` for a target some replications had no value of, and
    its figure coloured the target red, as a miss."""
    from povsim.plots.calibration import target_fit

    table = pd.DataFrame(
        {
            "target": ["kept", "missed", "unknown"],
            "published": 1.0,
            "simulated": [1.0, 2.0, 1.0],
            "ci_low": [0.9, 1.9, 0.9],
            "ci_high": [1.1, 2.1, 1.1],
            "error": [0.0, 1.0, 0.0],
            "error_in_tolerances": [0.0, 10.0, 0.0],
            "passed": [True, False, False],
            "verdict": ["pass", "fail", "undefined"],
        }
    )
    ax = target_fit(table).axes[0]
    colours = {label.get_text(): label.get_color() for label in ax.get_yticklabels()}
    assert colours["missed"] == "tab:red"
    assert colours["unknown"] == "tab:orange"
    assert colours["kept"] != "tab:red"


def test_one_far_miss_does_not_flatten_the_targets_figure() -> None:
    """68 counties against 0 with a tolerance of 2 stretched the axis to -40..60 and left
    the ±1 band a hairline."""
    from povsim.plots.calibration import TARGET_AXIS, target_fit

    table = pd.DataFrame(
        {
            "target": ["near", "far", "under"],
            "published": [100.0, 0.0, 10.0],
            "simulated": [105.0, 68.0, -30.0],
            "ci_low": [103.0, 60.0, -35.0],
            "ci_high": [107.0, 76.0, -25.0],
            "error": [5.0, 68.0, -40.0],
            "error_in_tolerances": [0.5, 34.0, -8.0],
            "passed": [True, False, False],
        }
    )
    ax = target_fit(table).axes[0]
    low, high = ax.get_xlim()
    assert -TARGET_AXIS - 1 < low < -TARGET_AXIS
    assert TARGET_AXIS < high < TARGET_AXIS + 1
    assert {t.get_text() for t in ax.texts} == {"+34", "-8"}
    # an interval past the axis ends in arrowheads at its edge, not in caps that read as its
    # ends; the legend is below the axis, off the last target's interval
    marks: dict[float, list[float]] = {}
    for collection in ax.collections:
        for x, row in np.asarray(collection.get_offsets()).reshape(-1, 2):
            marks.setdefault(float(row), []).append(round(float(x), 6))
    assert sorted(marks[1.0]) == [TARGET_AXIS] * 3  # "far": its point, both ends off the axis
    assert sorted(marks[2.0]) == [0.3, 0.5, 0.7]  # "near": its ends capped where they are
    assert ax.get_legend() is None
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == ["tolerance"]


def test_a_front_of_scores_all_zero_does_not_reach_under_zero() -> None:
    """A front whose incidence was 0 everywhere drew its axis from -0.04 to 0.04 %, and its
    title read "1 mixes"."""
    from povsim.plots import front_pairs

    points = pd.DataFrame(
        {"incidence_end": [0.0, 0.0], "spending_yuan": [2.0e7, 3.0e7], "feasible": [True] * 2}
    )
    fig = front_pairs(points, points.iloc[:1], ["incidence_end", "spending_yuan"])
    assert fig.axes[0].get_xlim()[0] == 0
    assert fig.get_suptitle().startswith("Pareto front: 1 mix of 2 evaluated")


def test_a_nations_headcount_is_in_millions(baseline: Scenario) -> None:
    """The national figure's axis read "people" under a 1e7 offset; its pathways' panels
    under offsets of 1e6 and 1e7, their tallest bars at the frame."""
    small = baseline.updated({"population.households": 300})
    result = simulate(small, 1, counterfactual=False)
    ind = result.indicators
    counts = ["primary_households", "exited_households"]
    nation = result.pathways.assign(**{c: result.pathways[c] * 1e4 for c in counts})
    ax = pathways(nation, small).axes[0]
    assert ax.get_ylabel() == "million households"
    tallest = max(
        sum(bar.get_height() for bar in ax.patches if bar.get_x() < x < bar.get_x() + 1)
        for x in nation["year"].unique()
    )
    assert ax.get_ylim()[1] > tallest
    left = poverty_headcount(ind, small).axes[0]
    assert left.get_ylabel() == "people"
    nation = ind.assign(poor_people=ind["poor_people"] * 1e4)
    nation["registered_people"] *= 1e4
    left = poverty_headcount(nation, small).axes[0]
    assert left.get_ylabel() == "million people"
    peak = max(float(np.max(line.get_ydata())) for line in left.get_lines())
    drawn = nation[["poor_people", "registered_people"]].to_numpy().max()
    assert peak == pytest.approx(drawn / 1e6)
    # the flows too: "households" under a 1e7 offset beside the headcount's millions
    assert exits_relapses(ind, small).axes[0].get_ylabel() == "households"
    flows = ind.assign(exits_households=ind["exits_households"] * 1e5)
    axis = exits_relapses(flows, small).axes[0]
    assert axis.get_ylabel() == "million households"
    tallest = max(bar.get_height() for bar in axis.patches)
    assert tallest == pytest.approx(flows.groupby("year")["exits_households"].mean().max() / 1e6)


def test_the_provinces_left_unlabelled_have_one_legend_entry() -> None:
    """Twenty-one grey lines had no legend entry."""
    import types

    from povsim.plots.national import _LABELLED, provinces_registered

    rows = [
        {"province": f"P{i:02d}", "year": year, "registered_people": (40 - i) * 1e5 / (year - 2013)}
        for i in range(_LABELLED + 3)
        for year in (2014, 2015, 2016)
    ]
    result = types.SimpleNamespace(provinces=pd.DataFrame(rows))
    legend = provinces_registered(result).axes[0].get_legend()
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels[-1] == "the other 3 provinces"
    assert len(labels) == _LABELLED + 1


def test_the_peeling_figure_counts_inputs_in_whole_numbers() -> None:
    """Its colour bar of inputs restricted had ticks at 0.5, 1.5, ..."""
    from povsim.plots import peeling_trajectory

    trajectory = pd.DataFrame(
        {
            "box": [0, 0, 0],
            "coverage": [1.0, 0.8, 0.5],
            "density": [0.3, 0.5, 0.8],
            "res_dim": [0, 1, 2],
        }
    )
    fig = peeling_trajectory(trajectory, trajectory.iloc[[1]])
    FigureCanvasAgg(fig).draw()
    bar = fig.axes[-1]
    ticks = [t for t in bar.get_yticks() if 0 <= t <= 2]
    assert ticks
    assert all(float(t).is_integer() for t in ticks)


def test_the_peeling_figure_of_no_box_says_none_was_found() -> None:
    """With no box, the figure was the whole space's one point titled "circled: the boxes
    reported" over no circle, on a scale of -0.1 to 0.1 inputs restricted."""
    from povsim.plots import peeling_trajectory

    whole = pd.DataFrame(
        {"box": [1], "step": [0], "coverage": [1.0], "density": [0.5], "mass": [1.0]}
        | {"res_dim": [0.0], "selected": [False]}
    )
    for trajectory in (whole, whole.iloc[:0]):
        fig = peeling_trajectory(trajectory, trajectory[trajectory["selected"]])
        FigureCanvasAgg(fig).draw()
        ax = fig.axes[0]
        assert ax.get_title() == "PRIM peeling trajectory: no box found"
        said = " ".join(" ".join(t.get_text().split()) for t in ax.texts)
        assert "no box: no range of the inputs holds the runs meeting the condition" in said
        low, high = fig.axes[-1].get_ylim()
        assert (low, high) == (0, 1)  # inputs restricted: none of at least one
    boxed = pd.concat([whole, whole.assign(step=1, coverage=0.6, density=0.9, res_dim=1.0)])
    fig = peeling_trajectory(boxed, boxed.iloc[[1]])
    assert fig.axes[0].get_title() == "PRIM peeling trajectory (circled: the boxes reported)"
    assert not [t for t in fig.axes[0].texts if "no box" in t.get_text()]


@pytest.mark.parametrize("columns", [["incidence"], ["incidence", "registered_incidence"]])
def test_the_year_by_year_indices_show_every_title_and_cover_nothing(columns: list[str]) -> None:
    """The legend beside the panels sat over the right panel's title, and "ST of each input
    for incidence, year by year" ran past a single panel's edge, cut off."""
    from povsim.plots.experiments import time_varying_indices

    inputs = ["income.growth", "shocks.illness.annual_probability", "exit.income_margin"]
    yearly = pd.DataFrame(
        [
            {"column": c, "year": y, "input": i, "index": "ST", "value": 0.3, "conf": 0.05}
            for c in columns
            for i in inputs
            for y in range(2014, 2021)
        ]
    )
    fig = time_varying_indices(yearly, "sobol")
    assert not _legend_overlaps_data(fig)  # draws it
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    whole = fig.bbox
    legend = fig.legends[0].get_window_extent(renderer)
    for text in [*fig.texts, *(ax.title for ax in fig.axes)]:
        box = text.get_window_extent(renderer)
        assert not box.overlaps(legend), text.get_text()
        assert whole.x0 <= box.x0 <= box.x1 <= whole.x1, text.get_text()
    assert whole.x0 <= legend.x0 <= legend.x1 <= whole.x1
    assert legend.y0 >= whole.y0
    titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
    assert titles == ["ST of each input, year by year", *columns]
    assert fig.axes[0].get_ylabel() == "ST, share of the\noutput's variance"
    # Morris's axis said "mu_star" alone: the effect's unit is the indicator's
    morris = time_varying_indices(yearly.assign(index="mu_star"), "morris")
    assert morris.axes[0].get_ylabel() == "mu_star, elementary effect\n(share, 0.01 = 1 point)"


def test_one_years_wild_index_does_not_flatten_the_others() -> None:
    """registered_incidence of 2020, near 0 in every run, had ST 3.6 ± 9: the axis ran from
    -5 to 12.5 and 2014-2019 were flat lines; the legend inside covered the highest points."""
    from povsim.plots.experiments import INDEX_AXIS, time_varying_indices

    years = list(range(2014, 2021))
    yearly = pd.DataFrame(
        {
            "column": "registered_incidence",
            "year": years * 2,
            "input": ["income.growth"] * 7 + ["budget.scale"] * 7,
            "index": "ST",
            "value": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 3.6, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -0.4],
            "conf": [0.05] * 6 + [9.0] + [0.05] * 6 + [2.0],
        }
    )
    fig = time_varying_indices(yearly, "sobol")
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    assert ax.get_ylim() == pytest.approx(INDEX_AXIS)
    assert {t.get_text() for t in ax.texts} == {"3.6", "-0.4"}  # marked at the edges
    assert ax.get_legend() is None
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["income.growth", "budget.scale"]


def test_two_inputs_off_the_axis_in_one_year_are_marked_apart() -> None:
    """Two inputs' estimates over the axis in 2017 printed "2.6" and "2.5" on each other."""
    from povsim.plots.experiments import time_varying_indices

    yearly = pd.DataFrame(
        {
            "column": "registered_incidence",
            "year": [2016, 2017] * 2,
            "input": ["income.growth"] * 2 + ["budget.scale"] * 2,
            "index": "ST",
            "value": [0.5, 2.6, 0.4, 2.5],
            "conf": 0.05,
        }
    )
    fig = time_varying_indices(yearly, "sobol")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    first, second = (t.get_window_extent(renderer) for t in fig.axes[0].texts)
    assert not first.overlaps(second)


def test_a_grid_of_no_numbers_names_its_points_by_their_values() -> None:
    """A grid of words and switches drew its points at g0000 .. g0003 over "point", which
    said nothing of which point each was."""
    from povsim.plots.experiments import sweep_outcomes

    summary = pd.DataFrame(
        {
            "point": [0, 1, 2, 3],
            "point_name": ["g0000", "g0001", "g0002", "g0003"],
            "replication": 0,
            "exit.plan_unit": ["household", "household", "village", "village"],
            "villages.work_teams": [True, False, True, False],
            "income.growth": 0.05,  # one value at every point: nothing to tell them apart
            "incidence_end": [0.03, 0.01, 0.04, 0.02],
        }
    )
    fields = ["exit.plan_unit", "villages.work_teams", "income.growth"]
    ax = sweep_outcomes(summary, fields, "grid").axes[0]
    assert ax.get_xlabel() == "plan_unit, work_teams"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["household, True", "household, False", "village, True", "village, False"]


def test_a_sweeps_figure_takes_a_field_of_numbers_that_varies_as_its_axis() -> None:
    """A bool's 0 and 1 were drawn as a scale from -0.2 to 1, a point whose field was unset
    (None) was dropped without a word, and one replication was called "means of 1
    replications with their 95% intervals"."""
    from povsim.plots.experiments import sweep_outcomes

    summary = pd.DataFrame(
        {
            "point": [0, 1, 2, 3],
            "point_name": ["g0000", "g0001", "g0002", "g0003"],
            "replication": 0,
            "villages.work_teams": [True, True, False, False],
            "income.growth": [0.04, 0.08, 0.04, 0.08],
            "exit.income_margin": [0.1, 0.1, None, None],
            "incidence_end": [0.03, 0.01, 0.04, 0.02],
        }
    )
    fields = ["villages.work_teams", "exit.income_margin", "income.growth"]
    fig = sweep_outcomes(summary, fields, "grid")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "income.growth"  # not the bool, nor the field of one value
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [
        "villages.work_teams = False, exit.income_margin unset",
        "villages.work_teams = True, exit.income_margin = 0.1",
    ]
    assert fig.get_suptitle() == "Sweep: one replication a point (no interval)"
    hypercube = sweep_outcomes(summary, ["income.growth"], "lhs")
    assert all(line.get_linestyle() == "None" for line in hypercube.axes[0].get_lines())
    # two replications' interval of an exit share near 1 stops at 100%, not 108%
    near = pd.concat([summary.assign(replication=r) for r in (0, 1)], ignore_index=True)
    near["cumulative_exit_share"] = [0.99, 0.97, 0.99, 0.97, 0.90, 0.99, 0.90, 0.99]
    drawn = sweep_outcomes(near, ["income.growth"], "grid")
    panel = next(ax for ax in drawn.axes if ax.get_title() == "cumulative exit share")
    caps = [y for line in panel.get_lines() for y in np.atleast_1d(line.get_ydata())]
    assert max(caps) <= 100.0


def test_the_programs_an_exit_was_helped_by_are_shares_of_the_years_exits(
    baseline: Scenario,
) -> None:
    """pathways.png stacked the programs each exit was helped by into bars 2.3 times the
    year's exits: a household helped by three programs counted three times over."""
    small = baseline.updated({"population.households": 300})
    table = simulate(small, 1, counterfactual=False).pathways
    right = pathways(table, small).axes[1]
    shown = right.images[0].get_array()
    exits = table.groupby("year")["primary_households"].sum()
    helped = table[table["program"] == "industry"].set_index("year")["exited_households"]
    programs = [label.get_text() for label in right.get_yticklabels()]
    row = shown[programs.index("industry")]
    expected = (helped / exits.where(exits > 0)).to_numpy()
    assert np.allclose(np.ma.filled(row, np.nan), expected, equal_nan=True)
    assert np.nanmax(np.ma.filled(shown, np.nan)) <= 1.0
    assert "combined" not in programs  # an exit needed jointly is under each program
    # the exits no program helped, not the bars' "none" (no one program needed): told apart
    assert "(none: not helped)" in programs
    assert "none" not in programs


@pytest.mark.parametrize("objectives", [["spending_yuan"], ["spending_yuan", "poor_person_years"]])
def test_a_front_figure_draws_the_points_its_constraints_left_out(objectives) -> None:
    """With constraints no mix met, front.png drew nothing but a legend that promised every
    point evaluated."""
    from povsim.plots import front_pairs

    points = pd.DataFrame(
        {
            "spending_yuan": [2.0e7, 3.0e7, 4.0e7],
            "poor_person_years": [900.0, 800.0, 700.0],
            "feasible": [False, False, False],
        }
    )
    ax = front_pairs(points, points.iloc[:0], objectives).axes[0]
    drawn = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert drawn["evaluated, outside the constraints"] == 3
    assert drawn["evaluated"] == 0
