"""Figures, drawn with matplotlib's object API (no global pyplot state).

:mod:`povsim.plots.run` draws a run, :mod:`povsim.plots.experiments` comparisons and
sensitivity analyses, :mod:`povsim.plots.calibration` fits to published targets,
:mod:`povsim.plots.optimize` policy searches and scenario discovery,
:mod:`povsim.plots.national` county-resolved national runs.
"""

from povsim.plots.calibration import calibration_history, target_fit
from povsim.plots.experiments import (
    comparison_bars,
    comparison_trajectories,
    sensitivity_bars,
    sweep_outcomes,
    time_varying_indices,
)
from povsim.plots.optimize import front_pairs, front_shares, peeling_trajectory
from povsim.plots.run import (
    draw_income_bands,
    exits_relapses,
    income_fan,
    pathways,
    poverty_headcount,
    run_figures,
    spending,
)

__all__ = [
    "calibration_history",
    "comparison_bars",
    "comparison_trajectories",
    "draw_income_bands",
    "exits_relapses",
    "front_pairs",
    "front_shares",
    "income_fan",
    "pathways",
    "peeling_trajectory",
    "poverty_headcount",
    "run_figures",
    "sensitivity_bars",
    "spending",
    "sweep_outcomes",
    "target_fit",
    "time_varying_indices",
]
