"""Sensitivity analysis: known answers, CLI and API agree, explicit budget shares, bad problems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from povsim import ScenarioError, load_scenario
from povsim.cli import app
from povsim.experiments.problem import load_problem
from povsim.experiments.sensitivity import PovsimProblemSpec, indices_table, problem_spec

from .conftest import SCENARIOS, stop_while

runner = CliRunner()
SMALL = {"population.households": 300, "population.villages": 6}


def sensitivity_cli(problem: Path, out: Path, *options: str):
    """``povsim sensitivity`` on the shipped baseline with a problem file."""
    return runner.invoke(
        app,
        [
            "sensitivity",
            str(SCENARIOS / "baseline.toml"),
            "--problem",
            str(problem),
            "--out",
            str(out),
            *options,
        ],
    )


@pytest.fixture(scope="module")
def small_base():
    return load_scenario(SCENARIOS / "baseline.toml").updated(SMALL)


@pytest.mark.slow
def test_known_answer_sobol(small_base) -> None:
    """An input wired to nothing (the threshold used only to label market relapses) gets
    ST of zero for incidence; income growth, the strongest driver, ranks first."""
    sp = problem_spec(
        small_base,
        {
            "income.growth": {"bounds": [0.0, 0.15]},
            "shocks.market.bad_year_drop": {"bounds": [0.01, 0.3]},
            "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
        },
        ["incidence_end", "cumulative_exit_share"],
        time_varying=["incidence"],
    )
    sp.sample_sobol(16, calc_second_order=False, seed=1)
    sp.evaluate(executor="serial").analyze_sobol(calc_second_order=False, seed=1)
    table = indices_table(sp)
    st = table[(table["index"] == "ST") & (table["output"] == "incidence_end")].set_index("input")
    assert st.loc["shocks.market.bad_year_drop", "value"] == pytest.approx(0.0, abs=1e-9)
    assert st["value"].idxmax() == "income.growth"
    assert st.loc["income.growth", "value"] > 0.5
    yearly = table[table["output"] == "incidence@2020"]
    assert not yearly.empty


@pytest.mark.slow
def test_cli_and_api_give_the_same_indices(tmp_path: Path) -> None:
    problem_file = tmp_path / "problem.toml"
    problem_file.write_text(
        'seed = 3\noutputs = ["incidence_end", "cumulative_relapse_share"]\n'
        'time_varying = ["incidence"]\n'
        '[inputs."income.growth"]\nbounds = [0.03, 0.1]\n'
        '[inputs."shocks.illness.annual_probability"]\n'
        'dist = "triang"\nbounds = [0.03, 0.12, 0.5]\n'
        '[inputs."programs.industry.gain"]\n'
        'dist = "truncnorm"\nbounds = [1500, 4500, 3000, 400]\ngroup = "industry"\n'
        '[inputs."programs.industry.unit_cost"]\n'
        'bounds = [5000, 15000]\ngroup = "industry"\n',
        encoding="utf-8",
    )
    scenario_file = tmp_path / "small.toml"
    scenario_file.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n'
        "[population]\nhouseholds = 300\nvillages = 6\n",
        encoding="utf-8",
    )
    out = tmp_path / "sens"
    args = [
        "sensitivity",
        str(scenario_file),
        "--problem",
        str(problem_file),
        "--method",
        "morris",
        "-N",
        "6",
        "--out",
        str(out),
        "--executor",
        "serial",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    from_cli = pd.read_parquet(out / "indices.parquet")
    assert set(from_cli["input"]) == {
        "income.growth",
        "shocks.illness.annual_probability",
        "industry",
    }

    # The notebook way: a ProblemSpec, sampled, evaluated and analysed in Python.
    sp = PovsimProblemSpec(load_problem(problem_file, scenario_file))
    sp.sample_morris(6, num_levels=4, seed=3).evaluate(executor="processes", workers=2)
    sp.analyze_morris(num_levels=4, seed=3)
    pd.testing.assert_frame_equal(indices_table(sp), from_cli)

    for name in ("samples", "outputs", "time_varying"):
        assert (out / f"{name}.parquet").exists()
    yearly = pd.read_parquet(out / "time_varying.parquet")
    assert sorted(yearly["year"].unique()) == list(range(2014, 2021))
    for name in ("indices", "time_varying"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"

    # Resuming a finished evaluation runs nothing again and gives the same indices.
    runs_before = sorted((out / "runs" / "indicators").iterdir())
    again = runner.invoke(app, [*args, "--resume"])
    assert again.exit_code == 0, again.output
    assert sorted((out / "runs" / "indicators").iterdir()) == runs_before
    pd.testing.assert_frame_equal(pd.read_parquet(out / "indices.parquet"), from_cli)


def test_a_year_of_the_budget_is_an_input(small_base) -> None:
    sp = problem_spec(
        small_base,
        {"budget.total.2018": {"bounds": [1e6, 3e7]}, "income.growth": {"bounds": [0.04, 0.1]}},
        ["incidence_end"],
        time_varying=[],
    )
    changes = sp.problem.changes([2e7, 0.07])
    assert small_base.updated(changes).budget.total[2018] == 2e7
    assert len(small_base.updated(changes).budget.total) == len(small_base.budget.total)


def test_budget_shares_vary_together_and_stay_valid(small_base) -> None:
    sp = problem_spec(
        small_base,
        {"income.growth": {"bounds": [0.05, 0.09]}},
        ["incidence_end"],
        shares={"programs": ["industry", "health", "housing"], "weights": (0.2, 5.0)},
        time_varying=[],
    )
    sp.sample_sobol(8, calc_second_order=False, seed=2)
    names = ["industry", "health", "housing"]
    total = sum(small_base.programs[p].share for p in names)
    for row in sp.samples:
        changes = sp.problem.changes(row)
        shares = [changes[f"programs.{p}.share"] for p in names]
        assert sum(shares) == pytest.approx(total)
        scenario = small_base.updated(changes)  # valid: shares never exceed the budget
        assert sum(p.share for p in scenario.programs.values()) <= 1 + 1e-9
    assert len({round(sp.problem.changes(r)["programs.industry.share"], 6) for r in sp.samples}) > 5


def test_a_sample_that_makes_an_invalid_scenario_leaves_nothing(tmp_path: Path) -> None:
    """Refused once sampled, the analysis left an empty output with a povsim marker."""
    path = tmp_path / "problem.toml"
    # Each share's ends fit the budget with the others' base shares, not both at once.
    path.write_text(
        '[inputs."programs.industry.share"]\nbounds = [0.1, 0.34]\n'
        '[inputs."programs.employment.share"]\nbounds = [0.05, 0.21]\n'
    )
    room = ["--set", "programs.housing.share=0.07"]
    out = tmp_path / "o"
    result = sensitivity_cli(path, out, "-N", "4", "--executor", "serial", *room)
    assert result.exit_code == 2, result.output
    assert "an invalid scenario" in result.output  # refused with the problem, before a sample
    assert not out.exists()
    # nor does --overwrite lose the analysis it was to replace (the review of stop 38)
    good = tmp_path / "good.toml"
    good.write_text(
        '[inputs."income.growth"]\nbounds = [0.04, 0.06]\n'
        '[inputs."income.transitory_sd"]\nbounds = [0.1, 0.3]\n'
    )
    small = ["--set", "population.households=150", "--executor", "serial"]
    morris = ["--method", "morris", "-N", "2"]
    assert sensitivity_cli(good, out, *morris, *small).exit_code == 0
    before = (out / "indices.parquet").read_bytes()
    again = sensitivity_cli(path, out, "-N", "4", *small, *room, "--overwrite")
    assert again.exit_code == 2, again.output
    assert "an invalid scenario" in again.output
    assert (out / "indices.parquet").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_shares_whose_upper_bounds_together_pass_the_budget_are_refused_by_the_check(
    tmp_path: Path,
) -> None:
    """Each share's ends fit the budget with the others' base shares, but not both upper
    ends at once: `povsim check` passed the problem, and sampling refused it."""
    base = tmp_path / "base.toml"
    base.write_text(
        f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        "[programs.housing]\nshare = 0.07\n",
        encoding="utf-8",
    )
    problem = tmp_path / "problem.toml"
    shares = (
        '[inputs."programs.industry.share"]\nbounds = [0.1, 0.34]\n'
        '[inputs."programs.employment.share"]\nbounds = [0.05, 0.21]\n'
    )
    problem.write_text(f'base = "base.toml"\n{shares}', encoding="utf-8")
    result = runner.invoke(app, ["check", str(problem)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{problem}: inputs.programs.employment.share.bounds: the shares' upper bounds" in said
    assert "(programs.industry.share 0.34, programs.employment.share 0.21)" in said
    assert "add up to 1.08, more than 1" in said
    assert "[shares] table" in said
    # upper ends that fit together pass
    problem.write_text(f'base = "base.toml"\n{shares.replace("0.21", "0.11")}', encoding="utf-8")
    assert runner.invoke(app, ["check", str(problem)]).exit_code == 0
    # A normal share was left out of the sum: its end is where it passes with a chance of
    # one in a million (0.3 + 4.75 sd), as for its field's limits.
    normal = shares.replace("bounds = [0.1, 0.34]", 'dist = "norm"\nbounds = [0.3, 0.02]')
    problem.write_text(f'base = "base.toml"\n{normal}', encoding="utf-8")
    result = runner.invoke(app, ["check", str(problem)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert (
        "the shares' upper ends together (programs.industry.share 0.395 (its norm passes it "
        in said
    )
    assert "with a chance of 1e-06), programs.employment.share 0.21)" in said
    narrow = normal.replace("[0.3, 0.02]", "[0.2, 0.01]")  # 0.248 at most: it fits
    problem.write_text(f'base = "base.toml"\n{narrow}', encoding="utf-8")
    assert runner.invoke(app, ["check", str(problem)]).exit_code == 0


def test_unbounded_input_with_morris_is_a_clear_error(tmp_path: Path) -> None:
    # a year setting is one of the few fields without limits a normal could reach past
    path = tmp_path / "problem.toml"
    path.write_text(
        '[inputs."registration.income_year"]\ndist = "norm"\nbounds = [2013, 1]\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.1]\n'
    )
    result = sensitivity_cli(
        path, tmp_path / "o", "--method", "morris", "-N", "2", "--executor", "serial"
    )
    assert result.exit_code == 2, result.output
    assert "inputs.registration.income_year" in result.output
    assert "bounded distribution" in result.output


@pytest.mark.parametrize(
    ("path", "dist", "bounds", "crossed"),
    [
        (
            "exit.income_margin",
            "norm",
            "[0.0, 1.0]",
            "below the field's minimum 0 (a chance of 0.5) and above the field's maximum 2",
        ),
        ("monitoring.scale", "norm", "[0.05, 0.05]", "below the field's minimum 0 (a chance of"),
        ("income.growth", "lognorm", "[-0.5, 0.5]", "above the field's maximum 1 (a chance of"),
        # no sample would ever cross: a bound in reach of none is no reason to refuse
        ("programs.industry.gain", "norm", "[3000, 400]", None),
        ("population.households", "lognorm", "[6.0, 0.1]", None),
    ],
)
def test_an_unbounded_input_past_its_fields_limits_is_refused_by_the_check(
    tmp_path: Path, path: str, dist: str, bounds: str, crossed: str | None
) -> None:
    """povsim check passed a normal of mean 0 and sd 1 on exit.income_margin (0 to 2): Sobol
    refused it once sampled ("sample 0 makes an invalid scenario ... not -1.01")."""
    problem = tmp_path / "problem.toml"
    problem.write_text(
        f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        f'[inputs."{path}"]\ndist = "{dist}"\nbounds = {bounds}\n'
        '[inputs."income.transitory_sd"]\nbounds = [0.1, 0.3]\n'
    )
    result = runner.invoke(app, ["check", str(problem)])
    if crossed is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{problem}: inputs.{path}.dist: {dist} reaches {crossed}" in said
    assert "give a bounded distribution within them (truncnorm" in said


def test_listed_and_yearly_outputs_each_have_their_place(tmp_path: Path) -> None:
    """With no time-varying column the command crashed after every run; a listed
    COLUMN@YEAR output was left out of the table and the bars."""
    path = tmp_path / "problem.toml"
    path.write_text(
        'outputs = ["incidence_end", "incidence@2016"]\ntime_varying = []\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.1]\n'
        '[inputs."income.transitory_sd"]\nbounds = [0.1, 0.3]\n'
    )
    base = tmp_path / "small.toml"
    base.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[population]\nhouseholds = 300\nvillages = 6\n'
    )
    out = tmp_path / "o"
    options = ["--problem", str(path), "--out", str(out), "--method", "morris", "-N", "2"]
    result = runner.invoke(app, ["sensitivity", str(base), *options, "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert "incidence@2016" in result.output
    assert "±-" not in result.output  # Morris's sigma has no interval
    indices = pd.read_parquet(out / "indices.parquet")
    assert set(indices.loc[indices["listed"], "output"]) == {"incidence_end", "incidence@2016"}
    assert not indices["yearly"].any()
    assert pd.read_parquet(out / "time_varying.parquet").empty
    assert (out / "figures" / "indices.png").is_file()
    assert not (out / "figures" / "time_varying.png").exists()  # it was an empty "(none)"
    # Interrupted (its runs kept, no manifest yet), it is named as what the user ran.
    (out / "manifest.json").unlink()
    again = runner.invoke(app, ["sensitivity", str(base), *options, "--executor", "serial"])
    assert again.exit_code == 2
    assert "already holds a sensitivity analysis: add --resume" in again.output
    assert "sweep" not in again.output
    # --overwrite replaces it; --set sizes the base as `povsim run` does (a walk-through had
    # to write a scenario file that extends the base)
    bigger = ["--set", "population.households=400", "--overwrite", "--executor", "serial"]
    replaced = runner.invoke(app, ["sensitivity", str(base), *options, *bigger])
    assert replaced.exit_code == 0, replaced.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"]["population"]["households"] == 400
    both = runner.invoke(app, ["sensitivity", str(base), *options, "--resume", "--overwrite"])
    assert both.exit_code == 2
    assert "give one" in both.output


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[inputs."income.growht"]\nbounds = [0, 1]\n',
            "inputs.income.growht: no such scenario field (did you mean income.growth",
        ),
        ('[inputs."name"]\nbounds = [0, 1]\n', "inputs.name: is not a number"),
        # a whole table: said in the problem's words, not "is not a number" alone
        (
            '[inputs."income"]\nbounds = [0, 1]\n',
            "inputs.income: a table of settings, not a number: vary one of its fields instead, "
            'e.g. [inputs."income.initial_mean"] (initial_mean, ',
        ),
        ('[inputs."income.growth"]\ndist = "triang"\nbounds = [0, 1]\n', "triang takes 3 values"),
        ('[inputs."income.growth"]\nbounds = [0.2, 0.1]\n', "lower < upper"),
        ('outputs = ["happiness"]\n[inputs."income.growth"]\nbounds = [0, 1]\n', "unknown outcome"),
        (
            'outputs = ["incidnce@2018"]\n[inputs."income.growth"]\nbounds = [0, 1]\n',
            "'incidnce' is not an indicator column (did you mean incidence",
        ),
        (
            '[inputs."income.growth"]\nbounds = [0, 1]\n'
            '[shares]\nprograms = ["industry", "magic"]\n',
            "no program 'magic'",
        ),
        ('[inputs."income.growth"]\nbounds = [0, 1]\ncolour = 1\n', "unknown field"),
        # `povsim check` passed it; the samples were refused only once sampling started
        (
            '[inputs."income.growth"]\nbounds = [-5, 0.1]\n',
            "inputs.income.growth.bounds: Input should be greater than or equal to -0.5, not -5",
        ),
    ],
)
def test_bad_problem_file_exits_2(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "problem.toml"
    path.write_text(text, encoding="utf-8")
    result = sensitivity_cli(path, tmp_path / "o")
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    assert problem in result.output
    assert not (tmp_path / "o").exists()


def test_shipped_problem_is_valid() -> None:
    problem = load_problem(SCENARIOS / "problems" / "baseline_six.toml")
    assert len(problem.names) == 6
    assert "incidence@2020" in problem.outputs
    lower = np.array([b[0] for b in problem.salib()["bounds"]])
    changes = problem.changes(lower)
    assert changes["income.growth"] == 0.04
    assert problem.base.updated(changes)


def test_a_problem_built_in_python_is_checked_as_a_file_is(small_base) -> None:
    with pytest.raises(ScenarioError, match=r"<problem_spec>: inputs\.income\.growth"):
        problem_spec(small_base, {"income.growth": {"bounds": [0.1, 0.04]}})
    with pytest.raises(ScenarioError, match=r"<problem_spec>: inputs\.income\.growth\.bound"):
        problem_spec(small_base, {"income.growth": {"bound": [0.04, 0.1]}})
    with pytest.raises(ScenarioError, match=r"<problem_spec>: seed"):
        problem_spec(small_base, {"income.growth": {"bounds": [0.04, 0.1]}}, seed=-1)
    # One name is one output or column, not its letters.
    sp = problem_spec(small_base, TWO, "incidence_end", time_varying="incidence")
    assert sp.problem.spec.outputs == ["incidence_end"]
    assert sp.problem.spec.time_varying == ["incidence"]


def test_an_analysis_of_one_input_built_in_python_is_refused_before_its_sample(
    small_base,
) -> None:
    """problem_spec took one input (or one group), ran every sample, and refused it only
    when analysing. An analysis's sampler now refuses it before drawing; a Latin hypercube
    of one input, a discovery's or a robust search's, is sound and drawn."""
    one = problem_spec(small_base, {"income.growth": {"bounds": [0.04, 0.1]}})
    with pytest.raises(
        ScenarioError,
        match=r"<problem_spec>: inputs: an analysis needs two or more inputs or groups to "
        r"apportion among, not 1 \(income\.growth\)",
    ):
        one.sample_sobol(4)
    assert one.samples is None
    assert len(one.sample_latin(5).samples) == 5
    grouped = {path: {**given, "group": "both"} for path, given in TWO.items()}
    with pytest.raises(ScenarioError, match=r"not 1 \(both\)"):
        problem_spec(small_base, grouped).sample_morris(4)


def test_check_takes_a_problem_of_one_input_as_the_robust_search_does(tmp_path: Path) -> None:
    """`povsim check` refused a problem of one input that `optimize --robust` draws from;
    only an analysis needs two, and the check says so in a note."""
    problem = tmp_path / "p.toml"
    problem.write_text(
        f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.1]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(problem)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"ok: {problem} (sensitivity problem: 1 input, 4 outputs" in said
    assert "two or more inputs or groups to apportion among, not 1 (income.growth)" in said
    assert "povsim sensitivity refuses it; optimize --robust takes it" in said


@pytest.mark.parametrize(
    ("bounds", "reason"),
    [
        ([0.04, 0.10, 1.0], "triang's peak is a fraction of the width, at least 0 and below 1"),
        ([-0.05, -0.01, 0.5], "triang's upper bound must be 0 or more (SALib's condition), not"),
    ],
)
def test_a_triangle_salib_would_refuse_is_refused_by_the_check(
    small_base, tmp_path: Path, bounds: list[float], reason: str
) -> None:
    """A peak at 1 or an upper bound below 0 passed `povsim check` and problem_spec, and
    SALib refused them once sampling started: "Triangular distribution bound error"."""
    triangle = {"dist": "triang", "bounds": bounds}
    with pytest.raises(ScenarioError) as refused:
        problem_spec(small_base, {**TWO, "income.growth": triangle})
    assert f"<problem_spec>: inputs.income.growth.bounds: {reason}" in str(refused.value)
    problem = tmp_path / "p.toml"
    problem.write_text(
        f'base = "{SCENARIOS / "baseline.toml"}"\n'
        f'[inputs."income.growth"]\ndist = "triang"\nbounds = {bounds}\n'
        '[inputs."exit.income_margin"]\nbounds = [0, 0.2]\n',
        encoding="utf-8",
    )
    out = tmp_path / "o"
    for command in (["check"], ["sensitivity", "--out", str(out), "--problem"]):
        result = runner.invoke(app, [*command, str(problem)])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        assert f"{problem}: inputs.income.growth.bounds: {reason}" in said
        assert "Traceback" not in result.output
    assert not out.exists()


def test_the_indices_need_an_analysis(small_base) -> None:
    """Before `analyze_*` the table raised AttributeError on None."""
    sp = problem_spec(small_base, TWO)
    with pytest.raises(ValueError, match=r"analyse first, e\.g\. sp\.analyze_sobol\(\)"):
        indices_table(sp)


def test_evaluate_and_analyse_say_what_is_missing_or_wrong(small_base) -> None:
    """An analysis before any evaluation raised SALib's RuntimeError "Model not yet
    evaluated", and ``evaluate(out=5)`` pathlib's TypeError about ``__fspath__``."""
    two = {
        "income.growth": {"bounds": [0.04, 0.1]},
        "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
    }
    sp = problem_spec(small_base, two).sample_sobol(4, calc_second_order=False)
    with pytest.raises(ValueError, match=r"evaluate first, e\.g\. sp\.evaluate\("):
        sp.analyze_sobol(calc_second_order=False)
    with pytest.raises(TypeError, match="out: a path, not int 5"):
        sp.evaluate(executor="serial", out=5, progress=False)


