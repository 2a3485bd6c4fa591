"""Experiments: replications, paired comparisons and sweeps, through one executor layer."""

from povsim.experiments.compare import (
    Comparison,
    RunFolderError,
    compare_runs,
    compare_scenarios,
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
from povsim.experiments.sweep import Sweep, SweepDesign, SweepError, load_design, run_sweep
from povsim.experiments.tasks import RunSpec, execute

__all__ = [
    "EXECUTORS",
    "Comparison",
    "DaskExecutor",
    "Ensemble",
    "Executor",
    "ProcessExecutor",
    "RunFolderError",
    "RunSpec",
    "SerialExecutor",
    "Sweep",
    "SweepDesign",
    "SweepError",
    "compare_runs",
    "compare_scenarios",
    "execute",
    "load_design",
    "make_executor",
    "run_ensemble",
    "run_sweep",
    "write_comparison",
]
