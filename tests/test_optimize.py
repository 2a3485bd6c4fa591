"""Policy search (``povsim optimize``): levers, objectives, the front, resuming, robust mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from povsim import Scenario, load_scenario
from povsim.cli import app
from povsim.cli.search import _front_table
from povsim.config import ScenarioError
from povsim.experiments.calibration import resized
from povsim.experiments.optimize import (
    Objective,
    SearchSpace,
    front_of,
    optimize,
    parse_constraint,
    parse_lever,
    parse_objective,
)
from povsim.plots import front_pairs
from povsim.runs.store import MARKER, OutputError

from .conftest import SCENARIOS, stop_while

runner = CliRunner()


@pytest.fixture(scope="module")
def obvious(baseline: Scenario) -> Scenario:
    """Two industry programs on a small budget, one of which pays nothing: the best split
    for incidence gives (nearly) everything to the one that works ("dud" only spends)."""
    industry = baseline.programs["industry"].model_dump()
    return resized(baseline, 400).updated(
        {
            "budget.scale": 0.1,
            "monitoring.enabled": False,
            "villages.work_teams": False,
            "programs": {
                "industry": {**industry, "share": 0.5},
                "dud": {**industry, "kind": "industry", "gain": 0.0, "share": 0.5},
            },
        }
    )


def test_objectives_levers_and_constraints_parse() -> None:
    assert parse_objective("registered_people@2020") == Objective("registered_people@2020", "min")
    assert parse_objective("cumulative_exit_share").sense == "max"  # the registry prefers higher
    assert parse_objective("min:cumulative_exit_share").sense == "min"
    assert parse_lever("budget.scale=0.5:1.5").bounds == (0.5, 1.5)
    assert parse_lever("shares").programs == ()
    assert parse_lever("shares=industry,health").programs == ("industry", "health")
    assert parse_constraint("spending_yuan<=budget").bound == "budget"
    assert parse_constraint("cumulative_exit_share >= 0.8").op == ">="
    for bad in ("nonsense", "incidence@year"):
        with pytest.raises(ScenarioError, match="--objectives"):
            parse_objective(bad)
    for bad in ("income.growth=0.9:0.1", "income.growth", "income.growth=a:b", "shares=x"):
        with pytest.raises(ScenarioError, match="--levers"):
            parse_lever(bad)
    with pytest.raises(ScenarioError, match="--constraint"):
        parse_constraint("spending_yuan<budget")
    # a share bounded by yuan was accepted, and the constraint never bound
    with pytest.raises(ScenarioError, match="'budget' is yuan, and incidence_end is in share"):
        parse_constraint("incidence_end<=budget")


def test_shares_keep_their_total_and_levers_must_fit(baseline: Scenario) -> None:
    space = SearchSpace(baseline, [parse_lever("shares"), parse_lever("budget.scale=0.5:2")])
    x = np.linspace(0.1, 0.9, space.n_var)
    changes = space.changes(x)
    shares = [v for k, v in changes.items() if k.endswith(".share")]
    assert sum(shares) == pytest.approx(sum(p.share for p in baseline.programs.values()))
    assert baseline.updated(changes).budget.scale == pytest.approx(x[-1])
    assert space.changes(space.x0()) == pytest.approx(
        {f"programs.{n}.share": p.share for n, p in baseline.programs.items()}
        | {"budget.scale": 1.0}
    )
    for lever, message in (
        ("income.grwoth=0:1", "no field"),
        ("name=0:1", "not a number"),
        ("shares=industry,magic", "no program 'magic'"),
    ):
        with pytest.raises(ScenarioError, match=message):
            SearchSpace(baseline, [parse_lever(lever)])


def test_the_front_keeps_only_undominated_points() -> None:
    table = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0, 2.0, 1.0], "b": [3.0, 2.0, 1.0, 3.0, 3.0], "feasible": True}
    )
    front = front_of(table, [Objective("a"), Objective("b")])
    assert list(front.index) == [0, 1, 2]  # 3 is dominated by 1; 4 repeats 0
    flipped = front_of(table, [Objective("a", "max"), Objective("b")])
    assert list(flipped.index) == [2]


def test_the_search_recovers_an_obvious_optimum(obvious: Scenario, tmp_path: Path) -> None:
    result = optimize(
        obvious,
        ["incidence_end"],
        ["shares"],
        tmp_path / "opt",
        generations=4,
        population=8,
        replications=1,
        seed=3,
    )
    best = result.front.iloc[0]
    # Of the 1.0 the two share: at 400 agents the incidence is flat from about 0.85 to 1.0
    # (three seeds each, before and after the weighted queue of stop 37), so "most of it".
    assert best["programs.industry.share"] > 0.8
    start = result.history.iloc[0]  # the base scenario's own even split
    assert start["programs.industry.share"] == pytest.approx(0.5)
    assert best["incidence_end"] < start["incidence_end"]
    member = load_scenario(tmp_path / "opt" / "front" / "00.toml")  # standalone: no file given
    assert member.programs["industry"].share == pytest.approx(best["programs.industry.share"])
    files = {p.name for p in (tmp_path / "opt").rglob("*") if p.is_file()}
    assert {"pareto.parquet", "history.parquet", "front.png", "shares.png"} <= files
    # a few lines, not the front, the history and every member's scenario in full
    assert repr(result).startswith(f"<OptimizationResult {len(result.front)} front members")
    assert len(repr(result)) < 600


def test_a_search_in_python_shows_progress_where_someone_watches(
    obvious: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`povsim.optimize` ran minutes without a word in a notebook, where the command and
    `povsim.run`, `compare`, `sweep` have a bar."""
    import povsim
    import povsim.runs.progress as progress

    shown: list[bool] = []
    monkeypatch.setattr(
        progress.RunsProgress, "advance", lambda self, *_: shown.append(not self.progress.disable)
    )
    monkeypatch.setattr(progress, "watched", lambda: True)
    settings = {"generations": 1, "population": 4, "replications": 1, "executor": "serial"}
    povsim.optimize(obvious, ["incidence_end"], tmp_path / "o", **settings)  # type: ignore[arg-type]
    assert shown
    assert all(shown)
    with pytest.raises(TypeError, match="progress: True or False"):
        povsim.optimize(obvious, ["incidence_end"], tmp_path / "p", progress="no")  # type: ignore[arg-type]


