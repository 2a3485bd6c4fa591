"""Terminal tables: the terminal's width, folds only where a reader expects them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from povsim import Scenario
from povsim.cli.tables import COMPARED, comparison_table, targets_table
from povsim.experiments.compare import compare_scenarios
from povsim.experiments.executors import SerialExecutor
from povsim.runs import metrics


def _render(table, width: int) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    text = console.export_text()
    console.file.close()
    return text


def test_validate_never_breaks_a_target_name_at_80_columns() -> None:
    names = ["mean_income_ever_registered@2017", "exited_people[industry,primary]@2015"]
    table = pd.DataFrame(
        {
            "region": ["shandan", "jiangjin"],
            "target": names,
            "published": [6_660.0, 24_268.0],
            "simulated": [6_512.3, 23_001.7],
            "ci_low": [6_400.0, 22_000.0],
            "ci_high": [6_600.0, 24_000.0],
            "tolerance": ["±10%", "±15%"],
            "passed": [True, False],
        }
    )
    text = _render(targets_table(table, "3 replications (seed 1): mean, 95% interval"), 80)
    for name in names:
        assert name in text


def test_the_simulated_column_promises_an_interval_only_where_there_is_one() -> None:
    """One replication has no interval, and its column was headed "simulated ±95%"."""
    table = _targets(["registered_people@2017", "mean_income@2017"])
    text = _render(targets_table(table, "3 replications"), 120)
    assert "simulated ±95%" in text
    alone = table.assign(ci_low=np.nan, ci_high=np.nan)
    text = _render(targets_table(alone, "1 replication"), 120)
    assert "simulated" in text
    assert "±95%" not in text


def test_a_count_near_zero_is_not_shown_below_it() -> None:
    """validate gave 7,748 ±16,930 people registered (two replications), its CSV a ci_low
    of -2,345: compare and run cut such intervals at 0, validate did not."""
    from povsim.experiments.calibration.targets import Target
    from povsim.experiments.calibration.validation import target_table

    target = Target(
        indicator="registered_people_start",
        year=2013,
        value=8_000.0,
        relative_tolerance=0.2,
        source="t",
    )
    table = target_table([target], np.array([[0.0], [15_496.0]]))
    assert table["ci_low"].iloc[0] == 0.0
    assert table["ci_high"].iloc[0] > 15_496.0
    text = _render(targets_table(table.assign(region="r"), "2 replications"), 120)
    assert "7,748 (≤" in text
    assert "7,748 ±" not in text


def test_compare_gives_differences_their_own_rows(baseline: Scenario) -> None:
    small = baseline.updated({"population.households": 300})
    other = small.updated({"name": "more_budget", "budget.scale": 1.5})
    comparison = compare_scenarios([small, other], 2, 1, executor=SerialExecutor())
    table = comparison_table(comparison)
    assert table.row_count == 3  # baseline, more_budget, and more_budget's Δ
    wide = _render(table, 220).splitlines()
    (delta,) = [line for line in wide if line.strip().startswith("Δ")]
    assert delta.count("±") == len(COMPARED)  # every difference on one line at a wide terminal
    assert "%" in _render(table, 80)  # incidence and shares in per cent, as in `run`
    # differences of shares are percentage points; what rounds to nothing has no sign
    assert "pp" in delta
    assert "-0.0" not in delta
    assert "+0.0" not in delta
    assert "spending (m yuan)" in " ".join(wide)


def test_a_count_of_none_is_zero_not_a_fraction() -> None:
    from povsim.runs.display import format_value

    assert format_value("relapses_households", 0.0) == "0"
    assert format_value("relapses_households", 0.25) == "0.250"


def test_a_yearly_column_has_the_unit_of_what_it_measures() -> None:
    """comprehensive_incidence@2017 and wrongful_exit_rate@2018 were counted as households
    (a rate of 0.031 shown as "0.031", not "3.1%"), villages_exited and poor_villages_left as
    households, registered_people_start as households, the household size as a count ("3")."""
    from povsim.runs.display import format_value
    from povsim.runs.metrics import outcome

    units = {
        "comprehensive_incidence@2017": "share",
        "wrongful_exit_rate@2018": "share",
        "villages_exited@2020": "villages",
        "poor_villages_left@2018": "villages",
        "registered_people_start@2014": "people",
        "deep_poverty_counties@2017": "counties",
        "counties_exited@2017": "counties",
        "mean_income_poor_counties@2016": "yuan/person/year",
        "registered_household_size_start@2014": "people/household",
        "relapses_households@2016": "households",
    }
    assert {name: outcome(name).unit for name in units} == units
    assert format_value("comprehensive_incidence@2017", 0.031) == "3.1%"
    assert format_value("registered_household_size_start@2014", 3.0531) == "3.05"


def test_a_mean_under_one_has_its_interval_as_precise() -> None:
    """A compare table read "0.667 ±3": three decimals for the mean, none for the interval."""
    from povsim.runs.display import format_interval as pm

    assert pm("registered_people_end", 0.667, -2.2, 3.5) == "0.667 ±2.850"
    assert pm("registered_people_end", 12.0, 9.0, 15.0) == "12 ±3"
    assert pm("cumulative_exit_share", 0.5, 0.45, 0.55) == "50.0% ±5.0%"
    # differences: signed, shares in percentage points, no sign on nothing
    assert pm("cumulative_relapse_share", 0.011, 0.005, 0.017, difference=True) == (
        "+1.1 pp ±0.6 pp"
    )
    assert pm("incidence_end", -0.0001, -0.002, 0.002, difference=True) == "0.0 pp ±0.2 pp"
    # a difference and interval under 0.1 pp keep the decimals that show them (it read
    # "0.0 pp ±0.0 pp" for -0.036 pp, from -0.079 to +0.007)
    assert pm("incidence_end", -0.00036, -0.00079, 0.00007, difference=True) == (
        "-0.04 pp ±0.04 pp"
    )
    assert pm("incidence_end", 0.0, 0.0, 0.0, difference=True) == "0.0 pp ±0.0 pp"


def test_a_compare_cell_cut_at_an_outcomes_limit_shows_both_ends() -> None:
    """`compare` showed "1 ±4" registered people at the end (down to -3) where `run
    --replications` showed "0 .. 5": the comparison's intervals were not cut at the
    outcome's limits, and a cut interval has two half-widths, so it shows its ends."""
    from povsim.runs.display import format_interval
    from povsim.runs.metrics import clip_intervals

    rows = pd.DataFrame(
        {
            "metric": ["registered_people_end", "cumulative_exit_share", "additional_exits"],
            "mean": [1.0, 0.99, 1.0],
            "ci_low": [-3.0, 0.97, -5.0],
            "ci_high": [5.0, 1.01, 7.0],
        }
    )
    cut = clip_intervals(rows).set_index("metric")
    assert cut.loc["registered_people_end", "ci_low"] == 0.0
    assert cut.loc["cumulative_exit_share", "ci_high"] == 1.0
    assert cut.loc["additional_exits", "ci_low"] == -5.0  # a difference has no floor
    cells = {
        name: format_interval(name, *cut.loc[name, ["mean", "ci_low", "ci_high"]])
        for name in cut.index
    }
    assert cells == {
        "registered_people_end": "1 (≤5)",
        "cumulative_exit_share": "99.0% (≥97.0%)",
        "additional_exits": "1 ±6",
    }
    # paired differences keep their ±, wherever they reach
    assert format_interval("registered_people_end", 0.0, -4.0, 4.0, difference=True) == "0 ±4"
    # a mean with decimals has its end as precisely; a share's whole range says so
    assert format_interval("registered_people_end", 0.333, 0.0, 1.77) == "0.333 (≤1.770)"
    assert format_interval("cumulative_exit_share", 0.6, 0.0, 1.0) == "60.0% (0–100%)"
    # a missing interval (one replication with a value) stays missing, not 0 to 100%
    gone = clip_intervals(rows.assign(ci_low=float("nan"), ci_high=float("nan")))
    assert gone[["ci_low", "ci_high"]].isna().all().all()


