"""Experiments: replications, paired comparisons and sweeps, through one executor layer."""

from povsim.experiments.compare import (
    Comparison,
    compare_scenarios,
    indicator_metrics,
    run_metrics,
    write_comparison,
)
from povsim.experiments.ensemble import Ensemble, run_ensemble
from povsim.experiments.executors import (
    EXECUTORS,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from povsim.experiments.stats import mean_interval, summarise
from povsim.experiments.sweep import Sweep, SweepDesign, SweepError, load_design, run_sweep
from povsim.experiments.tasks import RunSpec, execute

__all__ = [
    "EXECUTORS",
    "Comparison",
    "DaskExecutor",
    "Ensemble",
    "Executor",
    "ProcessExecutor",
    "RunSpec",
    "SerialExecutor",
    "Sweep",
    "SweepDesign",
    "SweepError",
    "compare_scenarios",
    "execute",
    "indicator_metrics",
    "load_design",
    "make_executor",
    "mean_interval",
    "run_ensemble",
    "run_metrics",
    "run_sweep",
    "summarise",
    "write_comparison",
]