def test_a_resumed_search_equals_an_uninterrupted_one(obvious: Scenario, tmp_path: Path) -> None:
    settings = {
        "objectives": ["incidence_end", "spending_yuan"],
        "levers": ["shares", "budget.scale=0.2:0.5"],
        "generations": 3,
        "population": 6,
        "replications": 1,
        "seed": 5,
    }
    whole = optimize(obvious, out=tmp_path / "whole", **settings)  # type: ignore[arg-type]
    runs = {"n": 0}

    def interrupt() -> None:
        runs["n"] += 1
        if runs["n"] == 9:  # in the second generation
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        optimize(obvious, out=tmp_path / "cut", on_result=interrupt, **settings)  # type: ignore[arg-type]
    assert len(pd.read_parquet(tmp_path / "cut" / "history.parquet")) == 6
    resumed = optimize(obvious, out=tmp_path / "cut", **settings)  # type: ignore[arg-type]
    assert resumed.evaluations == len(whole.history) - 6  # the first generation replayed
    pd.testing.assert_frame_equal(resumed.history, whole.history)
    pd.testing.assert_frame_equal(resumed.front, whole.front)
    longer = optimize(obvious, out=tmp_path / "cut", **{**settings, "generations": 4})  # type: ignore[arg-type]
    assert longer.evaluations == 6  # only the new generation ran
    with pytest.raises(ScenarioError, match=r"other settings .*seed: 5 then, 6 now"):
        optimize(obvious, out=tmp_path / "cut", **{**settings, "seed": 6})  # type: ignore[arg-type]
    # --overwrite: stopped before a generation is written, the earlier search comes back
    before = pd.read_parquet(tmp_path / "cut" / "history.parquet")
    with pytest.raises(KeyboardInterrupt):
        optimize(
            obvious,
            out=tmp_path / "cut",
            on_result=_stop_at_once,
            overwrite=True,
            **{**settings, "seed": 6},  # type: ignore[arg-type]
        )
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cut" / "history.parquet"), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut", "whole"]  # nothing set aside
    # and finished, it replaces it
    other = optimize(obvious, out=tmp_path / "cut", overwrite=True, **{**settings, "seed": 6})  # type: ignore[arg-type]
    assert other.evaluations == len(other.history)  # nothing replayed from the old one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut", "whole"]