def test_targets_that_miss_for_one_reason_share_its_line() -> None:
    """The county profile's 17 missed checks of where counties exited printed three
    paragraphs 5, 4 and 8 times under `povsim validate`."""
    from povsim.cli.tables import miss_reasons

    table = pd.DataFrame(
        {
            "target": ["a@2016", "b@2016", "c@2017", "d@2017", "e@2018"],
            "passed": [False, False, True, False, False],
            "note": ["the order", "", "the order", "the order", ""],
        }
    )
    assert miss_reasons(table) == [
        "a@2016, d@2017: the order",
        "b@2016, e@2018: no reason recorded in the targets file",
    ]


def test_person_years_add_up_the_year_end_counts() -> None:
    # A mix that clears the register by the end but keeps people poor for longer on the way
    # must score worse: the year-end counts of every year are summed, not the last one.
    from povsim.runs.metrics import Tables, evaluate

    fast = pd.DataFrame(
        {
            "year": [2014, 2015, 2016],
            "poor_people": [900, 100, 0],
            "registered_people": [800, 50, 0],
        }
    )
    slow = fast.assign(poor_people=[900, 600, 0], registered_people=[800, 700, 0])
    names = ["poor_person_years", "registered_person_years"]
    assert evaluate(Tables(fast), names) == {
        "poor_person_years": 1000.0,
        "registered_person_years": 850.0,
    }
    assert evaluate(Tables(slow), names) == {
        "poor_person_years": 1500.0,
        "registered_person_years": 1500.0,
    }


