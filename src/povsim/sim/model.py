"""The :class:`PovertyModel`: households and villages as Mesa agents over NumPy state."""

from __future__ import annotations

import contextlib
import inspect
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from povsim.config import Scenario, arguments
from povsim.sim.agents import County, Household, Village
from povsim.sim.assessment import close_year, reset_year
from povsim.sim.context import ProgramContext
from povsim.sim.exits import county_exits
from povsim.sim.households import PANEL_COLUMNS, HouseholdState
from povsim.sim.income import step_income
from povsim.sim.indicators import INDICATOR_TYPES, INDICATORS, annual_indicators, income_sketch
from povsim.sim.monitoring import deep_poverty_designated
from povsim.sim.pathways import PATHWAY_COLUMNS, pathway_rows
from povsim.sim.population import build_population, live_reference_years
from povsim.sim.programs import Program, SupportProgram, channel_totals, program_class
from povsim.sim.programs.base import SPENDING_COLUMNS, record_support_reach
from povsim.sim.registration import register_initial
from povsim.sim.shocks import draw_shocks
from povsim.sim.streams import Streams, run_seed
from povsim.sim.villages import (
    VillageState,
    designate_poor_villages,
    send_work_teams,
    update_villages,
)

__all__ = ["OWN_PROGRAM_FRAMES", "PovertyModel"]


OWN_PROGRAM_FRAMES = "povsim_program_frames"
"""The attribute an error from a program of one's own carries: the traceback's lines in the
program's own module, which is what its author can mend (a worker's error comes without its
traceback)."""


def _name_the_program(err: Exception, year: int) -> None:
    """Name the program of one's own an error came from, and the year: its traceback alone
    points into povsim's model step."""
    for frame, _ in traceback.walk_tb(err.__traceback__):
        program = frame.f_locals.get("self")
        if isinstance(program, Program) and not type(program).__module__.startswith("povsim."):
            cls = type(program)
            _blame(err, program.name, f"{cls.__module__}:{cls.__qualname__}", f"in {year}", cls)
            return


def _blame(err: Exception, name: str, kind: str, when: str, cls: type) -> None:
    """Say which program of one's own ``err`` came from and when, and keep the lines of its
    traceback in ``cls``'s module (:data:`OWN_PROGRAM_FRAMES`)."""
    err.add_note(f"raised in program '{name}' ({kind}), a program of your own, {when}")
    try:
        own = inspect.getsourcefile(cls)
    except (OSError, TypeError):  # a class of a notebook's or `python -c`'s __main__
        own = None
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == own]
    with contextlib.suppress(AttributeError):  # an error that takes no attributes
        setattr(err, OWN_PROGRAM_FRAMES, "".join(traceback.format_list(frames)))


def _report(name: str, model: PovertyModel) -> float | int | bool:
    return model.year_indicators[name]


