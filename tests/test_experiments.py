"""Replications, executors, paired comparison and resumable sweeps."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import povsim
from povsim import Scenario, ScenarioError, load_scenario
from povsim.cli import app
from povsim.experiments import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    SweepError,
    compare_scenarios,
    load_design,
    run_ensemble,
    run_sweep,
)
from povsim.experiments.compare import (
    Comparison,
    UnpairedComparison,
    unpaired_fields,
    unpaired_note,
    write_comparison,
)
from povsim.runs.store import SESSIONS, OutputError

from .conftest import SCENARIOS

runner = CliRunner()
SMALL = ["population.households=400", "population.villages=8"]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml", SMALL)


@pytest.mark.slow
def test_executors_give_identical_results(tiny: Scenario) -> None:
    results = {}
    for name, executor in (
        ("serial", SerialExecutor()),
        ("processes", ProcessExecutor(2)),
        ("dask", DaskExecutor(2)),
    ):
        with executor:
            results[name] = run_ensemble(tiny, 5, replications=5, executor=executor)
    reference = results["serial"]
    for name in ("processes", "dask"):
        for table in ("indicators", "pathways", "spending", "counterfactual"):
            pd.testing.assert_frame_equal(
                getattr(results[name], table), getattr(reference, table), obj=f"{name} {table}"
            )


def test_replication_streams_do_not_depend_on_how_many_run(tiny: Scenario) -> None:
    three = run_ensemble(tiny, 9, replications=3, counterfactual=False).indicators
    five = run_ensemble(tiny, 9, replications=5, counterfactual=False).indicators
    pd.testing.assert_frame_equal(three, five[five["replication"] < 3].reset_index(drop=True))
    assert five.groupby("replication")["mean_income"].sum().nunique() == 5


def test_ensemble_summary_has_intervals(tiny: Scenario, tmp_path: Path) -> None:
    ensemble = povsim.run(tiny, seed=2, replications=4, executor="serial", out=tmp_path / "e")
    assert isinstance(ensemble, povsim.Ensemble)
    assert list(ensemble.indicators.columns[:2]) == ["replication", "year"]
    intervals = ensemble.summary_intervals().set_index("metric")
    row = intervals.loc["incidence_end"]
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["n"] == 4
    written = pd.read_parquet(tmp_path / "e" / "indicators.parquet")
    assert sorted(written["replication"].unique()) == [0, 1, 2, 3]
    assert (tmp_path / "e" / "summary.parquet").exists()


def test_common_random_numbers_make_differences_paired() -> None:
    """The paired difference of two mixes varies far less than an unpaired one."""
    changes = ["population.households=800", "population.villages=8"]
    a = load_scenario(SCENARIOS / "five_batches.toml", changes)
    b = load_scenario(SCENARIOS / "industry_led.toml", changes)
    with ProcessExecutor(2) as pool:
        same = compare_scenarios([a, b], 16, seed=1, executor=pool).runs
        other = compare_scenarios([a, b], 16, seed=2, executor=pool).runs
    metric = "incidence@2020"
    first = same.loc[same.scenario == "five_batches", metric].to_numpy()
    paired = same.loc[same.scenario == "industry_led", metric].to_numpy() - first
    unpaired = other.loc[other.scenario == "industry_led", metric].to_numpy() - first
    assert np.var(paired, ddof=1) < 0.25 * np.var(unpaired, ddof=1)


def test_compare_cli_writes_table_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(
        app,
        [
            "compare",
            str(SCENARIOS / "five_batches.toml"),
            str(SCENARIOS / "no_intervention.toml"),
            "--replications",
            "3",
            "--executor",
            "serial",
            "--out",
            str(out),
            *[arg for change in SMALL for arg in ("--set", change)],
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "comparison.parquet")
    assert set(table["scenario"]) == {"five_batches", "no_intervention"}
    assert {"mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"} <= set(
        table.columns
    )
    metrics = set(table["metric"])
    assert {
        "incidence@2020",
        "cumulative_exit_share",
        "cumulative_relapse_share",
        "cost_per_exit",
        "relapse_rate@2016",
        "exited_people:industry",
    } <= metrics
    reference = table[table.scenario == "five_batches"]
    assert reference["diff_mean"].isna().all()
    other = table[(table.scenario == "no_intervention") & (table.metric == "cumulative_exit_share")]
    assert float(other["diff_mean"].iloc[0]) < 0  # no support: fewer exits, paired
    # Significant where the difference's interval excludes 0, and said so in the table.
    assert bool(other["diff_significant"].iloc[0])
    excludes = (table["diff_ci_low"] > 0) | (table["diff_ci_high"] < 0)
    others = table["scenario"] != "five_batches"
    assert (table.loc[others, "diff_significant"] == excludes[others]).all()
    assert reference["diff_significant"].isna().all()  # no difference to judge
    # nor where no difference was computed (the county's exit year, where neither exits)
    assert table.loc[table["diff_mean"].isna(), "diff_significant"].isna().all()
    assert 0 < excludes.sum() < len(table) - len(reference)  # some, not all: a real test
    assert "*: its 95% interval excludes 0" in " ".join(result.output.split())
    assert " *" in result.output
    units = dict(zip(table["metric"], table["unit"], strict=False))
    assert units["cumulative_exit_share"] == "share"
    assert units["cost_per_exit"] == "yuan"
    for name in ("trajectories", "exits_relapses"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    runs = pd.read_parquet(out / "compare_runs.parquet")
    assert len(runs) == 6
    # the overrides are said: a smaller sample, say, is not the shipped county's figure
    assert f"--set {SMALL[0]}" in " ".join(result.output.split())
    assert json.loads((out / "manifest.json").read_text())["overrides"] == list(SMALL)
    assert pd.read_csv(out / "comparison.csv").shape == table.shape
    assert "is not paired" not in result.output  # the same county, paired
    # The command's time, its runs and writing both: the manifest's wall time was the
    # runs' alone, and its start that of the writing.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["wall_seconds"] == pytest.approx(_span(manifest), abs=1e-3)


def _span(manifest: dict) -> float:
    """Seconds from a manifest's ``started`` to its ``finished``."""
    started, finished = (datetime.fromisoformat(manifest[k]) for k in ("started", "finished"))
    return (finished - started).total_seconds()


def test_a_comparison_written_later_is_timed_from_its_start(tiny: Scenario, tmp_path) -> None:
    """compare's manifest began its times when the writing did, and replaced its wall time
    with the runs' (3.8 s, where started to finished spanned 1.2 and the command 7.8)."""
    other = tiny.updated({"name": "more", "budget.scale": 1.5})
    comparison = compare_scenarios([tiny, other], 2, 1, executor=SerialExecutor())
    began = datetime.now(UTC) - timedelta(seconds=60)  # as if the command began then
    comparison.started = began
    write_comparison(comparison, tmp_path / "cmp")
    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert datetime.fromisoformat(manifest["started"]) == began
    assert manifest["wall_seconds"] == pytest.approx(_span(manifest), abs=1e-3)
    assert manifest["wall_seconds"] >= 60


def test_comparing_other_households_is_said(tmp_path: Path) -> None:
    """`compare baseline.toml regions/shandan.toml` printed paired differences of two
    counties without a word."""
    base = load_scenario(SCENARIOS / "baseline.toml")
    shandan = load_scenario(SCENARIOS / "regions" / "shandan.toml")
    assert unpaired_fields(base, shandan) == ["start_year", "population", "income", "shocks"]
    mixes = [
        load_scenario(SCENARIOS / f"{name}.toml") for name in ("five_batches", "no_intervention")
    ]
    assert unpaired_fields(*mixes) == []  # work teams off is a lever of the mix
    result = runner.invoke(
        app,
        [
            "compare",
            str(SCENARIOS / "baseline.toml"),
            str(SCENARIOS / "regions" / "shandan.toml"),
            "--replications",
            "2",
            "--executor",
            "serial",
            "--out",
            str(tmp_path / "cmp"),
            "--set",
            "population.households=200",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "is not paired with" in said
    assert "(start_year, population, income, shocks differ)" in said
    # in Python too, where a notebook's user compares
    with pytest.warns(UnpairedComparison, match="compare other households or years"):
        povsim.compare([base, shandan], replications=2, executor="serial")
    weights = base.updated({"name": "weighted", "population.represents": 40_000})
    assert unpaired_fields(base, weights) == []  # weights of the same draws
    assert unpaired_fields(base, base.updated({"steps_per_year": 4})) == ["steps_per_year"]
    # a stress test meets other shocks with the same households and draws: still paired
    stressed = base.updated({"name": "stressed", "shocks.disaster.annual_probability": 0.2})
    assert unpaired_fields(base, stressed) == ["shocks"]
    note = unpaired_note("stressed", base.name, ["shocks"])
    assert "meets other shocks than" in note
    assert "not paired" not in note


def test_the_comparison_turns_to_fit_a_narrow_terminal() -> None:
    """At 80 columns the table lost its last outcomes (spending, the county's exit year)."""
    from povsim.cli.tables import _table_width, comparison_table

    small = ["population.households=100"]
    mixes = [
        load_scenario(SCENARIOS / f"{n}.toml", small) for n in ("five_batches", "industry_led")
    ]
    result = povsim.compare(mixes, replications=2, executor="serial")
    wide = comparison_table(result)
    assert wide.columns[0].header == "scenario"
    assert _table_width(wide) > 80
    tall = comparison_table(result, width=80)
    assert [c.header for c in tall.columns] == [
        "outcome",
        "five_batches",
        "industry_led",
        "Δ industry_led",
    ]
    # two replications of 100 households: intervals cut at 0 or 100% show their other end, and
    # such a cell wraps between its value and its range, never inside either
    assert _table_width(tall, wrapped=True) <= 80
    assert comparison_table(result, width=_table_width(wide)).columns[0].header == "scenario"
    # With four mixes neither fits 120 columns: the turned table is split among tables
    # stacked one under another, each with the outcomes, and no value is cut (rich had cut
    # the last column of a table it could have wrapped: "+40" for +400).
    others = ("health_first", "no_intervention")
    more = [*mixes, *(load_scenario(SCENARIOS / f"{n}.toml", small) for n in others)]
    four = povsim.compare(more, replications=2, executor="serial")
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(comparison_table(four, width=120))
    shown = console.export_text()
    assert all(len(line.rstrip()) <= 120 for line in shown.splitlines())
    assert shown.count("outcome") >= 2
    words = set(shown.split())
    assert all(word in words for _, _, cells in four.cells() for c in cells for word in c.split())


def test_compare_rejects_a_bad_executor() -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            str(SCENARIOS / "baseline.toml"),
            str(SCENARIOS / "no_intervention.toml"),
            "--executor",
            "gpu",
        ],
    )
    assert result.exit_code == 2
    assert "--executor must be one of" in result.output