def test_a_problem_names_a_wrong_path_scenario_or_outputs(small_base) -> None:
    """``load_problem(5)`` and ``load_problem(path, 5)`` failed in pathlib ("argument should
    be a str or an os.PathLike object"), ``problem_spec(..., outputs=5)`` with "'int' object
    is not iterable"."""
    problem = SCENARIOS / "problems" / "baseline_six.toml"
    with pytest.raises(TypeError, match="path: a path, not int 5"):
        load_problem(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="scenario: a TOML path or a Scenario, not int"):
        load_problem(problem, 5)  # type: ignore[arg-type]
    two = {
        "income.growth": {"bounds": [0.04, 0.1]},
        "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
    }
    with pytest.raises(TypeError, match="outputs: a name or a list of names, not int 5"):
        problem_spec(small_base, two, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="time_varying: a name or a list of names, not int"):
        problem_spec(small_base, two, time_varying=[0])  # type: ignore[list-item]


def test_the_same_problem_draws_the_same_sample_unless_given_another_seed(small_base) -> None:
    def spec(seed: int) -> PovsimProblemSpec:
        return problem_spec(small_base, TWO, seed=seed)

    np.testing.assert_array_equal(spec(1).sample_sobol(4).samples, spec(1).sample_sobol(4).samples)
    assert not np.array_equal(spec(1).sample_sobol(4).samples, spec(2).sample_sobol(4).samples)
    np.testing.assert_array_equal(
        spec(1).sample_morris(3).samples, spec(2).sample_morris(3, seed=1).samples
    )


