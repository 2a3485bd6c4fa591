"""The benchmark's per-agent reference does the same work as the vectorised step."""

from __future__ import annotations

import sys

import numpy as np

from povsim import PovertyModel, Scenario

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference import YEAR_FIELDS, ReferenceModel


def test_reference_matches_vectorised_step(small: Scenario) -> None:
    scenario = small.updated(
        {"shocks.disaster.annual_probability": 0.3, "shocks.illness.annual_probability": 0.3}
    )
    steps = scenario.steps_per_year - 1  # stop before the year-end assessment resets totals
    vectorised = PovertyModel(scenario, 8)
    reference = ReferenceModel(scenario, 8)
    for _ in range(steps):
        vectorised.step()
        reference.step()
    h = vectorised.households
    agents = sorted(reference.agents, key=lambda a: a.index)
    assert h.ill_year.any()
    assert h.disaster_year.any()
    for name in YEAR_FIELDS:
        np.testing.assert_allclose(
            [getattr(a, name) for a in agents], getattr(h, name), rtol=1e-9, err_msg=name
        )
    np.testing.assert_array_equal([a.housing_grade for a in agents], h.housing_grade)
