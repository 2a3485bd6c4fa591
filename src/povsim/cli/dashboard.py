"""``povsim dashboard``: the planner's dashboard in the browser."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from povsim.cli.common import (
    console,
    fail,
    load,
)

__all__ = ["dashboard"]


def dashboard(
    scenario: Annotated[
        Path | None, typer.Argument(help="scenario to start with [default: the baseline]")
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    scenarios_dir: Annotated[Path, typer.Option(help="shipped scenarios the page offers")] = Path(
        "scenarios"
    ),
) -> None:
    """Start the planner's dashboard in the browser (needs the viz extra)."""
    if importlib.util.find_spec("solara") is None:
        raise fail("the dashboard needs the viz extra: pip install 'povsim[viz]'", 2)
    if scenario is not None:
        load(scenario, [])
    elif not (scenarios_dir / "baseline.toml").exists():
        raise fail(
            f"no scenario given and no {scenarios_dir / 'baseline.toml'}: give a scenario "
            "file or --scenarios-dir",
            2,
        )
    env = {
        **os.environ,
        "POVSIM_SCENARIOS_DIR": str(scenarios_dir.resolve()),
        "POVSIM_DASHBOARD_SCENARIO": str(scenario.resolve()) if scenario else "",
    }
    command = [sys.executable, "-m", "solara", "run", "povsim.dashboard.app"]
    command += ["--host", host, "--port", str(port), "--production", "--no-open"]
    console.print(f"povsim dashboard at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        done = subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        return
    if done.returncode not in (0, -2, 130):
        raise typer.Exit(done.returncode)