DESIGN = """
base = "{base}"
name = "kill"
replications = 4
[set]
"population.households" = 300
"population.villages" = 6
[grid]
"income.growth" = [0.03, 0.05, 0.07, 0.09, 0.11]
"programs.industry.share" = [0.2, 0.25]
"""


# For tests that stop a sweep part-way: too many runs to finish before the signal lands,
# even when the machine stalls the test between seeing a result and sending it.
LONG_DESIGN = DESIGN.replace("replications = 4", "replications = 100")


def write_design(tmp_path: Path, text: str = DESIGN) -> Path:
    path = tmp_path / "design.toml"
    path.write_text(text.format(base=SCENARIOS / "baseline.toml"), encoding="utf-8")
    return path


def communicate_or_kill(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """``process.communicate``; past the timeout, kill its group and fail naming who was left."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            left = _session(process.pid)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        pytest.fail(f"still running {timeout} s after the signal: {left}")


def start_sweep(design: Path, out: Path, finished: int) -> subprocess.Popen:
    """Start `povsim sweep` in its own process group; return when `finished` runs are written."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "povsim",
            "sweep",
            str(design),
            "--out",
            str(out),
            "--workers",
            "2",
            "--quiet",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list((out / "indicators").glob("*.parquet"))) < finished:
        assert process.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline, "the sweep made no progress"
        time.sleep(0.05)
    return process


