"""``povsim run``: the run directory, its files and columns, overrides, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import povsim.runs.store
from povsim import INDICATORS
from povsim.cli import app
from povsim.sim.model import PANEL_COLUMNS

from .conftest import SCENARIOS

runner = CliRunner()
BASELINE = str(SCENARIOS / "baseline.toml")


def test_run_writes_a_complete_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", BASELINE, "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "baseline (seed 3)" in result.output
    ind = pd.read_parquet(out / "indicators.parquet")
    assert list(ind.columns) == list(INDICATORS)
    assert ind["year"].tolist() == list(range(2014, 2021))
    assert (ind["incidence"].between(0, 1)).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["scenario"]["population"]["households"] == 5000
    assert {"povsim", "mesa", "numpy"} <= set(manifest["versions"])
    assert manifest["wall_seconds"] > 0
    assert manifest["started"] < manifest["finished"]
    for name in ("poverty_headcount", "exits_relapses", "income_fan"):
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "households.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary directory left


def test_run_with_overrides_and_panel(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "run",
            BASELINE,
            "--out",
            str(out),
            "--set",
            "population.households=200",
            "--set",
            "end_year=2016",
            "--panel",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    panel = pd.read_parquet(out / "households.parquet")
    assert list(panel.columns) == ["year", "household", *PANEL_COLUMNS]
    assert len(panel) == 200 * 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == ["population.households=200", "end_year=2016"]
    assert manifest["scenario"]["end_year"] == 2016


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(povsim.runs.store, "save_figure", broken)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", BASELINE, "--out", str(out), "--set", "population.households=100"]
    )
    assert result.exit_code == 1
    assert "disk full" in result.output
    assert list(tmp_path.iterdir()) == []


def test_rerun_replaces_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", BASELINE, "--out", str(out), "--set", "population.households=100", "--quiet"]
    assert runner.invoke(app, [*args, "--panel"]).exit_code == 0
    assert (out / "households.parquet").exists()
    assert runner.invoke(app, args).exit_code == 0
    assert not (out / "households.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_default_out_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", BASELINE, "--set", "population.households=100", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "baseline-seed20140101" / "manifest.json").exists()


def test_fields_lists_every_field() -> None:
    result = runner.invoke(app, ["fields"])
    assert result.exit_code == 0
    assert "| `income.growth` | `0.073` | 1/year |" in result.output
    assert "`shocks.illness.annual_probability`" in result.output
