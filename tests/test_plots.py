"""Figures read right: lines through yearly means, legends beside the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from povsim import Scenario, simulate
from povsim.plots import comparison_trajectories, pathways, poverty_headcount
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


def test_legends_do_not_cover_the_data(baseline: Scenario) -> None:
    small = baseline.updated({"population.households": 300})
    assert not _legend_overlaps_data(pathways(_replications(small, "pathways"), small))
    ind = _replications(small, "indicators").assign(scenario="baseline")
    assert not _legend_overlaps_data(comparison_trajectories(ind))


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
    assert labels.count("Δ +1.1\n±0.6") == 2  # the two share panels, in percentage points
    for ax in fig.axes:
        assert ax.get_ylim()[0] >= 0


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
