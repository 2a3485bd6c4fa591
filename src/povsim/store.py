"""Run directories: ``manifest.json``, Parquet tables and ``figures/``, written atomically.

Everything is written to a hidden temporary directory beside the target and then
renamed into place, so a run directory is either complete or absent.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from povsim.experiments.ensemble import Ensemble
from povsim.plots import save_run_figures
from povsim.runner import RunResult

__all__ = ["atomic_directory", "versions", "write_run"]


def versions() -> dict[str, str]:
    """Versions of povsim and the libraries that shape its results."""
    found = {"python": platform.python_version()}
    for package in ("povsim", "mesa", "numpy", "pandas", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


@contextmanager
def atomic_directory(target: Path):
    """Yield a temporary directory that replaces ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


def write_run(
    result: RunResult, out: Path, *, source: str | None = None, overrides: list[str] | None = None
) -> Path:
    """Write ``result`` as a run directory at ``out`` and return its path."""
    out = Path(out)
    with atomic_directory(out) as tmp:
        _parquet(result.indicators, tmp / "indicators.parquet")
        _parquet(result.villages, tmp / "villages.parquet")
        _parquet(result.pathways, tmp / "pathways.parquet")
        _parquet(result.spending, tmp / "spending.parquet")
        files = ["indicators.parquet", "villages.parquet", "pathways.parquet", "spending.parquet"]
        if result.counterfactual is not None:
            _parquet(result.counterfactual, tmp / "counterfactual.parquet")
            files.append("counterfactual.parquet")
        if result.panel is not None:
            _parquet(result.panel, tmp / "households.parquet")
            files.append("households.parquet")
        replications = 1
        if isinstance(result, Ensemble):
            replications = result.replications
            _parquet(result.summaries(), tmp / "summary.parquet")
            files.append("summary.parquet")
        figures = save_run_figures(result, tmp / "figures")
        manifest = {
            "scenario_name": result.scenario.name,
            "scenario_file": source,
            "overrides": list(overrides or []),
            "seed": result.seed,
            "replications": replications,
            "versions": versions(),
            "started": result.started.isoformat(),
            "finished": result.finished.isoformat(),
            "wall_seconds": round(result.wall_seconds, 4),
            "files": files + [f"figures/{p.name}" for p in figures],
            "summary": result.summary(),
            **(
                {"summary_intervals": result.summary_intervals().to_dict("records")}
                if isinstance(result, Ensemble)
                else {}
            ),
            "scenario": result.scenario.model_dump(mode="json"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    result.path = out
    return out