def test_a_sweep_table_fits_its_points_settings() -> None:
    """Every varied field was a column headed by its whole dotted path: a design of named
    variants, each setting some programs' fields, made a table some 370 columns wide."""
    from povsim.cli.tables import sweep_table

    outcomes = {"cumulative_exit_share": [0.9, 0.9], "incidence_end": [0.01, 0.02]}
    outcomes |= {"cumulative_relapse_share": [0.02, 0.03], "cost_per_exit": [3e4, 3e4]}
    grid = pd.DataFrame(
        {"point": [0, 1], "point_name": ["g0000", "g0001"], "income.growth": [0.05, 0.07]}
        | {"programs.industry.share": [0.2, 0.3], "programs.health.share": [0.1, 0.1]}
        | outcomes
    )
    text = _render(sweep_table(grid), 200)
    for header in ("growth", "industry.share", "health.share"):
        assert header in text
    assert "programs.industry.share" not in text
    fields = [f"programs.p{i}.support_after_exit_years" for i in range(4)]
    named = pd.DataFrame(
        {"point": [0, 1], "point_name": ["baseline", "no_support"]}
        | {f: [3, 0] for f in fields}
        | outcomes
    )
    text = _render(sweep_table(named), 120)
    assert "support_after_exit_years" not in text
    assert "no_support" in text
    assert "the design file" in text


def _targets(names: list[str]) -> pd.DataFrame:
    """A validation table of Shandan's size: counts, an income, a share near 0."""
    published = [14_200.0, 3_916.0, 0.0256, 6_660.0, 11_295.0, 10_284.0][: len(names)]
    simulated = [15_883.2, 5_537.4, 0.0301, 6_512.3, 11_001.9, 10_111.0][: len(names)]
    return pd.DataFrame(
        {
            "region": "shandan",
            "target": names,
            "published": published,
            "simulated": simulated,
            "ci_low": [0.0, 5_000.0, 0.028, 6_400.0, 10_900.0, 9_900.0][: len(names)],
            "ci_high": [30_110.4, 6_000.0, 0.032, 6_600.0, 11_100.0, 10_300.0][: len(names)],
            "tolerance": "±10%",
            "passed": [False, False, False, True, True, True][: len(names)],
        }
    )


@pytest.mark.parametrize("width", [80, 60])
def test_the_validation_table_never_cuts_a_number(width: int) -> None:
    """At 80 columns validate showed "simulat…" and "(≥10,90…": rich cut every column to fit."""
    names = [
        "registered_people_start@2013",
        "registered_people@2017",
        "registered_incidence@2017",
        "mean_income_ever_registered@2017",
        "mean_income@2017",
        "ever_exited_people@2017",
    ]
    for shown in (names, ["exited_people[industry,primary]@2015", *names[1:]]):
        text = _render(targets_table(_targets(shown), "10 replications", width), width)
        assert "…" not in text
        assert max(len(line.rstrip()) for line in text.splitlines()) <= width
        words = set(text.split())
        for figure in ("14,200", "15,883", "(≥0)", "(≥10,900)", "0.026", "0.030", "(≥0.028)"):
            assert figure in words or f"{figure};" in words, (figure, text)
        for name in shown:
            assert name in text
        assert "simulated" in text


@pytest.mark.parametrize("width", [40, 30])
def test_a_target_name_wider_than_the_terminal_folds_where_it_reads(width: int) -> None:
    """At 40 columns validate's lines broke a name at the last column:
    "pathway_share[industry,households]@201" over "5: FAIL"."""
    names = ["pathway_share[industry,households]@2015", "registered_people@2017"]
    text = _render(targets_table(_targets(names), "2 replications", width), width)
    lines = [line.strip() for line in text.splitlines()]
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    assert "registered_people@2017: FAIL" in lines  # a name that fits is whole
    first = next(i for i, line in enumerate(lines) if line.startswith("pathway_share["))
    parts = lines[first : first + 3]
    # after a "[" or a ",", before the "@": each line a whole piece of the name
    assert all(part.endswith(("[", ",", "]", "FAIL")) for part in parts[:2]), parts
    assert "".join(parts).startswith("pathway_share[industry,households]@2015: FAIL")


