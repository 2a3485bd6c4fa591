"""What a worker runs: one scenario, one seed, one replication."""

from __future__ import annotations

from dataclasses import dataclass

from povsim.config import Scenario
from povsim.runs.runner import RunResult, simulate

__all__ = ["RunSpec", "execute"]


@dataclass(frozen=True)
class RunSpec:
    """One run to do.

    Attributes:
        scenario: the resolved scenario.
        seed: the base seed.
        replication: replication number of ``seed`` (None: the plain seed).
        counterfactual: also run it without support, for the summary's comparisons.
    """

    scenario: Scenario
    seed: int
    replication: int | None = None
    counterfactual: bool = False


def execute(spec: RunSpec) -> RunResult:
    """Run one spec; module-level so every executor can send it to a worker."""
    return simulate(
        spec.scenario, spec.seed, replication=spec.replication, counterfactual=spec.counterfactual
    )
