"""Scenario discovery (``povsim discover``): conditions, results, and PRIM on planted boxes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import povsim
from povsim.cli import app
from povsim.experiments.discovery import (
    Discovery,
    DiscoveryError,
    discover,
    parse_condition,
    prim_boxes,
    write_discovery,
)
from povsim.runs.store import MARKER

runner = CliRunner()


def planted_sweep(path: Path, runs: int = 400, seed: int = 0) -> Path:
    """A synthetic sweep: two inputs and a noise input; ``registered_people`` in 2020 is
    positive only where ``income.growth < 0.05`` and ``exit.income_margin > 0.1``."""
    rng = np.random.default_rng(seed)
    (path / "indicators").mkdir(parents=True)
    (path / MARKER).write_text("sweep\n", encoding="utf-8")
    growth = rng.uniform(0.02, 0.1, runs)
    margin = rng.uniform(0.0, 0.2, runs)
    noise = rng.uniform(0.0, 1.0, runs)
    plan = pd.DataFrame(
        {
            "run_id": [f"p{i:05d}-r000" for i in range(runs)],
            "point": range(runs),
            "point_name": [f"h{i:04d}" for i in range(runs)],
            "replication": 0,
            "seed": 1,
            "income.growth": growth,
            "exit.income_margin": margin,
            "villages.fragile_share": noise,
        }
    )
    plan.to_parquet(path / "runs.parquet", index=False)
    planted = (growth < 0.05) & (margin > 0.1)
    for i, run_id in enumerate(plan["run_id"]):
        pd.DataFrame(
            {
                "year": [2019, 2020],
                "registered_people": [10.0, 50.0 if planted[i] else 0.0],
                "cumulative_relapse_share": [0.0, 0.02 * noise[i]],
                "run_id": run_id,
            }
        ).to_parquet(path / "indicators" / f"{run_id}.parquet", index=False)
    return path


def test_conditions_read_outcomes_and_refuse_anything_else() -> None:
    condition = parse_condition("registered_people@2020 > 0 and not incidence_end >= 1e-3")
    assert condition.names == ("registered_people@2020", "incidence_end")
    values = {
        "registered_people@2020": np.array([0.0, 5.0, 5.0, np.nan]),
        "incidence_end": np.array([0.0, 0.0, 0.5, 0.0]),
    }
    assert condition(values).tolist() == [False, True, False, False]
    between = parse_condition("0.01 < cumulative_relapse_share * 2 <= 0.1 | incidence_end > 0.3")
    assert between(
        {"cumulative_relapse_share": np.array([0.02, 0.2]), "incidence_end": np.array([0, 0.5])}
    ).tolist() == [True, True]
    for bad, message in (
        ("registered_people@2020 >", "not a valid expression"),
        ("nonsense > 0", "unknown outcome"),
        ("__import__(os) > 0", "only outcomes"),
        ("__import__('os') > 0", "text in quotes"),
        ("incidence_end", "must be a condition"),
        # each side of and/or/not must be a comparison: a number or an outcome alone is
        # neither true nor false for every run
        ("incidence_end > 0 or 1", "'1' is a value, not a comparison"),
        ("incidence_end > 0 and not incidence_end", "'incidence_end' is a value"),
        ("incidence_end > 'x'", "text in quotes"),  # named as given, not as its placeholder
        ("incidence_end > 0" + " + 1" * 10_000, "give at most 1,000"),
        ("additional_exits > 0", "needs the counterfactual"),
        ("1 > 0", "names no outcome"),
    ):
        with pytest.raises(DiscoveryError, match=message):
            parse_condition(bad)


def test_signs_for_and_or_not_join_comparisons_as_the_words_do() -> None:
    """'a > 0.01 & b > 1' compared a with 0.01 & b (Python binds & before >): no run met it."""
    values = {
        "incidence_end": np.array([0.02, 0.02, 0.0]),
        "cumulative_relapse_share": np.array([0.2, 0.0, 0.2]),
    }
    for signs, words in (
        ("incidence_end > 0.01 & cumulative_relapse_share > 0.1", [True, False, False]),
        ("incidence_end > 0.01 | cumulative_relapse_share > 0.1", [True, True, True]),
        ("~incidence_end > 0.01", [False, False, True]),
        ("0.01 < incidence_end <= 0.1 | cumulative_relapse_share > 0.3", [True, True, False]),
    ):
        assert parse_condition(signs)(values).tolist() == words, signs
    with pytest.raises(DiscoveryError, match="not a valid expression"):
        parse_condition("incidence_end > ~0.01")


def test_prim_finds_the_planted_box(tmp_path: Path) -> None:
    sweep = planted_sweep(tmp_path / "sweep")
    found = discover(sweep, "registered_people@2020 > 0", boxes=2)
    first = found.stats.iloc[0]
    assert first["density"] > 0.9
    assert first["coverage"] > 0.8
    limits = found.boxes[found.boxes["box"] == 1].set_index("input")
    assert set(limits.index) == {"income.growth", "exit.income_margin"}  # not the noise
    assert limits.at["income.growth", "high"] == pytest.approx(0.05, abs=0.01)
    assert limits.at["exit.income_margin", "low"] == pytest.approx(0.1, abs=0.02)
    assert "income.growth ≤ 0.05" in found.summary.iloc[0]["reading"]
    # a few lines, not every table in full (the dataclass's own repr)
    assert repr(found).startswith("<Discovery of 'registered_people@2020 > 0'")
    assert "boxes" in repr(found)
    assert len(repr(found).splitlines()) <= 4


def test_the_command_writes_boxes_and_refuses_what_is_not_a_result(tmp_path: Path) -> None:
    sweep = planted_sweep(tmp_path / "sweep")
    out = tmp_path / "found"
    args = ["discover", str(sweep), "--where", "registered_people@2020 > 0", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Box 1: when" in result.output
    for name in ("boxes.parquet", "box_stats.parquet", "summary.csv", "figures/peeling.png"):
        assert (out / name).is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["povsim_output"], manifest["runs"]) == ("discovery", 400)
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "--overwrite" in again.output
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
    other = runner.invoke(
        app, ["discover", str(out), "--where", "incidence_end > 0", "--out", str(tmp_path / "x")]
    )
    assert other.exit_code == 2
    assert "discovery output" in other.output
    none = runner.invoke(
        app,
        [
            "discover",
            str(sweep),
            "--where",
            "registered_people@2020 > 1e9",
            "--out",
            str(tmp_path / "y"),
        ],
    )
    assert none.exit_code == 2
    assert "no run of 400" in none.output
    assert "is written" not in none.output  # a count, not a share: no percentage to read
    # a share compared with a percentage holds for no run (or every run): how it is written
    from povsim.experiments.discovery import _percent_hint

    hint = _percent_hint(parse_condition("incidence_end > 5 and registered_people@2020 > 10"))
    assert hint == " (incidence_end is a share: 5% is written 0.05)"
    assert _percent_hint(parse_condition("incidence_end > 0.05")) == ""
    assert _percent_hint(parse_condition("registered_people@2020 > 50")) == ""
    # only a share compared with the number itself: not a count's number beside it, nor a
    # share scaled in the condition
    assert (
        _percent_hint(parse_condition("registered_people@2020 > 50 and incidence_end > 0.05")) == ""
    )
    assert _percent_hint(parse_condition("incidence_end * 100 > 5")) == ""
    assert _percent_hint(parse_condition("3 < cumulative_relapse_share")) == (
        " (cumulative_relapse_share is a share: 3% is written 0.03)"
    )


def test_an_unfinished_result_is_used_with_a_note(tmp_path: Path) -> None:
    """A sweep stopped at 18 of its 60 runs gave boxes without a word that they were of a
    part of its design."""
    sweep = planted_sweep(tmp_path / "sweep")
    assert discover(sweep, "registered_people@2020 > 0").note is None
    for path in sorted((sweep / "indicators").glob("*.parquet"))[300:]:
        path.unlink()
    found = discover(sweep, "registered_people@2020 > 0")
    assert (found.runs, found.planned) == (300, 400)
    assert found.note == "300 of 400 planned runs finished; the boxes are of those"
    assert found.note in repr(found)
    out = tmp_path / "found"
    args = ["discover", str(sweep), "--where", "registered_people@2020 > 0", "--out", str(out)]
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"note: {sweep}: 300 of 400 planned runs finished; the boxes are of those" in (
        result.output
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["runs"], manifest["planned_runs"]) == (300, 400)


def test_povsim_discover_refuses_its_out_first_and_overwrites_when_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`povsim.discover(..., out=)` had no `overwrite` (the command's `--overwrite`): a second
    discovery into one directory was always refused, and only after PRIM had run."""
    import povsim
    import povsim.experiments.discovery as discovery

    sweep = planted_sweep(tmp_path / "sweep")
    out = tmp_path / "found"
    povsim.discover(sweep, "registered_people@2020 > 0", out=out)
    peeled: list[object] = []
    monkeypatch.setattr(discovery, "discover", lambda *a, **k: peeled.append(a) or 1 / 0)
    with pytest.raises(povsim.runs.store.OutputError, match="overwrite"):
        povsim.discover(sweep, "registered_people@2020 > 0", out=out)
    assert peeled == []  # refused before the work
    with pytest.raises(TypeError, match="overwrite"):
        povsim.discover(sweep, "registered_people@2020 > 0", out=out, overwrite=1)  # type: ignore[arg-type]
    monkeypatch.undo()
    found = povsim.discover(sweep, "registered_people@2020 > 1", out=out, overwrite=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["where"] == found.where == "registered_people@2020 > 1"


def test_where_nothing_makes_the_condition_likely_no_box_is_reported(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.uniform(size=(300, 3)), columns=["a", "b", "c"])
    y = rng.uniform(size=300) < 0.3  # unrelated to the inputs
    boxes, stats, trajectory, summary = prim_boxes(x, y, min_density=0.9)
    assert boxes.empty
    assert stats.empty
    assert summary.empty
    assert len(trajectory) > 1
    assert not trajectory["selected"].any()
    found = Discovery(
        tmp_path, "sweep", "y", 300, int(y.sum()), list(x), boxes, stats, trajectory, summary
    )
    write_discovery(found, tmp_path / "out")
    assert (tmp_path / "out" / "figures" / "peeling.png").is_file()
    # The command and the notebooks say so (they printed nothing, or an empty table).
    [reading] = found.readings()
    assert reading.startswith("no box: no range of the inputs holds the runs meeting 'y'")
    assert f"({int(y.sum()) / 300:.0%})" in reading


def test_a_box_without_a_significant_restriction_is_not_reported() -> None:
    """A box whose every restriction had a quasi-p value over 0.05 was reported as a
    finding, against the docs."""
    from types import SimpleNamespace

    from povsim.experiments.discovery import _drop_insignificant

    weak = SimpleNamespace(p_values=[{"income.growth": [0.14, -1.0], "x": [-1.0, 0.41]}])
    assert _drop_insignificant(weak, 0) is None
    strong = SimpleNamespace(p_values=[{"income.growth": [0.001, -1.0]}])
    assert _drop_insignificant(strong, 0) == 0


def test_the_whole_input_space_is_no_box() -> None:
    """Where most runs meet the condition anyway, the first step of the peeling (no
    restriction at all) was kept and reported as "Box 1: when anywhere, 57% of runs ...; the
    box holds 100% of those runs and 100% of all runs"."""
    from types import SimpleNamespace

    from povsim.experiments.discovery import _drop_insignificant

    assert _drop_insignificant(SimpleNamespace(p_values=[{}]), 0) is None
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(300, 3)), columns=["a", "b", "c"])
    y = rng.uniform(size=300) < 0.57  # likely everywhere, and unrelated to the inputs
    boxes, stats, _, summary = prim_boxes(x, y)
    assert boxes.empty
    assert stats.empty
    assert summary.empty
    found = Discovery(Path("r"), "sweep", "y", 300, int(y.sum()), list(x), boxes, stats,
                      pd.DataFrame(), summary)  # fmt: skip
    [reading] = found.readings()
    assert reading.startswith("no box:")


