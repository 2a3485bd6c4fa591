"""The benchmark's per-agent reference does the same work as the vectorised step."""

from __future__ import annotations

import sys

import numpy as np

from povsim import PovertyModel, Scenario

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference import ROW_FIELDS, YEAR_FIELDS, ReferenceModel


def test_reference_matches_vectorised_step(small: Scenario) -> None:
    # The reference model steps from the drawn population: no reference year before it.
    scenario = small.updated(
        {
            "shocks.disaster.annual_probability": 0.3,
            "shocks.illness.annual_probability": 0.3,
            "registration.income_year": None,
            "income.wage_premium": 0.03,
        }
    )
    steps = scenario.steps_per_year - 1  # stop before the year-end assessment resets totals
    vectorised = PovertyModel(scenario, 8)
    # Program effects as programs would set them at the start of the year, on both sides.
    vectorised._begin_year = lambda: None
    h = vectorised.households
    support = np.random.default_rng(0).random((5, h.n))
    for name, values in zip(ROW_FIELDS[:5], (3000, 2000, 800, 0.4, 0.3), strict=True):
        setattr(h, name, support[ROW_FIELDS.index(name)] * values)
    reference = ReferenceModel(scenario, 8, support={f: getattr(h, f) for f in ROW_FIELDS[:5]})
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