@pytest.mark.parametrize("width", [80, 100, 40])
def test_the_sweep_table_never_cuts_a_number(width: int) -> None:
    """povsim sweep of growth_and_industry at 80 columns showed "housi…", "cumul…" and
    "30,7…": rich cut every column to fit."""
    from povsim.cli.tables import sweep_table

    grid = [(g, s) for g in (0.04, 0.06, 0.073, 0.09) for s in (0.15, 0.25, 0.35)]
    summary = pd.DataFrame(
        {
            "point": range(len(grid)),
            "point_name": [f"g{i:04d}" for i in range(len(grid))],
            "income.growth": [g for g, _ in grid],
            "programs.industry.share": [s for _, s in grid],
            "programs.housing.share": 0.07,
            "incidence_end": 0.0123,
            "cumulative_exit_share": 0.912,
            "cumulative_relapse_share": 0.0412,
            "cost_per_exit": [30_712.4 + i for i in range(len(grid))],
        }
    )
    text = _render(sweep_table(summary, width), width)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    words = text.split()
    for figure in ("0.073", "0.15", "0.07", "1.2%", "91.2%", "4.1%", "30,712", "30,723"):
        assert figure in words, figure
    for word in ("growth", "industry.share", "housing.share", "cumulative", "(yuan)", "g0011"):
        assert word in words, word
    assert text.count("1 of 1") == len(grid)  # the runs never fold


def test_an_outcome_is_named_by_a_string_with_a_year_in_ascii_digits() -> None:
    """The review of stop 44: outcome(None) ended in AttributeError, and "incidence@²"
    (a digit to str.isdigit, not to int) in int()'s ValueError."""
    assert metrics.outcome("incidence@2020").name == "incidence@2020"
    with pytest.raises(TypeError, match="name: an outcome's name"):
        metrics.outcome(None)  # type: ignore[arg-type]
    with pytest.raises(metrics.UnknownOutcome, match="needs a year after the @, not '²'"):
        metrics.outcome("incidence@²")
    # another name for incidence@2020: asked for beside it, one outcome was compared twice
    with pytest.raises(metrics.UnknownOutcome) as err:
        metrics.outcome("incidence@02020")
    assert str(err.value).strip('"') == (
        "'incidence@02020': COLUMN@YEAR needs a year after the @, not '02020' "
        "(write incidence@2020)"
    )


def test_an_unknown_outcome_names_where_to_look_in_python_too() -> None:
    """Stop 63 left it: a notebook's misspelt outcome pointed only at the command line."""
    for name in ("incidnce", "registered_people"):
        with pytest.raises(metrics.UnknownOutcome, match=r"povsim\.OUTCOMES in Python"):
            metrics.outcome(name)


def test_a_run_says_how_much_of_its_budget_went_unspent(small: Scenario) -> None:
    """The summary showed the money spent (41.6 m in the baseline) but not the budget it was
    spent from (83.5 m), so half of it going unspent went unsaid."""
    from povsim import simulate
    from povsim.cli.tables import headline_table

    result = simulate(small, counterfactual=False)
    summary, ledger = result.summary(), result.spending
    assert summary["budget_yuan"] == pytest.approx(ledger["budget_yuan"].sum())
    assert summary["unspent_yuan"] == pytest.approx(ledger["unspent_yuan"].sum())
    assert summary["unspent_yuan"] > 0
    shown = _render(headline_table(result), 80)
    assert "budget (yuan)" in shown
    assert "unspent (yuan)" in shown
    # the monitoring's help is spent outside the budgets: said, so the rows add up
    rows = {
        line.rsplit(maxsplit=1)[0].strip(): float(line.rsplit(maxsplit=1)[1].replace(",", ""))
        for line in shown.splitlines()
        if "(yuan)" in line and line.rsplit(maxsplit=1)[1].replace(",", "").isdigit()
    }
    helped = rows.get("of which monitoring's help (yuan)", 0.0)
    assert rows["budget (yuan)"] - (rows["spending (yuan)"] - helped) == pytest.approx(
        rows["unspent (yuan)"], abs=2
    )
    # Indicators from before the budget was recorded give no budget rather than a KeyError.
    old = metrics.Tables(result.indicators.drop(columns="budget_yuan"))
    assert metrics.evaluate(old, ["budget_yuan", "unspent_yuan"]) == pytest.approx(
        {"budget_yuan": float("nan"), "unspent_yuan": float("nan")}, nan_ok=True
    )