def _stop_at_once() -> None:
    raise KeyboardInterrupt


_STOPPED_SEARCH = {
    "objectives": ["incidence_end", "spending_yuan"],
    "levers": ["shares"],
    "generations": 1,
    "population": 4,
    "replications": 1,
    "seed": 5,
}
"""A search stopped at its first point, in the tests of what it leaves."""


def test_a_second_search_is_refused_before_it_moves_anything(
    obvious: Scenario, tmp_path: Path
) -> None:
    """A search settled an earlier one a killed search had set aside before it took the
    lock: two starting at once each put it back, and the later deleted it. As calibrate
    does, it takes the lock first, and a second writer is refused with nothing moved."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out, aside = tmp_path / "s", tmp_path / f".s.replaced-{dead.pid}"
    aside.mkdir()
    (aside / MARKER).write_text("optimize\n", encoding="utf-8")
    (aside / "history.parquet").write_text("earlier", encoding="utf-8")
    out.mkdir()  # the killed search had begun, and kept no point
    (out / MARKER).write_text("optimize\n", encoding="utf-8")
    hold = "import sys\nfrom povsim.runs import store\nwith store.locked(sys.argv[1]):\n"
    hold += "    print('held', flush=True)\n    sys.stdin.read()\n"
    with subprocess.Popen(
        [sys.executable, "-c", hold, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:  # closing its input lets the lock go
        assert writer.stdout is not None
        assert writer.stdout.readline() == "held\n"
        with pytest.raises(
            OutputError, match=rf"s is being written by another povsim \(pid {writer.pid}"
        ):
            optimize(obvious, out=out, overwrite=True, **_STOPPED_SEARCH)  # type: ignore[arg-type]
    assert (aside / "history.parquet").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_a_search_stopped_before_its_first_point_does_not_hold_its_directory(
    obvious: Scenario, tmp_path: Path
) -> None:
    """It kept its settings and no point, and refused any other search there without
    --overwrite: nothing was there to keep."""
    settings = dict(_STOPPED_SEARCH)
    with pytest.raises(KeyboardInterrupt):
        optimize(obvious, out=tmp_path / "s", on_result=_stop_at_once, **settings)  # type: ignore[arg-type]
    assert not (tmp_path / "s" / "history.parquet").exists()
    other = optimize(obvious, out=tmp_path / "s", **{**settings, "seed": 6})  # type: ignore[arg-type]
    assert other.evaluations == len(other.history) > 0
    again = optimize(obvious, out=tmp_path / "s", **{**settings, "seed": 6})  # type: ignore[arg-type]
    assert again.evaluations == 0  # its own settings now: replayed
    # with points kept, settings it cannot read are not taken for any settings
    for damaged in ("{not json", None):
        search = tmp_path / "s" / "search.json"
        if damaged is None:
            search.unlink()
        else:
            search.write_text(damaged, encoding="utf-8")
        with pytest.raises(ScenarioError, match="settings it cannot read"):
            optimize(obvious, out=tmp_path / "s", **settings)  # type: ignore[arg-type]


def test_a_history_edited_to_hold_text_is_refused_before_any_run(
    obvious: Scenario, tmp_path: Path
) -> None:
    """Its generations and shares written back as text were replayed, and the first
    generation's runs ended in pyarrow's ArrowTypeError (the history could not be written)."""
    settings = dict(_STOPPED_SEARCH)
    optimize(obvious, out=tmp_path / "s", **settings)  # type: ignore[arg-type]
    history = tmp_path / "s" / "history.parquet"
    edited = pd.read_parquet(history)
    edited = edited.astype({"generation": str, "programs.industry.share": str})
    edited.to_parquet(history)
    with pytest.raises(
        ScenarioError,
        match=r"damaged: its columns generation, programs\.industry\.share hold other values",
    ):
        optimize(obvious, out=tmp_path / "s", **{**settings, "generations": 2})  # type: ignore[arg-type]
    assert pd.read_parquet(history).equals(edited)  # touched by no run


def test_a_history_with_a_lever_left_empty_is_refused_before_any_run(
    obvious: Scenario, tmp_path: Path
) -> None:
    """A row whose lever was NaN (a cell emptied by hand) was replayed and kept, silently: a
    point no run made, in the history and the front."""
    settings = dict(_STOPPED_SEARCH)
    optimize(obvious, out=tmp_path / "s", **settings)  # type: ignore[arg-type]
    history = tmp_path / "s" / "history.parquet"
    edited = pd.read_parquet(history)
    lever = next(c for c in edited.columns if c.startswith("share:"))
    edited.loc[1, lever] = float("nan")
    edited.to_parquet(history)
    with pytest.raises(
        ScenarioError,
        match=rf"damaged: its column {re.escape(lever)} holds nan in row 2, where a search "
        "writes a lever's value: the search cannot continue from it",
    ):
        optimize(obvious, out=tmp_path / "s", **{**settings, "generations": 2})  # type: ignore[arg-type]
    assert pd.read_parquet(history).equals(edited)  # touched by no run


@pytest.mark.parametrize(
    ("lever", "how"),
    [
        ("start_year=2014:2015", "over other years"),
        ("end_year=2019:2020", "over other years"),
        ("steps_per_year=1:12", "at other steps a year"),
    ],
)
def test_a_lever_on_the_runs_years_or_steps_is_refused(
    obvious: Scenario, tmp_path: Path, lever: str, how: str
) -> None:
    """start_year=2014:2015 was searched over: each point's outcomes measured over other
    years (or steps), compared as if alike. As a lever or an uncertain input (robust)."""
    path = lever.partition("=")[0]
    said = rf"{path} defines the run, not the policy: runs {how} cannot be compared"
    settings = {**_STOPPED_SEARCH, "levers": [lever]}
    with pytest.raises(ScenarioError, match=rf"^--levers: {re.escape(lever)}: {said}"):
        optimize(obvious, out=tmp_path / "s", **settings)  # type: ignore[arg-type]
    low, high = lever.partition("=")[2].split(":")
    problem = tmp_path / "robust.toml"
    problem.write_text(
        f'outputs = ["incidence_end"]\n[inputs."{path}"]\nbounds = [{low}, {high}]\n'
        '[inputs."income.growth"]\nbounds = [0.04, 0.08]\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=rf"inputs\.{path}: {said}"):
        optimize(obvious, out=tmp_path / "s", robust=problem, **_STOPPED_SEARCH)  # type: ignore[arg-type]
    assert not (tmp_path / "s").exists()


def test_a_search_that_kept_no_point_leaves_no_folder_it_made(
    obvious: Scenario, tmp_path: Path
) -> None:
    """Stopped before its first point it left OUT with its marker and search.json, and a
    later command there was refused ("holds a povsim optimize output")."""
    settings = dict(_STOPPED_SEARCH)
    with pytest.raises(KeyboardInterrupt):
        optimize(obvious, out=tmp_path / "s", on_result=_stop_at_once, **settings)  # type: ignore[arg-type]
    assert not (tmp_path / "s").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(KeyboardInterrupt):
        optimize(obvious, out=mine, on_result=_stop_at_once, **settings)  # type: ignore[arg-type]
    assert list(mine.iterdir()) == []  # a folder of one's own stays, as it was


def test_a_search_takes_any_seed_the_other_commands_take(tmp_path: Path) -> None:
    """--seed went to at most 2^32 - 1 here (pymoo's legacy seeding), to 2^64 - 1 elsewhere."""
    from povsim.experiments.optimize import _library_seed

    # a seed pymoo took before is given as it was: a search made with it is the same
    assert [_library_seed(s) for s in (0, 5, 2**32 - 1)] == [0, 5, 2**32 - 1]
    folded = {_library_seed(s) for s in (2**32, 2**32 + 1, 2**64 - 1)}
    assert len(folded) == 3
    assert all(0 <= s < 2**32 for s in folded)
    args = ["optimize", str(SCENARIOS / "baseline.toml"), "--objectives", "incidence_end"]
    args += ["--generations", "1", "--population", "4", "--replications", "1"]
    args += ["--households", "200", "--executor", "serial", "--quiet"]
    result = runner.invoke(app, [*args, "--seed", str(2**64 - 1), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2**64 - 1
    result = runner.invoke(app, [*args, "--seed", str(2**64), "--out", str(tmp_path / "p")])
    assert result.exit_code == 2


def test_robust_mode_scores_over_the_uncertain_inputs(obvious: Scenario, tmp_path: Path) -> None:
    problem = tmp_path / "problem.toml"
    problem.write_text(
        'outputs = ["incidence_end"]\n[inputs."income.growth"]\nbounds = [0.02, 0.1]\n',
        encoding="utf-8",
    )
    scores = {}
    for statistic in ("mean", "p90", "regret"):
        result = optimize(
            obvious,
            ["incidence_end"],
            ["shares"],
            tmp_path / statistic,
            generations=1,
            population=4,
            replications=1,
            robust=problem,
            robust_samples=3,
            statistic=statistic,
        )
        scores[statistic] = result.history["incidence_end"].to_numpy()
        # the scores say how they were scored: regrets were labelled as the outcome itself
        assert result.statistic == statistic
        front = tmp_path / statistic / "figures" / "front.png"
        assert front.is_file()
    assert (scores["p90"] >= scores["mean"]).all()  # the bad tail is worse than the mean
    assert scores["regret"][0] == pytest.approx(0.0)  # the base mix against itself
    table = _front_table(result)
    assert str(table.title).startswith("Pareto front (scores: regrets, each the worst over")
    assert [str(c.header) for c in table.columns][1] == "regret in incidence end"
    from povsim.experiments.optimize import STATISTICS
    from povsim.plots.optimize import SCORED

    assert set(SCORED) == set(STATISTICS)  # every statistic is labelled
    drawn = front_pairs(result.history, result.front, ["incidence_end"], "regret")
    # one objective is drawn over the points in order, not against itself on a diagonal
    assert drawn.axes[0].get_ylabel() == "regret in incidence end (%)"
    assert drawn.axes[0].get_xlabel() == "point evaluated, in order"
    with pytest.raises(ScenarioError, match="lever of the search too"):
        optimize(
            obvious,
            ["incidence_end"],
            ["income.growth=0.02:0.1"],
            tmp_path / "overlap",
            robust=problem,
        )


def test_the_command_writes_a_front_of_baseline_members(tmp_path: Path) -> None:
    out = tmp_path / "opt"
    args = [
        "optimize",
        str(SCENARIOS / "baseline.toml"),
        "--objectives",
        "registered_people@2020,cumulative_relapse_share",
        "--objectives",
        "spending_yuan",
        "--levers",
        "shares=industry,health,social_security",
        "--levers",
        "budget.scale=0.3:1.2",
        "--constraint",
        "spending_yuan<=budget",
        "--generations",
        "2",
        "--population",
        "4",
        "--replications",
        "1",
        "--households",
        "300",
        "--out",
        str(out),
        "--executor",
        "serial",
        "--quiet",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["povsim_output"] == "optimize"
    front = pd.read_parquet(out / "pareto.parquet")
    members = sorted((out / "front").glob("*.toml"))
    assert len(members) == len(front) > 0
    for path, (_, row) in zip(members, front.iterrows(), strict=True):
        member = load_scenario(path)  # extends the baseline at its own size
        assert member.population.households == 5000
        assert "runs at the base scenario's 5,000 agents, not the search's 300" in (
            path.read_text(encoding="utf-8")
        )
        assert member.programs["health"].share == pytest.approx(row["programs.health.share"])
        assert member.budget.scale == pytest.approx(row["budget.scale"])
    again = runner.invoke(app, args)  # a rerun replays everything
    assert again.exit_code == 0, again.output
    # another seed is another search: refused into this folder, unless it replaces it
    other = [*args[: args.index("--out")], "--seed", "9", *args[args.index("--out") :]]
    refused = runner.invoke(app, other)
    assert refused.exit_code == 2
    assert "--overwrite replaces it" in " ".join(refused.output.split())
    replaced = runner.invoke(app, [*other, "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert json.loads((out / "search.json").read_text(encoding="utf-8"))["seed"] == 9


def test_a_front_left_empty_by_the_constraints_says_so(tmp_path: Path) -> None:
    """A constraint no mix can meet left an empty table and "0 mixes on the front of 4
    evaluated", exit 0, and no word of why."""
    args = [
        "optimize",
        str(SCENARIOS / "baseline.toml"),
        "--objectives",
        "poor_person_years,spending_yuan",
        "--constraint",
        "spending_yuan<=-5",
        "--generations",
        "1",
        "--population",
        "4",
        "--replications",
        "1",
        "--households",
        "200",
        "--out",
        str(tmp_path / "opt"),
        "--executor",
        "serial",
        "--quiet",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "0 mixes on the front of 4 evaluated" in said
    assert "note: none of the 4 mixes evaluated met spending_yuan<=-5" in said


def test_a_lever_value_that_makes_an_invalid_scenario_is_never_on_the_front(
    baseline: Scenario, tmp_path: Path
) -> None:
    small = resized(baseline, 200)
    objectives = ["max:cumulative_exit_share", "spending_yuan"]
    # Above 0.25 the industry share takes the shares over the budget: no scenario.
    settings = {"generations": 2, "population": 6, "replications": 1}
    lever = ["programs.industry.share=0:0.9"]
    result = optimize(small, objectives, lever, tmp_path / "opt", **settings)  # type: ignore[arg-type]
    invalid = result.history[result.history["programs.industry.share"] > 0.25 + 1e-9]
    assert len(invalid) > 0
    assert not invalid["feasible"].any()
    assert invalid["cumulative_exit_share"].isna().all()
    assert (result.front["programs.industry.share"] <= 0.25 + 1e-9).all()
    # From 0.5 no point is a scenario: it ended "0 mixes on the front" with status 0.
    lever = ["programs.industry.share=0.5:0.9"]
    with pytest.raises(ScenarioError, match="every point in the levers' bounds makes an invalid"):
        optimize(small, objectives, lever, tmp_path / "none", **settings)  # type: ignore[arg-type]
    assert not (tmp_path / "none").exists()


def test_an_objective_needs_a_known_direction_and_pathway(
    obvious: Scenario, tmp_path: Path
) -> None:
    """`exited_people:nope` ran with the objective 0 for every candidate; `maximise:x` was an
    unknown output; into the directory of another search either was "other settings"."""
    assert parse_objective("max:exited_people:industry") == Objective(
        "exited_people:industry", "max"
    )
    with pytest.raises(ScenarioError, match="'maximise' is no direction: give min:NAME"):
        parse_objective("maximise:spending_yuan")
    settings = {"generations": 1, "population": 4, "replications": 1}
    optimize(obvious, ["incidence_end"], ["shares"], tmp_path / "o", **settings)  # type: ignore[arg-type]
    for objective in ("exited_people:nope", "min:exited_people:nope"):
        with pytest.raises(ScenarioError) as error:
            optimize(obvious, [objective], ["shares"], tmp_path / "o", **settings)  # type: ignore[arg-type]
        assert str(error.value) == (
            "--objectives: min:exited_people:nope: no pathway 'nope' in the scenario: "
            "exited_people: takes one of industry, dud, combined, none"
        )
    with pytest.raises(ScenarioError, match=r"--constraint: exited_people:nope>=1\.0: no pathway"):
        optimize(
            obvious,
            ["incidence_end"],
            ["shares"],
            tmp_path / "o",
            constraints=["exited_people:nope>=1"],
            **settings,  # type: ignore[arg-type]
        )


def test_shares_the_scenario_gives_nothing_are_not_a_lever(baseline: Scenario) -> None:
    """With every share 0 each candidate split nothing: a search of one scenario."""
    none = baseline.updated({f"programs.{name}.share": 0.0 for name in baseline.programs})
    with pytest.raises(ScenarioError, match="add up to 0\\): there is nothing to split"):
        SearchSpace(none, [parse_lever("shares")])
    some = baseline.updated({"programs.industry.share": 0.0, "programs.health.share": 0.0})
    with pytest.raises(ScenarioError, match="gives industry, health no share of the budget"):
        SearchSpace(some, [parse_lever("shares=industry,health")])
    assert SearchSpace(some, [parse_lever("shares")]).total > 0  # the others still split


def test_robust_settings_without_robust_mode_are_refused(obvious: Scenario, tmp_path: Path) -> None:
    """They were ignored: the search ran as if they had not been given."""
    for setting, message in (
        ({"statistic": "p90"}, "--statistic: p90: applies only with --robust"),
        ({"robust_samples": 3}, "--robust-samples: 3: applies only with --robust"),
    ):
        with pytest.raises(ScenarioError, match=message):
            optimize(obvious, ["incidence_end"], ["shares"], tmp_path / "o", **setting)  # type: ignore[arg-type]
    args = ["optimize", str(SCENARIOS / "baseline.toml"), "--objectives", "incidence_end"]
    args += ["--out", str(tmp_path / "o"), "--executor", "serial", "--quiet"]
    for flag, value in (("--statistic", "p90"), ("--statistic", "mean"), ("--robust-samples", "3")):
        result = runner.invoke(app, [*args, flag, value])
        assert result.exit_code == 2
        assert f"{flag} {value}: applies only with --robust" in result.output
    assert not (tmp_path / "o").exists()


def test_a_search_of_more_runs_than_a_sweep_may_take_is_refused(
    obvious: Scenario, tmp_path: Path
) -> None:
    """10^11 runs started (and would never have ended)."""
    with pytest.raises(ScenarioError) as error:
        optimize(
            obvious,
            ["incidence_end"],
            ["shares"],
            tmp_path / "o",
            generations=10_000,
            population=10_000,
            replications=1000,
        )
    assert str(error.value) == (
        "--generations, --population, --replications: 10,000 candidates x 10,000 generations "
        "x 1,000 replications is 100,000,000,000 runs, more than the 100,000 a search may take"
    )
    problem = tmp_path / "problem.toml"
    problem.write_text(
        'outputs = ["incidence_end"]\n[inputs."income.growth"]\nbounds = [0.02, 0.1]\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="x 1,000 robust samples is 2,400,000 runs"):
        optimize(
            obvious,
            ["incidence_end"],
            ["shares"],
            tmp_path / "o",
            generations=100,
            population=24,
            robust=problem,
            robust_samples=1000,
            replications=1,
        )
    assert not (tmp_path / "o").exists()


def test_an_interrupted_search_names_only_what_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped in its first generation, it said the points were in a history not written."""
    import povsim.experiments.optimize as module

    out = tmp_path / "o"

    def stopped(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "optimize", stopped)
    args = ["optimize", str(SCENARIOS / "baseline.toml"), "--objectives", "incidence_end"]
    args += ["--out", str(out), "--executor", "serial", "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 130
    assert "no generation had finished, so no point was kept" in result.output
    assert "history.parquet" not in result.output
    out.mkdir()
    (out / MARKER).write_text("optimize\n", encoding="utf-8")
    (out / "history.parquet").write_bytes(b"")
    result = runner.invoke(app, args)
    assert result.exit_code == 130
    assert f"evaluated points are in {out / 'history.parquet'}" in result.output
    # --overwrite stopped before its first generation: the earlier search is put back, and
    # is not this one's to continue (it said "evaluated points are in ...history.parquet")
    os.utime(out / "history.parquet", (0, 0))
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 130
    said = " ".join(result.output.split())
    assert f"no generation had finished, so the earlier search is back in {out}" in said

    def wrote(*_args: object, **_kwargs: object) -> None:
        (out / "history.parquet").write_bytes(b"")
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "optimize", wrote)
    result = runner.invoke(app, [*args, "--overwrite"])
    said = " ".join(result.output.split())
    assert "history.parquet; rerun the same command without --overwrite to continue" in said


def test_a_stop_while_the_front_is_written_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c: None
) -> None:
    """A stop while the front's files are written is held until they all are."""
    import povsim.plots.optimize as plots

    stop_while(monkeypatch, plots, "front_pairs")
    out = tmp_path / "o"
    args = ["optimize", str(SCENARIOS / "baseline.toml"), "--objectives", "incidence_end"]
    args += ["--generations", "1", "--population", "4", "--replications", "1"]
    args += ["--households", "300", "--out", str(out), "--executor", "serial", "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 130, result.output
    said = result.output.replace("\n", "")
    assert f"stopping once the last files of {out} are written" in said
    assert f"its results were written first: {out} is complete" in said
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"pareto.parquet", "figures/front.png"} <= set(manifest["files"])


def test_an_integer_lever_is_searched_and_recorded_at_whole_values(
    obvious: Scenario, tmp_path: Path
) -> None:
    def search(**kwargs: object):
        return optimize(
            obvious,
            ["incidence_end"],
            ["programs.industry.duration_years=0.6:4.7"],
            tmp_path / "opt",
            generations=2,
            population=6,
            replications=1,
            seed=2,
            **kwargs,
        )

    result = search()
    years = result.history["programs.industry.duration_years"]
    # The scenario takes a year count rounded: the history says what ran, each value once,
    # and only the whole values within the bounds (4.7 rounded was 5, outside them).
    assert years.dtype.kind == "i"
    assert years.is_unique
    assert set(years) <= {1, 2, 3, 4}
    member = load_scenario(tmp_path / "opt" / "front" / "00.toml")
    assert member.programs["industry"].duration_years == result.front.iloc[0][years.name]
    # A history written before, with the fractions that ran as their rounded value, is
    # taken as those values: nothing runs again.
    history = tmp_path / "opt" / "history.parquet"
    old = pd.read_parquet(history)
    old[years.name] = old[years.name] + 0.3
    old.to_parquet(history)
    again = search()
    assert again.evaluations == 0
    assert list(again.history[years.name]) == list(years)
    with pytest.raises(ScenarioError, match=r"takes whole numbers, and none lies between 1.2"):
        SearchSpace(obvious, [parse_lever("programs.industry.duration_years=1.2:1.8")])


def test_a_front_member_says_how_to_run_it_for_its_scores(tmp_path: Path) -> None:
    """Run as `povsim run` runs a scenario, a member took the scenario's own seed, not the
    search's, and gave other scores than its header's."""
    base = tmp_path / "small.toml"
    base.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n'
        "[population]\nhouseholds = 300\nvillages = 3\n",
        encoding="utf-8",
    )
    out = tmp_path / "opt"
    search = [
        "optimize", str(base), "--objectives", "incidence_end,cumulative_relapse_share",
        "--levers", "budget.scale=0.5:1.5", "--generations", "1", "--population", "4",
        "--replications", "2", "--seed", "3", "--out", str(out), "--executor", "serial",
        "--quiet",
    ]  # fmt: skip
    assert runner.invoke(app, search).exit_code == 0
    member = out / "front" / "00.toml"
    line = next(
        x for x in member.read_text(encoding="utf-8").splitlines() if "The same scores:" in x
    )
    command = line.partition("povsim ")[2].split()
    assert command == ["run", str(member), "--replications", "2", "--seed", "3"]
    one = [*search[: search.index("--out")], "--out", str(tmp_path / "one")]
    one[one.index("--replications") + 1] = "1"
    assert runner.invoke(app, [*one, "--overwrite"]).exit_code == 0
    header = (tmp_path / "one" / "front" / "00.toml").read_text(encoding="utf-8")
    # a single run of seed 3 is not the search's replication 0 of seed 3
    assert "The same scores: the first replication of povsim run" in header
    assert "--replications 2 --seed 3" in header
    run = runner.invoke(app, [*command, "--out", str(tmp_path / "run"), "--quiet"])
    assert run.exit_code == 0, run.output
    summary = pd.read_parquet(tmp_path / "run" / "summary.parquet").mean(numeric_only=True)
    scored = pd.read_parquet(out / "pareto.parquet").iloc[0]
    for name in ("incidence_end", "cumulative_relapse_share"):
        assert summary[name] == pytest.approx(scored[name])