def test_an_outcome_of_a_year_the_runs_did_not_run_is_refused(tmp_path: Path) -> None:
    """incidence@2027 of runs to 2020 was NaN in every run: "not incidence@2027 > 0.5" held
    everywhere without a word, and "registered_people@2025 < 1" said no run meets it."""
    sweep = planted_sweep(tmp_path / "sweep", runs=20)
    for where in ("registered_people@2020 > 0 and not registered_people@2027 > 0.5",
                  "registered_people@2018 < 1"):  # fmt: skip
        with pytest.raises(DiscoveryError) as error:
            discover(sweep, where)
        year = where.split("@")[-1][:4]
        assert str(error.value) == (
            f"--where {where!r}: registered_people@{year}: the runs run 2019-2020, not {year}"
        )
    args = ["discover", str(sweep), "--where", "registered_people@2025 < 1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "the runs run 2019-2020, not 2025" in result.output
    assert not (tmp_path / "out").exists()


def test_povsim_discover_names_its_where_argument_not_the_option(tmp_path: Path) -> None:
    """povsim.discover(...) from Python was told "--where 'x': ...", an option it has not;
    its other arguments are named as given (results: empty), as an override is (overrides)."""
    sweep = planted_sweep(tmp_path / "sweep", runs=20)
    for where, said in (
        ("nothing > 1", "where 'nothing > 1': unknown outcome 'nothing'"),
        ("registered_people@2020", "where 'registered_people@2020': must be a condition"),
        ("registered_people@2025 < 1", "where 'registered_people@2025 < 1': registered_people"),
        (" ", "where: give a condition"),
    ):
        with pytest.raises(DiscoveryError, match=f"^{re.escape(said)}"):
            povsim.discover(sweep, where)
    result = runner.invoke(app, ["discover", str(sweep), "--where", "nothing > 1", "--out", "o"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --where 'nothing > 1': unknown outcome"), result.output


def test_a_box_that_loses_its_density_is_not_reported() -> None:
    """Dropping a box's insignificant restrictions can leave a box where the condition is
    no longer likely; it was reported anyway ("when income.growth <= 0.0649, 29% of runs
    have ..." against a base rate of 24%). The cases are notebook 05's full run: 200 Latin
    hypercube draws of its best mix, the condition cumulative_relapse_share > 0.04."""
    cases = pd.read_csv(Path(__file__).parent / "data" / "second_box_cases.csv")
    x, y = cases.drop(columns="case"), cases["case"].to_numpy(dtype=bool)
    _, stats, trajectory, _ = prim_boxes(x, y)
    assert (stats["density"] >= 0.5).all()
    assert stats["box"].tolist() == [1]
    assert not trajectory[trajectory["box"] == 2]["selected"].any()  # tried, and kept none


def test_a_result_without_a_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    """A run's indicators without a column the outcome needs ended in a KeyError's traceback
    (the first file's), or left that run's outcome blank (a later file's), and a plan
    without its run ids in another traceback."""
    sweep = planted_sweep(tmp_path / "sweep", runs=20)
    files = sorted((sweep / "indicators").glob("*.parquet"))
    where = "registered_people@2020 > 0"
    for damaged in (files[0], files[7]):  # the first file's schema is the dataset's
        whole = pd.read_parquet(damaged)
        whole.drop(columns="registered_people").to_parquet(damaged, index=False)
        with pytest.raises(DiscoveryError) as err:
            discover(sweep, where)
        assert str(err.value) == (
            f"{damaged}: has no column registered_people, which the other runs' indicators have"
        )
        whole.to_parquet(damaged, index=False)
    extra = pd.read_parquet(files[0])
    extra.assign(stray=1.0).to_parquet(files[0], index=False)
    with pytest.raises(DiscoveryError) as err:  # the odd file out, not the first of the rest
        discover(sweep, where)
    assert str(err.value) == (
        f"{files[0]}: has a column stray, which the other runs' indicators lack"
    )
    extra.to_parquet(files[0], index=False)
    with pytest.raises(DiscoveryError) as err:  # no run has the column
        discover(sweep, "incidence_end > 0")
    assert str(err.value) == (
        f"{sweep / 'indicators'}: its runs have no column incidence, which incidence_end is "
        "computed from"
    )
    pd.read_parquet(files[3]).drop(columns="run_id").to_parquet(files[3], index=False)
    with pytest.raises(DiscoveryError, match="has no column run_id, which every run's"):
        discover(sweep, where)
    plan = pd.read_parquet(sweep / "runs.parquet")
    plan.drop(columns="run_id").to_parquet(sweep / "runs.parquet", index=False)
    out = tmp_path / "found"
    result = runner.invoke(app, ["discover", str(sweep), "--where", where, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"error: {sweep / 'runs.parquet'}: has no column run_id, which a sweep's plan has\n"
    )
    assert not out.exists()