def test_the_run_table_explains_every_abbreviated_column(small: Scenario) -> None:
    """The legend named poor and reg. only: line, new, removed and villages' a/b went unsaid."""
    from povsim import simulate
    from povsim.cli.tables import summary_table

    table = summary_table(simulate(small, counterfactual=False))
    caption = str(table.caption)
    for column in ("line", "poor", "reg.", "new", "removed", "villages"):
        assert f"{column}:" in caption or f"{column}, " in caption, column
    assert "exited/designated" in caption
    # exits and relapse were unexplained: counted in households, as the other columns are
    assert "reg., exits, relapse, new, removed: households" in caption
    text = _render(table, 80)
    width = max(len(line.rstrip()) for line in text.splitlines()[:3])
    legend = text.rstrip().splitlines()[-len(caption.splitlines()) :]
    assert [line.strip() for line in legend] == caption.splitlines(), "the legend wraps"
    assert all(len(line.rstrip()) <= width for line in legend)


def test_replications_are_labelled_as_one_run_and_never_below_what_can_be(
    small: Scenario,
) -> None:
    """The ensemble's table named rows incidence_end where one run says "incidence end",
    and three replications put the end incidence's interval at -0.3% .. 0.9%."""
    from povsim.experiments.ensemble import run_ensemble

    ensemble = run_ensemble(small, replications=3, executor=SerialExecutor())
    rows = ensemble.summary_intervals().set_index("metric")
    for name in rows.index:
        least = metrics.outcome(name).least
        if least is not None and not pd.isna(rows.loc[name, "ci_low"]):
            assert rows.loc[name, "ci_low"] >= least, name
    # Few replications of a count near 0: the t-interval reaches under it, and is cut there;
    # a difference from the counterfactual keeps its negative end.
    replications = {
        "incidence_end": [0.0, 0.0, 0.009],
        "additional_exits": [-5.0, 0.0, 6.0],
        "cumulative_exit_share": [1.0, 1.0, 0.97],  # a share near 1: cut at 1
    }
    ensemble.summaries = lambda: pd.DataFrame({"replication": [0, 1, 2], **replications})  # type: ignore[method-assign]
    cut = ensemble.summary_intervals().set_index("metric")
    assert cut.loc["incidence_end", "ci_low"] == 0.0
    assert cut.loc["additional_exits", "ci_low"] < -5
    assert cut.loc["cumulative_exit_share", "ci_high"] == 1.0
    # only signed outcomes: no bound at all, and no error
    ensemble.summaries = lambda: pd.DataFrame(  # type: ignore[method-assign]
        {"replication": [0, 1, 2], "additional_exits": [-5.0, 0.0, 6.0]}
    )
    assert ensemble.summary_intervals()["ci_low"].iloc[0] < -5
    del ensemble.summaries
    assert metrics.outcome("additional_exits").least is None  # a difference may be negative
    assert metrics.outcome("mean_income@2014").least is None  # net income may be negative
    from povsim.cli.tables import intervals_table

    shown = _render(intervals_table(ensemble), 100)
    assert "incidence end" in shown
    assert "incidence_end" not in shown
    # the money rows read together: the budget, and what spending holds beyond it
    assert "budget (yuan)" in shown
    assert "spending includes the monitoring's help, paid outside the budgets" in shown
    # what a single run's table shows, replications show too (they had left these out)
    from povsim.cli.tables import label

    for name in ("cost_per_additional_exit", "incidence_end_without_support"):
        assert label(name) in shown, name
    # At 30 columns the budget read "83,50…": each interval goes under its mean instead.
    from povsim.runs.display import format_value

    narrow = _render(intervals_table(ensemble, 30), 30)
    assert all(len(line.rstrip()) <= 30 for line in narrow.splitlines())
    words = set(narrow.split())
    rows = ensemble.summary_intervals().set_index("metric")
    for name in ("budget_yuan", "spending_yuan", "cost_per_exit"):
        for value in rows.loc[name, ["mean", "ci_low", "ci_high"]]:
            assert format_value(name, value) in words, name


def test_an_index_and_its_interval_have_the_same_decimals() -> None:
    """Sobol's table read "1.2±0.440" beside "1.31±0.634": each number in its own figures."""
    from povsim.cli.tables import indices_table

    rows = pd.DataFrame(
        {
            "output": ["incidence_end"] * 4 + ["cost_per_exit"] * 2,
            "input": ["income.growth"] * 2 + ["exit.margin"] * 2 + ["income.growth"] * 2,
            "input2": [None] * 6,
            "index": ["S1", "ST"] * 3,
            "value": [1.2, 1.31, 0.05, 0.3, 25.3, 1234.5],
            "conf": [0.44, 0.634, 0.0123, 0.05, 4.1, 300.2],
            "listed": [True] * 6,
        }
    )
    text = _render(indices_table(rows, "sobol"), 100)
    for cell in ("1.200±0.440", "1.310±0.634", "0.050±0.012", "0.300±0.050"):
        assert cell in text
    assert "25.3±4.1" in text  # larger values: fewer decimals, the same for both
    assert "1,234±300" in text
    assert "too small to rank" not in text


