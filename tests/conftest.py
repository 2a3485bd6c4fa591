"""Shared fixtures: small scenarios and hand-built households."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from povsim import HouseholdState, Scenario, VillageState, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

HOUSEHOLD_DEFAULTS = {
    "size": 1,
    "labour": 1,
    "schooling_ok": True,
    "medical_ok": True,
    "food_ok": True,
}


def hand_built(*rows: dict, villages: int = 1) -> tuple[HouseholdState, VillageState]:
    """Households from the given fields (others at safe defaults) in ``villages`` plain villages."""
    h = HouseholdState.from_records([{**HOUSEHOLD_DEFAULTS, **row} for row in rows])
    v = VillageState(villages, infrastructure=0.5, remoteness=0.3)
    return h, v


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """Ctrl-C delivered as a shell delivers it to Python, whatever handler an earlier test in
    this worker left (a background shell's SIGINT is ignored: found on CI)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_while(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    """Have ``module.name`` take a Ctrl-C as it starts, then do its work."""
    real = getattr(module, name)

    def stopped(*args: object, **kwargs: object) -> object:
        signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, stopped)


def set_year_income(h: HouseholdState, income) -> None:
    """Make the year's flows total ``income`` (yuan per person), all of it farm income."""
    h.farm_year = np.asarray(income, dtype=float) * np.ones(h.n)


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def small(baseline: Scenario) -> Scenario:
    """The baseline as a county of 600 households in 12 villages (each agent one household):
    fast enough to run many times."""
    return baseline.updated(_county_of(600, 12))


@pytest.fixture(scope="session")
def bare(baseline: Scenario) -> Scenario:
    """The baseline's county and rules with no support programs, money or work teams."""
    return baseline.updated(
        {
            "programs": {},
            "villages.work_teams": False,
            "budget.total": {},
            "monitoring.enabled": False,
        }
    )


@pytest.fixture(scope="session")
def small_bare(bare: Scenario) -> Scenario:
    return bare.updated(_county_of(600, 12))


def _county_of(households: int, villages: int) -> dict[str, int | None]:
    """A county of this size, each agent one household (not the baseline's county sampled)."""
    return {
        "population.households": households,
        "population.villages": villages,
        "population.represents": None,
        "population.represents_villages": None,
    }


@pytest.fixture
def rules(bare: Scenario) -> Scenario:
    """Deterministic register rules and no shocks."""
    return bare.updated(
        {
            "registration.income_error_sd": 0.0,
            "guarantees.schooling_new_gap": 0.0,
            "guarantees.schooling_annual_fix": 0.0,
            "guarantees.medical_annual_fix": 0.0,
            "guarantees.self_renovation": 0.0,
            "shocks.illness.annual_probability": 0.0,
            "shocks.disaster.annual_probability": 0.0,
            "shocks.market.sd": 0.0,
            "income.transitory_sd": 0.0,
        }
    )