class PovertyModel(County):
    """Targeted poverty alleviation in one county, stepped ``steps_per_year`` times a year.

    Household and village state live in NumPy arrays owned by the model
    (:attr:`households`, :attr:`villages`); :class:`Household` and :class:`Village`
    agents are views onto their rows. A step is vectorised over all households; the
    last step of each year runs the assessment and collects one row of indicators.

    Args:
        scenario: the validated scenario.
        seed: an integer or a ``SeedSequence``; defaults to ``scenario.seed``.
        population: household and village state to start from instead of drawing
            one (for hand-built test cases); it is used as given, not copied.
        panel: keep one row per household per year for ``households.parquet``.
        sketches: keep each year's income sketch (:attr:`income_sketches`), which a
            county of a national run sends back for the nation's quantiles.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        *,
        population: tuple[HouseholdState, VillageState] | None = None,
        panel: bool = False,
        sketches: bool = False,
    ):
        arguments.loaded("scenario", scenario)
        arguments.flag("panel", panel)
        arguments.flag("sketches", sketches)
        if not isinstance(seed, np.random.SeedSequence):
            seed = run_seed(seed, scenario.seed)
        if scenario.geography is not None:
            # A national scenario is many counties (povsim.runs.counties), never one model.
            raise ValueError(
                "a scenario with a geography section is county-resolved: run it with "
                "povsim.runs.counties.simulate_counties (or povsim run)"
            )
        self.seed_value = seed
        self.streams = Streams(self.seed_value)
        super().__init__(rng=self.streams.model)
        self._config = scenario
        self.year = scenario.start_year
        self.step_in_year = 0
        self.county_exit_year: int | None = None
        # Deep-poverty counties (深度贫困县) were designated in 2017, by area (三区三州) or
        # by their registered incidence (over 18%), and had a wider monitoring scale.
        self.deep_poverty = scenario.monitoring.deep_area

        if population is None:
            population = build_population(scenario, self.streams.population)
            lived = live_reference_years(*population, scenario, self.streams)
        else:
            lived = False
        self.households, self.villages = population
        h, v = self.households, self.villages
        if len(h) and (h.village.max() >= len(v) or h.village.min() < 0):
            raise ValueError("a household's village index is out of range")

        self.context = ProgramContext(h, v, scenario)
        self.village_agents = [Village(self, i) for i in range(len(v))]
        self._household_agents: list[Household] | None = None

        designate_poor_villages(h, v, scenario, scenario.registration_line)
        register_initial(h, v, scenario, self.streams)
        if lived:
            reset_year(h, v)
        self.programs: list[Program] = []
        for name, config in scenario.programs.items():
            cls = program_class(config.kind)
            try:
                self.programs.append(cls(self, name, config))
            except Exception as err:
                if not cls.__module__.startswith("povsim."):  # a program of one's own
                    _blame(err, name, config.kind, f"as it was built for {self.year}", cls)
                raise
        self._pathways: list[dict[str, Any]] = []
        self.income_sketches: list[np.ndarray] | None = [] if sketches else None
        self.year_indicators: dict[str, float | int | bool] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_report, name) for name in INDICATORS}
        )
        self._panel: list[pd.DataFrame] | None = [] if panel else None
        self.step_listeners: list[Callable[[PovertyModel], None]] = []

    @property
    def household_agents(self) -> list[Household]:
        """The household agents, one per row of :attr:`households`.

        Created when first asked for (here, or through :attr:`agents`,
        :attr:`agents_by_type` or :attr:`agent_types`): a run that never looks at single
        households — a sweep, a calibration, the dashboard's projection — does not pay
        for thousands of views (a fifth of a county run's time).
        """
        self._build_household_agents()
        assert self._household_agents is not None
        return self._household_agents

    def _build_household_agents(self) -> None:
        if self._household_agents is None:
            self._household_agents = [Household(self, i) for i in range(self.households.n)]

    @property
    def agents(self):  # the same set, households included
        self._build_household_agents()
        return super().agents

    @property
    def agents_by_type(self):
        self._build_household_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._build_household_agents()
        return super().agent_types

    def __repr__(self) -> str:
        c = self.config
        seed = self.seed_value
        shown = seed if isinstance(seed, int) else f"{seed.entropy} {tuple(seed.spawn_key)}"
        where = (
            f"at {self.year}, step {self.step_in_year} of {c.steps_per_year}"
            if self.running
            else f"run to {c.end_year}"
        )
        return (
            f"<PovertyModel {c.name!r}, seed {shown}, {c.start_year}-{c.end_year}, {where}: "
            f"{len(self.households):,} households, {len(self.villages):,} villages>"
        )

    @property
    def total_steps(self) -> int:
        """Steps from the first month to the last year's assessment."""
        return len(self.config.years) * self.config.steps_per_year

    def step(self) -> None:
        """One step of every household's income; the year's last step also assesses.

        Raises:
            RuntimeError: the model has already run to its last year.
        """
        if not self.running:
            raise RuntimeError(
                f"the model has run to {self.config.end_year}: build a new PovertyModel to "
                "run it again"
            )
        try:
            self._step()
        except Exception as err:
            _name_the_program(err, self.year)
            raise

    def _step(self) -> None:
        h, v = self.households, self.villages
        if self.step_in_year == 0:
            self._begin_year()
        step_income(h, v, self.config, self.year, draw_shocks(self.streams, len(h), len(v)))
        self.step_in_year += 1
        if self.step_in_year == self.config.steps_per_year:
            self._close_year()
        for listener in self.step_listeners:
            listener(self)

    def _begin_year(self) -> None:
        """Villages act, then every program ends, enrols, pays and sets its effect."""
        h = self.households
        send_work_teams(self.villages, self.config, self.year)
        for program in self.programs:
            program.begin_year(self.year)
        # Support reaches households only once they are on the register: in a first year
        # spent registering them (2014: April to October), for the months that are left.
        # Each program's income, away income, remitted wages and illness cover become what
        # the year brings, so what is later taken off the year's income for them (a
        # contribution to an exit, the allowance's re-assessment) holds only that part; so
        # does what support paid by the year costs. A relocation's gain is not
        # cut: the move changes the household's earning bases from the year's start.
        reach = 1.0
        if self.year == self.config.start_year:
            reach = 1.0 - self.config.registration.completed_month / 12
            for program in self.programs:
                program.reach_part_of_year(reach)
        totals = channel_totals(self.programs, h.n)
        h.support_farm = totals["farm"]
        h.support_wage = totals["wage"]
        h.support_remitted = totals["remitted"]
        h.support_transfer = totals["transfer"]
        h.away_income = sum((p.away_income for p in self.programs), np.zeros(h.n))
        h.labour_away = np.minimum(sum((p.labour_away for p in self.programs), 0), h.labour)
        left = reach * sum((p.labour_left for p in self.programs), np.zeros(h.n))
        h.labour_left = np.minimum(left, h.labour)
        h.extra_reimbursement = 0.0
        h.illness_protection = 0.0
        for program in self.programs:
            if (cover := program.illness_cover()) is not None:
                h.extra_reimbursement += reach * cover.reimbursement
                h.illness_protection += reach * cover.protection

    def _spending_this_year(self) -> tuple[float, float, float]:
        """The programs' money spent and budget this year, and the households supported."""
        spent = sum(p.ledger[-1]["spent_yuan"] for p in self.programs if p.ledger)
        budget = sum(p.ledger[-1]["budget_yuan"] for p in self.programs if p.ledger)
        supported = np.zeros(self.households.n, dtype=bool)
        for program in self.programs:
            if isinstance(program, SupportProgram):
                supported |= program.covered()
        return spent, budget, self.households.count(supported)

    def _close_year(self) -> None:
        h, v, scenario = self.households, self.villages, self.config
        line = scenario.line(self.year)
        transitions = close_year(
            h, v, scenario, self.year, self.streams, self.programs, deep_poverty=self.deep_poverty
        )
        self._pathways += pathway_rows(
            h,
            self.programs,
            transitions.exited,
            self.year,
            scenario.exit_income(self.year),
            line=line,
            floored_by=transitions.floored_by,
        )
        record_support_reach(self.programs, self.households)
        spent, budget, supported = self._spending_this_year()
        update_villages(h, v, scenario, self.year)
        if self.county_exit_year is None and county_exits(h, scenario):
            self.county_exit_year = self.year
        self.deep_poverty |= deep_poverty_designated(h, scenario, self.year)
        self.year_indicators = annual_indicators(
            h,
            v,
            self.year,
            line,
            transitions,
            self.county_exit_year is not None,
            spent,
            supported,
            deep_poverty=self.deep_poverty,
            budget=budget,
        )
        self.datacollector.collect(self)
        if self.income_sketches is not None:
            self.income_sketches.append(income_sketch(h))
        if self._panel is not None:
            frame = h.frame(PANEL_COLUMNS)
            frame.insert(0, "household", np.arange(len(h), dtype=np.int32))
            frame.insert(0, "year", np.int16(self.year))
            self._panel.append(frame)
        self.year += 1
        self.step_in_year = 0
        if self.year > scenario.end_year:
            self.running = False

    def run(self) -> PovertyModel:
        """Step until the last simulated year has been assessed."""
        while self.running:
            self.step()
        return self

    def indicators(self) -> pd.DataFrame:
        """One row per assessed year (see :data:`povsim.sim.indicators.INDICATORS`), each
        column of its :data:`~povsim.sim.indicators.INDICATOR_TYPES` type."""
        reported = self.datacollector.model_vars
        # Typed as each column is built: astype by column left a block per column, and a
        # county-resolved run keeps 861 such tables (100 MB more at 300,000 agents, and
        # slower to sum: stop 64).
        return pd.DataFrame(
            {
                name: np.asarray(reported.get(name, []), dtype=INDICATOR_TYPES[name])
                for name in INDICATORS
            }
        )

    def pathways(self) -> pd.DataFrame:
        """Exits credited to each program (several may share one) and primary pathways."""
        return pd.DataFrame(self._pathways, columns=list(PATHWAY_COLUMNS))

    def spending(self) -> pd.DataFrame:
        """Per year and program: budget, money spent, unspent, enrolments, waiting list."""
        rows = [row for program in self.programs for row in program.ledger]
        frame = pd.DataFrame(rows, columns=list(SPENDING_COLUMNS))
        return frame.sort_values(["year"], kind="stable").reset_index(drop=True)

    def panel(self) -> pd.DataFrame | None:
        """One row per household per assessed year, if the model was built with ``panel=True``."""
        return pd.concat(self._panel, ignore_index=True) if self._panel else None