def test_indices_whose_intervals_dwarf_them_are_said_to_rank_nothing() -> None:
    """N = 2 printed a total index of 1.2±23.3 as if it were a finding."""
    from povsim.cli.tables import indices_table

    rows = pd.DataFrame(
        {
            "output": ["incidence_end"] * 4 + ["cost_per_exit"] * 4,
            "input": ["income.growth", "income.growth", "exit.margin", "exit.margin"] * 2,
            "input2": [None] * 8,
            "index": ["S1", "ST"] * 4,
            "value": [0.5, 1.2, 0.1, 0.3, 0.4, 0.6, 0.2, 0.3],
            "conf": [3.0, 23.3, 2.0, 5.0, 0.05, 0.06, 0.04, 0.05],
            "listed": [True] * 8,
        }
    )
    text = " ".join(_render(indices_table(rows, "sobol"), 120).split())
    assert "incidence_end: the typical ST interval is wider than the typical ST" in text
    assert "cost_per_exit:" not in text


def test_an_index_without_an_interval_is_said_to_have_none() -> None:
    """FAST's S1 without a ± read as a certain value, which the docs said was explained."""
    from povsim.cli.tables import indices_table

    def rows(conf: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "output": ["incidence_end"] * 4,
                "input": ["income.growth", "income.growth", "exit.margin", "exit.margin"],
                "input2": [None] * 4,
                "index": ["S1", "ST", "S1", "ST"],
                "value": [0.6, 0.7, 0.28, 0.3],
                "conf": [0.1, 0.1, conf, 0.05],
                "listed": [True] * 4,
            }
        )

    text = _render(indices_table(rows(float("nan")), "fast"), 100)
    assert "0.280" in text
    assert "0.280±" not in text
    assert "a value without ± has no interval" in " ".join(text.split())
    assert "no interval" not in _render(indices_table(rows(0.02), "fast"), 100)
    # Morris's sigma and mu never have one: no caption for them
    morris = pd.DataFrame(
        {
            "output": ["incidence_end"] * 3,
            "input": ["income.growth"] * 3,
            "input2": [None] * 3,
            "index": ["mu", "mu_star", "sigma"],
            "value": [0.02, 0.03, 0.01],
            "conf": [float("nan"), 0.005, float("nan")],
            "listed": [True] * 3,
        }
    )
    assert "no interval" not in _render(indices_table(morris, "morris"), 100)


def test_a_nations_yearly_table_fits_80_columns() -> None:
    """In full, a nation's counts took the table past 80 columns, where a terminal cut
    every number to "75,160…"."""
    import types

    from povsim.cli.tables import summary_table

    years = range(2014, 2021)
    ind = pd.DataFrame(
        {
            "year": list(years),
            "poverty_line": [2800.0] * 7,
            "poor_people": [75_160_677.0 / (y - 2013) for y in years],
            "incidence": [0.077 / (y - 2013) for y in years],
            "registered_households": [26_366_776.0 / (y - 2013) for y in years],
            "exits_households": [4_091_347.0] * 7,
            "relapses_households": [53_313.0] * 7,
            "new_entrants_households": [908_694.0] * 7,
            "removed_households": [1_209_724.0] * 7,
            "villages_exited": [8_303.0] * 7,
            "poor_villages": [47_379.0] * 7,
        }
    )
    result = types.SimpleNamespace(
        scenario=types.SimpleNamespace(name="national_counties"), seed=1, indicators=ind
    )
    text = _render(summary_table(result), 80)
    assert "…" not in text
    assert "75,161" in text
    assert "households, thousands" in " ".join(text.split())