@pytest.mark.slow
def test_sweep_killed_and_resumed_has_every_run_once(tmp_path: Path) -> None:
    design = write_design(tmp_path)
    out = tmp_path / "sweep"
    process = start_sweep(design, out, finished=6)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.stem for p in (out / "indicators").glob("*.parquet")}
    expected = set(load_design(design).plan()["run_id"])
    assert 0 < len(finished) < len(expected), "the sweep should have been stopped part-way"

    again = runner.invoke(app, ["sweep", str(design), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 2
    assert "--resume" in again.output
    summary = povsim.sweep(design, out, resume=True, executor="serial")
    files = sorted((out / "indicators").glob("*"))
    assert {p.stem for p in files} == expected
    assert all(not p.name.startswith(".") for p in files)
    data = pd.read_parquet(out / "indicators")
    assert len(data) == len(expected) * 7
    assert not data.duplicated(["run_id", "year"]).any()
    assert summary["cumulative_exit_share"].notna().all()
    # A resumed run is the same run: identical to running it afresh.
    fresh = run_sweep(load_design(design), tmp_path / "fresh", executor=SerialExecutor())
    cols = ["run_id", "incidence@2020", "cost_per_exit"]
    pd.testing.assert_frame_equal(summary[cols], fresh[cols])


def test_a_resumed_sweeps_manifest_counts_the_stopped_session(tmp_path: Path) -> None:
    """A resumed output's manifest held the last session's start and time alone: a sweep
    stopped after hours, then resumed for a minute, said it took a minute."""
    design = load_design(
        write_design(tmp_path, DESIGN.replace("replications = 4", "replications = 1"))
    )
    out = tmp_path / "sweep"

    def stop(result: object) -> None:
        time.sleep(0.5)  # the stopped session's work, to be counted
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(design, out, on_result=stop)
    stopped = json.loads((out / SESSIONS).read_text())
    assert stopped["wall_seconds"] >= 0.5
    assert not (out / "manifest.json").exists()
    run_sweep(design, out, resume=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["started"] == stopped["started"]  # the first session's start
    assert manifest["wall_seconds"] > stopped["wall_seconds"]  # and its time, with this one's
    assert manifest["wall_seconds"] <= _span(manifest)  # the time between them is not work
    assert not (out / SESSIONS).exists()  # counted in the manifest now


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('base = "{base}"\n[grid]\n"income.growht" = [0.1]\n', "grid.income.growht: unknown field"),
        ('base = "{base}"\n[grid]\n"income.growth" = ["fast"]\n', "grid.income.growth"),
        ('base = "{base}"\nreplications = 0\n[grid]\n"income.growth" = [0.1]\n', "replications"),
        ('base = "{base}"\n', "exactly one of variants, grid or lhs"),
        ('base = "nowhere.toml"\n[grid]\n"income.growth" = [0.1]\n', "base: scenario not found"),
        (
            'base = "{base}"\n[lhs]\nsamples = 4\n[lhs.ranges]\n"income.growth" = [0.2, 0.1]\n',
            "low < high",
        ),
        (
            'base = "{base}"\ncolour = "red"\n[grid]\n"income.growth" = [0.1]\n',
            "colour: unknown field",
        ),
        (
            'base = "{base}"\n[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n',
            "the name 'a' is given twice",
        ),
        # a field of [set] is named there, not as the point's own table
        (
            'base = "{base}"\n[set]\n"income.nope" = 1\n[grid]\n"income.growth" = [0.1]\n',
            "set.income.nope: unknown field",
        ),
        (
            'base = "{base}"\n[set]\n"income.growth" = -3\n[[variants]]\nname = "a"\n',
            "set.income.growth: Input should be greater than or equal to",
        ),
        ('base = "{base}"\nvariants = []\n', "variants: none given"),
        # an empty grid ran the base scenario once, as a point named g0000
        ('base = "{base}"\n[grid]\n', "grid: no fields to vary"),
        # a [set] value every point replaced was never used, without a word
        (
            'base = "{base}"\n[set]\n"income.growth" = 0.05\n[grid]\n"income.growth" = [0.04]\n',
            "set.income.growth: grid varies it too, so this value is never used",
        ),
        (
            'base = "{base}"\n[set]\n"income.growth" = 0.05\n[lhs]\nsamples = 2\n'
            '[lhs.ranges]\n"income.growth" = [0.04, 0.09]\n',
            "set.income.growth: lhs.ranges varies it too",
        ),
        # a misspelt range ended in a KeyError: its samples were typed as the base's field
        (
            'base = "{base}"\n[lhs]\nsamples = 2\n[lhs.ranges]\n"income.growht" = [0.04, 0.09]\n',
            "lhs.ranges.income.growht: unknown field (did you mean income.growth?)",
        ),
        (
            'base = "{base}"\n[lhs]\nsamples = 2\n[lhs.ranges]\n"programs.nope.share" = [0, 0.1]\n',
            "lhs.ranges.programs.nope.share: unknown program kind 'nope'",
        ),
        # a year past the run (2014-2020) was varied silently, every point alike, where a
        # sensitivity problem refused it
        (
            'base = "{base}"\n[grid]\n"poverty_line.2021" = [2800, 3000]\n',
            "grid.poverty_line.2021: 2021 is after the run's last year (2020): no run reaches it",
        ),
        (
            'base = "{base}"\n[lhs]\nsamples = 2\n[lhs.ranges]\n"budget.total.2021" = [1, 2]\n',
            "lhs.ranges.budget.total.2021: 2021 is after the run's last year (2020)",
        ),
        (
            'base = "{base}"\n[[variants]]\nname = "a"\nset = {{"poverty_line.2021" = 1}}\n',
            "variants[0].set.poverty_line.2021: 2021 is after the run's last year (2020)",
        ),
    ],
)
def test_bad_design_file_exits_2(tmp_path: Path, text: str, problem: str) -> None:
    design = write_design(tmp_path, text)
    result = runner.invoke(app, ["sweep", str(design), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert str(design) in result.output
    assert problem in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_year_past_the_run_is_varied_where_a_point_runs_to_it(tmp_path: Path) -> None:
    """A year of a dated series is refused only past every point's last year: a design that
    also varies end_year reaches it."""
    design = write_design(
        tmp_path,
        'base = "{base}"\n[grid]\nend_year = [2020, 2021]\n"poverty_line.2021" = [2800, 3000]\n',
    )
    assert len(load_design(design).scenarios) == 4


def test_a_design_reads_toml_nested_tables_as_dotted_paths(tmp_path: Path) -> None:
    """[grid.programs.industry] share = [...] was "grid.programs: Input should be a valid
    list"; a whole scenario's problem a point made was named grid.programs."""
    grid = write_design(tmp_path, 'base = "{base}"\n[grid.programs.industry]\nshare = [0.1, 0.2]\n')
    assert load_design(grid).plan()["programs.industry.share"].tolist() == [0.1, 0.2]
    lhs = write_design(
        tmp_path, 'base = "{base}"\n[lhs]\nsamples = 2\n[lhs.ranges.income]\ngrowth = [0.02, 0.1]\n'
    )
    assert len(load_design(lhs).plan()["income.growth"]) == 2
    over = write_design(tmp_path, 'base = "{base}"\n[grid.programs.industry]\nshare = [0.1, 0.9]\n')
    with pytest.raises(ScenarioError, match=r"grid\.programs\.industry\.share: program shares"):
        load_design(over)


def test_a_value_for_a_whole_table_is_named_by_its_own_key_in_the_designs_words(
    tmp_path: Path,
) -> None:
    """Beside "income.growth", a grid's "income" = [1] was reported as grid.income.growth,
    with the scenario file's advice "initial_mean = ... under [income]"."""
    grid = write_design(
        tmp_path, 'base = "{base}"\n[grid]\n"income.growth" = [0.05, 0.06]\n"income" = [1]\n'
    )
    with pytest.raises(ScenarioError) as error:
        load_design(grid)
    [problem] = error.value.problems
    assert problem.path == "grid.income"
    assert problem.message.startswith(
        "a table of settings, not 1: give one of its fields as the grid's key instead, e.g. "
        '"income.initial_mean" = [...] (initial_mean, '
    )
    assert "under [income]" not in problem.message
    variants = write_design(
        tmp_path,
        'base = "{base}"\n[[variants]]\nname = "a"\nset = {{"programs.industry" = 1}}\n',
    )
    with pytest.raises(ScenarioError) as error:
        load_design(variants)
    [problem] = error.value.problems
    assert problem.path == "variants[0].set.programs.industry"
    assert 'e.g. "programs.industry.share" = ... in variants[0].set (share, ' in problem.message


def test_a_range_for_a_whole_table_is_named_in_the_designs_words(tmp_path: Path) -> None:
    """An lhs range of "income" = [0, 1] was said to leave the field, with the scenario
    file's advice "set initial_mean = ... under [income]", which no design has."""
    design = write_design(
        tmp_path,
        'base = "{base}"\n[lhs]\nsamples = 4\n[lhs.ranges]\n"income" = [0, 1]\n'
        '"income.growth" = [0.03, 0.1]\n',
    )
    with pytest.raises(ScenarioError) as error:
        load_design(design)
    [problem] = error.value.problems
    assert problem.source == str(design)
    assert problem.path == "lhs.ranges.income"
    assert problem.message.startswith(
        "a table of settings, not [0, 1]: give one of its fields a range instead, e.g. "
        '"income.initial_mean" = [low, high] (initial_mean, '
    )
    assert "under [income]" not in problem.message


def test_latin_hypercube_and_variants(tmp_path: Path) -> None:
    lhs = write_design(
        tmp_path,
        'base = "{base}"\n[lhs]\nsamples = 5\nseed = 1\n'
        '[lhs.ranges]\n"income.growth" = [0.02, 0.1]\n',
    )
    plan = load_design(lhs).plan()
    values = np.sort(plan["income.growth"].to_numpy())
    assert len(values) == 5
    # One sample in each fifth of the range.
    assert (np.floor((values - 0.02) / 0.016) == np.arange(5)).all()
    # An integer field takes its samples rounded (its message quoted a fraction instead).
    counts = write_design(
        tmp_path,
        'base = "{base}"\n[lhs]\nsamples = 3\nseed = 1\n'
        '[lhs.ranges]\n"population.households" = [100, 300.5]\n',
    )
    households = [s.population.households for s in load_design(counts).scenarios]
    assert all(isinstance(n, int) and 100 <= n <= 300 for n in households)
    assert load_design(counts).plan()["population.households"].tolist() == households
    sweep = load_design(SCENARIOS / "designs" / "mixes.toml")
    assert [name for name, _ in sweep.points] == [
        "baseline",
        "no_work_teams",
        "strict_exit",
        "no_support_after_exit",
    ]
    assert sweep.scenarios[2].exit.income_margin == 0.2
    # A variant that leaves a field another varies has the base's value, not NaN (discover
    # saw no input vary).
    plan = sweep.plan()
    plan = plan[plan["replication"] == 0].set_index("point_name")
    assert plan.at["baseline", "exit.income_margin"] == sweep.base.exit.income_margin
    assert plan.at["strict_exit", "exit.income_margin"] == 0.2
    assert plan.notna().all().all()
    # Every variant changes the run: no_support_after_exit changed nothing while
    # exit.keep_policies held every program's support to 2020.
    small = [s.updated({"population.households": 1500}) for s in sweep.scenarios]
    runs = [povsim.PovertyModel(s, 1).run().indicators() for s in small]
    assert all(not run.equals(runs[0]) for run in runs[1:])


@pytest.mark.slow
def test_workers_stop_when_the_launcher_is_killed(tmp_path: Path) -> None:
    """SIGKILL to the sweep alone: its fork server and workers must not run on for nobody."""
    design = write_design(tmp_path, LONG_DESIGN)
    out = tmp_path / "sweep"
    process = start_sweep(design, out, finished=2)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 15
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("worker processes outlived the sweep")
        time.sleep(0.2)


BLIND_TASKS = """
import time

import povsim.experiments.executors as executors

# Imported by each worker to run its task: as in a sandbox whose /proc cannot tell that
# the launcher is gone.
executors.alive = lambda pid: True


def slow(task):
    time.sleep(60)
    return task
"""
BLIND_LAUNCHER = (
    "import blind_tasks\n"
    "from povsim.experiments.executors import ProcessExecutor\n"
    "ProcessExecutor(2).run(blind_tasks.slow, range(4), print)\n"
)


@pytest.mark.slow
def test_workers_leave_with_the_launcher_even_if_it_looks_alive(tmp_path: Path) -> None:
    """CI, stop 27: workers of a stopped sweep outlived it; their fork server, holding the
    pipe each worker had a copy of, outlived it too, so no worker saw its parent change."""
    (tmp_path / "blind_tasks.py").write_text(BLIND_TASKS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    process = subprocess.Popen(
        [sys.executable, "-c", BLIND_LAUNCHER],
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_session(process.pid)) < 5:  # launcher, tracker, fork server, 2 workers
            assert time.monotonic() < deadline, _session(process.pid)
            time.sleep(0.2)
        process.kill()
        process.wait()
        deadline = time.monotonic() + 15
        while _session(process.pid):
            assert time.monotonic() < deadline, f"outlived the launcher: {_session(process.pid)}"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _session(sid: int) -> list[str]:
    """Command lines of the live (not zombie) processes in session ``sid``."""
    ps = ["ps", "-o", "stat=,args=", "--sid", str(sid)]
    lines = subprocess.run(ps, capture_output=True, text=True, check=False).stdout.splitlines()
    return [line for line in lines if not line.lstrip().startswith("Z")]


def test_the_process_executor_releases_results_once_handed_over() -> None:
    """Issue 13: a sweep's launcher kept every finished future (0.1 MB a run)."""
    import array
    import gc
    import weakref
    from functools import partial

    from povsim.experiments.executors import ProcessExecutor

    alive: list[weakref.ref] = []
    most = 0

    def keep(index: int, result: array.array) -> None:
        nonlocal most
        alive.append(weakref.ref(result))
        gc.collect()
        most = max(most, sum(ref() is not None for ref in alive))

    with ProcessExecutor(workers=2) as pool:
        pool.run(partial(array.array, "d"), [[float(i)] * 1000 for i in range(40)], keep)
    assert len(alive) == 40
    assert most <= 6  # the chunks in flight, not every run so far


def test_a_worker_that_dies_is_named_not_a_broken_pool() -> None:
    """A worker killed (out of memory, say) ended the run in concurrent.futures'
    BrokenProcessPool; the command line now says it in one line."""
    from povsim.experiments.executors import ProcessExecutor, WorkerLost

    with ProcessExecutor(workers=2) as pool, pytest.raises(WorkerLost, match="ended abruptly"):
        pool.run(os._exit, [3, 3], lambda index, result: None)


@pytest.mark.slow
def test_a_dask_worker_that_dies_is_named() -> None:
    """A task that killed its Dask worker ended the run in distributed's KilledWorker."""
    import dask
    import distributed  # noqa: F401  (its config loaded before dask.config.set changes it)

    from povsim.experiments.executors import DaskExecutor, WorkerLost

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        DaskExecutor(workers=1) as pool,
        pytest.raises(WorkerLost, match="Dask workers died running a task"),
    ):
        pool.run(os._exit, [3], lambda index, result: None)


def test_a_lost_dask_scheduler_is_named_in_one_line() -> None:
    """A scheduler gone mid-run (killed, its machine down) ended the command in 40 lines of
    distributed's FutureCancelledError and its reconnection tracebacks."""
    from distributed import LocalCluster

    from povsim.experiments.executors import DaskExecutor, WorkerLost

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0")
    try:
        address = cluster.scheduler_address
        with (
            DaskExecutor(scheduler=address) as pool,
            pytest.raises(WorkerLost, match=f"lost the Dask scheduler at {address}: "),
        ):
            pool.run(time.sleep, [0.2] * 20, lambda index, result: cluster.close())
    finally:
        cluster.close()


def test_a_dask_run_left_without_workers_says_so_and_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last worker gone, the runs waited in silence until Ctrl-C, which printed an
    asyncio traceback."""
    from distributed import LocalCluster

    from povsim.experiments import executors

    monkeypatch.setattr(executors, "WATCH_SECONDS", 0.5)
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        executors.DaskExecutor(scheduler=cluster.scheduler_address) as pool,
    ):
        news: list[str] = []
        results: list[int] = []

        def retire(index: int, result: int) -> None:
            results.append(result)
            if len(results) == 1:
                cluster.scale(0)

        def told(message: str) -> None:
            news.append(message)
            cluster.scale(1)  # a worker joins, and the runs go on

        pool.notify = told
        pool.run(abs, [-i for i in range(30)], retire)
    assert sorted(results) == list(range(30))
    assert news == [
        f"the Dask cluster has no workers; runs wait until one joins "
        f"(dask worker {cluster.scheduler_address})"
    ]


def _no_such_file(_: object) -> None:
    open("/nonexistent/povsim")  # noqa: SIM115


def test_a_tasks_own_os_error_on_dask_is_not_a_lost_scheduler() -> None:
    """An OSError is also how a lost scheduler shows; one a task raised itself, the client
    still connected, is the task's and keeps its own message."""
    from povsim.experiments.executors import DaskExecutor

    with DaskExecutor(workers=1) as pool, pytest.raises(FileNotFoundError, match="nonexistent"):
        pool.run(_no_such_file, [0], lambda index, result: None)


def test_two_local_dask_clusters_start_side_by_side() -> None:
    """The second local cluster failed with "Port 8787 is already in use": the scheduler's web
    server took the dashboard's port though no dashboard was asked for (two povsim runs with
    --executor dask at once, or a run beside a notebook's cluster; CI's tests, now and then)."""
    from povsim.experiments.executors import DaskExecutor

    with DaskExecutor(workers=1) as first, DaskExecutor(workers=1) as second:
        results: list[int] = []
        for pool in (first, second):
            pool.run(abs, [-2], lambda index, result: results.append(result))
    assert results == [2, 2]


def test_a_lost_worker_ends_a_command_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed under a command (out of memory, say) ended it in a traceback."""
    import povsim.experiments.executors as executors

    def lost(self: object, fn: object, tasks: object, on_result: object) -> None:
        raise executors.WorkerLost("a worker process ended abruptly (killed, or out of memory)")

    monkeypatch.setattr(executors.ProcessExecutor, "run", lost)
    out = tmp_path / "run"
    command = ["run", str(SCENARIOS / "baseline.toml"), "--replications", "2"]
    result = CliRunner().invoke(
        app, [*command, "--executor", "processes", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == (
        "error: a worker process ended abruptly (killed, or out of memory)"
    )
    assert "Traceback" not in result.output


def test_a_script_without_the_main_guard_is_told_to_add_it(tmp_path: Path) -> None:
    """The newcomer's walk-through of stop 45: docs/experiments.md's Python example, run as a
    script without ``if __name__ == "__main__":``, printed a page of multiprocessing's
    traceback from the worker that re-ran it and ended in BrokenProcessPool."""
    script = tmp_path / "replicate.py"
    scenario = str(SCENARIOS / "baseline.toml")
    script.write_text(
        "import povsim\n"
        f"povsim.run({scenario!r}, replications=2, workers=2, executor='processes',\n"
        "           overrides=['population.households=200'])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "bootstrapping phase" not in done.stderr
    assert (
        done.stderr.count('put the script\'s povsim calls under `if __name__ == "__main__":`') >= 1
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("povsim.experiments.executors.WorkerLost: ")
    assert str(script) in last


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt here, as in a terminal (a test worker may ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("kind", ["serial", "processes"])
def test_a_ctrl_c_that_library_code_swallows_still_stops_the_run(
    kind: str, ctrl_c_raises: None
) -> None:
    """A Ctrl-C landing in code that swallows every exception (NumPy's C check for ctypes
    types, which pandas reaches when a sweep labels a run's indicators; pyarrow's
    ParquetWriter.__del__) was lost, and a sweep ran to its end (a CI run of e1ff251)."""
    handed: list[int] = []

    def on_result(index: int, result: int) -> None:
        handed.append(index)
        if len(handed) == 1:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)  # the handler runs here, inside the try
            except BaseException:  # as those libraries do
                pass

    executor = SerialExecutor() if kind == "serial" else ProcessExecutor(2)
    with executor, pytest.raises(KeyboardInterrupt):
        executor.run(abs, range(400), on_result)
    assert len(handed) < 400


def _povsim(*args: str) -> subprocess.Popen[str]:
    """``python -m povsim ARGS`` as a terminal's foreground job, in a process group of its
    own: Ctrl-C on (a background job starts with it ignored)."""
    return subprocess.Popen(
        [sys.executable, "-m", "povsim", *args],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.slow
def test_ctrl_c_stops_a_sweep_with_one_line_and_no_worker_tracebacks(tmp_path: Path) -> None:
    """Issue 13: Ctrl-C on the process group printed a traceback from every worker."""
    design = write_design(tmp_path, LONG_DESIGN)
    out = tmp_path / "sweep"
    process = _povsim("sweep", str(design), "--out", str(out), "--quiet")
    deadline = time.monotonic() + 120
    while len(list((out / "indicators").glob("*.parquet"))) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = communicate_or_kill(process, timeout=60)
    finished = len(list((out / "indicators").glob("*.parquet")))
    assert finished < len(load_design(design).plan()), "the sweep ended before Ctrl-C"
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr
    # how many it kept, and where, as an interrupted sensitivity analysis says
    assert " ".join(stderr.split()) == (
        f"error: interrupted: {finished:,} finished runs kept in {out} (--resume continues)"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("executor", "stop", "status", "line"),
    [
        ("dask", signal.SIGINT, 130, "error: interrupted"),
        ("processes", signal.SIGHUP, 129, "error: hung up"),
        # timeout, scancel and kill -- -PGID: the workers end with the launcher, which said
        # "a worker process ended abruptly" (exit 1), or printed an EOFError's traceback
        ("processes", signal.SIGTERM, 143, "error: terminated"),
    ],
)
def test_a_stop_to_the_process_group_prints_one_line(
    tmp_path: Path, executor: str, stop: int, status: int, line: str
) -> None:
    """The review of stop 44: Ctrl-C on a local Dask cluster printed every worker's
    traceback and the cluster's warnings; a closed terminal's SIGHUP to the group killed the
    resource tracker, which printed tracebacks of the semaphores it lost."""
    out = tmp_path / "run"
    scenario = str(SCENARIOS / "baseline.toml")
    command = ["run", scenario, "--replications", "60", "--executor", executor]
    process = _povsim(*command, "--workers", "2", "--out", str(out), "--quiet")
    import psutil

    deadline = time.monotonic() + 60
    while len(psutil.Process(process.pid).children(recursive=True)) < 3:  # workers started
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, process.communicate()
    os.killpg(process.pid, stop)
    _, stderr = communicate_or_kill(process, timeout=60)
    assert process.returncode == status
    assert stderr.strip().splitlines() == [line]
    assert not out.exists()
    # The fork server and the resource tracker leave once the launcher has gone.
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)
            time.sleep(0.1)
    except ProcessLookupError:
        return
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("processes of the run outlived it")


@pytest.mark.slow
def test_a_command_stopped_as_its_fork_server_starts_returns_only_once_it_is_gone(
    tmp_path: Path,
) -> None:
    """Ctrl-C in a command's first second returned 130 while its fork server, still
    importing, went on for a second or two (reparented to init), and so did the resource
    tracker: a script or batch system waiting on the command saw them still running."""
    import psutil

    out, log = tmp_path / "run", tmp_path / "log"
    command = ["run", str(SCENARIOS / "baseline.toml"), "--replications", "60"]
    command += ["--workers", "2", "--out", str(out), "--quiet"]
    # To a file, not a pipe: a pipe the server holds open would hold the wait for it too.
    with log.open("w") as said:
        process = subprocess.Popen(
            [sys.executable, "-m", "povsim", *command],
            start_new_session=True,
            stdout=said,
            stderr=said,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

    def serving() -> bool:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children():
                if "multiprocessing.forkserver" in " ".join(child.cmdline()):
                    return True
        return False

    deadline = time.monotonic() + 60
    while not serving():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)  # the server is importing Mesa and SciPy now
    try:
        process.wait(timeout=60)
        left = _session(process.pid)  # at once: the command has returned
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert log.read_text().strip() == "error: interrupted"
    assert not left


@pytest.mark.parametrize(
    ("stop", "status", "line"),
    [
        ("ctrl-c", 130, "error: interrupted"),
        (signal.SIGTERM, 143, "error: terminated"),
        (signal.SIGHUP, 129, "error: hung up"),
    ],
)
def test_a_stopped_run_ends_with_one_line_and_nothing_written(
    tmp_path: Path, stop: str | int, status: int, line: str
) -> None:
    """Ctrl-C on `run --replications` ended silently, or with a worker's traceback when it
    came while the fork server was still importing; a batch system's SIGTERM left the
    pool's semaphores to the resource tracker's warning, and was reported as Ctrl-C (130,
    not 143); a closed terminal's SIGHUP left them too."""
    out = tmp_path / "run"
    scenario = str(SCENARIOS / "baseline.toml")
    command = ["run", scenario, "--replications", "60", "--out", str(out), "--quiet"]
    process = _povsim(*command)
    # The command has begun once its pool's fork server exists (a fixed wait lost the
    # signal to the interpreter's own start-up on a loaded machine); the fork server may
    # still be importing.
    import psutil

    deadline = time.monotonic() + 60
    while not psutil.Process(process.pid).children():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    if stop == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the group
    else:
        process.send_signal(stop)
    _, stderr = communicate_or_kill(process, timeout=60)
    assert process.returncode == status
    assert stderr.strip().splitlines() == [line]
    assert not out.exists()


def test_ctrl_c_while_the_fork_server_starts_is_kept_for_the_launcher(
    monkeypatch, ctrl_c_raises: None
) -> None:
    """The server starts with Ctrl-C blocked, so it cannot die printing a traceback, and the
    tracker before it, unblocked (it unblocks the signal after its own start). A Ctrl-C
    that came meanwhile reaches the launcher once the server has started: ignored, as
    before, it was lost and the run went on to the end; only blocked, it was taken by
    NumPy's threads and raised half-way through the start."""
    from multiprocessing import forkserver, resource_tracker

    import povsim.experiments.executors as executors

    masks = {}

    def tracker() -> None:
        masks["tracker"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])

    def server() -> None:
        masks["server"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the server imports
        time.sleep(0.05)  # time for another thread to take it
        masks["started"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # not cut short

    monkeypatch.setattr(resource_tracker, "ensure_running", tracker)
    monkeypatch.setattr(forkserver, "ensure_running", server)
    with pytest.raises(KeyboardInterrupt):
        executors._start_fork_server()
    assert signal.SIGINT not in masks["tracker"]
    assert signal.SIGINT in masks["server"]
    assert "started" in masks  # raised once the server had started, not half-way through
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_resumed_sweep_checks_every_result_and_redoes_what_is_damaged(tmp_path: Path) -> None:
    """Issue 13: garbage crashed --resume; another run's rows were used silently."""
    design = write_design(tmp_path)
    out = tmp_path / "sweep"
    fresh = povsim.sweep(design, out, executor="serial")
    results = sorted((out / "indicators").glob("*.parquet"))
    results[0].write_bytes(b"garbage")  # unreadable
    results[1].write_bytes(results[1].read_bytes()[:100])  # truncated by a full disk
    results[2].write_bytes(results[3].read_bytes())  # another run's rows
    (out / "runs.parquet").unlink()  # killed before the plan was written
    again = povsim.sweep(design, out, resume=True, executor="serial")
    cols = ["run_id", "incidence@2020", "cost_per_exit"]
    pd.testing.assert_frame_equal(again[cols], fresh[cols])
    data = pd.read_parquet(out / "indicators")
    assert not data.duplicated(["run_id", "year"]).any()
    (out / "design.json").write_text("{not json")
    damaged = runner.invoke(
        app, ["sweep", str(design), "--out", str(out), "--resume", "--executor", "serial"]
    )
    assert damaged.exit_code == 2
    assert "design.json is damaged" in damaged.output
    # in Python there is no --out to change: the message says what to give instead
    with pytest.raises(SweepError, match=r"another --out \(out= in Python\)"):
        povsim.sweep(design, out, resume=True, executor="serial")


def test_a_resumed_sweep_redoes_a_result_that_is_not_a_runs_indicators(tmp_path: Path) -> None:
    """A result file with the run's id and years but without an indicator, or with one of
    another type, was kept, and the summary ended in a KeyError's traceback."""
    design = write_design(tmp_path)
    out = tmp_path / "sweep"
    fresh = povsim.sweep(design, out, executor="serial")
    results = sorted((out / "indicators").glob("*.parquet"))
    pd.read_parquet(results[0]).drop(columns="incidence").to_parquet(results[0])
    retyped = pd.read_parquet(results[1])
    retyped.astype({"registered_people": str}).to_parquet(results[1])
    again = povsim.sweep(design, out, resume=True, executor="serial")
    cols = ["run_id", "incidence@2020", "cost_per_exit"]
    pd.testing.assert_frame_equal(again[cols], fresh[cols])
    redone = pd.read_parquet(results[1])
    assert redone["registered_people"].dtype == "float64"


def test_a_resumed_sweep_names_a_folder_where_a_file_goes(tmp_path: Path) -> None:
    """A folder where runs.parquet goes was "cannot write OUT: Is a directory; --resume
    continues", status 1, which it never would: named, status 2, before anything is written."""
    design = write_design(
        tmp_path,
        'base = "{base}"\nname = "d"\n[set]\n"population.households" = 200\n'
        '"population.villages" = 4\n[grid]\n"income.growth" = [0.05]\n',
    )
    for n, (name, said) in enumerate(
        (
            ("runs.parquet", "is a directory where a file goes"),
            ("indicators/*.parquet", "is a directory where a file goes"),
            ("indicators", "is a file where a folder goes"),
        )
    ):
        out = tmp_path / f"sweep{n}"
        povsim.sweep(design, out, executor="serial")
        path = next(out.glob(name))
        if path.is_dir():
            shutil.rmtree(path)
            path.write_text("")
        else:
            path.unlink()
            path.mkdir()
        before = sorted(out.rglob("*"))
        args = ["sweep", str(design), "--out", str(out), "--resume", "--executor", "serial"]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2, refused.output
        assert refused.output.strip().startswith(f"error: {path} {said}: move it"), refused.output
        assert sorted(out.rglob("*")) == before
        with pytest.raises(SweepError, match=f"^{re.escape(str(path))} {said}"):
            povsim.sweep(design, out, resume=True, executor="serial")


def test_a_resumed_sweep_of_another_design_says_what_differs(tmp_path: Path) -> None:
    """It said only "holds a different design"."""
    design = write_design(tmp_path, DESIGN.replace("replications = 4", "replications = 1"))
    out = tmp_path / "sweep"
    povsim.sweep(design, out, executor="serial")
    changed = write_design(tmp_path, DESIGN.replace("replications = 4", "replications = 2"))
    with pytest.raises(SweepError, match=r"different design \(replications: 1 then, 2 now\)"):
        povsim.sweep(changed, out, resume=True, executor="serial")
    # Its base scenario edited since: it said only "its base scenario has changed".
    base = tmp_path / "base.toml"
    base.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n', encoding="utf-8")
    design = tmp_path / "design.toml"
    design.write_text(
        DESIGN.replace("replications = 4", "replications = 1").format(base=base),
        encoding="utf-8",
    )
    out = tmp_path / "edited"
    povsim.sweep(design, out, executor="serial")
    base.write_text(base.read_text(encoding="utf-8") + "[exit]\nincome_margin = 0.1\n")
    with pytest.raises(
        SweepError,
        match=r"different design \(the base scenario's exit\.income_margin: 0\.0 then, 0\.1 now\)",
    ):
        povsim.sweep(design, out, resume=True, executor="serial")


def test_the_python_api_refuses_before_running_what_the_command_line_refuses(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tiny.updated({"name": "other", "exit.income_margin": 0.1})  # another mix, paired
    serial = {"replications": 2, "executor": "serial"}  # a comparison needs two
    with pytest.raises(ValueError, match="two or more scenarios"):
        povsim.compare([tiny], **serial)
    with pytest.raises(ValueError, match="from 2 to 100000"):
        povsim.compare([tiny, other], replications=1, executor="serial")
    with pytest.raises(ValueError, match="from 1 to 100000"):
        povsim.run(tiny, replications=0)
    # An override must not reach only the scenarios given as files: the paired difference
    # would be the override's, not the policy's.
    with pytest.raises(ValueError, match="overrides apply to scenario files"):
        povsim.compare(
            [tiny, SCENARIOS / "baseline.toml"], overrides=["income.growth=0.1"], **serial
        )
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    import povsim.experiments.compare as compare_module
    import povsim.runs.runner as runner_module

    with monkeypatch.context() as m:
        m.setattr(compare_module, "compare_scenarios", lambda *a, **k: pytest.fail("ran"))
        m.setattr(runner_module, "simulate", lambda *a, **k: pytest.fail("ran"))
        with pytest.raises(OutputError, match="not a povsim output"):
            povsim.compare([tiny, other], out=foreign, **serial)
        with pytest.raises(OutputError, match="not a povsim output"):
            povsim.run(tiny, out=foreign)
    comparison = povsim.compare([tiny, other], out=tmp_path / "c", **serial)
    with pytest.raises(OutputError, match="overwrite=True"):
        povsim.compare([tiny, other], out=tmp_path / "c", **serial)
    povsim.compare([tiny, other], out=tmp_path / "c", overwrite=True, **serial)
    with pytest.raises(KeyError, match="did you mean incidence@2020"):
        comparison.metric("incidence_2020")
    assert list(comparison.metric("incidence@2020").index) == ["baseline", "other"]
    # the command line's rules on where runs go (the review of stop 38)
    nowhere = "tcp://127.0.0.1:1"
    with pytest.raises(ValueError, match="a single run runs here"):
        povsim.run(tiny, scheduler=nowhere)
    with pytest.raises(ValueError, match="a single run runs here"):
        povsim.run(tiny, workers=2)  # the command line refuses --workers for one run too
    # write_run keeps an earlier run unless told, as run and compare do (it replaced it)
    written = povsim.write_run(povsim.run(tiny), tmp_path / "w")
    with pytest.raises(OutputError, match="overwrite=True"):
        povsim.write_run(povsim.run(tiny), written)
    with pytest.raises(ValueError, match="cannot go with 'serial'"):
        povsim.compare([tiny, other], replications=2, executor="serial", scheduler=nowhere)
    with pytest.raises(ValueError, match="not with an Executor"):
        povsim.run(tiny, replications=2, executor=SerialExecutor(), workers=2)


def test_an_ensemble_records_where_it_ran(small: Scenario) -> None:
    """The manifest said nothing of the executor, its workers or the scheduler."""
    with ProcessExecutor(workers=2) as pool:
        ensemble = run_ensemble(small, 1, 2, executor=pool, counterfactual=False)
    fields = ensemble.manifest_fields()
    assert (fields["executor"], fields["workers"]) == ("processes", 2)
    assert run_ensemble(small, 1, 2, counterfactual=False).manifest_fields()["executor"] == "serial"


def _comparison(scenario: Scenario) -> Comparison:
    """A comparison of no runs, for the checks of what is given with one."""
    empty = pd.DataFrame({"scenario": [], "metric": []})
    return Comparison([scenario], 1, 2, empty, empty, empty, 0.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t: povsim.run(t, seed=-1), ValueError, "seed: from 0 to"),
        (lambda t: povsim.run(t, seed=1.7), TypeError, "seed: a whole number, not float 1.7"),
        (lambda t: povsim.run(t, seed="abc"), TypeError, "not str 'abc'"),
        # the review of stop 44: wrong types and ranges surfaced deep in a library, or were
        # swapped for defaults
        (lambda t: povsim.run(t, replications="3"), TypeError, "replications: a whole number"),
        (lambda t: povsim.run(t, replications=2.5), TypeError, "replications: a whole number"),
        (
            lambda t: povsim.run(t, replications=2, executor="processes", workers=0),
            ValueError,
            "workers: from 1 to 1024, not 0",
        ),
        (lambda t: povsim.run(t, out=123), TypeError, "out: a path, not int"),
        (lambda t: povsim.compare(None), TypeError, "scenarios: a list of two or more"),
        (lambda t: povsim.run(t, executor="bogus"), ValueError, "executor must be one of"),
        (lambda t: povsim.write_run(t, "o"), TypeError, "result: a run or an ensemble"),
        (lambda t: povsim.simulate(t, replication=-1), ValueError, "replication: at least 0"),
        # called only once the model stepped: "'int' object is not callable" from inside it
        (lambda t: povsim.simulate(t, on_step=5), TypeError, "on_step: a function called"),
        (
            lambda t: run_ensemble(t, 1, 2, on_result=1),
            TypeError,
            "on_result: a function called as each run finishes",
        ),
        (lambda t: povsim.PovertyModel(t).run().step(), RuntimeError, "has run to 2020"),
        (lambda t: povsim.PovertyModel("baseline.toml"), TypeError, "scenario: a Scenario"),
        (lambda t: povsim.PovertyModel(t, seed="x"), TypeError, "seed: a whole number"),
        (lambda t: povsim.simulate("baseline.toml", 1), TypeError, "scenario: a Scenario"),
        (lambda t: t.updated(["a=1"]), TypeError, "changes: a mapping of dotted paths"),
        (lambda t: povsim.sweep(None, "x"), TypeError, "design: a path, not NoneType"),
        (lambda t: povsim.discover("x", 5), TypeError, "where: a condition"),
        (lambda t: povsim.discover(None, "x > 1"), TypeError, "results: a path"),
        (lambda t: povsim.discover("x", "x > 1", boxes=0), ValueError, "boxes: from 1 to 20"),
        (
            lambda t: povsim.optimize(t, ["poor_person_years"], "o", generations=0),
            ValueError,
            "generations: from 1 to 10000, not 0",
        ),
        (
            lambda t: povsim.optimize(t, ["poor_person_years"], "o", seed=-1),
            ValueError,
            "seed: from 0 to 18446744073709551615, not -1",
        ),
        (
            lambda t: povsim.optimize(t, ["poor_person_years"], "o", replications=0),
            ValueError,
            "replications: from 1 to 1000, not 0",
        ),
        (
            lambda t: povsim.optimize(t, "poor_person_years", "o", levers=5),
            TypeError,
            "levers: a name or a list of names, not int",
        ),
        (lambda t: povsim.run({"name": "x"}), TypeError, "a TOML path or a Scenario, not dict"),
        (
            lambda t: povsim.compare(str(SCENARIOS / "baseline.toml")),
            TypeError,
            "a list of two or more",
        ),
        (
            lambda t: povsim.load_scenario(SCENARIOS / "baseline.toml", "income.growth=0.1"),
            TypeError,
            "a list of 'dotted.path=value' strings",
        ),
        # a flag was read by its truth: overwrite="no" replaced the run at out
        (
            lambda t: povsim.run(t, out="o", overwrite="no"),
            TypeError,
            "overwrite: True or False, not str 'no'",
        ),
        (lambda t: povsim.run(t, panel=1), TypeError, "panel: True or False, not int 1"),
        (lambda t: povsim.compare([t, t], progress="no"), TypeError, "progress: True or False"),
        (lambda t: povsim.sweep("d.toml", "o", resume="no"), TypeError, "resume: True or False"),
        (lambda t: povsim.simulate(t, counterfactual=None), TypeError, "counterfactual: True"),
        (lambda t: povsim.PovertyModel(t, sketches="yes"), TypeError, "sketches: True or False"),
        # write_comparison ended in AttributeError on its argument, or in pathlib
        (
            lambda t: write_comparison(_comparison(t).table, "o"),
            TypeError,
            r"comparison: a Comparison \(povsim\.compare\), not DataFrame$",
        ),
        (lambda t: write_comparison(_comparison(t), 123), TypeError, "out: a path, not int 123"),
        # the library's own entry points failed on a file name with an AttributeError, and
        # on no replications with a KeyError once the empty results were summarised
        # an executor made directly: 0 workers ran on every core and chunk_size 0 as 1,
        # without a word; "2" failed inside concurrent.futures
        (lambda t: ProcessExecutor(0), ValueError, "workers: from 1 to 1024, not 0"),
        (lambda t: ProcessExecutor("2"), TypeError, "workers: a whole number, not str '2'"),
        (lambda t: ProcessExecutor(2, chunk_size=0), ValueError, "chunk_size: at least 1"),
        (lambda t: DaskExecutor(0), ValueError, "workers: from 1 to 1024, not 0"),
        (lambda t: run_ensemble("baseline.toml", 1, 2), TypeError, "scenario: a Scenario"),
        (lambda t: run_ensemble(t, 1, 0), ValueError, "replications: from 1 to 100000, not 0"),
        (
            lambda t: compare_scenarios(["a.toml", "b.toml"], 2),
            TypeError,
            "scenarios: a Scenario",
        ),
        (lambda t: compare_scenarios(t, 2), TypeError, "scenarios: a list of two or more"),
        (lambda t: compare_scenarios([t], 2), ValueError, "scenarios: two or more"),
        (
            lambda t: compare_scenarios([t, t.updated({"name": "b"})], 0),
            ValueError,
            "replications: from 1 to 100000, not 0",
        ),
        (
            lambda t: write_comparison(_comparison(t), "o", overwrite="no"),
            TypeError,
            "overwrite: True or False",
        ),
    ],
)
def test_the_python_api_names_a_wrong_argument(
    tiny: Scenario, call, error, message, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A negative seed failed deep in NumPy, 1.7 ran as seed 1, one path where a list was
    wanted was split into one-letter file names and overrides."""
    monkeypatch.chdir(tmp_path)  # a call not refused would write "o" there, not in the tree
    with pytest.raises(error, match=message):
        call(tiny)
    assert not Path("o").exists()  # refused before the output directory is made


def test_results_show_what_they_hold_in_a_few_lines(tiny: Scenario, tmp_path: Path) -> None:
    """A notebook cell ending in a result printed the dataclass's repr: every field of the
    scenario and every table, 15,000 characters for one run and 54,000 for three."""
    other = tiny.updated({"name": "other", "exit.income_margin": 0.1})
    single = povsim.run(tiny, seed=3, out=tmp_path / "r")
    ensemble = povsim.run(tiny, seed=3, replications=2, executor="serial", progress=False)
    comparison = povsim.compare([tiny, other], replications=2, executor="serial", progress=False)
    for result, words in (
        # "simulated in": the time a call took (imports, figures) read as the run's
        (single, ["<RunResult 'baseline', seed 3, 2014-2020, simulated in ", "indicators 7×"]),
        (ensemble, ["<Ensemble 'baseline', seed 3, 2 replications", "indicators 14×"]),
        (comparison, ["<Comparison of 'baseline', 'other'", "table ", ".metric(NAME)"]),
    ):
        text = repr(result)
        assert len(text) < 600, text
        assert len(text.splitlines()) <= 4, text
        for word in words:
            assert word in text
    assert f"written to {tmp_path / 'r'}" in repr(single)
    assert ".summary()" in repr(single)


def test_a_flag_may_be_a_numpy_bool() -> None:
    """A comparison of NumPy values (a DataFrame's) is a flag as True and False are."""
    from povsim.config import arguments

    assert arguments.flag("panel", np.True_) is True
    assert arguments.flag("panel", np.bool_(False)) is False


def test_the_python_api_shows_progress_where_someone_watches(monkeypatch, tmp_path) -> None:
    """In a notebook, `povsim.run(..., replications=20)`, `compare`, `sweep` and a
    sensitivity `evaluate()` ran silent; the commands had a bar."""
    import povsim.runs.progress as progress

    shown: list[bool] = []
    monkeypatch.setattr(
        progress.RunsProgress, "advance", lambda self, *_: shown.append(not self.progress.disable)
    )
    small = ["population.households=150"]
    povsim.run(SCENARIOS / "baseline.toml", overrides=small, replications=2, executor="serial")
    assert shown == [False, False]  # nobody watches a test's standard error
    monkeypatch.setattr(progress, "watched", lambda: True)
    shown.clear()
    mixes = [SCENARIOS / "five_batches.toml", SCENARIOS / "industry_led.toml"]
    povsim.compare(mixes, replications=2, overrides=small, executor="serial")
    assert shown == [True] * 4
    shown.clear()
    povsim.compare(mixes, replications=2, overrides=small, executor="serial", progress=False)
    assert shown == [False] * 4
    shown.clear()
    design = write_design(
        tmp_path, 'base = "{base}"\nreplications = 1\n[grid]\n"income.growth" = [0.04, 0.06]\n'
    )
    povsim.sweep(design, tmp_path / "sweep", executor="serial")
    assert shown == [True, True]


def test_a_sweep_prints_its_points(tmp_path: Path) -> None:
    """`povsim sweep` said only "12 of 12 runs in DIR", where compare prints its table."""
    small = tmp_path / "small.toml"
    small.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[population]\nhouseholds = 150\n', "utf-8"
    )
    design = tmp_path / "design.toml"
    design.write_text(
        f'base = "{small}"\nreplications = 2\n[grid]\n"income.growth" = [0.04, 0.08]\n', "utf-8"
    )
    result = runner.invoke(
        app, ["sweep", str(design), "--out", str(tmp_path / "o"), "--executor", "serial"]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "point growth runs incidence end cumulative exit share" in said
    assert "g0000 0.04 2 of 2" in said  # which values a grid's point is
    assert "g0001 0.08 2 of 2" in said
    assert "4 of 4 runs in" in said


def test_a_grid_of_a_word_and_a_number_is_written_in_words(tmp_path: Path) -> None:
    """A field that takes "county" or a share, gridded over both, crashed writing
    runs.parquet (a column of one type) after design.json was written; summary.parquet
    carries the same column."""
    design = tmp_path / "design.toml"
    design.write_text(
        f'base = "{SCENARIOS / "baseline.toml"}"\n[grid]\n'
        '"villages.designation_incidence" = ["county", 0.2]\n'
        '"villages.work_teams" = [true, false]\n',
        "utf-8",
    )
    plan = load_design(design).plan()
    plan.to_parquet(tmp_path / "runs.parquet", index=False)
    written = pd.read_parquet(tmp_path / "runs.parquet")
    assert list(written["villages.designation_incidence"]) == ["county", "county", "0.2", "0.2"]
    assert list(written["villages.work_teams"]) == [True, False, True, False]  # one kind: kept
    # A sweep of it writes both tables, and they read back.
    small = tmp_path / "small.toml"
    small.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[population]\nhouseholds = 300\n', "utf-8"
    )
    tiny = tmp_path / "tiny.toml"
    tiny.write_text(
        f'base = "{small}"\nreplications = 1\n[grid]\n'
        '"villages.designation_incidence" = ["county", 0.2]\n',
        "utf-8",
    )
    out = tmp_path / "sweep"
    povsim.sweep(tiny, out, executor="serial")
    for name in ("runs", "summary"):
        table = pd.read_parquet(out / f"{name}.parquet")
        assert list(table["villages.designation_incidence"]) == ["county", "0.2"], name
        assert list(table["point"]) == [0, 1], name
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["incidence_end"].between(0, 1).all()


def test_a_sweep_draws_its_outcomes_at_each_point(tmp_path: Path) -> None:
    """A sweep wrote its tables and no figure: each headline outcome is drawn against the
    grid's first field, a line for each value of the second; variants one point each."""
    from povsim.experiments.sweep import load_design, run_sweep
    from povsim.plots.experiments import SWEEP_OUTCOMES, sweep_outcomes

    small = tmp_path / "small.toml"
    small.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[population]\nhouseholds = 150\n', "utf-8"
    )
    design = tmp_path / "design.toml"
    design.write_text(
        f'base = "{small}"\nreplications = 2\n[grid]\n"income.growth" = [0.04, 0.08]\n'
        '"programs.industry.share" = [0.2, 0.25]\n',
        "utf-8",
    )
    summary = run_sweep(load_design(design), tmp_path / "o")
    assert (tmp_path / "o" / "figures" / "outcomes.png").is_file()
    fig = sweep_outcomes(summary, ["income.growth", "programs.industry.share"], "grid")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [s.replace("_", " ") for s in SWEEP_OUTCOMES]
    assert all(ax.get_xlabel() == "income.growth" for ax in panels)
    labels = panels[0].get_legend_handles_labels()[1]
    assert labels == ["programs.industry.share = 0.2", "programs.industry.share = 0.25"]
    variants = sweep_outcomes(summary, [], "variants")
    assert variants.axes[0].get_xlabel() == "variant"
    ticks = [t.get_text() for t in variants.axes[0].get_xticklabels()]
    assert ticks == ["g0000", "g0001", "g0002", "g0003"]  # the design's order


def test_compare_notes_a_scenario_seed_it_does_not_use(tmp_path: Path) -> None:
    """Every mix runs on the first's seed; a second scenario's own seed was silently unused."""
    other = tmp_path / "other.toml"
    base = json.dumps(str(SCENARIOS / "baseline.toml"))
    other.write_text(f'extends = {base}\nname = "other"\nseed = 5\n', encoding="utf-8")
    args = ["compare", str(SCENARIOS / "baseline.toml"), str(other), "--replications", "2"]
    args += ["--executor", "serial", "--quiet", "--out", str(tmp_path / "cmp")]
    args += [arg for change in SMALL for arg in ("--set", change)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"note: {other}: its seed (5) is not used: every scenario runs on the first's" in said
    result = runner.invoke(app, [*args, "--seed", "3", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "is not used" not in result.output


def test_compare_takes_more_outcomes_and_refuses_one_it_cannot_record(tmp_path: Path) -> None:
    """A planner could compare mixes only on the table's eight outcomes and the yearly
    incidence and relapse rate: the register of 2018 or the villages left were out of reach."""
    files = [str(SCENARIOS / "five_batches.toml"), str(SCENARIOS / "industry_led.toml")]
    small = [arg for change in SMALL for arg in ("--set", change)]
    out = tmp_path / "cmp"
    asked = ["--outcome", "registered_people@2018", "--outcome", "poor_villages_left@2017"]
    args = ["compare", *files, "--replications", "2", "--executor", "serial", *small]
    result = runner.invoke(app, [*args, *asked, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "comparison.parquet").set_index(["scenario", "metric"])
    runs = pd.read_parquet(out / "compare_runs.parquet")
    first = runs[runs["scenario"] == "five_batches"]["registered_people@2018"]
    assert table.loc[("five_batches", "registered_people@2018"), "mean"] == first.mean()
    assert "poor_villages_left@2017" in table.index.get_level_values("metric")
    assert "registered people@2018" in " ".join(result.output.split())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outcomes"] == ["registered_people@2018", "poor_villages_left@2017"]
    for wrong, said in (
        ("registerd_people@2018", "did you mean registered_people"),
        ("additional_exits", "needs the run without support"),
        ("registered_people@2025", "five_batches runs 2014-2020, not 2025"),
        (
            "exited_people:industri",
            "no compared scenario has a program 'industri' (did you mean 'industry'?)",
        ),
    ):
        refused = runner.invoke(app, [*args, "--outcome", wrong, "--out", str(tmp_path / "x")])
        assert refused.exit_code == 2, refused.output
        assert said in " ".join(refused.output.split())
        assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="asked for twice"):
        povsim.compare(files, replications=2, outcomes=["incidence@2016", "incidence@2016"])


def test_a_metric_the_comparison_cannot_have_says_why(tiny: Scenario) -> None:
    """``metric("additional_exits")`` said only "no metric 'additional_exits' in this
    comparison", where ``compare(outcomes=...)`` says why: no run without support."""
    table = pd.DataFrame({"scenario": ["baseline"], "metric": ["incidence_end"]})
    empty = pd.DataFrame()
    comparison = Comparison([tiny], 1, 2, empty, table, empty, 0.0)
    with pytest.raises(
        KeyError,
        match=r"no metric 'additional_exits' in this comparison: it needs the run without "
        r"support, which a comparison does not run: povsim run SCENARIO --replications N",
    ):
        comparison.metric("additional_exits")
    with pytest.raises(KeyError, match=r"did you mean incidence_end"):
        comparison.metric("incidence_ends")


def test_a_mix_without_a_program_exited_no_one_through_it() -> None:
    """Its people by that pathway were missing, not 0: the difference a program made to the
    mix that has it was left out of the comparison, unless asked for by --outcome."""
    files = [SCENARIOS / "five_batches.toml", SCENARIOS / "full_toolbox.toml"]
    comparison = povsim.compare(files, replications=2, overrides=SMALL)
    rows = comparison.table.set_index(["scenario", "metric"])
    without = rows.loc[("five_batches", "exited_people:microcredit")]
    assert without["mean"] == 0
    assert without["n"] == 2
    assert not np.isnan(rows.loc[("full_toolbox", "exited_people:microcredit"), "diff_mean"])


def test_a_stop_held_for_the_last_files_survives_a_stderr_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c: None
) -> None:
    """Saying the stop was held printed to stderr from the signal handler: with the terminal
    closed or the pipe dead that raised inside the block, which then left its files half
    written and lost the stop."""
    import signal

    from povsim.experiments.executors import StoppedWhenComplete, finishing

    class Gone:
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    def write_the_last_files() -> None:
        with finishing(tmp_path):
            signal.raise_signal(signal.SIGINT)
            (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")

    monkeypatch.setattr("sys.stderr", Gone())
    with pytest.raises(StoppedWhenComplete):
        write_the_last_files()
    assert (tmp_path / "manifest.json").is_file()


def test_a_sweep_takes_set_for_its_base_and_a_resume_must_give_the_same(tmp_path: Path) -> None:
    """`povsim sweep` had no --set, so a quick look at a smaller sample meant a design file of
    its own; the design's own changes still apply over it."""
    design = tmp_path / "design.toml"
    design.write_text(
        f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\nname = "quick"\n'
        '[grid]\n"income.growth" = [0.05, 0.07]\n',
        encoding="utf-8",
    )
    out = tmp_path / "sweep"
    small = ["--set", "population.households=300", "--set", "population.villages=6"]
    args = ["sweep", str(design), "--out", str(out), "--executor", "serial", "--quiet"]
    result = runner.invoke(app, [*args, *small])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == ["population.households=300", "population.villages=6"]
    # a field the design sets itself is refused on the command line: its value would be
    # replaced in every run, silently
    clash = runner.invoke(app, [*args, *small, "--set", "income.growth=0.01", "--resume"])
    assert clash.exit_code == 2, clash.output
    said = " ".join(clash.output.split())
    assert "--set income.growth" in said
    assert "sets it (grid), so the value given here is never used" in said
    with pytest.raises(ScenarioError, match=r"overrides income.growth: .* sets it \(grid\)"):
        povsim.sweep(design, out, resume=True, overrides=["income.growth=0.01"])
    bigger = [*args, "--resume", "--set", "population.households=400", *small[2:]]
    refused = runner.invoke(app, bigger)
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert "the base scenario's population.households: 300 then, 400 now" in said
    assert runner.invoke(app, [*args, "--resume", *small]).exit_code == 0


def test_an_outcome_a_comparison_cannot_take_says_what_to_give(tiny: Scenario) -> None:
    """`--outcome registered_people` offered registered_people_end, not the yearly
    registered_people@YEAR; `--outcome additional_exits` between two counties of one's own
    offered no_intervention.toml, which is the shipped baseline county."""
    from povsim.experiments.compare import checked_outcomes

    with pytest.raises(
        ValueError,
        match=r"'registered_people' is an indicator column: name it in a year, "
        r"registered_people@YEAR \(e\.g\. registered_people@2020\), or one over the whole run: "
        r"registered_people_end",
    ):
        checked_outcomes(["registered_people"], [tiny])
    with pytest.raises(ValueError, match="needs the run without support") as err:
        checked_outcomes(["additional_exits"], [tiny])
    said = str(err.value)
    assert "compare with no_intervention.toml instead" not in said
    assert "a scenario of the same county without support" in said
    assert "a file that extends yours and sets share = 0 for each program" in said


def test_a_run_that_designates_few_villages_for_its_register_says_so(tmp_path: Path) -> None:
    """Chongzuo's `designation_incidence = "county"` copied without its fitted multiple (1.09)
    kept the baseline's 2: at 20% incidence 0-6 of 120 villages were designated and the
    infrastructure money went unspent, without a word."""
    from povsim.runs.runner import FewPoorVillages

    def county(multiple: float, households: int = 1500) -> Path:
        path = tmp_path / f"county{multiple:g}-{households}.toml"
        path.write_text(
            f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\nname = "county"\n'
            f"[population]\nhouseholds = {households}\nvillages = 30\n"
            f'[villages]\ndesignation_incidence = "county"\ndesignation_multiple = {multiple}\n',
            encoding="utf-8",
        )
        return path

    said = (
        r"^\d of 50 villages designated poor \(\d\.\d%\) where \d+\.\d% of people are "
        r"registered: villages\.designation_multiple \(3\) times the county's own incidence "
        r'\(designation_incidence = "county"\) lets few villages qualify; infrastructure serves '
        r"only poor villages and may leave money unspent \(set the multiple with the county"
    )
    with pytest.warns(FewPoorVillages, match=said):
        povsim.run(county(3), seed=1)
    result = runner.invoke(app, ["run", str(county(3)), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"note: {county(3)}: " in result.output
    # fitted to the county, as Chongzuo's multiple is, it designates its share: no note (a
    # warning would fail the test)
    povsim.run(county(1.09), seed=1)
    # Villages of a few agents each (Shandan at 300 agents designated 1 of 116): their
    # incidences are sampling noise, and no designation is judged by them.
    povsim.run(county(3, households=450), seed=1)


RUN_FOLDER_MIXES = ("five_batches", "industry_led")


def _ran(args: list[str]) -> str:
    """The output of a command that must succeed, with its last line (its time) and a
    progress bar's blank line left out."""
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output.rsplit("wrote ", 1)[0].strip()


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`povsim run --replications 2 --seed 0` of two mixes on a small county, and the
    folders the refusals need: each by its name."""
    root = tmp_path_factory.mktemp("runs")
    small = [arg for change in SMALL for arg in ("--set", change)]
    folders = {}
    for name, extra in (
        *((mix, []) for mix in RUN_FOLDER_MIXES),
        ("seed1", ["--seed", "1", "--set", "name=seed1"]),
        ("three", ["--replications", "3", "--set", "name=three"]),
        ("short", ["--set", "end_year=2019", "--set", "name=short"]),
        ("single", ["--replications", "1", "--set", "name=single"]),
        ("no_intervention", []),
    ):
        mix = name if name in (*RUN_FOLDER_MIXES, "no_intervention") else "industry_led"
        folders[name] = root / name
        args = ["run", str(SCENARIOS / f"{mix}.toml"), "--out", str(folders[name]), "--quiet"]
        args += ["--replications", "2", "--seed", "0", "--executor", "serial", *small, *extra]
        _ran(args)
    return folders


def test_compare_of_run_folders_is_the_comparison_of_their_scenarios(
    run_folders: dict[str, Path], tmp_path: Path
) -> None:
    """`povsim compare runs/a runs/b` was refused ("a directory, not a file"), so a
    researcher who had run each mix with --replications ran them all again to compare them.
    From the folders, nothing runs, and the table, files and paired differences are those of
    comparing the scenarios on the same seed and replications."""
    files = [str(SCENARIOS / f"{mix}.toml") for mix in RUN_FOLDER_MIXES]
    small = [arg for change in SMALL for arg in ("--set", change)]
    direct, stored = tmp_path / "direct", tmp_path / "stored"
    args = ["--replications", "2", "--seed", "0", "--executor", "serial", *small]
    shown = _ran(["compare", *files, *args, "--out", str(direct)])
    folders = [str(run_folders[mix]) for mix in RUN_FOLDER_MIXES]
    assert _ran(["compare", *folders, "--out", str(stored)]) == shown  # the same table
    for name in ("comparison", "compare_runs", "trajectories"):
        a, b = (pd.read_parquet(out / f"{name}.parquet") for out in (direct, stored))
        pd.testing.assert_frame_equal(a, b, obj=name)  # same columns, values and types
    assert (direct / "comparison.csv").read_text() == (stored / "comparison.csv").read_text()
    manifests = [json.loads((out / "manifest.json").read_text()) for out in (direct, stored)]
    assert manifests[0]["files"] == manifests[1]["files"]
    kept = ("scenarios", "reference", "seed", "replications", "overrides", "resolved_scenarios")
    assert {k: manifests[0][k] for k in kept} == {k: manifests[1][k] for k in kept}
    assert manifests[1]["run_folders"] == dict(zip(RUN_FOLDER_MIXES, folders, strict=True))
    # The same options may be repeated; the outcome of the run without support is the one
    # the run computed (its summary.parquet), which a comparison of scenarios cannot give.
    again = ["--seed", "0", "--replications", "2", "--quiet", "--outcome", "additional_exits"]
    _ran(["compare", *folders, *again, "--out", str(stored), "--overwrite"])
    runs = pd.read_parquet(stored / "compare_runs.parquet")
    for mix in RUN_FOLDER_MIXES:
        recorded = pd.read_parquet(run_folders[mix] / "summary.parquet")["additional_exits"]
        mine = runs.loc[runs["scenario"] == mix, "additional_exits"].reset_index(drop=True)
        pd.testing.assert_series_equal(mine, recorded, check_names=False)
    # In Python, the same comparison
    comparison = povsim.experiments.compare_runs(folders)
    pd.testing.assert_frame_equal(comparison.table, pd.read_parquet(direct / "comparison.parquet"))
    assert "from their run folders" in repr(comparison)


def _damaged(folder: Path, into: Path, change: str) -> Path:
    """A copy of the run folder ``folder`` at ``into`` with one thing broken."""
    shutil.copytree(folder, into)
    if change == "manifest":
        (into / "manifest.json").write_text("{not json", encoding="utf-8")
    elif change == "indicators":
        (into / "indicators.parquet").write_bytes(b"not a parquet file")
    elif change == "column":
        table = pd.read_parquet(into / "pathways.parquet")
        table.drop(columns="primary_people").to_parquet(into / "pathways.parquet")
    elif change == "summary":
        (into / "summary.parquet").unlink()
    elif change == "counterfactual":  # another run's tables in its place
        table = pd.read_parquet(into / "counterfactual.parquet")
        table["exits_households"] += 1
        table.to_parquet(into / "counterfactual.parquet")
    elif change == "steps":
        manifest = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
        manifest["scenario"] |= {"steps_per_year": 4, "name": "steps"}
        (into / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return into


@pytest.mark.parametrize(
    ("other", "said"),
    [
        ("seed1", "seed1 cannot be paired with {first}: its seed 1, not 0. Paired differences"),
        ("three", "three cannot be paired with {first}: its replications 3, not 2."),
        ("short", "short cannot be paired with {first}: its years 2014-2019, not 2014-2020."),
        ("steps", "steps cannot be paired with {first}: its steps a year 4, not 12."),
        ("five_batches", "both ran a scenario named 'five_batches': rerun each but one"),
        ("single", "single: a single run, not replications; compare pairs replication r"),
        ("comparison", "comparison/manifest.json: {tmp}/comparison holds a povsim compare output"),
        ("empty", "empty/manifest.json: missing, so {tmp}/empty is not a povsim run"),
        ("manifest", "manifest/manifest.json: damaged, not JSON"),
        ("indicators", "indicators/indicators.parquet: damaged, cannot be read as a table"),
        ("column", "column/pathways.parquet: no column primary_people"),
        ("summary", "summary/summary.parquet: missing (a run folder holds it)"),
        ("counterfactual", "counterfactual/summary.parquet: replication 0's additional_exits is"),
    ],
)
def test_compare_refuses_run_folders_it_cannot_pair_or_read(
    run_folders: dict[str, Path], tmp_path: Path, other: str, said: str
) -> None:
    """Each refusal names the folder or file and what is wrong, with status 2, and writes
    nothing: replications of other seeds, counts, years or steps meet other shocks, and a
    folder of another kind, or with a file missing or damaged, holds no run to compare."""
    first = run_folders["five_batches"]
    if other in run_folders:
        folder = run_folders[other]
    elif other == "comparison":
        folder = tmp_path / other
        _ran(["compare", str(first), str(run_folders["industry_led"]), "--out", str(folder)])
    elif other == "empty":
        folder = tmp_path / other
        folder.mkdir()
        (folder / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        folder = _damaged(run_folders["industry_led"], tmp_path / other, other)
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(first), str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    expected = said.format(first=first, tmp=tmp_path)
    assert expected in " ".join(result.output.split())
    assert not out.exists()


def test_run_folders_of_other_povsim_code_are_compared_with_a_warning(
    run_folders: dict[str, Path], tmp_path: Path
) -> None:
    """Folders written by other code differ by the model's changes besides the scenarios':
    compared in silence, the differences read as the mixes' alone."""
    first = run_folders["five_batches"]
    other = tmp_path / "older"
    shutil.copytree(run_folders["industry_led"], other)
    manifest = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    manifest["versions"]["povsim_commit"] = "0" * 40
    (other / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.warns(UnpairedComparison, match=f"{other} was written by other povsim code"):
        povsim.experiments.compare_runs([first, other])


def test_compare_takes_run_folders_or_scenario_files_not_both(
    run_folders: dict[str, Path], tmp_path: Path
) -> None:
    """A mix would run the files on options the folders' runs need not share; the options of
    runs are the folders' own; an outcome the folders cannot give is refused by name."""
    a, b = (str(run_folders[mix]) for mix in RUN_FOLDER_MIXES)
    out = ["--out", str(tmp_path / "out")]
    for args, said in (
        (
            [a, str(SCENARIOS / "industry_led.toml")],
            f"compare takes scenario files or run folders, not both: {a} is a folder, "
            f"{SCENARIOS / 'industry_led.toml'} is not",
        ),
        ([a, b, "--set", "seed=3"], "--set is for scenario files: run folders are compared"),
        ([a, b, "--executor", "serial"], "--executor is for scenario files"),
        ([a, b, "--seed", "4"], "--seed 4: the run folders ran seed 0, and are compared as"),
        ([a, b, "--replications", "3"], "--replications 3: the run folders ran 2 replications"),
        (
            [a, str(run_folders["no_intervention"]), "--outcome", "additional_exits"],
            f"--outcome 'additional_exits' needs the run without support, which "
            f"{run_folders['no_intervention']} does not hold (no counterfactual.parquet",
        ),
        ([a, b, "--outcome", "registerd_people@2018"], "did you mean registered_people"),
        ([a, b, "--outcome", "incidence@2025"], "five_batches runs 2014-2020, not 2025"),
    ):
        result = runner.invoke(app, ["compare", *args, *out])
        assert result.exit_code == 2, result.output
        assert said in " ".join(result.output.split())
        assert not (tmp_path / "out").exists()
    # without support, it is compared as any mix is, and paired on the same county
    result = runner.invoke(app, ["compare", a, str(run_folders["no_intervention"]), *out])
    assert result.exit_code == 0, result.output
    assert "not paired" not in result.output
    with pytest.raises(TypeError, match="a list of two or more run folders"):
        povsim.experiments.compare_runs(a)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"is a folder: povsim.compare runs scenarios; .*compare_runs"
    ):
        povsim.compare([a, b])