def test_a_sobol_sample_off_a_power_of_two_says_which_sizes_would_do(small_base) -> None:
    """SciPy's warning said the balance needs a power of 2, without the N given or a size
    that would keep it."""
    from povsim.experiments.sensitivity import UnbalancedSample

    spec = problem_spec(small_base, TWO, seed=1)
    with pytest.warns(UnbalancedSample, match=r"N = 100 is not a power of 2.*N = 64 or 128") as w:
        spec.sample_sobol(100)
    assert [r.filename for r in w] == [__file__]  # the line that asked, not SALib's
    spec.sample_sobol(64)  # no warning at all: pytest turns one into an error


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--method", "fast", "-N", "8"], "FAST needs more than 64 samples per input"),
        # SALib refused a single input only when it analysed, after every run, with a
        # traceback and status 1
        (["--method", "morris", "-N", "2"], "two or more inputs or groups"),
    ],
)
def test_a_problem_salib_would_refuse_is_refused_before_any_run(
    tmp_path: Path, options: list[str], message: str
) -> None:
    problem = tmp_path / "p.toml"
    problem.write_text('[inputs."income.growth"]\nbounds = [0.04, 0.1]\n', encoding="utf-8")
    result = sensitivity_cli(problem, tmp_path / "out", *options)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_the_problem_files_base_is_used_when_no_scenario_is_given(tmp_path: Path) -> None:
    """The docs promised it; the command required the scenario."""
    (tmp_path / "small.toml").write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[population]\nhouseholds = 200\nvillages = 4\n'
    )
    problem = tmp_path / "p.toml"
    problem.write_text(
        'base = "small.toml"\noutputs = ["incidence_end"]\ntime_varying = []\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.1]\n'
        '[inputs."income.transitory_sd"]\nbounds = [0.1, 0.3]\n'
    )
    out = tmp_path / "o"
    options = ["--problem", str(problem), "--out", str(out), "--method", "morris", "-N", "2"]
    result = runner.invoke(app, ["sensitivity", *options, "--executor", "serial", "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = (out / "manifest.json").read_text()
    assert '"households": 200' in manifest


def test_one_output_is_analysed(small_base) -> None:
    """SALib's analysers take one output as a vector: a (N, 1) column ended Sobol in a
    broadcast error after every run."""
    sp = problem_spec(
        small_base.updated({"population.households": 100, "population.villages": 2}),
        {
            "income.growth": {"bounds": [0.04, 0.1]},
            "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
        },
        "incidence_end",
        time_varying=[],
    )
    sp.sample_sobol(4, calc_second_order=False).evaluate(executor="serial", progress=False)
    assert sp.results.shape == (16,)
    sp.analyze_sobol(calc_second_order=False)
    table = indices_table(sp)
    assert set(table["output"]) == {"incidence_end"}
    assert set(table["input"]) == {"income.growth", "shocks.illness.annual_probability"}


@pytest.mark.parametrize("method", ["sobol", "morris", "fast"])
@pytest.mark.parametrize("outputs", [["incidence_end", "first_year"], "first_year"])
def test_an_output_the_same_in_every_run_has_no_indices(
    small_base, method: str, outputs: list[str] | str
) -> None:
    """A constant output has no variance to share out: SALib leaked numpy's "invalid value
    encountered in divide" (an error under this suite's warnings) and reported indices of 0
    known exactly, as if no input moved it."""
    sp = problem_spec(
        small_base,
        {
            "income.growth": {"bounds": [0.04, 0.1]},
            "exit.income_margin": {"bounds": [0.0, 0.2]},
        },
        outputs,
        time_varying=[],
    )
    if method == "fast":
        sp.sample_fast(5, M=1)  # one harmonic: SALib's least design (N > 4M²), 5 runs an input
    else:
        getattr(sp, f"sample_{method}")(2)
    sp.evaluate(executor="serial", progress=False)
    if method == "fast":
        # SALib's own caution about FAST's bootstrap, which the command shows as a warning
        with pytest.warns(UserWarning, match="FAST confidence intervals"):
            sp.analyze_fast(M=1)
    else:
        getattr(sp, f"analyze_{method}")()
    assert sp.constant == {"first_year": 2014.0}
    table = indices_table(sp)
    assert table.loc[table["output"] == "first_year", ["value", "conf"]].isna().all().all()
    if isinstance(outputs, list):
        assert table.loc[table["output"] == "incidence_end", "value"].notna().any()


def test_an_output_missing_in_some_runs_has_no_indices(small_base) -> None:
    """Sobol's estimator turned a NaN (a cost per exit without exits) into indices of 0
    known exactly; the estimators need every run, so there are none."""
    sp = problem_spec(
        small_base,
        {"income.growth": {"bounds": [0.04, 0.1]}, "exit.income_margin": {"bounds": [0.0, 0.2]}},
        ["incidence_end", "cost_per_exit"],
        time_varying=[],
    )
    sp.sample_sobol(4, calc_second_order=False)
    rows = len(sp.samples)
    results = np.column_stack([np.linspace(0.01, 0.05, rows), np.linspace(1e4, 2e4, rows)])
    results[3, 1] = np.nan
    sp.set_results(results)
    sp.analyze_sobol(calc_second_order=False)
    assert sp.undefined == {"cost_per_exit": 1}
    assert sp.constant == {}
    table = indices_table(sp)
    assert table.loc[table["output"] == "cost_per_exit", "value"].isna().all()
    assert table.loc[table["output"] == "incidence_end", "value"].notna().all()
    assert sp.no_indices() == {
        "cost_per_exit": f"no value in 1 of {rows} runs: the estimators need every run"
    }


def test_an_output_missing_in_one_replication_is_missing_at_its_point(small_base) -> None:
    """Replications were averaged skipping NaN: a point whose cost per exit was undefined in
    one of its two runs took the other's, was estimated, and never listed as undefined."""
    from povsim.experiments.sensitivity import undefined_outputs

    sp = problem_spec(
        small_base,
        {"income.growth": {"bounds": [0.04, 0.1]}, "exit.income_margin": {"bounds": [0.0, 0.2]}},
        ["cost_per_exit", "incidence_end"],
        time_varying=[],
        replications=2,
    )
    frames = []
    for point in ("s00000", "s00001"):
        for replication in (0, 1):
            no_exit = point == "s00001" and replication == 1
            frames.append(
                pd.DataFrame(
                    {
                        "point": point,
                        "replication": replication,
                        "year": [2014, 2015],
                        "incidence": [0.1, 0.05 + 0.01 * replication],
                        "spending_yuan": [1e6 * (1 + replication)] * 2,
                        "exits_households": [0.0, 0.0] if no_exit else [10.0, 30.0],
                    }
                )
            )
    out = sp.problem.outputs_of(pd.concat(frames, ignore_index=True))
    assert out.index.name == "point"
    assert out.loc["s00000", "cost_per_exit"] == pytest.approx((5e4 + 1e5) / 2)
    assert np.isnan(out.loc["s00001", "cost_per_exit"])  # was 50,000: replication 0's alone
    assert out.loc["s00001", "incidence_end"] == pytest.approx(0.055)
    assert undefined_outputs(list(out.columns), out.to_numpy()) == {"cost_per_exit": 1}


def test_a_problem_of_seed_0_gives_the_same_intervals_each_time(small_base) -> None:
    """SALib's Sobol' and FAST analysers take a seed of 0 for none (``if seed:``): a problem
    of seed 0 gave other confidence intervals at each analysis."""

    def intervals(seed: int, method: str) -> list[float]:
        sp = problem_spec(small_base, TWO, "incidence_end", time_varying=[], seed=seed)
        model = lambda x: x[:, 0] * 3 + x[:, 1] ** 2 * 10 + 0.1 * np.sin(50 * x[:, 0])  # noqa: E731
        if method == "sobol":
            sp.sample_sobol(16).evaluate(model).analyze_sobol()
        else:
            with pytest.warns(UserWarning, match="FAST confidence intervals"):
                sp.sample_fast(70).evaluate(model).analyze_fast()
        return [*sp.analysis["ST_conf"], *sp.analysis["S1_conf"]]

    for method in ("sobol", "fast"):
        first = intervals(0, method)
        assert np.isfinite(first).all()
        assert intervals(0, method) == first, method
    from povsim.experiments.sensitivity import _analysis_seed

    assert _analysis_seed(0) != 0
    assert _analysis_seed(0) == _analysis_seed(0) != _analysis_seed(1)


def test_the_command_says_why_an_output_has_no_indices(tmp_path: Path) -> None:
    problem = tmp_path / "problem.toml"
    # growth slow enough that 300 households keep some poor to the end in every run
    problem.write_text(
        'outputs = ["incidence_end", "first_year"]\n'
        '[inputs."income.growth"]\nbounds = [0.0, 0.04]\n'
        '[inputs."exit.income_margin"]\nbounds = [0.0, 0.2]\n'
    )
    result = sensitivity_cli(
        problem,
        tmp_path / "out",
        "--method",
        "morris",
        "-N",
        "2",
        "--set",
        "population.households=300",
        "--set",
        "population.villages=6",
    )
    assert result.exit_code == 0, result.output
    assert "2014 in every run: no variance to apportion" in result.output
    assert "warning" not in result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["constant_outputs"] == {"first_year": 2014.0}


def test_the_api_refuses_a_sample_its_analyser_cannot_read(small_base) -> None:
    two = {
        "income.growth": {"bounds": [0.04, 0.1]},
        "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
    }
    sp = problem_spec(small_base, two)
    for n in (0, -3, "4", 2.5, True):
        with pytest.raises(ValueError, match=r"N: the base sample size, a positive integer"):
            sp.sample_sobol(n)
    sp.sample_sobol(4, calc_second_order=False)
    with pytest.raises(ValueError, match=r"analyze_morris reads a sample drawn by sample_morris"):
        sp.analyze_morris()
    assert sp.sample_ff().samples.shape[1] == 2  # a fractional factorial takes no N
    sp.set_samples(sp.samples)  # a sample set by hand is the user's to read
    normal = problem_spec(
        small_base,
        {
            "registration.income_year": {"dist": "norm", "bounds": [2013, 1]},
            "exit.income_margin": {"bounds": [0, 0.2]},
        },
    )
    with pytest.raises(ScenarioError, match=r"inputs\.registration\.income_year: Morris samples"):
        normal.sample_morris(2, num_levels=4)
    assert normal.samples is None


def test_the_api_refuses_a_sample_setting_salib_cannot_draw_with(small_base) -> None:
    """Morris's levels and FAST's harmonics were passed to SALib unchecked: 1 level and 0
    harmonics ended in a ZeroDivisionError, "4" in a TypeError of string formatting, 2.5
    levels drew a sample later analysed with 2 and -1 harmonics drew one that reads no
    frequency; a ``calc_second_order`` of "no" drew second-order rows."""
    sp = problem_spec(small_base, TWO, "incidence_end", time_varying=[])
    for levels in (1, 0, -2, 2.5, "4", True):
        with pytest.raises(ValueError, match=r"num_levels: the levels of Morris's grid, a "):
            sp.sample_morris(4, num_levels=levels)
    for m in (0, -1, 1.5, "4", True):
        with pytest.raises(ValueError, match=r"M: FAST's harmonics, a whole number of at least"):
            sp.sample_fast(100, M=m)
    with pytest.raises(ValueError, match=r"calc_second_order: True or False, not 'no'"):
        sp.sample_sobol(4, calc_second_order="no")
    assert sp.samples is None
    assert sp.sample_morris(2, num_levels=2).num_levels == 2  # the fewest SALib can draw with
    sp.sample_fast(5, M=1)


def test_morris_is_analysed_with_the_levels_its_sample_was_drawn_with(small_base) -> None:
    """SALib's analyser defaults to 4 levels: a sample drawn with 6 was read with 4 and
    its indices were wrong without a word."""
    from SALib.analyze import morris as salib_morris

    two = {
        "income.growth": {"bounds": [0.04, 0.1]},
        "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
    }
    sp = problem_spec(small_base, two, "incidence_end", time_varying=[])
    sp.sample_morris(4, num_levels=6).evaluate(lambda x: x @ np.array([1.0, 30.0]))
    sp.analyze_morris()
    expected = salib_morris.analyze(sp, sp.samples, sp.results, num_levels=6, seed=sp.problem.seed)
    np.testing.assert_allclose(sp.analysis["mu_star"], expected["mu_star"])
    assert sp.num_levels == 6
    with pytest.raises(ValueError, match=r"num_levels: the sample was drawn with num_levels=6"):
        sp.analyze_morris(num_levels=4)
    sp.analyze_morris(num_levels=6)  # the sample's own levels, given
    sp.sample_morris(4, 8)  # positionally, as SALib's sampler takes them
    assert sp.num_levels == 8


def test_sobol_and_fast_are_analysed_with_the_settings_their_sample_was_drawn_with(
    small_base,
) -> None:
    """A Sobol' sample with second-order rows analysed without them gave wrong indices
    without a word, and the other way round SALib's "Incorrect number of samples"; a FAST
    sample of M = 4 analysed with M = 2 gave wrong indices without a word."""
    from SALib.analyze import fast as salib_fast
    from SALib.analyze import sobol as salib_sobol

    sp = problem_spec(small_base, TWO, "incidence_end", time_varying=[])
    model = lambda x: x @ np.array([1.0, 30.0])  # noqa: E731
    sp.sample_sobol(4).evaluate(model)
    with pytest.raises(
        ValueError,
        match=r"calc_second_order: the sample was drawn with calc_second_order=True, not "
        r"False; analyse with the sample's setting or sample again",
    ):
        sp.analyze_sobol(calc_second_order=False)
    sp.sample_sobol(4, calc_second_order=False).evaluate(model)
    with pytest.raises(ValueError, match=r"drawn with calc_second_order=False, not True"):
        sp.analyze_sobol(calc_second_order=True)
    sp.analyze_sobol()  # was SALib's RuntimeError: read with second order, SALib's default
    expected = salib_sobol.analyze(sp, sp.results, calc_second_order=False, seed=sp.problem.seed)
    np.testing.assert_allclose(sp.analysis["ST"], expected["ST"])

    sp.sample_fast(65).evaluate(model)
    with pytest.raises(
        ValueError, match=r"M: the sample was drawn with M=4, not 2; analyse with the sample's"
    ):
        sp.analyze_fast(M=2)
    sp.sample_fast(145, M=6).evaluate(model)
    with pytest.warns(UserWarning, match="FAST confidence intervals"):
        sp.analyze_fast()  # read with M = 6, not SALib's default of 4
    with pytest.warns(UserWarning, match="FAST confidence intervals"):
        expected = salib_fast.analyze(sp, sp.results, M=6, seed=sp.problem.seed)
    np.testing.assert_allclose(sp.analysis["S1"], expected["S1"])


@pytest.mark.parametrize("flag", ["second_order", "resume", "overwrite", "progress"])
def test_a_flag_is_true_or_false(small_base, tmp_path: Path, flag: str) -> None:
    """second_order="no" was read by its truth, as True, and drew the larger sample."""
    from povsim.experiments.sensitivity import run_sensitivity

    sp = problem_spec(small_base, TWO)
    with pytest.raises(TypeError, match=rf"{flag}: True or False, not str 'no'"):
        run_sensitivity(sp.problem, "sobol", 4, tmp_path / "o", **{flag: "no"})
    assert not (tmp_path / "o").exists()


def test_run_sensitivity_names_a_wrong_problem_method_or_size(small_base, tmp_path: Path) -> None:
    """An unknown method was refused only when sampling, as "method must be one of (...)";
    n="4" was named as SALib's "N:"; a ProblemSpec given for its problem ended in an
    AttributeError. Each is now refused first, naming the argument, and writes nothing."""
    from povsim.experiments.sensitivity import run_sensitivity

    two = {
        "income.growth": {"bounds": [0.04, 0.1]},
        "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
    }
    sp = problem_spec(small_base, two)
    out = tmp_path / "o"
    with pytest.raises(ValueError, match=r"method: one of sobol, morris, fast, not 'bogus'"):
        run_sensitivity(sp.problem, "bogus", 4, out)
    with pytest.raises(TypeError, match=r"n: a whole number, not str '4'"):
        run_sensitivity(sp.problem, "sobol", "4", out)
    with pytest.raises(TypeError, match=r"n: a whole number, not str '4'"):
        run_sensitivity(sp.problem, "fast", "4", out)  # was: '<=' not supported
    with pytest.raises(ValueError, match=r"n: at least 1, not 0"):
        run_sensitivity(sp.problem, "sobol", 0, out)
    with pytest.raises(TypeError, match=r"problem: a Problem \(load_problem\(path\), or a Pro"):
        run_sensitivity(sp, "sobol", 4, out)
    with pytest.raises(TypeError, match=r"out: a path, not int 123"):
        run_sensitivity(sp.problem, "sobol", 4, 123)
    assert list(tmp_path.iterdir()) == []


TWO = {
    "income.growth": {"bounds": [0.04, 0.1]},
    "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
}
"""Two inputs: the fewest an analysis apportions an output among."""
TINY = [
    "--method",
    "morris",
    "-N",
    "2",
    "--set",
    "population.households=150",
    "--executor",
    "serial",
]
"""Options that keep a command that should have been refused short."""
TWO_FILE = (
    '[inputs."income.growth"]\nbounds = [0.04, 0.1]\n'
    '[inputs."shocks.illness.annual_probability"]\nbounds = [0.05, 0.08]\n'
)


def test_a_second_analysis_on_the_same_out_is_refused_while_the_first_runs(
    small_base, tmp_path: Path
) -> None:
    """An analysis took no lock on OUT: a second started beside a running one settled what a
    killed one had set aside there first, and was refused only later, for OUT/runs."""
    from povsim.experiments.sensitivity import run_sensitivity

    out = tmp_path / "sa"
    problem = tmp_path / "problem.toml"
    problem.write_text(TWO_FILE, encoding="utf-8")
    second: dict[str, subprocess.CompletedProcess[str]] = {}
    args = ["sensitivity", str(SCENARIOS / "baseline.toml"), "--problem", str(problem)]
    args += ["--out", str(out), "--overwrite", *TINY]

    def meanwhile(_result: object) -> None:
        second["run"] = subprocess.run(
            [sys.executable, "-m", "povsim", *args], capture_output=True, text=True, timeout=300
        )
        raise KeyboardInterrupt  # the first need not finish

    sp = problem_spec(small_base, TWO)
    with pytest.raises(KeyboardInterrupt):
        run_sensitivity(sp.problem, "morris", 2, out, executor="serial", on_result=meanwhile)
    done = second["run"]
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert f"{out} is being written by another povsim (pid {os.getpid()})" in said
    assert not (tmp_path / ".sa.lock").exists()  # let go when the first ended


def test_a_sample_of_more_runs_than_a_sweep_may_make_is_refused_before_sampling(
    small_base, tmp_path: Path
) -> None:
    """-N 65536 asked for 393,216 runs, and -N 1000000 ran 300 s with its bar at 0: a sweep
    refuses more than 100,000."""
    sp = problem_spec(small_base, TWO)
    with pytest.raises(ScenarioError, match=r"<problem_spec>: N = 65,536 makes 393,216 runs"):
        sp.sample_sobol(65536)
    with pytest.raises(ScenarioError, match=r"N = 65,536 makes 262,144 runs \(4 samples per N"):
        sp.sample_sobol(65536, calc_second_order=False)
    with pytest.raises(ScenarioError, match=r"N = 60,000 makes 120,000 runs"):
        sp.sample_fast(60000)
    assert sp.samples is None  # refused before anything was drawn
    sp.set_samples(np.full((100_001, 2), 0.05))  # by hand: counted when evaluated
    with pytest.raises(ScenarioError, match=r"100,001 samples x 1 replication make 100,001 runs"):
        sp.evaluate(executor="serial", progress=False)
    many = problem_spec(small_base, TWO, replications=20_000)
    with pytest.raises(ScenarioError, match=r"x 20,000 replications\), .*: no N does"):
        many.sample_sobol(2)
    problem = tmp_path / "p.toml"
    problem.write_text(TWO_FILE, encoding="utf-8")
    result = sensitivity_cli(problem, tmp_path / "o", "-N", "65536")
    assert result.exit_code == 2, result.output
    assert (
        f"{problem}: N = 65,536 makes 393,216 runs (6 samples per N), more than the limit of "
        "100,000: N = 16,384, a power of 2, makes 98,304"
    ) in result.output.replace("\n", "")
    assert not (tmp_path / "o").exists()
    result = sensitivity_cli(problem, tmp_path / "o", "--method", "morris", "-N", "40000")
    assert result.exit_code == 2, result.output
    assert "N = 33,333 makes 99,999" in result.output


def test_sobol_and_morris_refuse_a_sample_too_small_to_estimate_anything(
    small_base, tmp_path: Path
) -> None:
    """-N 1 was taken: Sobol' gave indices of 2 and -10 with intervals of 0, and Morris
    leaked numpy's "Degrees of freedom <= 0" warnings."""
    problem = tmp_path / "p.toml"
    problem.write_text(TWO_FILE, encoding="utf-8")
    for method, message in (
        ("sobol", "Sobol' needs N of at least 2, not 1"),
        ("morris", "Morris needs N of at least 2 trajectories, not 1"),
    ):
        result = sensitivity_cli(problem, tmp_path / "o", "--method", method, "-N", "1")
        assert result.exit_code == 2, result.output
        assert f"{problem}: {message}" in result.output
        assert not (tmp_path / "o").exists()
    sp = problem_spec(small_base, TWO, "incidence_end", time_varying=[])
    with pytest.raises(ScenarioError, match=r"Sobol' needs N of at least 2, not 1"):
        sp.sample_sobol(1)
    with pytest.raises(ScenarioError, match=r"Morris needs N of at least 2 trajectories"):
        sp.sample_morris(1)
    # The smallest taken estimate without a warning (pytest makes one an error).
    sp.sample_morris(2).evaluate(lambda x: x @ np.array([1.0, 30.0])).analyze_morris()
    assert np.isfinite(sp.analysis["sigma"]).all()
    sp.sample_sobol(2).evaluate(lambda x: x[:, 0] + x[:, 1] ** 2).analyze_sobol()
    assert np.isfinite(sp.analysis["S1_conf"]).all()


def test_a_set_of_a_field_the_problem_varies_is_refused(tmp_path: Path) -> None:
    """--set income.growth=0.05 was never used when income.growth is an input: every sample
    replaced it, and the indices were those without it."""
    problem = tmp_path / "p.toml"
    problem.write_text(TWO_FILE + '[shares]\nprograms = ["industry", "health"]\n', encoding="utf-8")
    for given, field, where in (
        ("income.growth=0.05", "income.growth", "varies it as an input (inputs.income.growth)"),
        ("income={growth = 0.05}", "income", "varies income.growth as an input"),
        (
            "programs.health.share=0.01",
            "programs.health.share",
            "varies it as an input (shares.programs)",
        ),
    ):
        result = sensitivity_cli(problem, tmp_path / "o", "--set", given, *TINY)
        assert result.exit_code == 2, result.output
        assert f"--set {field}: {problem} {where}" in result.output.replace("\n", " ")
        assert "never used" in result.output
        assert not (tmp_path / "o").exists()
    with pytest.raises(ScenarioError, match=r"--set income\.growth: .* varies it as an input"):
        load_problem(problem, SCENARIOS / "baseline.toml", ["income.growth=0.05"])
    # a field it does not vary, and a table's other fields, are the user's to set
    kept = load_problem(
        problem,
        SCENARIOS / "baseline.toml",
        ["income={transitory_sd = 0.2}", "exit.income_margin=0.1"],
    )
    assert kept.base.income.transitory_sd == 0.2


def test_a_problem_with_no_outputs_is_refused(small_base, tmp_path: Path) -> None:
    """outputs = [] passed `povsim check` and wrote an analysis with an empty table and
    bars: the time-varying columns are analysed besides the outputs, not instead."""
    problem = tmp_path / "p.toml"
    problem.write_text(
        f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\noutputs = []\n{TWO_FILE}',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(problem)])
    assert result.exit_code == 2, result.output
    assert f"{problem}: outputs: none to analyse: list at least one" in result.output
    with pytest.raises(ScenarioError, match=r"<problem_spec>: outputs: none to analyse"):
        problem_spec(small_base, TWO, [])


def test_a_stopped_analysis_says_only_what_it_kept(monkeypatch, tmp_path: Path) -> None:
    """Stopped before any run finished, it said "finished runs are kept" of a directory it
    had removed."""
    import povsim.experiments.sensitivity as sensitivity

    problem = tmp_path / "p.toml"
    problem.write_text(TWO_FILE, encoding="utf-8")
    small = ["--method", "morris", "-N", "2", "--set", "population.households=150"]
    real = sensitivity.run_sweep

    def stopped_at_once(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sensitivity, "run_sweep", stopped_at_once)
    out = tmp_path / "o"
    result = sensitivity_cli(problem, out, *small, "--executor", "serial")
    assert result.exit_code == 130, result.output
    assert "interrupted: no run had finished: nothing was written" in result.output
    assert not out.exists()
    out.mkdir()
    result = sensitivity_cli(problem, out, *small, "--executor", "serial")
    assert f"no run had finished: {out} is as it was" in result.output.replace("\n", "")
    assert list(out.iterdir()) == []

    def stopped_after_one(*args, on_result, **kwargs):
        def then_stop(run):
            on_result(run)
            raise KeyboardInterrupt

        return real(*args, on_result=then_stop, **kwargs)

    monkeypatch.setattr(sensitivity, "run_sweep", stopped_after_one)
    result = sensitivity_cli(problem, out, *small, "--executor", "serial")
    assert result.exit_code == 130, result.output
    assert f"1 finished run kept in {out} (--resume continues)" in result.output.replace("\n", "")
    assert len(list((out / "runs" / "indicators").glob("*.parquet"))) == 1


def test_a_resume_of_another_analysis_is_refused_naming_what_differs(
    small_base, tmp_path: Path
) -> None:
    """Resumed with another -N, it said "its base scenario has changed"; with other outputs,
    it replaced the analysis's indices with theirs."""
    problem = tmp_path / "p.toml"
    problem.write_text('outputs = ["incidence_end"]\n' + TWO_FILE, encoding="utf-8")
    out = tmp_path / "o"
    small = ["--set", "population.households=150", "--executor", "serial"]
    assert sensitivity_cli(problem, out, *small, "--method", "morris", "-N", "2").exit_code == 0
    indices = (out / "indices.parquet").read_bytes()
    for method, n, differs in (
        ("morris", "3", "(N: 2 then, 3 now)"),
        ("sobol", "4", "(method: morris then, sobol now, N: 2 then, 4 now)"),
    ):
        # without --resume it said to add it, and then refused the resume
        for resume in (["--resume"], []):
            result = sensitivity_cli(problem, out, *small, "--method", method, "-N", n, *resume)
            assert result.exit_code == 2, result.output
            assert f"{out} holds another analysis {differs}" in result.output.replace("\n", "")
    problem.write_text('outputs = ["cumulative_exit_share"]\n' + TWO_FILE, encoding="utf-8")
    result = sensitivity_cli(problem, out, *small, "--method", "morris", "-N", "2", "--resume")
    assert result.exit_code == 2, result.output
    assert '(outputs: ["incidence_end"] then, ["cumulative_exit_share"] now)' in (
        result.output.replace("\n", "")
    )
    assert (out / "indices.parquet").read_bytes() == indices
    # Only the base scenario changed: it said "out/runs holds a different design (its base
    # scenario has changed)", naming neither the field nor --overwrite.
    problem.write_text('outputs = ["incidence_end"]\n' + TWO_FILE, encoding="utf-8")
    other = ["--set", "population.households=151", "--executor", "serial"]
    result = sensitivity_cli(problem, out, *other, "--method", "morris", "-N", "2", "--resume")
    assert result.exit_code == 2, result.output
    assert (
        f"{out} holds another analysis (the base scenario's population.households: 150 then, "
        "151 now): use another --out to start anew or --overwrite to replace it"
    ) in result.output.replace("\n", "")

    from povsim.experiments.sweep import SweepError

    base = small_base.updated({"population.households": 100, "population.villages": 2})
    sp = problem_spec(base, TWO, "incidence_end", time_varying=[])
    runs = tmp_path / "runs"
    sp.sample_sobol(2, calc_second_order=False).evaluate(
        executor="serial", out=runs, progress=False
    )
    sp.sample_sobol(4, calc_second_order=False)
    with pytest.raises(
        SweepError, match=r"holds the runs of another sensitivity analysis \(N: 2 then, 4 now\)"
    ):
        sp.evaluate(executor="serial", out=runs, resume=True, progress=False)
    # Without resume it said "already holds a sweep: add --resume", which was then refused.
    with pytest.raises(
        SweepError, match=r"holds the runs of another sensitivity analysis \(N: 2 then, 4 now\)"
    ):
        sp.evaluate(executor="serial", out=runs, progress=False)
    sp.sample_sobol(2, calc_second_order=False)
    with pytest.raises(
        SweepError,
        match=r"already holds the runs of a sensitivity analysis: add resume=True to "
        r"continue it, or use another out to start anew",
    ):
        sp.evaluate(executor="serial", out=runs, progress=False)


def test_a_damaged_record_of_the_runs_is_named_for_the_analysis(small_base, tmp_path: Path) -> None:
    """A damaged runs/design.json was "the sweep cannot be checked against the design; use
    another --out": the sweep keeping the runs, not the analysis, and no word of --overwrite."""
    problem = tmp_path / "p.toml"
    problem.write_text('outputs = ["incidence_end"]\n' + TWO_FILE, encoding="utf-8")
    out = tmp_path / "o"
    small = ["--set", "population.households=150", "--executor", "serial", "--method", "morris"]
    assert sensitivity_cli(problem, out, *small, "-N", "2").exit_code == 0
    record = out / "runs" / "design.json"
    record.write_text("{not json", encoding="utf-8")
    for resume in (["--resume"], []):
        result = sensitivity_cli(problem, out, *small, "-N", "2", *resume)
        assert result.exit_code == 2, result.output
        said = result.output.replace("\n", "")
        assert (
            f"{record} is damaged: the analysis in {out} cannot be checked against this one; use "
            "another --out to start anew or --overwrite to replace it"
        ) in said
        assert "sweep" not in said
    assert record.read_text(encoding="utf-8") == "{not json"
    assert sensitivity_cli(problem, out, *small, "-N", "2", "--overwrite").exit_code == 0

    from povsim.experiments.sweep import SweepError

    base = small_base.updated({"population.households": 100, "population.villages": 2})
    sp = problem_spec(base, TWO, "incidence_end", time_varying=[])
    runs = tmp_path / "runs"
    sp.sample_sobol(2, calc_second_order=False).evaluate(
        executor="serial", out=runs, progress=False
    )
    (runs / "design.json").write_text("[]", encoding="utf-8")
    with pytest.raises(SweepError, match=r"design\.json is damaged: the runs cannot be checked "):
        sp.evaluate(executor="serial", out=runs, resume=True, progress=False)


def test_fast_with_groups_is_refused_before_any_run(tmp_path: Path) -> None:
    """FAST has no grouped form: its indices came back one per input, and the table of
    groups crashed after every run had finished."""
    path = tmp_path / "problem.toml"
    path.write_text(
        'outputs = ["incidence_end"]\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.1]\ngroup = "economy"\n'
        '[inputs."income.transitory_sd"]\nbounds = [0.1, 0.3]\ngroup = "economy"\n'
        '[inputs."exit.income_margin"]\nbounds = [0.0, 0.2]\n',
        encoding="utf-8",
    )
    out = tmp_path / "o"
    result = sensitivity_cli(path, out, "--method", "fast", "-N", "65")
    assert result.exit_code == 2, result.output
    assert f"{path}: inputs.income.growth.group: FAST estimates one index per input" in (
        result.output.replace("\n", " ")
    )
    assert not out.exists()


def test_shares_the_base_gives_nothing_or_funds_itself_are_refused(small_base) -> None:
    """On a base with no share for them the shares problem was accepted, every run was the
    base, and every index of the shares read 0: "no effect"."""
    none = small_base.updated({"programs.industry.share": 0.0, "programs.health.share": 0.0})
    growth = {"income.growth": {"bounds": [0.04, 0.1]}}
    with pytest.raises(
        ScenarioError,
        match=r"shares\.programs: the base scenario gives industry, health no share of the "
        r"budget \(their shares add up to 0\)",
    ):
        problem_spec(none, growth, shares={"programs": ["industry", "health"]})
    own = small_base.updated({"programs.health.budget": {2014: 1e6}})
    with pytest.raises(ScenarioError, match=r"'health' has a budget of its own"):
        problem_spec(own, growth, shares={"programs": ["industry", "health"]})


def test_a_stop_while_the_results_are_written_waits_for_them(
    monkeypatch, tmp_path: Path, ctrl_c: None
) -> None:
    """Stopped while the indices were written, an analysis kept its tables without its
    figures or manifest, or a stop inside Matplotlib was lost ("Exception ignored") and the
    command said it wrote them."""
    import povsim.plots.experiments as plots

    problem = tmp_path / "p.toml"
    problem.write_text(TWO_FILE, encoding="utf-8")
    stop_while(monkeypatch, plots, "sensitivity_bars")
    out = tmp_path / "o"
    small = ["--method", "morris", "-N", "2", "--set", "population.households=150"]
    result = sensitivity_cli(problem, out, *small, "--executor", "serial")
    assert result.exit_code == 130, result.output
    said = result.output.replace("\n", "")
    assert f"stopping once the last files of {out} are written" in said
    assert f"interrupted: its results were written first: {out} is complete" in said
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"indices.parquet", "figures/indices.png"} <= set(manifest["files"])


def test_python_callers_get_the_commands_words(small_base, tmp_path: Path) -> None:
    """In Python a FAST sample too small gave SALib's bare "N > 4M^2", an output path that
    is a file a bare NotADirectoryError, and a problem's repr its address."""
    from povsim.experiments.sensitivity import run_sensitivity

    sp = problem_spec(small_base, TWO, "incidence_end")
    with pytest.raises(ScenarioError, match=r"FAST needs more than 64 samples per input .*not 10"):
        sp.sample_fast(10)
    with pytest.raises(ScenarioError, match=r"more than 144 samples .*M = 6 harmonics\), not 100"):
        sp.sample_fast(100, M=6)
    grouped = problem_spec(
        small_base,
        {
            "income.growth": {"bounds": [0.04, 0.1], "group": "economy"},
            "exit.income_margin": {"bounds": [0, 0.2], "group": "economy"},
            "shocks.illness.annual_probability": {"bounds": [0.05, 0.08]},
        },
    )
    with pytest.raises(ScenarioError, match=r"inputs\.income\.growth\.group: FAST"):
        grouped.sample_fast(65)
    afile = tmp_path / "afile"
    afile.write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match=r"afile exists and is not a directory"):
        run_sensitivity(sp.problem, "morris", 2, afile)
    assert afile.read_text(encoding="utf-8") == "mine"
    shown = repr(sp.problem)
    assert shown.startswith("<Problem <problem_spec>: 2 inputs (income.growth, shocks.")
    assert "1 output, yearly: incidence; base 'baseline'" in shown


def _check(tmp_path: Path, text: str, name: str = "p.toml") -> tuple[Path, str]:
    """``povsim check`` of a problem on the baseline: the file and what it said (status 2)."""
    problem = tmp_path / name
    problem.write_text(f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\n{text}')
    result = runner.invoke(app, ["check", str(problem)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return problem, " ".join(result.output.split())


def test_a_dated_series_is_refused_naming_a_year_or_its_scale(small_base, tmp_path: Path) -> None:
    """An input of budget.total or poverty_line (a table from years) crashed `povsim check`
    with a TypeError joining the years; it is refused as `povsim sweep` and `--set` refuse a
    bare number for a dated series, with an input that does vary it."""
    problem, said = _check(
        tmp_path,
        '[inputs."income.growth"]\nbounds = [0.05, 0.09]\n'
        '[inputs."budget.total"]\nbounds = [1e6, 2e6]\n'
        '[inputs."poverty_line"]\nbounds = [2000, 3000]\n'
        '[inputs."budget"]\nbounds = [0, 1]\n',
    )
    assert (
        f'{problem}: inputs.budget.total: a dated series: vary one year, e.g. [inputs."budget.'
        'total.2014"], or every year at once with [inputs."budget.scale"], which scales it '
        "(it gives 2014-2020)"
    ) in said
    assert 'inputs.poverty_line: a dated series: vary one year, e.g. [inputs."poverty_line.' in said
    # the whole budget's hint is an input that works, not budget.total again
    assert (
        "inputs.budget: a table of settings, not a number: vary one of its fields instead, e.g. "
        '[inputs."budget.scale"] (total, scale)'
    ) in said
    advised = problem_spec(
        small_base,
        {"income.growth": {"bounds": [0.05, 0.09]}, "budget.scale": {"bounds": [0.5, 1.5]}},
    )
    assert advised.problem.names == ["income.growth", "budget.scale"]
    with pytest.raises(ScenarioError, match=r'e\.g\. \{"budget\.total\.2014": \{"bounds"'):
        problem_spec(small_base, {**TWO, "budget.total": {"bounds": [1e6, 2e6]}})
    _, said = _check(tmp_path, '[inputs."budget.total.2030"]\nbounds = [1, 2]\n')
    assert "inputs.budget.total.2030: 2030 is after the run's last year (2020)" in said
    _, said = _check(tmp_path, '[inputs."budget.total.2013"]\nbounds = [1, 2]\n')
    assert "budget.total gives no value for 2013 in the base scenario (it gives 2014-2020)" in said


def test_bounds_alone_are_told_to_write_the_inputs_table(small_base, tmp_path: Path) -> None:
    """`"income.growth" = [0.05, 0.09]` under [inputs] was told to "set one of its fields
    instead, e.g. FIELD = ... under [inputs.income.growth]": no word of bounds, and a header
    that names another table."""
    problem, said = _check(
        tmp_path, '[inputs]\n"income.growth" = [0.05, 0.09]\n"exit.income_margin" = [0, 1]\n'
    )
    assert (
        f"{problem}: inputs.income.growth: the bounds alone, not the input's table: write "
        '[inputs."income.growth"] with bounds = [0.05, 0.09]'
    ) in said
    assert 'write [inputs."exit.income_margin"] with bounds = [0, 1]' in said
    assert "FIELD" not in said
    with pytest.raises(ScenarioError) as refused:
        problem_spec(small_base, {**TWO, "income.growth": [0.05, 0.09]})
    assert (
        "<problem_spec>: inputs.income.growth: the bounds alone, not the input's table: give "
        '{"income.growth": {"bounds": [0.05, 0.09]}}'
    ) in str(refused.value)


def test_a_program_the_base_has_not_is_named_as_the_shares_check_names_it(
    small_base, tmp_path: Path
) -> None:
    """A microcredit input on the baseline, which has no microcredit, was told "no such
    scenario field (did you mean programs.infrastructure.min_remoteness?)"."""
    problem, said = _check(
        tmp_path,
        '[inputs."income.growth"]\nbounds = [0.05, 0.09]\n'
        '[inputs."programs.microcredit.return_rate"]\nbounds = [0.04, 0.1]\n'
        '[shares]\nprograms = ["industri", "health"]\n',
    )
    base = (SCENARIOS / "baseline.toml").as_posix()
    assert (
        f"{problem}: inputs.programs.microcredit.return_rate: {base} has no program 'microcredit'"
    ) in said
    assert f"shares.programs: {base} has no program 'industri' (did you mean 'industry'?)" in said
    assert "did you mean programs." not in said
    with pytest.raises(ScenarioError, match="the base scenario has no program 'microcredit'"):
        problem_spec(small_base, {**TWO, "programs.microcredit.return_rate": {"bounds": [0, 1]}})


def test_inputs_valid_alone_but_not_together_are_refused_by_the_check(tmp_path: Path) -> None:
    """A mean household size up to 4.2 and a largest household from 4: each range is valid
    with the other's base value, so `povsim check` passed the problem, and sampling refused
    it without the values that met."""
    problem, said = _check(
        tmp_path,
        '[inputs."population.mean_household_size"]\nbounds = [2.5, 4.2]\n'
        '[inputs."population.max_household_size"]\nbounds = [4, 9]\n'
        '[inputs."income.growth"]\nbounds = [0.05, 0.09]\n',
    )
    assert (
        f"{problem}: inputs.population.max_household_size.bounds: its end 4, with "
        "population.mean_household_size at 4.2, makes an invalid scenario"
    ) in said
    assert "population.max_household_size: is below mean_household_size (4.2)" in said
    assert "income.growth at" not in said  # an input the conflict does not need


def test_the_corners_tried_stay_few_for_many_inputs() -> None:
    from povsim.experiments.problem import MAX_FULL_CORNERS, _corners

    few = {f"x{i}": (0.0, 1.0) for i in range(MAX_FULL_CORNERS)}
    assert len(_corners(few)) == 2**MAX_FULL_CORNERS
    many = {f"x{i}": (0.0, 1.0) for i in range(30)}
    corners = _corners(many)
    assert len(corners) == 2 + 4 * 30
    # a pair at opposite ends, the others anywhere, is among them
    assert any(c["x3"] == 1.0 and c["x7"] == 0.0 for c in corners)


def test_a_sample_refused_names_the_values_of_the_inputs_it_needs(small_base) -> None:
    """Sampling refused a sample as "inputs.population.max_household_size: sample 0 makes an
    invalid scenario: is below mean_household_size (4.1)", naming neither the sample's value
    of that input nor the other input that met it."""
    from povsim.experiments.problem import Problem, ProblemFile

    spec = ProblemFile(
        inputs={
            "population.mean_household_size": {"bounds": [2.5, 4.2]},
            "population.max_household_size": {"bounds": [4, 9]},
            "income.growth": {"bounds": [0.05, 0.09]},
        }
    )
    problem = Problem(small_base, spec, "p.toml")  # unchecked, as a sample finds it
    samples = np.array([[3.0, 6.0, 0.07], [4.1, 4.2, 0.06]])
    with pytest.raises(ScenarioError) as refused:
        problem.sweep(samples)
    assert str(refused.value) == (
        "p.toml: inputs.population.max_household_size: sample 1 "
        "(population.mean_household_size = 4.1, population.max_household_size = 4) makes an "
        "invalid scenario: population.max_household_size: is below mean_household_size (4.1)"
    )


def test_an_output_flat_where_sobol_reads_its_variance_has_no_indices(small_base) -> None:
    """SALib warned "Constant values encountered" (three times, naming no output) for an
    output the same in a Sobol' sample's base rows, and gave it indices of 0 known to ±0; an
    output the same but for rounding got S1 = -1 and ST = 1.5. Neither has indices now, and
    each is named with why (pytest turns any warning into an error here)."""
    sp = problem_spec(
        small_base, TWO, ["incidence_end", "poor_person_years", "cost_per_exit"], time_varying=[]
    )
    sp.sample_sobol(4, calc_second_order=False)
    rows = len(sp.samples)
    moving = np.linspace(0.01, 0.05, rows)
    base_rows_flat = np.full(rows, 5000.0)
    base_rows_flat[[1, 2, 5]] = [5100.0, 4900.0, 5200.0]  # rows that change one input
    rounding = np.full(rows, 34787.77)
    rounding[::3] += 1e-11
    sp.set_results(np.column_stack([moving, base_rows_flat, rounding]))
    sp.analyze_sobol(calc_second_order=False)
    table = indices_table(sp)
    for flat in ("poor_person_years", "cost_per_exit"):
        assert table.loc[table["output"] == flat, ["value", "conf"]].isna().all().all(), flat
    assert table.loc[table["output"] == "incidence_end", "value"].notna().all()
    assert sp.constant == {"cost_per_exit": pytest.approx(34787.77)}
    assert sp.constant_base == {"poor_person_years": 5000.0}
    reasons = sp.no_indices()
    assert reasons["cost_per_exit"] == "34,788 in every run: no variance to apportion"
    assert reasons["poor_person_years"].startswith(
        "5,000 in every base sample (Sobol's A and B rows; it moves only where one input is "
        "changed): no variance for Sobol' to apportion"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '[inputs."income.growth"]\nbounds = [0.09, 0.05]\n',
            "inputs.income.growth.bounds: unif's bounds must start with lower < upper, not "
            "0.09 then 0.05: write [0.05, 0.09]",
        ),
        (
            '[inputs."income.growth"]\ndist = "triang"\nbounds = [0.05, 0.09]\n',
            "inputs.income.growth.bounds: triang takes 3 values in bounds (low, high, and the "
            "peak's place as a fraction of the width: 0.5 is midway), not 2: e.g. "
            "[0.03, 0.12, 0.33]",
        ),
        (
            '[inputs."income.growth"]\ndist = "truncnorm"\nbounds = [0.05, 0.09, 0.07]\n',
            "inputs.income.growth.bounds: truncnorm takes 4 values in bounds (low, high, and "
            "the mean and standard deviation of the normal cut to them), not 3",
        ),
        (
            '[inputs."exit.plan_unit"]\nbounds = [0, 1]\n',
            "inputs.exit.plan_unit: is not a number: it holds text ('household' here; one of "
            "household, village), and only numeric fields can be varied as inputs",
        ),
        (
            '[inputs."exit.require_guarantees"]\nbounds = [0, 1]\n',
            "inputs.exit.require_guarantees: is not a number: it holds true or false",
        ),
        (
            '[inputs."population.education_probs.0"]\nbounds = [0.2, 0.5]\n',
            "inputs.population.education_probs.0: population.education_probs is a list, and "
            "list fields (or their elements) cannot be varied as inputs",
        ),
        (
            '[inputs."population.education_probs"]\nbounds = [0.2, 0.5]\n',
            "inputs.population.education_probs: is not a number: it holds a list",
        ),
        (
            'time_varying = ["incidance"]\n[inputs."income.growth"]\nbounds = [0.05, 0.09]\n',
            "time_varying: unknown column 'incidance' (did you mean incidence?)",
        ),
    ],
)
def test_a_bad_input_says_what_is_wrong_and_what_would_do(
    tmp_path: Path, text: str, said: str
) -> None:
    """Reversed bounds named neither `.bounds` nor the values, "triang takes 3 values in
    bounds" not what they are, a field of text or a list "is not a number" or "no such
    scenario field", and a misspelt time_varying column no column it may have meant."""
    problem, output = _check(tmp_path, text + '[inputs."exit.income_margin"]\nbounds = [0, 0.2]\n')
    assert f"{problem}: {said}" in output


def test_outcomes_mark_those_sweeps_and_sensitivity_refuse(small_base) -> None:
    """`povsim outcomes` did not say which outcomes need the counterfactual or the pathways,
    which sweeps and sensitivity analysis refuse: it says so from the registry."""
    from povsim.runs import metrics

    result = runner.invoke(app, ["outcomes"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines()[2:] if line.startswith("|")]
    rows = {line.split("|")[1].strip(" `"): line for line in lines}
    for name, outcome in metrics.OUTCOMES.items():
        marked = "(not in sweeps or sensitivity)" in rows[name]
        assert marked == (outcome.needs != "indicators"), name
    assert "the pathways (not in sweeps or sensitivity)" in rows["exited_people:PROGRAM"]
    assert "not in sweeps" not in rows["COLUMN@YEAR"]
    with pytest.raises(ScenarioError, match="'additional_exits' needs the counterfactual"):
        problem_spec(small_base, TWO, ["additional_exits"])


def test_workers_for_the_serial_executor_are_refused_as_the_command_line_does(
    small_base,
) -> None:
    """`executor="serial", workers=2` ran serially without a word, where the command line
    refuses --workers with the serial executor."""
    import povsim
    from povsim.experiments.executors import make_executor

    said = r"workers=2 is for the processes and dask executors: the serial one runs one run"
    with pytest.raises(ValueError, match=said):
        make_executor("serial", 2)
    sp = problem_spec(small_base, TWO, "incidence_end", time_varying=[]).sample_morris(2)
    with pytest.raises(ValueError, match=said):
        sp.evaluate(executor="serial", workers=2, progress=False)
    assert sp.evaluations is None
    with pytest.raises(ValueError, match=said):
        povsim.run(small_base, replications=2, executor="serial", workers=2)


def test_an_analysis_stopped_while_its_indices_are_worked_out_counts_that_session(
    small_base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the runs were a session: stopped while the indices were worked out (a second
    Ctrl-C, or the analysis failing), an analysis lost the first session's start and time."""
    import time

    from povsim.experiments import sensitivity
    from povsim.runs.store import SESSIONS

    problem = problem_spec(small_base, TWO).problem
    out = tmp_path / "o"
    analyze = sensitivity.analyze

    def stopped(*args, **kwargs):
        time.sleep(0.5)  # the stopped session's work, to be counted
        raise KeyboardInterrupt

    monkeypatch.setattr(sensitivity, "analyze", stopped)
    with pytest.raises(KeyboardInterrupt):
        sensitivity.run_sensitivity(problem, "morris", 2, out, executor="serial")
    record = json.loads((out / SESSIONS).read_text())
    assert record["wall_seconds"] >= 0.5
    monkeypatch.setattr(sensitivity, "analyze", analyze)
    sensitivity.run_sensitivity(problem, "morris", 2, out, executor="serial", resume=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["started"] == record["started"]
    assert manifest["wall_seconds"] > record["wall_seconds"]
    assert not (out / SESSIONS).exists()