@pytest.mark.parametrize("width", [50, 40])
def test_the_run_table_never_cuts_a_number(width: int) -> None:
    """At 50 columns `povsim run` showed every year as "20…" and every line as "2,…": rich
    cut the columns to fit, where the other tables stack them."""
    import types

    from povsim.cli.tables import headline_table, summary_table

    years = range(2014, 2021)
    ind = pd.DataFrame(
        {
            "year": list(years),
            "poverty_line": [2800.0 + y for y in years],
            "poor_people": [32_300.0 / (y - 2013) for y in years],
            "incidence": [0.196 / (y - 2013) for y in years],
            "registered_households": [9_200.0 / (y - 2013) for y in years],
            "exits_households": [2_000.0] * 7,
            "relapses_households": [130.0] * 7,
            "new_entrants_households": [2_500.0] * 7,
            "removed_households": [300.0] * 7,
            "villages_exited": [12.0] * 7,
            "poor_villages": [130.0] * 7,
        }
    )
    result = types.SimpleNamespace(
        scenario=types.SimpleNamespace(name="baseline"), seed=1, indicators=ind
    )
    text = _render(summary_table(result, width), width)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    words = text.split()
    for figure in ("2014", "2020", "4,814", "32,300", "19.6%", "9,200", "2,500", "12/130"):
        assert figure in words, figure
    assert words.count("year") > 1  # each part of the table has its years
    assert "exited/designated" in words  # the legend, once, under the parts
    assert text.count("line: yuan/person/year") == 1
    # The headline figures fold their names, never their numbers.
    summary = {"budget_yuan": 83_500_000.0, "cost_per_relapse_avoided": 279_859.0}
    headline = types.SimpleNamespace(summary=lambda: summary, indicators=ind)
    shown = _render(headline_table(headline), 24).split()  # type: ignore[arg-type]
    assert "83,500,000" in shown
    assert "279,859" in shown


def test_what_holds_the_register_at_the_end_is_said_under_it() -> None:
    """A county whose register did not clear (2,130 of 2,190 households short of safe
    housing, the housing money spent) showed nothing of why in the headline table."""
    from povsim.cli.tables import _held_by

    ind = pd.DataFrame(
        {
            "registered_households": [5_000.0, 2_190.0],
            "registered_housing_gap": [3_000.0, 2_130.0],
            "registered_schooling_gap": [10.0, 0.0],
            "registered_medical_gap": [0.0, 0.0],
            "registered_food_gap": [500.0, 40.0],
        }
    )
    assert _held_by(ind) == "safe housing 2,130, food 40"
    assert _held_by(ind.assign(registered_households=[5_000.0, 0.0])) == ""


def test_a_narrow_comparison_names_every_mix_and_keeps_its_words(baseline: Scenario) -> None:
    """At 80 columns three mixes' headers read "industry_…" alike, and the title and its
    --set lost a character at each break ("wher" over "cut at 0")."""
    small = baseline.updated({"population.households": 300, "name": "industry_led"})
    half = small.updated({"name": "industry_half_budget", "budget.scale": 0.5})
    gain = small.updated({"name": "industry_gain", "programs.industry.gain": 4000})
    comparison = compare_scenarios([small, half, gain], 2, 1, executor=SerialExecutor())
    comparison.overrides = ["population.households=300", "population.villages=5"]
    shown = _render(comparison_table(comparison, 80), 80)
    assert "…" not in shown
    assert all(len(line.rstrip()) <= 80 for line in shown.splitlines())
    words = " ".join(shown.split())
    assert "A industry_led, B industry_half_budget, C industry_gain" in words
    assert "its other end, where cut at 0 or 100%" in words
    assert "--set population.villages=5" in words
    assert "money left unspent lowers it" in words  # what cost per exit counts, said under it
    wide = " ".join(_render(comparison_table(comparison, 220), 220).split())
    assert "industry_half_budget" in wide
    assert "A industry_led" not in wide  # names where they fit


def _exits_in(years: list[float]) -> list[dict[str, float]]:
    """Each run's outcomes where the county exited in ``years`` (NaN: never)."""
    return [{"county_exit_year": y, "county_exited_share": float(not np.isnan(y))} for y in years]


def test_a_county_exit_year_of_some_runs_says_in_how_many() -> None:
    """The exit year is undefined where the county never exits: compare showed the mean of
    the runs that exited, so B (2017 in 1 of 4 runs) read as a year ahead of A (2018-2019 in
    4 of 4), and its Δ (-1.0) was of the one pair in which both exited, unsaid."""
    from types import SimpleNamespace

    from povsim.experiments.compare import COUNTED_NOTE, Comparison, tabled

    a = _exits_in([2018.0, 2018.0, 2019.0, 2019.0])
    b = _exits_in([2017.0, np.nan, np.nan, np.nan])
    rows = [
        {"scenario": name, "replication": r, **dict.fromkeys(COMPARED, 0.5), **run}
        for name, runs in (("A", a), ("B", b))
        for r, run in enumerate(runs)
    ]
    runs = pd.DataFrame(rows)
    table = tabled(runs, ["A", "B"])
    mixes = [SimpleNamespace(name="A"), SimpleNamespace(name="B")]
    comparison = Comparison(mixes, 1, 4, runs, table, pd.DataFrame(), 0.0)  # type: ignore[arg-type]
    years = comparison.metric("county_exit_year")
    assert years.loc["B", "n"] == 1
    assert years.loc["B", "diff_n"] == 1
    assert comparison.metric("county_exited_share")["mean"].tolist() == [1.0, 0.25]
    shown = list(comparison.shown())
    cells = {(name, diff): row for name, diff, row in comparison.cells()}
    year, share = shown.index("county_exit_year"), shown.index("county_exited_share")
    assert cells["A", False][year] == "2018 ±1"  # every run exited: no count
    assert cells["B", False][year] == "2017 (1 of 4)"
    assert cells["B", True][year] == "-1.0 (1 of 4)"
    assert cells["B", False][share].startswith("25.0%")
    assert cells["B", True][share].startswith("-75.0 pp")
    words = " ".join(_render(comparison_table(comparison), 250).split())
    assert COUNTED_NOTE in words
    assert "county exited (share of runs)" in words


