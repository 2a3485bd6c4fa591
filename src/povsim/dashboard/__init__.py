"""The planner's dashboard (``povsim dashboard``; needs the ``viz`` extra).

:mod:`povsim.dashboard.policy` holds the policy-mix logic and needs nothing more than
povsim; :mod:`povsim.dashboard.app` is the Solara page (its own controls step the Mesa model a
year at a time; Mesa's SolaraViz is not used).
"""

from povsim.dashboard.policy import (
    MAX_PINNED,
    Front,
    Policy,
    front_dirs,
    load_front,
    percents,
    rebalance,
    scenario_files,
)

__all__ = [
    "MAX_PINNED",
    "Front",
    "Policy",
    "front_dirs",
    "load_front",
    "percents",
    "rebalance",
    "scenario_files",
]