def test_replications_give_the_exit_year_the_mean_their_intervals_give() -> None:
    """The registry made the exit year a median, which the run's summary took while its
    intervals, `run --replications` and compare took the mean: 2016 in one, 2017 in the
    other, for the same runs; neither said that one run never exited."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from povsim.cli.tables import intervals_table
    from povsim.experiments.ensemble import Ensemble

    runs = _exits_in([2016.0, 2016.0, 2019.0, np.nan])
    results = [
        SimpleNamespace(replication=r, summary=lambda run=run: run) for r, run in enumerate(runs)
    ]
    now = datetime.now(UTC)
    ensemble = Ensemble(SimpleNamespace(name="x"), 1, results, now, now, 0.0)  # type: ignore[arg-type]
    intervals = ensemble.summary_intervals().set_index("metric")
    summary = ensemble.summary()
    assert summary["county_exit_year"] == intervals.loc["county_exit_year", "mean"] == 2017.0
    assert summary["county_exited_share"] == 0.75
    text = " ".join(_render(intervals_table(ensemble), 120).split())
    assert "2017 (3 of 4)" in text
    assert "county exited share 75.0%" in text
    assert "(k of N): the mean of the k replications with a value" in text


def test_the_share_of_runs_the_county_exited_is_an_outcome() -> None:
    from povsim.runs.display import format_value

    exited = metrics.Tables(
        pd.DataFrame({"year": [2014, 2015, 2016], "county_exited": [False, True, True]})
    )
    never = metrics.Tables(
        pd.DataFrame({"year": [2014, 2015, 2016], "county_exited": [False, False, False]})
    )
    assert metrics.outcome("county_exited_share").value(exited) == 1.0
    assert metrics.outcome("county_exited_share").value(never) == 0.0
    assert metrics.outcome("county_exit_year").value(exited) == 2015.0
    assert np.isnan(metrics.outcome("county_exit_year").value(never))
    assert format_value("county_exited_share", 0.25) == "25.0%"


def test_a_target_undefined_in_some_replications_has_no_verdict_but_says_so() -> None:
    """validate failed a target on a mean that kept a replication's NaN while it printed the
    mean of the others, within its tolerance: a FAIL beside a figure that passes, unsaid."""
    from povsim.cli.tables import miss_reasons
    from povsim.experiments.calibration.targets import Target
    from povsim.experiments.calibration.validation import target_table

    def target(note: str = "") -> Target:
        return Target(
            indicator="mean_income_ever_registered",
            year=2017,
            value=6_660.0,
            relative_tolerance=0.1,
            source="t",
            note=note,
        )

    values = np.array([[6_500.0, 6_500.0, 9_000.0], [np.nan, 6_600.0, 9_100.0]])
    table = target_table([target("reports count exited households"), target(), target()], values)
    undefined, passed, failed = table.to_dict("records")
    assert undefined["simulated"] == 6_500.0
    assert undefined["verdict"] == "undefined"
    assert not undefined["passed"]
    assert undefined["note"] == "undefined in 1 of 2 replications; reports count exited households"
    # its error is of the mean shown, not NaN
    assert undefined["error_in_tolerances"] == pytest.approx((6_500 - 6_660) / 666)
    assert (passed["verdict"], passed["passed"], passed["note"]) == ("pass", True, "")
    assert passed["error_in_tolerances"] == pytest.approx((6_550 - 6_660) / 666)
    assert (failed["verdict"], failed["passed"]) == ("fail", False)
    text = _render(targets_table(table.assign(region="r"), "2 replications"), 120)
    assert "undefined" in text
    assert text.count("FAIL") == 1
    assert miss_reasons(table)[0].startswith(
        "mean_income_ever_registered@2017: undefined in 1 of 2 replications"
    )
